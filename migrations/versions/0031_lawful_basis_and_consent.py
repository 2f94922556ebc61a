"""Lawful basis and consent: each contribution and each sharing of a case (an outside professional's membership or
invitation, a transfer bundle) records its Article 6 basis and Article 9 condition; consents to a referral or to
sharing, withdrawable (names sealed); a notification kind for a withdrawal.

Existing rows get their role's default, marked `lawful_basis_assumed` (nobody chose it: assumed at this upgrade)."""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0029'
branch_labels = None
depends_on = None

# Added and dropped in place (SQLite 3.35 or later): a batch recreation would drop tables other rows point at.
IN_PLACE = {'recreate': 'never'}
ARTICLE_6 = ('6_1_a', '6_1_b', '6_1_c', '6_1_d', '6_1_e', '6_1_f')
ARTICLE_9 = ('9_2_a', '9_2_b', '9_2_c', '9_2_g_para_6', '9_2_g_para_18', '9_2_h')
PUBLIC_TASK, LEGAL_OBLIGATION = '6_1_e', '6_1_c'
STATUTORY, HEALTH = '9_2_g_para_6', '9_2_h'
SHARED = ('team_membership', 'invitation', 'contribution', 'transfer_bundle')
KINDS = ('concern_recorded', 'action_assigned', 'action_due_tomorrow', 'action_overdue', 'meeting_awaiting_sign_off',
         'review_due', 'contribution_added', 'progress_review_to_sign', 'invitation_accepted', 'invitation_lapsed',
         'access_ending')
NEW_KIND = 'consent_withdrawn'
PURPOSES = ('referral', 'sharing')
METHODS = ('in_writing', 'verbally_at_meeting', 'through_braid')


def _basis_columns(batch_op):
    batch_op.add_column(sa.Column('lawful_basis', sa.String(length=5), nullable=True))
    batch_op.add_column(sa.Column('special_category_condition', sa.String(length=13), nullable=True))
    batch_op.add_column(sa.Column('lawful_basis_assumed', sa.Boolean(), nullable=False, server_default=sa.false()))


def _kinds(kinds):
    return 'kind IN (' + ', '.join(f"'{kind}'" for kind in kinds) + ')'


def _swap_kind_check(kinds):
    """The notification kind's check, on both tables that hold one."""
    for table in ('notification', 'notification_preference'):
        name = f'ck_{table}_notificationkind'
        if op.get_bind().dialect.name == 'sqlite':
            # SQLite changes a CHECK only by recreating the table (nothing points at these two); the recreation
            # does not carry the reflected CHECK over, so only the new one is made.
            with op.batch_alter_table(table, recreate='always') as batch_op:
                batch_op.create_check_constraint('notificationkind', _kinds(kinds))
        else:
            op.drop_constraint(op.f(name), table, type_='check')
            op.create_check_constraint('notificationkind', table, _kinds(kinds))


def upgrade():
    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('given_by_id', sa.Integer(), nullable=True),
    sa.Column('given_by_name_sealed', sa.Text(), nullable=True),
    sa.Column('giver_relationship_sealed', sa.Text(), nullable=True),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('purpose', sa.Enum(*PURPOSES, name='consentpurpose', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('recipient_name_sealed', sa.Text(), nullable=True),
    sa.Column('method', sa.Enum(*METHODS, name='consentmethod', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawal_method', sa.Enum(*METHODS, name='withdrawalmethod', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('withdrawal_reason_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_consent_agency_id_agency')),
    sa.ForeignKeyConstraint(['given_by_id'], ['user_account.id'], name=op.f('fk_consent_given_by_id_user_account')),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_consent_learner_id_learner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_consent_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user_account.id'], name=op.f('fk_consent_withdrawn_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent')),
    sa.UniqueConstraint('public_id', name=op.f('uq_consent_public_id'))
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_learner_id'), ['learner_id'], unique=False)

    for table in SHARED:
        with op.batch_alter_table(table, schema=None, **IN_PLACE) as batch_op:
            _basis_columns(batch_op)
    for table in ('team_membership', 'invitation'):
        # Recreated on SQLite to add the foreign key: no table points at these two.
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('consent_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_consent_id'), ['consent_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_consent_id_consent'), 'consent', ['consent_id'], ['id'])

    _backfill()
    _swap_kind_check(KINDS + (NEW_KIND,))


def _backfill():
    """Each existing row gets the default of its role, marked as assumed at this upgrade."""
    true = sa.true()
    contribution = sa.table('contribution', sa.column('kind'), sa.column('lawful_basis'),
                            sa.column('special_category_condition'), sa.column('lawful_basis_assumed'))
    op.execute(contribution.update().values(
        lawful_basis=PUBLIC_TASK, lawful_basis_assumed=true,
        special_category_condition=sa.case((contribution.c.kind == 'slt_assessment', HEALTH), else_=STATUTORY)))
    for name in ('team_membership', 'invitation'):
        table = sa.table(name, sa.column('role'), sa.column('lawful_basis'), sa.column('special_category_condition'),
                         sa.column('lawful_basis_assumed'))
        # Outside professionals' memberships are sharings; an invitation (a parent's too) records what it shares.
        roles = ('slt', 'ep') if name == 'team_membership' else ('slt', 'ep', 'parent')
        op.execute(table.update().where(table.c.role.in_(roles)).values(
            lawful_basis=PUBLIC_TASK, lawful_basis_assumed=true,
            special_category_condition=sa.case((table.c.role == 'slt', HEALTH), else_=STATUTORY)))
    bundle = sa.table('transfer_bundle', sa.column('lawful_basis'), sa.column('special_category_condition'),
                      sa.column('lawful_basis_assumed'))
    op.execute(bundle.update().values(lawful_basis=LEGAL_OBLIGATION, special_category_condition=STATUTORY,
                                      lawful_basis_assumed=true))


def downgrade():
    notification = sa.table('notification', sa.column('kind'))
    preference = sa.table('notification_preference', sa.column('kind'))
    op.execute(notification.delete().where(notification.c.kind == NEW_KIND))
    op.execute(preference.delete().where(preference.c.kind == NEW_KIND))
    _swap_kind_check(KINDS)
    for table in ('invitation', 'team_membership'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_consent_id_consent'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_consent_id'))
            batch_op.drop_column('consent_id')
    for table in reversed(SHARED):
        with op.batch_alter_table(table, schema=None, **IN_PLACE) as batch_op:
            batch_op.drop_column('lawful_basis_assumed')
            batch_op.drop_column('special_category_condition')
            batch_op.drop_column('lawful_basis')
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_learner_id'))
    op.drop_table('consent')
