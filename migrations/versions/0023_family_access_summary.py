"""Who has seen a child's record, for their family: the DSL's withhold/release decisions (reason sealed), the
school's choice to name staff to families, and the sealed reason a membership (a parent's access) was ended."""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('family_visibility_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('learner_public_id', sa.String(length=64), nullable=False),
    sa.Column('withheld', sa.Boolean(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason_sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['audit_event.id'], name=op.f('fk_family_visibility_decision_event_id_audit_event')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_family_visibility_decision_decided_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_visibility_decision')),
    sa.UniqueConstraint('public_id', name=op.f('uq_family_visibility_decision_public_id'))
    )
    with op.batch_alter_table('family_visibility_decision', schema=None) as batch_op:
        batch_op.create_index('ix_family_visibility_decision_learner_event', ['learner_public_id', 'event_id', 'id'],
                              unique=False)
    # ALTER TABLE ... ADD COLUMN, never a copy of the table (other tables' rows refer to agency and team_membership).
    with op.batch_alter_table('agency', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('show_staff_names_to_family', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('team_membership', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('end_reason_sealed', sa.Text(), nullable=True))


def downgrade():
    # An ALTER TABLE ... DROP COLUMN (SQLite 3.35+), never a copy of the table: other tables' rows refer to these
    # ones, and SQLite (foreign keys on) refuses to drop a table they refer to.
    with op.batch_alter_table('team_membership', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('end_reason_sealed')
    with op.batch_alter_table('agency', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('show_staff_names_to_family')
    with op.batch_alter_table('family_visibility_decision', schema=None) as batch_op:
        batch_op.drop_index('ix_family_visibility_decision_learner_event')
    op.drop_table('family_visibility_decision')
