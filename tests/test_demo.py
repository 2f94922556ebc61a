"""Demo data: every demo account signs in to its own home page; loading twice changes nothing."""
import html
import io
import re
import secrets
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import Agency, User
from app.demo.accounts import PEOPLE
from app.extensions import db
from app.security.keys import Keyring
from tests.fixtures.application import sign_in, text_of

HOME_MARKERS = {
    "senco": "invite the team around each child",
    "lsp": "Record joint-planning meetings",
    "teacher": "Add what you see in class",
    "dsl": "Safeguarding concerns",
    "parent": "Read your child’s support plan",
    "slt": "speech and language assessment",
    "ep": "psychological assessment",
    "admin": "Manage accounts",
}


def test_demo_load_is_idempotent(demo_app):
    with demo_app.app_context():
        counts = (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Agency.id))))
        hashes = {user.email: user.password_hash for user in db.session.scalars(select(User))}
    again = demo_app.test_cli_runner().invoke(args=["demo", "load"])
    assert "0 account(s) created" in again.output
    with demo_app.app_context():
        assert (db.session.scalar(select(func.count(User.id))),
                db.session.scalar(select(func.count(Agency.id)))) == counts
        assert {user.email: user.password_hash for user in db.session.scalars(select(User))} == hashes
    # Kasia Nowak, a teacher who is also Leo's mother, and her family; Dr Nia Evans, whose access ends soon
    # and Helen Marsh, the business manager designated data protection officer
    assert counts == (11, 5)
    assert "0 subject access request(s) registered" in again.output
    assert "0 learner(s) registered" in again.output
    assert "0 reminder case(s) set up, 0 reminder(s)" in again.output  # told once: nothing more on a second load


def test_the_demo_has_reminders_waiting_and_a_daily_summary_in_the_outbox(demo_app):
    """Each periodic kind waits for someone, and the outbox holds identity-free emails (the dev outbox page)."""
    from app.cases.learners.models import Learner
    from app.core.mail.models import OutboxMessage
    from app.notifications.models import Notification, NotificationKind
    from app.notifications.summary import SUBJECT

    periodic = {NotificationKind.ACTION_DUE_TOMORROW: {"Hannah Okafor", "Jo Carter"},
                NotificationKind.ACTION_OVERDUE: {"Tom Fletcher"},
                NotificationKind.INVITATION_LAPSED: {"Priya Shah"},
                NotificationKind.ACCESS_ENDING: {"Dr Nia Evans"}}
    with demo_app.app_context():
        told = [(kind, user.display_name) for kind, user in db.session.execute(
            select(Notification.kind, User).join(User, User.id == Notification.recipient_id)).all()]
        for kind, names in periodic.items():
            assert {name for k, name in told if k is kind} == names, kind
        assert {name for k, name in told if k is NotificationKind.REVIEW_DUE} >= {"Priya Shah", "Tom Fletcher"}
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert any(message.subject == SUBJECT for message in messages)
        names = [name for learner in db.session.scalars(select(Learner))
                 for name in (learner.name, learner.preferred_name) if name]
        for message in messages:
            if message.subject == SUBJECT or "notification" in message.subject:
                # Links left out: a public id is random letters, and may spell a short preferred name ("Mo").
                words = re.sub(r"https?://\S+", "", message.body)
                assert not [name for name in names if re.search(rf"\b{re.escape(name)}\b", words)], message.subject


@pytest.mark.parametrize("person", PEOPLE, ids=[person.email for person in PEOPLE])
def test_every_demo_account_signs_in_to_its_own_home_page(demo_app, person):
    client = demo_app.test_client()
    assert sign_in(client, person.email, "braid-demo-2026").status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert HOME_MARKERS[person.role.value] in page
    assert person.name in page


