"""What a notification can be about: each domain registers, per subject type, how to load one by public id and
which policy action decides who may see it. The notifications page asks again when it shows a notification, so
a person who has since lost sight of the thing (left the team, access ended) is not shown it."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.policy import Action, shows


@dataclass(frozen=True)
class Subject:
    type: str
    model: type  # has a `public_id` column
    action: Action
    options: tuple = ()  # loader options for what the policy reads of one (e.g. an action's meeting)

    def load(self, public_id: str):
        return db.session.scalar(select(self.model).where(self.model.public_id == public_id).options(*self.options))

    def load_many(self, public_ids: Iterable[str]) -> dict[str, object]:
        """{public id: thing} in one query, however many a page shows."""
        query = select(self.model).where(self.model.public_id.in_(set(public_ids))).options(*self.options)
        return {thing.public_id: thing for thing in db.session.scalars(query)}


_SUBJECTS: dict[str, Subject] = {}


def register_subject(subject_type: str, *, model: type, action: Action, options: tuple = ()) -> None:
    """Register `subject_type` (`model`'s __tablename__): a thing is found by its public id."""
    _SUBJECTS[subject_type] = Subject(subject_type, model, action, tuple(options))


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


def visible_subjects(user, rows) -> set[tuple[str, str]]:
    """Of `rows` (each with `subject_type` and `subject_public_id`), the subjects `user` may still see, as
    (type, public id): `still_visible` for a whole page, loading each type's things in one query."""
    wanted: dict[str, set[str]] = {}
    for row in rows:
        wanted.setdefault(row.subject_type, set()).add(row.subject_public_id)
    visible = set()
    for subject_type, public_ids in wanted.items():
        subject = _SUBJECTS.get(subject_type)
        if subject is None:
            continue
        for public_id, thing in subject.load_many(public_ids).items():
            if shows(user, subject.action, thing):
                visible.add((subject_type, public_id))
    return visible
