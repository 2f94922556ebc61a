"""The record of processing (UK GDPR Article 30): every column of every table is classified, in one place, with
no default; `flask gdpr article30` prints the record from that classification; the DPO's page shows the same,
to the school's designated DPO alone, and seeing it is audited."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Text, create_engine, inspect, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app import models as every_model  # noqa: F401  (every table's model, so db.metadata holds them all)
from app.agencies.accounts.models import AgencyKind, Role, User
from app.audit.models import AuditAction, AuditEvent, AuditOutcome
from app.data_protection.processing.checks import NOT_CLASSIFIED, unclassified_columns, unknown_classifications
from app.data_protection.processing.columns import COLUMNS, NONE, PERSONAL, SPECIAL_CATEGORY, Classification
from app.extensions import db
from app.policy import Action, can
from app.types import utcnow
from tests.fixtures.application import text_of

SCHOOL = "Article Thirty Academy"
OTHER_SCHOOL = "Elsewhere Primary"
DPO_NAME = "Priya Dataprotection"
DPO_EMAIL = "dpo.article30@example.org"
PAGE = "/data-protection/record-of-processing"

# The page's audit events are written differently on each engine (app.audit.events): run on both.
pytestmark = pytest.mark.both_backends


def _of_kind(table: str, kind: Classification) -> list[str]:
    return sorted(column for column, found in COLUMNS[table].items() if found is kind)


# --- (a) every column classified, nothing classified that does not exist -------------------------------------

def test_every_column_of_every_table_is_classified_and_nothing_else():
    assert unclassified_columns(db.metadata) == []
    assert unknown_classifications(db.metadata) == []
    assert all(isinstance(kind, Classification) for columns in COLUMNS.values() for kind in columns.values())


def test_the_registry_has_one_block_per_table_in_alphabetical_order():
    assert list(COLUMNS) == sorted(COLUMNS)
    assert set(COLUMNS) == set(db.metadata.tables)


def test_a_migrated_database_has_the_classified_tables_and_columns(database_url):
    """What a database really holds, not only what the models declare: Alembic's own table is the one left out,
    with its reason."""
    engine = create_engine(database_url)
    try:
        inspector = inspect(engine)
        schema = {table: [column["name"] for column in inspector.get_columns(table)]
                  for table in inspector.get_table_names()}
    finally:
        engine.dispose()
    assert "alembic_version" in schema and NOT_CLASSIFIED["alembic_version"]
    assert set(schema) - set(NOT_CLASSIFIED) == set(COLUMNS)
    assert unclassified_columns(schema) == []
    assert unknown_classifications(schema) == []


# --- (b) a new column with no classification fails ----------------------------------------------------------

class Throwaway(DeclarativeBase):
    """A separate MetaData holding a copy of every table, so the throwaway model touches nothing of the app's."""

    metadata = MetaData()


for _table in db.metadata.tables.values():
    _table.to_metadata(Throwaway.metadata)


class LearnerNickname(Throwaway):
    __tablename__ = "learner_nickname"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"))
    nickname_sealed: Mapped[str] = mapped_column(Text)


def test_a_throwaway_model_is_reported_column_by_column_and_nothing_else():
    assert unclassified_columns(Throwaway.metadata) == [
        "learner_nickname.id", "learner_nickname.learner_id", "learner_nickname.nickname_sealed",
    ]
    classified = {**COLUMNS, "learner_nickname": {"id": NONE, "learner_id": NONE, "nickname_sealed": PERSONAL}}
    assert unclassified_columns(Throwaway.metadata, classified) == []


def test_a_new_column_on_an_existing_table_is_reported_exactly():
    metadata = MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(metadata)
    metadata.tables["learner"].append_column(Column("shoe_size", Integer))
    assert unclassified_columns(metadata) == ["learner.shoe_size"]


def test_a_classification_of_a_column_that_does_not_exist_is_reported():
    classified = {**COLUMNS, "learner": {**COLUMNS["learner"], "favourite_colour": PERSONAL},
                  "no_such_table": {"id": NONE}}
    assert unknown_classifications(db.metadata, classified) == ["learner.favourite_colour", "no_such_table.id"]


def test_the_command_refuses_to_print_while_a_column_is_unclassified(app):
    table = Table("article30_throwaway", db.metadata, Column("id", Integer, primary_key=True),
                  Column("nickname", String(40)))
    try:
        result = app.test_cli_runner().invoke(args=["gdpr", "article30"])
    finally:
        db.metadata.remove(table)
    assert result.exit_code != 0
    assert "article30_throwaway.id, article30_throwaway.nickname" in result.output
    assert "RECORD OF PROCESSING" not in result.output
    assert app.test_cli_runner().invoke(args=["gdpr", "article30"]).exit_code == 0  # removed: complete again


# --- (c) the command prints the record from the classification ----------------------------------------------

@pytest.fixture
def school(app, create_agency, create_user):
    create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    create_agency(AgencyKind.SCHOOL, name=OTHER_SCHOOL)
    dpo = create_user(Role.SENCO, agency=SCHOOL, name=DPO_NAME, email=DPO_EMAIL, dpo_designated_at=utcnow())
    return dpo


