"""Progress reviews (Appendix 4): the line manager records one, both sign, a change clears the signatures,
a signed review stays as signed; and the manager's read-only view of their reports' logs."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind
from app.audit.models import AuditAction, AuditEvent
from app.cpd.entries.services import record_entry
from app.cpd.goals.models import DevelopmentGoal, GoalStatus
from app.cpd.goals.services import GoalDraft, record_goal
from app.cpd.reviews.models import Achieved, ProgressReview, ReviewKind
from app.cpd.reviews.services import reviews_of
from app.extensions import db
from tests.cpd.test_goals import entry_draft, parts, signed_in, user_row
from tests.fixtures.application import text_of

OPEN_GOAL = "Lead a phonics catch-up group on my own"
RECENT_GOAL = "Complete the Team Teach refresher"
OLD_GOAL = "Learn the school's behaviour policy"
MANAGER_SUMMARY = "Tom has grown in confidence and now plans sessions with the class teacher."


@dataclass
class World:
    accounts: dict
    goals: dict  # name -> public id
    today: date
    signed_in: dict = field(default_factory=dict)

    def client(self, app, key: str):
        """One signed-in client per person for the whole test, as one browser: each sign-in spends a
        two-step code, and a fourth within 30 seconds would wait for the next."""
        if key not in self.signed_in:
            self.signed_in[key] = signed_in(app, self.accounts[key])
        return self.signed_in[key]

    def new_url(self) -> str:
        return f"/cpd/people/{self.accounts['lsp'].public_id}/reviews/new"


@pytest.fixture
def world(app, create_agency, create_user) -> World:
    school = create_agency(AgencyKind.SCHOOL, name="Review Primary School")
    accounts = {"senco": create_user("senco", agency=school, name="Priya Senco")}
    accounts["lsp"] = create_user("lsp", agency=school, name="Tom Lsp", fte=Decimal("0.50"),
                                  line_manager=accounts["senco"].email)
    accounts["other_lsp"] = create_user("lsp", agency=school, name="Nia Lsp")
    accounts["teacher"] = create_user("teacher", agency=school, name="Hannah Teacher")
    today = date.today()
    with app.app_context():
        lsp, other = user_row(accounts["lsp"]), user_row(accounts["other_lsp"])

        def goal(owner, what: str, days: int, status: GoalStatus, set_days_ago: int = 400) -> str:
            draft = GoalDraft(specific=what, measure="Observed by the SENCo", relevant_to="feedback",
                              standard_code=None, relevance="Last year's review",
                              target_on=today + timedelta(days=days), status=status)
            return record_goal(owner, draft, today=today - timedelta(days=set_days_ago)).public_id

        goals = {
            "open": goal(lsp, OPEN_GOAL, 20, GoalStatus.IN_PROGRESS),
            "recent": goal(lsp, RECENT_GOAL, -100, GoalStatus.ACHIEVED),  # closed, dated within the year
            "old": goal(lsp, OLD_GOAL, -380, GoalStatus.ACHIEVED, set_days_ago=800),  # closed over a year ago
            "theirs": goal(other, "Nia's own goal", 20, GoalStatus.NOT_STARTED),
        }
        record_entry(lsp, entry_draft(today, "Webinar on precision teaching"))  # today: always this CPD year
        db.session.commit()
    return World(accounts, goals, today)


def review_form(world: World, **changes) -> dict:
    """The goals come in date order: row 0 is the recent goal (left unanswered), row 1 the open goal; rows 2-3
    are the free rows."""
    data = {
        "kind": "annual",
        "held_on": parts(world.today - timedelta(days=1)),
        "individual_summary": "I have run two intervention groups.",
        "manager_summary": MANAGER_SUMMARY,
        "key_targets": "Take on a Year 2 reading group",
        "personal_development": "ELSA training",
        "targets-0-goal": world.goals["recent"],
        "targets-0-target": RECENT_GOAL,
        "targets-1-goal": world.goals["open"],
        "targets-1-target": OPEN_GOAL,
        "targets-1-achieved": "partially",
        "targets-1-comments": "Leads two sessions a week with support",
        "targets-2-goal": "",
        "targets-2-target": "Keep the intervention log up to date",
        "targets-2-achieved": "yes",
        "targets-3-goal": "",
        "targets-3-target": "",
        "revised_targets": "Lead the group unsupported by Easter",
        "development_needs": "Phonics training refresher",
        "comments": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def load(app, public_id: str) -> dict:
    with app.app_context():
        review = db.session.scalars(select(ProgressReview).where(ProgressReview.public_id == public_id)).one()
        return {
            "practitioner": review.practitioner.public_id, "manager": review.manager.public_id,
            "kind": review.kind, "held_on": review.held_on, "version": review.version,
            "individual_summary": review.individual_summary, "manager_summary": review.manager_summary,
            "key_targets": review.key_targets, "personal_development": review.personal_development,
            "revised_targets": review.revised_targets, "development_needs": review.development_needs,
            "comments": review.comments,
            "targets": [(row.position, row.goal.public_id if row.goal else None, row.target, row.achieved,
                         row.comments) for row in review.targets],
            "manager_signed": review.manager_signed_at is not None,
            "practitioner_signed": review.practitioner_signed_at is not None,
        }


def record(app, world: World, **changes) -> str:
    response = world.client(app, "senco").post(world.new_url(), data=review_form(world, **changes))
    assert response.status_code == 302, text_of(response)[:3000]
    match = re.fullmatch(r"/cpd/reviews/([^/]+)", response.headers["Location"])
    assert match
    return match.group(1)


def sign(app, world: World, key: str, public_id: str, version=None):
    version = load(app, public_id)["version"] if version is None else version
    return world.client(app, key).post(f"/cpd/reviews/{public_id}/sign", data={"version": str(version)})


def review_events(app, public_id: str) -> list[tuple]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_public_id == public_id)
                                    .order_by(AuditEvent.id)).all()
        return [(event.action, event.fields_changed) for event in events if event.action is not AuditAction.VIEW]


# --- recording ----------------------------------------------------------------------------------------------------


def test_the_review_form_offers_open_and_recent_goals_and_two_free_rows(app, world):
    page = text_of(world.client(app, "senco").get(world.new_url()))
    # Soonest date first: the goal achieved 100 days ago, then the open one due in 20 days.
    assert f'name="targets-0-goal" type="hidden" value="{world.goals["recent"]}"' in page
    assert f'name="targets-0-target" rows="2">{RECENT_GOAL}</textarea>' in page
    assert f'name="targets-1-goal" type="hidden" value="{world.goals["open"]}"' in page
    assert f'name="targets-1-target" rows="2">{OPEN_GOAL}</textarea>' in page
    # The goal closed more than a year ago and another person's goal are not offered; two free rows follow.
    assert OLD_GOAL not in page and world.goals["old"] not in page and world.goals["theirs"] not in page
    assert 'name="targets-2-goal" type="hidden" value=""' in page
    assert 'name="targets-3-goal" type="hidden" value=""' in page
    assert "targets-4-" not in page


def test_the_manager_records_a_review_with_its_targets(app, world):
    public_id = record(app, world)
    assert load(app, public_id) == {
        "practitioner": world.accounts["lsp"].public_id, "manager": world.accounts["senco"].public_id,
        "kind": ReviewKind.ANNUAL, "held_on": world.today - timedelta(days=1), "version": 1,
        "individual_summary": "I have run two intervention groups.", "manager_summary": MANAGER_SUMMARY,
        "key_targets": "Take on a Year 2 reading group", "personal_development": "ELSA training",
        "revised_targets": "Lead the group unsupported by Easter", "development_needs": "Phonics training refresher",
        "comments": None,
        # The unanswered goal row (the recent goal) and the empty free row are left out.
        "targets": [(1, world.goals["open"], OPEN_GOAL, Achieved.PARTIALLY, "Leads two sessions a week with support"),
                    (2, None, "Keep the intervention log up to date", Achieved.YES, None)],
        "manager_signed": False, "practitioner_signed": False,
    }
    assert review_events(app, public_id) == [(AuditAction.CREATE, ",".join(sorted([
        "kind", "held_on", "individual_summary", "manager_summary", "key_targets", "personal_development",
        "targets", "revised_targets", "development_needs", "comments"])))]
    # Both read it; the practitioner finds it from the review's own list of their reviews.
    for key in ("senco", "lsp"):
        page = text_of(world.client(app, key).get(f"/cpd/reviews/{public_id}"))
        assert MANAGER_SUMMARY in page and "Keep the intervention log up to date" in page and "Partially" in page
        assert "Priya Senco: not signed yet" in page and "Tom Lsp: not signed yet" in page


BAD_REVIEWS = [
    ({"kind": None}, "Choose the kind of review: annual or mid-year", "kind"),
    ({"kind": "quarterly"}, "Choose the kind of review: annual or mid-year", "kind"),
    ({"held_on": ["", "", ""]}, "Enter the date the review was held", "held_on"),
    ({"held_on": "tomorrow"}, "The date the review was held must be today or in the past", "held_on"),
    ({"held_on": ["30", "2", "2025"]}, "The date must be a real date", "held_on"),
    ({"manager_summary": "  "}, "Enter your summary of the previous 12 months' performance", "manager_summary"),
    ({"targets-1-achieved": None}, "Say whether target 2 was achieved: yes, no or partially",
     "targets-1-achieved"),  # the row has a comment but no answer
    ({"targets-2-achieved": "maybe"}, "Say whether target 3 was achieved: yes, no or partially",
     "targets-2-achieved"),
    ({"targets-2-target": ""}, "Enter target 3, or clear its answer and comments", "targets-2-target"),
    ({"targets-1-goal": "other"}, "Target 2 is not one of Tom Lsp's goals", "targets-1-target"),
    ({"targets-2-goal": "open"}, "Target 3 repeats a goal already reviewed above", "targets-2-target"),
    ({"kind": "mid_year", "manager_summary": "", "targets-1-achieved": None, "targets-1-comments": "",
      "targets-2-achieved": None, "targets-2-target": ""},
     "Review at least one target, or enter your summary of their performance", "targets-0-achieved"),
]


@pytest.mark.parametrize("changes, message, field", BAD_REVIEWS, ids=[str(n) for n in range(len(BAD_REVIEWS))])
def test_a_bad_review_is_refused_with_what_was_typed(app, world, changes, message, field):
    changes = dict(changes)
    if changes.get("held_on") == "tomorrow":
        changes["held_on"] = parts(world.today + timedelta(days=1))
    if changes.get("targets-1-goal") == "other":
        changes["targets-1-goal"] = world.goals["theirs"]
    if changes.get("targets-2-goal") == "open":
        changes["targets-2-goal"] = world.goals["open"]
    response = world.client(app, "senco").post(world.new_url(), data=review_form(world, **changes))
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and page.count(message) == 2  # in the summary, and beside its field
    assert f'href="#{field}"' in page
    assert ">I have run two intervention groups.</textarea>" in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalars(select(ProgressReview)).all() == []


def test_only_the_line_manager_records_a_review(app, world, create_user):
    # The practitioner sees their own log but does not review themself; others do not see the person at all.
    assert world.client(app, "lsp").get(world.new_url()).status_code == 403
    assert world.client(app, "lsp").post(world.new_url(), data=review_form(world)).status_code == 403
    for key in ("teacher", "other_lsp"):
        assert world.client(app, key).get(world.new_url()).status_code == 404
        assert world.client(app, key).post(world.new_url(), data=review_form(world)).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(ProgressReview)).all() == []


# --- signing ------------------------------------------------------------------------------------------------------


def test_both_sign_and_then_the_review_is_read_only(app, world):
    public_id = record(app, world)
    assert sign(app, world, "senco", public_id).status_code == 302
    state = load(app, public_id)
    assert (state["manager_signed"], state["practitioner_signed"], state["version"]) == (True, False, 2)
    page = text_of(world.client(app, "lsp").get(f"/cpd/reviews/{public_id}"))
    assert "Priya Senco: signed on" in page and "I agree this is a fair and accurate record" in page

    assert sign(app, world, "lsp", public_id).status_code == 302
    state = load(app, public_id)
    assert (state["manager_signed"], state["practitioner_signed"], state["version"]) == (True, True, 3)
    assert review_events(app, public_id)[1:] == [(AuditAction.UPDATE, "manager_signed_at"),
                                                 (AuditAction.UPDATE, "practitioner_signed_at")]

    manager = world.client(app, "senco")
    page = text_of(manager.get(f"/cpd/reviews/{public_id}"))
    assert "It is the record and can no longer be changed" in page
    assert f"/cpd/reviews/{public_id}/edit" not in page and f"/cpd/reviews/{public_id}/sign" not in page
    assert manager.get(f"/cpd/reviews/{public_id}/edit").status_code == 403
    response = manager.post(f"/cpd/reviews/{public_id}/edit",
                            data=review_form(world, manager_summary="Rewritten after signing", version="3"))
    assert response.status_code == 403
    # Nobody signs twice.
    assert sign(app, world, "senco", public_id).status_code == 403
    assert sign(app, world, "lsp", public_id).status_code == 403
    after = load(app, public_id)
    assert after == state and after["manager_summary"] == MANAGER_SUMMARY


def test_a_signature_is_given_to_the_version_read(app, world):
    public_id = record(app, world)
    response = sign(app, world, "lsp", public_id, version=0)
    assert response.status_code == 302
    state = load(app, public_id)
    assert (state["manager_signed"], state["practitioner_signed"], state["version"]) == (False, False, 1)


@pytest.mark.parametrize("first_signer", ["senco", "lsp"])
def test_a_change_after_a_signature_clears_both(app, world, first_signer):
    public_id = record(app, world)
    assert sign(app, world, first_signer, public_id).status_code == 302
    manager = world.client(app, "senco")
    page = text_of(manager.get(f"/cpd/reviews/{public_id}/edit"))
    assert "Saving a change clears both signatures" in page  # said before saving
    response = manager.post(f"/cpd/reviews/{public_id}/edit",
                            data=review_form(world, manager_summary="Now with the spring term", version="2"))
    assert response.status_code == 302
    state = load(app, public_id)
    assert (state["manager_summary"], state["manager_signed"], state["practitioner_signed"], state["version"]) == (
        "Now with the spring term", False, False, 3)
    signature = "manager_signed_at" if first_signer == "senco" else "practitioner_signed_at"
    assert review_events(app, public_id)[-1] == (AuditAction.UPDATE, ",".join(sorted(["manager_summary", signature])))


def test_a_change_to_the_targets_alone_moves_the_version_on(app, world):
    public_id = record(app, world)
    response = world.client(app, "senco").post(f"/cpd/reviews/{public_id}/edit", data=review_form(
        world, **{"targets-0-achieved": "yes", "targets-1-achieved": "yes", "version": "1"}))
    assert response.status_code == 302
    state = load(app, public_id)
    assert state["version"] == 2
    assert state["targets"] == [
        (1, world.goals["recent"], RECENT_GOAL, Achieved.YES, None),
        (2, world.goals["open"], OPEN_GOAL, Achieved.YES, "Leads two sessions a week with support"),
        (3, None, "Keep the intervention log up to date", Achieved.YES, None)]
    with app.app_context():
        assert len(db.session.scalars(select(DevelopmentGoal)).all()) == 4  # goals are read, never changed


def test_the_practitioner_cannot_edit_the_managers_text_but_can_sign(app, world):
    public_id = record(app, world)
    practitioner = world.client(app, "lsp")
    before = load(app, public_id)
    assert practitioner.get(f"/cpd/reviews/{public_id}/edit").status_code == 403
    response = practitioner.post(f"/cpd/reviews/{public_id}/edit",
                                 data=review_form(world, manager_summary="My own kinder words", version="1"))
    assert response.status_code == 403
    assert load(app, public_id) == before
    page = text_of(practitioner.get(f"/cpd/reviews/{public_id}"))
    assert f"/cpd/reviews/{public_id}/edit" not in page and f"/cpd/reviews/{public_id}/sign" in page
    assert sign(app, world, "lsp", public_id).status_code == 302
    assert load(app, public_id)["practitioner_signed"] is True


def test_a_stale_edit_is_a_conflict_and_saves_nothing(app, world):
    public_id = record(app, world)
    manager = world.client(app, "senco")
    assert manager.post(f"/cpd/reviews/{public_id}/edit",
                        data=review_form(world, comments="First save", version="1")).status_code == 302
    stale = manager.post(f"/cpd/reviews/{public_id}/edit",
                         data=review_form(world, comments="From an old page", version="1"))
    assert stale.status_code == 409
    page = text_of(stale)
    assert "First save" in page and ">From an old page</textarea>" in page
    assert 'name="version" type="hidden" value="2"' in page
    assert load(app, public_id)["comments"] == "First save"


# --- listing reviews, and the manager's read-only view of a report's log ------------------------------------------


def test_reviews_of_lists_a_practitioners_reviews_for_those_involved_only(app, world):
    older = record(app, world, held_on=parts(world.today - timedelta(days=200)), kind="mid_year")
    newer = record(app, world)
    with app.app_context():
        lsp, senco, teacher = (user_row(world.accounts[key]) for key in ("lsp", "senco", "teacher"))
        assert [review.public_id for review in reviews_of(lsp, lsp)] == [newer, older]
        assert [review.public_id for review in reviews_of(senco, lsp)] == [newer, older]
        assert reviews_of(teacher, lsp) == []
    page = text_of(world.client(app, "lsp").get(f"/cpd/reviews/{older}"))
    assert f'href="/cpd/reviews/{newer}"' in page  # the practitioner moves between their reviews


def test_the_people_page_lists_reports_with_their_hours(app, world):
    page = text_of(world.client(app, "senco").get("/cpd/people"))
    assert f'href="/cpd/people/{world.accounts["lsp"].public_id}"' in page and "Tom Lsp" in page
    # 0.5 FTE: a pro-rata target of 15 hours; one 1.5-hour webinar logged today.
    assert "1.5 of 15.0 hours" in page
    assert "Nia Lsp" not in page and "Hannah Teacher" not in page
    page = text_of(world.client(app, "teacher").get("/cpd/people"))
    assert "You do not line manage anyone who keeps a CPD log" in page and "Tom Lsp" not in page


def test_the_manager_reads_a_reports_log_and_cannot_write_in_it(app, world):
    public_id = record(app, world)
    manager = world.client(app, "senco")
    response = manager.get(f"/cpd/people/{world.accounts['lsp'].public_id}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Tom Lsp’s CPD log" in page and "1.5 of 15.0 hours" in page
    assert "Webinar on precision teaching" in page and OPEN_GOAL in page
    assert f'href="/cpd/reviews/{public_id}"' in page
    assert f'href="/cpd/people/{world.accounts["lsp"].public_id}/reviews/new"' in page
    assert 'id="coverage"' in page and "AP 12" in page
    # Nothing on the page writes in the report's log.
    assert "/cpd/entries/new" not in page and "/cpd/goals/new" not in page and "/edit" not in page
    assert 'method="post"' not in page.split("<main", 1)[1]
    # One's own id here is one's own log.
    own = world.client(app, "lsp").get(f"/cpd/people/{world.accounts['lsp'].public_id}")
    assert own.status_code == 302 and own.headers["Location"] == "/cpd"


def test_the_form_holds_twelve_targets_and_two_free_rows(app, world):
    with app.app_context():
        lsp = user_row(world.accounts["lsp"])
        for n in range(13):
            record_goal(lsp, GoalDraft(specific=f"Extra goal {n:02d}", measure="m", relevant_to="feedback",
                                       standard_code=None, relevance="r",
                                       target_on=world.today + timedelta(days=40 + n)))
        db.session.commit()
    manager = world.client(app, "senco")
    page = text_of(manager.get(world.new_url()))
    # 15 goals qualify; the 12 soonest are offered (the recent, the open, extra 00 to 09), then two free rows.
    assert 'name="targets-11-target" rows="2">Extra goal 09</textarea>' in page
    assert "Extra goal 10" not in page
    assert 'name="targets-13-goal" type="hidden" value=""' in page and "targets-14-" not in page
    answers = {f"targets-{n}-achieved": "no" for n in range(12)}
    data = {key: value for key, value in review_form(world).items() if not key.startswith("targets-")}
    with app.app_context():
        goals = db.session.scalars(select(DevelopmentGoal).where(DevelopmentGoal.owner_id == user_row(
            world.accounts["lsp"]).id).order_by(DevelopmentGoal.target_on, DevelopmentGoal.id)).all()
        offered = [goal for goal in goals if goal.public_id != world.goals["old"]][:12]
        data.update({f"targets-{n}-goal": goal.public_id for n, goal in enumerate(offered)})
        data.update({f"targets-{n}-target": goal.specific for n, goal in enumerate(offered)})
    data.update(answers)
    response = manager.post(world.new_url(), data=data)
    assert response.status_code == 302
    public_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert [row[3] for row in load(app, public_id)["targets"]] == [Achieved.NO] * 12
    # Changing it: the twelve reviewed rows and the two free rows, no more.
    page = text_of(manager.get(f"/cpd/reviews/{public_id}/edit"))
    assert 'name="targets-13-goal" type="hidden" value=""' in page and "targets-14-" not in page
    assert "Extra goal 10" not in page


def test_the_practitioner_finds_a_review_to_sign_on_their_home_page_and_log(app, world):
    public_id = record(app, world)
    lsp = world.client(app, "lsp")
    home, log = text_of(lsp.get("/")), lsp.get("/cpd").get_data(as_text=True)
    assert "Read and sign your annual progress review" in home
    assert f"/cpd/reviews/{public_id}" in lsp.get("/").get_data(as_text=True)
    assert f"/cpd/reviews/{public_id}" in log and "Waiting for your signature" in log
    assert sign(app, world, "lsp", public_id).status_code == 302
    assert "Read and sign your" not in text_of(lsp.get("/"))
    assert "Waiting for your line manager" in lsp.get("/cpd").get_data(as_text=True)
    assert sign(app, world, "senco", public_id).status_code == 302
    assert "Signed by both" in lsp.get("/cpd").get_data(as_text=True)
    # The manager's home page names the report with a link to their log.
    manager_home = world.client(app, "senco").get("/").get_data(as_text=True)
    assert f"/cpd/people/{world.accounts['lsp'].public_id}" in manager_home
    assert "Read and sign your" not in text_of(world.client(app, "senco").get("/"))  # not the manager's to sign there