def test_demo_load_is_refused_under_production(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("BRAID_FIELD_KEYS", Keyring.generate().to_json())
    monkeypatch.setenv("BRAID_AUDIT_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("BRAID_BASE_URL", "https://braid.example.gov.uk")
    monkeypatch.setenv("BRAID_INSTANCE_PATH", str(tmp_path))
    app = create_app("production")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "never loaded under the production configuration" in result.output


def test_demo_logins_are_printed(demo_app):
    output = demo_app.test_cli_runner().invoke(args=["demo", "logins"]).output
    assert "braid-demo-2026" in output
    for person in PEOPLE:
        assert person.email in output


def test_the_senco_sees_the_demo_learners_decrypted(demo_app):
    client = demo_app.test_client()
    sign_in(client, "senco@oakfield.example", "braid-demo-2026")
    page = client.get("/").get_data(as_text=True)
    for name in ("Maya Carter", "Leo Nowak", "Aisha Rahman"):
        assert name in page


def test_the_demo_shows_a_past_import_from_the_mis(demo_app):
    from app.cases.learners.models import Learner, SenStatus
    from app.cases.mis_import.models import ImportRow, ImportStatus, LearnerImport

    with demo_app.app_context():
        past = db.session.scalars(select(LearnerImport)).one()
        assert past.status is ImportStatus.DONE and past.vendor == "SIMS"
        assert (past.created_count, past.updated_count) == (4, 3) and past.skipped_count > 0
        assert db.session.scalar(select(func.count()).select_from(ImportRow)) == 0  # nothing of the file kept
        by_name = {learner.name: learner for learner in db.session.scalars(select(Learner))}
        assert by_name["Ruby Ellis-Ward"].sen_status is SenStatus.SEN_SUPPORT
        assert by_name["Maya Carter"].registration_group == "3B"  # updated from the MIS
        db.session.remove()


def test_the_demo_shows_a_corrected_learner_with_history(demo_app):
    from app.cases.learners.models import Learner, LearnerRevision

    with demo_app.app_context():
        revision = db.session.scalars(select(LearnerRevision).where(LearnerRevision.merged_from_id.is_(None))).one()
        assert revision.learner.name == "Aisha Rahman" and revision.field_names == ["registration_group"]
        assert revision.earlier == {"registration_group": "Not recorded"} and "class list" in revision.reason
        assert db.session.get(Learner, revision.learner_id).registration_group == "2W"
        db.session.remove()


def test_the_demo_shows_a_leavers_transfer_bundle_and_child_protection_transfer(demo_app):
    from pypdf import PdfReader

    from app.cases.transfers.models import ChildProtectionTransfer, TransferBundle

    with demo_app.app_context():
        bundle = db.session.scalars(select(TransferBundle)).one()
        assert bundle.learner.name == "Mohammed Hussain" and bundle.learner.year_group == 6
        assert bundle.receiving_school == "Northgate Academy" and bundle.made_by.display_name == "Priya Shah"
        assert bundle.content.startswith(b"%PDF-2.0") and len(bundle.content) == bundle.size_bytes
        assert PdfReader(io.BytesIO(bundle.content)).is_encrypted  # its passphrase was shown to nobody
        transfer = db.session.scalars(select(ChildProtectionTransfer)).one()
        assert (transfer.learner_id, transfer.receiving_school) == (bundle.learner_id, "Northgate Academy")
        assert transfer.is_confirmed and transfer.recorded_by.display_name == "David Mensah"
        assert transfer.receipt_confirmed_on > transfer.sent_on and "Okoro" in transfer.confirmed_by
        db.session.remove()


def test_the_demo_shows_a_withdrawn_and_a_moved_contribution(demo_app):
    from app.cases.contributions.models import Contribution, ContributionMove
    from app.core.mail.models import OutboxMessage

    with demo_app.app_context():
        withdrawn = db.session.scalars(select(Contribution).where(Contribution.withdrawn_at.is_not(None))).one()
        assert withdrawn.learner.name == "Noah Williams" and withdrawn.author.email == "teacher@oakfield.example"
        assert withdrawn.withdrawn_by_id == withdrawn.author_id and "about Jacob" in withdrawn.withdrawn_reason
        move = db.session.scalars(select(ContributionMove)).one()
        assert (move.from_learner.name, move.to_learner.name) == ("Isla Robertson", "Grace O'Connor")
        assert move.contribution.learner_id == move.to_learner_id and move.moved_by.email == "senco@oakfield.example"
        assert "Grace's phonics group" in move.reason
        [told] = [message for message in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.subject == "A contribution of yours has been moved on Braid"))
            if message.recipient == "lsp@oakfield.example"]
        assert f"/contributions/{move.contribution.public_id}" in told.body and "Grace" not in told.body
        db.session.remove()
    # Only the DSL reads the withdrawn one, on their page of Noah's withdrawn contributions.
    dsl, senco = demo_app.test_client(), demo_app.test_client()
    sign_in(dsl, "dsl@oakfield.example", "braid-demo-2026")
    sign_in(senco, "senco@oakfield.example", "braid-demo-2026")
    with demo_app.app_context():
        noah = db.session.scalars(select(Contribution).where(Contribution.withdrawn_at.is_not(None))).one().learner
        url = f"/learners/{noah.public_id}/contributions/withdrawn"
        db.session.remove()
    assert "settling after lunch" in dsl.get(url).get_data(as_text=True)
    assert senco.get(url).status_code == 403
    again = demo_app.test_cli_runner().invoke(args=["demo", "load"])
    assert "0 misfiled contribution(s) put right" in again.output


def test_the_demo_shows_the_school_year(demo_app):
    from app.agencies.calendar.models import PeriodKind, SchoolCalendarPeriod
    from app.cases.learners.models import Learner
    from app.cases.year_end.models import SchoolYearEnd

    with demo_app.app_context():
        kinds = [period.kind for period in db.session.scalars(select(SchoolCalendarPeriod))]
        assert (kinds.count(PeriodKind.TERM), kinds.count(PeriodKind.HALF_TERM), kinds.count(PeriodKind.CLOSURE)) \
            == (3, 3, 1)
        year_end = db.session.scalars(select(SchoolYearEnd)).one()
        assert year_end.top_year_group == 6 and year_end.carried_out_at is None
        by_name = {learner.name: learner
                   for learner in db.session.scalars(select(Learner).where(Learner.merged_into_id.is_(None)))}
        assert by_name["Jacob Whitfield"].archived_at is not None
        assert by_name["Leo Nowak"].leaving_on is not None and by_name["Leo Nowak"].archived_at is None
        assert [name for name, learner in by_name.items() if learner.archived_at] == ["Jacob Whitfield"]
        db.session.remove()
    client = demo_app.test_client()
    sign_in(client, "senco@oakfield.example", "braid-demo-2026")
    assert "Jacob Whitfield" not in client.get("/learners").get_data(as_text=True)
    assert "Jacob Whitfield</a> (archived)" in client.get("/learners?archived=1").get_data(as_text=True)


