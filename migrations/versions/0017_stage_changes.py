"""Stage history of plan cycles (every move, and same-day moves back with a sealed reason) and who ended a
membership early.

Backfill: no stage changes (the trail names the field "stage" but not the stages moved between, and closes by a
merge and by a review look alike there); `ended_by_id` of memberships ended early from the audit event that ended
each (the latest update of the membership naming `ended_at`).
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

STAGES = ('assess', 'plan', 'do', 'review', 'closed')


def upgrade():
    op.create_table('cycle_stage_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('from_stage', sa.Enum(*STAGES, name='from_stage', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('to_stage', sa.Enum(*STAGES, name='to_stage', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('reason_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_cycle_stage_change_changed_by_id_user_account')),
    sa.ForeignKeyConstraint(['cycle_id'], ['plan_cycle.id'], name=op.f('fk_cycle_stage_change_cycle_id_plan_cycle')),
    sa.ForeignKeyConstraint(['reverses_id'], ['cycle_stage_change.id'], name=op.f('fk_cycle_stage_change_reverses_id_cycle_stage_change')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_stage_change')),
    sa.UniqueConstraint('public_id', name=op.f('uq_cycle_stage_change_public_id'))
    )
    with op.batch_alter_table('cycle_stage_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_stage_change_cycle_id'), ['cycle_id'], unique=False)

    with op.batch_alter_table('team_membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_team_membership_ended_by_id_user_account'), 'user_account', ['ended_by_id'], ['id'])
    op.execute(
        "UPDATE team_membership SET ended_by_id = ("
        " SELECT audit_event.actor_id FROM audit_event"
        " WHERE audit_event.object_type = 'team_membership'"
        " AND audit_event.object_public_id = team_membership.public_id"
        " AND audit_event.action = 'update' AND audit_event.outcome = 'allowed'"
        " AND audit_event.fields_changed LIKE '%ended_at%'"
        " ORDER BY audit_event.id DESC LIMIT 1)"
        " WHERE ended_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('team_membership', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_team_membership_ended_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('ended_by_id')

    with op.batch_alter_table('cycle_stage_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_stage_change_cycle_id'))

    op.drop_table('cycle_stage_change')
