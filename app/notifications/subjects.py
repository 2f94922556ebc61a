"""What a notification can be about: each domain registers, per subject type, how to load one by public id and
which policy action decides who may see it. The notifications page asks again when it shows a notification, so
a person who has since lost sight of the thing (left the team, access ended) is not shown it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.policy import Action, shows


@dataclass(frozen=True)
class Subject:
    type: str
    load: Callable[[str], object | None]
    action: Action


_SUBJECTS: dict[str, Subject] = {}


def register_subject(subject_type: str, *, load: Callable[[str], object | None], action: Action) -> None:
    """Register `subject_type` (a model's __tablename__): `load(public_id)` gives the thing or None."""
    _SUBJECTS[subject_type] = Subject(subject_type, load, action)


def registered(subject_type: str) -> Subject | None:
    return _SUBJECTS.get(subject_type)


def still_visible(user, subject_type: str, public_id: str) -> bool:
    """May `user` still see the thing? Fails closed: an unregistered type or a thing gone is not visible.
    Asked per row of a page whose view has made its own decision, so it is not noted as one (`shows`)."""
    subject = _SUBJECTS.get(subject_type)
    if subject is None:
        return False
    thing = subject.load(public_id)
    return thing is not None and shows(user, subject.action, thing)
