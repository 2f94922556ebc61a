"""Each outbox message names the agency whose administrator looks after it, so an administrator's list of unsent
mail is their agency's alone (one indexed query). Messages written before this have none and are shown to nobody."""
import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    # Recreated on SQLite to add the foreign key: no table points at outbox_message.
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_message_agency_id_agency'), 'agency', ['agency_id'], ['id'])
        batch_op.create_index('ix_outbox_message_agency_unsent', ['agency_id', 'sent_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_agency_unsent')
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_agency_id_agency'), type_='foreignkey')
        batch_op.drop_column('agency_id')
