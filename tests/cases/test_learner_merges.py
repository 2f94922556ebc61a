"""Merging two records of one learner: the SENCo chooses what survives, the whole case follows the survivor, the
merged-away id still leads there, both records' trails say so, and bad or stale requests change nothing."""
from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import Agency, AgencyKind, Role, User
from app.audit.models import AuditAction, AuditEvent, PurposeCategory
from app.cases.break_glass import services as break_glass
from app.cases.break_glass.models import BreakGlassAccess
from app.cases.concerns import services as concerns
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions import services as contributions
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner, LearnerRevision
from app.cases.meetings import services as meetings
from app.cases.meetings.models import Attendance, Meeting, MeetingKind
from app.cases.meetings.services import MeetingDetails
from app.cases.plans import services as plans
from app.cases.plans.models import CycleStage, PlanCycle, SupportPlan
from app.cases.team import services as team
from app.cases.team.models import Invitation, TeamMembership
from app.cases.trail import merged_aliases
from app.cpd.entries import services as cpd
from app.cpd.entries.models import CaseEvidence
from app.extensions import db
from app.types import utcnow
from tests import test_authorization_matrix as matrix
from tests.fixtures.application import text_of
from tests.fixtures.learners import make_learner

TWIN = {"notes": "TWIN-SENTINEL-NOTES-5e1c", "views": "TWIN-SENTINEL-VIEWS-77ab",
        "contribution": "TWIN-SENTINEL-CONTRIBUTION-c0d4", "minutes": "TWIN-SENTINEL-MINUTES-19f2",
        "concern": "TWIN-SENTINEL-CONCERN-a6b8"}


def _user(account) -> User:
    return db.session.scalars(select(User).where(User.public_id == account.public_id)).one()


def _learner(public_id) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()


def fill_twin(app, twin_id: str, *, senco, lsp, teacher, dsl, plan: bool = True) -> None:
    """A whole case on the duplicate record: team, an open plan cycle, a contribution (with a CPD entry on it), a
    signed-off meeting, a concern, an invitation and a break-glass opening."""
    today = utcnow().date()
    with app.app_context():
        senco, lsp, teacher, dsl = (_user(account) for account in (senco, lsp, teacher, dsl))
        twin = _learner(twin_id)
        twin.notes = TWIN["notes"]
        db.session.flush()
        if plan:
            cycle = plans.start_plan(senco, twin)
            plans.update_cycle(senco, cycle, version=cycle.version, assess_on=today,
                               learner_views=f"<p>{TWIN['views']}</p>")
        written = contributions.add_contribution(lsp, twin, kind="intervention_record", visibility="team",
                                                 title="Twin's phonics group", body=f"<p>{TWIN['contribution']}</p>")
        meeting = meetings.record_meeting(senco, twin, MeetingDetails(
            kind=MeetingKind.REVIEW, held_on=today, starts_at=time(10, 0), duration_minutes=30,
            chair=senco.public_id, agenda="<p>Start</p>", minutes=f"<p>{TWIN['minutes']}</p>",
            attendance={senco.public_id: Attendance.PRESENT}, actions=[], shared_with_family=False))
        meetings.sign_off_meeting(senco, meeting, version=meeting.version)
        concerns.record_concern(dsl, twin, concern=TWIN["concern"])
        cpd.record_entry(lsp, cpd.EntryDraft(
            activity_on=today, hours="0.5", activity_type="case_work", participation="individual",
            reflective_model="driscoll", title="Reflecting on the phonics group", content="Small steps.",
            reflection={"what": "A group.", "so_what": "It helped.", "now_what": "Keep going."},
            action_what="Keep the group", action_how="Weekly", action_by=today + timedelta(days=14)), work=written)
        nhs = db.session.scalars(select(Agency).where(Agency.kind == AgencyKind.NHS_SERVICE)).first()
        team.invite_to_case(senco, twin, email="therapist@nhs.example", display_name="Sam Therapist", role=Role.SLT,
                            agency_public_id=nhs.public_id, access_ends_on=today + timedelta(days=60),
                            link_for=lambda token: f"http://localhost/invitations/accept/{token}")
        break_glass.open_break_glass(teacher, twin, purpose=PurposeCategory.COVER, reason="Covering the class today")
        db.session.commit()
        db.session.remove()


