"""A school's year end: the date the SENCo chose, the top year group that leaves, and whether it was carried out."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import User
from app.extensions import db
from app.types import PublicId, UTCDateTime, new_public_id, utcnow


class SchoolYearEnd(db.Model):
    """One per school and school year (named by the calendar year it starts in: 2025 for 2025/26)."""

    __tablename__ = "school_year_end"
    __table_args__ = (UniqueConstraint("school_id", "school_year", name="one_year_end_per_school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    school_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    school_year: Mapped[int]
    year_end_on: Mapped[date]
    top_year_group: Mapped[int]  # its learners leave at the year end instead of moving up
    set_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set once, in the transaction that moved and archived: the job's guard against running twice.
    carried_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    moved_count: Mapped[int] = mapped_column(Integer, default=0)
    archived_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    set_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<SchoolYearEnd {self.school_year} on {self.year_end_on}>"
