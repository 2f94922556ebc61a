"""The learner list's order within a school (year group, then row): its first page reads fifty rows of the index,
not every learner of the school sorted."""
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_learner_school_year_group', 'learner', ['school_id', 'year_group', 'id'])


def downgrade():
    op.drop_index('ix_learner_school_year_group', table_name='learner')
