"""Restriction of processing (UK GDPR Article 18): the learner's flag and the history of restrictions (reasons
sealed)."""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

# Added and dropped in place (SQLite 3.35 or later): a batch recreation of learner would drop a table other rows
# point at (foreign keys on).
IN_PLACE = {'recreate': 'never'}


def upgrade():
    with op.batch_alter_table('learner', schema=None, **IN_PLACE) as batch_op:
        batch_op.add_column(sa.Column('restricted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_learner_restricted_at'), ['restricted_at'], unique=False)

    op.create_table('processing_restriction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('restricted_by_id', sa.Integer(), nullable=False),
    sa.Column('restricted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason_sealed', sa.Text(), nullable=False),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lift_reason_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_processing_restriction_learner_id_learner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['user_account.id'], name=op.f('fk_processing_restriction_lifted_by_id_user_account')),
    sa.ForeignKeyConstraint(['restricted_by_id'], ['user_account.id'], name=op.f('fk_processing_restriction_restricted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processing_restriction')),
    sa.UniqueConstraint('public_id', name=op.f('uq_processing_restriction_public_id'))
    )
    with op.batch_alter_table('processing_restriction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processing_restriction_learner_id'), ['learner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('processing_restriction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processing_restriction_learner_id'))
    op.drop_table('processing_restriction')
    with op.batch_alter_table('learner', schema=None, **IN_PLACE) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_restricted_at'))
        batch_op.drop_column('restricted_at')
