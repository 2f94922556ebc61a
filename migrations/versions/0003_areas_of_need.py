"""Learners' areas of need, sealed like their identity.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 04:35:05.013335

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('areas_of_need_sealed', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_column('areas_of_need_sealed')

