"""Subject access bundles: the ZIP answering a request (sealed), the DPO's redactions (passages sealed), and the DSL's
releases of safeguarding concerns into a request's bundle (reasons sealed)."""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

BUNDLE_STATUSES = ('queued', 'building', 'built', 'failed', 'final')
REASONS = ('another_child', 'staff', 'serious_harm', 'legal_privilege', 'other')


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=max(map(len, values)))


def _fk(table, column, target, **options):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'), **options)


def upgrade():
    op.create_table('subject_access_bundle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('status', _enum(BUNDLE_STATUSES, 'bundlestatus'), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('redactions_seen', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalised_by_id', sa.Integer(), nullable=True),
    sa.Column('content_sealed', sa.Text(), nullable=True),
    _fk('subject_access_bundle', 'request_id', 'subject_access_request', ondelete='CASCADE'),
    _fk('subject_access_bundle', 'requested_by_id', 'user_account'),
    _fk('subject_access_bundle', 'finalised_by_id', 'user_account'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_access_bundle')),
    sa.UniqueConstraint('public_id', name=op.f('uq_subject_access_bundle_public_id')),
    sa.UniqueConstraint('request_id', name=op.f('uq_subject_access_bundle_request_id'))
    )
    op.create_table('bundle_redaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=120), nullable=False),
    sa.Column('field', sa.String(length=80), nullable=True),
    sa.Column('occurrence', sa.Integer(), nullable=True),
    sa.Column('reason', _enum(REASONS, 'redactionreason'), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('passage_sealed', sa.Text(), nullable=True),
    sa.Column('details_sealed', sa.Text(), nullable=True),
    _fk('bundle_redaction', 'request_id', 'subject_access_request', ondelete='CASCADE'),
    _fk('bundle_redaction', 'made_by_id', 'user_account'),
    _fk('bundle_redaction', 'removed_by_id', 'user_account'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle_redaction')),
    sa.UniqueConstraint('public_id', name=op.f('uq_bundle_redaction_public_id'))
    )
    with op.batch_alter_table('bundle_redaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_redaction_request_id'), ['request_id'], unique=False)
    op.create_table('concern_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('released', sa.Boolean(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason_sealed', sa.Text(), nullable=True),
    _fk('concern_release', 'request_id', 'subject_access_request', ondelete='CASCADE'),
    _fk('concern_release', 'concern_id', 'safeguarding_concern', ondelete='CASCADE'),
    _fk('concern_release', 'decided_by_id', 'user_account'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern_release')),
    sa.UniqueConstraint('public_id', name=op.f('uq_concern_release_public_id'))
    )
    with op.batch_alter_table('concern_release', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concern_release_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_concern_release_concern_id'), ['concern_id'], unique=False)


def downgrade():
    with op.batch_alter_table('concern_release', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concern_release_concern_id'))
        batch_op.drop_index(batch_op.f('ix_concern_release_request_id'))
    op.drop_table('concern_release')
    with op.batch_alter_table('bundle_redaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bundle_redaction_request_id'))
    op.drop_table('bundle_redaction')
    op.drop_table('subject_access_bundle')
