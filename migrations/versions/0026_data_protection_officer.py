"""The data protection officer: a designation on a school account (when it was made), not a role of its own."""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

# Added and dropped in place (SQLite 3.35 or later): a batch recreation of user_account would drop a table other
# rows point at (foreign keys on).
IN_PLACE = {'recreate': 'never'}


def upgrade():
    with op.batch_alter_table('user_account', schema=None, **IN_PLACE) as batch_op:
        batch_op.add_column(sa.Column('dpo_designated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None, **IN_PLACE) as batch_op:
        batch_op.drop_column('dpo_designated_at')