def test_the_demo_shows_a_restricted_record(demo_app):
    """Evie Grant's record is restricted by the DSL: the SENCo reads it under the banner, with the reason; her
    teacher and the LSP no longer find it."""
    from app.cases.learners.models import Learner
    from app.cases.restrictions.models import ProcessingRestriction

    with demo_app.app_context():
        restricted = db.session.scalars(select(Learner).where(Learner.restricted_at.is_not(None))).all()
        assert [learner.name for learner in restricted] == ["Evie Grant"]
        restriction = db.session.scalars(select(ProcessingRestriction)).one()
        assert restriction.lifted_at is None and restriction.restricted_by.email == "dsl@oakfield.example"
        evie = restricted[0].public_id
        team = {membership.user.email for membership in restricted[0].memberships}
        on_team = [email for email in ("lsp@oakfield.example", "teacher@oakfield.example") if email in team]
        assert on_team  # so their not finding her below is the restriction's doing
        db.session.remove()
    senco = demo_app.test_client()
    sign_in(senco, "senco@oakfield.example", "braid-demo-2026")
    page = text_of(senco.get(f"/learners/{evie}"))
    assert "Processing of this record is restricted since" in page and "Mrs Grant contests" in page
    assert "Evie Grant" in text_of(senco.get("/learners"))
    for email in on_team:
        client = demo_app.test_client()
        sign_in(client, email, "braid-demo-2026")
        assert "Evie Grant" not in text_of(client.get("/learners")), email
        assert client.get(f"/learners/{evie}").status_code == 404, email


def test_the_demo_shows_a_merged_duplicate(demo_app):
    from app.cases.learners.models import Learner, LearnerRevision

    with demo_app.app_context():
        duplicate = db.session.scalars(select(Learner).where(Learner.merged_into_id.is_not(None))).one()
        leo = duplicate.merged_into
        assert (leo.name, duplicate.name) == ("Leo Nowak", "Leo Nowak") and "Elm Road" in leo.notes
        assert duplicate.merged_by.email == "senco@oakfield.example" and "moved house" in duplicate.merge_reason
        revision = db.session.scalars(select(LearnerRevision).where(
            LearnerRevision.merged_from_id == duplicate.id)).one()
        assert revision.learner_id == leo.id and revision.field_names == ["notes"]
        assert "Elm Road" not in revision.earlier["notes"] and "reads fluently" in revision.earlier["notes"]
        db.session.remove()


def test_the_demo_shows_a_teacher_who_is_a_parent_and_an_edited_account(demo_app):
    from app.agencies.accounts.models import Role
    from app.audit.models import AuditAction, AuditEvent
    from app.cases.team.models import TeamMembership

    with demo_app.app_context():
        kasia = db.session.scalars(select(User).where(User.email.matches("k.nowak@oakfield.example"))).one()
        [membership] = db.session.scalars(select(TeamMembership).where(TeamMembership.user_id == kasia.id)).all()
        assert (kasia.role, membership.role, membership.learner.name) == (Role.TEACHER, Role.PARENT, "Leo Nowak")
        assert kasia.version == 2 and kasia.fte == Decimal("0.80") and kasia.line_manager.display_name == "Priya Shah"
        edit = db.session.scalars(select(AuditEvent).where(AuditEvent.object_public_id == kasia.public_id,
                                                           AuditEvent.action == AuditAction.UPDATE)).one()
        assert edit.fields_changed == "fte,line_manager"
        leo = membership.learner.public_id
        db.session.remove()
    # On Leo's case she is his mother: the family's view, nothing the staff alone read.
    client = demo_app.test_client()
    assert sign_in(client, "k.nowak@oakfield.example", "braid-demo-2026").status_code == 302
    assert client.get(f"/learners/{leo}").status_code == 200
    assert client.get(f"/learners/{leo}/team/invite").status_code == 403


