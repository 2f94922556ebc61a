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


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _is_agency_admin(user) -> bool:
    return user.role is Role.ADMIN and not user.restricted


def _same_agency(user, other: User) -> bool:
    return other is not None and other.agency_id == user.agency_id


def _can_manage_account(user, account: User | None) -> bool:
    return _is_agency_admin(user) and _same_agency(user, account)


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


_SCOPES = {User: visible_accounts}
_VIEW_ACTIONS = {User: Action.VIEW_ACCOUNT}


def get_or_404(model, public_id: str, user, action: Action):
    """Load `model` by public id through the user's scope, then check `action`.

    :raise 404: when the object does not exist or is outside the user's sight.
    :raise 403: when the user can see it but may not do `action`.
    """
    scope = _SCOPES.get(model)
    if scope is None or not isinstance(public_id, str) or len(public_id) > 64:
        abort(404)
    thing = db.session.scalars(scope(user).where(model.public_id == public_id)).first()
    if thing is None or not can(user, _VIEW_ACTIONS[model], thing):
        abort(404)
    require(user, action, thing)
    return thing
