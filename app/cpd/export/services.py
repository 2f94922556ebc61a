"""Building the Appendix 5 reflective record from a practitioner's log, and exporting it with a stated purpose.

What leaves Braid here is read by people outside the case (a line manager, an external quality
assurer). Case work is therefore described only from the columns copied onto `CaseEvidence` when
the link was made — the work's kind, date, the practitioner's role and the pseudonymous learner
reference — and never from the linked contribution, meeting or learner.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.core.dates import day
from app.core.dates import today as school_today
from app.cpd.entries.models import ActivityType, CaseEvidence, ReflectiveEntry
from app.cpd.entries.services import current_year, hours_summary, log_entries
from app.cpd.export.models import ExportFormat, ExportPurpose
from app.cpd.export.record import GoalRow, RecordRow, ReflectiveRecord, record_csv
from app.cpd.goals.models import DevelopmentGoal, RelevantTo
from app.cpd.goals.services import goals_of
from app.cpd.hours import CpdYear
from app.policy import Action, require
from app.problems import Refusal


class ExportError(Refusal):
    """An export that cannot be made as asked."""


def export_years(owner: User, today: date | None = None) -> list[CpdYear]:
    """The years one can export: the owner's current CPD year and the one before (for its review)."""
    year = current_year(owner, today)
    return [year, year.previous()]


# --- the record ---------------------------------------------------------------------------------


def evidence_line(evidence: CaseEvidence) -> str:
    """Case work as someone outside the case may read it: from the copied columns only."""
    role = evidence.role_label[:1].lower() + evidence.role_label[1:]
    return (f"Case work: {evidence.work_label} on {day(evidence.work_on)}, {role}; "
            f"learner ref. {evidence.learner_reference}")


def implication_text(entry: ReflectiveEntry) -> str:
    """The reflection in its model's own stages, then the action plan: what, how and by when."""
    parts = [f"{prompt.label}: {entry.answer(prompt.key)}" for prompt in entry.reflective_model.prompts
             if entry.answer(prompt.key)]
    plan = [f"Action plan: what I will do differently: {entry.action_what or 'not recorded'}",
            f"How: {entry.action_how or 'not recorded'}",
            f"By: {day(entry.action_by) if entry.action_by else 'not recorded'}"]
    return "\n\n".join([*parts, "\n".join(plan)])


def activity_type_label(activity_type: ActivityType) -> str:
    # The form's longer wording explains case work to the practitioner; the record's reader needs the name.
    return "Case work" if activity_type is ActivityType.CASE_WORK else activity_type.label


def record_row(entry: ReflectiveEntry) -> RecordRow:
    return RecordRow(
        on=entry.activity_on,
        hours=entry.hours,
        title=entry.title,
        activity_type=activity_type_label(entry.activity_type),
        content_and_learning=entry.content,
        implication=implication_text(entry),
        evidence=evidence_line(entry.evidence) if entry.evidence is not None else None,
    )


def _relevant_to(goal: DevelopmentGoal) -> str:
    if goal.relevant_to is RelevantTo.STANDARD and goal.standard is not None:
        named = f"{goal.standard.code}: {goal.standard.title}"
    else:
        named = goal.relevance or ""
    return f"{goal.relevant_to.label}: {named}" if named else goal.relevant_to.label


def goal_row(goal: DevelopmentGoal) -> GoalRow:
    return GoalRow(goal=goal.specific, measure=goal.measure, relevant_to=_relevant_to(goal),
                   target_on=goal.target_on, status=goal.status.label)


def _belongs_to(goal: DevelopmentGoal, year: CpdYear) -> bool:
    """A goal belongs to a year's record if it was set, due or evidenced in that year."""
    return (year.contains(goal.target_on) or year.contains(goal.created_at.date())
            or any(year.contains(entry.activity_on) for entry in goal.entries))


def reflective_record(viewer: User, owner: User, year: CpdYear, today: date | None = None) -> ReflectiveRecord:
    """`owner`'s reflective record for `year`, as `viewer` (the owner or their line manager) may export it.

    :raise 403/404 (through the policy): for anyone who may not read the owner's log.
    """
    today = today or school_today()
    # Oldest first: the record reads as the year went. Withdrawn entries are not part of the record (they stay
    # in the log, marked withdrawn): its rows add up to its hours.
    entries = [entry for entry in log_entries(viewer, owner, year)[::-1] if not entry.withdrawn]
    summary = hours_summary(viewer, owner, today=today, year=year, entries=entries)
    standards = {standard.id: standard for entry in entries for standard in entry.standards}
    evidenced = sorted(standards.values(), key=lambda standard: standard.sort_key)
    return ReflectiveRecord(
        name=owner.display_name,
        job_title=owner.role.label,
        line_manager=owner.line_manager.display_name if owner.line_manager is not None else None,
        year_label=year.label,
        target_hours=summary.target,
        total_hours=summary.total,
        participatory_hours=summary.participatory,
        individual_hours=summary.individual,
        rows=[record_row(entry) for entry in entries],
        goals=[goal_row(goal) for goal in goals_of(viewer, owner, with_evidence=True) if _belongs_to(goal, year)],
        standards_evidenced=[f"{standard.code}: {standard.title}" for standard in evidenced],
        generated_on=today,
    )


# --- the export ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportedRecord:
    filename: str
    mimetype: str
    content: bytes


def export_filename(year: CpdYear, file_format: ExportFormat) -> str:
    """"cpd-record-2025-2026.pdf": the year only — never a person's name, which would travel with the file."""
    years = str(year.starts_on.year) if year.starts_on.year == year.ends_on.year \
        else f"{year.starts_on.year}-{year.ends_on.year}"
    return f"cpd-record-{years}.{file_format.value}"


def export_record(actor: User, owner: User, *, year: CpdYear, file_format: ExportFormat | str | None,
                  purpose: ExportPurpose | str | None, today: date | None = None) -> ExportedRecord:
    """Render `owner`'s record for `year` and record the export with its purpose (flushes; the view commits).

    :raise ExportError: without a purpose, or for a format or year that cannot be exported.
    :raise 403/404 (through the policy): for anyone but the owner and their line manager.
    """
    require(actor, Action.EXPORT_CPD_LOG, owner)
    purpose = _choice(ExportPurpose, purpose, "purpose", "Choose why you are exporting the record")
    file_format = _choice(ExportFormat, file_format, "file_format", "Choose PDF or CSV")
    if year not in export_years(owner, today):
        raise ExportError("Choose this CPD year or the one before", "year")
    built = reflective_record(actor, owner, year, today)
    # Rendered before the event is written: an export that fails leaves no claim that it was made.
    if file_format is ExportFormat.PDF:
        from app.cpd.export.record_pdf import record_pdf  # fpdf2 only when a PDF is made (a third of a second)

        content = record_pdf(built)
    else:
        content = record_csv(built).encode("utf-8-sig")  # the BOM makes spreadsheet programs read UTF-8
    record(actor, AuditAction.EXPORT, owner, purpose=purpose.value)
    return ExportedRecord(export_filename(year, file_format), file_format.mimetype, content)


def _choice(enum_class, value, field_name: str, missing: str):
    if isinstance(value, enum_class):
        return value
    try:
        return enum_class(value)
    except ValueError:
        raise ExportError(missing, field_name) from None
