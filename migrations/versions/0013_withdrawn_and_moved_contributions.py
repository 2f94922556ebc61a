"""Withdrawn and moved contributions: a misfiled contribution is withdrawn (who, when and a sealed reason, kept for
the DSL) or moved by the SENCo to the right learner, each move kept with its sealed reason. The contribution's
`version` (0004) already guards both against races."""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason_sealed', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_contribution_withdrawn_by_id_user_account'), 'user_account',
                                    ['withdrawn_by_id'], ['id'])

    op.create_table('contribution_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('from_learner_id', sa.Integer(), nullable=False),
    sa.Column('to_learner_id', sa.Integer(), nullable=False),
    sa.Column('moved_by_id', sa.Integer(), nullable=False),
    sa.Column('moved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason_sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'],
                            name=op.f('fk_contribution_move_contribution_id_contribution')),
    sa.ForeignKeyConstraint(['from_learner_id'], ['learner.id'], name=op.f('fk_contribution_move_from_learner_id_learner')),
    sa.ForeignKeyConstraint(['to_learner_id'], ['learner.id'], name=op.f('fk_contribution_move_to_learner_id_learner')),
    sa.ForeignKeyConstraint(['moved_by_id'], ['user_account.id'], name=op.f('fk_contribution_move_moved_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_move')),
    sa.UniqueConstraint('public_id', name=op.f('uq_contribution_move_public_id'))
    )
    with op.batch_alter_table('contribution_move', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_move_contribution_id'), ['contribution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_move_from_learner_id'), ['from_learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_move_to_learner_id'), ['to_learner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contribution_move', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_move_to_learner_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_move_from_learner_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_move_contribution_id'))
    op.drop_table('contribution_move')
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contribution_withdrawn_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('withdrawn_reason_sealed')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')
