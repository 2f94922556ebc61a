"""Indexes for what pages find by person or by a school's current learners: the meetings someone chaired, recorded or
attended (the CPD prompts), and each school's learners that are neither merged nor left (counted on the SENCo's home,
gone through for the reviews due), so those read an index of their own rows rather than every record."""
import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

CURRENT = "merged_into_id IS NULL AND archived_at IS NULL"


def upgrade():
    op.create_index('ix_meeting_chair_id', 'meeting', ['chair_id'])
    op.create_index('ix_meeting_recorded_by_id', 'meeting', ['recorded_by_id'])
    op.create_index('ix_meeting_attendee_user_id', 'meeting_attendee', ['user_id'])
    op.create_index('ix_learner_school_current', 'learner', ['school_id', 'year_group', 'id'],
                    sqlite_where=sa.text(CURRENT), postgresql_where=sa.text(CURRENT))


def downgrade():
    op.drop_index('ix_learner_school_current', table_name='learner')
    op.drop_index('ix_meeting_attendee_user_id', table_name='meeting_attendee')
    op.drop_index('ix_meeting_recorded_by_id', table_name='meeting')
    op.drop_index('ix_meeting_chair_id', table_name='meeting')
