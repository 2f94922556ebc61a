"""Misfiled work put right: Oakfield's class teacher withdrew a classroom view she had written on the wrong child's
record (and wrote it again on the right one); the SENCo moved an intervention record the LSP had filed against the
wrong learner, and the LSP was told by email. Everything goes through the real services."""
from __future__ import annotations

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.contributions.misfiled import move_contribution, withdraw_contribution
from app.cases.contributions.models import Contribution, ContributionKind, ContributionMove, Visibility
from app.cases.learners.services import find_by_upn
from app.demo.contributions import add_demo_contribution
from app.extensions import db

NOAH_UPN, JACOB_UPN = "K801200008050", "Q801200014080"  # withdrawn from Noah's case, written again on Jacob's
ISLA_UPN, GRACE_UPN = "C801200011065", "M801200013075"  # moved from Isla's case to Grace's

CLASSROOM_VIEW = ("Classroom view: settling after lunch",
                  "Jacob finds the move back into class after lunch hard. With a five-minute sand timer and a "
                  "job to do (handing out the reading books) he settles within ten minutes.")
WITHDRAWN_REASON = ("Written on Noah's record by mistake: it is about Jacob. I have added it again on his case.")
INTERVENTION = ("Phonics catch-up, week 4",
                "Four sessions this week. Blends 'st' and 'tr' now secure; still mixing 'ai' and 'ay' in "
                "writing. Reading a decodable book with two prompts a page.")
MOVE_REASON = "Filed against Isla by mistake from the group register: this record is Grace's phonics group."


def _account(email: str) -> User:
    return db.session.scalars(select(User).where(User.email.matches(email))).one()


def load_demo_misfiled() -> int:
    """Withdraw one contribution and move another, once; returns how many were put right."""
    senco, lsp, teacher = (_account(f"{role}@oakfield.example") for role in ("senco", "lsp", "teacher"))
    noah, jacob, isla, grace = (find_by_upn(senco, upn) for upn in (NOAH_UPN, JACOB_UPN, ISLA_UPN, GRACE_UPN))
    if None in (noah, jacob, isla, grace):
        return 0
    done = 0
    if db.session.scalars(select(Contribution).where(Contribution.withdrawn_at.is_not(None))).first() is None:
        misfiled = add_demo_contribution(teacher, noah, ContributionKind.CLASSROOM_VIEW, Visibility.TEAM,
                                         *CLASSROOM_VIEW)
        withdraw_contribution(teacher, misfiled, version=misfiled.version, reason=WITHDRAWN_REASON)
        add_demo_contribution(teacher, jacob, ContributionKind.CLASSROOM_VIEW, Visibility.TEAM, *CLASSROOM_VIEW)
        done += 1
    if db.session.scalars(select(ContributionMove)).first() is None:
        misfiled = add_demo_contribution(lsp, isla, ContributionKind.INTERVENTION_RECORD, Visibility.TEAM,
                                         *INTERVENTION)
        move_contribution(senco, misfiled, version=misfiled.version, to_learner_public_id=grace.public_id,
                          reason=MOVE_REASON)
        done += 1
    db.session.flush()
    return done
