"""Learners' areas of need, sealed like their identity."""
import sqlalchemy as sa
from alembic import op

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

