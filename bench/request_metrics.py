"""What the request metrics cost a request: /health through the test client with and without the latency histogram
(app.core.metrics.requests), in one process per prometheus-client mode (one process; multiprocess, as under
gunicorn, where each observation writes to a memory-mapped file). CPU time, interleaved rounds, ratios.

    .venv/bin/python bench/request_metrics.py
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REQUESTS, ROUNDS = 2000, 5


def measure() -> dict:
    sys.path.insert(0, str(REPO))
    from app import create_app
    from app.core.metrics import requests as request_metrics

    timed = create_app("testing")
    plain = create_app("testing")
    plain.wsgi_app = plain.wsgi_app.wsgi_app  # the TimedRequests wrapper removed
    plain.before_request_funcs[None].remove(request_metrics._note_endpoint)
    times = {"with": [], "without": []}
    for _ in range(ROUNDS):
        for name, app in (("with", timed), ("without", plain)):
            client = app.test_client()
            started = time.process_time()
            for _ in range(REQUESTS):
                client.get("/health")
            times[name].append((time.process_time() - started) / REQUESTS)
    best = {name: min(values) for name, values in times.items()}
    return {"with_us": best["with"] * 1e6, "without_us": best["without"] * 1e6}


def main() -> None:
    if "--measure" in sys.argv:
        print(json.dumps(measure()))
        return
    print(f"/health through the test client, {REQUESTS} requests x {ROUNDS} rounds, best round, CPU time a request")
    for mode in ("one process", "multiprocess"):
        env = dict(os.environ)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        with tempfile.TemporaryDirectory() as folder:
            if mode == "multiprocess":
                env["PROMETHEUS_MULTIPROC_DIR"] = folder
            out = subprocess.run([sys.executable, __file__, "--measure"], env=env, cwd=REPO, check=True,
                                 capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        extra = result["with_us"] - result["without_us"]
        print(f"  {mode:12}: {result['without_us']:7.1f} µs without, {result['with_us']:7.1f} µs with the histogram "
              f"(+{extra:.1f} µs, {result['with_us'] / result['without_us']:.3f}x)")


if __name__ == "__main__":
    main()
