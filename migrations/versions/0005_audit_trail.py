"""The audit trail: append-only events, their learner index, seals, checkpoints; break-glass and exports.

Triggers make the trail's tables append-only in the database itself: UPDATE and DELETE are
rejected on SQLite and PostgreSQL, and TRUNCATE on PostgreSQL.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


APPEND_ONLY_TABLES = ("audit_event", "audit_event_learner", "audit_seal", "audit_checkpoint", "audit_verification")


def create_append_only_triggers():
    if op.get_bind().dialect.name == "sqlite":
        for table in APPEND_ONLY_TABLES:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
                )
        return
    op.execute(
        "CREATE FUNCTION braid_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$"
    )
    for table in APPEND_ONLY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION braid_audit_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION braid_audit_append_only()"
        )


def drop_append_only_triggers():
    if op.get_bind().dialect.name == "sqlite":
        for table in APPEND_ONLY_TABLES:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        return
    for table in APPEND_ONLY_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute("DROP FUNCTION IF EXISTS braid_audit_append_only()")


def upgrade():
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seal_id', sa.Integer(), nullable=False),
    sa.Column('event_count', sa.BigInteger(), nullable=False),
    sa.Column('chain_hash', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint'))
    )
    op.create_table('audit_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=20), nullable=True),
    sa.Column('actor_agency_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.Enum('view', 'create', 'update', 'delete', 'export', 'invite', 'accept_invitation', 'sign_in', 'sign_in_failed', 'lockout', 'sign_out', 'break_glass', 'rotate_keys', 'verify_audit', 'checkpoint_audit', name='auditaction', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_public_id', sa.String(length=64), nullable=True),
    sa.Column('learner_public_ids', sa.Text(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.String(length=32), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('outcome', sa.Enum('allowed', 'refused', name='auditoutcome', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('fields_changed', sa.Text(), nullable=True),
    sa.Column('purpose', sa.String(length=80), nullable=True),
    sa.Column('out_of_hours', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_actor_id_id', ['actor_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_event_school_action', ['school_id', 'action', 'id'], unique=False)
        batch_op.create_index('ix_audit_event_school_actor', ['school_id', 'actor_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_event_school_id_id', ['school_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_event_school_occurred', ['school_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_audit_event_school_outcome', ['school_id', 'outcome', 'id'], unique=False)

    op.create_table('audit_seal',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('first_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('total_count', sa.BigInteger(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('members', sa.LargeBinary(), nullable=False),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('seal_hash', sa.String(length=64), nullable=False),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_seal')),
    sa.UniqueConstraint('last_event_id', name=op.f('uq_audit_seal_last_event_id'))
    )
    op.create_table('audit_verification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('intact', sa.Boolean(), nullable=False),
    sa.Column('event_count', sa.BigInteger(), nullable=False),
    sa.Column('problem', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_verification'))
    )
    op.create_table('audit_event_learner',
    sa.Column('learner_public_id', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['audit_event.id'], name=op.f('fk_audit_event_learner_event_id_audit_event')),
    sa.PrimaryKeyConstraint('learner_public_id', 'event_id', name=op.f('pk_audit_event_learner'))
    )
    op.create_table('audit_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('purpose', sa.Enum('safeguarding', 'subject_access', 'complaint', 'inspection', 'breach_investigation', 'cover', 'other', name='purposecategory', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('filters', sa.String(length=400), nullable=False),
    sa.Column('details_sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_audit_export_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_export')),
    sa.UniqueConstraint('public_id', name=op.f('uq_audit_export_public_id'))
    )
    with op.batch_alter_table('audit_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_export_user_id'), ['user_id'], unique=False)

    op.create_table('break_glass_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('safeguarding', 'subject_access', 'complaint', 'inspection', 'breach_investigation', 'cover', 'other', name='purposecategory', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason_sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_break_glass_access_learner_id_learner')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_break_glass_access_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_break_glass_access')),
    sa.UniqueConstraint('public_id', name=op.f('uq_break_glass_access_public_id'))
    )
    with op.batch_alter_table('break_glass_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_break_glass_access_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_break_glass_access_user_id'), ['user_id'], unique=False)

    create_append_only_triggers()


def downgrade():
    drop_append_only_triggers()
    with op.batch_alter_table('break_glass_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_break_glass_access_user_id'))
        batch_op.drop_index(batch_op.f('ix_break_glass_access_learner_id'))

    op.drop_table('break_glass_access')
    with op.batch_alter_table('audit_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_export_user_id'))

    op.drop_table('audit_export')
    op.drop_table('audit_event_learner')
    op.drop_table('audit_verification')
    op.drop_table('audit_seal')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_school_outcome')
        batch_op.drop_index('ix_audit_event_school_occurred')
        batch_op.drop_index('ix_audit_event_school_id_id')
        batch_op.drop_index('ix_audit_event_school_actor')
        batch_op.drop_index('ix_audit_event_school_action')
        batch_op.drop_index('ix_audit_event_actor_id_id')

    op.drop_table('audit_event')
    op.drop_table('audit_checkpoint')
