"""The schema exists only through migrations, and they match the models exactly."""
import ast
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.cases.learners.models import name_and_birth_index, normalise_name
from app.cpd.standards import STANDARDS
from app.extensions import db
from app.security.crypto import associated_data, blind_index, seal
from app.types import UTCDateTime

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"

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


def test_the_migrated_standards_are_the_reference_list(database_url):
    # 0006 owns its rows (frozen in the migration); if app/cpd/standards.py changes, this fails until a new
    # migration brings every database to the same list.
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT code, framework, group_name, title, source, sort_key FROM cpd_standard ORDER BY sort_key"
            )).all()
    finally:
        engine.dispose()
    expected = [
        (s.code, s.framework.value, s.group, s.title, s.source, s.sort_key)
        for s in sorted(STANDARDS, key=lambda s: s.sort_key)
    ]
    assert [tuple(row) for row in rows] == expected


# A migration may use primitives that know no domain (app.security, e.g. to re-seal values; app.types);
# anything else of app's (app.agencies, app.cases, app.cpd, app.audit, app.core, ...) changes under it.
ALLOWED_APP_MODULES = ("app.security", "app.types")


def _app_imports(source: str) -> list[str]:
    """The app modules a migration's source imports that are not primitives, wherever the import sits."""
    imported = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "app":  # `from app import cpd` imports the package app.cpd
                imported += [f"app.{alias.name}" for alias in node.names]
            else:
                imported.append(node.module)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and (getattr(node.func, "id", None) == "__import__"
                   or getattr(node.func, "attr", None) == "import_module")):
            imported.append(node.args[0].value)
    return [
        name for name in imported
        if (name == "app" or name.startswith("app."))
        and not any(name == allowed or name.startswith(f"{allowed}.") for allowed in ALLOWED_APP_MODULES)
    ]


@pytest.mark.parametrize(("source", "found"), [
    ("from app.cpd.standards import STANDARDS", ["app.cpd.standards"]),
    ("def load():\n    from app.cpd.standards import STANDARDS", ["app.cpd.standards"]),
    ("import app.cases.models as models", ["app.cases.models"]),
    ("from app import audit, security", ["app.audit"]),
    ("import importlib\nimportlib.import_module('app.core.mail')", ["app.core.mail"]),
    ("from app.security.crypto import SealedText\nfrom app.types import UTCDateTime", []),
    ("from alembic import op\nimport sqlalchemy as sa\nfrom application import x", []),
], ids=["top-level", "inside-a-function", "import-as", "from-app-import", "import_module", "primitives",
        "not-app"])
def test_the_import_check_sees_domain_imports(source, found):
    assert _app_imports(source) == found


def test_no_migration_imports_domain_code():
    files = sorted(MIGRATIONS.glob("*.py"))
    assert files, f"no migrations found in {MIGRATIONS}"
    offending = {
        path.name: names
        for path in files
        if (names := _app_imports(path.read_text(encoding="utf-8")))
    }
    assert offending == {}


def test_0009_reindexes_names_to_ignore_spacing_and_punctuation_and_back(empty_database_url):
    """Learners registered before 0009 are found by "ruby ellis ward" after it, and warn of a second record."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0008")
        now = "2026-01-05 09:00:00+00:00"
        db.session.execute(text("INSERT INTO agency (id, public_id, name, kind, created_at) "
                                "VALUES (1, 'school-one', 'School One', 'school', :now)"), {"now": now})
        old_index = blind_index("name", "ruby ellisward")  # what 0002 to 0008 stored for "Ruby Ellis-Ward"
        db.session.execute(text(
            "INSERT INTO learner (id, public_id, school_id, year_group, created_at, name_sealed, name_index, "
            "date_of_birth_sealed) VALUES (1, 'learner-one', 1, 4, :now, :name, :index, :born)"),
            {"now": now, "index": old_index,
             "name": seal("Ruby Ellis-Ward", associated_data("learner", "name_sealed", "learner-one")),
             "born": seal("2017-03-03", associated_data("learner", "date_of_birth_sealed", "learner-one"))})
        db.session.commit()
        upgrade()
        row = db.session.execute(text("SELECT name_index, name_and_birth_index FROM learner")).one()
        assert row.name_index == blind_index("name", normalise_name("ruby ellis ward")) != old_index
        assert row.name_and_birth_index == name_and_birth_index("Ruby Ellis-Ward", date(2017, 3, 3))
        db.session.commit()
        downgrade(revision="0008")
        assert db.session.execute(text("SELECT name_index FROM learner")).scalar_one() == old_index
        db.session.commit()
        db.engine.dispose()


def test_0019_adds_the_family_profile_and_takes_it_away(empty_database_url):
    """The family profile's table: one row per learner (unique), sealed sections only, and gone on downgrade."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0016")
        assert "family_profile" not in inspect(db.engine).get_table_names()
        upgrade(revision="0019")
        columns = {column["name"] for column in inspect(db.engine).get_columns("family_profile")}
        assert {"good_at_sealed", "what_helps_sealed", "working_on_sealed", "who_to_talk_to_sealed", "version",
                "published_at"} <= columns
        assert not {"good_at", "what_helps", "working_on", "who_to_talk_to"} & columns  # nothing in the clear
        unique = {tuple(c["column_names"]) for c in inspect(db.engine).get_unique_constraints("family_profile")}
        assert ("learner_id",) in unique
        downgrade(revision="0016")
        assert "family_profile" not in inspect(db.engine).get_table_names()
        db.engine.dispose()
