"""The reflective CPD log's entries (Appendix 5), the standards they evidence, and their links to case work.

A log belongs to one practitioner: only they write in it; their line manager reads it. Everything
a person writes here is sealed at rest: a reflection on case work can name a child even when the
form asks it not to.
"""
from __future__ import annotations

import enum
import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Numeric, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cpd.hours import Participation
from app.cpd.standards import Framework
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class ActivityType(enum.Enum):
    """The activity types of Appendix 5, and Braid's own: case work."""

    CASE_WORK = "case_work"
    INSET_DAY = "inset_day"
    WORKPLACE_SHADOWING = "workplace_shadowing"
    SEMINAR = "seminar"
    WEBINAR = "webinar"
    NETWORK_EVENT = "network_event"
    STANDARDISATION = "standardisation"
    READING = "reading"
    DOCUMENTARY = "documentary"
    ONLINE_TRAINING = "online_training"
    PEER_OBSERVATION = "peer_observation"
    OBSERVATION_OF_TLA = "observation_of_tla"
    ONE_TO_ONE = "one_to_one"

    @property
    def label(self) -> str:
        return ACTIVITY_LABELS[self]

    @property
    def usual_participation(self) -> Participation:
        """What the form suggests; the practitioner decides (a webinar can be watched with colleagues)."""
        return Participation.INDIVIDUAL if self in _USUALLY_ALONE else Participation.PARTICIPATORY


ACTIVITY_LABELS = {
    ActivityType.CASE_WORK: "Case work (reflection on my own contributions and meetings)",
    ActivityType.INSET_DAY: "INSET day",
    ActivityType.WORKPLACE_SHADOWING: "Workplace shadowing",
    ActivityType.SEMINAR: "Seminar",
    ActivityType.WEBINAR: "Webinar",
    ActivityType.NETWORK_EVENT: "Network event",
    ActivityType.STANDARDISATION: "Standardisation activity",
    ActivityType.READING: "Reading of article or report",
    ActivityType.DOCUMENTARY: "Documentary watching",
    ActivityType.ONLINE_TRAINING: "Online training",
    ActivityType.PEER_OBSERVATION: "Peer observation",
    ActivityType.OBSERVATION_OF_TLA: "Observation of teaching, learning and assessment",
    ActivityType.ONE_TO_ONE: "1:1 support or training",
}
_USUALLY_ALONE = {ActivityType.WEBINAR, ActivityType.READING, ActivityType.DOCUMENTARY, ActivityType.ONLINE_TRAINING,
                  ActivityType.CASE_WORK}


class ReflectiveModel(enum.Enum):
    GIBBS = "gibbs"
    KOLB = "kolb"
    SCHON = "schon"
    DRISCOLL = "driscoll"

    @property
    def label(self) -> str:
        return REFLECTIVE_MODELS[self][0]

    @property
    def prompts(self) -> tuple[Prompt, ...]:
        return REFLECTIVE_MODELS[self][1]


class Prompt:
    __slots__ = ("key", "label", "hint")

    def __init__(self, key: str, label: str, hint: str):
        self.key, self.label, self.hint = key, label, hint


# Each model's own stages, in its own words; every model then ends in the same action plan.
REFLECTIVE_MODELS = {
    ReflectiveModel.GIBBS: ("Gibbs' reflective cycle", (
        Prompt("description", "Description", "What happened? Who was there, what did you do, what was the outcome?"),
        Prompt("feelings", "Feelings", "What were you thinking and feeling at the time, and afterwards?"),
        Prompt("evaluation", "Evaluation", "What went well, and what did not?"),
        Prompt("analysis", "Analysis", "Why did it go that way? What helps you make sense of it (theory, research, "
                                       "the standards, colleagues' views)?"),
        Prompt("conclusion", "Conclusion", "What have you learned? What else could you have done?"),
    )),
    ReflectiveModel.KOLB: ("Kolb's experiential learning cycle", (
        Prompt("experience", "Concrete experience", "What did you do or see?"),
        Prompt("reflection", "Reflective observation", "Looking back, what do you notice? What surprised you?"),
        Prompt("conceptualisation", "Abstract conceptualisation",
               "What general lesson or theory explains it? How does it change your understanding?"),
        Prompt("experimentation", "Active experimentation", "What will you try next time, and how will you know "
                                                            "whether it worked?"),
    )),
    ReflectiveModel.SCHON: ("Schön: reflection in and on action", (
        Prompt("in_action", "Reflection in action", "While it was happening: what did you notice, and how did you "
                                                    "adjust what you were doing there and then?"),
        Prompt("on_action", "Reflection on action", "Afterwards: why did you act as you did, what would you keep "
                                                    "and what would you change?"),
    )),
    ReflectiveModel.DRISCOLL: ("Driscoll: what? so what? now what?", (
        Prompt("what", "What?", "What happened? What was your part in it?"),
        Prompt("so_what", "So what?", "Why does it matter? What does it tell you about your practice and the "
                                      "learner's progress?"),
        Prompt("now_what", "Now what?", "What are the implications for what you do next?"),
    )),
}


