"""Cases: the team around the child, invitations, support plans, contributions, meetings, concerns."""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body_sealed', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('public_id', name=op.f('uq_outbox_message_public_id'))
    )
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.Enum('senco', 'lsp', 'teacher', 'dsl', 'parent', 'slt', 'ep', 'admin', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('access_ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['user_account.id'], name=op.f('fk_invitation_accepted_by_id_user_account')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_invitation_agency_id_agency')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_invitation_invited_by_id_user_account')),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_invitation_learner_id_learner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('public_id', name=op.f('uq_invitation_public_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_learner_id'), ['learner_id'], unique=False)

    op.create_table('safeguarding_concern',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('action_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('concern_sealed', sa.Text(), nullable=False),
    sa.Column('action_taken_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['action_recorded_by_id'], ['user_account.id'], name=op.f('fk_safeguarding_concern_action_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_safeguarding_concern_author_id_user_account')),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_safeguarding_concern_learner_id_learner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguarding_concern')),
    sa.UniqueConstraint('public_id', name=op.f('uq_safeguarding_concern_public_id'))
    )
    with op.batch_alter_table('safeguarding_concern', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safeguarding_concern_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safeguarding_concern_learner_id'), ['learner_id'], unique=False)

    op.create_table('support_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_support_plan_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_support_plan_learner_id_learner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_plan')),
    sa.UniqueConstraint('learner_id', name=op.f('uq_support_plan_learner_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_support_plan_public_id'))
    )
    op.create_table('team_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('senco', 'lsp', 'teacher', 'dsl', 'parent', 'slt', 'ep', 'admin', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at IS NULL OR ends_at > starts_at', name=op.f('ck_team_membership_ends_after_start')),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_team_membership_added_by_id_user_account')),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_team_membership_learner_id_learner')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_team_membership_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_membership')),
    sa.UniqueConstraint('public_id', name=op.f('uq_team_membership_public_id'))
    )
    with op.batch_alter_table('team_membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_membership_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_membership_user_id'), ['user_id'], unique=False)

    op.create_table('plan_cycle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('assess', 'plan', 'do', 'review', 'closed', name='cyclestage', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('assess_on', sa.Date(), nullable=True),
    sa.Column('plan_on', sa.Date(), nullable=True),
    sa.Column('do_from', sa.Date(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('learner_views_sealed', sa.Text(), nullable=True),
    sa.Column('family_views_sealed', sa.Text(), nullable=True),
    sa.Column('aspirations_sealed', sa.Text(), nullable=True),
    sa.Column('needs_communication_sealed', sa.Text(), nullable=True),
    sa.Column('needs_cognition_sealed', sa.Text(), nullable=True),
    sa.Column('needs_semh_sealed', sa.Text(), nullable=True),
    sa.Column('needs_sensory_sealed', sa.Text(), nullable=True),
    sa.Column('review_summary_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_plan_cycle_closed_by_id_user_account')),
    sa.ForeignKeyConstraint(['plan_id'], ['support_plan.id'], name=op.f('fk_plan_cycle_plan_id_support_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_cycle')),
    sa.UniqueConstraint('plan_id', 'number', name='one_number_per_plan'),
    sa.UniqueConstraint('public_id', name=op.f('uq_plan_cycle_public_id'))
    )
    with op.batch_alter_table('plan_cycle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_cycle_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_cycle_review_on'), ['review_on'], unique=False)

    op.create_table('contribution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('classroom_view', 'family_view', 'slt_assessment', 'ep_assessment', 'intervention_record', 'learner_voice', name='contributionkind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('visibility', sa.Enum('team', 'team_and_family', 'restricted', name='visibility', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title_sealed', sa.Text(), nullable=False),
    sa.Column('body_sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_contribution_author_id_user_account')),
    sa.ForeignKeyConstraint(['cycle_id'], ['plan_cycle.id'], name=op.f('fk_contribution_cycle_id_plan_cycle')),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_contribution_learner_id_learner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution')),
    sa.UniqueConstraint('public_id', name=op.f('uq_contribution_public_id'))
    )
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_learner_id'), ['learner_id'], unique=False)

    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('planning', 'review', 'team_around_the_child', name='meetingkind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('shared_with_family', sa.Boolean(), nullable=False),
    sa.Column('record_number', sa.Integer(), nullable=False),
    sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agenda_sealed', sa.Text(), nullable=True),
    sa.Column('minutes_sealed', sa.Text(), nullable=True),
    sa.Column('decisions_sealed', sa.Text(), nullable=True),
    sa.Column('other_attendees_sealed', sa.Text(), nullable=True),
    sa.CheckConstraint('duration_minutes > 0 AND duration_minutes <= 480', name=op.f('ck_meeting_duration_range')),
    sa.ForeignKeyConstraint(['chair_id'], ['user_account.id'], name=op.f('fk_meeting_chair_id_user_account')),
    sa.ForeignKeyConstraint(['cycle_id'], ['plan_cycle.id'], name=op.f('fk_meeting_cycle_id_plan_cycle')),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_meeting_learner_id_learner')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_meeting_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting')),
    sa.UniqueConstraint('public_id', name=op.f('uq_meeting_public_id'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_learner_id'), ['learner_id'], unique=False)

    op.create_table('outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('progress', sa.Enum('not_yet_reviewed', 'not_met', 'partly_met', 'met', 'exceeded', name='progressrating', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description_sealed', sa.Text(), nullable=False),
    sa.Column('measure_sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['plan_cycle.id'], name=op.f('fk_outcome_cycle_id_plan_cycle')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_outcome_owner_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome')),
    sa.UniqueConstraint('public_id', name=op.f('uq_outcome_public_id'))
    )
    with op.batch_alter_table('outcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('provision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('delivered_by', sa.String(length=120), nullable=False),
    sa.Column('frequency', sa.String(length=120), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description_sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['plan_cycle.id'], name=op.f('fk_provision_cycle_id_plan_cycle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provision')),
    sa.UniqueConstraint('public_id', name=op.f('uq_provision_public_id'))
    )
    with op.batch_alter_table('provision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provision_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('contribution_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('visibility', sa.Enum('team', 'team_and_family', 'restricted', name='visibility', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title_sealed', sa.Text(), nullable=False),
    sa.Column('body_sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_contribution_revision_contribution_id_contribution')),
    sa.ForeignKeyConstraint(['written_by_id'], ['user_account.id'], name=op.f('fk_contribution_revision_written_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_revision')),
    sa.UniqueConstraint('contribution_id', 'version', name='one_row_per_version'),
    sa.UniqueConstraint('public_id', name=op.f('uq_contribution_revision_public_id'))
    )
    with op.batch_alter_table('contribution_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_revision_contribution_id'), ['contribution_id'], unique=False)

    op.create_table('meeting_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', 'cancelled', name='actionstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('description_sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_action_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_meeting_action_owner_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_action')),
    sa.UniqueConstraint('public_id', name=op.f('uq_meeting_action_public_id'))
    )
    with op.batch_alter_table('meeting_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_action_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_action_owner_id'), ['owner_id'], unique=False)

    op.create_table('meeting_attendee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('attendance', sa.Enum('present', 'apologies', name='attendance', native_enum=False, create_constraint=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_attendee_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_meeting_attendee_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendee')),
    sa.UniqueConstraint('meeting_id', 'user_id', name='one_row_per_person')
    )
    with op.batch_alter_table('meeting_attendee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendee_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_off_by_id', sa.Integer(), nullable=False),
    sa.Column('snapshot_sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_record_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['signed_off_by_id'], ['user_account.id'], name=op.f('fk_meeting_record_signed_off_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_record')),
    sa.UniqueConstraint('meeting_id', 'number', name='one_row_per_record_number'),
    sa.UniqueConstraint('public_id', name=op.f('uq_meeting_record_public_id'))
    )
    with op.batch_alter_table('meeting_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_record_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('outcome_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Enum('not_yet_reviewed', 'not_met', 'partly_met', 'met', 'exceeded', name='progressrating', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('comment_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_outcome_review_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcome.id'], name=op.f('fk_outcome_review_outcome_id_outcome')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_review')),
    sa.UniqueConstraint('meeting_id', 'outcome_id', name='one_review_per_outcome'),
    sa.UniqueConstraint('public_id', name=op.f('uq_outcome_review_public_id'))
    )
    with op.batch_alter_table('outcome_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_review_meeting_id'), ['meeting_id'], unique=False)



