"""A learner's name shown in a list is its own audit action, 'listed', apart from 'view' (opening the record).

Only the check constraint on audit_event.action widens: no column changes, no stored row is touched, so
every event's canonical line (and so the chain) stays as it was. PostgreSQL drops and adds the constraint.
SQLite cannot alter a CHECK, so the table is rebuilt: the same CREATE statement with the wider list, every row
copied aside and back as stored (same ids, same values), then its indexes and append-only triggers made again
from their own stored definitions. The rows of audit_event_learner keep pointing at the same ids.

Downgrade refuses while any 'listed' event exists: the trail is append-only and chained, so those events can
neither be deleted nor rewritten as 'view' (either would break the chain, and a rewrite would lie); a database
that never recorded one narrows back cleanly.
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

BEFORE = ('view', 'create', 'update', 'delete', 'export', 'invite', 'accept_invitation', 'sign_in', 'sign_in_failed',
          'lockout', 'sign_out', 'break_glass', 'rotate_keys', 'verify_audit', 'checkpoint_audit')
AFTER = BEFORE + ('listed',)
CONSTRAINT = 'ck_audit_event_auditaction'


def _in_list(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _widen_or_narrow(old, new) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f(CONSTRAINT), 'audit_event', type_='check')
        op.create_check_constraint(op.f(CONSTRAINT), 'audit_event', sa.text(f"action IN ({_in_list(new)})"))
        return
    _rebuild_sqlite(bind, f"action IN ({_in_list(old)})", f"action IN ({_in_list(new)})")


def _rebuild_sqlite(bind, old_check: str, new_check: str) -> None:
    table_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'audit_event'").scalar_one()
    if table_sql.count(old_check) != 1:
        raise RuntimeError(f"audit_event's action check is not the one expected ({old_check})")
    # Indexes and triggers go with the dropped table: keep their own definitions to make them again.
    companions = [sql for (sql,) in bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'audit_event' AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL ORDER BY type, name")]
    head, _, rest = table_sql.partition("audit_event")  # "CREATE TABLE " and " (...)"
    columns = ", ".join(f'"{row[1]}"' for row in bind.exec_driver_sql("PRAGMA table_info(audit_event)"))
    # audit_event_learner refers to these ids. Its foreign key is checked at commit: dropping the table counts its
    # rows as dangling, and putting each event back under its own id counts them resolved again.
    bind.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    bind.exec_driver_sql(f"{head}audit_event_0022_copy{rest}")  # the same definition: every value kept as stored
    bind.exec_driver_sql(f"INSERT INTO audit_event_0022_copy ({columns}) SELECT {columns} FROM audit_event")
    # DROP TABLE fires no trigger (the append-only ones refuse DELETE statements, not a rebuild).
    bind.exec_driver_sql("DROP TABLE audit_event")
    bind.exec_driver_sql(table_sql.replace(old_check, new_check))
    bind.exec_driver_sql(
        f"INSERT INTO audit_event ({columns}) SELECT {columns} FROM audit_event_0022_copy ORDER BY id")
    bind.exec_driver_sql("DROP TABLE audit_event_0022_copy")
    for sql in companions:
        bind.exec_driver_sql(sql)
    if bind.exec_driver_sql("PRAGMA foreign_key_check(audit_event_learner)").first() is not None:
        raise RuntimeError("audit_event_learner would point at events that are not there")


def upgrade():
    _widen_or_narrow(BEFORE, AFTER)


def downgrade():
    listed = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_event WHERE action = 'listed'")).scalar_one()
    if listed:
        raise RuntimeError(
            f"The audit trail holds {listed} 'listed' event(s): the trail is append-only and chained, so they can be "
            "neither deleted nor rewritten. Downgrade refused; restore a backup taken before 0022 instead.")
    _widen_or_narrow(AFTER, BEFORE)
