"""Alembic environment for Braid: migrations run against the app's engine, never from create_app."""
import logging

from alembic import context
from flask import current_app

from app.logs import configure_logging
from app.security.crypto import SealedText
from app.types import UTCDateTime

config = context.config
# Braid's JSON lines, not alembic.ini's plain handlers (which would replace them for the whole process).
configure_logging()
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def render_item(type_, obj, autogen_context):
    """Write Braid's own types into migrations as the plain column types they store."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, SealedText):
        return "sa.Text()"
    return False


def run_migrations_offline():
    url = str(target_db.engine.url).replace("%", "%%")
    context.configure(url=url, target_metadata=target_db.metadata, literal_binds=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)

    with target_db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_for_migrations(connection, on=True)
        try:
            context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                _sqlite_for_migrations(connection, on=False)


def _sqlite_for_migrations(connection, on: bool):
    """SQLite settings for the migrations' connection, set outside a transaction (SQLite ignores them inside one).

    Foreign keys off: rebuilding a table others point at (batch mode's copy, drop and rename) would otherwise
    delete or refuse through every row pointing at it; `_check_foreign_keys` checks them all before the commit.
    secure_delete: a migration that seals plaintext zeroes the pages the plaintext leaves, and the WAL is
    truncated afterwards, so no copy of the file keeps it.
    """
    raw = connection.connection.driver_connection
    if on:
        connection.info["braid_secure_delete"] = raw.execute("PRAGMA secure_delete").fetchone()[0]
        raw.execute("PRAGMA foreign_keys=OFF")
        raw.execute("PRAGMA secure_delete=ON")
    else:
        if raw.in_transaction:
            raw.rollback()
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute(f"PRAGMA secure_delete={int(connection.info.pop('braid_secure_delete', 0))}")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _check_foreign_keys(connection):
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise RuntimeError(f"the migrations left rows pointing at nothing in {', '.join(tables)}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
