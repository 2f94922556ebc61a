"""Who and what the trail's pages name, looked up through the domains: the audit package knows no domain.

Accounts, learners, teams and grants belong to the agencies and cases domains. Each registers, when the app
is created (app.models), the few lookups the trail needs and the labels of its roles, purposes and object
types; the trail itself stores only a type, a public id and an account id, and asks here for their names.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Directory:
    """The lookups a domain provides. Each takes plain ids and returns rows or objects, never loads per row."""

    # agencies: which models are people, and the school a person belongs to (None for other agencies)
    person_type: type | None = None
    school_of_person: Callable | None = None
    # agencies: {account id: (public id, name, agency name, restricted, access ends)} for a page's actors
    actors: Callable | None = None
    # agencies: a scalar subquery of the account id with a public id (a bound parameter), for filters
    account_id_query: Callable | None = None
    # agencies: the account with this public id, or None; the ids of a school's own accounts (a subquery)
    person: Callable | None = None
    school_accounts: Callable | None = None
    # agencies: the blind index an account's email address typed as `value` has (compared with `email_index`)
    email_index: Callable | None = None
    # agencies: (id, access_expires_at) of restricted accounts whose access ends, as a subquery
    expiring_accounts: Callable | None = None
    # cases: which model is a learner; a school's learners by public id; all of a school's learners
    learner_type: type | None = None
    learners: Callable | None = None
    school_learners: Callable | None = None
    # cases: the learners (not merged away) a filter may choose: the one with a public id, or those whose full name
    # or UPN is the text typed (found through blind indexes, so a page never opens every name of the school)
    choosable_learners: Callable | None = None
    # cases: a learner's public id and those of the records merged into it (its history holds all their events)
    merged_aliases: Callable | None = None
    # cases: the accounts a school's DSL may pick (its staff and its learners' teams), sorted by name
    people_to_choose: Callable | None = None
    # cases: break-glass grants of a school's learners by public id
    grants: Callable | None = None
    # cases: the account ids of a learner's family (every parent or carer ever on the case)
    family_of: Callable | None = None
    # cases: a select of the public ids of records that belong to a safeguarding concern without being one (files
    # attached to a concern): their openings are withheld from the family like the concern's own
    safeguarding_records: Callable | None = None
    # data protection: which of these public ids (of one school) name a learner since erased (the destruction
    # register): the trail keeps their events and names them by public id only
    erased_learners: Callable | None = None
    # Labels by kind: "object_type", "role", "purpose"; "family_object" (what a family is told was opened, "the
    # support plan"); "withheld_from_family" (object types every opening of which is withheld from the family's
    # view unless the DSL releases it, with the reason the DSL is shown: safeguarding records).
    labels: dict[str, dict[str, str]] = field(default_factory=lambda: {
        "object_type": {}, "role": {}, "purpose": {}, "family_object": {}, "withheld_from_family": {}})


lookup = Directory()


def provide(**lookups) -> None:
    """Register a domain's lookups (names as in Directory); an unknown name is a programming error."""
    for name, function in lookups.items():
        if name == "labels" or not hasattr(lookup, name):
            raise TypeError(f"the audit directory has no lookup called {name!r}")
        setattr(lookup, name, function)


def label(kind: str, labels: dict[str, str]) -> None:
    """Register labels of one kind (see Directory.labels) by their stored code."""
    lookup.labels[kind].update(labels)


def labelled(kind: str, code: str | None) -> str | None:
    return lookup.labels[kind].get(code) if code else None


def learner_of(thing):
    """The learner a record belongs to, following the record's own links; None for accounts."""
    learner_type = lookup.learner_type
    if learner_type is None and thing is not None:
        # Never a silent gap in the trail: an event must name its learner, so the cases domain must have registered.
        raise LookupError("the audit directory has no learner type: app.models registers it when the app is created")
    seen = 0
    while thing is not None and seen < 4:
        if learner_type is not None and isinstance(thing, learner_type):
            return thing
        thing = getattr(thing, "learner", None) or getattr(thing, "meeting", None) or getattr(thing, "cycle", None)
        seen += 1
    return None


def school_of(person) -> int | None:
    """The school of an account (the trail a person-only event belongs to), or None."""
    if person is None:
        return None
    if lookup.school_of_person is None:
        raise LookupError("the audit directory cannot name a person's school: app.models registers it")
    return lookup.school_of_person(person)


def is_person(thing) -> bool:
    return lookup.person_type is not None and isinstance(thing, lookup.person_type)
