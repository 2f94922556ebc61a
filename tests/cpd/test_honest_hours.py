"""Honest CPD hours: one case-work entry per person per piece of work, entries withdrawn with a reason (kept, shown,
never counted), and a signed progress review that keeps the hours it was signed with."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.cases.contributions.models import Contribution
from app.cases.meetings.models import Meeting
from app.cpd.entries import services
from app.cpd.entries.models import CaseEvidence, ReflectiveEntry
from app.cpd.entries.services import WITHDRAW_REASON_MAX, AlreadyReflected, EntryDraft
from app.cpd.reviews.models import ProgressReview
from app.cpd.reviews.services import ReviewDraft, record_review
from app.extensions import db
from tests.cpd import test_entries
from tests.cpd.test_entries import _user, created_id, driscoll_form, entry_count, evidence_count, gibbs_form
from tests.fixtures.application import text_of

# The entries tests' world, shared: pytest finds a fixture by its name in the test module.
world = test_entries.world

REASON = "Logged twice by mistake: the same webinar is already in my log."


def _hours_so_far(client) -> str:
    page = text_of(client.get("/cpd"))
    totals = re.sub(r"<[^>]+>", " ", page.split('id="hours-totals"', 1)[1].split("</dl>", 1)[0])
    return re.search(r"Hours so far ([0-9.]+) hours", " ".join(totals.split())).group(1)


def _entry(public_id: str) -> ReflectiveEntry:
    return db.session.scalars(select(ReflectiveEntry).where(ReflectiveEntry.public_id == public_id)).one()


def _draft() -> EntryDraft:
    return EntryDraft(activity_on=date.today(), hours="1", activity_type="case_work", participation="individual",
                      reflective_model="driscoll", title="Reflection", content="Content",
                      reflection={"what": "a", "so_what": "b", "now_what": "c"}, action_what="x", action_how="y",
                      action_by=date.today())


# --- one entry per person per piece of work -------------------------------------------------------------


def test_reflect_on_this_twice_opens_the_first_entry_and_claims_its_hours_once(app, world):
    lsp = world.clients["lsp"]
    url = f"/cpd/entries/new/from-meeting/{world.meeting}"
    first = created_id(lsp.post(url, data=driscoll_form()))
    assert _hours_so_far(lsp) == "1.5"

    again = lsp.post(url, data=driscoll_form(title="The same meeting, claimed again"))
    assert again.status_code == 302 and again.headers["Location"] == f"/cpd/entries/{first}"
    assert "You have already reflected on this" in text_of(lsp.get(again.headers["Location"]))
    assert (entry_count(app), evidence_count(app)) == (1, 1)
    assert _hours_so_far(lsp) == "1.5"  # not 3.0
    # The button itself (a GET, with or without a model chosen) opens the entry too.
    for asked in (url, f"{url}?model=gibbs"):
        opened = lsp.get(asked)
        assert opened.status_code == 302 and opened.headers["Location"] == f"/cpd/entries/{first}"
    # Another practitioner at the same meeting keeps their own entry on it.
    created_id(world.clients["teacher"].post(url, data=driscoll_form()))
    assert entry_count(app) == 2


def test_the_service_refuses_a_second_entry_on_the_same_work(app, world):
    with app.app_context():
        lsp = _user(world.accounts["lsp"].public_id)
        work = db.session.scalars(select(Contribution).where(Contribution.public_id == world.contribution)).one()
        first = services.record_entry(lsp, _draft(), work=work)
        with pytest.raises(AlreadyReflected) as refused:
            services.record_entry(lsp, _draft(), work=work)
        assert refused.value.entry.id == first.id
        assert db.session.scalar(select(db.func.count()).select_from(ReflectiveEntry)) == 1
        db.session.rollback()


def test_a_request_racing_past_the_check_meets_the_unique_constraint(app, world, monkeypatch):
    """Two requests both found no entry: the second's insert fails on the constraint and sends it to the first."""
    with app.app_context():
        lsp = _user(world.accounts["lsp"].public_id)
        meeting = db.session.scalars(select(Meeting).where(Meeting.public_id == world.meeting)).one()
        first = services.record_entry(lsp, _draft(), work=meeting)
        real = services.entry_for_work
        calls = []

        def raced(owner, work):  # the check saw nothing yet; the look-up after the failed insert finds the winner
            calls.append(work)
            return None if len(calls) == 1 else real(owner, work)

        monkeypatch.setattr(services, "entry_for_work", raced)
        with pytest.raises(AlreadyReflected) as refused:
            services.record_entry(lsp, _draft(), work=meeting)
        assert refused.value.entry.id == first.id and len(calls) == 2
        assert db.session.scalar(select(db.func.count()).select_from(CaseEvidence)) == 1
        assert db.session.scalar(select(db.func.count()).select_from(ReflectiveEntry)) == 1
        # The database holds the rule by itself too.
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(CaseEvidence(entry_id=first.id, owner_id=lsp.id, kind=first.evidence.kind,
                                        meeting_id=meeting.id, work_label="x", work_on=date.today(), role_label="x",
                                        learner_reference="x"))
        db.session.rollback()