def test_the_demo_cases_show_every_capability(demo_app):
    """About two dozen learners at every stage, every role contributing, meetings, concerns and invitations."""
    from app.agencies.accounts.models import Role
    from app.cases.concerns.models import SafeguardingConcern
    from app.cases.contributions.models import Contribution, ContributionRevision
    from app.cases.learners.models import Learner
    from app.cases.meetings.models import Meeting, MeetingAction
    from app.cases.plans.models import CycleStage, PlanCycle
    from app.cases.team.models import TeamMembership
    from app.types import utcnow

    with demo_app.app_context():
        count = lambda query: db.session.scalar(select(func.count()).select_from(query.subquery()))  # noqa: E731
        # The 24 registered learners with cases, and the 4 the past MIS import brought in (the SIMS sample's
        # other rows updated learners already there, or were left out as having no SEN), one archived leaver, and a
        # duplicate, merged (app/demo/merges.py).
        assert count(select(Learner.id)) == 30
        stages = set(db.session.scalars(select(PlanCycle.stage)))
        assert stages == set(CycleStage)  # assess, plan, do, review and closed cycles all present
        authors = set(db.session.scalars(select(User.role).join(Contribution, Contribution.author_id == User.id)))
        assert authors == {Role.TEACHER, Role.LSP, Role.SLT, Role.EP, Role.PARENT}
        assert count(select(ContributionRevision.id)) > 0
        assert count(select(Meeting.id).where(Meeting.signed_off_at.is_not(None))) > 0
        assert count(select(MeetingAction.id)) > 0
        assert count(select(SafeguardingConcern.id)) == 2

        def cases_of(email):
            user = db.session.scalars(select(User).where(User.email.matches(email))).one()
            memberships = db.session.scalars(select(TeamMembership).where(TeamMembership.user_id == user.id)).all()
            return len(memberships), sum(1 for m in memberships if not m.is_live(utcnow()))

        assert cases_of("slt@riverside-slt.example") == (5, 1)  # Oliver's father withdrew consent (consents.py)
        assert cases_of("ep@county-eps.example") == (4, 1)  # one invitation has expired
        assert cases_of("parent@family.example") == (1, 0)
    again = demo_app.test_cli_runner().invoke(args=["demo", "load"])
    assert "0 case(s) built" in again.output


def test_the_demo_writing_keeps_its_shape(demo_app):
    """Agendas as numbered lines, the EP's assessment in sections, a family's view in paragraphs: typed as plain
    text, shown with their shape (and the plan page reads the HTML stored beside each)."""
    from app.cases.contributions.models import Contribution, ContributionKind
    from app.cases.meetings.models import Meeting
    from app.security.sanitize import ALLOWLIST_VERSION

    with demo_app.app_context():
        meeting = db.session.scalars(select(Meeting).where(Meeting.signed_off_at.is_not(None))
                                     .order_by(Meeting.id)).first()
        assert meeting.agenda.startswith("1. ") and "<" not in meeting.agenda
        assert meeting.agenda_html.count("<li>") == 3 and meeting.agenda_html.startswith("<ol>")
        assert meeting.writing_version == ALLOWLIST_VERSION
        ep = db.session.scalars(select(Contribution).where(Contribution.kind == ContributionKind.EP_ASSESSMENT)).first()
        assert ep.body.startswith("## What we found") and ep.body_html.count("<h2>") == 3
        family = db.session.scalars(select(Contribution).where(Contribution.kind == ContributionKind.FAMILY_VIEW)).one()
        assert family.body_html.count("<p>") == 3


def test_the_demo_trail_has_the_patterns_a_dsl_reviews_and_a_verified_chain(demo_app):
    from app.audit.chain import latest_verification, verify_chain
    from app.audit.models import AuditAction, AuditEvent, AuditEventLearner, AuditOutcome

    with demo_app.app_context():
        events = db.session.scalars(select(AuditEvent)).all()
        refused = [event for event in events if event.outcome is AuditOutcome.REFUSED]
        out_of_hours = [event for event in events if event.out_of_hours and event.action is AuditAction.VIEW]
        lsp = db.session.scalar(select(User.id).where(User.email.matches("lsp@oakfield.example")))
        busiest_hour = max(
            len({event.learner_public_ids for event in events
                 if event.actor_id == lsp and event.occurred_at.replace(minute=0, second=0, microsecond=0) == hour})
            for hour in {event.occurred_at.replace(minute=0, second=0, microsecond=0) for event in events}
        )
        assert len(refused) >= 3
        assert out_of_hours
        assert busiest_hour > demo_app.config["AUDIT_MANY_LEARNERS_PER_HOUR"]
        # A list page names every learner it showed, as listed (not opened), and each learner's history finds that
        # one event.
        listing = next(event for event in events if event.object_type == "learner_list")
        assert listing.action is AuditAction.LISTED
        indexed = db.session.scalars(
            select(AuditEventLearner.learner_public_id).where(AuditEventLearner.event_id == listing.id)
        ).all()
        assert sorted(indexed) == listing.learner_ids and len(indexed) >= 20
        verification = latest_verification()
        assert verification is not None and verification.intact and verification.event_count > 300
        assert verify_chain().intact


