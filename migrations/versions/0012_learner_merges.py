"""Merging two records of one learner: the merged-away record points at the survivor (when, by whom, a sealed
reason), a correction can come from a merge, and a plan cycle can be closed as merged."""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('merged_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merge_reason_sealed', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_learner_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_learner_merged_into_id_learner'), 'learner',
                                    ['merged_into_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_learner_merged_by_id_user_account'), 'user_account',
                                    ['merged_by_id'], ['id'])
    with op.batch_alter_table('learner_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_learner_revision_merged_from_id_learner'), 'learner',
                                    ['merged_from_id'], ['id'])
    with op.batch_alter_table('plan_cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('plan_cycle', schema=None) as batch_op:
        batch_op.drop_column('merged_at')
    with op.batch_alter_table('learner_revision', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_learner_revision_merged_from_id_learner'), type_='foreignkey')
        batch_op.drop_column('merged_from_id')
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_learner_merged_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_learner_merged_into_id_learner'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_learner_merged_into_id'))
        batch_op.drop_column('merge_reason_sealed')
        batch_op.drop_column('merged_by_id')
        batch_op.drop_column('merged_at')
        batch_op.drop_column('merged_into_id')
