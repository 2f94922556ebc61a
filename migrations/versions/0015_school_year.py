"""The school year: a school's calendar (terms, half terms, closures), its year end, and on each learner where
their year group came from, a leaving date and when they were archived."""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('school_calendar_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('term', 'half_term', 'closure', name='periodkind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_school_calendar_period_ends_after_start')),
    sa.ForeignKeyConstraint(['school_id'], ['agency.id'], name=op.f('fk_school_calendar_period_school_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_calendar_period')),
    sa.UniqueConstraint('public_id', name=op.f('uq_school_calendar_period_public_id'))
    )
    with op.batch_alter_table('school_calendar_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_calendar_period_school_id'), ['school_id'], unique=False)

    op.create_table('school_year_end',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('year_end_on', sa.Date(), nullable=False),
    sa.Column('top_year_group', sa.Integer(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('carried_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('moved_count', sa.Integer(), nullable=False),
    sa.Column('archived_count', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['agency.id'], name=op.f('fk_school_year_end_school_id_agency')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_school_year_end_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_year_end')),
    sa.UniqueConstraint('public_id', name=op.f('uq_school_year_end_public_id')),
    sa.UniqueConstraint('school_id', 'school_year', name='one_year_end_per_school_year')
    )
    with op.batch_alter_table('school_year_end', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_year_end_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('year_group_source', sa.Enum('registered', 'corrected', 'mis_import', 'year_end', name='yeargroupsource', native_enum=False, create_constraint=True), nullable=False, server_default='registered'))
        batch_op.add_column(sa.Column('year_group_set_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('leaving_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_learner_archived_at'), ['archived_at'], unique=False)
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.alter_column('year_group_source', server_default=None)


def downgrade():
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_learner_yeargroupsource'), type_='check')
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_archived_at'))
        batch_op.drop_column('archived_at')
        batch_op.drop_column('leaving_on')
        batch_op.drop_column('year_group_set_on')
        batch_op.drop_column('year_group_source')

    with op.batch_alter_table('school_year_end', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_year_end_school_id'))

    op.drop_table('school_year_end')
    with op.batch_alter_table('school_calendar_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_calendar_period_school_id'))

    op.drop_table('school_calendar_period')
