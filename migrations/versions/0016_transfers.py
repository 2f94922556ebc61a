"""Transfers to the next school: the SENCo's transfer bundle (an encrypted PDF, sealed at rest) and the DSL's records
of child-protection files sent outside Braid and their receipt."""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('transfer_bundle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('receiving_school_sealed', sa.Text(), nullable=False),
    sa.Column('content_sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_transfer_bundle_learner_id_learner')),
    sa.ForeignKeyConstraint(['made_by_id'], ['user_account.id'], name=op.f('fk_transfer_bundle_made_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_bundle')),
    sa.UniqueConstraint('public_id', name=op.f('uq_transfer_bundle_public_id'))
    )
    with op.batch_alter_table('transfer_bundle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_bundle_learner_id'), ['learner_id'], unique=False)

    op.create_table('child_protection_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('method', sa.Enum('secure_system', 'encrypted_email', 'by_hand', 'signed_for_post', name='transfermethod', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('receipt_confirmed_on', sa.Date(), nullable=True),
    sa.Column('receipt_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('receipt_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('receiving_school_sealed', sa.Text(), nullable=False),
    sa.Column('reference_sealed', sa.Text(), nullable=True),
    sa.Column('confirmed_by_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_child_protection_transfer_learner_id_learner')),
    sa.ForeignKeyConstraint(['receipt_recorded_by_id'], ['user_account.id'], name=op.f('fk_child_protection_transfer_receipt_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_child_protection_transfer_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_child_protection_transfer')),
    sa.UniqueConstraint('public_id', name=op.f('uq_child_protection_transfer_public_id'))
    )
    with op.batch_alter_table('child_protection_transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_protection_transfer_learner_id'), ['learner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('child_protection_transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_protection_transfer_learner_id'))
    op.drop_table('child_protection_transfer')
    with op.batch_alter_table('transfer_bundle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_bundle_learner_id'))
    op.drop_table('transfer_bundle')
