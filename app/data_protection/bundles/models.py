"""A subject access request's bundle (the ZIP, sealed), the DPO's redactions, and the DSL's releases of concerns."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import User
from app.extensions import db
from app.security.crypto import BYTES, Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow

# A bundle can be tens of megabytes (the attachments): `flask keys rotate` re-seals a few at a time.
ROTATION_BATCH = 2


class BundleStatus(enum.Enum):
    QUEUED = "queued"  # "Build the bundle" asked; waiting for a worker
    BUILDING = "building"
    BUILT = "built"  # ready to check, download and finalise
    FAILED = "failed"
    FINAL = "final"  # finalised by the DPO: the request is ready to send

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def in_progress(self) -> bool:
        return self in (BundleStatus.QUEUED, BundleStatus.BUILDING)


class SubjectAccessBundle(db.Model):
    """The one bundle of a request: rebuilt in place after its redactions change; its ZIP sealed at rest. It goes
    with its request (ON DELETE CASCADE, like the request with its learner): erasing a learner leaves no bundle."""

    __tablename__ = "subject_access_bundle"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)  # binds the sealed ZIP
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_access_request.id", ondelete="CASCADE"),
                                            unique=True)
    status: Mapped[BundleStatus] = mapped_column(enum_column(BundleStatus), default=BundleStatus.QUEUED)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)  # items and files written: the progress bar
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The redactions in force when it was built: a change since means the ZIP is out of date.
    redactions_seen: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the ZIP
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    content_sealed: Mapped[Sealed | None] = mapped_column(SealedText(), deferred=True)
    content = SensitiveField(codec=BYTES, rotation_batch=ROTATION_BATCH)

    request: Mapped[SubjectAccessRequest] = relationship()  # noqa: F821
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])

    @property
    def percent_done(self) -> int:
        return 100 * self.progress_done // self.progress_total if self.progress_total else 0

    @property
    def learner(self):
        return self.request.learner


class RedactionReason(enum.Enum):
    ANOTHER_CHILD = "another_child"
    STAFF = "staff"
    SERIOUS_HARM = "serious_harm"
    LEGAL_PRIVILEGE = "legal_privilege"
    OTHER = "other"

    @property
    def label(self) -> str:
        return REDACTION_REASONS[self]


REDACTION_REASONS = {
    RedactionReason.ANOTHER_CHILD: "another child",
    RedactionReason.STAFF: "a member of staff",
    RedactionReason.SERIOUS_HARM: "likely to cause serious harm (DPA 2018 Sch 3)",
    RedactionReason.LEGAL_PRIVILEGE: "legal professional privilege",
    RedactionReason.OTHER: "other",
}


class BundleRedaction(db.Model):
    """One cut the DPO made: a whole item withheld (`field` None) or a passage of one field of it, with the reason.

    The passage is sealed: it is third-party information, the very thing being kept out. A removed redaction is
    kept (who removed it, when) so the review's history stays readable."""

    __tablename__ = "bundle_redaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)  # binds the sealed values
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_access_request.id", ondelete="CASCADE"),
                                            index=True)
    item_key: Mapped[str] = mapped_column(String(120))  # "<kind>:<public id>": names no one
    field: Mapped[str | None] = mapped_column(String(80))
    occurrence: Mapped[int | None] = mapped_column(Integer)  # the nth occurrence in the field; None: every one
    reason: Mapped[RedactionReason] = mapped_column(enum_column(RedactionReason))
    made_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    passage_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    details_sealed: Mapped[Sealed | None] = mapped_column(SealedText())  # the reason's details, for "other"
    passage = SensitiveField()
    details = SensitiveField()

    request: Mapped[SubjectAccessRequest] = relationship()  # noqa: F821
    made_by: Mapped[User] = relationship(foreign_keys=[made_by_id])

    @property
    def learner(self):
        return self.request.learner

    @property
    def withholds_item(self) -> bool:
        return self.field is None

    @property
    def reason_words(self) -> str:
        if self.reason is RedactionReason.OTHER and self.details:
            return self.details
        return self.reason.label


class ConcernRelease(db.Model):
    """The DSL's decision on one safeguarding concern for one request: released into the bundle, or kept out, with
    a reason (sealed). Never changed: a later decision overrides an earlier one."""

    __tablename__ = "concern_release"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)  # binds the sealed reason
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_access_request.id", ondelete="CASCADE"),
                                            index=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_concern.id", ondelete="CASCADE"),
                                            index=True)
    released: Mapped[bool] = mapped_column(Boolean)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    reason = SensitiveField()

    request: Mapped[SubjectAccessRequest] = relationship()  # noqa: F821
    decided_by: Mapped[User] = relationship()

    @property
    def learner(self):
        return self.request.learner
