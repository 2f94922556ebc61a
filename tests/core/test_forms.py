"""The form-view helper on a real view, editing a contribution: shown, invalid, refused, saved, and stale."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditAction, AuditEvent
from app.cases.contributions.models import Contribution, ContributionRevision
from app.extensions import db
from tests.fixtures.application import sign_in, text_of

SCHOOL = "Form Helper School"


@pytest.fixture
def edit(app, create_agency, create_user, create_case, add_to_team):
    """A signed-in LSP on a learner's team, and the edit page of their contribution (at version 1)."""
    create_agency(name=SCHOOL)
    learner = create_case(school=SCHOOL)
    account = create_user("lsp", agency=SCHOOL)
    add_to_team(learner, account)
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    created = client.post(f"/learners/{learner}/contributions/new", data={
        "kind": "intervention_record", "visibility": "team", "title": "Phonics group", "body": "<p>First text</p>",
    })
    assert created.status_code == 302
    public_id = created.headers["Location"].rsplit("/", 1)[-1]
    return client, public_id, f"/contributions/{public_id}/edit"


def _stored(app, public_id: str) -> tuple:
    """What the database holds, read in a fresh session: version, title, body, revisions, update events."""
    with app.app_context():
        contribution = db.session.scalars(select(Contribution).where(Contribution.public_id == public_id)).one()
        revisions = db.session.scalar(select(func.count()).select_from(ContributionRevision)
                                      .where(ContributionRevision.contribution_id == contribution.id))
        updates = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.object_public_id == public_id,
                                           AuditEvent.action == AuditAction.UPDATE))
        return contribution.version, contribution.title, contribution.body, revisions, updates


FIRST = (1, "Phonics group", "<p>First text</p>", 0, 0)


def _typed(**changes) -> dict:
    return {"version": "1", "visibility": "team", "title": "Phonics group, week 2", "body": "<p>Second text</p>",
            **changes}


def test_get_shows_the_form_with_what_is_saved(app, edit):
    client, _public_id, url = edit
    response = client.get(url)
    assert response.status_code == 200
    assert 'value="Phonics group"' in text_of(response)
    assert 'name="version" type="hidden" value="1"' in response.get_data(as_text=True)
    assert "There is a problem" not in text_of(response)


def test_an_invalid_form_is_shown_again_with_what_was_typed(app, edit):
    client, public_id, url = edit
    response = client.post(url, data=_typed(title="", body="<p>Typed without a title</p>"))
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and "Enter a title" in page
    assert "Typed without a title" in page
    assert _stored(app, public_id) == FIRST


def test_a_refusal_is_shown_on_the_form_and_nothing_is_saved(app, edit):
    client, public_id, url = edit
    # The form takes any body; the service refuses one that shows nothing once rendered (a heading mark only).
    response = client.post(url, data=_typed(title="Typed title", body="#"))
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and "Enter the contribution" in page
    assert 'value="Typed title"' in page
    assert _stored(app, public_id) == FIRST


def test_a_valid_form_is_committed_then_redirected_with_its_message(app, edit):
    client, public_id, url = edit
    response = client.post(url, data=_typed())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/contributions/{public_id}")
    assert _stored(app, public_id) == (2, "Phonics group, week 2", "<p>Second text</p>", 1, 1)
    shown = text_of(client.get(response.headers["Location"]))
    assert "Your changes have been saved. The previous version is kept in the history." in shown


def test_a_stale_version_is_the_conflict_page_and_nothing_more_is_saved(app, edit):
    client, public_id, url = edit
    assert client.post(url, data=_typed()).status_code == 302
    saved = _stored(app, public_id)
    response = client.post(url, data=_typed(title="From a stale tab", body="<p>Typed in a stale tab</p>"))
    assert response.status_code == 409
    page = text_of(response)
    assert "Second text" in page and "Typed in a stale tab" in page  # theirs beside yours
    assert 'name="version" type="hidden" value="2"' in response.get_data(as_text=True)
    assert _stored(app, public_id) == saved
    flashed = text_of(client.get(f"/contributions/{public_id}"))
    assert "Your changes have been saved" not in flashed  # nothing was announced for the stale save
