"""A school's calendar: terms, the holidays inside them (half terms) and closures (INSET days, elections).

Nothing here is personal data: term dates are public, so the columns are plain.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class PeriodKind(enum.Enum):
    TERM = "term"  # school days, Monday to Friday, less what follows
    HALF_TERM = "half_term"  # a holiday inside a term
    CLOSURE = "closure"  # an INSET day or any other day the school is shut

    @property
    def label(self) -> str:
        return {"term": "Term", "half_term": "Half-term holiday", "closure": "Closure or INSET day"}[self.value]


class SchoolCalendarPeriod(db.Model):
    __tablename__ = "school_calendar_period"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    school_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    kind: Mapped[PeriodKind] = mapped_column(enum_column(PeriodKind))
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def __repr__(self) -> str:
        return f"<SchoolCalendarPeriod {self.kind.value} {self.starts_on}..{self.ends_on}>"
