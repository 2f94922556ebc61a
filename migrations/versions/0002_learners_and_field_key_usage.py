"""Learners, with every identifying value sealed; per-key encryption counts."""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('field_key_usage',
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('encryptions', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_field_key_usage'))
    )
    op.create_table('learner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('year_group', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('name_sealed', sa.Text(), nullable=False),
    sa.Column('name_index', sa.String(length=32), nullable=False),
    sa.Column('preferred_name_sealed', sa.Text(), nullable=True),
    sa.Column('date_of_birth_sealed', sa.Text(), nullable=False),
    sa.Column('upn_sealed', sa.Text(), nullable=True),
    sa.Column('upn_index', sa.String(length=32), nullable=True),
    sa.Column('notes_sealed', sa.Text(), nullable=True),
    sa.CheckConstraint('year_group BETWEEN -1 AND 13', name=op.f('ck_learner_year_group_range')),
    sa.ForeignKeyConstraint(['school_id'], ['agency.id'], name=op.f('fk_learner_school_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learner')),
    sa.UniqueConstraint('public_id', name=op.f('uq_learner_public_id'))
    )
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_name_index'), ['name_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_learner_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learner_upn_index'), ['upn_index'], unique=False)



def downgrade():
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_upn_index'))
        batch_op.drop_index(batch_op.f('ix_learner_school_id'))
        batch_op.drop_index(batch_op.f('ix_learner_name_index'))

    op.drop_table('learner')
    op.drop_table('field_key_usage')
