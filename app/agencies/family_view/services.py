"""The school's family-view settings: whether families see staff names. The change is audited; flushes only."""
from __future__ import annotations

from app.agencies.accounts.models import Agency
from app.audit.events import record
from app.audit.models import AuditAction
from app.extensions import db
from app.policy import Action, require


def school_of(actor) -> Agency:
    """:raise 403: for anyone but the SENCo or administrator of a school."""
    require(actor, Action.MANAGE_FAMILY_VIEW_SETTINGS)
    return db.session.get(Agency, actor.agency_id)


def set_staff_names_shown(actor, show: bool) -> Agency:
    school = school_of(actor)
    if school.show_staff_names_to_family != show:
        school.show_staff_names_to_family = show
        db.session.flush()
        record(actor, AuditAction.UPDATE, school, fields=["show_staff_names_to_family"])
    return school
