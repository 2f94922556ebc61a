"""THE authorization rules: every view, query and template asks here, and the answer fails closed."""
from __future__ import annotations

import enum

from flask import abort
from sqlalchemy import Select, select

from app.agencies.models import Role, User
from app.extensions import db


class Action(enum.Enum):
    VIEW_HOME = "view_home"
    CHANGE_OWN_PASSWORD = "change_own_password"
    LIST_ACCOUNTS = "list_accounts"
    CREATE_ACCOUNT = "create_account"
    VIEW_ACCOUNT = "view_account"
    DEACTIVATE_ACCOUNT = "deactivate_account"
    REACTIVATE_ACCOUNT = "reactivate_account"
    RESET_ACCOUNT_PASSWORD = "reset_account_password"
    LIST_LEARNERS = "list_learners"
    FIND_LEARNER = "find_learner"
    REGISTER_LEARNER = "register_learner"
    VIEW_LEARNER = "view_learner"


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _is_agency_admin(user) -> bool:
    return user.role is Role.ADMIN and not user.restricted


def _same_agency(user, other: User) -> bool:
    return other is not None and other.agency_id == user.agency_id


def _can_manage_account(user, account: User | None) -> bool:
    return _is_agency_admin(user) and _same_agency(user, account)


def _is_school_senco(user) -> bool:
    # Restricted accounts never search or list: they see only what they were invited to.
    return user.role is Role.SENCO and not user.restricted


def _senco_of(user, learner) -> bool:
    return _is_school_senco(user) and learner is not None and learner.school_id == user.agency_id


# Each rule takes (user, thing) and is only reached for a signed-in, active user.
_RULES = {
    Action.VIEW_HOME: lambda user, thing: True,
    Action.CHANGE_OWN_PASSWORD: lambda user, thing: True,
    Action.LIST_ACCOUNTS: lambda user, thing: _is_agency_admin(user),
    Action.CREATE_ACCOUNT: lambda user, thing: _is_agency_admin(user),
    Action.VIEW_ACCOUNT: _can_manage_account,
    Action.RESET_ACCOUNT_PASSWORD: _can_manage_account,
    # An admin cannot lock themselves out of their own agency.
    Action.DEACTIVATE_ACCOUNT: lambda user, thing: _can_manage_account(user, thing)
    and thing.id != user.id
    and thing.active,
    Action.REACTIVATE_ACCOUNT: lambda user, thing: _can_manage_account(user, thing) and not thing.active,
    # Until teams arrive, a learner is the business of their school's SENCo alone.
    Action.LIST_LEARNERS: lambda user, thing: _is_school_senco(user),
    Action.FIND_LEARNER: lambda user, thing: _is_school_senco(user),
    Action.REGISTER_LEARNER: lambda user, thing: _is_school_senco(user),
    Action.VIEW_LEARNER: _senco_of,
}


def can(user, action: Action, thing=None) -> bool:
    """May `user` do `action` (to `thing`)? Unknown actions and anonymous users get no."""
    if not _signed_in(user):
        return False
    rule = _RULES.get(action)
    if rule is None:
        return False
    return bool(rule(user, thing))


def require(user, action: Action, thing=None) -> None:
    """:raise 403: when `user` may not do `action`."""
    if not can(user, action, thing):
        abort(403)


def visible_accounts(user) -> Select:
    """The accounts `user` may see as an administrator: their own agency's, nobody else's."""
    query = select(User).order_by(User.display_name, User.id)
    if not _signed_in(user) or not _is_agency_admin(user):
        return query.where(False)
    return query.where(User.agency_id == user.agency_id)


def line_reports(user) -> Select:
    """The active people `user` line manages: names and roles only, for their own home page."""
    query = select(User).order_by(User.display_name, User.id)
    if not _signed_in(user):
        return query.where(False)
    return query.where(User.line_manager_id == user.id, User.active.is_(True))


def visible_learners(user) -> Select:
    """The learners `user` may see: for now, a SENCo's own school's."""
    from app.cases.models import Learner

    query = select(Learner).order_by(Learner.year_group, Learner.id)
    if not _signed_in(user) or not _is_school_senco(user):
        return query.where(False)
    return query.where(Learner.school_id == user.agency_id)


def _scopes():
    from app.cases.models import Learner

    return {User: (visible_accounts, Action.VIEW_ACCOUNT), Learner: (visible_learners, Action.VIEW_LEARNER)}


def get_or_404(model, public_id: str, user, action: Action):
    """Load `model` by public id through the user's scope, then check `action`.

    :raise 404: when the object does not exist or is outside the user's sight.
    :raise 403: when the user can see it but may not do `action`.
    """
    scope, view_action = _scopes().get(model, (None, None))
    if scope is None or not isinstance(public_id, str) or len(public_id) > 64:
        abort(404)
    thing = db.session.scalars(scope(user).where(model.public_id == public_id)).first()
    if thing is None or not can(user, view_action, thing):
        abort(404)
    require(user, action, thing)
    return thing
