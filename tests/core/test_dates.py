"""Dates and times shown on the school's clock (app.core.dates): the formats, and every page kind that shows a time."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, update

from app.agencies.accounts.models import Agency, AgencyKind
from app.core import dates
from app.extensions import db
from config import BASE_DIR
from tests.fixtures.application import sign_in, text_of

SUMMER = datetime(2026, 7, 14, 23, 30, tzinfo=UTC)  # British Summer Time: 00:30 on 15 July in London
WINTER = datetime(2026, 12, 3, 14, 5, 9, tzinfo=UTC)  # GMT: London's clock reads UTC


# --- the formats -----------------------------------------------------------------------------------------------


@pytest.fixture
def london(app):
    with app.test_request_context():
        yield


FORMATS = [
    # (format, value, expected)
    (dates.day, SUMMER, "15 July 2026"),
    (dates.day, WINTER, "3 December 2026"),
    (dates.day_and_time, SUMMER, "15 July 2026 at 00:30"),
    (dates.day_and_time, WINTER, "3 December 2026 at 14:05"),
    (dates.time_of_day, SUMMER, "00:30"),
    (dates.time_of_day, WINTER, "14:05"),
    (dates.month, datetime(2026, 7, 31, 23, 30, tzinfo=UTC), "August 2026"),
    (dates.month, WINTER, "December 2026"),
    (dates.short, SUMMER, "15 Jul 2026, 00:30"),
    (dates.short, WINTER, "3 Dec 2026, 14:05"),
    (dates.iso_day, SUMMER, "2026-07-15"),
    (dates.iso_day, WINTER, "2026-12-03"),
    (dates.long_day, SUMMER, "Wednesday 15 July 2026"),
    (dates.long_day, WINTER, "Thursday 3 December 2026"),
    (dates.short_day, SUMMER, "15 Jul 2026"),
    (dates.short_day, WINTER, "3 Dec 2026"),
    # A moment given in another zone is the same moment: shown on the school's clock.
    (dates.day_and_time, SUMMER.astimezone(ZoneInfo("America/New_York")), "15 July 2026 at 00:30"),
    # The clocks going forward (29 March 2026, 01:00 UTC) and back (25 October 2026, 01:00 UTC).
    (dates.time_of_day, datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "00:59"),
    (dates.time_of_day, datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "02:00"),
    (dates.time_of_day, datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "01:30"),
    (dates.time_of_day, datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "01:30"),
    # A naive datetime is UTC (what the app stores; SQLite can hand one back).
    (dates.day_and_time, SUMMER.replace(tzinfo=None), "15 July 2026 at 00:30"),
    (dates.iso_day, SUMMER.replace(tzinfo=None), "2026-07-15"),
    # A plain date is a day on the calendar and a plain time a time on the school's clock: never moved.
    (dates.day, date(2026, 7, 14), "14 July 2026"),
    (dates.month, date(2026, 7, 31), "July 2026"),
    (dates.iso_day, date(2026, 7, 14), "2026-07-14"),
    (dates.long_day, date(2026, 7, 14), "Tuesday 14 July 2026"),
    (dates.short_day, date(2026, 7, 14), "14 Jul 2026"),
    (dates.time_of_day, time(23, 30), "23:30"),
]


@pytest.mark.parametrize(("format_", "value", "expected"), FORMATS,
                         ids=[f"{f.__name__}-{v!r}" for f, v, _ in FORMATS])
def test_each_format_shows_the_school_clock(london, format_, value, expected):
    assert format_(value) == expected


def test_short_can_show_seconds(london):
    assert dates.short(WINTER, with_seconds=True) == "3 Dec 2026, 14:05:09"
    assert dates.short(SUMMER, with_seconds=True) == "15 Jul 2026, 00:30:00"


@pytest.mark.parametrize("format_", [dates.day, dates.long_day, dates.short_day, dates.day_and_time,
                                     dates.time_of_day, dates.month, dates.short, dates.iso_day])
def test_nothing_shows_as_nothing(london, format_):
    assert format_(None) == ""


@pytest.mark.parametrize("format_", [dates.day_and_time, dates.short])
def test_a_time_of_day_needs_a_moment_not_a_calendar_day(london, format_):
    with pytest.raises(TypeError):
        format_(date(2026, 7, 14))


def test_the_zone_is_the_configured_one(app):
    app.config["BRAID_TIMEZONE"] = "Asia/Tokyo"  # UTC+9, no summer time
    with app.test_request_context():
        assert dates.school_zone() == ZoneInfo("Asia/Tokyo")
        assert dates.day_and_time(SUMMER) == "15 July 2026 at 08:30"
        assert dates.day(date(2026, 7, 14)) == "14 July 2026"
    del app.config["BRAID_TIMEZONE"]
    with app.test_request_context():
        assert dates.school_zone() == ZoneInfo("Europe/London")


def test_the_end_of_a_day_is_the_school_day_s_last_second(london):
    assert dates.end_of_day(date(2026, 7, 24)) == datetime(2026, 7, 24, 22, 59, 59, tzinfo=UTC)
    assert dates.end_of_day(date(2026, 12, 24)) == datetime(2026, 12, 24, 23, 59, 59, tzinfo=UTC)
    assert dates.day(dates.end_of_day(date(2026, 7, 24))) == "24 July 2026"


def test_today_is_the_school_s_day(london):
    assert dates.today() == datetime.now(ZoneInfo("Europe/London")).date()


def test_the_day_of_a_moment_is_the_school_s(london):
    assert dates.school_day(SUMMER) == date(2026, 7, 15)
    assert dates.school_day(date(2026, 7, 14)) == date(2026, 7, 14)


def test_every_format_is_a_template_filter(app):
    with app.test_request_context():
        render = app.jinja_env.from_string(
            "{{ t|day }}|{{ t|long_day }}|{{ t|short_day }}|{{ t|day_and_time }}|{{ t|time_of_day }}|{{ t|month }}|"
            "{{ t|short }}|{{ t|iso_day }}").render
        assert render(t=SUMMER) == ("15 July 2026|Wednesday 15 July 2026|15 Jul 2026|15 July 2026 at 00:30|00:30|"
                                    "July 2026|15 Jul 2026, 00:30|2026-07-15")
    # The names templates used before this module are gone from it: every template uses the names above.
    assert not {"audit_time", "audit_day", "clock_time"} & set(dates.FILTERS)


def test_a_date_hint_counts_from_the_school_s_today(app, london):
    today = dates.today()
    ahead, born = today + timedelta(days=90), today.replace(year=today.year - 8, day=min(today.day, 28))

    def spelled(on: date) -> str:
        return f"For example, {on.day} {on.month} {on.year}"

    assert dates.date_hint() == spelled(today)
    assert dates.date_hint(days=90) == spelled(ahead)
    assert dates.date_hint(years=-8) == spelled(born)
    assert dates.date_hint(days=90, before="Within a year.") == f"Within a year. {spelled(ahead)}"
    assert app.jinja_env.from_string("{{ date_hint(days=90) }}").render() == spelled(ahead)


def _template_lines():
    comment = re.compile(r"\{#.*?#\}", re.DOTALL)
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        # Comments may say where a value comes from; only the template's code is read.
        code = comment.sub(lambda found: "\n" * found.group().count("\n"), path.read_text())
        for number, line in enumerate(code.splitlines(), start=1):
            yield f"{path.relative_to(BASE_DIR)}:{number}", line


def test_no_template_formats_a_date_itself():
    """Every date and time on a page goes through app.core.dates: no strftime or its codes, no ISO text, no day
    taken from a moment in UTC, no UTC label."""
    inline = re.compile(r"strftime|isoformat|\.date\(\)|\.time\(\)|astimezone|%-?[aAbBdHIMmpSYy]\b|\bUTC\b|\butcnow\b")
    assert [where for where, line in _template_lines() if inline.search(line)] == []


def test_no_date_example_is_written_out():
    """A hint's "For example, 27 3 2025" went stale as the year turned (a target date already past): every example
    comes from date_hint, counted from today."""
    written = re.compile(r"\b\d{1,2} \d{1,2} \d{4}\b")
    code = [f"{path.relative_to(BASE_DIR)}:{number}"
            for path in sorted((BASE_DIR / "app").rglob("*.py")) if path.parts[-2] != "demo" and path.name != "dates.py"
            for number, line in enumerate(path.read_text().splitlines(), 1) if written.search(line)]
    assert [where for where, line in _template_lines() if written.search(line)] + code == []


def test_no_template_calls_a_service():
    """Templates get plain values from their views: no service module, nothing that queries while the page is drawn."""
    calls = re.compile(r"\bservices\.|active_break_glass|break_glass_offered\(")
    assert [where for where, line in _template_lines() if calls.search(line)] == []


def test_the_app_asks_one_clock_what_day_it_is():
    """"Today" (a date in the future, this CPD year, an overdue action) is the school's day, from app.core.dates:
    never the server's date or UTC's, which are a day behind between midnight and 01:00 in summer."""
    elsewhere = re.compile(r"\bdate\.today\(\)|utcnow\(\)\.date\(\)|datetime\.now\(\)|datetime\.today\(\)")
    found = [f"{path.relative_to(BASE_DIR)}:{number}"
             for path in sorted((BASE_DIR / "app").rglob("*.py"))
             for number, line in enumerate(path.read_text().splitlines(), 1) if elsewhere.search(line)]
    assert found == []


# --- every page kind that shows a time, at 23:30 UTC in British Summer Time --------------------------------------

PAST = SUMMER  # when something happened: 15 July 2026, 00:30 in London
FUTURE = datetime(2027, 7, 14, 23, 30, tzinfo=UTC)  # when access ends: 15 July 2027, 00:30 in London
SCHOOL = "Summertime Primary"


def _table(name: str):
    # The tables by name, not the models: the page is what is tested, and the models' modules are moving.
    return db.metadata.tables[name]


def _set(app, table: str, public_id: str, **values) -> None:
    with app.app_context():
        rows = _table(table)
        assert db.session.execute(update(rows).where(rows.c.public_id == public_id).values(**values)).rowcount == 1
        db.session.commit()


def _id_of(table: str, public_id: str) -> int:
    rows = _table(table)
    return db.session.scalar(select(rows.c.id).where(rows.c.public_id == public_id))


def _signed_in(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def _created(response, pattern: str) -> str:
    assert response.status_code == 302, text_of(response)[:2000]
    match = re.fullmatch(pattern, response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _day_fields(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _written(day: date) -> str:
    # The day as a page writes it, worked out here without app.core.dates (%B is English in the tests' C locale).
    return f"{day.day} {day:%B} {day.year}"


LONDON = ZoneInfo("Europe/London")


def _latest_summer_night() -> datetime:
    """The latest 23:30 UTC, a day ago or more, on which London kept summer time: never more than about five
    months back (summer time ends in late October and starts in late March), so the CPD log still offers work
    written then (it offers six months)."""
    night = datetime.combine(date.today() - timedelta(days=1), time(23, 30), tzinfo=UTC)
    while night.astimezone(LONDON).utcoffset() != timedelta(hours=1):
        night -= timedelta(days=1)
    return night


@pytest.fixture
def summer_world(app, create_agency, create_user, create_case, add_to_team):
    """One case whose every record happened at 23:30 UTC on 14 July 2026, and whose access ends at 23:30 UTC on
    14 July 2027: the pages must say 15 July at 00:30."""
    school = create_agency(name=SCHOOL)
    nhs = create_agency(AgencyKind.NHS_SERVICE, name="Summertime SLT Service")
    senco_account = create_user("senco", agency=school, name="Priya Senco")
    senco_email = senco_account.email
    accounts = {
        "senco": senco_account,
        "lsp": create_user("lsp", agency=school, name="Tom Lsp", line_manager=senco_email),
        "dsl": create_user("dsl", agency=school, name="Dee Lead"),
        "admin": create_user("admin", agency=school, name="Ada Admin"),
        "parent": create_user("parent", name="Pat Parent"),
    }
    learner = create_case(school=school, name="Sunny Learner")
    for who in ("lsp", "parent"):
        add_to_team(learner, accounts[who])
    clients = {who: _signed_in(app, accounts[who]) for who in ("senco", "lsp", "dsl", "admin", "parent")}
    senco, lsp, dsl = clients["senco"], clients["lsp"], clients["dsl"]
    today = date.today()

    # Case work: a plan, a contribution changed once, a concern and its action, a signed-off meeting.
    assert senco.post(f"/learners/{learner}/plan").status_code == 302
    with app.app_context():
        cycles, plans, learners = _table("plan_cycle"), _table("support_plan"), _table("learner")
        cycle = db.session.scalar(select(cycles.c.public_id).join(plans, plans.c.id == cycles.c.plan_id)
                                  .join(learners, learners.c.id == plans.c.learner_id)
                                  .where(learners.c.public_id == learner))
    contribution = _created(lsp.post(f"/learners/{learner}/contributions/new", data={
        "kind": "intervention_record", "visibility": "team", "title": "Phonics group", "body": "<p>Week 1</p>"}),
        r"/contributions/([^/]+)")
    assert lsp.post(f"/contributions/{contribution}/edit", data={
        "version": "1", "visibility": "team", "title": "Phonics group", "body": "<p>Week 2</p>"}).status_code == 302
    # Moved now, before an entry of the CPD log copies the day it was written.
    _set(app, "contribution", contribution, created_at=PAST, updated_at=PAST)
    with app.app_context():
        revisions = _table("contribution_revision")
        db.session.execute(update(revisions).where(revisions.c.contribution_id == _id_of("contribution", contribution))
                           .values(written_at=PAST))
        db.session.commit()
    # Recent enough for the CPD log to offer it (a summer night of the last six months, not 14 July 2026).
    recent = _created(lsp.post(f"/learners/{learner}/contributions/new", data={
        "kind": "intervention_record", "visibility": "team", "title": "Reading group", "body": "<p>Week 1</p>"}),
        r"/contributions/([^/]+)")
    night = _latest_summer_night()
    _set(app, "contribution", recent, created_at=night, updated_at=night)
    concern = _created(lsp.post(f"/learners/{learner}/concerns/new", data={"concern": "Came in without a coat."}),
                       r"/concerns/([^/]+)")
    assert dsl.post(f"/concerns/{concern}/action", data={"action_taken": "Rang home.", "version": "1"}).status_code \
        == 302
    senco_id = accounts["senco"].public_id
    meeting = _created(lsp.post(f"/learners/{learner}/meetings/new", data={
        "kind": "planning", "held_on": _day_fields(today), "starts_at": "09:30", "duration_minutes": "60",
        "chair": senco_id, f"attendance-{senco_id}": "present", f"attendance-{accounts['lsp'].public_id}": "present",
        "agenda": "<p>Targets</p>", "minutes": "<p>Settled well</p>", "decisions": "<p>Carry on</p>"}),
        r"/meetings/([^/]+)")
    assert senco.post(f"/meetings/{meeting}/sign-off", data={"version": "1"}).status_code == 302
    invited = senco.post(f"/learners/{learner}/team/invite", data={
        "display_name": "Megan Test", "email": "megan.test@summertime.example", "role": "slt",
        "agency": _public_id_of_agency(app, nhs), "new_agency_name": "", "new_agency_kind": "",
        "access_ends_on": _day_fields(today + timedelta(days=60))})
    assert invited.status_code == 200, text_of(invited)[:2000]
    invitation_link = re.search(r'id="invitation-link"[^>]*value="[^"]*(/invitations/accept/[^"]+)"', text_of(invited))
    assert invitation_link, text_of(invited)[:2000]

    # CPD: an entry, one reflecting on the contribution, a goal, and a progress review both signed.
    reflection = {
        "reflective_model": "driscoll", "activity_on": _day_fields(today), "hours": "1.5",
        "participation": "individual", "content": "One-minute probes.", "prompt_what": "I watched it.",
        "prompt_so_what": "It suits my group.", "prompt_now_what": "Try it.", "action_what": "Use probes",
        "action_how": "Two learners first", "action_by": _day_fields(today + timedelta(days=14)),
        "standard_codes": ["AP 12"]}
    entry = _created(lsp.post("/cpd/entries/new", data={
        **reflection, "activity_type": "webinar", "title": "Webinar: precision teaching"}), r"/cpd/entries/([^/]+)")
    case_work = _created(lsp.post(f"/cpd/entries/new/from-contribution/{contribution}", data={
        **reflection, "title": "Reflection on my phonics group"}), r"/cpd/entries/([^/]+)")
    goal = _created(lsp.post("/cpd/goals/new", data={
        "specific": "Use a now-and-next board with the three learners I support in maths",
        "measure": "SENCo observes it used in 3 of 4 sessions", "relevant_to": "standard", "standard_code": "AP 12",
        "target_on": _day_fields(today + timedelta(days=60))}), r"/cpd/goals/([^/]+)")
    review = _created(senco.post(f"/cpd/people/{accounts['lsp'].public_id}/reviews/new", data={
        "kind": "annual", "held_on": _day_fields(today - timedelta(days=1)),
        "individual_summary": "Two groups run.", "manager_summary": "Grown in confidence.",
        "key_targets": "A reading group", "personal_development": "ELSA training",
        "targets-0-goal": "", "targets-0-target": "Keep the log up to date", "targets-0-achieved": "yes",
        "revised_targets": "Lead the group", "development_needs": "Phonics refresher", "comments": ""}),
        r"/cpd/reviews/([^/]+)")
    for client in (senco, lsp):
        assert client.post(f"/cpd/reviews/{review}/sign", data={"version": "1"}).status_code == 302

    # The DSL exports the trail once (the export page lists when).
    exported = dsl.post("/audit/export", data={"purpose": "subject_access", "details": "A request from home."})
    assert exported.status_code == 200 and exported.mimetype == "text/csv", text_of(exported)[:2000]

    # Now every other moment moves to the summer night.
    _set(app, "plan_cycle", cycle, stage="closed", closed_at=PAST)  # the stage says it is closed; closed_at when
    _set(app, "safeguarding_concern", concern, recorded_at=PAST, action_recorded_at=PAST)
    _set(app, "meeting", meeting, signed_off_at=PAST)
    with app.app_context():
        records = _table("meeting_record")
        db.session.execute(update(records).where(records.c.meeting_id == _id_of("meeting", meeting))
                           .values(signed_off_at=PAST))
        memberships, invitations = _table("team_membership"), _table("invitation")
        learner_id = _id_of("learner", learner)
        db.session.execute(update(memberships).where(memberships.c.learner_id == learner_id)
                           .values(starts_at=PAST, ends_at=FUTURE))
        db.session.execute(update(invitations).where(invitations.c.learner_id == learner_id)
                           .values(expires_at=FUTURE, access_ends_at=FUTURE))
        db.session.execute(update(_table("audit_export")).values(created_at=PAST))
        db.session.commit()
    _set(app, "cpd_entry", entry, updated_at=PAST)
    _set(app, "cpd_goal", goal, created_at=PAST)
    _set(app, "cpd_progress_review", review, manager_signed_at=PAST, practitioner_signed_at=PAST)
    _set(app, "user_account", accounts["lsp"].public_id, last_login_at=PAST, access_expires_at=FUTURE)
    _set(app, "user_account", accounts["parent"].public_id, access_expires_at=FUTURE)
    with app.app_context():
        # The trail is append-only: the summer night's event is written as it was, not moved there.
        events, named = _table("audit_event"), _table("audit_event_learner")
        parent_id = _id_of("user_account", accounts["parent"].public_id)
        school_id = db.session.scalar(select(Agency.id).where(Agency.name.matches(school)))
        event_id = db.session.execute(insert(events).returning(events.c.id), [dict(
            occurred_at=PAST, actor_id=parent_id, actor_role="parent", actor_agency_id=None, action="view",
            outcome="allowed", object_type="learner", object_public_id=learner, learner_public_ids=learner,
            school_id=school_id, request_id=None, ip_address="10.0.0.9", fields_changed=None, purpose=None,
            out_of_hours=True)]).scalar_one()
        db.session.execute(insert(named), [dict(learner_public_id=learner, event_id=event_id, school_id=school_id)])
        db.session.execute(insert(_table("job_run")), [dict(
            public_id="summer-night-run", name="mail.send", arguments="{}", status="failed", attempts=3,
            max_attempts=3, last_error="SMTPException", queued_at=PAST, started_at=PAST, finished_at=PAST,
            next_attempt_at=PAST)])
        db.session.commit()
    return dict(clients=clients, learner=learner, cycle=cycle, contribution=contribution, recent=recent,
                concern=concern, meeting=meeting, entry=entry, case_work=case_work, goal=goal, review=review,
                invitation=invitation_link.group(1), accounts=accounts, today=today,
                night=(_written(night.astimezone(LONDON).date()), _written(night.date())))


def _public_id_of_agency(app, name: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Agency.public_id).where(Agency.name.matches(name)))  # sealed: by its index


ON_THE_DAY = ["15 July 2026"]
AT_THE_TIME = ["15 July 2026 at 00:30"]
IN_THE_TRAIL = ["15 Jul 2026, 00:30"]
ENDS = ["15 July 2027"]
ENDS_IN_THE_TRAIL = ["15 Jul 2027, 00:30"]
# (page kind, who reads it, its address, what it must show). Pages that show only days on the calendar (a
# meeting's date, a goal's target, an entry's activity) are read too: none of them may show UTC's day.
PAGES = [
    ("contribution page", "lsp", "/contributions/{contribution}", ON_THE_DAY + AT_THE_TIME),
    ("contribution history", "lsp", "/contributions/{contribution}/history", AT_THE_TIME),
    ("contributions list", "lsp", "/learners/{learner}/contributions", ON_THE_DAY),
    ("support plan (its contributions, its closed cycle)", "senco", "/learners/{learner}/plan",
     ON_THE_DAY + ["Closed on 15 July 2026"]),
    ("plan cycle (closed on)", "senco", "/cycles/{cycle}", ["Closed on 15 July 2026"]),
    ("concern page", "dsl", "/concerns/{concern}", AT_THE_TIME),
    ("concerns list", "dsl", "/concerns", ON_THE_DAY),
    ("meetings list", "senco", "/learners/{learner}/meetings", ["{today}"]),
    ("meeting page", "senco", "/meetings/{meeting}", ["signed off on 15 July 2026 at 00:30",
                                                      "Version 1, signed off on 15 July 2026"]),
    ("signed-off meeting record", "senco", "/meetings/{meeting}/records/1", ["signed off on 15 July 2026 at 00:30"]),
    ("team page (members and invitations)", "senco", "/learners/{learner}/team", ON_THE_DAY + ENDS),
    ("invitation, to accept", None, "{invitation}", ENDS),
    ("CPD log (case work not yet reflected on)", "lsp", "/cpd", ["{night}"]),
    ("CPD entry from case work, being written", "lsp", "/cpd/entries/new/from-contribution/{recent}?model=driscoll",
     ["{night}"]),
    ("CPD entry page", "lsp", "/cpd/entries/{entry}", AT_THE_TIME),
    ("CPD entry reflecting on case work", "lsp", "/cpd/entries/{case_work}", ON_THE_DAY),
    ("CPD goal page", "lsp", "/cpd/goals/{goal}", ON_THE_DAY),
    ("progress review page", "senco", "/cpd/reviews/{review}", ["signed on 15 July 2026"]),
    ("a line manager's report of a CPD log", "senco", "/cpd/people/{lsp}", []),
    ("CPD export page", "lsp", "/cpd/people/{lsp}/export", []),
    ("audit review", "dsl", "/audit", IN_THE_TRAIL + ENDS_IN_THE_TRAIL),
    ("learner access history", "dsl", "/audit/learner?learner={learner}", IN_THE_TRAIL),
    ("a person's activity", "dsl", "/audit/person?user={parent}", IN_THE_TRAIL + ENDS_IN_THE_TRAIL),
    ("flagged patterns (out of hours)", "dsl", "/audit/flags?date_from=2026-07-01&date_to=2026-07-31", IN_THE_TRAIL),
    ("audit export page (exports made)", "dsl", "/audit/export", IN_THE_TRAIL),
    ("jobs admin page", "admin", "/admin/jobs", ["15 Jul 2026, 00:30:00"]),
    ("account detail", "admin", "/accounts/{lsp}", ["15 July 2026 at 00:30", "15 July 2027"]),
    ("home page of someone whose access ends", "parent", "/", ENDS),
    ("home page of someone with case work and a CPD log", "lsp", "/", []),
]
# What each page would show if it printed UTC.
UTC_SHOWN = ("14 July 2026", "14 Jul 2026", "14 July 2027", "14 Jul 2027", "23:30")


def test_a_time_at_2330_utc_in_summer_shows_the_next_day_at_0030_on_every_page_kind(app, summer_world):
    night, night_in_utc = summer_world["night"]
    ids = {key: value for key, value in summer_world.items() if isinstance(value, str)}
    ids.update(parent=summer_world["accounts"]["parent"].public_id, lsp=summer_world["accounts"]["lsp"].public_id,
               today=_written(summer_world["today"]), night=night)
    anyone = app.test_client()
    wrong = []
    for kind, who, address, shown in PAGES:
        response = (summer_world["clients"][who] if who else anyone).get(address.format(**ids))
        if response.status_code != 200:
            wrong.append(f"{kind}: status {response.status_code}")
            continue
        page = " ".join(text_of(response).split())
        wrong += [f"{kind}: {text.format(**ids)!r} missing" for text in shown if text.format(**ids) not in page]
        utc_shown = UTC_SHOWN + ((night_in_utc,) if "{night}" in shown else ())
        wrong += [f"{kind}: shows UTC {text!r}" for text in utc_shown if text in page]

    # The reflective record, as a file: its case work is dated the school's day the work was written.
    exported = summer_world["clients"]["lsp"].post(f"/cpd/people/{ids['lsp']}/export", data={
        "year": _cpd_year_offered(summer_world["clients"]["lsp"], ids["lsp"]), "file_format": "csv",
        "purpose": "cpd_own_records"})
    if exported.status_code != 200 or exported.mimetype != "text/csv":
        wrong.append(f"CPD export file: status {exported.status_code}")
    else:
        record = exported.get_data(as_text=True)
        wrong += [f"CPD export file: {text!r} missing" for text in ["on 15 July 2026"] if text not in record]
        wrong += [f"CPD export file: shows UTC {text!r}" for text in UTC_SHOWN if text in record]
    assert not wrong, "\n".join(wrong)


def _cpd_year_offered(client, owner: str) -> str:
    """The CPD year the export form offers first (this year): its value as the form sends it."""
    form = text_of(client.get(f"/cpd/people/{owner}/export"))
    found = re.search(r'name="year".*?value="(\d{4}-\d{2}-\d{2})"', form, re.DOTALL)
    assert found, form[:2000]
    return found.group(1)


def test_a_day_access_ends_on_reads_back_as_typed_in_summer(app, create_agency, create_user, create_case):
    """Access that ends "on" a summer day ends at the end of that day on the school's clock, so the pages show
    the day that was typed, not the next (23:59:59 UTC is already tomorrow in London)."""
    school = create_agency(name=SCHOOL)
    nhs = create_agency(AgencyKind.NHS_SERVICE, name="Summertime SLT Service")
    senco = _signed_in(app, create_user("senco", agency=school))
    learner = create_case(school=school, name="Sunny Learner")
    ends = date.today() + timedelta(days=1)
    while datetime.combine(ends, time(12), tzinfo=LONDON).utcoffset() != timedelta(hours=1):
        ends += timedelta(days=1)  # the next summer day: always within the year an invitation may give
    invited = senco.post(f"/learners/{learner}/team/invite", data={
        "display_name": "Megan Test", "email": "megan.test@summertime.example", "role": "slt",
        "agency": _public_id_of_agency(app, nhs), "new_agency_name": "", "new_agency_kind": "",
        "access_ends_on": _day_fields(ends)})
    assert invited.status_code == 200, text_of(invited)[:2000]
    assert f"case will end on {_written(ends)}" in " ".join(text_of(invited).split())
    team = " ".join(text_of(senco.get(f"/learners/{learner}/team")).split())
    assert _written(ends) in team and _written(ends + timedelta(days=1)) not in team


def test_the_break_glass_banner_shows_the_configured_zone(app, create_agency, create_user, create_case):
    """The banner and the home page show only a live grant, so they are read now, with the school's clock set
    nine hours ahead."""
    app.config["BRAID_TIMEZONE"] = "Asia/Tokyo"
    school = create_agency(name=SCHOOL)
    learner = create_case(school=school, name="Glass Learner")
    outsider = _signed_in(app, create_user("teacher", agency=school))
    opened = outsider.post("/break-glass", data={"learner": learner, "purpose": "safeguarding",
                                                 "reason": "The office rang: I need the transition plan now."})
    assert opened.status_code == 302, text_of(opened)[:2000]
    with app.app_context():
        grants = _table("break_glass_access")
        started, ends = db.session.execute(select(grants.c.started_at, grants.c.expires_at)).one()
    tokyo, utc = ZoneInfo("Asia/Tokyo"), UTC
    for address in (f"/learners/{learner}", f"/learners/{learner}/plan", f"/learners/{learner}/contributions"):
        banner = " ".join(text_of(outsider.get(address)).split())
        assert (f"break-glass access at {started.astimezone(tokyo):%H:%M}; it ends at {ends.astimezone(tokyo):%H:%M}"
                in banner), address
        assert f"access at {started.astimezone(utc):%H:%M}" not in banner
    grants = re.search(r'id="break-glass-grants".*?</table>', text_of(outsider.get("/")), re.DOTALL)
    assert grants and "Glass Learner" in grants.group()
    assert f">{ends.astimezone(tokyo):%H:%M}</td>" in grants.group()
    assert f">{ends.astimezone(utc):%H:%M}</td>" not in grants.group()
