"""Honest CPD hours: one case-work entry per person per piece of work, entries withdrawn with a reason, and the
hours a progress review was signed with.

Duplicates already in the log (two entries of one person linked to the same meeting or contribution) would break
the new unique constraints. The earliest entry keeps the link; each later one is withdrawn here (no reason: a
reason is sealed text, which a migration cannot write; the page says why it was withdrawn) and loses its link row,
so its hours stop counting and the constraint holds. Signed reviews keep `signed_hours` NULL: their figure at
signing was never stored, and the review page shows the log's live total saying so. The downgrade drops the new
columns and constraints (withdrawn entries then count again; the duplicates' removed links are not restored).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _withdraw_duplicates():
    bind = op.get_bind()
    evidence = sa.table('cpd_case_evidence', sa.column('id', sa.Integer), sa.column('entry_id', sa.Integer),
                        sa.column('owner_id', sa.Integer), sa.column('contribution_id', sa.Integer),
                        sa.column('meeting_id', sa.Integer))
    entry = sa.table('cpd_entry', sa.column('id', sa.Integer), sa.column('withdrawn_at', sa.DateTime(timezone=True)))
    rows = bind.execute(sa.select(evidence.c.id, evidence.c.entry_id, evidence.c.owner_id,
                                  evidence.c.contribution_id, evidence.c.meeting_id)
                        .order_by(evidence.c.entry_id, evidence.c.id)).all()
    seen, later = set(), []
    for link_id, entry_id, owner_id, contribution_id, meeting_id in rows:
        work = (owner_id, 'contribution' if contribution_id is not None else 'meeting', contribution_id or meeting_id)
        if work in seen:
            later.append((link_id, entry_id))
        seen.add(work)
    if not later:
        return
    now = datetime.now(UTC)
    if bind.dialect.name == 'sqlite':  # as the app stores times there: UTC wall time
        now = now.replace(tzinfo=None)
    bind.execute(sa.delete(evidence).where(evidence.c.id.in_([link_id for link_id, _ in later])))
    bind.execute(sa.update(entry).where(entry.c.id.in_([entry_id for _, entry_id in later]))
                 .values(withdrawn_at=now))


# cpd_entry and cpd_progress_review have children that cascade on delete: on SQLite (foreign keys on) a batch
# recreation would drop the old table and with it every standard, goal link, case link and review target. Their
# columns are added and dropped in place (ALTER TABLE ... ADD / DROP COLUMN; SQLite 3.35 or later); only
# cpd_case_evidence, which nothing references, is recreated for its constraints.
IN_PLACE = {'recreate': 'never'}


def upgrade():
    with op.batch_alter_table('cpd_entry', schema=None, **IN_PLACE) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason_sealed', sa.Text(), nullable=True))

    _withdraw_duplicates()

    with op.batch_alter_table('cpd_case_evidence', schema=None) as batch_op:
        batch_op.create_unique_constraint('one_entry_per_contribution', ['owner_id', 'contribution_id'])
        batch_op.create_unique_constraint('one_entry_per_meeting', ['owner_id', 'meeting_id'])

    with op.batch_alter_table('cpd_progress_review', schema=None, **IN_PLACE) as batch_op:
        batch_op.add_column(sa.Column('signed_hours', sa.Numeric(precision=6, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table('cpd_progress_review', schema=None, **IN_PLACE) as batch_op:
        batch_op.drop_column('signed_hours')

    with op.batch_alter_table('cpd_case_evidence', schema=None) as batch_op:
        batch_op.drop_constraint('one_entry_per_meeting', type_='unique')
        batch_op.drop_constraint('one_entry_per_contribution', type_='unique')

    with op.batch_alter_table('cpd_entry', schema=None, **IN_PLACE) as batch_op:
        batch_op.drop_column('withdrawn_reason_sealed')
        batch_op.drop_column('withdrawn_at')
