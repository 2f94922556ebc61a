"""Contributions: each role writes its own kinds, visibility decides who reads, only the author edits, with history."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select, text

from app.agencies.accounts.models import AgencyKind, User
from app.cases.contributions.models import Contribution, ContributionRevision
from app.cases.learners.models import Learner
from app.cases.plans.models import CycleStage, PlanCycle, SupportPlan
from app.extensions import db
from app.security.sanitize import ALLOWLIST_VERSION
from tests.fixtures.application import sign_in, text_of

SCHOOL = "Oakfield Contributions School"

# Role × kind: what each role may write, as literals (not read from KINDS_BY_ROLE).
KIND_TABLE = {
    "senco": {"learner_voice"},
    "lsp": {"intervention_record", "learner_voice"},
    "teacher": {"classroom_view"},
    "slt": {"slt_assessment"},
    "ep": {"ep_assessment"},
    "parent": {"family_view"},
    "dsl": set(),
}
ALL_KINDS = ("classroom_view", "family_view", "slt_assessment", "ep_assessment", "intervention_record",
             "learner_voice")

# Reader × visibility of an LSP's contribution → may the reader open it (True) or is it out of sight (False)?
VISIBILITY_TABLE = {
    #                 team   team_and_family  restricted
    "author":        (True,  True,            True),
    "senco":         (True,  True,            True),
    "dsl":           (False, False,           True),   # the DSL is not on this team
    "teacher_on":    (True,  True,            False),
    "slt_on":        (True,  True,            False),
    "parent_on":     (False, True,            False),
    "teacher_off":   (False, False,           False),
}
VISIBILITIES = ("team", "team_and_family", "restricted")


def _client(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    client.account = account
    return client


@pytest.fixture
def case(app, create_agency, create_user, create_case, add_to_team):
    """A learner at a school with a team around them, and a second learner nobody here is on."""
    create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    learner = create_case(school=SCHOOL)
    other_learner = create_case(school=SCHOOL)
    people = {}

    def person(key, role, *, on_team=True, school=True):
        account = create_user(role, agency=SCHOOL if school else None)
        if on_team:
            add_to_team(learner, account)
        people[key] = _client(app, account)
        return people[key]

    person("author", "lsp")
    person("senco", "senco", on_team=False)
    person("dsl", "dsl", on_team=False)
    person("teacher_on", "teacher")
    person("slt_on", "slt", school=False)
    person("parent_on", "parent", school=False)
    person("teacher_off", "teacher", on_team=False)
    return {"learner": learner, "other_learner": other_learner, "people": people}


def _form(**changes):
    data = {"kind": "intervention_record", "visibility": "team", "title": "Phonics group, week 3",
            "body": "<p>Read <strong>eleven</strong> of twelve CVC words.</p>"}
    data.update(changes)
    return data


def _add(client, learner, **changes):
    response = client.post(f"/learners/{learner}/contributions/new", data=_form(**changes))
    assert response.status_code == 302, text_of(response)[:2000]
    return response.headers["Location"].rsplit("/", 1)[-1]


def _rows_checksum(app) -> str:
    """Every contribution and revision row, byte for byte (sealed columns included)."""
    with app.app_context():
        rows = [db.session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
                for table in ("contribution", "contribution_revision")]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _contributions(app):
    with app.app_context():
        return [(c.public_id, c.title, c.body, c.kind.value, c.version)
                for c in db.session.scalars(select(Contribution).order_by(Contribution.id))]


@pytest.mark.parametrize("role", sorted(KIND_TABLE))
def test_each_role_writes_only_its_own_kinds(app, create_agency, create_user, create_case, add_to_team, role):
    create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    learner = create_case(school=SCHOOL)
    account = create_user(role, agency=SCHOOL if role in ("senco", "lsp", "teacher", "dsl") else None)
    add_to_team(learner, account)
    client = _client(app, account)
    allowed = KIND_TABLE[role]
    if not allowed:
        assert client.get(f"/learners/{learner}/contributions/new").status_code == 403
    else:
        page = text_of(client.get(f"/learners/{learner}/contributions/new"))
        offered = set(re.findall(r'<option[^>]*value="([a-z_]+)"', page))
        assert offered == allowed
    for kind in ALL_KINDS:
        before = _rows_checksum(app)
        response = client.post(f"/learners/{learner}/contributions/new",
                               data=_form(kind=kind, title=f"Sentinel {role} {kind}"))
        if kind in allowed:
            assert response.status_code == 302, (role, kind)
            assert f"Sentinel {role} {kind}" in text_of(client.get(response.headers["Location"]))
        else:
            expected = 400 if allowed else 403
            assert response.status_code == expected, (role, kind)
            if expected == 400:
                assert "There is a problem" in text_of(response)
                assert f'value="Sentinel {role} {kind}"' in text_of(response)  # what was typed is kept
            assert _rows_checksum(app) == before, (role, kind)
    with app.app_context():
        saved = {c.kind.value for c in db.session.scalars(select(Contribution))}
    assert saved == allowed


def test_visibility_decides_who_reads(app, case):
    people, learner = case["people"], case["learner"]
    ids = {}
    for visibility in VISIBILITIES:
        ids[visibility] = _add(people["author"], learner, visibility=visibility,
                               title=f"Title [{visibility}]", body=f"<p>Sentinel-{visibility}-body</p>")
    for reader, expectations in VISIBILITY_TABLE.items():
        client = people[reader]
        listing = client.get(f"/learners/{learner}/contributions")
        for visibility, allowed in zip(VISIBILITIES, expectations, strict=True):
            sentinel = f"Sentinel-{visibility}-body"
            for suffix in ("", "/history"):
                response = client.get(f"/contributions/{ids[visibility]}{suffix}")
                assert response.status_code == (200 if allowed else 404), (reader, visibility, suffix)
            page = text_of(client.get(f"/contributions/{ids[visibility]}"))
            assert (sentinel in page) is allowed, (reader, visibility)
            if listing.status_code == 200:
                assert (f"Title [{visibility}]" in text_of(listing)) is allowed, (reader, visibility)
        # Nobody but the school SENCo and team members opens the case's list; the DSL knows the
        # learner exists (403), a teacher off the team does not (404).
        expected_list = {"author": 200, "senco": 200, "teacher_on": 200, "slt_on": 200, "parent_on": 200,
                         "dsl": 403, "teacher_off": 404}[reader]
        assert listing.status_code == expected_list, reader


def test_the_list_shows_kind_author_role_and_visibility(app, case):
    people, learner = case["people"], case["learner"]
    _add(people["author"], learner, visibility="team_and_family", title="Spelling intervention")
    with app.app_context():
        author = db.session.scalars(select(User).where(User.public_id == people["author"].account.public_id)).one()
        name = author.display_name
    page = text_of(people["teacher_on"].get(f"/learners/{learner}/contributions"))
    assert "Spelling intervention" in page and "Intervention record" in page and name in page
    assert "Learning support practitioner" in page and "The team and the family" in page
    nav = text_of(people["teacher_on"].get(f"/learners/{learner}"))
    assert f'href="/learners/{learner}/contributions"' in nav


def test_editing_keeps_history_and_the_history_shows_the_old_text(app, case):
    people, learner = case["people"], case["learner"]
    author = people["author"]
    public_id = _add(author, learner, visibility="team", title="First title", body="<p>Sentinel first text</p>")
    for n, body in enumerate(["<p>Sentinel second text</p>", "<p>Sentinel third text</p>"], start=1):
        page = author.get(f"/contributions/{public_id}/edit")
        assert page.status_code == 200 and f'name="version" type="hidden" value="{n}"' in text_of(page)
        response = author.post(f"/contributions/{public_id}/edit",
                               data={"version": str(n), "visibility": "team", "title": f"Title {n + 1}", "body": body})
        assert response.status_code == 302
    with app.app_context():
        contribution = db.session.scalars(select(Contribution).where(Contribution.public_id == public_id)).one()
        assert (contribution.version, contribution.title, contribution.body) == (
            3, "Title 3", "<p>Sentinel third text</p>")
        revisions = [(r.version, r.title, r.body) for r in contribution.revisions]
        assert revisions == [
            (1, "First title", "<p>Sentinel first text</p>"), (2, "Title 2", "<p>Sentinel second text</p>")]
        sealed = db.session.execute(text("SELECT body_sealed FROM contribution_revision")).scalars().all()
        assert all("Sentinel" not in value for value in sealed)
    for reader in ("author", "senco", "teacher_on", "slt_on"):
        history = text_of(people[reader].get(f"/contributions/{public_id}/history"))
        assert "Sentinel first text" in history and "Sentinel second text" in history, reader
        assert history.index("Version 2") < history.index("Version 1"), "newest first"


def test_a_restricted_past_stays_hidden_after_the_contribution_is_widened(app, case):
    people, learner = case["people"], case["learner"]
    author = people["author"]
    public_id = _add(author, learner, visibility="restricted", body="<p>Sentinel restricted past</p>")
    response = author.post(f"/contributions/{public_id}/edit",
                           data={"version": "1", "visibility": "team_and_family", "title": "Now shared",
                                 "body": "<p>Shared text</p>"})
    assert response.status_code == 302
    for reader, sees_past in (("senco", True), ("author", True), ("teacher_on", False), ("parent_on", False)):
        history = people[reader].get(f"/contributions/{public_id}/history")
        assert history.status_code == 200
        assert ("Sentinel restricted past" in text_of(history)) is sees_past, reader


@pytest.mark.parametrize("editor, status", [
    ("senco", 403), ("teacher_on", 403), ("slt_on", 403), ("parent_on", 403), ("dsl", 404), ("teacher_off", 404),
])
def test_only_the_author_edits(app, case, editor, status):
    people, learner = case["people"], case["learner"]
    public_id = _add(people["author"], learner, visibility="team_and_family", body="<p>Sentinel author text</p>")
    before = _rows_checksum(app)
    client = people[editor]
    assert client.get(f"/contributions/{public_id}/edit").status_code == status
    response = client.post(f"/contributions/{public_id}/edit",
                           data={"version": "1", "visibility": "team", "title": "Hijacked", "body": "<p>Hijacked</p>"})
    assert response.status_code == status
    assert "Hijacked" not in text_of(response)
    assert _rows_checksum(app) == before
    detail = text_of(people["author"].get(f"/contributions/{public_id}"))
    assert "Sentinel author text" in detail and "Hijacked" not in detail


def test_a_stale_edit_is_a_conflict_and_keeps_both_texts(app, case):
    author, learner = case["people"]["author"], case["learner"]
    public_id = _add(author, learner, body="<p>Original</p>")
    first = {"version": "1", "visibility": "team", "title": "First editor", "body": "<p>Saved by the first tab</p>"}
    second = {"version": "1", "visibility": "team", "title": "Second editor", "body": "<p>Typed in the second tab</p>"}
    assert author.post(f"/contributions/{public_id}/edit", data=first).status_code == 302
    before = _rows_checksum(app)
    response = author.post(f"/contributions/{public_id}/edit", data=second)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Saved by the first tab" in text_of(response) and "Typed in the second tab" in text_of(response)
    assert 'name="version" type="hidden" value="2"' in page
    assert _rows_checksum(app) == before
    # Saving again from the conflict page (now at version 2) wins, and the first text is history.
    again = author.post(f"/contributions/{public_id}/edit", data={**second, "version": "2"})
    assert again.status_code == 302
    history = text_of(author.get(f"/contributions/{public_id}/history"))
    assert "Saved by the first tab" in history and "Original" in history


def test_title_and_body_are_escaped_and_sanitised(app, case):
    """The body is typed writing: Markdown shapes it, typed HTML is shown as text, and neither runs."""
    author, learner = case["people"]["author"], case["learner"]
    typed = ('Kept *emphasis*\n\n<p onclick="x()">typed</p><script>alert("b")</script>'
             '<img src=x onerror="alert(1)">\n\n[link](javascript:alert(2))')
    public_id = _add(author, learner, title='<script>alert("t")</script>Title', body=typed)
    for path in ("", "/history"):
        raw = author.get(f"/contributions/{public_id}{path}").get_data(as_text=True)
        assert "<script>alert" not in raw and "<img" not in raw and 'href="javascript' not in raw
        assert "<p onclick" not in raw
    raw = author.get(f"/contributions/{public_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;Title" in raw and "<em>emphasis</em>" in raw
    assert "&lt;script&gt;alert(&quot;b&quot;)&lt;/script&gt;" in raw  # typed HTML, shown as the text it is
    listing = author.get(f"/learners/{learner}/contributions").get_data(as_text=True)
    assert "<script>alert" not in listing and "&lt;script&gt;" in listing
    with app.app_context():
        stored = db.session.scalars(select(Contribution)).one()
        assert stored.body == typed  # the source, as typed, is what the edit form shows
        assert "<script" not in stored.body_html and "<img" not in stored.body_html and "href" not in stored.body_html
        assert "<em>emphasis</em>" in stored.body_html
    assert typed.split("\n")[0] in author.get(f"/contributions/{public_id}/edit").get_data(as_text=True)


def test_stored_html_is_shown_as_saved_when_current_and_sanitised_again_when_stamped_older(app, case):
    """The README's reason for sanitising on output: HTML kept from before a tighter allowlist is cleaned again."""
    author, learner = case["people"]["author"], case["learner"]
    public_id = _add(author, learner, body="Saved **today**")
    assert "<p>Saved <strong>today</strong></p>" in author.get(f"/contributions/{public_id}").get_data(as_text=True)
    looser = '<p onclick="steal()">Kept from <u>a looser</u> allowlist</p>'
    for stamp, shown in ((ALLOWLIST_VERSION - 1, "<p>Kept from a looser allowlist</p>"), (ALLOWLIST_VERSION, looser)):
        with app.app_context():
            contribution = db.session.scalars(select(Contribution).where(Contribution.public_id == public_id)).one()
            contribution.body_html, contribution.writing_version = looser, stamp
            db.session.commit()
        assert shown in author.get(f"/contributions/{public_id}").get_data(as_text=True)