def test_the_demo_cpd_logs_show_every_capability(demo_app):
    """The LSP's year so far (case work, INSET, webinars, peer observation, reading), on track, three goals and a
    review signed with the SENCo; the SLT and EP have a few entries each; no demo learner is named in any of it."""
    from app.cpd.entries.models import ActivityType, ReflectiveModel
    from app.cpd.entries.services import hours_summary, log_entries
    from app.cpd.goals.models import GoalStatus
    from app.cpd.goals.services import goals_due, goals_of
    from app.cpd.reviews.models import ProgressReview, ReviewKind
    from app.demo.cases import STORIES

    with demo_app.app_context():
        person = {email: db.session.scalars(select(User).where(User.email.matches(email))).one() for email in (
            "lsp@oakfield.example", "senco@oakfield.example", "slt@riverside-slt.example", "ep@county-eps.example")}
        lsp, senco = person["lsp@oakfield.example"], person["senco@oakfield.example"]
        entries = log_entries(lsp, lsp)
        assert len(entries) >= 11
        assert {ActivityType.CASE_WORK, ActivityType.INSET_DAY, ActivityType.WEBINAR, ActivityType.PEER_OBSERVATION,
                ActivityType.READING} <= {entry.activity_type for entry in entries}
        assert {entry.reflective_model for entry in entries} == set(ReflectiveModel)
        assert all(entry.standards for entry in entries)
        case_work = [entry for entry in entries if entry.activity_type is ActivityType.CASE_WORK]
        assert len(case_work) == 4 and all(entry.evidence is not None for entry in case_work)
        assert {entry.evidence.kind.value for entry in case_work} == {"meeting", "contribution"}
        assert all(entry.evidence.linked_work is not None for entry in case_work)
        summary = hours_summary(lsp, lsp)
        assert summary.target == Decimal("18.0")  # 30 hours x 0.6 FTE
        assert summary.on_track, summary.statement
        goals = goals_of(lsp, lsp)
        assert len(goals) == 3 and all(goal.entries for goal in goals)
        assert [goal.status for goal in goals].count(GoalStatus.ACHIEVED) == 1
        assert len(goals_due(lsp)) == 1  # the home page prompts the one due within 30 days
        [review] = db.session.scalars(select(ProgressReview).where(ProgressReview.practitioner_id == lsp.id)).all()
        assert (review.kind, review.manager_id, review.is_signed) == (ReviewKind.ANNUAL, senco.id, True)
        for email in ("slt@riverside-slt.example", "ep@county-eps.example"):
            theirs = log_entries(person[email], person[email])
            assert 2 <= len(theirs) <= 3
            assert [entry.activity_type for entry in theirs].count(ActivityType.CASE_WORK) == 1
        # The practitioners' own writing never names a demo learner (it is shown to their line managers).
        writing = " ".join(
            " ".join([entry.title, entry.content, entry.action_what, entry.action_how, *entry.reflection.values()])
            for email in person for entry in log_entries(person[email], person[email]))
        writing += " ".join(f"{goal.specific} {goal.measure} {goal.relevance or ''}" for goal in goals)
        writing += " ".join(str(getattr(review, name) or "") for name in (
            "individual_summary", "manager_summary", "key_targets", "personal_development", "revised_targets",
            "development_needs", "comments"))
        for story in STORIES:
            for name in {*story.name.split(), story.preferred_name or story.name.split()[0], story.upn}:
                assert not re.search(rf"\b{re.escape(name)}\b", writing), name
    again = demo_app.test_cli_runner().invoke(args=["demo", "load"])
    assert "0 CPD entries written" in again.output


@pytest.mark.parametrize(("today", "day", "expected"), [
    ("2026-09-05", 0, "2026-09-01"),  # the year's first day, a Tuesday
    ("2026-09-05", 22, "2026-09-02"),  # an autumn entry squeezed into a young year: 22 x 4 // 80 = 1 day in
    ("2026-09-05", 78, "2026-09-04"),  # 78 x 4 // 80 = 3 days in
    ("2026-09-05", 100, None),  # after the autumn: not until its date has come
    ("2026-11-24", 36, "2026-10-07"),  # a Wednesday: as planned
    ("2026-11-24", 124, None),
    ("2027-01-04", 124, "2027-01-04"),  # 3 January 2027 is a Sunday: moved to the Monday
])


def test_demo_cpd_dates_follow_the_year_so_far(today, day, expected):
    from datetime import date

    from app.demo.cpd import _calendar_day

    on = _calendar_day(date(2026, 9, 1), day, date.fromisoformat(today))
    assert on == (date.fromisoformat(expected) if expected else None)


def test_the_demo_chronology_reads_as_months_of_support(demo_app):
    """Harry's case, the richest: the SENCo reads several kinds of entry over months; the DSL also the concern."""
    from datetime import datetime

    from app.cases.learners.models import Learner

    with demo_app.app_context():
        harry = next(learner for learner in db.session.scalars(select(Learner)) if learner.name == "Harry Thompson")
        public_id = harry.public_id
        db.session.remove()
    pages = {}
    for email in ("senco@oakfield.example", "dsl@oakfield.example"):
        client = demo_app.test_client()
        assert sign_in(client, email, "braid-demo-2026").status_code == 302
        url, body = f"/learners/{public_id}/chronology", ""
        while url:  # every page, following "Older entries"
            response = client.get(url)
            assert response.status_code == 200
            page = response.get_data(as_text=True)
            body += page
            older = re.search(r'href="([^"]+)" rel="next" id="older-entries"', page)
            url = html.unescape(older.group(1)) if older else None
        pages[email] = body
    senco = pages["senco@oakfield.example"]
    kinds = set(re.findall(r'data-kind="([a-z_]+)"', senco))
    assert kinds >= {"cycle_opened", "cycle_closed", "outcome_set", "outcome_reviewed", "provision_started",
                     "contribution_added", "meeting_held", "meeting_action", "member_joined"}
    assert "concern_recorded" not in kinds
    assert "concern_recorded" in re.findall(r'data-kind="([a-z_]+)"', pages["dsl@oakfield.example"])
    # Dates over several months, newest first: the demo's history is dated back over the terms it tells of.
    days = re.findall(r'<td class="govuk-table__cell">(\d{1,2} [A-Z][a-z]+ \d{4})', senco)
    parsed = [datetime.strptime(text, "%d %B %Y").date() for text in days]
    assert parsed == sorted(parsed, reverse=True)
    assert (parsed[0] - parsed[-1]).days > 90