@pytest.fixture
def school(app, create_agency, create_user, create_case, add_to_team):
    """One school: SENCo, LSP, teacher, DSL; learner Maya (on the teacher's team) and her duplicate record."""
    name = create_agency(name="Merge School")
    create_agency(AgencyKind.NHS_SERVICE, name="Riverside Therapy")
    people = {role: create_user(role, agency=name) for role in ("senco", "lsp", "teacher", "dsl")}
    maya = create_case(school=name, name="Maya Carter")
    twin = create_case(school=name, name="Maya Carter")  # registered twice (another date of birth: a typo)
    add_to_team(maya, people["teacher"])
    add_to_team(twin, people["lsp"])
    with app.app_context():
        _learner(twin).date_of_birth = date(2017, 5, 14)
        _learner(twin).upn = "C801200001015"
        db.session.commit()
        db.session.remove()
    return {"name": name, "maya": maya, "twin": twin, **people}


def _signed_in(app, account):
    from tests.fixtures.application import sign_in

    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def _merge_form(client, survivor: str, other: str, **changes) -> dict:
    page = client.get(f"/learners/{survivor}/merge/{other}").get_data(as_text=True)
    versions = {name: re.search(rf'name="{name}"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="{name}"', page)
                for name in ("survivor_version", "other_version")}
    form = {name: next(group for group in found.groups() if group) for name, found in versions.items()}
    return {**form, "reason": "Registered twice: the import and by hand", **changes}


def _main(response) -> str:
    """The page's main content, without its one-time values (the form token); a PDF's text."""
    if response.mimetype == "application/pdf":
        return matrix.readable(response)
    main = re.search(r"<main.*</main>", response.get_data(as_text=True), re.S).group(0)
    return re.sub(r'name="csrf_token"[^>]*', "", main)


def _counts(app, learner_id: str) -> dict:
    with app.app_context():
        learner = _learner(learner_id)
        counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model)
                                                    .where(model.learner_id == learner.id))
                  for model in (TeamMembership, Invitation, Contribution, Meeting, SafeguardingConcern,
                                BreakGlassAccess)}
        counts["cycles"] = db.session.scalar(select(func.count()).select_from(PlanCycle).join(SupportPlan)
                                             .where(SupportPlan.learner_id == learner.id))
        db.session.remove()
        return counts