# --- withdrawing an entry --------------------------------------------------------------------------------


@pytest.mark.parametrize("reason, message", [
    ("", "Enter why you are withdrawing this entry"),
    ("   \n ", "Enter why you are withdrawing this entry"),
    ("x" * (WITHDRAW_REASON_MAX + 1), f"The reason must be {WITHDRAW_REASON_MAX} characters or fewer"),
])
def test_a_withdrawal_needs_a_reason_and_bad_input_changes_nothing(app, world, reason, message):
    lsp = world.clients["lsp"]
    public_id = created_id(lsp.post("/cpd/entries/new", data=gibbs_form()))
    response = lsp.post(f"/cpd/entries/{public_id}/withdraw", data={"reason": reason})
    page = text_of(response)
    assert response.status_code == 400
    assert "govuk-error-summary" in page and message in page
    if reason.strip():
        assert reason in page  # what was typed is kept
    with app.app_context():
        entry = _entry(public_id)
        assert (entry.withdrawn_at, entry.withdrawn_reason_sealed, entry.version) == (None, None, 1)
    assert _hours_so_far(lsp) == "2.25"


def test_a_withdrawn_entry_is_kept_shown_with_its_reason_and_counts_for_nothing(app, world):
    lsp, manager = world.clients["lsp"], world.clients["senco"]
    public_id = created_id(lsp.post("/cpd/entries/new", data=gibbs_form()))  # 2.25 hours, AP 17 and ETF 9
    created_id(lsp.post(f"/cpd/entries/new/from-meeting/{world.meeting}", data=driscoll_form()))  # 1.5, AP 12, BP 4
    assert _hours_so_far(lsp) == "3.75"
    form = text_of(lsp.get(f"/cpd/entries/{public_id}/withdraw"))
    assert 'name="reason"' in form and "Withdraw this entry" in form

    # Only the owner: the line manager is refused, others do not see it; nothing changes.
    assert manager.get(f"/cpd/entries/{public_id}/withdraw").status_code == 403
    assert manager.post(f"/cpd/entries/{public_id}/withdraw", data={"reason": "Mine now"}).status_code == 403
    assert world.clients["stranger"].post(f"/cpd/entries/{public_id}/withdraw",
                                          data={"reason": "No"}).status_code == 404
    with app.app_context():
        assert _entry(public_id).withdrawn_at is None

    done = lsp.post(f"/cpd/entries/{public_id}/withdraw", data={"reason": REASON})
    assert done.status_code == 302 and done.headers["Location"] == f"/cpd/entries/{public_id}"
    with app.app_context():
        entry = _entry(public_id)
        assert entry.withdrawn and entry.withdrawn_reason == REASON
        assert REASON not in (entry.withdrawn_reason_sealed or "")  # sealed at rest
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.object_public_id == public_id,
                                                              AuditEvent.fields_changed == "withdrawn")).all()
        assert event.action.value == "update"

    # Out of the hours and the standards coverage...
    assert _hours_so_far(lsp) == "1.5"
    coverage = text_of(lsp.get("/cpd/coverage"))
    assert re.search(r'id="coverage-AP-17">.*?No evidence yet', coverage, re.S)
    assert "No evidence yet" not in re.search(r'id="coverage-AP-12">(.*?)</tr>', coverage, re.S).group(1)
    # ...and shown as withdrawn, with the reason, to the owner and to their line manager.
    for page in (text_of(lsp.get("/cpd")), text_of(manager.get(f"/cpd/people/{world.accounts['lsp'].public_id}")),
                 text_of(manager.get(f"/cpd/entries/{public_id}"))):
        assert "Withdrawn" in page and REASON in page
    reports = text_of(manager.get("/cpd/people"))
    assert "1.5 of 18.0 hours" in reports

    # Kept as withdrawn: neither withdrawn again nor changed.
    assert lsp.post(f"/cpd/entries/{public_id}/withdraw", data={"reason": "Again"}).status_code == 403
    assert lsp.get(f"/cpd/entries/{public_id}/edit").status_code == 403
    assert 'id="withdraw-entry"' not in text_of(lsp.get(f"/cpd/entries/{public_id}"))
    with app.app_context():
        assert _entry(public_id).withdrawn_reason == REASON


