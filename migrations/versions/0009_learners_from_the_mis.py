"""Learners from the MIS: imports and their sealed rows; SEN status, needs and registration group; the name and
date-of-birth index that warns of a second record; name indexes that ignore spacing and punctuation entirely.

The blind indexes are recomputed here with the security primitives (the keyring, not any model), and both
normalisations are frozen below so that the migration means the same thing whatever later code says.
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

from app.security.crypto import associated_data, blind_index, open_sealed

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('learner_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('columns', 'preview', 'queued', 'running', 'done', 'cancelled', 'expired', 'failed', name='importstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('vendor', sa.String(length=20), nullable=True),
    sa.Column('encoding', sa.String(length=20), nullable=False),
    sa.Column('delimiter', sa.String(length=1), nullable=False),
    sa.Column('header_sealed', sa.Text(), nullable=False),
    sa.Column('columns_sealed', sa.Text(), nullable=True),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('updated_count', sa.Integer(), nullable=False),
    sa.Column('unchanged_count', sa.Integer(), nullable=False),
    sa.Column('skipped_count', sa.Integer(), nullable=False),
    sa.Column('refused_count', sa.Integer(), nullable=False),
    sa.Column('done_count', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_learner_import_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['school_id'], ['agency.id'], name=op.f('fk_learner_import_school_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learner_import')),
    sa.UniqueConstraint('public_id', name=op.f('uq_learner_import_public_id'))
    )
    with op.batch_alter_table('learner_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_import_school_id'), ['school_id'], unique=False)

    op.create_table('learner_import_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('cells_sealed', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Enum('create', 'update', 'unchanged', 'duplicate', 'skipped', 'refused', name='rowoutcome', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('reasons_sealed', sa.Text(), nullable=True),
    sa.Column('learner_id', sa.Integer(), nullable=True),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['learner_import.id'], name=op.f('fk_learner_import_row_import_id_learner_import'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_learner_import_row_learner_id_learner'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learner_import_row')),
    sa.UniqueConstraint('import_id', 'number', name='uq_learner_import_row_number'),
    sa.UniqueConstraint('public_id', name=op.f('uq_learner_import_row_public_id'))
    )
    with op.batch_alter_table('learner_import_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_import_row_import_id'), ['import_id'], unique=False)

    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_and_birth_index', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('sen_status_sealed', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('needs_sealed', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('registration_group_sealed', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_learner_name_and_birth_index'), ['name_and_birth_index'], unique=False)

    _reindex(_name_0009, with_birth=True)


def downgrade():
    _reindex(_name_0002, with_birth=False)

    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_name_and_birth_index'))
        batch_op.drop_column('registration_group_sealed')
        batch_op.drop_column('needs_sealed')
        batch_op.drop_column('sen_status_sealed')
        batch_op.drop_column('name_and_birth_index')

    with op.batch_alter_table('learner_import_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_import_row_import_id'))

    op.drop_table('learner_import_row')
    with op.batch_alter_table('learner_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_import_school_id'))

    op.drop_table('learner_import')


def _name_0002(name):
    """Names as 0002 to 0008 indexed them: spacing collapsed, punctuation dropped."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    letters = re.sub(r"[^\w\s]", "", letters.casefold())
    return " ".join(letters.split())


def _name_0009(name):
    """Names from 0009: letters and digits only, so spacing and punctuation never matter."""
    decomposed = unicodedata.normalize("NFKD", (name or "").casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def _reindex(normalise, *, with_birth):
    learner = sa.table("learner", sa.column("id"), sa.column("public_id"), sa.column("name_sealed"),
                       sa.column("date_of_birth_sealed"), sa.column("name_index"), sa.column("name_and_birth_index"))
    connection = op.get_bind()
    rows = connection.execute(sa.select(learner.c.id, learner.c.public_id, learner.c.name_sealed,
                                        learner.c.date_of_birth_sealed)).all()
    for row in rows:
        name = open_sealed(row.name_sealed, associated_data("learner", "name_sealed", row.public_id))
        values = {"name_index": blind_index("name", normalise(name))}
        if with_birth:
            born = open_sealed(row.date_of_birth_sealed, associated_data("learner", "date_of_birth_sealed", row.public_id))
            values["name_and_birth_index"] = blind_index("name_and_date_of_birth", f"{normalise(name)}|{born}")
        connection.execute(sa.update(learner).where(learner.c.id == row.id).values(**values))
