"""The record of processing activities (UK GDPR Article 30(1)), built from the classification of every column
(app.data_protection.processing.columns) and from who the controllers and their DPOs are; rendered as plain text,
Markdown (for the README) or a dict (for JSON)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import select

from app.agencies.accounts.models import Agency, AgencyKind, Role, User
from app.audit.directory import labelled
from app.data_protection.processing.columns import COLUMNS, Classification
from app.data_protection.retention.schedule import DEFAULTS, rules_of
from app.extensions import db
from app.policy.actions import MFA_REQUIRED_ROLES

PURPOSES = (
    "Planning, doing and reviewing support for children and young people with special educational needs and "
    "disabilities (the graduated approach: assess, plan, do, review), with the child, their family and the "
    "professionals around them.",
    "Keeping children safe: the designated safeguarding lead's record of concerns and what was done about them.",
    "Sharing a child's record with the people on the child's team, and sending it on to the child's next school.",
    "Staff development: reflective CPD logs, development goals and progress reviews.",
    "Running the service securely: accounts, signing in, and the audit trail of who saw, changed or shared what.",
    "Meeting the school's duties as controller: subject access, rectification, restriction, retention and "
    "erasure.",
)

DATA_SUBJECTS = (
    "Learners: children and young people with special educational needs and disabilities.",
    "Parents and carers of those learners.",
    "School staff: SENCos, designated safeguarding leads, teachers, learning support practitioners, "
    "administrators.",
    "Outside professionals: speech and language therapists, educational psychologists, local authority officers.",
    "Other people named in what is written about a child (other children, relatives): redacted from a subject "
    "access bundle.",
)

TRANSFERS = "None: Braid sends no personal data outside the UK."



def retention_lines(school_id: int | None = None) -> list[str]:
    """A line per record class: the school's rule in force (its own edit, or the IRMS default); for every school at
    once (the command), the IRMS defaults, each school's edits being on its retention page."""
    if school_id is None:
        return [f"{default.label}: {default.irms}" for default in DEFAULTS.values()]
    return [f"{rule.label}" + (f" (the school's own rule; IRMS: {rule.default.irms})" if rule.edited
                               else f" (the IRMS default: {rule.default.irms})")
            for rule in rules_of(school_id).values()]

SECURITY = (
    "Sensitive values (names, dates of birth, everything written about a child) are sealed with AES-256-GCM, "
    "each bound to its table, column and row, under keys kept outside the database and rotated with "
    "`flask keys rotate`.",
    "Each learner's sealed values are under a data key of that learner's own, kept wrapped in a key store apart "
    "from the database and its backups (crypto-shredding): erasing the learner destroys the key, so every copy of "
    "their sealed data becomes unreadable.",
    "Blind indexes (keyed HMAC-SHA-256) find a name, email or UPN without storing it in clear.",
    "A hash-chained, append-only audit trail of every opening, change, export and refusal, sealed as it grows "
    "and checked with `flask audit verify`.",
    "Two-step verification (an authenticator app) is required for: {mfa}.",
    "One authorization policy, deny by default: a person reads a child's record only while on the child's team; "
    "emergency (break-glass) access lasts an hour, with a reason, and is audited.",
    "Passwords are hashed with Argon2id; sign-in attempts are rate-limited.",
    "Processing of a child's record can be restricted (Article 18): it is then read by the SENCo and the DSL "
    "only, and nobody changes or shares it.",
)


@dataclass(frozen=True)
class Controller:
    school: str
    dpo: str | None  # "name <email>", or None when the school has designated no DPO in Braid


@dataclass(frozen=True)
class DataCategory:
    table: str
    label: str  # what the table holds, in the audit trail's words where it has them
    personal: list[str]
    special_category: list[str]


@dataclass(frozen=True)
class Record:
    controllers: list[Controller]
    purposes: list[str]
    data_subjects: list[str]
    categories: list[DataCategory]
    recipients: list[str]
    transfers: str
    retention: list[str]
    security: list[str]
    pseudonymous_tables: list[str] = field(default_factory=list)  # hold keys and indexes only

    def as_dict(self) -> dict:
        return asdict(self)


def data_categories(columns=COLUMNS) -> tuple[list[DataCategory], list[str]]:
    """Per table, its personal and special category columns; and the tables that hold keys only."""
    categories, keys_only = [], []
    for table in sorted(columns):
        kinds = columns[table]
        personal = sorted(name for name, kind in kinds.items() if kind is Classification.PERSONAL)
        special = sorted(name for name, kind in kinds.items() if kind is Classification.SPECIAL_CATEGORY)
        if personal or special:
            label = labelled("object_type", table) or table.replace("_", " ").capitalize()
            categories.append(DataCategory(table, label, personal, special))
        elif any(kind is Classification.PSEUDONYMOUS for kind in kinds.values()):
            keys_only.append(table)
    return categories, keys_only