def test_extra_fields_are_ignored(app, case):
    people, learner, other = case["people"], case["learner"], case["other_learner"]
    author = people["author"]
    with app.app_context():
        senco_id = db.session.scalars(select(User.id).where(User.public_id == people["senco"].account.public_id)).one()
        other_id = db.session.scalars(select(Learner.id).where(Learner.public_id == other)).one()
    extras = {"author_id": str(senco_id), "learner_id": str(other_id), "version": "7", "cycle_id": "1",
              "public_id": "chosen-by-me", "created_at": "2001-01-01"}
    public_id = _add(author, learner, **extras)
    with app.app_context():
        contribution = db.session.scalars(select(Contribution).where(Contribution.public_id == public_id)).one()
        author_id = db.session.scalars(select(User.id).where(User.public_id == author.account.public_id)).one()
        assert contribution.author_id == author_id
        assert contribution.learner.public_id == learner
        assert (contribution.version, contribution.kind.value, contribution.cycle_id) == (
            1, "intervention_record", None)
        assert contribution.public_id != "chosen-by-me" and contribution.created_at.year > 2001
    response = author.post(f"/contributions/{public_id}/edit", data={
        "version": "1", "visibility": "team", "title": "Edited", "body": "<p>Edited</p>",
        "kind": "family_view", "author_id": str(senco_id), "learner_id": str(other_id), "contribution_id": "1",
    })
    assert response.status_code == 302
    with app.app_context():
        contribution = db.session.scalars(select(Contribution).where(Contribution.public_id == public_id)).one()
        assert contribution.kind.value == "intervention_record"
        assert contribution.author_id == author_id and contribution.learner.public_id == learner
        assert [(r.version, r.written_by_id) for r in contribution.revisions] == [(1, author_id)]
    # A kind of another role, sent as the kind itself, is refused and nothing is saved.
    before = _rows_checksum(app)
    refused = author.post(f"/learners/{learner}/contributions/new", data=_form(kind="family_view"))
    assert refused.status_code == 400 and _rows_checksum(app) == before


