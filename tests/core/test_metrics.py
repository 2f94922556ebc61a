"""GET /metrics: refused without the right bearer token (absent from the config: 404), and with it the request
histogram by endpoint and the gauges read from the database: the job ledger, the audit trail's unsealed events,
checkpoint and verification. Parsed with prometheus-client's own parser."""
from __future__ import annotations

import math

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from app import create_app
from app.audit import chain
from app.audit.events import record
from app.audit.models import AuditAction
from app.core.jobs.models import JobRun, JobStatus
from app.extensions import db
from app.security.deploy import deploy_findings
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.application import sign_in

# Aggregate queries over the ledger and the trail: run on both engines.
pytestmark = pytest.mark.both_backends

TOKEN = "metrics-token-" + "k3Yq9ZpW2vXr7LmN4bTc8HdJ"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_app(app):
    """`app`'s database, field keys and learner key store, with a metrics token."""
    scraped = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "BRAID_FIELD_KEYS": app.config["BRAID_FIELD_KEYS"],
        "BRAID_KEY_STORE_URL": app.config["BRAID_KEY_STORE_URL"],
        "BRAID_METRICS_TOKEN": TOKEN,
    })
    yield scraped
    with scraped.app_context():
        db.session.remove()
        db.engine.dispose()
    scraped.extensions["braid_learner_keys"].dispose()


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def value(samples, name: str, **labels) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def test_metrics_answer_404_while_no_token_is_configured(app, client):
    assert app.config["BRAID_METRICS_TOKEN"] is None
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=BEARER).status_code == 404


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer ", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer wrong",
    f"Bearer {TOKEN.upper()}",
])
def test_metrics_refuse_a_missing_or_wrong_token(metrics_app, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = metrics_app.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "braid_" not in response.get_data(as_text=True)


def test_metrics_are_refused_to_a_signed_in_person_without_the_token(metrics_app, create_user):
    # Signing in is no way in: the token is the only credential (and an administrator's session is not one).
    user = create_user(role="admin")
    client = metrics_app.test_client()
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    assert client.get("/metrics").status_code == 401


def test_the_histogram_counts_requests_by_endpoint_never_by_path(metrics_app):
    client = metrics_app.test_client()
    before = scrape(client)
    key = {"endpoint": "home.health", "method": "GET", "status": "2xx"}
    counted = value(before, "braid_request_duration_seconds_count", **key) or 0
    for _ in range(3):
        assert client.get("/health").status_code == 200
    client.get("/no/such/page/9f8e7d")  # a path that matches no route
    client.get("/invitations/accept/secret-token-abc")  # a route whose URL carries a credential
    after = scrape(client)
    assert value(after, "braid_request_duration_seconds_count", **key) == counted + 3
    assert value(after, "braid_request_duration_seconds_bucket", le="+Inf", **key) == counted + 3
    assert value(after, "braid_request_duration_seconds_sum", **key) > 0
    assert value(after, "braid_request_duration_seconds_count", endpoint="unmatched", method="GET", status="4xx") >= 1
    labels = " ".join(str(labels) for _, labels in after)
    assert "9f8e7d" not in labels and "secret-token" not in labels and "/" not in labels.replace("le", "")
    assert ("endpoint", "cases.invitation_accept") in {pair for _, labels in after for pair in labels}


def test_the_gauges_follow_the_job_ledger(metrics_app):
    with metrics_app.app_context():
        for status in (JobStatus.QUEUED, JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED, JobStatus.DONE):
            db.session.add(JobRun(name="audit.seal", status=status, attempts=1, max_attempts=1))
        db.session.commit()
    samples = scrape(metrics_app.test_client())
    assert value(samples, "braid_database_up") == 1
    assert value(samples, "braid_job_runs", job="audit.seal", status="queued") == 2
    assert value(samples, "braid_job_runs", job="audit.seal", status="running") == 1
    assert value(samples, "braid_job_runs", job="audit.seal", status="failed") == 1
    assert value(samples, "braid_job_runs", job="audit.seal", status="done") is None  # finished work is no alarm
    # Every job has its series, at 0 when it has nothing waiting: an alert need not cope with a missing one.
    assert value(samples, "braid_job_runs", job="outbox.sweep", status="failed") == 0


def test_the_gauges_follow_the_audit_trail_sealing_checkpoints_and_verification(metrics_app):
    client = metrics_app.test_client()
    with metrics_app.app_context():
        for n in range(3):
            record(None, AuditAction.VIEW, object_type="learner", object_public_id=f"quiet-{n}")
        db.session.commit()
        db.session.remove()
    samples = scrape(client)
    assert value(samples, "braid_audit_unsealed_events") == 3
    assert value(samples, "braid_audit_seconds_since_checkpoint") == math.inf
    assert value(samples, "braid_audit_seconds_since_verification") == math.inf
    assert value(samples, "braid_audit_last_verification_intact") == 0

    with metrics_app.app_context():
        assert chain.record_checkpoint() is not None
        db.session.remove()
    samples = scrape(client)
    assert value(samples, "braid_audit_unsealed_events") == 0
    assert 0 <= value(samples, "braid_audit_seconds_since_checkpoint") < 60
    assert value(samples, "braid_audit_seconds_since_verification") == math.inf

    with metrics_app.app_context():
        chain.record_verification(chain.verify_and_sign())
        db.session.commit()
        db.session.remove()
    samples = scrape(client)
    assert 0 <= value(samples, "braid_audit_seconds_since_verification") < 60
    assert value(samples, "braid_audit_last_verification_intact") == 1


def test_the_request_metrics_still_answer_when_the_database_does_not(metrics_app):
    client = metrics_app.test_client()
    client.get("/health")
    with metrics_app.app_context():
        # A table the gauges read is gone (as a database that refuses them): they are left out, never a 500.
        db.session.execute(text("ALTER TABLE job_run RENAME TO job_run_away"))
        db.session.commit()
    samples = scrape(client)
    assert value(samples, "braid_database_up") == 0
    assert value(samples, "braid_audit_unsealed_events") is None
    assert value(samples, "braid_request_duration_seconds_count", endpoint="home.health", method="GET",
                 status="2xx") >= 1


def test_a_scrape_writes_nothing_to_the_audit_trail(metrics_app):
    client = metrics_app.test_client()
    scrape(client)
    client.get("/metrics")  # refused
    with metrics_app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM audit_event")) == 0


@pytest.mark.parametrize(("token", "finding"), [
    ("short", "braid.W040"), ("a" * 40, "braid.W040"), ("xK2m9Qp4Lw7Zr1Vt8Nc3Hb6Jd5Fg0Ys4e", None),
])
def test_deploy_checks_warn_of_a_weak_metrics_token(token, finding):
    found = {f.id for f in deploy_findings({"BRAID_METRICS_TOKEN": token}) if f.id.startswith("braid.W04")}
    assert found == ({finding} if finding else set())


def test_deploy_checks_refuse_a_metrics_token_that_is_a_signing_key():
    key = "xK2m9Qp4Lw7Zr1Vt8Nc3Hb6Jd5Fg0Ys4e"
    assert "braid.E040" in {f.id for f in deploy_findings({"BRAID_METRICS_TOKEN": key, "SECRET_KEY": key})}
