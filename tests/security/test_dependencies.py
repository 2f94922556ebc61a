"""Dependencies: installs come only from hashed locks that match the pins, and bandit finds nothing serious.

The locks (requirements/*.lock) are what `make` installs with `pip install --require-hashes`; the
pins (requirements/*.txt) are what people read and edit. `make lock` turns the second into the first.
"""
import json
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements"
PIN_FILES = sorted(REQUIREMENTS.glob("*.txt"))
SCANNED = ["app", "config.py", "wsgi.py"]
PINNED = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)")
SHA256 = re.compile(r"--hash=sha256:[0-9a-f]{64}\b")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins_of(path: Path) -> dict[str, str]:
    """A pin file's exact versions, following its `-r` includes; anything but `name==version` fails."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            pins.update(pins_of(path.parent / line[3:].strip()))
            continue
        match = PINNED.fullmatch(line)
        assert match, f"{path.name}: {line!r} is not pinned with =="
        pins[canonical(match["name"])] = match["version"]
    return pins


def lock_entries(path: Path) -> list[str]:
    """A lock's requirements, each with its continuation lines joined (comments dropped)."""
    entries, current = [], ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        current += " " + line.removesuffix("\\").strip()
        if not line.endswith("\\"):
            entries.append(current.strip())
            current = ""
    assert not current, f"{path.name} ends inside a continued line"
    return entries


def lock_pins(path: Path) -> dict[str, str]:
    return {canonical(match["name"]): match["version"]
            for match in (PINNED.match(entry) for entry in lock_entries(path)) if match}


def test_there_is_a_lock_beside_every_pin_file():
    assert {p.stem for p in PIN_FILES} >= {"pip", "app", "test", "bench"}
    missing = [p.name for p in PIN_FILES if not p.with_suffix(".lock").exists()]
    assert not missing, f"no lock for {missing}: run `make lock`"


@pytest.mark.parametrize("pins", PIN_FILES, ids=lambda p: p.stem)
def test_every_line_of_a_lock_is_pinned_and_hashed(pins):
    lock = pins.with_suffix(".lock")
    entries = lock_entries(lock)
    assert entries, f"{lock.name} lists nothing"
    bad = [entry for entry in entries if not PINNED.match(entry) or not SHA256.search(entry)]
    assert not bad, f"{lock.name}: not pinned with == or without a sha256 hash: {bad}"


@pytest.mark.parametrize("pins", PIN_FILES, ids=lambda p: p.stem)
def test_a_lock_holds_exactly_the_versions_pinned(pins):
    wanted, locked = pins_of(pins), lock_pins(pins.with_suffix(".lock"))
    differ = {name: (version, locked.get(name)) for name, version in wanted.items() if locked.get(name) != version}
    assert not differ, f"pinned vs locked in {pins.stem}: {differ}; run `make lock`"
    unpinned = sorted(set(locked) - set(wanted))
    assert not unpinned, f"{pins.stem}.lock brings in what {pins.name} does not pin: {unpinned}"


def test_the_suite_runs_with_what_the_test_lock_lists():
    locked = lock_pins(REQUIREMENTS / "test.lock")
    installed = {name: installed_version(name) for name in locked}
    differ = {name: (version, installed[name]) for name, version in locked.items() if installed[name] != version}
    assert not differ, f"locked vs installed: {differ}; run `make install-test`"


def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@pytest.mark.parametrize("target, lock", [("install", "app"), ("install-test", "test"), ("install-bench", "bench")])
def test_make_installs_only_from_hashed_locks(target, lock):
    # -n prints the recipe without running it; -B prints it even where the stamps are fresh. The outer
    # `make test`'s flags and variables stay out of it.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}}
    plan = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True).stdout
    installs = [line for line in plan.splitlines() if "pip install" in line]
    assert installs, plan
    locked = re.compile(r"-r requirements/\w+\.lock\b")
    assert all("--require-hashes" in line and locked.search(line) for line in installs), installs
    assert any(f"requirements/{lock}.lock" in line for line in installs), installs
    assert any("requirements/pip.lock" in line for line in installs), installs


def test_bandit_finds_nothing_of_medium_or_high_severity():
    bandit = Path(sys.executable).parent / "bandit"
    run = subprocess.run([str(bandit), "-r", *SCANNED, "-f", "json", "-q"], cwd=ROOT, capture_output=True, text=True)
    report = json.loads(run.stdout)
    assert not report["errors"], f"bandit could not read: {report['errors']}"
    assert "app/__init__.py" in {Path(name).as_posix().removeprefix("./") for name in report["metrics"]}
    serious = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_severity']}: {r['issue_text']}"
        for r in report["results"] if r["issue_severity"] in {"MEDIUM", "HIGH"}
    ]
    assert not serious, "bandit:\n" + "\n".join(serious)