# --- a signed review keeps its hours ---------------------------------------------------------------------


def _review(app, world) -> str:
    with app.app_context():
        senco, lsp = _user(world.accounts["senco"].public_id), _user(world.accounts["lsp"].public_id)
        review = record_review(senco, lsp, ReviewDraft(kind="annual", held_on=date.today(),
                                                       manager_summary="A good year."))
        db.session.commit()
        return review.public_id


def _sign(app, client, public_id: str):
    with app.app_context():
        version = db.session.scalars(select(ProgressReview.version).where(ProgressReview.public_id == public_id)).one()
    assert client.post(f"/cpd/reviews/{public_id}/sign", data={"version": str(version)}).status_code == 302


def _review_hours(client, public_id: str) -> str:
    page = text_of(client.get(f"/cpd/reviews/{public_id}"))
    return " ".join(re.sub(r"<[^>]+>", " ", re.search(r'id="review-hours">(.*?)</span>', page, re.S).group(1)).split())


def test_a_signed_review_keeps_the_hours_it_was_signed_with(app, world):
    lsp, manager = world.clients["lsp"], world.clients["senco"]
    webinar = created_id(lsp.post("/cpd/entries/new", data=gibbs_form()))  # 2.25
    created_id(lsp.post(f"/cpd/entries/new/from-meeting/{world.meeting}", data=driscoll_form()))  # 1.5
    public_id = _review(app, world)
    assert _review_hours(manager, public_id) == "3.75 hours so far (fixed when the first of you signs)"

    _sign(app, manager, public_id)
    created_id(lsp.post("/cpd/entries/new", data=gibbs_form(title="Another webinar", hours="1")))  # added later
    _sign(app, lsp, public_id)
    assert lsp.post(f"/cpd/entries/{webinar}/withdraw", data={"reason": REASON}).status_code == 302
    assert _hours_so_far(lsp) == "2.5"

    with app.app_context():
        review = db.session.scalars(select(ProgressReview).where(ProgressReview.public_id == public_id)).one()
        assert review.is_signed and review.signed_hours == Decimal("3.75")
    for client in (lsp, manager):
        assert _review_hours(client, public_id) == ("3.75 hours, as signed (the log shows 2.5 hours now: entries "
                                                    "were withdrawn or added after it was signed)")


def test_a_change_after_a_signature_clears_the_signed_hours_and_a_review_signed_before_shows_the_live_total(
        app, world):
    lsp, manager = world.clients["lsp"], world.clients["senco"]
    created_id(lsp.post("/cpd/entries/new", data=gibbs_form()))  # 2.25
    public_id = _review(app, world)
    _sign(app, manager, public_id)
    with app.app_context():
        from app.cpd.reviews.services import update_review
        review = db.session.scalars(select(ProgressReview).where(ProgressReview.public_id == public_id)).one()
        assert review.signed_hours == Decimal("2.25")
        update_review(review.manager, review, ReviewDraft(kind="annual", held_on=date.today(),
                                                          manager_summary="A very good year."), review.version)
        assert review.signed_hours is None and review.manager_signed_at is None
        # As migration 0010 leaves a review both signed before it: no stored figure.
        review.manager_signed_at = review.practitioner_signed_at = review.created_at
        db.session.commit()
    assert _review_hours(lsp, public_id) == ("2.25 hours: the log's total now (this review was signed before Braid "
                                             "kept the hours at signing)")
