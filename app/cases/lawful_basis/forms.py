"""The two lawful-basis radios, for any form that records one: each choice with its plain-English hint."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import RadioField, SelectChoice
from wtforms.validators import Optional

from app.cases.lawful_basis.bases import ARTICLE_9_CHOICES, ROLE_DEFAULT, SCHOOL_ARTICLE_6, Article6, Article9


class LawfulBasisForm(FlaskForm):
    """A form with the lawful basis (Article 6) and the special category condition (Article 9)."""

    article6 = RadioField(
        "Lawful basis (UK GDPR Article 6)", widget=GovRadioInput(),
        choices=[SelectChoice(basis.value, f"{basis.label} ({basis.reference})") for basis in SCHOOL_ARTICLE_6],
        validate_choice=False, validators=[Optional()])  # blank: the role's default; the service refuses a bad one
    article9 = RadioField(
        "Condition for special category data (UK GDPR Article 9)", widget=GovRadioInput(),
        choices=[SelectChoice(basis.value, f"{basis.label} ({basis.reference})") for basis in ARTICLE_9_CHOICES],
        validate_choice=False, validators=[Optional()])

    def preselect(self, article6: Article6 | None, article9: Article9 | None) -> None:
        """On a first GET: the role's default (or what is recorded); a POST keeps what was chosen."""
        if article6 is not None:
            self.article6.data = article6.value
        if article9 is not None:
            self.article9.data = article9.value

    @staticmethod
    def items(field_name: str) -> list[dict]:
        """The radios' hints, in the order of their choices: the explanation a school's staff can understand."""
        bases = SCHOOL_ARTICLE_6 if field_name == "article6" else ARTICLE_9_CHOICES
        return [{"hint": {"text": basis.explanation}} for basis in bases]


class SharingBasisForm(LawfulBasisForm):
    """For an invitation, where the role is chosen on the same form: the Article 9 condition can be left as the
    usual one for the role chosen (preselected), or set."""

    article9 = RadioField(
        "Condition for special category data (UK GDPR Article 9)", widget=GovRadioInput(),
        choices=[SelectChoice(ROLE_DEFAULT, "The usual condition for the person's role")]
        + [SelectChoice(basis.value, f"{basis.label} ({basis.reference})") for basis in ARTICLE_9_CHOICES],
        validate_choice=False, validators=[Optional()])

    @staticmethod
    def items(field_name: str) -> list[dict]:
        items = LawfulBasisForm.items(field_name)
        if field_name == "article9":
            items = [{"hint": {"text": "Health or social care (Article 9(2)(h)) for a speech and language "
                                       "therapist; statutory purposes (Article 9(2)(g), DPA 2018 Sch 1 para 6) for "
                                       "an educational psychologist or a parent."}}] + items
        return items
