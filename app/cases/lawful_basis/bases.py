"""Article 6 bases and Article 9 conditions, explained for a school's staff, and the default for each role.

Stored as enum values in clear: which basis applies is a fact about the processing, not personal data."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from app.agencies.accounts.models import Role


class Article6(enum.Enum):
    CONSENT = "6_1_a"
    CONTRACT = "6_1_b"
    LEGAL_OBLIGATION = "6_1_c"
    VITAL_INTERESTS = "6_1_d"
    PUBLIC_TASK = "6_1_e"
    LEGITIMATE_INTERESTS = "6_1_f"

    @property
    def label(self) -> str:
        return ARTICLE_6[self].label

    @property
    def reference(self) -> str:
        return ARTICLE_6[self].reference

    @property
    def explanation(self) -> str:
        return ARTICLE_6[self].explanation


class Article9(enum.Enum):
    EXPLICIT_CONSENT = "9_2_a"
    EMPLOYMENT_SOCIAL_PROTECTION = "9_2_b"
    VITAL_INTERESTS = "9_2_c"
    STATUTORY_PURPOSES = "9_2_g_para_6"  # DPA 2018 Schedule 1 paragraph 6
    SAFEGUARDING = "9_2_g_para_18"  # DPA 2018 Schedule 1 paragraph 18
    HEALTH_OR_SOCIAL_CARE = "9_2_h"

    @property
    def label(self) -> str:
        return ARTICLE_9[self].label

    @property
    def reference(self) -> str:
        return ARTICLE_9[self].reference

    @property
    def explanation(self) -> str:
        return ARTICLE_9[self].explanation


@dataclass(frozen=True)
class Basis:
    label: str  # short: "Public task"
    reference: str  # "Article 6(1)(e)"
    explanation: str  # the hint a member of staff reads under the radio


ARTICLE_6 = {
    Article6.CONSENT: Basis(
        "Consent", "Article 6(1)(a)",
        "The person (a parent, or the child when old enough) has freely agreed to this, and can withdraw at any "
        "time. Use it only when the school would not do this without their agreement: record the consent too."),
    Article6.CONTRACT: Basis(
        "Contract", "Article 6(1)(b)",
        "Needed for a contract with the person themselves. Rarely right for a child's SEND record."),
    Article6.LEGAL_OBLIGATION: Basis(
        "Legal obligation", "Article 6(1)(c)",
        "A law requires the school to do this: for example passing on the educational record to the next school "
        "(Education (Pupil Information) (England) Regulations 2005) or a safeguarding referral the law requires."),
    Article6.VITAL_INTERESTS: Basis(
        "Vital interests", "Article 6(1)(d)",
        "Needed to protect someone's life, in an emergency, when nobody can be asked first."),
    Article6.PUBLIC_TASK: Basis(
        "Public task", "Article 6(1)(e)",
        "The school must do this to meet its duties under the Children and Families Act 2014 and the SEND Code of "
        "Practice (or the agency to meet its own statutory duties)."),
    Article6.LEGITIMATE_INTERESTS: Basis(
        "Legitimate interests", "Article 6(1)(f)",
        "Not available to a school or other public authority for the tasks it performs as one (Article 6(1), "
        "last paragraph)."),
}

ARTICLE_9 = {
    Article9.EXPLICIT_CONSENT: Basis(
        "Explicit consent", "Article 9(2)(a)",
        "The person has given clear, specific, recorded agreement to sharing this health, SEN or safeguarding "
        "information. It can be withdrawn at any time: record the consent too."),
    Article9.EMPLOYMENT_SOCIAL_PROTECTION: Basis(
        "Employment and social protection", "Article 9(2)(b)",
        "Needed for a duty in social protection law (with DPA 2018 Schedule 1 paragraph 1): for example a "
        "local authority's social care duties."),
    Article9.VITAL_INTERESTS: Basis(
        "Vital interests", "Article 9(2)(c)",
        "Needed to protect someone's life when they cannot give consent (an emergency)."),
    Article9.STATUTORY_PURPOSES: Basis(
        "Substantial public interest — statutory purposes", "Article 9(2)(g), DPA 2018 Sch 1 para 6",
        "Needed for the school's statutory duties, such as identifying and meeting a child's special educational "
        "needs under the Children and Families Act 2014."),
    Article9.SAFEGUARDING: Basis(
        "Substantial public interest — safeguarding", "Article 9(2)(g), DPA 2018 Sch 1 para 18",
        "Needed to protect a child or an adult at risk from harm (Keeping Children Safe in Education), where "
        "asking for consent could put them at risk or cannot reasonably be expected."),
    Article9.HEALTH_OR_SOCIAL_CARE: Basis(
        "Health or social care", "Article 9(2)(h)",
        "Needed by a health or social care professional (such as a speech and language therapist) to assess, "
        "diagnose or treat, under a duty of confidentiality."),
}

# Bases a school may choose: 6(1)(f) is left out (a public authority performing its tasks cannot rely on it).
SCHOOL_ARTICLE_6 = tuple(basis for basis in Article6 if basis is not Article6.LEGITIMATE_INTERESTS)
ARTICLE_9_CHOICES = tuple(Article9)

ROLE_DEFAULT = "role_default"  # on an invitation: the usual Article 9 condition for the role invited

# Each role's default, preselected on the form: the author may change it.
DEFAULTS: dict[Role, tuple[Article6, Article9]] = {
    Role.SENCO: (Article6.PUBLIC_TASK, Article9.STATUTORY_PURPOSES),
    Role.TEACHER: (Article6.PUBLIC_TASK, Article9.STATUTORY_PURPOSES),
    Role.LSP: (Article6.PUBLIC_TASK, Article9.STATUTORY_PURPOSES),
    Role.DSL: (Article6.PUBLIC_TASK, Article9.SAFEGUARDING),
    Role.SLT: (Article6.PUBLIC_TASK, Article9.HEALTH_OR_SOCIAL_CARE),
    Role.EP: (Article6.PUBLIC_TASK, Article9.STATUTORY_PURPOSES),
    # A parent writes about their own child: the school holds it on its public task, and the SEN, health
    # detail in it under its statutory purposes (the family view is part of the statutory plan).
    Role.PARENT: (Article6.PUBLIC_TASK, Article9.STATUTORY_PURPOSES),
}
# The transfer of the educational record and SEND file to the next school: a legal obligation.
TRANSFER_DEFAULT = (Article6.LEGAL_OBLIGATION, Article9.STATUTORY_PURPOSES)


def default_for(role: Role) -> tuple[Article6, Article9]:
    return DEFAULTS.get(role, (Article6.PUBLIC_TASK, Article9.STATUTORY_PURPOSES))


def shared_under(article6: Article6 | None, article9: Article9 | None) -> str:
    """"Public task (Article 6(1)(e)); Substantial public interest — statutory purposes (Article 9(2)(g), DPA 2018
    Sch 1 para 6)": what a page shows after "Shared under:" or "Lawful basis:"."""
    parts = [f"{basis.label} ({basis.reference})" for basis in (article6, article9) if basis is not None]
    return "; ".join(parts) or "Not recorded"