def test_the_command_prints_the_record_as_text(app, school):
    result = app.test_cli_runner().invoke(args=["gdpr", "article30"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert f"{SCHOOL}: DPO {DPO_NAME} <{DPO_EMAIL}>" in text
    assert f"{OTHER_SCHOOL}: DPO no data protection officer designated in Braid" in text
    # The concerns table's special category columns are listed under it, as the classification says.
    concerns = text.index("(safeguarding_concern)\n")
    special = _of_kind("safeguarding_concern", SPECIAL_CATEGORY)
    assert special and text.index(f"special category: {', '.join(special)}", concerns) == \
        text.index("special category:", concerns)
    assert "personal: " + ", ".join(_of_kind("user_account", PERSONAL)) in text
    # A table of keys only is named as such; a table about no one is not in the record at all.
    keys_only = next(line for line in text.splitlines() if "Keys and indexes only" in line)
    assert "cpd_goal_entry" in keys_only
    assert "(cpd_standard)" not in text and "cpd_standard" not in keys_only
    assert "Transfers outside the UK\n  - None" in text
    assert "AES-256-GCM" in text
    # Retention: a line per record class from the schedule (every school's IRMS defaults).
    assert "SEND file: Date of birth of the child + 31 years, then secure disposal" in text
    assert "Child protection file: Date of birth of the child + 25 years, then review" in text


def test_the_command_prints_json_for_machines(app, school):
    result = app.test_cli_runner().invoke(args=["gdpr", "article30", "--format", "json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert {"school": SCHOOL, "dpo": f"{DPO_NAME} <{DPO_EMAIL}>"} in record["controllers"]
    categories = {category["table"]: category for category in record["categories"]}
    for table in COLUMNS:
        personal, special = _of_kind(table, PERSONAL), _of_kind(table, SPECIAL_CATEGORY)
        if personal or special:
            assert (categories[table]["personal"], categories[table]["special_category"]) == (personal, special)
        else:
            assert table not in categories
    assert categories["learner"]["special_category"] == _of_kind("learner", SPECIAL_CATEGORY)
    assert "date_of_birth_sealed" in categories["learner"]["personal"]
    assert record["retention"] and record["security"] and record["recipients"] and record["purposes"]


def test_the_command_prints_markdown_for_the_readme(app, school):
    result = app.test_cli_runner().invoke(args=["gdpr", "article30", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "(`safeguarding_concern`)" in line)
    assert row.rstrip().endswith(f"| {', '.join(_of_kind('safeguarding_concern', SPECIAL_CATEGORY))} |")
    assert result.output.startswith("### Record of processing activities")


# --- (d) the DPO's page: the school's designated DPO alone; seeing it is audited --------------------------------

def _events(app, outcome):
    with app.app_context():
        return db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id)
            .where(AuditEvent.object_type == "record_of_processing", AuditEvent.outcome == outcome)
        ).all()


def _account_id(app, public_id):
    with app.app_context():
        return db.session.scalars(select(User.id).where(User.public_id == public_id)).one()


def test_the_designated_dpo_sees_their_schools_record_and_the_view_is_audited(app, create_agency, client_as):
    create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    create_agency(AgencyKind.SCHOOL, name=OTHER_SCHOOL)
    client_as(Role.DSL, agency=OTHER_SCHOOL, name="Other Dpo", dpo_designated_at=utcnow())
    dpo = client_as(Role.TEACHER, agency=SCHOOL, name=DPO_NAME, email=DPO_EMAIL, dpo_designated_at=utcnow(),
                    two_step=True)
    response = dpo.get(PAGE)
    assert response.status_code == 200
    page = text_of(response)
    assert SCHOOL in page and f"{DPO_NAME} <{DPO_EMAIL}>" in page
    assert OTHER_SCHOOL not in page and "Other Dpo" not in page  # another school's record is not theirs
    assert ", ".join(_of_kind("safeguarding_concern", SPECIAL_CATEGORY)) in page
    # The school's own retention rules in force (the IRMS defaults here: it has edited none).
    assert "SEND file: date of birth + 31 years (the IRMS default" in page
    assert _events(app, AuditOutcome.ALLOWED) == [(AuditAction.VIEW, _account_id(app, dpo.account.public_id))]


@pytest.mark.parametrize("role", [Role.SENCO, Role.DSL, Role.ADMIN, Role.TEACHER, Role.PARENT, Role.EP])
def test_anyone_not_a_designated_dpo_of_a_school_is_refused_and_the_refusal_audited(app, client_as, role):
    client = client_as(role)
    assert client.get(PAGE).status_code == 403
    assert _events(app, AuditOutcome.REFUSED) == [(AuditAction.VIEW, _account_id(app, client.account.public_id))]
    assert _events(app, AuditOutcome.ALLOWED) == []


def test_the_policy_asks_for_the_designation_on_a_school_account(app, create_user):
    dpo = create_user(Role.SENCO, dpo_designated_at=utcnow())
    senco = create_user(Role.SENCO)
    parent_designated = create_user(Role.PARENT, dpo_designated_at=utcnow())  # a family's account: never
    with app.app_context():
        users = {account.public_id: db.session.scalars(select(User).where(User.public_id == account.public_id)).one()
                 for account in (dpo, senco, parent_designated)}
        assert can(users[dpo.public_id], Action.VIEW_RECORD_OF_PROCESSING)
        assert not can(users[senco.public_id], Action.VIEW_RECORD_OF_PROCESSING)
        assert not can(users[parent_designated.public_id], Action.VIEW_RECORD_OF_PROCESSING)
        users[dpo.public_id].restricted = True
        assert not can(users[dpo.public_id], Action.VIEW_RECORD_OF_PROCESSING)
        db.session.rollback()