class EvidenceKind(enum.Enum):
    CONTRIBUTION = "contribution"
    MEETING = "meeting"


class _Json:
    """Answers to a model's prompts, sealed as one JSON object."""

    @staticmethod
    def dump(value) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    @staticmethod
    def load(text: str):
        return json.loads(text)


JSON = _Json()


class Standard(db.Model):
    """Reference data: a standard an entry can evidence (NOS for LSPs 2007, ETF 2022), loaded by migration."""

    __tablename__ = "cpd_standard"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    framework: Mapped[Framework] = mapped_column(enum_column(Framework))
    group_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(400))
    source: Mapped[str] = mapped_column(String(300))
    sort_key: Mapped[int] = mapped_column(Integer, unique=True)


entry_standard = Table(
    "cpd_entry_standard",
    db.metadata,
    Column("entry_id", ForeignKey("cpd_entry.id", ondelete="CASCADE"), primary_key=True),
    Column("standard_id", ForeignKey("cpd_standard.id"), primary_key=True, index=True),
)


class ReflectiveEntry(db.Model):
    """One row of the Appendix 5 record, written through a reflective model and ending in an action plan."""

    __tablename__ = "cpd_entry"
    __table_args__ = (CheckConstraint("hours > 0 AND hours <= 24", name="hours_range"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    activity_on: Mapped[date]
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    activity_type: Mapped[ActivityType] = mapped_column(enum_column(ActivityType))
    participation: Mapped[Participation] = mapped_column(enum_column(Participation))
    reflective_model: Mapped[ReflectiveModel] = mapped_column(enum_column(ReflectiveModel))
    action_by: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title_sealed: Mapped[Sealed] = mapped_column(SealedText())
    content_sealed: Mapped[Sealed] = mapped_column(SealedText())
    reflection_sealed: Mapped[Sealed] = mapped_column(SealedText())
    action_what_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    action_how_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    # A withdrawn entry stays in the log, marked withdrawn with its reason, and counts for nothing.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason_sealed: Mapped[Sealed | None] = mapped_column(SealedText())

    title = SensitiveField()
    content = SensitiveField()  # "Content and learning (record)"
    reflection = SensitiveField(codec=JSON)  # {prompt key: answer} for the chosen model
    action_what = SensitiveField()  # what I will do differently
    action_how = SensitiveField()  # how
    # Always given when withdrawing; None only for duplicates the upgrade to migration 0010 withdrew.
    withdrawn_reason = SensitiveField()

    owner: Mapped[User] = relationship()  # noqa: F821
    standards: Mapped[list[Standard]] = relationship(secondary=entry_standard, order_by=Standard.sort_key)
    evidence: Mapped[CaseEvidence | None] = relationship(back_populates="entry", uselist=False)

    __mapper_args__ = {"version_id_col": version}

    def answer(self, key: str) -> str:
        return (self.reflection or {}).get(key, "")

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class CaseEvidence(db.Model):
    """An entry's link to the practitioner's own case work: a contribution they wrote or a meeting
    they attended or recorded.

    What the link shows to someone outside the case is copied here when it is made (the kind, date
    and the practitioner's role in the work) with a pseudonymous learner reference: a keyed hash of
    the practitioner and the learner, the same for one learner throughout one log, meaningless
    elsewhere. The relationships are deliberately not called `learner` or `meeting`: the audit trail
    follows those names to a learner, and reading a CPD entry is not reading the case.
    """

    __tablename__ = "cpd_case_evidence"
    __table_args__ = (
        CheckConstraint("(contribution_id IS NULL) <> (meeting_id IS NULL)", name="one_piece_of_work"),
        UniqueConstraint("entry_id", name="one_link_per_entry"),
        # One entry per person per piece of work: a second "Reflect on this" opens the first (even withdrawn).
        # NULLs never collide, so a contribution's link and a meeting's link each meet only their own kind.
        UniqueConstraint("owner_id", "contribution_id", name="one_entry_per_contribution"),
        UniqueConstraint("owner_id", "meeting_id", name="one_entry_per_meeting"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("cpd_entry.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind))
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contribution.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"), index=True)
    work_label: Mapped[str] = mapped_column(String(120))  # e.g. "Planning meeting", "Intervention record"
    work_on: Mapped[date]
    role_label: Mapped[str] = mapped_column(String(120))  # e.g. "Recorded the meeting", "Author"
    learner_reference: Mapped[str] = mapped_column(String(16))
    participatory_minutes: Mapped[int | None] = mapped_column(Integer)  # a meeting's length, offered as hours

    entry: Mapped[ReflectiveEntry] = relationship(back_populates="evidence")
    linked_contribution: Mapped[Contribution | None] = relationship()  # noqa: F821
    linked_meeting: Mapped[Meeting | None] = relationship()  # noqa: F821

    @property
    def linked_work(self):
        return self.linked_contribution if self.kind is EvidenceKind.CONTRIBUTION else self.linked_meeting


