"""Who is told when a consent is withdrawn: the SENCo, the DSL and the team (of the case), and each outside
professional whose access ended (of that alone: they can no longer open the case)."""
from __future__ import annotations

from app.agencies.accounts.models import User
from app.cases.consents.models import Consent
from app.cases.learners.models import Learner
from app.cases.notifications import people_on_case, school_dsls
from app.notifications.models import NotificationKind
from app.notifications.services import notify, path_for
from app.notifications.subjects import register_subject
from app.policy import Action


def register() -> None:
    # The SENCo, the DSL and the family are told on the consent page; the rest of the team on the case's team page.
    register_subject("consent", model=Consent, action=Action.VIEW_CONSENTS)
    register_subject("learner", model=Learner, action=Action.VIEW_CASE)


def consent_withdrawn(actor: User, consent) -> None:
    """The SENCo, the DSL and the team: the sharing has stopped."""
    learner = consent.learner
    summary = (f"Consent to share {learner.known_as}’s case with {consent.recipient} was withdrawn: sharing that "
               "rested on it has stopped")
    everyone = people_on_case(learner) + school_dsls(learner)
    dedupe = f"consent_withdrawn:{consent.public_id}"  # one notification each, by whichever page reaches them
    notify(NotificationKind.CONSENT_WITHDRAWN, subject=consent, action=Action.VIEW_CONSENTS, recipients=everyone,
           learner=learner, actor=actor, summary=summary,
           path=path_for("cases.consent_list", public_id=learner.public_id), dedupe=dedupe)
    notify(NotificationKind.CONSENT_WITHDRAWN, subject=learner, action=Action.VIEW_CASE, recipients=everyone,
           learner=learner, actor=actor, summary=summary,
           path=path_for("cases.team", public_id=learner.public_id), dedupe=dedupe)


def access_withdrawn(actor: User, consent, memberships) -> None:
    """Each outside professional losing access: told before the membership ends (an account whose access has
    ended is told nothing, and this may be their last case)."""
    for membership in memberships:
        # Their own account is the subject: they may no longer see the case, and the summary names no child.
        notify(NotificationKind.CONSENT_WITHDRAWN, subject=membership.user, action=Action.VIEW_HOME,
               recipients=[membership.user], actor=actor,
               summary="Consent to share a learner's case with you was withdrawn: you no longer have access to it",
               path=path_for("home.index"), dedupe=f"consent_withdrawn:{consent.public_id}:{membership.public_id}")


register()
