"""Deploy checks for the audit heads file: it must be writable, and should not sit beside an SQLite database."""
import re

import pytest

from app.security import deploy
from app.security.deploy import Severity, deploy_findings, load_config
from config import ConfigError
from tests.test_config import good_environ


def _found(settings) -> list[tuple[str, Severity]]:
    return [(finding.id, finding.severity) for finding in deploy_findings(settings)]


def test_the_default_heads_file_under_instance_passes_and_nothing_is_made(tmp_path):
    settings = load_config("production", good_environ(), tmp_path)
    assert settings["BRAID_AUDIT_HEAD_FILE"] == tmp_path / "audit-heads" / "heads.jsonl"
    assert _found(settings) == []
    assert not any(tmp_path.iterdir())  # checking makes no directory


def test_a_heads_file_that_cannot_be_created_is_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    refusal = r"braid\.E030 \(error\): The audit heads file .*a-file/heads\.jsonl cannot be created or written"
    with pytest.raises(ConfigError, match=refusal):
        load_config("production", good_environ(BRAID_AUDIT_HEAD_FILE=str(blocker / "heads.jsonl")), tmp_path)


def test_a_heads_file_that_is_a_directory_is_refused(tmp_path):
    (tmp_path / "heads.jsonl").mkdir()
    with pytest.raises(ConfigError, match=r"braid\.E030 \(error\)"):
        load_config("production", good_environ(BRAID_AUDIT_HEAD_FILE=str(tmp_path / "heads.jsonl")), tmp_path)


def test_an_existing_writable_heads_file_in_a_directory_still_to_make_passes(tmp_path):
    existing = tmp_path / "heads.jsonl"
    existing.write_text("")
    settings = load_config("production", good_environ(BRAID_AUDIT_HEAD_FILE=str(existing)), tmp_path)
    assert _found(settings) == []
    deep = tmp_path / "one" / "two" / "heads.jsonl"
    assert _found(load_config("production", good_environ(BRAID_AUDIT_HEAD_FILE=str(deep)), tmp_path)) == []


def test_a_heads_file_beside_an_sqlite_database_is_a_warning(tmp_path):
    beside = good_environ(DATABASE_URL=f"sqlite:///{tmp_path}/braid.sqlite3")  # the instance folder, as before
    settings = load_config("production", beside, tmp_path)
    assert _found(settings) == [("braid.W005", Severity.WARNING), ("braid.W030", Severity.WARNING)]
    [warning] = [finding for finding in deploy_findings(settings) if finding.id == "braid.W030"]
    assert "lies in the directory of the SQLite database" in warning.message

    apart = good_environ(DATABASE_URL=f"sqlite:///{tmp_path}/data/braid.sqlite3")  # the database's own directory
    assert _found(load_config("production", apart, tmp_path)) == [("braid.W005", Severity.WARNING)]
    in_memory = good_environ(DATABASE_URL="sqlite://")
    assert _found(load_config("production", in_memory, tmp_path)) == [("braid.W005", Severity.WARNING)]


def test_an_unset_heads_file_is_an_error():
    settings = {"BRAID_AUDIT_HEAD_FILE": None}
    assert [finding.id for finding in deploy._audit_head_findings(settings)] == ["braid.E030"]


def test_the_heads_file_finding_ids_are_used_by_no_other_check():
    source = open(deploy.__file__).read()
    for code in ("E030", "W030"):
        assert len(re.findall(rf'"{code}"', source)) == (2 if code == "E030" else 1), code
