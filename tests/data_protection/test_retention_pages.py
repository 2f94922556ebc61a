"""The DPO's pages: the schedule beside the IRMS defaults, a school edit audited with its old and new values, a legal
hold placed (the tag on the learner's page for staff who see the learner) and lifted, an erasure request refused
with its Article 17(3) ground, and another erased after typing the name; the DSL's review; refusals to others."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import Role, User
from app.audit.models import AuditEvent
from app.cases.concerns.models import SafeguardingConcern
from app.cases.learners.models import Learner
from app.data_protection.retention.models import ChildProtectionReview, ErasureRequest, LegalHold, RetentionRule
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import text_of

SCHOOL = "Hold Primary"


@pytest.fixture
def world(app, create_agency, create_case, client_as, create_user):
    create_agency(name=SCHOOL)
    young = create_case(school=SCHOOL, name="Poppy Lark")
    old = create_case(school=SCHOOL, name="Gideon Ashby")
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == old)).one()
        learner.set_name_and_birth("Gideon Ashby", date(1980, 4, 2))
        db.session.commit()
    return {"young": young, "old": old,
            "dpo": client_as("admin", agency=SCHOOL, dpo_designated_at=utcnow()),
            "senco": client_as("senco", agency=SCHOOL),
            "dsl": client_as("dsl", agency=SCHOOL)}


def test_the_schedule_page_shows_each_rule_beside_its_irms_default_and_an_edit_is_audited(app, world):
    dpo = world["dpo"]
    assert "/data-protection/retention" in dpo.get("/").get_data(as_text=True)
    assert "/data-protection/retention" not in world["senco"].get("/").get_data(as_text=True)
    html = dpo.get("/data-protection/retention").get_data(as_text=True)
    # The DPO (here an administrator, on no team) reaches every learner of the school from this page.
    assert f"/data-protection/learners/{world['old']}/legal-hold" in html and "Poppy Lark" in html
    page = text_of(dpo.get("/data-protection/retention"))
    assert "Date of birth of the child + 31 years, then secure disposal" in page
    assert "Date of birth + 31 years, then destroy" in page and "Changed by the school" not in page
    assert dpo.post("/data-protection/retention/rules/send_file", data={"years": "0", "action": "destroy"}) \
        .status_code == 400
    response = dpo.post("/data-protection/retention/rules/child_protection", data={"years": "30", "action": "review"})
    assert response.status_code == 302
    assert "Date of birth + 30 years, then review" in text_of(dpo.get("/data-protection/retention"))
    with app.app_context():
        rule = db.session.scalars(select(RetentionRule)).one()
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_public_id == rule.public_id)).one()
        assert event.fields_changed == "action: review to review,years: 25 to 30"
    assert dpo.get("/data-protection/retention/rules/audit_trail").status_code == 404
    for role in ("senco", "dsl"):
        assert world[role].get("/data-protection/retention").status_code == 403
        assert world[role].post("/data-protection/retention/rules/send_file",
                                data={"years": "1", "action": "destroy"}).status_code == 403


def test_a_legal_hold_is_placed_shown_to_the_team_and_lifted(app, world):
    dpo, senco, learner = world["dpo"], world["senco"], world["old"]
    assert senco.get(f"/data-protection/learners/{learner}/legal-hold").status_code == 403
    assert dpo.post(f"/data-protection/learners/{learner}/legal-hold", data={"reason": ""}).status_code == 400
    response = dpo.post(f"/data-protection/learners/{learner}/legal-hold",
                        data={"reason": "Appeal to the SEND tribunal", "reference": "SE/26/00417"})
    assert response.status_code == 302
    assert "Legal hold" in text_of(senco.get(f"/learners/{learner}"))
    assert "Legal hold" not in text_of(senco.get(f"/learners/{world['young']}"))
    again = dpo.post(f"/data-protection/learners/{learner}/legal-hold", data={"reason": "Twice"})
    assert again.status_code == 409
    with app.app_context():
        hold = db.session.scalars(select(LegalHold)).one()
        assert hold.reference == "SE/26/00417" and "tribunal" not in str(hold.reason_sealed)
    # Refused while held: 17(3)(e), nothing erased.
    refused = dpo.post(f"/data-protection/learners/{learner}/erasure",
                       data={"requested_by": "Mr Ashby himself", "received_on": ["1", "12", "2026"],
                             "confirm_name": "Gideon Ashby"})
    assert refused.status_code == 302
    assert dpo.post(f"/data-protection/learners/{learner}/legal-hold/lift", data={"reason": "Appeal withdrawn"}) \
        .status_code == 302
    assert "Legal hold" not in text_of(senco.get(f"/learners/{learner}"))
    with app.app_context():
        request = db.session.scalars(select(ErasureRequest)).one()
        assert request.ground.value == "17(3)(e)" and request.outcome.value == "refused"
        assert db.session.scalar(select(func.count()).select_from(Learner).where(Learner.public_id == learner)) == 1


def test_erasure_is_refused_during_retention_and_done_after_it_once_the_name_is_typed(app, world):
    dpo = world["dpo"]
    form = {"requested_by": "Ms Lark, mother", "received_on": ["2", "12", "2026"]}
    assert "Article 17(3)(b)" in text_of(dpo.get(f"/data-protection/learners/{world['young']}/erasure"))
    assert dpo.post(f"/data-protection/learners/{world['young']}/erasure", data=form).status_code == 302
    old = world["old"]
    wrong = dpo.post(f"/data-protection/learners/{old}/erasure", data=dict(form, confirm_name="Someone Else"))
    assert wrong.status_code == 400 and "Type the learner" in text_of(wrong)
    done = dpo.post(f"/data-protection/learners/{old}/erasure", data=dict(form, confirm_name="gideon ashby"))
    assert done.status_code == 302
    page = text_of(dpo.get("/data-protection/retention"))
    assert "Article 17(3)(b)" in page and old in page and "Erasure request (Article 17)" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Learner).where(Learner.public_id == old)) == 0
        assert db.session.scalar(select(func.count()).select_from(Learner)
                                 .where(Learner.public_id == world["young"])) == 1


def test_the_dsl_reviews_a_child_protection_file_due_for_review(app, world):
    dsl, learner = world["dsl"], world["old"]
    with app.app_context():
        row = db.session.scalars(select(Learner).where(Learner.public_id == learner)).one()
        author = db.session.scalars(select(User).where(User.public_id == dsl.account.public_id)).one()
        concern = SafeguardingConcern(learner_id=row.id, author_id=author.id)
        concern.concern = "Sentinel"
        db.session.add(concern)
        db.session.commit()
    assert "Review the child-protection file" in text_of(dsl.get(f"/learners/{learner}"))
    assert world["senco"].get(f"/data-protection/learners/{learner}/child-protection-review").status_code == 403
    missing = dsl.post(f"/data-protection/learners/{learner}/child-protection-review", data={"decision": "keep"})
    assert missing.status_code == 400
    kept = dsl.post(f"/data-protection/learners/{learner}/child-protection-review",
                    data={"decision": "keep", "keep_until": ["1", "1", "2031"], "reason": "Police inquiry still open"})
    assert kept.status_code == 302
    with app.app_context():
        review = db.session.scalars(select(ChildProtectionReview)).one()
        assert review.keep_until == date(2031, 1, 1) and review.reason == "Police inquiry still open"


def test_another_schools_dpo_never_finds_the_learner(app, world, client_as, create_agency):
    other = client_as(Role.ADMIN, agency=create_agency(name="Elsewhere School"), dpo_designated_at=utcnow())
    for path in ("legal-hold", "legal-hold/lift", "erasure"):
        assert other.get(f"/data-protection/learners/{world['old']}/{path}").status_code == 404