def recipients() -> list[str]:
    inside = [role.label for role in Role if role not in (Role.PARENT, Role.SLT, Role.EP)]
    outside = [kind.label for kind in AgencyKind if kind not in (AgencyKind.SCHOOL, AgencyKind.FAMILY)]
    return [
        "School staff, each by their role and only on the children whose team they are on: " + ", ".join(inside)
        + " (an administrator manages accounts and sees no child's record).",
        "Outside professionals invited to a child's team: " + ", ".join(outside)
        + f" ({Role.SLT.label.lower()}s, {Role.EP.label.lower()}s).",
        "The child's parents or carers on the team: what is shared with the family.",
        "The child's next school: the record and SEN file (from the SENCo) and, separately, the child protection "
        "file (from the DSL).",
    ]


def controllers(schools: list[Agency] | None = None) -> list[Controller]:
    """The schools (each a controller), by name, each with its designated DPO's contact."""
    if schools is None:
        schools = list(db.session.scalars(select(Agency).where(Agency.kind == AgencyKind.SCHOOL)))
    found = []
    for school in schools:
        officers = db.session.scalars(select(User).where(
            User.agency_id == school.id, User.dpo_designated_at.is_not(None), User.active.is_(True),
        ).order_by(User.dpo_designated_at)).all()
        dpo = "; ".join(f"{officer.display_name} <{officer.email}>" for officer in officers) or None
        found.append(Controller(school.name, dpo))
    return sorted(found, key=lambda controller: controller.school.casefold())


def build_record(schools: list[Agency] | None = None, columns=COLUMNS,
                 retention: list[str] | None = None) -> Record:
    """The record for these schools (every school by default); `retention`: a line per record class, from the
    retention schedule (every school's IRMS defaults unless given)."""
    categories, keys_only = data_categories(columns)
    mfa = ", ".join(role.label for role in Role if role in MFA_REQUIRED_ROLES)
    return Record(
        controllers=controllers(schools),
        purposes=list(PURPOSES),
        data_subjects=list(DATA_SUBJECTS),
        categories=categories,
        recipients=recipients(),
        transfers=TRANSFERS,
        retention=list(retention or retention_lines()),
        security=[line.format(mfa=mfa) for line in SECURITY],
        pseudonymous_tables=keys_only,
    )


NO_DPO = "no data protection officer designated in Braid"


def as_text(record: Record) -> str:
    lines = ["RECORD OF PROCESSING ACTIVITIES (UK GDPR Article 30(1))", ""]

    def section(title: str, items) -> None:
        lines.extend([title, *(f"  - {item}" for item in items), ""])

    section("Controllers (each school), and data protection officer",
            [f"{c.school}: DPO {c.dpo or NO_DPO}" for c in record.controllers] or ["No school yet."])
    section("Purposes of processing", record.purposes)
    section("Categories of data subjects", record.data_subjects)
    lines.append("Categories of personal data, by table")
    for category in record.categories:
        lines.append(f"  {category.label} ({category.table})")
        if category.personal:
            lines.append(f"    personal: {', '.join(category.personal)}")
        if category.special_category:
            lines.append(f"    special category: {', '.join(category.special_category)}")
    lines.append(f"  Keys and indexes only (pseudonymous): {', '.join(record.pseudonymous_tables)}")
    lines.append("")
    section("Recipients", record.recipients)
    section("Transfers outside the UK", [record.transfers])
    section("Retention", record.retention)
    section("Security measures (Article 32)", record.security)
    return "\n".join(lines).rstrip() + "\n"


def as_markdown(record: Record) -> str:
    lines = ["### Record of processing activities (UK GDPR Article 30(1))", ""]

    def section(title: str, items) -> None:
        lines.extend([f"#### {title}", "", *(f"- {item}" for item in items), ""])

    section("Controllers and data protection officer",
            [f"**{c.school}**: DPO {c.dpo or NO_DPO}" for c in record.controllers] or ["No school yet."])
    section("Purposes of processing", record.purposes)
    section("Categories of data subjects", record.data_subjects)
    lines.extend(["#### Categories of personal data", "", "| Table | Personal | Special category |",
                  "| --- | --- | --- |"])
    for category in record.categories:
        lines.append(f"| {category.label} (`{category.table}`) | {', '.join(category.personal)} "
                     f"| {', '.join(category.special_category)} |")
    lines.extend(["", f"Keys and indexes only (pseudonymous): {', '.join(record.pseudonymous_tables)}.", ""])
    section("Recipients", record.recipients)
    section("Transfers outside the UK", [record.transfers])
    section("Retention", record.retention)
    section("Security measures (Article 32)", record.security)
    return "\n".join(lines).rstrip() + "\n"
