"""Attached files: on one contribution, meeting or concern each (deleted with it); name, description and content
sealed, kind and size in the clear."""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

ONE_PARENT = ("(CASE WHEN contribution_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END)"
              " + (CASE WHEN concern_id IS NULL THEN 0 ELSE 1 END) = 1")


def upgrade():
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('concern_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('pdf', 'docx', 'odt', 'png', 'jpeg', name='filekind', native_enum=False,
                              create_constraint=True, length=4), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('name_sealed', sa.Text(), nullable=False),
    sa.Column('description_sealed', sa.Text(), nullable=True),
    sa.Column('content_sealed', sa.Text(), nullable=False),
    sa.CheckConstraint(ONE_PARENT, name=op.f('ck_attachment_one_parent')),
    sa.ForeignKeyConstraint(['concern_id'], ['safeguarding_concern.id'],
                            name=op.f('fk_attachment_concern_id_safeguarding_concern'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'],
                            name=op.f('fk_attachment_contribution_id_contribution'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_attachment_meeting_id_meeting'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'],
                            name=op.f('fk_attachment_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('public_id', name=op.f('uq_attachment_public_id'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_concern_id'), ['concern_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_contribution_id'), ['contribution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_meeting_id'), ['meeting_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_contribution_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_concern_id'))
    op.drop_table('attachment')
