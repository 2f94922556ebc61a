"""Names sealed: agencies' names, people's names and email addresses, the outbox's recipients and who delivers a
provision are sealed like learners' data; an account's address and an agency's name are found (and kept unique)
through blind indexes.

A family agency is named after the family ('The Carter family'), which names the child; people's names and
addresses were readable in any copy of the database. Upgrade seals every existing value, indexes it, and drops
the plaintext columns with their constraints; downgrade opens them back into plaintext columns.

On SQLite the five tables are rebuilt to lose their plaintext columns and constraints (the environment runs
migrations with foreign keys off and checks them before the commit; secure_delete zeroes the pages the
plaintext leaves behind, and the WAL is truncated afterwards). On PostgreSQL the old row versions stay in the
table files until VACUUM reclaims them: run `VACUUM FULL agency, user_account, invitation, outbox_message,
provision` after upgrading.

The normalisations are frozen here (a migration never imports app code, only the keyring primitives):
an address is trimmed and lower-cased; an agency's name is case-folded with its spaces collapsed.
"""
import binascii
import os
from collections import Counter

import sqlalchemy as sa
from alembic import op

from app.security.crypto import associated_data, blind_index, open_sealed
from app.security.keys import current_keyring

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# table: {field: index purpose or None}; each field becomes `<field>_sealed` (and `<field>_index` with a purpose).
SEALED = {
    'agency': {'name': 'agency_name'},
    'user_account': {'email': 'email', 'display_name': None},
    'invitation': {'email': 'email', 'display_name': None},
    'outbox_message': {'recipient': None},
    'provision': {'delivered_by': None},
}
# Columns are added in place; the tables are then rebuilt on SQLite (which can neither make a column NOT NULL nor
# drop one with a constraint in place): the environment runs migrations with foreign keys off, so a rebuild of a
# table others point at neither deletes nor refuses through them, and checks every foreign key before the commit.
IN_PLACE = {'recreate': 'never'}
PLAIN_LENGTH = {('agency', 'name'): 200, ('user_account', 'email'): 254, ('user_account', 'display_name'): 120,
                ('invitation', 'email'): 254, ('invitation', 'display_name'): 120,
                ('outbox_message', 'recipient'): 254, ('provision', 'delivered_by'): 120}


def _normalise_email(value):
    return (value or "").strip().lower()


def _normalise_agency_name(value):
    return " ".join((value or "").casefold().split())


NORMALISE = {'email': _normalise_email, 'agency_name': _normalise_agency_name}

_sealed_per_key = Counter()


def _sealed(value, public_id, table, column):
    """Sealed as app.security.crypto.seal does (envelope b1), counted here: seal() counts through the app's
    session, a second connection that SQLite's write lock (held by this migration) would keep waiting."""
    keyring = current_keyring()
    kid = keyring.primary
    nonce = os.urandom(12)
    ciphertext = keyring.cipher(kid).encrypt(nonce, value.encode("utf-8"), associated_data(table, column, public_id))
    _sealed_per_key[kid] += 1
    return f"b1.{kid}.{binascii.b2a_base64(nonce + ciphertext, newline=False).decode()}"


def _count_sealed():
    """Add this migration's encryptions to each key's usage, so rotation is still asked for in time."""
    usage = sa.table("field_key_usage", sa.column("key_id"), sa.column("encryptions"))
    connection = op.get_bind()
    for kid, added in _sealed_per_key.items():
        stored = connection.execute(sa.select(usage.c.encryptions).where(usage.c.key_id == kid)).scalar()
        if stored is None:
            connection.execute(sa.insert(usage).values(key_id=kid, encryptions=added))
        else:
            connection.execute(sa.update(usage).where(usage.c.key_id == kid).values(encryptions=stored + added))
    _sealed_per_key.clear()


def _rebuilt():
    return {'recreate': 'always'} if op.get_bind().dialect.name == 'sqlite' else IN_PLACE


def _seal_rows(name, fields):
    connection = op.get_bind()
    columns = [sa.column('id'), sa.column('public_id')]
    for field, purpose in fields.items():
        columns += [sa.column(field), sa.column(f'{field}_sealed')] + ([sa.column(f'{field}_index')] if purpose else [])
    table = sa.table(name, *columns)
    seen = {}
    for row in connection.execute(sa.select(table).order_by(table.c.id)).all():
        values = {}
        for field, purpose in fields.items():
            plain = getattr(row, field)
            values[f'{field}_sealed'] = _sealed(plain, row.public_id, name, f'{field}_sealed')
            if purpose:
                index = blind_index(purpose, NORMALISE[purpose](plain))
                if name != 'invitation' and seen.setdefault((field, index), row.public_id) != row.public_id:
                    # Two rows that differ only in case or spacing: which one stays is for a person to decide.
                    raise RuntimeError(f"{name} {seen[(field, index)]} and {row.public_id} have the same {field} "
                                       "apart from case or spacing: rename or merge one, then upgrade again")
                values[f'{field}_index'] = index
        connection.execute(sa.update(table).where(table.c.id == row.id).values(**values))