def test_the_demo_shows_team_history_and_stage_history(demo_app):
    """Mo's team page lists the DSL who left and the EP whose access expired; Ash's cycle was moved on by mistake
    and moved back the same day; every demo move is dated, none in the future."""
    from app.cases.learners.models import Learner
    from app.cases.plans.models import CycleStage, CycleStageChange
    from app.types import utcnow

    with demo_app.app_context():
        ids = {learner.name: learner.public_id for learner in db.session.scalars(select(Learner))}
        changes = db.session.scalars(select(CycleStageChange)).all()
        assert len(changes) > 40 and all(change.changed_at <= utcnow() for change in changes)
        back = [change for change in changes if change.reverses_id is not None]
        assert len(back) == 1 and back[0].cycle.learner.name == "Aisha Rahman" and "mistake" in back[0].reason
        assert (back[0].from_stage, back[0].to_stage) == (CycleStage.DO, CycleStage.PLAN)
        db.session.remove()
    senco = demo_app.test_client()
    assert sign_in(senco, "senco@oakfield.example", "braid-demo-2026").status_code == 302
    team = html.unescape(senco.get(f"/learners/{ids['Mohammed Hussain']}/team").get_data(as_text=True))
    history = team[team.index("Who has been on the case"):]
    assert "David Mensah" in history and "Ended early by Priya Shah" in history
    assert "Access ended on its end date" in history
    plan = html.unescape(senco.get(f"/learners/{ids['Aisha Rahman']}/plan").get_data(as_text=True))
    assert "moved back from do to plan by Priya Shah" in plan and "Moved on by mistake" in plan
    plan = html.unescape(senco.get(f"/learners/{ids['Maya Carter']}/plan").get_data(as_text=True))
    assert "The 10 newest of the " in plan and "Phonics group, week 6" in plan  # the rest on the list's page
    team = senco.get(f"/learners/{ids['Leo Nowak']}/team").get_data(as_text=True)
    revoke = re.search(r'href="(/invitations/[^"]+/revoke)"', team)  # Amira Haddad's, sent two days ago
    assert revoke and "Amira Haddad" in html.unescape(team)
    assert "Yes, revoke the invitation" in senco.get(revoke.group(1)).get_data(as_text=True)


def test_the_demo_shows_a_shared_family_profile_and_printable_plans(demo_app):
    """Jo Carter finds Maya's one-page profile from her home page and downloads it; the SENCo downloads Maya's plan
    on a page and a meeting record (each read back with pypdf)."""
    from pypdf import PdfReader

    from app.cases.family_profile.models import FamilyProfile

    def pdf_text(response) -> str:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages)

    with demo_app.app_context():
        profile = db.session.scalars(select(FamilyProfile)).one()
        maya, cycle = profile.learner, profile.learner.plan.cycles[-1]
        assert maya.name == "Maya Carter" and profile.is_published and "Priya Shah, SENCo" in profile.who_to_talk_to
        learner_id, cycle_id = maya.public_id, cycle.public_id
        outcome = " ".join(cycle.outcomes[0].description.split()[:4])
        db.session.remove()
    parent = demo_app.test_client()
    assert sign_in(parent, "parent@family.example", "braid-demo-2026").status_code == 302
    home = parent.get("/").get_data(as_text=True)
    assert f"/learners/{learner_id}/family-profile" in home and "All about Maya Carter" in home
    text = pdf_text(parent.get(f"/learners/{learner_id}/family-profile.pdf"))
    assert "All about Maya Carter" in text and "ask her about rabbits" in text and "Priya Shah, SENCo" in text
    senco = demo_app.test_client()
    assert sign_in(senco, "senco@oakfield.example", "braid-demo-2026").status_code == 302
    plan = pdf_text(senco.get(f"/cycles/{cycle_id}/plan-on-a-page.pdf"))
    assert "Plan on a page: Maya Carter" in plan and outcome in plan and "Jo Carter, Parent or carer" in plan


def test_the_demo_shows_attached_files(demo_app):
    """The EP's report (PDF), the SLT's advice (Word), a timetable on Maya's meeting and a copy of a note on a concern
    (PNG), attached by three demo accounts; the SENCo downloads the report, Maya's mum sees the timetable."""
    from pypdf import PdfReader

    from app.cases.attachments.models import Attachment

    with demo_app.app_context():
        files = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        assert [item.kind.value for item in files] == ["pdf", "docx", "png", "png"]
        assert len({item.uploaded_by.email for item in files}) == 3
        report, meeting = files[0].public_id, files[2].meeting.public_id
        assert files[2].meeting.learner.name == "Maya Carter" and files[3].concern is not None
        db.session.remove()
    senco = demo_app.test_client()
    assert sign_in(senco, "senco@oakfield.example", "braid-demo-2026").status_code == 302
    response = senco.get(f"/attachments/{report}")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Educational psychology consultation report" in text
    parent = demo_app.test_client()
    assert sign_in(parent, "parent@family.example", "braid-demo-2026").status_code == 302
    page = parent.get(f"/meetings/{meeting}").get_data(as_text=True)
    assert "Visual timetable.png" in page and "PNG image" in page


