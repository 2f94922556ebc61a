"""Subject access requests: the data protection officer's register (requester's name, entitlement and notes
sealed)."""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

KINDS = ('article_15', 'educational_record')
RELATIONSHIPS = ('parent', 'child', 'representative', 'other')
STATUSES = ('registered', 'identity_checked', 'building', 'in_review', 'ready', 'completed', 'withdrawn', 'refused')
CLOCK_STARTS = ('received', 'identity_confirmed')


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=max(map(len, values)))


def upgrade():
    op.create_table('subject_access_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('kind', _enum(KINDS, 'requestkind'), nullable=False),
    sa.Column('requester_name_sealed', sa.Text(), nullable=False),
    sa.Column('requester_relationship', _enum(RELATIONSHIPS, 'requesterrelationship'), nullable=False),
    sa.Column('entitlement_sealed', sa.Text(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('identity_confirmed_on', sa.Date(), nullable=True),
    sa.Column('identity_note_sealed', sa.Text(), nullable=True),
    sa.Column('identity_checked_by_id', sa.Integer(), nullable=True),
    sa.Column('identity_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clock_start', _enum(CLOCK_STARTS, 'clockstart'), nullable=False),
    sa.Column('clock_starts_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('extended_to', sa.Date(), nullable=True),
    sa.Column('extension_reason_sealed', sa.Text(), nullable=True),
    sa.Column('extended_by_id', sa.Integer(), nullable=True),
    sa.Column('extended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', _enum(STATUSES, 'requeststatus'), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('refusal_reason_sealed', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_subject_access_request_agency_id_agency')),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_subject_access_request_learner_id_learner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_subject_access_request_registered_by_id_user_account')),
    sa.ForeignKeyConstraint(['identity_checked_by_id'], ['user_account.id'], name=op.f('fk_subject_access_request_identity_checked_by_id_user_account')),
    sa.ForeignKeyConstraint(['extended_by_id'], ['user_account.id'], name=op.f('fk_subject_access_request_extended_by_id_user_account')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_subject_access_request_closed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_access_request')),
    sa.UniqueConstraint('public_id', name=op.f('uq_subject_access_request_public_id'))
    )
    with op.batch_alter_table('subject_access_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_access_request_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_access_request_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_access_request_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_access_request_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('subject_access_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_access_request_status'))
        batch_op.drop_index(batch_op.f('ix_subject_access_request_due_on'))
        batch_op.drop_index(batch_op.f('ix_subject_access_request_learner_id'))
        batch_op.drop_index(batch_op.f('ix_subject_access_request_agency_id'))
    op.drop_table('subject_access_request')