def upgrade():
    for name, fields in SEALED.items():
        with op.batch_alter_table(name, schema=None, **IN_PLACE) as batch_op:
            for field, purpose in fields.items():
                batch_op.add_column(sa.Column(f'{field}_sealed', sa.Text(), nullable=True))
                if purpose:
                    batch_op.add_column(sa.Column(f'{field}_index', sa.String(length=32), nullable=True))
    for name, fields in SEALED.items():
        _seal_rows(name, fields)
    _count_sealed()

    with op.batch_alter_table('agency', schema=None, **_rebuilt()) as batch_op:
        batch_op.alter_column('name_sealed', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('name_index', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_agency_name'), type_='unique')
        batch_op.drop_column('name')
        batch_op.create_unique_constraint(batch_op.f('uq_agency_name_index'), ['name_index'])
    with op.batch_alter_table('user_account', schema=None, **_rebuilt()) as batch_op:
        for column in ('email_sealed', 'display_name_sealed'):
            batch_op.alter_column(column, existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('email_index', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_constraint(batch_op.f('ck_user_account_email_lowercase'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_user_account_email'), type_='unique')
        batch_op.drop_column('email')
        batch_op.drop_column('display_name')
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_email_index'), ['email_index'])
    with op.batch_alter_table('invitation', schema=None, **_rebuilt()) as batch_op:
        for column in ('email_sealed', 'display_name_sealed'):
            batch_op.alter_column(column, existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('email_index', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('email')
        batch_op.drop_column('display_name')
        batch_op.create_index(batch_op.f('ix_invitation_email_index'), ['email_index'], unique=False)
    with op.batch_alter_table('outbox_message', schema=None, **_rebuilt()) as batch_op:
        batch_op.alter_column('recipient_sealed', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('recipient')
    with op.batch_alter_table('provision', schema=None, **_rebuilt()) as batch_op:
        batch_op.alter_column('delivered_by_sealed', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('delivered_by')


def _open_rows(name, fields):
    connection = op.get_bind()
    columns = [sa.column('id'), sa.column('public_id')]
    for field in fields:
        columns += [sa.column(field), sa.column(f'{field}_sealed')]
    table = sa.table(name, *columns)
    for row in connection.execute(sa.select(table)).all():
        values = {}
        for field in fields:
            plain = open_sealed(getattr(row, f'{field}_sealed'),
                                associated_data(name, f'{field}_sealed', row.public_id))
            values[field] = plain.lower() if (name, field) == ('user_account', 'email') else plain
        connection.execute(sa.update(table).where(table.c.id == row.id).values(**values))


def downgrade():
    for name, fields in SEALED.items():
        with op.batch_alter_table(name, schema=None, **IN_PLACE) as batch_op:
            for field in fields:
                batch_op.add_column(sa.Column(field, sa.String(length=PLAIN_LENGTH[(name, field)]), nullable=True))
    for name, fields in SEALED.items():
        _open_rows(name, fields)

    with op.batch_alter_table('provision', schema=None, **_rebuilt()) as batch_op:
        batch_op.alter_column('delivered_by', existing_type=sa.String(length=120), nullable=False)
        batch_op.drop_column('delivered_by_sealed')
    with op.batch_alter_table('outbox_message', schema=None, **_rebuilt()) as batch_op:
        batch_op.alter_column('recipient', existing_type=sa.String(length=254), nullable=False)
        batch_op.drop_column('recipient_sealed')
    with op.batch_alter_table('invitation', schema=None, **_rebuilt()) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_email_index'))
        for column, length in (('email', 254), ('display_name', 120)):
            batch_op.alter_column(column, existing_type=sa.String(length=length), nullable=False)
        for column in ('display_name_sealed', 'email_index', 'email_sealed'):
            batch_op.drop_column(column)
    with op.batch_alter_table('user_account', schema=None, **_rebuilt()) as batch_op:
        for column, length in (('email', 254), ('display_name', 120)):
            batch_op.alter_column(column, existing_type=sa.String(length=length), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_user_account_email_index'), type_='unique')
        for column in ('display_name_sealed', 'email_index', 'email_sealed'):
            batch_op.drop_column(column)
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_email'), ['email'])
        batch_op.create_check_constraint(batch_op.f('ck_user_account_email_lowercase'), 'email = lower(email)')
    with op.batch_alter_table('agency', schema=None, **_rebuilt()) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_agency_name_index'), type_='unique')
        batch_op.drop_column('name_index')
        batch_op.drop_column('name_sealed')
        batch_op.create_unique_constraint(batch_op.f('uq_agency_name'), ['name'])