def downgrade():
    with op.batch_alter_table('outcome_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_review_meeting_id'))

    op.drop_table('outcome_review')
    with op.batch_alter_table('meeting_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_record_meeting_id'))

    op.drop_table('meeting_record')
    with op.batch_alter_table('meeting_attendee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendee_meeting_id'))

    op.drop_table('meeting_attendee')
    with op.batch_alter_table('meeting_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_action_owner_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_action_meeting_id'))

    op.drop_table('meeting_action')
    with op.batch_alter_table('contribution_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_revision_contribution_id'))

    op.drop_table('contribution_revision')
    with op.batch_alter_table('provision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provision_cycle_id'))

    op.drop_table('provision')
    with op.batch_alter_table('outcome', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_cycle_id'))

    op.drop_table('outcome')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_learner_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_cycle_id'))

    op.drop_table('meeting')
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_learner_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_cycle_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_author_id'))

    op.drop_table('contribution')
    with op.batch_alter_table('plan_cycle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_cycle_review_on'))
        batch_op.drop_index(batch_op.f('ix_plan_cycle_plan_id'))

    op.drop_table('plan_cycle')
    with op.batch_alter_table('team_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_membership_user_id'))
        batch_op.drop_index(batch_op.f('ix_team_membership_learner_id'))

    op.drop_table('team_membership')
    op.drop_table('support_plan')
    with op.batch_alter_table('safeguarding_concern', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safeguarding_concern_learner_id'))
        batch_op.drop_index(batch_op.f('ix_safeguarding_concern_author_id'))

    op.drop_table('safeguarding_concern')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_learner_id'))

    op.drop_table('invitation')
    op.drop_table('outbox_message')
