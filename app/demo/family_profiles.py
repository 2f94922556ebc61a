"""Maya's one-page profile: drafted from her plan by Oakfield's SENCo, rewritten with Maya and her mum, and shared
with the family (Jo Carter reads it from her home page and downloads it as a PDF)."""
from __future__ import annotations

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.family_profile.services import draft_from_plan, profile_of, save_family_profile
from app.cases.learners.services import find_by_upn
from app.extensions import db

MAYA_UPN = "C801200001015"


def load_demo_family_profiles() -> int:
    """Write and share Maya's profile through the real services; returns how many profiles were written."""
    senco = db.session.scalars(select(User).where(User.email.matches("senco@oakfield.example"))).one()
    maya = find_by_upn(senco, MAYA_UPN)
    if maya is None or profile_of(maya) is not None:
        return 0
    draft = draft_from_plan(senco, maya)
    save_family_profile(
        senco, maya, version=0, shared=True,
        good_at="Maya is kind and chatty, and she knows a lot about animals: ask her about rabbits!\n\n"
                "She loves drawing, and she is proud of the pictures she makes for the class display.",
        what_helps="Short instructions, one step at a time, with a picture to show what to do next.\n"
                   "Time to answer: count to five in your head before you ask again.\n"
                   "Practising her speech sounds with games, in a small group with Mr Fletcher.",
        working_on=draft["working_on"] or "We are working on saying the /k/ and /g/ sounds clearly.",
        who_to_talk_to=draft["who_to_talk_to"],
    )
    return 1
