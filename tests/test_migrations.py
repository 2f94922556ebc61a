"""The schema exists only through migrations, and they match the models exactly."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from app.types import UTCDateTime

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends


def _differences(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_as_batch": True},
        )
        return compare_metadata(context, db.metadata)


def test_upgrading_an_empty_database_matches_the_models(empty_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert {"agency", "user_account", "mfa_enrolment", "password_reset_token", "job_run", "alembic_version"} <= tables
    assert _differences(app) == []
    with app.app_context():
        db.engine.dispose()


def test_migrations_downgrade_to_nothing_and_back(empty_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "user_account" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_every_datetime_column_is_utc_only():
    naive = [
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if "DATETIME" in str(column.type).upper() and not isinstance(column.type, UTCDateTime)
    ]
    assert naive == []
