"""Learners: every identifying value sealed at rest, found only through blind indexes."""
from __future__ import annotations

import enum
import re
import unicodedata
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import Agency, User
from app.extensions import db
from app.security.crypto import DATE, JSON, EnumList, EnumValue, Sealed, SealedText, SensitiveField, blind_index
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow

YEAR_GROUPS = {-1: "Nursery", 0: "Reception", **{year: f"Year {year}" for year in range(1, 14)}}


def normalise_name(name: str) -> str:
    """Case, accents, punctuation and spacing do not matter when looking a learner up by name:
    "ruby ellis ward", "Ruby Ellis-Ward" and "RUBY ELLISWARD" are one name."""
    decomposed = unicodedata.normalize("NFKD", (name or "").casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def name_and_birth_index(name: str, date_of_birth: date) -> str:
    """The blind index that tells a second record of the same child: one normalised name, one date of birth."""
    return blind_index("name_and_date_of_birth", f"{normalise_name(name)}|{date_of_birth.isoformat()}")


def normalise_upn(upn: str) -> str:
    return re.sub(r"\s+", "", (upn or "").upper())


class AreaOfNeed(enum.Enum):
    """The four broad areas of need of the SEND Code of Practice."""

    COMMUNICATION_INTERACTION = "communication_interaction"
    COGNITION_LEARNING = "cognition_learning"
    SEMH = "social_emotional_mental_health"
    SENSORY_PHYSICAL = "sensory_physical"

    @property
    def label(self) -> str:
        return AREA_OF_NEED_LABELS[self]


class SenStatus(enum.Enum):
    """SEN provision as the school census records it (its codes are the values)."""

    NO_SEN = "N"
    SEN_SUPPORT = "K"
    EHC_PLAN = "E"

    @property
    def label(self) -> str:
        return SEN_STATUS_LABELS[self]


SEN_STATUS_LABELS = {
    SenStatus.NO_SEN: "No special educational needs",
    SenStatus.SEN_SUPPORT: "SEN support",
    SenStatus.EHC_PLAN: "Education, health and care plan",
}


class NeedType(enum.Enum):
    """The school census's types of need (its codes are the values), each within one broad area or none."""

    SPLD = "SpLD"
    MLD = "MLD"
    SLD = "SLD"
    PMLD = "PMLD"
    SEMH = "SEMH"
    SLCN = "SLCN"
    HI = "HI"
    VI = "VI"
    MSI = "MSI"
    PD = "PD"
    ASD = "ASD"
    OTH = "OTH"
    NSA = "NSA"

    @property
    def label(self) -> str:
        return NEED_TYPES[self][0]

    @property
    def area(self) -> AreaOfNeed | None:
        return NEED_TYPES[self][1]


AREA_OF_NEED_LABELS = {
    AreaOfNeed.COMMUNICATION_INTERACTION: "Communication and interaction",
    AreaOfNeed.COGNITION_LEARNING: "Cognition and learning",
    AreaOfNeed.SEMH: "Social, emotional and mental health",
    AreaOfNeed.SENSORY_PHYSICAL: "Sensory and/or physical",
}


NEED_TYPES = {
    NeedType.SPLD: ("Specific learning difficulty", AreaOfNeed.COGNITION_LEARNING),
    NeedType.MLD: ("Moderate learning difficulty", AreaOfNeed.COGNITION_LEARNING),
    NeedType.SLD: ("Severe learning difficulty", AreaOfNeed.COGNITION_LEARNING),
    NeedType.PMLD: ("Profound and multiple learning difficulty", AreaOfNeed.COGNITION_LEARNING),
    NeedType.SEMH: ("Social, emotional and mental health", AreaOfNeed.SEMH),
    NeedType.SLCN: ("Speech, language and communication needs", AreaOfNeed.COMMUNICATION_INTERACTION),
    NeedType.ASD: ("Autistic spectrum disorder", AreaOfNeed.COMMUNICATION_INTERACTION),
    NeedType.HI: ("Hearing impairment", AreaOfNeed.SENSORY_PHYSICAL),
    NeedType.VI: ("Vision impairment", AreaOfNeed.SENSORY_PHYSICAL),
    NeedType.MSI: ("Multi-sensory impairment", AreaOfNeed.SENSORY_PHYSICAL),
    NeedType.PD: ("Physical disability", AreaOfNeed.SENSORY_PHYSICAL),
    NeedType.OTH: ("Other difficulty or disability", None),
    NeedType.NSA: ("SEN support but no specialist assessment of type of need", None),
}


class YearGroupSource(enum.Enum):
    """Who last set a learner's year group: a year end moves up only those not already set for the new year."""

    REGISTERED = "registered"
    CORRECTED = "corrected"
    MIS_IMPORT = "mis_import"
    YEAR_END = "year_end"


class LearnerNames:
    """How a learner is named on a page, from whichever columns hold the values."""

    @property
    def year_group_label(self) -> str:
        return YEAR_GROUPS[self.year_group]

    @property
    def known_as(self) -> str:
        return self.preferred_name or self.name


class Learner(LearnerNames, db.Model):
    __tablename__ = "learner"
    __table_args__ = (
        CheckConstraint("year_group BETWEEN -1 AND 13", name="year_group_range"),
        # The lists' order within a school (visible_learners): a page reads its rows of the index, not all sorted.
        Index("ix_learner_school_year_group", "school_id", "year_group", "id"),
        # The school's current learners alone (not merged, not left), in the lists' order: counting them, and going
        # through them for the reviews due, reads this index rather than every record of the school.
        Index("ix_learner_school_current", "school_id", "year_group", "id",
              sqlite_where=text("merged_into_id IS NULL AND archived_at IS NULL"),
              postgresql_where=text("merged_into_id IS NULL AND archived_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    school_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    year_group: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)  # corrections race through app.core.conflicts
    year_group_source: Mapped[YearGroupSource] = mapped_column(enum_column(YearGroupSource),
                                                               default=YearGroupSource.REGISTERED)
    year_group_set_on: Mapped[date | None] = mapped_column(Date())  # the school day it was set (None: long ago)
    leaving_on: Mapped[date | None] = mapped_column(Date())  # marked as leaving: archived from this day
    # Archived (a leaver): read-only, out of everyday lists; the SENCo and the DSL still read it.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Processing restricted (UK GDPR Article 18) since this moment: read by the SENCo and the DSL, changed and
    # shared by nobody. The policy's flag, on the row it already holds; the history is app.cases.restrictions.
    restricted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    name_sealed: Mapped[Sealed] = mapped_column(SealedText())
    # Blind indexes are only ever compared in SQL, never read: deferred, so pages do not load them.
    name_index: Mapped[str] = mapped_column(String(32), index=True, deferred=True)
    preferred_name_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    date_of_birth_sealed: Mapped[Sealed] = mapped_column(SealedText())
    upn_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    upn_index: Mapped[str | None] = mapped_column(String(32), index=True, deferred=True)
    # Set with the name and date of birth (set_name_and_birth): finds a second record of the same child.
    name_and_birth_index: Mapped[str | None] = mapped_column(String(32), index=True, deferred=True)
    notes_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    areas_of_need_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    sen_status_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    needs_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    registration_group_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    # A second record of the same child, merged into the survivor: kept, out of every list, its id resolving there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id"), index=True)
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    merge_reason_sealed: Mapped[Sealed | None] = mapped_column(SealedText())

    name = SensitiveField(index=normalise_name)
    preferred_name = SensitiveField()
    date_of_birth = SensitiveField(codec=DATE)
    upn = SensitiveField(index=normalise_upn)
    notes = SensitiveField()  # the typed source; notes_html is its safe HTML, made when it was saved
    notes_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    notes_html = SensitiveField()
    writing_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # allowlist of its HTML
    # A child's needs are special category data too: sealed like the rest.
    areas_of_need = SensitiveField(codec=EnumList(AreaOfNeed))
    sen_status = SensitiveField(codec=EnumValue(SenStatus))
    needs = SensitiveField(codec=EnumList(NeedType))  # the census's types of need, primary first
    registration_group = SensitiveField()
    merge_reason = SensitiveField()

    school: Mapped[Agency] = relationship()
    merged_into: Mapped[Learner | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    merged_by: Mapped[User | None] = relationship(foreign_keys=[merged_by_id])
    memberships: Mapped[list[TeamMembership]] = relationship(back_populates="learner")  # noqa: F821 (team.models)
    plan: Mapped[SupportPlan | None] = relationship(back_populates="learner")  # noqa: F821

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_restricted(self) -> bool:
        return self.restricted_at is not None

    def set_year_group(self, year_group: int, source: YearGroupSource, on: date) -> None:
        """The year group with where it came from and when: what the year end reads to move it up once."""
        self.year_group = year_group
        self.year_group_source = source
        self.year_group_set_on = on

    def set_name_and_birth(self, name: str, date_of_birth: date) -> None:
        """Name and date of birth change together with the index that finds a second record of the child."""
        self.name = name
        self.date_of_birth = date_of_birth
        self.name_and_birth_index = name_and_birth_index(name, date_of_birth)

    def __repr__(self) -> str:
        return f"<Learner {self.public_id}>"


class LearnerRevision(db.Model):
    """One correction of a learner's details: who, when, why, which fields, and their earlier values (sealed)."""

    __tablename__ = "learner_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)  # binds the sealed values
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    fields: Mapped[str] = mapped_column(String(300))  # the fields' names, comma-separated: never their values
    reason_sealed: Mapped[Sealed] = mapped_column(SealedText())
    earlier_sealed: Mapped[Sealed] = mapped_column(SealedText())
    # Set when the change came from merging another record of the child into this one (its values won).
    merged_from_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id"))

    reason = SensitiveField()
    earlier = SensitiveField(codec=JSON)  # {field: the value as it was shown}

    learner: Mapped[Learner] = relationship(foreign_keys=[learner_id])
    changed_by: Mapped[User] = relationship()
    merged_from: Mapped[Learner | None] = relationship(foreign_keys=[merged_from_id])

    @property
    def field_names(self) -> list[str]:
        return self.fields.split(",") if self.fields else []