def test_the_demo_has_notifications_waiting_some_read_and_some_chosen(demo_app):
    from app.core.mail.models import OutboxMessage
    from app.notifications.models import Delivery, Notification, NotificationKind, NotificationPreference

    emails = ("senco", "dsl", "teacher", "lsp"), ("ep@county-eps.example", "parent@family.example")
    people = [f"{role}@oakfield.example" for role in emails[0]] + list(emails[1])
    with demo_app.app_context():
        for email in people:
            user = db.session.scalars(select(User).where(User.email.matches(email))).one()
            read = [row.read_at is not None for row in db.session.scalars(
                select(Notification).where(Notification.recipient_id == user.id))]
            assert True in read and False in read, email
        parent = db.session.scalars(select(User).where(User.email.matches("parent@family.example"))).one()
        choices = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                          .where(NotificationPreference.user_id == parent.id)).all())
        assert choices == {NotificationKind.CONTRIBUTION_ADDED: Delivery.AT_ONCE}
        [told] = [message for message in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.subject == "You have a new notification in Braid")) if message.recipient == parent.email]
        assert "a contribution is added to a case you are on" in told.body
        db.session.remove()
    client = demo_app.test_client()
    sign_in(client, "parent@family.example", "braid-demo-2026")
    page = html.unescape(client.get("/notifications").get_data(as_text=True))
    assert "Dr Alan Brooks added a psychological assessment and advice to " in page
    assert "Notifications</span>" not in page and "braid-count" in page  # the header counts the unread
    again = demo_app.test_cli_runner().invoke(args=["demo", "load"])
    assert "0 notification(s) waiting" in again.output


def test_the_demo_parent_sees_who_has_seen_maya_and_the_dsl_has_withheld_one_opening(demo_app):
    """Jo Carter's summary of who has seen Maya's record lists several openings by role and organisation (the school
    names no one); the EP's download is withheld by the DSL, whose access history shows it withheld, with the reason."""
    from app.audit.family.models import FamilyVisibilityDecision
    from app.demo.family_view import WITHHELD_REASON

    with demo_app.app_context():
        decision = db.session.scalars(select(FamilyVisibilityDecision)).one()
        assert decision.withheld and decision.reason == WITHHELD_REASON
        learner_id = decision.learner_public_id
        db.session.remove()
    parent = demo_app.test_client()
    assert sign_in(parent, "parent@family.example", "braid-demo-2026").status_code == 302
    page = parent.get(f"/learners/{learner_id}/who-has-seen")
    assert page.status_code == 200
    body = html.unescape(page.get_data(as_text=True))
    assert "Who has seen Maya Carter’s record" in body
    assert body.count('class="govuk-table__row braid-opening"') >= 4
    assert "A speech and language therapist" in body and "Opened the support plan" in body
    assert "An educational psychologist" not in body and "Downloaded a copy" not in body  # withheld


def test_the_demo_shows_retention_a_legal_hold_a_register_entry_and_a_refused_erasure(demo_app):
    """Helen Marsh is Oakfield's DPO: Leo's records are under a legal hold (a fictional tribunal reference), the sweep
    erased a learner who left in 2008 (one register row, no name), Aisha's erasure request was refused under
    Article 17(3)(b), and the schedule holds one school edit."""
    from app.cases.learners.models import Learner
    from app.data_protection.retention.models import DestructionEntry, ErasureRequest, LegalHold, RetentionRule

    with demo_app.app_context():
        hold = db.session.scalars(select(LegalHold)).one()
        assert hold.learner.name == "Leo Nowak" and hold.in_force and "SE/26/00417" in hold.reference
        leo = hold.learner.public_id
        entries = db.session.scalars(select(DestructionEntry)).all()
        assert [(entry.record_class, entry.rule, entry.destroyed_by_id) for entry in entries] == \
            [("send_file", "SEND file: date of birth + 31 years", None)]
        assert not [learner for learner in db.session.scalars(select(Learner)) if learner.name == "Callum Reeves"]
        request = db.session.scalars(select(ErasureRequest)).one()
        assert request.learner.name == "Aisha Rahman" and request.ground.value == "17(3)(b)"
        assert request.outcome.value == "refused"
        assert len(db.session.scalars(select(RetentionRule)).all()) == 1
        assert db.session.scalars(select(User).where(User.email.matches("dpo@oakfield.example"))).one().is_dpo
        assert not db.session.scalars(select(User).where(User.email.matches("admin@oakfield.example"))).one().is_dpo
        db.session.remove()
    senco = demo_app.test_client()
    sign_in(senco, "senco@oakfield.example", "braid-demo-2026")
    assert "Legal hold" in text_of(senco.get(f"/learners/{leo}"))
