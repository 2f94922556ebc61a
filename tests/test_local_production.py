"""`make serve`'s setup (deploy/local_production.py): what it makes passes every production check unweakened, is
private to its owner, and is made once (the keys that sealed the data are never replaced)."""
from __future__ import annotations

import importlib.util
import shlex
import stat
from pathlib import Path

from app.security.deploy import Severity, deploy_findings
from config import build_settings

SCRIPT = Path(__file__).resolve().parents[1] / "deploy" / "local_production.py"


def load_script():
    spec = importlib.util.spec_from_file_location("local_production", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_env(path: Path) -> dict[str, str]:
    return dict(shlex.split(line)[0].split("=", 1) for line in path.read_text().splitlines() if line)


def test_make_serve_gets_a_production_configuration_with_no_error_and_private_keys(tmp_path):
    env_file = load_script().prepare(tmp_path / "serve", 8443)
    env = read_env(env_file)
    settings = build_settings(None, env, Path(env["BRAID_INSTANCE_PATH"]))
    assert settings["ENV_NAME"] == "production" and settings["BRAID_BASE_URL"] == "https://127.0.0.1:8443"
    findings = deploy_findings(settings)
    assert not [finding for finding in findings if finding.severity is Severity.ERROR], findings
    # Only what a one-machine trial is expected to lack: Redis, a mail server, PostgreSQL.
    assert {finding.id for finding in findings} == {"braid.W001", "braid.W002", "braid.W005"}
    folder = tmp_path / "serve"
    for private in ("env", "secret_key", "audit_key", "metrics_token", "field_keys.json", "tls.key"):
        assert stat.S_IMODE((folder / private).stat().st_mode) == 0o600, private
    assert len({env["SECRET_KEY"], env["BRAID_AUDIT_KEY"], env["BRAID_METRICS_TOKEN"]}) == 3


def test_running_it_again_keeps_every_key(tmp_path):
    script = load_script()
    first = read_env(script.prepare(tmp_path, 8000))
    keys = (tmp_path / "field_keys.json").read_text(), (tmp_path / "tls.crt").read_bytes()
    again = read_env(script.prepare(tmp_path, 8001))
    assert {name: value for name, value in again.items() if "8001" not in value} == \
        {name: value for name, value in first.items() if "8000" not in value}
    assert ((tmp_path / "field_keys.json").read_text(), (tmp_path / "tls.crt").read_bytes()) == keys
