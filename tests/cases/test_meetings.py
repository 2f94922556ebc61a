"""Joint-planning meetings: who records, signs off and updates what; versions; frozen records; bad input."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import AgencyKind, User
from app.cases.learners.models import Learner
from app.cases.meetings.models import ActionStatus, Attendance, Meeting, MeetingAction, MeetingRecord
from app.cases.plans.models import Outcome, PlanCycle, ProgressRating, SupportPlan
from app.extensions import db
from tests.fixtures.application import sign_in, text_of


@dataclass
class Case:
    learner: str
    other_learner: str
    clients: dict
    accounts: dict
    outcomes: list


@pytest.fixture
def case(app, create_agency, create_user, create_case, add_to_team):
    """A learner at Oakfield with an LSP, two teachers and a parent on the team, the SENCo, and outsiders."""
    school = create_agency(AgencyKind.SCHOOL, name="Oakfield Primary School")
    family = create_agency(AgencyKind.FAMILY, name="The Example family")
    learner = create_case(school=school, name="Ruby Example")
    other_learner = create_case(school=school, name="Other Learner")
    accounts = {
        "senco": create_user("senco", agency=school, name="Priya Senco"),
        "lsp": create_user("lsp", agency=school, name="Tom Lsp"),
        "teacher": create_user("teacher", agency=school, name="Hannah Teacher"),
        "teacher2": create_user("teacher", agency=school, name="Ola Teacher"),
        "parent": create_user("parent", agency=family, name="Jo Parent"),
        "outsider": create_user("lsp", agency=school, name="Nia Outsider"),
        "elsewhere": create_user("senco", name="Sue Elsewhere"),
    }
    for key in ("lsp", "teacher", "teacher2", "parent"):
        add_to_team(learner, accounts[key])
    add_to_team(other_learner, accounts["outsider"])
    with app.app_context():
        row = db.session.scalars(select(Learner).where(Learner.public_id == learner)).one()
        plan = SupportPlan(learner_id=row.id)
        db.session.add(plan)
        db.session.flush()
        cycle = PlanCycle(plan_id=plan.id, number=1)
        db.session.add(cycle)
        db.session.flush()
        outcomes = []
        for text, measure in (("Ruby follows a two-part instruction in class", "4 of 5 observed instructions"),
                              ("Ruby names three feelings using her emotions fan", "Weekly check-in with her LSP")):
            outcome = Outcome(cycle_id=cycle.id, target_on=date(2026, 7, 17))
            outcome.description = text
            outcome.measure = measure
            db.session.add(outcome)
            db.session.flush()
            outcomes.append(outcome.public_id)
        db.session.commit()
    clients = {}
    for key, account in accounts.items():
        client = app.test_client()
        assert sign_in(client, account.email, account.password).status_code == 302
        clients[key] = client
    return Case(learner, other_learner, clients, accounts, outcomes)


def meeting_form(case: Case, **changes) -> dict:
    a = case.accounts
    data = {
        "kind": "planning",
        "held_on": ["3", "3", "2026"],
        "starts_at": "09:30",
        "duration_minutes": "60",
        "chair": a["senco"].public_id,
        f"attendance-{a['teacher'].public_id}": "present",
        f"attendance-{a['parent'].public_id}": "apologies",
        f"attendance-{a['lsp'].public_id}": "present",
        "other_attendees": "Sam Lee, school nurse\n\nDr Kay Rowe, paediatrician",
        "agenda": "Review of Ruby's **communication** targets",
        "minutes": "Ruby has settled well.\n<script>alert(1)</script>",
        "decisions": "- Continue Talk Boost groups",
        "shared_with_family": "y",
        f"rating-{case.outcomes[0]}": "partly_met",
        f"comment-{case.outcomes[0]}": "Follows most two-part instructions with a visual prompt",
        "actions-0-description": "Send home a visual timetable",
        "actions-0-owner": a["teacher"].public_id,
        "actions-0-due_on": ["20", "3", "2026"],
        "actions-1-description": "Book SLT review",
        "actions-1-owner": a["senco"].public_id,
        "actions-1-due_on": ["1", "4", "2026"],
        "actions-2-description": "",
        "actions-2-owner": "",
        "actions-2-due_on": ["", "", ""],
    }
    data.update(changes)
    return data


def record(case: Case, client="lsp", **changes) -> str:
    response = case.clients[client].post(f"/learners/{case.learner}/meetings/new", data=meeting_form(case, **changes))
    assert response.status_code == 302, text_of(response)[:3000]
    match = re.fullmatch(r"/meetings/([^/]+)", response.headers["Location"])
    assert match
    case.clients[client].get(response.headers["Location"])  # as a browser would: the flash is shown there
    return match.group(1)


def load_meeting(app, public_id: str) -> dict:
    with app.app_context():
        meeting = db.session.scalars(select(Meeting).where(Meeting.public_id == public_id)).one()
        return {
            "record_number": meeting.record_number,
            "signed_off": meeting.signed_off_at is not None,
            "version": meeting.version,
            "recorded_by": meeting.recorded_by.public_id,
            "learner": meeting.learner.public_id,
            "chair": meeting.chair.public_id,
            "minutes": meeting.minutes,
            "minutes_html": meeting.minutes_html,
            "agenda": meeting.agenda,
            "others": meeting.other_attendees,
            "attendees": {row.user.public_id: row.attendance for row in meeting.attendees},
            "actions": [(a.public_id, a.description, a.owner.public_id, a.due_on, a.status, a.version)
                        for a in meeting.actions],
            "reviews": {row.outcome.public_id: (row.rating, row.comment) for row in meeting.outcome_reviews},
            "records": [(r.number, r.snapshot) for r in meeting.records],
        }


def counts(app) -> tuple:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Meeting, MeetingAction, MeetingRecord))


def main_of(response) -> bytes:
    match = re.search(rb"<main\b.*?</main>", response.get_data(), re.S)
    assert match, "no <main> on the page"
    return match.group(0)


def sign_off(case: Case, meeting: str, client="senco", version=None):
    if version is None:
        version = load_meeting(case.clients[client].application, meeting)["version"]
    response = case.clients[client].post(f"/meetings/{meeting}/sign-off", data={"version": str(version)})
    if response.status_code == 302:
        case.clients[client].get(response.headers["Location"])  # as a browser would: the flash is shown there
    return response


def test_lsp_on_the_team_records_a_meeting_with_attendees_and_actions(app, case):
    page = case.clients["lsp"].get(f"/learners/{case.learner}/meetings/new")
    assert page.status_code == 200
    html = text_of(page)
    for name in ("Hannah Teacher", "Jo Parent", "Priya Senco", "Ruby follows a two-part instruction in class"):
        assert name in html
    assert "Nia Outsider" not in html and "Sue Elsewhere" not in html
    assert html.count('name="actions-') >= 3 * 5  # three blank rows: id, what, owner, day/month/year

    meeting = record(case)
    saved = load_meeting(app, meeting)
    a = case.accounts
    assert saved["recorded_by"] == a["lsp"].public_id and saved["chair"] == a["senco"].public_id
    assert saved["attendees"] == {a["teacher"].public_id: Attendance.PRESENT,
                                  a["parent"].public_id: Attendance.APOLOGIES,
                                  a["lsp"].public_id: Attendance.PRESENT}
    assert saved["others"] == "Sam Lee, school nurse\nDr Kay Rowe, paediatrician"
    assert [(d, o, due, s) for _, d, o, due, s, _ in saved["actions"]] == [
        ("Send home a visual timetable", a["teacher"].public_id, date(2026, 3, 20), ActionStatus.OPEN),
        ("Book SLT review", a["senco"].public_id, date(2026, 4, 1), ActionStatus.OPEN),
    ]
    assert saved["reviews"] == {case.outcomes[0]: (ProgressRating.PARTLY_MET,
                                                   "Follows most two-part instructions with a visual prompt")}
    assert saved["minutes"] == "Ruby has settled well.\n<script>alert(1)</script>"  # the source, as typed
    assert saved["minutes_html"] == "<p>Ruby has settled well.<br>\n&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert saved["record_number"] == 1 and not saved["signed_off"]

    detail = case.clients["lsp"].get(f"/meetings/{meeting}")
    assert detail.status_code == 200
    text = text_of(detail)
    assert "Draft, not yet signed off" in text
    assert "Send home a visual timetable" in text and "Hannah Teacher" in text and "Apologies" in text
    assert "Partly met" in text
    listing = text_of(case.clients["teacher"].get(f"/learners/{case.learner}/meetings"))
    assert f"/meetings/{meeting}" in listing and "Planning meeting" in listing


def test_a_teacher_on_the_team_cannot_record_and_nothing_changes(app, case):
    before = counts(app)
    assert case.clients["teacher"].get(f"/learners/{case.learner}/meetings/new").status_code == 403
    response = case.clients["teacher"].post(f"/learners/{case.learner}/meetings/new", data=meeting_form(case))
    assert response.status_code == 403
    assert counts(app) == before
    assert "Record a meeting" not in text_of(case.clients["teacher"].get(f"/learners/{case.learner}/meetings"))


def test_the_senco_records_too(app, case):
    meeting = record(case, client="senco")
    assert load_meeting(app, meeting)["recorded_by"] == case.accounts["senco"].public_id


def test_sign_off_amendment_and_frozen_records(app, case):
    meeting = record(case)
    assert case.clients["senco"].get(f"/meetings/{meeting}/records/1").status_code == 404  # not signed yet
    assert sign_off(case, meeting).status_code == 302
    saved = load_meeting(app, meeting)
    assert saved["signed_off"] and [n for n, _ in saved["records"]] == [1]
    assert sign_off(case, meeting).status_code == 403  # once per version

    first = case.clients["lsp"].get(f"/meetings/{meeting}/records/1")
    assert first.status_code == 200
    frozen = main_of(first)
    text = text_of(first)
    assert "Version 1, signed off on" in text and "by Priya Senco" in text
    assert "Send home a visual timetable" in text and "Sam Lee, school nurse" in text and "Partly met" in text
    assert "Version 1, signed off on" in text_of(case.clients["lsp"].get(f"/meetings/{meeting}"))

    # The LSP (recorder) amends the signed-off record: it becomes version 2, a draft.
    edit = case.clients["lsp"].get(f"/meetings/{meeting}/edit")
    assert edit.status_code == 200 and "Ruby has settled well." in text_of(edit)
    action_ids = [a[0] for a in saved["actions"]]
    changes = meeting_form(case, minutes="Amended: Ruby has settled very well.", version=str(saved["version"]),
                           **{"actions-0-action_id": action_ids[0], "actions-1-action_id": action_ids[1],
                              "actions-1-description": "Book SLT review for May",
                              f"rating-{case.outcomes[1]}": "met"})
    response = case.clients["lsp"].post(f"/meetings/{meeting}/edit", data=changes)
    assert response.status_code == 302, text_of(response)[:2000]
    amended = load_meeting(app, meeting)
    assert amended["record_number"] == 2 and not amended["signed_off"]
    assert [a[0] for a in amended["actions"]] == action_ids  # the same actions, kept by id
    assert amended["records"] == saved["records"]  # record 1 untouched
    detail = text_of(case.clients["lsp"].get(f"/meetings/{meeting}"))
    assert "Version 2: draft, not yet signed off" in detail and "Amended: Ruby has settled very well." in detail

    again = case.clients["lsp"].get(f"/meetings/{meeting}/records/1")
    assert main_of(again) == frozen
    assert "Amended" not in text_of(again)

    assert sign_off(case, meeting).status_code == 302
    assert [n for n, _ in load_meeting(app, meeting)["records"]] == [1, 2]
    assert main_of(case.clients["lsp"].get(f"/meetings/{meeting}/records/1")) == frozen
    second = case.clients["lsp"].get(f"/meetings/{meeting}/records/2")
    assert "Version 2, signed off on" in text_of(second) and "Book SLT review for May" in text_of(second)
    assert main_of(second) != frozen
    assert case.clients["lsp"].get(f"/meetings/{meeting}/records/3").status_code == 404


def test_editing_a_draft_keeps_its_version_number_and_a_stale_edit_is_a_conflict(app, case):
    meeting = record(case)
    version = load_meeting(app, meeting)["version"]
    first = case.clients["senco"].post(f"/meetings/{meeting}/edit",
                                       data=meeting_form(case, minutes="SENCo's minutes", version=str(version)))
    assert first.status_code == 302
    saved = load_meeting(app, meeting)
    assert saved["record_number"] == 1 and saved["version"] > version and len(saved["actions"]) == 2
    stale = case.clients["lsp"].post(f"/meetings/{meeting}/edit",
                                     data=meeting_form(case, minutes="LSP's own minutes", version=str(version)))
    assert stale.status_code == 409
    text = text_of(stale)
    assert "LSP's own minutes" in text and "SENCo's minutes" in text
    assert load_meeting(app, meeting)["minutes"] == "SENCo's minutes"
    # Attendance alone (a change only to child rows) still moves the version on.
    version = load_meeting(app, meeting)["version"]
    case.clients["lsp"].post(f"/meetings/{meeting}/edit", data=meeting_form(
        case, minutes="SENCo's minutes", version=str(version),
        **{f"attendance-{case.accounts['parent'].public_id}": "present"}))
    assert load_meeting(app, meeting)["version"] > version


def test_only_the_chair_signs_off(app, case):
    meeting = record(case)
    before = counts(app)
    for client in ("lsp", "teacher", "teacher2"):
        assert sign_off(case, meeting, client=client).status_code == 403
    assert sign_off(case, meeting, client="parent").status_code == 404  # a draft is out of the family's sight
    assert sign_off(case, meeting, client="outsider").status_code == 404
    assert counts(app) == before and not load_meeting(app, meeting)["signed_off"]
    assert "Sign off this record" not in text_of(case.clients["lsp"].get(f"/meetings/{meeting}"))
    assert "Sign off this record" in text_of(case.clients["senco"].get(f"/meetings/{meeting}"))
    # A stale sign-off (the record changed after the chair read it) signs nothing.
    assert sign_off(case, meeting, version=0).status_code == 302
    assert not load_meeting(app, meeting)["signed_off"]


def test_lsp_chair_signs_off(app, case):
    meeting = record(case, chair=case.accounts["lsp"].public_id)
    assert sign_off(case, meeting, client="senco").status_code == 403
    assert sign_off(case, meeting, client="lsp").status_code == 302
    assert load_meeting(app, meeting)["signed_off"]


def test_the_action_owner_marks_it_done_and_others_are_refused(app, case):
    meeting = record(case)
    action_id, *_, version = load_meeting(app, meeting)["actions"][0]
    detail = text_of(case.clients["teacher"].get(f"/meetings/{meeting}"))
    assert f'action="/actions/{action_id}"' in detail
    assert f'action="/actions/{action_id}"' not in text_of(case.clients["teacher2"].get(f"/meetings/{meeting}"))

    def update(client, status="done", version=version):
        prefix = f"action-{action_id}-"
        return case.clients[client].post(f"/actions/{action_id}",
                                         data={f"{prefix}status": status, f"{prefix}version": str(version)})

    assert update("teacher2").status_code == 403
    assert update("outsider").status_code == 404
    assert update("elsewhere").status_code == 404
    assert update("parent").status_code == 404  # the draft is not shared with them yet
    assert load_meeting(app, meeting)["actions"][0][4] is ActionStatus.OPEN
    response = update("teacher")
    assert response.status_code == 302
    assert load_meeting(app, meeting)["actions"][0][4] is ActionStatus.DONE
    with app.app_context():
        assert db.session.scalars(select(MeetingAction).where(MeetingAction.public_id == action_id)).one().completed_at
    # A second update from the old version is refused as a conflict, and changes nothing.
    stale = update("lsp", status="cancelled")
    assert stale.status_code == 302
    assert load_meeting(app, meeting)["actions"][0][4] is ActionStatus.DONE
    # The recorder may update it too.
    fresh = load_meeting(app, meeting)["actions"][0][5]
    assert update("lsp", status="open", version=fresh).status_code == 302
    assert load_meeting(app, meeting)["actions"][0][4] is ActionStatus.OPEN
    assert update("teacher", status="finished", version=fresh + 1).status_code == 400
    # A shared, signed-off meeting: the parent sees its actions but may not change them.
    sign_off(case, meeting)
    assert update("parent", version=fresh + 1).status_code == 403


def test_parent_sees_shared_signed_off_meetings_only(app, case):
    shared = record(case)
    unshared = record(case, shared_with_family="")
    draft = record(case)
    sign_off(case, shared)
    sign_off(case, unshared)
    parent = case.clients["parent"]
    page = parent.get(f"/meetings/{shared}")
    assert page.status_code == 200 and "Send home a visual timetable" in text_of(page)
    assert "Amend this record" not in text_of(page) and 'action="/actions/' not in text_of(page)
    assert parent.get(f"/meetings/{shared}/records/1").status_code == 200
    for hidden in (unshared, draft):
        assert parent.get(f"/meetings/{hidden}").status_code == 404
        assert parent.get(f"/meetings/{hidden}/records/1").status_code == 404
        assert parent.get(f"/meetings/{hidden}/edit").status_code == 404
    listing = text_of(parent.get(f"/learners/{case.learner}/meetings"))
    assert shared in listing and unshared not in listing and draft not in listing
    assert parent.get(f"/meetings/{shared}/edit").status_code == 403
    assert parent.get(f"/learners/{case.learner}/meetings/new").status_code == 403


def test_someone_not_on_the_team_gets_404_everywhere(app, case):
    meeting = record(case)
    sign_off(case, meeting)
    action_id = load_meeting(app, meeting)["actions"][0][0]
    before = counts(app)
    for who in ("outsider", "elsewhere"):
        client = case.clients[who]
        for method, url in (
            ("get", f"/learners/{case.learner}/meetings"),
            ("get", f"/learners/{case.learner}/meetings/new"),
            ("post", f"/learners/{case.learner}/meetings/new"),
            ("get", f"/meetings/{meeting}"),
            ("get", f"/meetings/{meeting}/edit"),
            ("post", f"/meetings/{meeting}/edit"),
            ("post", f"/meetings/{meeting}/sign-off"),
            ("get", f"/meetings/{meeting}/records/1"),
            ("post", f"/actions/{action_id}"),
        ):
            response = getattr(client, method)(url, data=meeting_form(case) if method == "post" else None)
            assert response.status_code == 404, (who, method, url)
            assert "Send home a visual timetable" not in text_of(response)
    assert counts(app) == before
    anonymous = app.test_client().get(f"/meetings/{meeting}")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]


def test_people_not_on_the_case_cannot_be_named(app, case):
    before = counts(app)
    outsider = case.accounts["outsider"].public_id
    for changes in ({"chair": outsider}, {"actions-0-owner": outsider}, {"chair": case.accounts["parent"].public_id}):
        response = case.clients["lsp"].post(f"/learners/{case.learner}/meetings/new",
                                            data=meeting_form(case, **changes))
        assert response.status_code == 400, changes
    # An attendance answer for someone off the case is not a field of the form: it is ignored.
    meeting = record(case, **{f"attendance-{outsider}": "present"})
    assert outsider not in load_meeting(app, meeting)["attendees"]
    assert counts(app)[0] == before[0] + 1


def test_bad_input_keeps_what_was_typed(app, case):
    before = counts(app)
    data = meeting_form(case, starts_at="9.30am", duration_minutes="600",
                        agenda="Agenda typed with care",
                        **{"actions-2-description": "Half-filled action", "actions-2-owner": "",
                           "actions-2-due_on": ["", "", ""],
                           f"comment-{case.outcomes[1]}": "A comment without a rating"})
    response = case.clients["lsp"].post(f"/learners/{case.learner}/meetings/new", data=data)
    assert response.status_code == 400
    text = text_of(response)
    assert "There is a problem" in text
    for message in ("Enter the start time as hours and minutes", "Length must be between 1 and 480 minutes",
                    "Choose who will do this action", "Enter the date this action is due by",
                    "Choose a rating for this outcome, or clear the comment"):
        assert message in text, message
    for typed in ("9.30am", "600", "Agenda typed with care", "Half-filled action", "Sam Lee, school nurse",
                  "A comment without a rating", "Send home a visual timetable"):
        assert typed in text, typed
    parent = case.accounts["parent"].public_id
    assert re.search(rf'<input[^>]*name="attendance-{re.escape(parent)}"[^>]*value="apologies"[^>]*checked', text)
    assert not re.search(rf'<input[^>]*name="attendance-{re.escape(parent)}"[^>]*value="present"[^>]*checked', text)
    assert counts(app) == before

    missing = case.clients["lsp"].post(f"/learners/{case.learner}/meetings/new",
                                       data=meeting_form(case, agenda="", chair="", held_on=["31", "2", "2026"]))
    assert missing.status_code == 400
    text = text_of(missing)
    assert "Enter the agenda" in text and "Choose who chaired the meeting" in text
    assert counts(app) == before


def test_extra_fields_are_ignored(app, case):
    with app.app_context():
        other = db.session.scalars(select(Learner).where(Learner.public_id == case.other_learner)).one()
        teacher = db.session.scalars(select(User).where(User.public_id == case.accounts["teacher"].public_id)).one()
        other_id, teacher_id = other.id, teacher.id
    extras = {"recorded_by": case.accounts["teacher"].public_id, "recorded_by_id": str(teacher_id),
              "learner_id": str(other_id), "learner": case.other_learner, "signed_off_at": "2026-03-03T10:00:00Z",
              "record_number": "7", "version": "99", "cycle_id": "999"}
    meeting = record(case, **extras)
    saved = load_meeting(app, meeting)
    assert saved["recorded_by"] == case.accounts["lsp"].public_id
    assert saved["learner"] == case.learner
    assert not saved["signed_off"] and saved["record_number"] == 1 and saved["records"] == []
    # And on an amendment: the recorder stays, the record number moves only by signing off.
    version = saved["version"]
    response = case.clients["senco"].post(f"/meetings/{meeting}/edit",
                                          data=meeting_form(case, **{**extras, "version": str(version)}))
    assert response.status_code == 302
    saved = load_meeting(app, meeting)
    assert saved["recorded_by"] == case.accounts["lsp"].public_id and saved["learner"] == case.learner
    assert saved["record_number"] == 1 and not saved["signed_off"]
    response = case.clients["teacher"].post(f"/actions/{saved['actions'][0][0]}", data={
        f"action-{saved['actions'][0][0]}-status": "done", f"action-{saved['actions'][0][0]}-version":
        str(saved["actions"][0][5]), "owner_id": str(teacher_id + 1), "description": "changed"})
    assert response.status_code == 302
    after = load_meeting(app, meeting)["actions"][0]
    assert after[1] == saved["actions"][0][1] and after[2] == saved["actions"][0][2]


def test_home_page_scope_lists_the_owners_open_actions(app, case):
    from app.policy import visible_actions

    meeting = record(case)
    with app.app_context():
        teacher = db.session.scalars(select(User).where(User.public_id == case.accounts["teacher"].public_id)).one()
        mine = [a for a in db.session.scalars(visible_actions(teacher))
                if a.owner_id == teacher.id and a.status is ActionStatus.OPEN]
        assert [a.description for a in mine] == ["Send home a visual timetable"]
        assert mine[0].due_on == date(2026, 3, 20) and mine[0].meeting.public_id == meeting
        outsider = db.session.scalars(select(User).where(User.public_id == case.accounts["outsider"].public_id)).one()
        assert db.session.scalars(visible_actions(outsider)).all() == []


def test_demo_meeting(app, case):
    from app.demo.meetings import record_demo_meeting

    with app.app_context():
        users = {key: db.session.scalars(select(User).where(User.public_id == account.public_id)).one()
                 for key, account in case.accounts.items()}
        learner = db.session.scalars(select(Learner).where(Learner.public_id == case.learner)).one()
        meeting = record_demo_meeting(
            users["lsp"], learner, kind="review", held_on=date.today() - timedelta(days=7), chair=users["senco"],
            attendees={users["teacher"]: Attendance.PRESENT, users["parent"]: Attendance.APOLOGIES},
            others=["Sam Lee, school nurse"], agenda="Review", minutes="Minutes",
            decisions="Carry on", actions=[("Share the visual timetable", users["teacher"], date.today())],
            shared_with_family=True, sign_off=True,
        )
        db.session.commit()
        assert meeting.is_signed_off and [r.number for r in meeting.records] == [1]
        assert meeting.recorded_by_id == users["lsp"].id and meeting.chair_id == users["senco"].id
        assert meeting.actions[0].owner_id == users["teacher"].id
        public_id = meeting.public_id
    assert case.clients["parent"].get(f"/meetings/{public_id}").status_code == 200