def test_a_new_contribution_joins_the_open_cycle(app, case):
    people, learner = case["people"], case["learner"]
    with app.app_context():
        row = db.session.scalars(select(Learner).where(Learner.public_id == learner)).one()
        plan = SupportPlan(learner_id=row.id)
        db.session.add(plan)
        db.session.flush()
        closed = PlanCycle(plan_id=plan.id, number=1, stage=CycleStage.CLOSED)
        open_cycle = PlanCycle(plan_id=plan.id, number=2, stage=CycleStage.DO)
        db.session.add_all([closed, open_cycle])
        db.session.flush()
        closed.closed_at = closed.opened_at
        db.session.commit()
        open_id = open_cycle.id
    public_id = _add(people["author"], learner)
    elsewhere = _add(people["senco"], case["other_learner"], kind="learner_voice")
    with app.app_context():
        cycles = dict(db.session.execute(select(Contribution.public_id, Contribution.cycle_id)).all())
    assert cycles == {public_id: open_id, elsewhere: None}


def test_another_learners_id_in_the_url_never_shows_its_contribution(app, case):
    people, other = case["people"], case["other_learner"]
    secret = _add(people["senco"], other, kind="learner_voice", visibility="team_and_family",
                  body="<p>Sentinel other learner</p>")
    for reader in ("author", "teacher_on", "slt_on", "parent_on"):
        client = people[reader]
        for url in (f"/contributions/{secret}", f"/contributions/{secret}/history", f"/contributions/{secret}/edit",
                    f"/learners/{other}/contributions", f"/learners/{other}/contributions/new"):
            response = client.get(url)
            assert response.status_code == 404, (reader, url)
            assert "Sentinel other learner" not in text_of(response)


def test_a_demo_contribution_has_its_edits_as_history(app, case):
    from app.demo.contributions import add_demo_contribution

    with app.app_context():
        author_id = case["people"]["author"].account.public_id
        author = db.session.scalars(select(User).where(User.public_id == author_id)).one()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == case["learner"])).one()
        contribution = add_demo_contribution(author, learner, "learner_voice", "team_and_family", "What I like",
                                             "<p>Lego</p>", edits=["<p>Lego and trains</p>", "<p>Trains</p>"])
        db.session.commit()
        assert (contribution.version, contribution.body) == (3, "<p>Trains</p>")
        revisions = db.session.scalars(select(ContributionRevision).order_by(ContributionRevision.version))
        assert [r.body for r in revisions] == ["<p>Lego</p>", "<p>Lego and trains</p>"]
