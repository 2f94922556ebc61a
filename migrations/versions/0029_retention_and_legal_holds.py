"""Retention: the school's own rules per record class, legal holds on learners (reasons sealed), the DSL's reviews of
child-protection files, erasure requests (Article 17) and the destruction register (no content, no names)."""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('destruction_register',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('record_class', sa.String(length=40), nullable=False),
    sa.Column('learner_public_id', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=False),
    sa.Column('destroyed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('destroyed_by_id', sa.Integer(), nullable=True),
    sa.Column('rows_destroyed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['destroyed_by_id'], ['user_account.id'], name=op.f('fk_destruction_register_destroyed_by_id_user_account')),
    sa.ForeignKeyConstraint(['school_id'], ['agency.id'], name=op.f('fk_destruction_register_school_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_destruction_register')),
    sa.UniqueConstraint('public_id', name=op.f('uq_destruction_register_public_id'))
    )
    with op.batch_alter_table('destruction_register', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_destruction_register_learner_public_id'), ['learner_public_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destruction_register_school_id'), ['school_id'], unique=False)

    op.create_table('retention_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('record_class', sa.String(length=40), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('destroy', 'review', 'keep', name='retentionaction', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_retention_rule_changed_by_id_user_account')),
    sa.ForeignKeyConstraint(['school_id'], ['agency.id'], name=op.f('fk_retention_rule_school_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_rule')),
    sa.UniqueConstraint('public_id', name=op.f('uq_retention_rule_public_id')),
    sa.UniqueConstraint('school_id', 'record_class', name='one_rule_per_class')
    )
    with op.batch_alter_table('retention_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_rule_school_id'), ['school_id'], unique=False)

    op.create_table('child_protection_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.Enum('destroy', 'keep', name='reviewdecision', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('keep_until', sa.Date(), nullable=True),
    sa.Column('reason_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_child_protection_review_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_child_protection_review_learner_id_learner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_child_protection_review')),
    sa.UniqueConstraint('public_id', name=op.f('uq_child_protection_review_public_id'))
    )
    with op.batch_alter_table('child_protection_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_protection_review_learner_id'), ['learner_id'], unique=False)

    op.create_table('erasure_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=True),
    sa.Column('learner_public_id', sa.String(length=64), nullable=False),
    sa.Column('requested_by_sealed', sa.Text(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.Enum('refused', 'erased', name='erasureoutcome', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('ground', sa.Enum('17(3)(b)', '17(3)(e)', name='erasureground', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('ground_detail', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_erasure_request_learner_id_learner')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_erasure_request_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['school_id'], ['agency.id'], name=op.f('fk_erasure_request_school_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_request')),
    sa.UniqueConstraint('public_id', name=op.f('uq_erasure_request_public_id'))
    )
    with op.batch_alter_table('erasure_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_request_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_erasure_request_school_id'), ['school_id'], unique=False)

    op.create_table('legal_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason_sealed', sa.Text(), nullable=False),
    sa.Column('reference_sealed', sa.Text(), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lift_reason_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_legal_hold_learner_id_learner')),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['user_account.id'], name=op.f('fk_legal_hold_lifted_by_id_user_account')),
    sa.ForeignKeyConstraint(['placed_by_id'], ['user_account.id'], name=op.f('fk_legal_hold_placed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_hold')),
    sa.UniqueConstraint('public_id', name=op.f('uq_legal_hold_public_id'))
    )
    with op.batch_alter_table('legal_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_hold_learner_id'), ['learner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('legal_hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_hold_learner_id'))

    op.drop_table('legal_hold')
    with op.batch_alter_table('erasure_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasure_request_school_id'))
        batch_op.drop_index(batch_op.f('ix_erasure_request_learner_id'))

    op.drop_table('erasure_request')
    with op.batch_alter_table('child_protection_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_protection_review_learner_id'))

    op.drop_table('child_protection_review')
    with op.batch_alter_table('retention_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retention_rule_school_id'))

    op.drop_table('retention_rule')
    with op.batch_alter_table('destruction_register', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_destruction_register_school_id'))
        batch_op.drop_index(batch_op.f('ix_destruction_register_learner_public_id'))

    op.drop_table('destruction_register')
