"""Wording built around labels: "a" or "an" before a role, a label inside a sentence, and who a refused person asks."""
import re

import pytest

from app.agencies.accounts.models import Role
from app.core.wording import in_a_sentence, sentence, with_article
from config import BASE_DIR
from tests.fixtures.application import text_of


@pytest.mark.parametrize("phrase, expected", [
    ("educational psychologist", "an educational psychologist"),
    ("agency administrator", "an agency administrator"),
    ("class teacher", "a class teacher"),
    ("intervention record", "an intervention record"),
    ("SLT assessment", "an SLT assessment"),
    ("NHS service", "an NHS service"),
    ("DSL", "a DSL"),
    ("Arbor", "an Arbor"),
    ("SIMS", "a SIMS"),
    ("CSV", "a CSV"),
    ("one-page profile", "a one-page profile"),
    ("user", "a user"),
])
def test_the_article_is_the_one_the_phrase_is_said_with(phrase, expected):
    assert with_article(phrase) == expected


def test_each_role_reads_inside_a_sentence():
    assert {role: role.with_article for role in Role} == {
        Role.SENCO: "a special educational needs co-ordinator (SENCo)",
        Role.LSP: "a learning support practitioner",
        Role.TEACHER: "a class teacher",
        Role.DSL: "a designated safeguarding lead",
        Role.PARENT: "a parent or carer",
        Role.SLT: "a speech and language therapist",
        Role.EP: "an educational psychologist",
        Role.ADMIN: "an agency administrator",
    }
    assert in_a_sentence("SLT assessment") == "SLT assessment"
    assert sentence(Role.EP.with_article) == "An educational psychologist"


def test_no_article_is_written_before_a_label():
    """"invited as a educational psychologist": an article typed before a label that may start with a vowel. Pages
    and emails use Role.with_article (app.core.wording) instead."""
    typed = re.compile(r"\b[Aa]n? \{\{?[^}]*(\.label\b|\brole\b|vendor)")
    found = [f"{path.relative_to(BASE_DIR)}:{number}"
             for folder, pattern in (("templates", "*.html"), ("app", "*.py"))
             for path in sorted((BASE_DIR / folder).rglob(pattern))
             for number, line in enumerate(path.read_text().splitlines(), 1) if typed.search(line)]
    assert found == []


def test_the_forbidden_page_names_who_can_help_the_person_asking(client_as):
    # Reproduced first: a SENCo refused a page was told to "ask your SENCo".
    for role, helper in (("senco", "your school’s administrator"), ("teacher", "your SENCo"),
                         ("slt", "the SENCo who invited you")):
        response = client_as(role).get("/accounts")
        assert response.status_code == 403
        advice = text_of(response)
        assert f"If you think you need it, ask {helper}" in advice, role
    assert "your SENCo" not in text_of(client_as("senco").get("/accounts"))
