"""Which kinds of notification a person can receive, by role (its stored value: this package imports no domain):
the settings page shows only those."""
from __future__ import annotations

from app.notifications.models import NotificationKind as K

_ALL_CASE_WORK = [K.ACTION_ASSIGNED, K.ACTION_DUE_TOMORROW, K.ACTION_OVERDUE, K.MEETING_AWAITING_SIGN_OFF,
                  K.REVIEW_DUE, K.CONTRIBUTION_ADDED]
_INVITING = [K.INVITATION_ACCEPTED, K.INVITATION_LAPSED]

KINDS_BY_ROLE = {
    "senco": [*_ALL_CASE_WORK, K.PROGRESS_REVIEW_TO_SIGN, *_INVITING],
    "dsl": [K.CONCERN_RECORDED, *_ALL_CASE_WORK, K.PROGRESS_REVIEW_TO_SIGN],
    "lsp": [*_ALL_CASE_WORK, K.PROGRESS_REVIEW_TO_SIGN],
    "teacher": [*_ALL_CASE_WORK, K.PROGRESS_REVIEW_TO_SIGN],
    "slt": [*_ALL_CASE_WORK, K.PROGRESS_REVIEW_TO_SIGN, K.ACCESS_ENDING],
    "ep": [*_ALL_CASE_WORK, K.PROGRESS_REVIEW_TO_SIGN, K.ACCESS_ENDING],
    "parent": [K.ACTION_ASSIGNED, K.ACTION_DUE_TOMORROW, K.ACTION_OVERDUE, K.REVIEW_DUE, K.CONTRIBUTION_ADDED,
               K.ACCESS_ENDING],
    "admin": [*_INVITING, K.ACCESS_ENDING],
}


def kinds_for(user) -> list[K]:
    """The kinds `user`'s role can receive, in the order of the enum (every kind for a role not listed)."""
    mine = KINDS_BY_ROLE.get(user.role.value)
    return [kind for kind in K if mine is None or kind in mine]
