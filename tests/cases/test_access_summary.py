"""Who has seen my child's record: a parent sees exactly the openings of their own child's record that the DSL has
not withheld (break-glass and safeguarding withheld by default), in plain English, and nothing of another child's.

Openings are planted in the trail by several roles for two children; the summary is compared with the trail rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from app.agencies.accounts.models import Agency, AgencyKind, User
from app.audit.events import record
from app.audit.family.models import FamilyVisibilityDecision
from app.audit.family.services import decide_family_visibility, family_openings, family_visibility
from app.audit.models import AuditAction, AuditEvent, AuditOutcome
from app.cases.access_summary.services import summary_for
from app.cases.learners.models import Learner
from app.cases.team.models import TeamMembership
from app.extensions import db
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.application import confirm_through_page, sign_in, text_of

pytestmark = pytest.mark.both_backends

SCHOOL = "Summary Primary"

# (who, action, object type, purpose, outcome, shown to the family by default)
PLANTED = [
    ("teacher", AuditAction.VIEW, "support_plan", None, AuditOutcome.ALLOWED, True),
    ("slt", AuditAction.CREATE, "contribution", None, AuditOutcome.ALLOWED, True),
    ("ep", AuditAction.EXPORT, "meeting_record", None, AuditOutcome.ALLOWED, True),
    ("senco", AuditAction.UPDATE, "team_membership", None, AuditOutcome.ALLOWED, True),
    ("lsp", AuditAction.VIEW, "learner", "break_glass", AuditOutcome.ALLOWED, False),  # a read through a grant
    ("lsp", AuditAction.BREAK_GLASS, "break_glass_access", "safeguarding", AuditOutcome.ALLOWED, False),
    ("teacher", AuditAction.CREATE, "safeguarding_concern", None, AuditOutcome.ALLOWED, False),
    ("dsl", AuditAction.VIEW, "child_protection_transfer", None, AuditOutcome.ALLOWED, False),
    ("dsl", AuditAction.VIEW, "learner", None, AuditOutcome.ALLOWED, False),  # the DSL's work may be safeguarding
    ("teacher", AuditAction.LISTED, "learner_list", None, AuditOutcome.ALLOWED, False),  # a list, not an opening
    ("teacher", AuditAction.VIEW, "meeting", None, AuditOutcome.REFUSED, False),  # refused: nothing was opened
    ("parent2", AuditAction.VIEW, "support_plan", None, AuditOutcome.ALLOWED, False),  # the other parent's own
]


@dataclass
class Family:
    app: object
    child: str
    other: str
    people: dict  # role name -> Account
    parent: object  # signed-in clients
    parent2: object
    other_parent: object
    senco: object
    dsl: object
    planted: dict  # (learner public id, index in PLANTED) -> event id
    parent_memberships: dict


def _user(public_id: str) -> User:
    return db.session.scalars(select(User).where(User.public_id == public_id)).one()


def _learner(public_id: str) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()


def _plant(learner_public_id: str, people: dict) -> dict[int, int]:
    learner = _learner(learner_public_id)
    ids = {}
    for index, (who, action, object_type, purpose, outcome, _) in enumerate(PLANTED):
        before = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
        record(_user(people[who].public_id), action, object_type=object_type, learners=[learner], purpose=purpose,
               outcome=outcome)
        db.session.flush()
        ids[index] = db.session.scalar(select(AuditEvent.id).where(AuditEvent.id > before)
                                       .order_by(AuditEvent.id.desc()).limit(1))
    return ids


@pytest.fixture
def family(app, create_agency, create_case, create_user, client_as, add_to_team):
    school = create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    child = create_case(school=school, name="Poppy Summers")
    other = create_case(school=school, name="Arlo Winters")
    people = {role: create_user(role, agency=school) for role in ("teacher", "lsp", "senco", "dsl")}
    people |= {role: create_user(role) for role in ("slt", "ep")}
    parent = client_as("parent", name="Jo Summers")
    parent2 = client_as("parent", name="Sam Summers")
    other_parent = client_as("parent", name="Kit Winters")
    people |= {"parent": parent.account, "parent2": parent2.account}
    memberships = {"parent": add_to_team(child, parent.account), "parent2": add_to_team(child, parent2.account)}
    add_to_team(other, other_parent.account)
    for role in ("teacher", "slt", "ep", "lsp"):
        add_to_team(child, people[role])
        add_to_team(other, people[role])
    planted = {}
    with app.app_context():
        for learner in (child, other):
            for index, event_id in _plant(learner, people).items():
                planted[(learner, index)] = event_id
        db.session.commit()
    senco = client_as("senco", agency=school)
    dsl = client_as("dsl", agency=school)
    return Family(app, child, other, people, parent, parent2, other_parent, senco, dsl, planted, memberships)


def _shown_ids(family: Family, viewer_public_id: str, learner_public_id: str) -> list[int]:
    with family.app.test_request_context():
        summary = summary_for(_user(viewer_public_id), _learner(learner_public_id))
        return [opening.event_id for opening in summary.openings]


def _expected(family: Family, learner: str, shown=lambda index, default: default) -> list[int]:
    return sorted((family.planted[(learner, index)] for index, row in enumerate(PLANTED) if shown(index, row[5])),
                  reverse=True)


def test_the_parent_sees_exactly_their_childs_openings_not_withheld_and_none_of_another_child(family):
    shown = _shown_ids(family, family.parent.account.public_id, family.child)
    assert shown == _expected(family, family.child)
    assert not set(shown) & {family.planted[(family.other, index)] for index in range(len(PLANTED))}
    page = family.parent.get(f"/learners/{family.child}/who-has-seen")
    assert page.status_code == 200
    text = text_of(page)
    assert page.get_data(as_text=True).count('class="govuk-table__row braid-opening"') == len(shown)
    assert "A class teacher" in text and "Opened the support plan" in text
    assert "A speech and language therapist" in text and "Added a contribution to the plan" in text
    assert "An educational psychologist" in text and "Downloaded a copy of a meeting record" in text
    assert "safeguarding concern" not in text.replace("The school’s designated safeguarding lead", "")


def test_a_parent_of_another_child_gets_404_and_the_second_parent_sees_the_same_summary(family):
    assert family.other_parent.get(f"/learners/{family.child}/who-has-seen").status_code == 404
    first = _shown_ids(family, family.parent.account.public_id, family.child)
    second = _shown_ids(family, family.parent2.account.public_id, family.child)
    # Neither parent's own visits are listed, to either: both see the same summary.
    assert first == second == _expected(family, family.child)
    assert family.planted[(family.child, len(PLANTED) - 1)] not in first  # parent2's own opening


def test_viewing_the_summary_is_audited_and_is_not_itself_an_opening(family):
    before = _shown_ids(family, family.parent.account.public_id, family.child)
    assert family.parent.get(f"/learners/{family.child}/who-has-seen").status_code == 200
    with family.app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert (event.action, event.object_type, event.learner_public_ids) == (
            AuditAction.VIEW, "access_summary", family.child)
    assert _shown_ids(family, family.parent.account.public_id, family.child) == before


def test_the_dsl_withholds_an_opening_and_releases_a_default_withheld_one(family):
    teacher_view = family.planted[(family.child, 0)]
    concern = family.planted[(family.child, 6)]
    path = f"/audit/learner/family-view?learner={family.child}&event={teacher_view}"
    refused = family.dsl.post(path, data={"decision": "withhold", "reason": ""})
    assert refused.status_code == 400 and "Enter the reason for your decision" in text_of(refused)
    assert family.dsl.post(path, data={"decision": "withhold", "reason": "Court proceedings"}).status_code == 302
    release = f"/audit/learner/family-view?learner={family.child}&event={concern}"
    assert "Connected with a safeguarding concern" in text_of(family.dsl.get(release))
    assert family.dsl.post(release, data={"decision": "release", "reason": "Parent raised it"}).status_code == 302
    expected = _expected(family, family.child,
                         lambda index, default: (default and index != 0) or index == 6)
    assert _shown_ids(family, family.parent.account.public_id, family.child) == expected
    with family.app.app_context():
        decisions = db.session.scalars(select(FamilyVisibilityDecision).order_by(FamilyVisibilityDecision.id)).all()
        assert [(d.event_id, d.withheld, d.reason) for d in decisions] == [
            (teacher_view, True, "Court proceedings"), (concern, False, "Parent raised it")]
        audited = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "family_visibility_decision")).all()
        assert {event.object_public_id for event in audited} == {d.public_id for d in decisions}
        assert "Court proceedings" not in str(db.session.execute(
            select(FamilyVisibilityDecision.reason_sealed)).all())  # sealed at rest
        # The Python rule (for the DSL's history and a subject access bundle) agrees with the family's pages.
        learner = _learner(family.child)
        rows = db.session.execute(select(AuditEvent.__table__).where(
            AuditEvent.id.in_([family.planted[(family.child, i)] for i in range(len(PLANTED))]))).all()
        with family.app.test_request_context():
            visible = family_visibility(learner.public_id, rows, family_ids={
                _user(family.parent.account.public_id).id, _user(family.parent2.account.public_id).id})
            page = family_openings(learner, family_ids={_user(family.parent.account.public_id).id,
                                                        _user(family.parent2.account.public_id).id})
        assert sorted(i for i, v in visible.items() if v.visible) == sorted(row.id for row in page.rows)


def test_only_the_dsl_decides_and_a_parent_cannot(family):
    event = family.planted[(family.child, 0)]
    path = f"/audit/learner/family-view?learner={family.child}&event={event}"
    assert family.senco.post(path, data={"decision": "withhold", "reason": "x"}).status_code == 403
    assert family.parent.post(path, data={"decision": "withhold", "reason": "x"}).status_code == 403
    other_event = family.planted[(family.other, 0)]
    # Another child's event is not in this child's trail.
    assert family.dsl.get(f"/audit/learner/family-view?learner={family.child}&event={other_event}").status_code == 404
    with family.app.app_context():
        assert db.session.scalar(select(FamilyVisibilityDecision.id)) is None
        with family.app.test_request_context(), pytest.raises(Forbidden):
            decide_family_visibility(_user(family.people["senco"].public_id), _learner(family.child),
                                     db.session.get(AuditEvent, event), withheld=True, reason="x")


def test_ending_a_parents_access_needs_a_reason_takes_effect_at_once_and_is_audited(family, create_case, add_to_team):
    # A younger sibling keeps the parent's account live: the ended case alone answers 404.
    add_to_team(create_case(school=SCHOOL, name="Ivy Summers"), family.parent.account)
    membership = family.parent_memberships["parent"]
    path = f"/memberships/{membership}/end"
    refused = confirm_through_page(family.senco, path)
    assert refused.status_code == 400 and "Enter why you are ending this parent or carer" in text_of(refused)
    assert family.parent.get(f"/learners/{family.child}/who-has-seen").status_code == 200  # nothing changed
    assert confirm_through_page(family.senco, path, reason="Court order of 1 December").status_code == 302
    assert family.parent.get(f"/learners/{family.child}/who-has-seen").status_code == 404
    assert family.parent2.get(f"/learners/{family.child}/who-has-seen").status_code == 200  # the other parent stays
    # The reason is the SENCo's to read on the team's history; the rest of the team, the family included, never.
    assert "Court order of 1 December" in text_of(family.senco.get(f"/learners/{family.child}/team"))
    assert "Court order of 1 December" not in text_of(family.parent2.get(f"/learners/{family.child}/team"))
    with family.app.app_context():
        ended = db.session.scalars(select(TeamMembership).where(TeamMembership.public_id == membership)).one()
        assert ended.ended_at is not None and ended.end_reason == "Court order of 1 December"
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_public_id == membership, AuditEvent.action == AuditAction.UPDATE)).one()
        assert event.field_names == ["end_reason", "ended_at", "ended_by"]


def test_staff_names_appear_only_when_the_school_chooses(family):
    teacher_name = None
    with family.app.app_context():
        teacher_name = _user(family.people["teacher"].public_id).display_name
    assert teacher_name not in text_of(family.parent.get(f"/learners/{family.child}/who-has-seen"))
    settings = family.senco.get("/school/family-view")
    assert settings.status_code == 200
    assert family.senco.post("/school/family-view", data={"show_staff_names": "yes"}).status_code == 302
    with family.app.app_context():
        school = db.session.scalars(select(Agency).where(Agency.name.matches(SCHOOL))).one()
        assert school.show_staff_names_to_family is True
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "agency",
                                                           AuditEvent.action == AuditAction.UPDATE)).first()
    assert f"{teacher_name}, a class teacher" in text_of(family.parent.get(f"/learners/{family.child}/who-has-seen"))
    assert family.parent.get("/school/family-view").status_code == 403


def test_the_senco_and_dsl_preview_what_the_family_sees(family):
    for client in (family.senco, family.dsl):
        page = client.get(f"/learners/{family.child}/who-has-seen")
        assert page.status_code == 200
        assert 'id="preview"' in page.get_data(as_text=True)
    assert _shown_ids(family, family.people["senco"].public_id, family.child) == _expected(family, family.child)


def test_the_dsls_access_history_says_what_the_family_sees_of_each_entry(family):
    page = family.dsl.get(f"/audit/learner?learner={family.child}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Family sees it?" in html
    assert "By default: A break-glass opening" in html and "By default: Connected with a safeguarding concern" in html
    withhold = f"/audit/learner/family-view?learner={family.child}&amp;event={family.planted[(family.child, 0)]}"
    release = f"/audit/learner/family-view?learner={family.child}&amp;event={family.planted[(family.child, 6)]}"
    assert withhold in html and release in html
    assert "Not an opening" not in html and "Never (not an opening by someone outside the family)" in html


def test_a_file_attached_to_a_concern_is_withheld_like_the_concern(family):
    """The teacher opens the concern form, records a concern, attaches a file to it and downloads it: none of it
    reaches the family."""
    from app.cases.attachments import services as attachments
    from app.cases.concerns import services as concerns
    from tests.test_authorization_matrix import report_pdf

    before = _shown_ids(family, family.parent.account.public_id, family.child)
    teacher_client = family.app.test_client()
    assert sign_in(teacher_client, family.people["teacher"].email, PASSWORD).status_code == 302
    assert teacher_client.get(f"/learners/{family.child}/concerns/new").status_code == 200  # the form, opened
    with family.app.test_request_context():
        teacher, learner = _user(family.people["teacher"].public_id), _learner(family.child)
        concern = concerns.record_concern(teacher, learner, concern="Bruise seen at PE")
        attachment = attachments.attach_file(teacher, concern, filename="note.pdf", data=report_pdf("A note"))
        attachments.download(teacher, attachment)
        db.session.commit()
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_public_id.in_([concern.public_id, attachment.public_id]))).all()
        assert {event.object_type for event in events} == {"safeguarding_concern", "attachment"}
        assert AuditAction.EXPORT in {event.action for event in events}
    assert _shown_ids(family, family.parent.account.public_id, family.child) == before
