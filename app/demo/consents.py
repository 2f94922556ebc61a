"""Demo lawful bases and consents: one classroom view moved to a legal obligation (advice the law requires for an
EHC needs assessment), the EP on Leo's case shared under his mother's written consent, and the SLT's sharing of
Oliver's case stopped when his father withdrew consent at a review meeting (the team told)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.consents.models import Consent
from app.cases.consents.services import record_consent, withdraw_consent
from app.cases.contributions.models import Contribution, ContributionKind
from app.cases.contributions.services import edit_contribution
from app.cases.lawful_basis.bases import Article6, Article9
from app.cases.learners.services import find_by_upn
from app.cases.team.models import TeamMembership
from app.core.dates import today as school_today
from app.extensions import db

LEO_UPN, OLIVER_UPN, SOFIA_UPN = "F801200002020", "Q801200004030", "X801200005035"
LEGAL_OBLIGATION_NOTE = (
    "\n\nThis view is also the school's advice for the local authority's EHC needs assessment, which the school "
    "must give (SEND Regulations 2014, regulation 6): its lawful basis is a legal obligation.")


def _account(email: str) -> User:
    return db.session.scalars(select(User).where(User.email.matches(email))).one()


def _membership(learner, user) -> TeamMembership:
    return db.session.scalars(select(TeamMembership).where(
        TeamMembership.learner_id == learner.id, TeamMembership.user_id == user.id,
        TeamMembership.ended_at.is_(None))).one()


def load_demo_consents() -> int:
    """Once: returns how many consents were recorded (0 when they are there already). Flushes only."""
    senco, teacher = _account("senco@oakfield.example"), _account("teacher@oakfield.example")
    slt, ep = _account("slt@riverside-slt.example"), _account("ep@county-eps.example")
    leo, oliver, sofia = (find_by_upn(senco, upn) for upn in (LEO_UPN, OLIVER_UPN, SOFIA_UPN))
    if None in (leo, oliver, sofia) or db.session.scalar(
            select(Consent.id).where(Consent.learner_id == leo.id).limit(1)) is not None:
        return 0
    today = school_today()

    # The classroom view that is also advice for an EHC needs assessment: a legal obligation, with the reason.
    view = db.session.scalars(select(Contribution).where(
        Contribution.learner_id == sofia.id, Contribution.kind == ContributionKind.CLASSROOM_VIEW)).first()
    if view is not None:
        edit_contribution(teacher, view, version=view.version, visibility=view.visibility.value, title=view.title,
                          body=view.body + LEGAL_OBLIGATION_NOTE, article6=Article6.LEGAL_OBLIGATION.value,
                          article9=Article9.STATUTORY_PURPOSES.value)

    # Leo's EP shares his case under his mother's written consent.
    leo_consent = record_consent(senco, leo, purpose="sharing", agency_public_id=ep.agency.public_id,
                                 recipient_name=ep.display_name, given_on=today - timedelta(days=40),
                                 method="in_writing", given_by_name="Anna Nowak", giver_relationship="Mother")
    membership = _membership(leo, ep)
    membership.lawful_basis, membership.special_category_condition = Article6.CONSENT, Article9.EXPLICIT_CONSENT
    membership.consent_id = leo_consent.id

    # Oliver's father consented to the SLT service seeing Oliver's case, then withdrew it at the review meeting.
    oliver_consent = record_consent(senco, oliver, purpose="sharing", agency_public_id=slt.agency.public_id,
                                    given_on=today - timedelta(days=90), method="verbally_at_meeting",
                                    given_by_name="Tom Bennett", giver_relationship="Father")
    membership = _membership(oliver, slt)
    membership.lawful_basis, membership.special_category_condition = Article6.CONSENT, Article9.EXPLICIT_CONSENT
    membership.consent_id = oliver_consent.id
    db.session.flush()
    withdraw_consent(senco, oliver_consent, method="verbally_at_meeting",
                     reason="Oliver now sees the NHS therapist at the clinic; his father would rather the school "
                            "shared nothing more with the service.")
    return 2
