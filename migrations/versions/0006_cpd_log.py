"""The reflective CPD log: standards, entries, case-work links, goals, progress reviews.

The standards are reference data owned by this migration: the rows below were copied once from
app/cpd/standards.py (as it stood when this revision was written) and are frozen here. Changing the
list later is a new migration, never an edit here; tests/test_migrations.py fails if the two drift.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


# Frozen reference data: the 51 standards exactly as this revision first inserted them.
NOS = 'nos_lsp'
ETF = 'etf_2022'

NOS_SOURCE = (
    'National Occupational Standards for the role of learning support practitioner in the lifelong '
    'learning sector, LLUK, December 2007'
)
ETF_SOURCE = (
    'Professional Standards for Tutors and Trainers in Education and Training, Education and Training '
    'Foundation, 2022 (CPD policy, Appendix 3)'
)
NOS_A = 'Standard A: Providing learning support to individuals or groups of learners'
NOS_B = 'Standard B: Planning and assessing for learning support'
NOS_C = 'Standard C: Providing specialist learning support'
ETF_VALUES = 'Professional values and attributes'
ETF_KNOWLEDGE = 'Professional knowledge and understanding'
ETF_SKILLS = 'Professional skills'

# (code, framework, group_name, source, sort_key, title), in sort_key order.
STANDARD_ROWS = (
    ('AP 1', NOS, NOS_A, NOS_SOURCE, 101,
     'Provide high quality learning support that enables learners to achieve identified goals'),
    ('AP 2', NOS, NOS_A, NOS_SOURCE, 102,
     'Engage learners in activities that advance learning for individuals and groups'),
    ('AP 3', NOS, NOS_A, NOS_SOURCE, 103,
     'Develop and maintain effective relationships with learners that promote learning'),
    ('AP 4', NOS, NOS_A, NOS_SOURCE, 104, 'Communicate effectively with learners'),
    ('AP 5', NOS, NOS_A, NOS_SOURCE, 105, "Use, adapt and/or develop resources that support learners' needs"),
    ('AP 6', NOS, NOS_A, NOS_SOURCE, 106,
     "Provide support that builds on learners' experience, learning preferences and levels of "
     'independence and encourages learners to work independently'),
    ('AP 7', NOS, NOS_A, NOS_SOURCE, 107,
     'Work with colleagues with appropriate expertise to identify and address the language, '
     'literacy, numeracy and ICT needs of learners'),
    ('AP 8', NOS, NOS_A, NOS_SOURCE, 108, 'Support learner progression'),
    ('AP 9', NOS, NOS_A, NOS_SOURCE, 109,
     'Provide learning support in a purposeful learning environment where learners feel safe, '
     'secure, confident and valued'),
    ('AP 10', NOS, NOS_A, NOS_SOURCE, 110,
     'Promote, maintain and model behaviour that demonstrates respect for others'),
    ('AP 11', NOS, NOS_A, NOS_SOURCE, 111,
     'Enable learners to manage, reflect on and make decisions about their learning'),
    ('AP 12', NOS, NOS_A, NOS_SOURCE, 112,
     'Collaborate with and respect the contribution of colleagues and others'),
    ('AP 13', NOS, NOS_A, NOS_SOURCE, 113,
     'Communicate relevant information about learners to others with a legitimate interest'),
    ('AP 14', NOS, NOS_A, NOS_SOURCE, 114, 'Maintain accurate records relating to learning support'),
    ('AP 15', NOS, NOS_A, NOS_SOURCE, 115,
     'Provide learning support that conforms to organisational and legal requirements'),
    ('AP 16', NOS, NOS_A, NOS_SOURCE, 116,
     'Contribute, and encourage learners to contribute, to review of learning programme and of '
     'organisation'),
    ('AP 17', NOS, NOS_A, NOS_SOURCE, 117,
     'Evaluate and improve the effectiveness of own practice, identify own professional '
     'development and training needs, and take steps to address these'),

    ('BP 1', NOS, NOS_B, NOS_SOURCE, 201,
     'Contribute to the planning of learning support that is inclusive and meets curriculum '
     'requirements'),
    ('BP 2', NOS, NOS_B, NOS_SOURCE, 202,
     'Contribute to the planning of learning support that meets the needs of individual learners '
     'and groups and enables them to progress towards their identified learning objectives'),
    ('BP 3', NOS, NOS_B, NOS_SOURCE, 203,
     'Contribute to the negotiation and monitoring of individual learning objectives'),
    ('BP 4', NOS, NOS_B, NOS_SOURCE, 204,
     'Evaluate learner response to specialist learning support and use this information with '
     'colleagues in the planning of further support'),
    ('BP 5', NOS, NOS_B, NOS_SOURCE, 205,
     'Support colleagues in the development and application of assessment methods'),
    ('BP 6', NOS, NOS_B, NOS_SOURCE, 206,
     'Promote learning through questioning and constructive feedback and involve learners in '
     'feedback activities'),
    ('BP 7', NOS, NOS_B, NOS_SOURCE, 207,
     'Encourage learners to share responsibility for assessment of their own learning'),
    ('BP 8', NOS, NOS_B, NOS_SOURCE, 208,
     'Work in accordance with the quality requirements of the organisation in relation to '
     'assessment and monitoring of learner progress'),

    ('CP 1', NOS, NOS_C, NOS_SOURCE, 301,
     'Use knowledge of learning support in their specialist area(s) to provide high quality '
     'learning support'),
    ('CP 2', NOS, NOS_C, NOS_SOURCE, 302,
     "Use their specialist knowledge to identify and address individual learners' learning "
     'support needs'),
    ('CP 3', NOS, NOS_C, NOS_SOURCE, 303,
     'Use learning support activities relevant to their specialist area(s)'),
    ('CP 4', NOS, NOS_C, NOS_SOURCE, 304,
     'Support learners, colleagues and others in the selection, development, use and evaluation '
     'of resources in providing specialist support'),
    ('CP 5', NOS, NOS_C, NOS_SOURCE, 305,
     'Engage in professional development in specialist area(s) and in relevant learning support'),
    ('CP 6', NOS, NOS_C, NOS_SOURCE, 306,
     'Support progression and the transition of the learner in the context of the specialist '
     'area(s)'),

    ('ETF 1', ETF, ETF_VALUES, ETF_SOURCE, 401,
     'Critically reflect on and evaluate your practices, values, and beliefs to improve learner '
     'outcomes.'),
    ('ETF 2', ETF, ETF_VALUES, ETF_SOURCE, 402,
     'Promote and embed education for sustainable development (ESD) across learning and working '
     'practices.'),
    ('ETF 3', ETF, ETF_VALUES, ETF_SOURCE, 403,
     'Inspire, motivate, and raise aspirations of learners by communicating high expectations and '
     'a passion for learning.'),
    ('ETF 4', ETF, ETF_VALUES, ETF_SOURCE, 404,
     "Support and develop learners' confidence, autonomy and thinking skills, taking account of "
     'their needs, and starting points.'),
    ('ETF 5', ETF, ETF_VALUES, ETF_SOURCE, 405,
     'Value and champion diversity, equality of opportunity, inclusion, and social equity.'),
    ('ETF 6', ETF, ETF_VALUES, ETF_SOURCE, 406,
     'Develop collaborative and respectful relationships with learners, colleagues, and external '
     'stakeholders.'),
    ('ETF 7', ETF, ETF_VALUES, ETF_SOURCE, 407,
     'Engage with and promote a culture of continuous learning and quality improvement.'),

    ('ETF 8', ETF, ETF_KNOWLEDGE, ETF_SOURCE, 408,
     'Develop and update knowledge of your subject specialism, taking account of new practices, '
     'research and/ or industry requirements.'),
    ('ETF 9', ETF, ETF_KNOWLEDGE, ETF_SOURCE, 409,
     'Critically review and apply your knowledge of educational research, pedagogy, and '
     'assessment to develop evidence-informed practice.'),
    ('ETF 10', ETF, ETF_KNOWLEDGE, ETF_SOURCE, 410,
     'Share and update knowledge of effective practice with colleagues, networks and/or research '
     'communities to support improvement.'),
    ('ETF 11', ETF, ETF_KNOWLEDGE, ETF_SOURCE, 411,
     'Develop and apply your knowledge of special educational needs and disabilities to create '
     'inclusive learning experiences.'),
    ('ETF 12', ETF, ETF_KNOWLEDGE, ETF_SOURCE, 412,
     'Understand your teaching role and responsibilities and how these are influenced by legal, '
     'regulatory, institutional, and ethical contexts'),

    ('ETF 13', ETF, ETF_SKILLS, ETF_SOURCE, 413,
     'Promote and support positive learner behaviour, attitudes, and wellbeing.'),
    ('ETF 14', ETF, ETF_SKILLS, ETF_SOURCE, 414,
     'Apply motivational, coaching and skill development strategies to help learners progress and '
     'achieve.'),
    ('ETF 15', ETF, ETF_SKILLS, ETF_SOURCE, 415,
     'Plan and deliver learning programmes that are safe, inclusive, stretching, and relevant to '
     "learners' needs."),
    ('ETF 16', ETF, ETF_SKILLS, ETF_SOURCE, 416,
     'Select and use digital technologies safely and effectively to promote learning.'),
    ('ETF 17', ETF, ETF_SKILLS, ETF_SOURCE, 417,
     "Develop learners' mathematics, English, digital and wider employability skills."),
    ('ETF 18', ETF, ETF_SKILLS, ETF_SOURCE, 418,
     'Provide access to up-to-date information, advice, and guidance so that learners can take '
     'ownership of their learning and make informed progression choices.'),
    ('ETF 19', ETF, ETF_SKILLS, ETF_SOURCE, 419,
     'Apply appropriate and fair methods of assessment and provide constructive and timely '
     'feedback to support learning and achievement.'),
    ('ETF 20', ETF, ETF_SKILLS, ETF_SOURCE, 420,
     'Develop enrichment and progression opportunities for learners through collaboration with '
     'employers, higher education and/or community groups.'),
)


def upgrade():
    op.create_table('cpd_standard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('framework', sa.Enum('nos_lsp', 'etf_2022', name='framework', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('group_name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=400), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('sort_key', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_standard')),
    sa.UniqueConstraint('code', name=op.f('uq_cpd_standard_code')),
    sa.UniqueConstraint('sort_key', name=op.f('uq_cpd_standard_sort_key'))
    )
    op.create_table('cpd_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('activity_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('activity_type', sa.Enum('case_work', 'inset_day', 'workplace_shadowing', 'seminar', 'webinar', 'network_event', 'standardisation', 'reading', 'documentary', 'online_training', 'peer_observation', 'observation_of_tla', 'one_to_one', name='activitytype', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('participation', sa.Enum('participatory', 'individual', name='participation', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reflective_model', sa.Enum('gibbs', 'kolb', 'schon', 'driscoll', name='reflectivemodel', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('action_by', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title_sealed', sa.Text(), nullable=False),
    sa.Column('content_sealed', sa.Text(), nullable=False),
    sa.Column('reflection_sealed', sa.Text(), nullable=False),
    sa.Column('action_what_sealed', sa.Text(), nullable=True),
    sa.Column('action_how_sealed', sa.Text(), nullable=True),
    sa.CheckConstraint('hours > 0 AND hours <= 24', name=op.f('ck_cpd_entry_hours_range')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_cpd_entry_owner_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_entry')),
    sa.UniqueConstraint('public_id', name=op.f('uq_cpd_entry_public_id'))
    )
    with op.batch_alter_table('cpd_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_entry_owner_id'), ['owner_id'], unique=False)

    op.create_table('cpd_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('relevant_to', sa.Enum('standard', 'job_description', 'feedback', name='relevantto', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=True),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'achieved', 'partly_achieved', 'withdrawn', name='goalstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('specific_sealed', sa.Text(), nullable=False),
    sa.Column('measure_sealed', sa.Text(), nullable=False),
    sa.Column('relevance_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_cpd_goal_owner_id_user_account')),
    sa.ForeignKeyConstraint(['standard_id'], ['cpd_standard.id'], name=op.f('fk_cpd_goal_standard_id_cpd_standard')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_goal')),
    sa.UniqueConstraint('public_id', name=op.f('uq_cpd_goal_public_id'))
    )
    with op.batch_alter_table('cpd_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_goal_owner_id'), ['owner_id'], unique=False)

    op.create_table('cpd_progress_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('annual', 'mid_year', name='reviewkind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('manager_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('practitioner_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('individual_summary_sealed', sa.Text(), nullable=True),
    sa.Column('manager_summary_sealed', sa.Text(), nullable=True),
    sa.Column('key_targets_sealed', sa.Text(), nullable=True),
    sa.Column('personal_development_sealed', sa.Text(), nullable=True),
    sa.Column('revised_targets_sealed', sa.Text(), nullable=True),
    sa.Column('development_needs_sealed', sa.Text(), nullable=True),
    sa.Column('comments_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['manager_id'], ['user_account.id'], name=op.f('fk_cpd_progress_review_manager_id_user_account')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['user_account.id'], name=op.f('fk_cpd_progress_review_practitioner_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_progress_review')),
    sa.UniqueConstraint('public_id', name=op.f('uq_cpd_progress_review_public_id'))
    )
    with op.batch_alter_table('cpd_progress_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_progress_review_manager_id'), ['manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cpd_progress_review_practitioner_id'), ['practitioner_id'], unique=False)

    op.create_table('cpd_entry_standard',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['cpd_entry.id'], name=op.f('fk_cpd_entry_standard_entry_id_cpd_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['standard_id'], ['cpd_standard.id'], name=op.f('fk_cpd_entry_standard_standard_id_cpd_standard')),
    sa.PrimaryKeyConstraint('entry_id', 'standard_id', name=op.f('pk_cpd_entry_standard'))
    )
    with op.batch_alter_table('cpd_entry_standard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_entry_standard_standard_id'), ['standard_id'], unique=False)

    op.create_table('cpd_goal_entry',
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['cpd_entry.id'], name=op.f('fk_cpd_goal_entry_entry_id_cpd_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['goal_id'], ['cpd_goal.id'], name=op.f('fk_cpd_goal_entry_goal_id_cpd_goal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('goal_id', 'entry_id', name=op.f('pk_cpd_goal_entry'))
    )
    with op.batch_alter_table('cpd_goal_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_goal_entry_entry_id'), ['entry_id'], unique=False)

    op.create_table('cpd_review_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('achieved', sa.Enum('yes', 'no', 'partially', name='achieved', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('target_sealed', sa.Text(), nullable=False),
    sa.Column('comments_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['goal_id'], ['cpd_goal.id'], name=op.f('fk_cpd_review_target_goal_id_cpd_goal')),
    sa.ForeignKeyConstraint(['review_id'], ['cpd_progress_review.id'], name=op.f('fk_cpd_review_target_review_id_cpd_progress_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_review_target')),
    sa.UniqueConstraint('public_id', name=op.f('uq_cpd_review_target_public_id')),
    sa.UniqueConstraint('review_id', 'position', name='one_target_per_position')
    )
    with op.batch_alter_table('cpd_review_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_review_target_review_id'), ['review_id'], unique=False)

    op.create_table('cpd_case_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('contribution', 'meeting', name='evidencekind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('work_label', sa.String(length=120), nullable=False),
    sa.Column('work_on', sa.Date(), nullable=False),
    sa.Column('role_label', sa.String(length=120), nullable=False),
    sa.Column('learner_reference', sa.String(length=16), nullable=False),
    sa.Column('participatory_minutes', sa.Integer(), nullable=True),
    sa.CheckConstraint('(contribution_id IS NULL) <> (meeting_id IS NULL)', name=op.f('ck_cpd_case_evidence_one_piece_of_work')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_cpd_case_evidence_contribution_id_contribution')),
    sa.ForeignKeyConstraint(['entry_id'], ['cpd_entry.id'], name=op.f('fk_cpd_case_evidence_entry_id_cpd_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_cpd_case_evidence_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_cpd_case_evidence_owner_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_case_evidence')),
    sa.UniqueConstraint('entry_id', name='one_link_per_entry')
    )
    with op.batch_alter_table('cpd_case_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_case_evidence_contribution_id'), ['contribution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cpd_case_evidence_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cpd_case_evidence_owner_id'), ['owner_id'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cpd_year_start_month', sa.Integer(), server_default='9', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_user_account_cpd_year_start_month_range'), 'cpd_year_start_month >= 1 AND cpd_year_start_month <= 12')

    load_standards()


def load_standards():
    standard = sa.table(
        'cpd_standard', sa.column('code', sa.String), sa.column('framework', sa.String),
        sa.column('group_name', sa.String), sa.column('title', sa.String), sa.column('source', sa.String),
        sa.column('sort_key', sa.Integer),
    )
    op.bulk_insert(standard, [
        dict(code=code, framework=framework, group_name=group_name, title=title, source=source,
             sort_key=sort_key)
        for code, framework, group_name, source, sort_key, title in STANDARD_ROWS
    ])


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_cpd_year_start_month_range'), type_='check')
        batch_op.drop_column('cpd_year_start_month')

    with op.batch_alter_table('cpd_case_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpd_case_evidence_owner_id'))
        batch_op.drop_index(batch_op.f('ix_cpd_case_evidence_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_cpd_case_evidence_contribution_id'))

    op.drop_table('cpd_case_evidence')
    with op.batch_alter_table('cpd_review_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpd_review_target_review_id'))

    op.drop_table('cpd_review_target')
    with op.batch_alter_table('cpd_goal_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpd_goal_entry_entry_id'))

    op.drop_table('cpd_goal_entry')
    with op.batch_alter_table('cpd_entry_standard', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpd_entry_standard_standard_id'))

    op.drop_table('cpd_entry_standard')
    with op.batch_alter_table('cpd_progress_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpd_progress_review_practitioner_id'))
        batch_op.drop_index(batch_op.f('ix_cpd_progress_review_manager_id'))

    op.drop_table('cpd_progress_review')
    with op.batch_alter_table('cpd_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpd_goal_owner_id'))

    op.drop_table('cpd_goal')
    with op.batch_alter_table('cpd_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpd_entry_owner_id'))

    op.drop_table('cpd_entry')
    op.drop_table('cpd_standard')
