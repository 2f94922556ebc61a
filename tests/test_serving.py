"""The production server for real: gunicorn with deploy/gunicorn.conf.py, two workers, on a free port and a migrated
SQLite file. Its access lines are JSON with the response's request id and no secret (a token in the path, values
in the query); /metrics adds up every worker's requests (prometheus-client's multiprocess mode); and a graceful
reload (`kill -HUP` on the master) replaces the workers while requests keep being answered."""
from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import serving

REPO = Path(__file__).resolve().parents[1]
TOKEN = "scrape-" + "Qm4vT8kZ2xW9pL3nR7cY5hJ6"
SECRET = "Zq8SecretInvitationToken0123456789abcdef"
# A worker's start-up (importing and building the app: 1.6 s of CPU) can take 20 s on a shared, loaded machine.
RELOAD_PATIENCE = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is the answer (an HTTPError below)


OPENER = urllib.request.build_opener(NoRedirects)


def get(url: str, headers: dict | None = None, timeout: float = 30):
    """(status, headers, body) of a GET, error statuses and redirects included (never followed)."""
    try:
        with OPENER.open(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Server:
    def __init__(self, directory: Path, database_url: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.out, self.err = directory / "stdout.log", directory / "stderr.log"
        env = {
            **os.environ, "BRAID_CONFIG": "development", "BRAID_INSTANCE_PATH": str(directory / "instance"),
            "DATABASE_URL": database_url, "BRAID_BASE_URL": self.base, "BRAID_METRICS_TOKEN": TOKEN,
            "PROMETHEUS_MULTIPROC_DIR": str(directory / "metrics"), "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "2", "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_GRACEFUL_TIMEOUT": "10",
        }
        env.pop("REDIS_URL", None)
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
                cwd=REPO, env=env, stdout=out, stderr=err)

    def wait_until_up(self, seconds: float = 180) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.err.read_text()[-3000:]
            try:
                if get(self.base + "/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("gunicorn did not answer: " + self.err.read_text()[-3000:])

    def workers(self) -> set[int]:
        listed = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return {int(pid) for pid in listed.stdout.split()}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def lines(self, path: Path) -> list[dict]:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def server(tmp_path, database_url):
    running = Server(tmp_path, database_url)
    try:
        running.wait_until_up()
        yield running
    finally:
        running.stop()


def metric_count(server: Server, endpoint: str) -> float:
    status, _, body = get(server.base + "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.name == "braid_request_duration_seconds_count" and sample.labels == {
                    "endpoint": endpoint, "method": "GET", "status": "2xx"}:
                return sample.value
    return 0


@pytest.mark.long_running
def test_gunicorn_logs_json_access_lines_counts_every_worker_and_reloads_gracefully(server):
    # Access lines: the request id the response carried, the path's token and the query's values cut out.
    status, headers, _ = get(server.base + f"/invitations/accept/{SECRET}?email=amy%40example.org&page=2")
    request_id = headers["X-Request-ID"]
    status_learners, _, _ = get(server.base + "/learners?q=Alice+Smith")
    for _ in range(9):
        assert get(server.base + "/health")[0] == 200
    time.sleep(0.5)  # gunicorn writes the access line after the response
    access = [line for line in server.lines(server.out) if line.get("logger") == "gunicorn.access"]
    invitation = next(line for line in access if line.get("request_id") == request_id)
    assert invitation["method"] == "GET" and invitation["status"] == status
    assert invitation["path"] == "/invitations/accept/[redacted]"
    assert invitation["query"] == "email=[redacted]&page=[redacted]"
    assert isinstance(invitation["bytes"], int) and invitation["duration_ms"] > 0
    assert invitation["remote_address"] == "127.0.0.1"
    assert {"time", "level", "message"} <= set(invitation)
    learners = next(line for line in access if line["path"] == "/learners")
    assert (learners["status"], learners["query"]) == (status_learners, "q=[redacted]")
    assert len(learners["request_id"]) == 32
    everything = server.out.read_text() + server.err.read_text()
    assert SECRET not in everything and "Alice" not in everything and "amy" not in everything
    # gunicorn's own lines are JSON too.
    assert any("Booting worker" in line["message"] for line in server.lines(server.err)
               if line.get("logger") == "gunicorn.error")

    # /metrics adds up every worker's samples (each writes its own file). The second worker may still be loading
    # the app when the first answers (seconds on a loaded machine): ask until both have answered something.
    asked, files = 10, server.out.parent / "metrics"  # the nine above and the probe that waited for start-up
    deadline = time.monotonic() + RELOAD_PATIENCE
    while len({path.name.rsplit("_", 1)[-1] for path in files.glob("*.db")}) < 2 and time.monotonic() < deadline:
        assert get(server.base + "/health")[0] == 200
        asked += 1
        time.sleep(0.05)
    assert len({path.name.rsplit("_", 1)[-1] for path in files.glob("*.db")}) == 2, "one worker answered everything"
    assert metric_count(server, "home.health") >= asked

    # A graceful reload while requests keep coming: every one answered, by new workers afterwards. The old workers
    # stop as soon as the new ones are forked (gunicorn's HUP), so a request that comes while the new ones load the
    # app waits in the socket's queue for them: delayed (a worker's start-up), never refused or dropped.
    before, answers, waits, stop = server.workers(), [], [], threading.Event()

    def keep_asking():
        while not stop.is_set():
            started = time.monotonic()
            try:
                answers.append(get(server.base + "/health", timeout=RELOAD_PATIENCE)[0])
            except OSError as error:
                answers.append(repr(error))
            waits.append(time.monotonic() - started)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        time.sleep(0.5)
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not (len(server.workers()) == 2 and not server.workers() & before):
            time.sleep(0.3)
        time.sleep(1)
    finally:
        stop.set()
        asker.join()
    assert len(server.workers()) == 2 and not server.workers() & before, "the workers were not replaced"
    assert answers and set(answers) == {200}, [answer for answer in answers if answer != 200][:5]
    print(f"\n{len(answers)} requests during the reload, all answered; the longest waited {max(waits):.1f} s")
    assert metric_count(server, "home.health") >= 10 + len(answers)  # a reload keeps the counts


def test_the_metrics_folder_must_be_the_servers_own(tmp_path):
    # Under a shared /tmp someone else could make the folder first and feed the metrics: the server refuses it.
    own = tmp_path / "metrics"
    serving.empty_metrics_dir(own)
    (own / "histogram_123.db").write_bytes(b"last run")
    serving.empty_metrics_dir(own)  # a restart empties it
    assert list(own.iterdir()) == [] and stat.S_IMODE(own.stat().st_mode) == 0o700
    own.chmod(0o777)
    with pytest.raises(RuntimeError, match="of this user's own"):
        serving.empty_metrics_dir(own)
    own.chmod(0o700)
    (tmp_path / "link").symlink_to(own)
    with pytest.raises(RuntimeError, match="of this user's own"):
        serving.empty_metrics_dir(tmp_path / "link")


@pytest.mark.parametrize(("query", "logged"), [
    ("q=Alice+Smith", "q=[redacted]"),
    ("token=abc&next=%2Flearners%2Fx", "token=[redacted]&next=[redacted]"),
    ("amy%40example.org=1&page=", "[email]=[redacted]&page=[redacted]"),
    ("", ""),
])
def test_an_access_line_keeps_a_querys_names_only(query, logged):
    assert serving.redact_query(query) == logged
