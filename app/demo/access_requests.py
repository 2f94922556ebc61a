"""The data protection officer and the register of subject access requests: Oakfield's business manager is
designated DPO by the administrator; Maya Carter's parent has asked to see Maya's records (open, identity checked),
a solicitor's request about Oliver Bennett was answered last term, and Aisha Rahman's mother's request to see
her educational record is due in a couple of days."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.agencies.calendar.services import SchoolDays
from app.cases.learners.services import find_by_upn
from app.core import dates
from app.data_protection.officers.services import set_designation
from app.data_protection.requests import deadlines
from app.data_protection.requests import services as requests
from app.data_protection.requests.models import SubjectAccessRequest
from app.extensions import db

DPO_EMAIL = "dpo@oakfield.example"
MAYA_UPN, OLIVER_UPN, AISHA_UPN = "C801200001015", "Q801200004030", "M801200003025"
HARRY_UPN = "W801200010060"  # a learner with a safeguarding concern: the DSL decides before the bundle goes


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email.matches(email))).one()


def _at(day: date, hour: int) -> datetime:
    """`hour` o'clock on `day` at the school, in UTC."""
    return datetime.combine(day, time(hour), tzinfo=dates.school_zone()).astimezone(UTC)


def _educational_record_received(school_id: int, today: date) -> date:
    """A day of receipt whose 15 school days end two days from now (or as near after it as the calendar allows)."""
    is_school_day = SchoolDays(school_id).is_school_day
    best = None
    for back in range(15, 60):
        received = today - timedelta(days=back)
        left = (deadlines.educational_record_due(received, is_school_day) - today).days
        if 1 <= left <= 5 and (best is None or abs(left - 2) < abs(best[1] - 2)):
            best = (received, left)
    return best[0] if best else today - timedelta(days=19)


def load_demo_access_requests() -> int:
    """Designate the DPO and register the demo's requests through the real services, once; returns how many
    requests were registered."""
    admin, dpo, senco = _user("admin@oakfield.example"), _user(DPO_EMAIL), _user("senco@oakfield.example")
    if not dpo.is_dpo:
        set_designation(admin, dpo, True)
    if db.session.scalar(select(SubjectAccessRequest.id).where(SubjectAccessRequest.agency_id == dpo.agency_id)
                         .limit(1)) is not None:
        return 0
    today = dates.today()
    maya, oliver, aisha = (find_by_upn(senco, upn) for upn in (MAYA_UPN, OLIVER_UPN, AISHA_UPN))

    # Open: Maya's parent asks for everything the school holds about Maya (received 12 days ago, identity checked).
    received = today - timedelta(days=12)
    open_request = requests.register_request(
        dpo, learner=maya, kind="article_15", requester_name="Jo Carter", relationship="parent",
        entitlement="Maya's parent, with parental responsibility (named on the birth certificate); on Maya's "
                    "team in Braid. Asked by email to the school office for \"everything you hold on Maya\".",
        received_on=received)
    requests.record_identity_check(dpo, open_request, version=open_request.version,
                                   confirmed_on=received + timedelta(days=1),
                                   note="Known to the school: Jo Carter came to the office and confirmed the "
                                        "request in person; matches the contact details on the MIS.",
                                   clock_waited=False)
    open_request.registered_at = _at(received, 10)
    open_request.identity_checked_at = _at(received + timedelta(days=1), 9)

    # Completed last term: a solicitor acting for Oliver's father.
    received = today - timedelta(days=170)
    done = requests.register_request(
        dpo, learner=oliver, kind="article_15", requester_name="Hollis & Reed Solicitors (Ms A. Reed)",
        relationship="representative",
        entitlement="Acting for Mr Mark Bennett, Oliver's father (parental responsibility), with his signed "
                    "authority dated the week before.",
        received_on=received)
    requests.record_identity_check(dpo, done, version=done.version, confirmed_on=received + timedelta(days=3),
                                   note="Signed authority and a copy of Mr Bennett's passport received by post; "
                                        "the firm confirmed by phone on its published number.",
                                   clock_waited=True)
    answered = done.due_on - timedelta(days=4)
    requests.close_request(dpo, done, version=done.version, outcome="complete")
    done.registered_at = _at(received, 11)
    done.identity_checked_at = _at(received + timedelta(days=3), 14)
    done.completed_at = done.closed_at = _at(answered, 15)

    # Due in a couple of days: Aisha's mother asks to see her educational record (15 school days).
    received = _educational_record_received(aisha.school_id, today)
    soon = requests.register_request(
        dpo, learner=aisha, kind="educational_record", requester_name="Farah Rahman", relationship="parent",
        entitlement="Aisha's mother, with parental responsibility; asked at parents' evening, confirmed in writing.",
        received_on=received)
    soon.registered_at = _at(received, 16)

    # Waiting for the DSL: Harry's mother asks for his file; he has a safeguarding concern, so the DSL decides whether
    # it may be released to her before the DPO builds the bundle.
    harry = find_by_upn(senco, HARRY_UPN)
    received = today - timedelta(days=5)
    waiting = requests.register_request(
        dpo, learner=harry, kind="article_15", requester_name="Kerry Thompson", relationship="parent",
        entitlement="Harry's mother, with parental responsibility; asked in a letter handed in at the office.",
        received_on=received)
    requests.record_identity_check(dpo, waiting, version=waiting.version, confirmed_on=received,
                                   note="Known to the office staff; signed the letter in front of them.",
                                   clock_waited=False)
    waiting.registered_at = _at(received, 9)
    waiting.identity_checked_at = _at(received, 9)
    db.session.flush()
    return 4
