"""The family one-page profile of a learner: four sealed sections in plain English, versioned, shared with the family
when the SENCo publishes it."""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('family_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('good_at_sealed', sa.Text(), nullable=True),
    sa.Column('what_helps_sealed', sa.Text(), nullable=True),
    sa.Column('working_on_sealed', sa.Text(), nullable=True),
    sa.Column('who_to_talk_to_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_family_profile_learner_id_learner')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                            name=op.f('fk_family_profile_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_profile')),
    sa.UniqueConstraint('learner_id', name=op.f('uq_family_profile_learner_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_family_profile_public_id'))
    )


def downgrade():
    op.drop_table('family_profile')
