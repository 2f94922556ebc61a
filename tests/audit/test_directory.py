"""What the domains register so that the trail can name their records (app.audit.directory): all of it, or a
loud failure, never an event silently missing its learner."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import Role
from app.audit import directory
from app.audit.review.services import object_type_label, purpose_label, role_label
from app.cases.learners.models import Learner
from app.cpd.export.models import ExportPurpose
from app.extensions import db


def test_every_lookup_is_registered_when_the_app_is_created(app):
    missing = [f.name for f in dataclasses.fields(directory.Directory)
               if f.name != "labels" and getattr(directory.lookup, f.name) is None]
    assert missing == []


def test_the_domains_label_their_roles_purposes_and_records(app):
    assert {role_label(role.value) for role in Role} == {role.label for role in Role}
    assert purpose_label(ExportPurpose.OWN_RECORDS.value) == "CPD record export: my own records"
    assert object_type_label("learner") == "Learner's record"
    assert object_type_label("cpd_goal") == "CPD development goal"
    assert object_type_label("audit_export") == "Audit trail export"  # the trail's own
    assert role_label("no-such-role") == "Unknown role"


def test_a_record_names_its_learner_through_its_links(app, create_case):
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == create_case())).one()

        class Outcome:  # a record two links away, as an outcome is (outcome → cycle → learner)
            cycle = type("Cycle", (), {"learner": learner})()

        assert directory.learner_of(learner) is learner
        assert directory.learner_of(Outcome()) is learner
        assert directory.learner_of(None) is None


def test_without_the_cases_registration_an_event_fails_loudly(app):
    registered = directory.lookup.learner_type
    directory.lookup.learner_type = None
    try:
        with pytest.raises(LookupError, match="no learner type"):
            directory.learner_of(object())
        assert directory.learner_of(None) is None
    finally:
        directory.lookup.learner_type = registered


def test_an_unknown_lookup_is_a_programming_error():
    with pytest.raises(TypeError, match="no lookup called 'learner_names'"):
        directory.provide(learner_names=lambda ids: {})
