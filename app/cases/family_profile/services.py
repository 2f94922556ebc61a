"""The family profile: drafted from the plan in plain English, edited by the SENCo with the family, shared with it.

The draft reads only the plan (its views, aspirations and needs, outcomes and provision) and the team: never a
contribution, so nothing written for staff only or restricted can reach the family through it.
"""
from __future__ import annotations

from sqlalchemy import select

from app.agencies.accounts.models import Role, User
from app.audit.changes import fields_changed, values_of
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.family_profile.models import SECTIONS, FamilyProfile
from app.cases.learners.models import Learner
from app.cases.plans.on_a_page import team_on
from app.cases.plans.services import current_cycle, plan_of
from app.cases.printing import builders
from app.core import dates, writing
from app.core.conflicts import EditConflict, check_version
from app.core.downloads import safe_filename
from app.core.rich_blocks import plain
from app.extensions import db
from app.policy import Action, require
from app.types import utcnow

FIELDS = tuple(name for name, _ in SECTIONS)
_STORED = (*FIELDS, "published_at")


def profile_of(learner: Learner) -> FamilyProfile | None:
    return db.session.scalars(select(FamilyProfile).where(FamilyProfile.learner_id == learner.id)).first()


def headings(learner: Learner) -> dict[str, str]:
    return {name: heading.format(name=learner.known_as) for name, heading in SECTIONS}


def _sentence(text: str) -> str:
    return " ".join(text.split()).rstrip(".")  # one line, its own capitals kept (names)


def draft_from_plan(actor: User, learner: Learner) -> dict[str, str]:
    """The four sections in plain English from the learner's current plan cycle and team, for the SENCo to edit.

    :raise 403/404 (through the policy): for anyone but the learner's SENCo.
    """
    require(actor, Action.EDIT_FAMILY_PROFILE, learner)
    name = learner.known_as
    cycle = current_cycle(plan_of(learner))
    views = plain(writing.shown(cycle, "learner_views")) if cycle and cycle.learner_views else ""
    good_at = [f"{name} told us: {views}"] if views else []
    if cycle and cycle.aspirations:
        good_at.append(f"Hopes for the future: {plain(writing.shown(cycle, 'aspirations'))}")
    good_at.append(f"(Ask {name} and the family what {name} enjoys and does well, and write it here.)")
    needs = [area.label for area in learner.areas_of_need or []]
    working_on = [f"We are supporting {name} with: {', '.join(needs).lower()}."] if needs else []
    working_on += [f"We are working on: {_sentence(outcome.description)}, by {dates.long_day(outcome.target_on)}."
                   for outcome in (cycle.outcomes if cycle else [])]
    helps = [f"{_sentence(provision.description)} ({provision.delivered_by}, {provision.frequency.lower()})."
             for provision in (cycle.provisions if cycle else [])]
    contacts = [f"{actor.display_name}, SENCo"]
    if cycle is not None:  # the team's adults, the family itself apart
        contacts += [f"{person}, {role}" for person, role in team_on(actor, cycle, utcnow())
                     if role != Role.PARENT.label and person != actor.display_name]
    return {"good_at": "\n\n".join(good_at), "what_helps": "\n".join(helps), "working_on": "\n".join(working_on),
            "who_to_talk_to": "\n".join(contacts)}


def save_family_profile(actor: User, learner: Learner, *, version, shared: bool, **sections) -> FamilyProfile:
    """Create or change the learner's profile; `shared` publishes it to the family (or takes it back).

    :raise EditConflict: when the profile changed (or was first saved by someone else) since `version` was loaded.
    :raise 403/404 (through the policy): for anyone but the learner's SENCo.
    """
    require(actor, Action.EDIT_FAMILY_PROFILE, learner)
    profile = profile_of(learner)
    if profile is None:
        if str(version or "0") != "0":
            raise EditConflict()
        profile = FamilyProfile(learner_id=learner.id)
        db.session.add(profile)
        before = dict.fromkeys(_STORED)
        action = AuditAction.CREATE
    else:
        check_version(profile, version)
        before = values_of(profile, _STORED)
        action = AuditAction.UPDATE
    for name in FIELDS:
        setattr(profile, name, (sections.get(name) or "").strip() or None)
    if not shared:
        profile.published_at = None
    elif profile.published_at is None:
        profile.published_at = utcnow()
    profile.updated_at, profile.updated_by_id = utcnow(), actor.id
    db.session.flush()
    record(actor, action, profile, fields=fields_changed(profile, before))
    return profile


def export_family_profile(actor: User, profile: FamilyProfile) -> tuple[str, bytes]:
    """(file name, PDF) of the profile, its export audited (flushes; the view commits before it leaves)."""
    require(actor, Action.EXPORT_CASE_DOCUMENT, profile)
    sections = [(heading, getattr(profile, name)) for name, heading in headings(profile.learner).items()]
    content = builders().family_profile_pdf(profile.learner.known_as, sections, made_on=dates.long_day(dates.today()))
    record(actor, AuditAction.EXPORT, profile, fields=list(FIELDS))
    return safe_filename("family-profile", profile.public_id, extension="pdf"), content