@pytest.mark.both_backends  # the merge's bulk updates and renumbered cycles, on both engines
def test_the_merge_moves_every_kind_of_record_and_keeps_the_replaced_values(app, school):
    fill_twin(app, school["twin"], senco=school["senco"], lsp=school["lsp"], teacher=school["teacher"],
              dsl=school["dsl"])
    senco = _signed_in(app, school["senco"])
    with app.app_context():
        maya = _learner(school["maya"])
        cycle = plans.start_plan(_user(school["senco"]), maya)  # both records have an open cycle
        db.session.commit()
        ours = cycle.public_id
        db.session.remove()
    before = _counts(app, school["twin"])
    assert all(before.values()), before

    page = senco.get(f"/learners/{school['maya']}/merge/{school['twin']}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Which plan cycle continues?" in text and TWIN["notes"] in page.get_data(as_text=True)
    with app.app_context():
        theirs = db.session.scalars(select(PlanCycle.public_id).join(SupportPlan)
                                    .where(SupportPlan.learner_id == _learner(school["twin"]).id)).one()
        db.session.remove()
    form = _merge_form(senco, school["maya"], school["twin"], keep_date_of_birth="other", keep_upn="other",
                       keep_notes="other", continuing_cycle=theirs)
    response = senco.post(f"/learners/{school['maya']}/merge/{school['twin']}", data=form)
    assert response.status_code == 302, text_of(response)[:3000]
    assert response.headers["Location"].endswith(f"/learners/{school['maya']}")

    after, gone = _counts(app, school["maya"]), _counts(app, school["twin"])
    assert not any(gone.values()), gone
    for kind, count in before.items():
        assert after[kind] >= count, kind
    assert after["cycles"] == 2 and after["TeamMembership"] == 2
    with app.app_context():
        maya, twin = _learner(school["maya"]), _learner(school["twin"])
        assert (twin.merged_into_id, twin.merged_by.public_id) == (maya.id, school["senco"].public_id)
        assert twin.merged_at is not None and twin.merge_reason == "Registered twice: the import and by hand"
        assert maya.date_of_birth == date(2017, 5, 14) and maya.upn == "C801200001015" and twin.upn is None
        assert TWIN["notes"] in maya.notes
        plan = plans.plan_of(maya)
        closed, continuing = sorted(plan.cycles, key=lambda cycle: cycle.number)
        assert (closed.public_id, continuing.public_id) == (ours, theirs)
        assert closed.stage is CycleStage.CLOSED and closed.merged_at is not None
        assert continuing.stage is not CycleStage.CLOSED and continuing.learner_views == f"<p>{TWIN['views']}</p>"
        revision = db.session.scalars(select(LearnerRevision)).one()
        assert revision.learner_id == maya.id and revision.merged_from_id == twin.id
        assert revision.field_names == ["date_of_birth", "upn", "notes"] and revision.earlier["upn"] == "Not recorded"
        evidence = db.session.scalars(select(CaseEvidence)).one()
        assert evidence.linked_contribution.learner_id == maya.id  # the CPD link follows its work
        for learner in (maya, twin):  # audited on both records, each event naming both, no values
            events = db.session.scalars(select(AuditEvent).where(
                AuditEvent.action == AuditAction.UPDATE, AuditEvent.object_type == "learner",
                AuditEvent.object_public_id == learner.public_id)).all()
            merge_events = [event for event in events if "merged" in (event.fields_changed or "")]
            assert len(merge_events) == 1
            assert set(merge_events[0].learner_ids) == {maya.public_id, twin.public_id}
        assert "C801200001015" not in repr(tuple(db.session.execute(select(AuditEvent.__table__)).all()))
        db.session.remove()
    assert TWIN["views"] in senco.get(f"/learners/{school['maya']}/plan").get_data(as_text=True)
    assert "closed when two records of this learner were merged" in text_of(senco.get(f"/cycles/{ours}"))
    history = text_of(senco.get(f"/learners/{school['maya']}/history"))
    assert "replaced by those of another record" in history and "14 May 2017" not in history


def test_the_merged_away_id_leads_to_the_survivor_and_leaves_every_list(app, school):
    fill_twin(app, school["twin"], senco=school["senco"], lsp=school["lsp"], teacher=school["teacher"],
              dsl=school["dsl"], plan=False)
    senco = _signed_in(app, school["senco"])
    assert senco.post(f"/learners/{school['maya']}/merge/{school['twin']}",
                      data=_merge_form(senco, school["maya"], school["twin"])).status_code == 302
    # The LSP was on the duplicate's team only: now on Maya's, and the old address shows Maya's case.
    lsp = _signed_in(app, school["lsp"])
    for path in ("", "/plan", "/contributions", "/meetings", "/team"):
        old, new = lsp.get(f"/learners/{school['twin']}{path}"), lsp.get(f"/learners/{school['maya']}{path}")
        assert (old.status_code, new.status_code) == (200, 200), path
        assert _main(old) == _main(new), path
    assert "Twin's phonics group" in text_of(lsp.get(f"/learners/{school['maya']}/contributions"))
    # Out of the lists, the searches and the merge page's choices; the DSL's trail chooser lists Maya once.
    listing = senco.get("/learners").get_data(as_text=True)
    assert school["maya"] in listing and school["twin"] not in listing
    found = senco.post("/learners/find", data={"query": "maya carter"}).get_data(as_text=True)
    assert school["maya"] in found and school["twin"] not in found
    assert school["twin"] not in senco.get(f"/learners/{school['maya']}/merge").get_data(as_text=True)
    # Nor is it a case to open with break-glass (the teacher is on Maya's, so nothing is left to offer).
    teacher = _signed_in(app, school["teacher"])
    assert school["twin"] not in teacher.get("/break-glass?learner_name=Maya+Carter").get_data(as_text=True)
    dsl = _signed_in(app, school["dsl"])
    # The DSL finds a learner by the full name typed: the duplicate, named alike, is no longer among the matches.
    assert dsl.get("/audit?learner_name=Maya+Carter").get_data(as_text=True).count("Maya Carter, Year 4") == 1
    # The DSL's history of Maya holds the duplicate's events from before the merge (its concern, the break-glass).
    history = dsl.get(f"/audit/learner?learner={school['maya']}")
    assert history.status_code == 200
    with app.app_context():
        twin = _learner(school["twin"])
        earlier = db.session.scalars(select(AuditEvent.id).where(
            AuditEvent.learner_public_ids == twin.public_id, AuditEvent.object_type == "safeguarding_concern")).all()
        db.session.remove()
    assert earlier and all(f'data-event-id="{event_id}"' in history.get_data(as_text=True) for event_id in earlier)
    assert "Break-glass" in text_of(history)


def test_the_pick_page_offers_likely_duplicates_first(app, school, create_case):
    create_case(school=school["name"], name="Aaron Abbott")  # first by name, but not a likely duplicate
    senco = _signed_in(app, school["senco"])
    page = senco.get(f"/learners/{school['maya']}/merge").get_data(as_text=True)
    assert page.index(school["twin"]) < page.index("Aaron Abbott") and "likely the same learner" in page
    chosen = senco.post(f"/learners/{school['maya']}/merge", data={"other": school["twin"]})
    assert chosen.headers["Location"].endswith(f"/learners/{school['maya']}/merge/{school['twin']}")
    nothing = senco.post(f"/learners/{school['maya']}/merge", data={"other": school["maya"]})
    assert nothing.status_code == 400 and "Choose the other record" in text_of(nothing)


def _snapshot(app) -> tuple:
    with app.app_context():
        rows = tuple(tuple(row) for model in (Learner, LearnerRevision, TeamMembership, Contribution, PlanCycle)
                     for row in db.session.execute(select(model.__table__).order_by(model.__table__.c.id)))
        db.session.remove()
        return rows


def test_bad_merges_are_refused_and_change_nothing(app, school, create_agency, create_user, create_case):
    fill_twin(app, school["twin"], senco=school["senco"], lsp=school["lsp"], teacher=school["teacher"],
              dsl=school["dsl"])
    with app.app_context():
        plans.start_plan(_user(school["senco"]), _learner(school["maya"]))
        db.session.commit()
        db.session.remove()
    elsewhere = create_case(school=create_agency(name="Elsewhere School"), name="Maya Carter")
    senco = _signed_in(app, school["senco"])
    maya, twin = school["maya"], school["twin"]
    before = _snapshot(app)
    itself = senco.post(f"/learners/{maya}/merge/{maya}", data={"reason": "x", "survivor_version": "1",
                                                                 "other_version": "1"})
    assert itself.status_code == 400 and "cannot be merged with itself" in text_of(itself)
    assert senco.get(f"/learners/{maya}/merge/{elsewhere}").status_code == 404
    assert senco.post(f"/learners/{maya}/merge/{elsewhere}", data={"reason": "x"}).status_code == 404
    no_reason = senco.post(f"/learners/{maya}/merge/{twin}", data=_merge_form(senco, maya, twin, reason=""))
    assert no_reason.status_code == 400 and "Enter why these records are being merged" in text_of(no_reason)
    no_cycle = senco.post(f"/learners/{maya}/merge/{twin}", data=_merge_form(senco, maya, twin))
    assert no_cycle.status_code == 400 and "Choose which plan cycle continues" in text_of(no_cycle)
    for role in ("teacher", "lsp", "dsl"):
        refused = _signed_in(app, school[role]).post(f"/learners/{maya}/merge/{twin}",
                                                     data=_merge_form(senco, maya, twin))
        assert refused.status_code in (403, 404), role
    assert _snapshot(app) == before
    # Once merged, the duplicate cannot be merged again, neither way round.
    with app.app_context():
        ours = plans.current_cycle(plans.plan_of(_learner(maya))).public_id
        db.session.remove()
    assert senco.post(f"/learners/{maya}/merge/{twin}",
                      data=_merge_form(senco, maya, twin, continuing_cycle=ours)).status_code == 302
    merged = _snapshot(app)
    again = senco.get(f"/learners/{maya}/merge/{twin}")
    assert again.status_code == 400 and "already been merged" in text_of(again)
    assert senco.post(f"/learners/{twin}/merge/{maya}", data={"reason": "x"}).status_code == 400
    assert _snapshot(app) == merged


def test_a_stale_merge_gets_the_conflict_page_and_merges_nothing(app, school):
    senco = _signed_in(app, school["senco"])
    maya, twin = school["maya"], school["twin"]
    stale = _merge_form(senco, maya, twin, keep_name="other")
    corrected = _merge_form(senco, maya, twin)  # the versions as loaded; then someone corrects Maya's year group
    with app.app_context():
        _learner(maya).year_group = 5
        db.session.commit()
        db.session.remove()
    response = senco.post(f"/learners/{maya}/merge/{twin}", data=stale)
    assert response.status_code == 409 and "changed while you were comparing" in text_of(response)
    with app.app_context():
        assert _learner(twin).merged_into_id is None
        db.session.remove()
    fresh = re.search(r'name="survivor_version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="survivor_version"',
                      response.get_data(as_text=True))
    assert int(next(group for group in fresh.groups() if group)) == int(corrected["survivor_version"]) + 1


@pytest.mark.long_running
def test_after_a_merge_every_page_shows_the_survivor_and_no_other_learner(app, create_agency, create_user,
                                                                          create_case, add_to_team):
    """The authorization matrix's world with a second record of Alpha, its own case filled and merged into Alpha:
    every page the matrix reads answers as before, by the old address as by the new, shows what came from the
    duplicate only to those who may read Alpha's case, and never shows Bravo."""
    built = matrix.build_world(app, create_agency, create_user, create_case, add_to_team)
    world, accounts = built["world"], built["accounts"]
    twin = create_case(school="Alpha School", name="Alpha Learner")
    add_to_team(twin, accounts["lsp"])
    fill_twin(app, twin, senco=accounts["senco"], lsp=accounts["lsp"], teacher=accounts["teacher"],
              dsl=accounts["dsl"], plan=False)
    clients = matrix.sign_in_columns(app, accounts)
    matrix.expire(app, accounts["expired"])
    merged = clients["senco"].post(f"/learners/{world['alpha']}/merge/{twin}",
                                   data=_merge_form(clients["senco"], world["alpha"], twin))
    assert merged.status_code == 302

    gets = [row for row in matrix.ROWS if row[1] == "GET"]
    once = {(endpoint, url) for endpoint, _, url, *_ in gets
            if sum(1 for other in gets if other[0] == endpoint and other[2] == url) == 1}
    mismatches = []
    for endpoint, _, url_template, _, expected_row in gets:
        url = url_template.format(**world)
        for column, expected in zip(matrix.COLUMNS, expected_row, strict=True):
            if column in ("anonymous", "expired"):
                continue  # sent to sign in on every page, by either address (the matrix's last columns)
            cell = f"GET {url_template} as {column}"
            response = clients[column].get(url)
            got, body = matrix.outcome_of(response), matrix.readable(response)
            if "{alpha}" in url_template and (endpoint, url_template) in once and got != expected:
                mismatches.append(f"{cell}: expected {expected}, got {got}")
            for name, sentinel in matrix.BRAVO.items():
                if name not in matrix.BRAVO_SHOWN.get((endpoint, column), set()) and sentinel in body:
                    mismatches.append(f"{cell}: shows Bravo's {name}")
            if got not in (200, 400, 409):
                shown = [name for name, sentinel in {**matrix.ALPHA, **TWIN}.items() if sentinel in body]
                if shown:
                    mismatches.append(f"{cell}: refused, but shows {shown}")
            if "{alpha}" in url_template and "?" not in url_template:
                old = clients[column].get(url_template.replace("{alpha}", twin).format(**world))
                if matrix.outcome_of(old) != got or (got == 200 and _main(old) != _main(response)):
                    mismatches.append(f"{cell}: the merged-away address answers differently")
    assert not mismatches, "\n".join(mismatches)
    # The LSP's CPD log had reflected on both records' work: it now names the child by one reference, the older.
    with app.app_context():
        lsp = _user(accounts["lsp"])
        references = db.session.scalars(select(CaseEvidence.learner_reference).where(
            CaseEvidence.owner_id == lsp.id).order_by(CaseEvidence.id)).all()
        first = db.session.scalars(select(CaseEvidence).where(CaseEvidence.owner_id == lsp.id)
                                   .order_by(CaseEvidence.id)).first()
        assert len(references) == 2 and set(references) == {first.learner_reference}
        db.session.remove()
    # What came from the duplicate is now Alpha's, for those on Alpha's case.
    for column in ("senco", "lsp", "teacher"):
        page = clients[column].get(f"/learners/{world['alpha']}/contributions").get_data(as_text=True)
        assert "Twin&#39;s phonics group" in page or "Twin's phonics group" in page, column
    with app.app_context():
        alpha = _learner(world["alpha"])
        dsl = _user(accounts["dsl"])
        concern = db.session.scalars(select(SafeguardingConcern).where(
            SafeguardingConcern.learner_id == alpha.id, SafeguardingConcern.author_id == dsl.id)).one()
        concern_id = concern.public_id
        db.session.remove()
    page = clients["dsl"].get(f"/concerns/{concern_id}").get_data(as_text=True)
    assert TWIN["concern"] in page and f"/learners/{world['alpha']}" in page
    assert clients["teacher"].get(f"/concerns/{concern_id}").status_code == 404


def test_transfers_moved_work_and_a_leaving_date_follow_the_survivor_and_archived_records_are_never_merged(
        app, school, create_case):
    from app.cases.contributions.misfiled import move_contribution
    from app.cases.contributions.models import ContributionMove
    from app.cases.transfers import services as transfers
    from app.cases.transfers.models import ChildProtectionTransfer, TransferBundle
    from app.cases.year_end.services import mark_leaving

    leaving_on = utcnow().date() + timedelta(days=30)
    with app.app_context():
        senco, dsl, teacher = (_user(school[role]) for role in ("senco", "dsl", "teacher"))
        maya, twin = _learner(school["maya"]), _learner(school["twin"])
        transfers.make_transfer_bundle(senco, twin, receiving_school="Northgate Academy")
        transfers.record_cp_transfer(dsl, twin, receiving_school="Northgate Academy", method="secure_system",
                                     sent_on=utcnow().date())
        misfiled = contributions.add_contribution(teacher, maya, kind="classroom_view", visibility="team",
                                                  title="In class", body="<p>Week 1</p>")
        move_contribution(senco, misfiled, version=misfiled.version, to_learner_public_id=twin.public_id,
                          reason="Filed against the other record")
        mark_leaving(senco, twin, leaving_on)
        db.session.commit()
        db.session.remove()
    senco_client = _signed_in(app, school["senco"])
    response = senco_client.post(f"/learners/{school['maya']}/merge/{school['twin']}",
                                 data=_merge_form(senco_client, school["maya"], school["twin"],
                                                  keep_date_of_birth="survivor", keep_upn="other"))
    assert response.status_code == 302, text_of(response)[:2000]
    with app.app_context():
        maya = _learner(school["maya"])
        for model in (TransferBundle, ChildProtectionTransfer):
            assert [row.learner_id for row in db.session.scalars(select(model))] == [maya.id], model
        move = db.session.scalars(select(ContributionMove)).one()
        assert (move.from_learner_id, move.to_learner_id) == (maya.id, maya.id)
        assert maya.leaving_on == leaving_on
        db.session.remove()
    # An archived leaver is read-only: not offered, and refused by address.
    leaver_id = create_case(school=school["name"], name="Maya Carter")
    with app.app_context():
        _learner(leaver_id).archived_at = utcnow()
        db.session.commit()
        db.session.remove()
    assert leaver_id not in senco_client.get(f"/learners/{school['maya']}/merge").get_data(as_text=True)
    assert senco_client.get(f"/learners/{school['maya']}/merge/{leaver_id}").status_code == 403
    with app.app_context():
        assert _learner(leaver_id).merged_into_id is None
        db.session.remove()


def test_a_learners_history_follows_a_merge_of_a_merged_record_and_never_another_schools(app, school,
                                                                                         create_agency):
    """The trail's aliases of a learner: the records merged into it, those merged into them, and nothing else."""
    other_school = create_agency(name="Another School")
    with app.app_context():
        maya, twin = _learner(school["maya"]), _learner(school["twin"])
        other_school_id = db.session.scalars(select(Agency.id).where(Agency.name.matches(other_school))).one()
        older, elsewhere, unmerged = (make_learner(maya.school_id, 901), make_learner(other_school_id, 902),
                                      make_learner(maya.school_id, 903))
        db.session.flush()
        twin.merged_into_id, older.merged_into_id, elsewhere.merged_into_id = maya.id, twin.id, maya.id
        db.session.commit()
        aliases = merged_aliases(maya.school_id, maya.public_id)
        assert aliases[0] == maya.public_id
        assert sorted(aliases[1:]) == sorted([twin.public_id, older.public_id])
        assert merged_aliases(maya.school_id, unmerged.public_id) == [unmerged.public_id]
        db.session.remove()
