"""How many values each field key has sealed: shared by every worker through the database."""
from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db

_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class FieldKeyUsage(db.Model):
    __tablename__ = "field_key_usage"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    encryptions: Mapped[int] = mapped_column(BigInteger, default=0)


def add_key_usage(session: Session, key_id: str, added: int) -> int:
    """Add `added` encryptions to `key_id` in the current transaction; return the new total."""
    insert = _UPSERT[session.get_bind().dialect.name]
    statement = insert(FieldKeyUsage).values(key_id=key_id, encryptions=added)
    statement = statement.on_conflict_do_update(
        index_elements=[FieldKeyUsage.key_id],
        set_={"encryptions": FieldKeyUsage.encryptions + added},
    ).returning(FieldKeyUsage.encryptions)  # the new total in the same statement (SQLite 3.35+, PostgreSQL)
    return session.execute(statement).scalar_one()
