"""Servers on loopback for the cluster check and the benches: a free port, waiting until one is up, and gunicorn."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from deploy.browser import Browser

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(what: str, ready, seconds: float = 60, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{what} stopped while starting (exit {process.returncode})")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start within {seconds:g} s")
        time.sleep(0.2)


class Server:
    """gunicorn serving `app` on a loopback port (a free one unless given), its output in `log`, once `ready`
    answers 200 (within `seconds`; else it is stopped and SystemExit says so).

    `options` go to gunicorn as they are. With `config` (deploy/gunicorn.conf.py) the address goes in as
    GUNICORN_BIND, as in production; without, as `-b`. `env` is its whole environment (this process's unless
    given). `own_session`: a Ctrl-C at the terminal does not reach it, its owner stops it.
    """

    def __init__(self, log: Path, *, app: str = "wsgi:app", options: Sequence[str] = (), config: Path | None = None,
                 env: dict | None = None, port: int | None = None, ready: str = "/health", seconds: float = 60,
                 own_session: bool = False):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log, self.ready_path = log, ready
        bind = f"127.0.0.1:{self.port}"
        environ = dict(os.environ if env is None else env, PYTHONPATH=str(ROOT))
        if config is not None:
            environ["GUNICORN_BIND"] = bind
        where = ["-c", str(config)] if config is not None else ["-b", bind]
        with log.open("w") as handle:
            self.process = subprocess.Popen([str(GUNICORN), *where, *options, app], cwd=ROOT, env=environ,
                                            stdout=handle, stderr=subprocess.STDOUT, start_new_session=own_session)
        try:
            wait_for(f"gunicorn on :{self.port} (its log: {log})", self.is_ready, seconds, self.process)
        except SystemExit:
            self.stop()
            raise

    def is_ready(self) -> bool:
        browser = Browser(self.port, timeout=5)
        try:
            return browser.get(self.ready_path).status == 200
        finally:
            browser.close()

    def stop(self, wait: float = 30) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
