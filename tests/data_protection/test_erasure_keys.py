"""Erasure and the key store: a learner's key goes only when the transaction deleting their rows commits (a rolled
back erasure leaves both, readable), and the retention sweep destroys the keys of learners the database no longer
holds (a key store that failed just after a commit), never the key of a learner still being registered."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from app.cases.learners.models import Learner
from app.data_protection.retention.services import erase_learner
from app.data_protection.retention.sweeping import learners_still_held, sweep_every_school
from app.extensions import db
from app.security.learner_keys import destroy_orphan_keys, key_store, learner_data_key
from tests.fixtures.learners import make_learner, school_id

pytestmark = pytest.mark.both_backends


def _keyed() -> set[str]:
    with key_store().engine.connect() as connection:
        return set(connection.execute(select(learner_data_key.c.learner_public_id)).scalars())


def _age_keys(days: int) -> None:
    with key_store().engine.begin() as connection:
        connection.execute(update(learner_data_key).values(created_at=datetime.now(UTC) - timedelta(days=days)))


def test_an_erasure_rolled_back_keeps_the_key_and_a_committed_one_destroys_it(app):
    with app.app_context():
        school = school_id()
        first, second = make_learner(school, 1), make_learner(school, 2)
        db.session.commit()
        first_id, second_id = first.public_id, second.public_id

        erase_learner(first, by=None, reason="Erasure request (Article 17)")
        assert first_id in _keyed()  # not before the commit
        db.session.rollback()
        assert first_id in _keyed()
        db.session.expunge_all()
        kept = db.session.scalars(select(Learner).where(Learner.public_id == first_id)).one()
        assert kept.name == "Learner Number1"  # rows and key together: still readable

        erase_learner(kept, by=None, reason="Erasure request (Article 17)")
        db.session.commit()
        assert _keyed() == {second_id}


def test_the_sweep_destroys_keys_of_learners_no_longer_held_once_a_day_old(app):
    with app.app_context():
        school = school_id()
        gone, staying = make_learner(school, 1), make_learner(school, 2)
        db.session.commit()
        gone_id, staying_id = gone.public_id, staying.public_id
        # The rows went, but the key store failed just after the commit: the key is left behind.
        db.session.delete(gone)
        db.session.commit()
        assert destroy_orphan_keys(learners_still_held) == 0  # a fresh key may be a learner not yet committed
        assert _keyed() == {gone_id, staying_id}

        _age_keys(days=2)
        list(sweep_every_school(datetime.now(UTC).date(), dry_run=True))
        assert _keyed() == {gone_id, staying_id}  # a dry run destroys nothing, keys included
        list(sweep_every_school(datetime.now(UTC).date(), dry_run=False))
        assert _keyed() == {staying_id}
        db.session.expunge_all()
        assert db.session.scalars(select(Learner).where(Learner.public_id == staying_id)).one().name \
            == "Learner Number2"