def rests_on_consent(article6: Article6 | None, article9: Article9 | None) -> bool:
    return article6 is Article6.CONSENT or article9 is Article9.EXPLICIT_CONSENT


class LawfulBasisError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def chosen_or_default(article6, article9, default: tuple[Article6, Article9]) -> tuple[Article6, Article9]:
    """What a form (or a caller) chose, each left blank taking `default`'s; an unknown or unavailable choice is
    refused (LawfulBasisError, naming the field)."""
    article6, article9 = getattr(article6, "value", article6), getattr(article9, "value", article9)
    return parse(article6 or default[0].value, article9 or default[1].value)


def parse(article6: str | None, article9: str | None, *, prefix: str = "") -> tuple[Article6, Article9]:
    """The two bases chosen on a form, refused with the field's message when missing, unknown or not a school's."""
    try:
        chosen6 = Article6(article6)
    except ValueError:
        raise LawfulBasisError("Choose the lawful basis (Article 6)", prefix + "article6") from None
    if chosen6 not in SCHOOL_ARTICLE_6:
        raise LawfulBasisError("Legitimate interests is not available to a school for its tasks: choose another "
                               "basis", prefix + "article6")
    try:
        chosen9 = Article9(article9)
    except ValueError:
        raise LawfulBasisError("Choose the condition for special category data (Article 9)",
                               prefix + "article9") from None
    return chosen6, chosen9
