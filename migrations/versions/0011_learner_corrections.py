"""Corrections of a learner's details (rectification): a version on each learner for the conflict page, and the
sealed history of earlier values with the reason for each change."""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.alter_column('version', server_default=None)

    op.create_table('learner_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fields', sa.String(length=300), nullable=False),
    sa.Column('reason_sealed', sa.Text(), nullable=False),
    sa.Column('earlier_sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_learner_revision_changed_by_id_user_account')),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_learner_revision_learner_id_learner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learner_revision')),
    sa.UniqueConstraint('public_id', name=op.f('uq_learner_revision_public_id'))
    )
    with op.batch_alter_table('learner_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_revision_learner_id'), ['learner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('learner_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_revision_learner_id'))
    op.drop_table('learner_revision')
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_column('version')