def test_the_demo_dpo_keeps_the_register_of_subject_access_requests(demo_app):
    """Helen Marsh (an administrator, designated DPO) sees Maya Carter's open request (the demo's richest learner,
    identity checked, received 12 days ago), Aisha's educational-record request due within days, and Oliver's
    request completed last term; nobody else at Oakfield reaches the register."""
    from datetime import timedelta

    from app.core import dates
    from app.data_protection.requests.models import RequestKind, RequestStatus, SubjectAccessRequest

    with demo_app.app_context():
        dpo = db.session.scalars(select(User).where(User.email.matches("dpo@oakfield.example"))).one()
        assert dpo.is_dpo and dpo.display_name == "Helen Marsh"
        found = {item.learner.name: item for item in db.session.scalars(select(SubjectAccessRequest))}
        today = dates.today()
        maya, aisha, oliver = found["Maya Carter"], found["Aisha Rahman"], found["Oliver Bennett"]
        assert maya.status is RequestStatus.IDENTITY_CHECKED and maya.received_on == today - timedelta(days=12)
        assert maya.requester_name == "Jo Carter" and maya.kind is RequestKind.ARTICLE_15
        assert aisha.kind is RequestKind.EDUCATIONAL_RECORD and 1 <= (aisha.due_on - today).days <= 5
        assert oliver.status is RequestStatus.COMPLETED and oliver.completed_at.date() < today - timedelta(days=60)
        db.session.remove()
    client = demo_app.test_client()
    assert sign_in(client, "dpo@oakfield.example", "braid-demo-2026").status_code == 302
    page = html.unescape(client.get("/data-protection/requests").get_data(as_text=True))
    assert "Maya Carter" in page and "Aisha Rahman" in page and "Oliver Bennett" not in page
    assert re.search(r"Due (in \d days?|today)", page)
    closed = html.unescape(client.get("/data-protection/requests?show=closed").get_data(as_text=True))
    assert "Oliver Bennett" in closed and "Completed" in closed
    senco = demo_app.test_client()
    sign_in(senco, "senco@oakfield.example", "braid-demo-2026")
    assert senco.get("/data-protection/requests").status_code == 403
    # The DPO's home page leads to every part of the duty; the DSL's to the requests waiting for their decision.
    home = client.get("/").get_data(as_text=True)
    for link in ("/data-protection/requests", "/data-protection/retention", "/data-protection/record-of-processing"):
        assert f'href="{link}"' in home, link
    dsl = demo_app.test_client()
    sign_in(dsl, "dsl@oakfield.example", "braid-demo-2026")
    assert 'href="/data-protection/concern-releases"' in dsl.get("/").get_data(as_text=True)
    waiting = html.unescape(dsl.get("/data-protection/concern-releases").get_data(as_text=True))
    assert "Harry Thompson" in waiting and "0 of 1" in waiting  # his mother's request waits for the DSL's decision
    assert "/data-protection/concern-releases" not in senco.get("/").get_data(as_text=True)
def test_the_demo_shows_lawful_bases_and_consents(demo_app):
    """Every contribution has a lawful basis (its author's role default, one changed to a legal obligation); the EP
    shares Leo's case under his mother's consent; Oliver's father withdrew his, which ended the SLT's membership
    ("Consent withdrawn") and told the team."""
    from app.cases.consents.models import Consent
    from app.cases.contributions.models import Contribution
    from app.cases.lawful_basis.bases import Article6
    from app.cases.team.models import TeamMembership
    from app.notifications.models import Notification, NotificationKind

    with demo_app.app_context():
        contributions = db.session.scalars(select(Contribution)).all()
        assert all(c.lawful_basis is not None and c.special_category_condition is not None for c in contributions)
        assert [c.learner.name for c in contributions if c.lawful_basis is Article6.LEGAL_OBLIGATION] == [
            "Sofia Marques"]
        consents = {consent.learner.name: consent for consent in db.session.scalars(select(Consent))}
        assert consents["Leo Nowak"].is_live and not consents["Oliver Bennett"].is_live
        on_consent = db.session.scalars(select(TeamMembership).where(
            TeamMembership.consent_id == consents["Leo Nowak"].id)).one()
        assert on_consent.is_live() and on_consent.lawful_basis is Article6.CONSENT
        ended = db.session.scalars(select(TeamMembership).where(
            TeamMembership.consent_id == consents["Oliver Bennett"].id)).one()
        assert ended.ended_at is not None and ended.end_reason == "Consent withdrawn"
        told = {user.email for user in db.session.scalars(select(User).where(User.id.in_(select(
            Notification.recipient_id).where(Notification.kind == NotificationKind.CONSENT_WITHDRAWN))))}
        assert {"slt@riverside-slt.example", "dsl@oakfield.example", "teacher@oakfield.example"} <= told
        leo = consents["Leo Nowak"].learner.public_id
        db.session.remove()
    senco = demo_app.test_client()
    sign_in(senco, "senco@oakfield.example", "braid-demo-2026")
    page = text_of(senco.get(f"/learners/{leo}/consents"))
    assert "Anna Nowak (Mother)" in page and "Shared under: Consent (Article 6(1)(a))" in page
