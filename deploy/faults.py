"""The fault cases, on the loopback cluster of deploy/cluster.py, each under a light load through nginx.

    .venv/bin/python deploy/faults.py [--json faults.json]      (or `make cluster-faults`)

(a) The jobs worker SIGKILLed while it sends a message (the mail server is slow to answer), then started again:
    the run is handed over again by the rescue and the message is delivered once. The run's lease (5 minutes for
    mail) and the message's claim are moved into the past instead of waiting them out: the time a real outage
    would take.
(b) Redis stopped for a few seconds and started again under load: no 5xx at all (rate limits count in each
    process meanwhile, a run queued during the outage waits in the ledger), and a password reset asked for
    during the outage is still sent: the rescue hands its run over once it has waited JOBS_LOST_AFTER.
(c) PostgreSQL stopped for a few seconds and started again under load: requests during the outage answer 503
    (never 500), every request after it succeeds, nothing acknowledged is lost, and the chain verifies.
(d) A mail server that refuses (554): the run is retried with back-off, its error kept, the message unsent;
    once out of attempts (the attempts in between are skipped, not waited for) it is reported failed by
    `flask jobs status`, as on the administrator's page.
A full disk during a backup is `flask backup`'s own case, not run here.
"""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from deploy.browser import form_on, with_values  # noqa: E402
from deploy.cluster import Cluster, Load, Tally, check_saved, failed_runs, verify_chain  # noqa: E402
from deploy.mail_server import MailServer  # noqa: E402

OUTAGE_SECONDS = 6
GRACE_SECONDS = 3  # after a server is back: the pool's first checks, the load's own retries


class Faults:
    def __init__(self, cluster: Cluster, mail: MailServer):
        self.cluster, self.mail = cluster, mail
        self.results: dict[str, dict] = {}

    def sql(self, query: str, *params):
        with psycopg.connect(f"host=127.0.0.1 port={self.cluster.pg_port} user=postgres dbname=braid",
                             autocommit=True) as db:
            cursor = db.execute(query, params)
            return cursor.fetchall() if cursor.description else None

    def ask_for_reset(self, email: str) -> str | None:
        """A password reset asked for through nginx: the public id of the send job it queued (or None)."""
        newest = self.sql("SELECT coalesce(max(id), 0) FROM job_run")[0][0]
        browser = self.cluster.through_nginx()
        page = browser.get("/sign-in/reset")
        fields = form_on(page, "/sign-in/reset")
        answer = browser.post("/sign-in/reset", with_values(fields or [], email=email))
        browser.close()
        if answer.status not in (200, 302):
            raise SystemExit(f"asking for a reset answered {answer.status}: {answer.heading()}")
        rows = self.sql("SELECT public_id FROM job_run WHERE id > %s AND name = 'outbox.send' ORDER BY id", newest)
        return rows[-1][0] if rows else None

    def run_of(self, public_id: str) -> tuple:
        return self.sql("SELECT status, attempts, max_attempts, last_error FROM job_run WHERE public_id = %s",
                        public_id)[0]

    def wait_run(self, public_id: str, statuses: tuple[str, ...], seconds: float) -> tuple:
        deadline = time.monotonic() + seconds
        while True:
            row = self.run_of(public_id)
            if row[0] in statuses or time.monotonic() > deadline:
                return row
            time.sleep(0.5)

    # --- (a) -----------------------------------------------------------------------------------------------

    def mail_sent(self, to: str) -> int:
        with self.mail.lock:
            return sum(f"To: {to}" in message for message in self.mail.received)

    def worker_killed(self) -> dict:
        # First the demo's recent messages, which the outbox sweep hands to the mail server once MAIL_SERVER is set.
        self.wait_for_mail_queue(120)
        self.mail.greeting_delay = 30.0
        to = "teacher@oakfield.example"
        received = self.mail_sent(to)
        run = self.ask_for_reset(to)
        running = self.wait_run(run, ("running",), 30)
        time.sleep(1)  # the worker is now waiting for the mail server's greeting
        worker = self.cluster.processes["worker"]
        self.cluster.stop_process("worker", signal.SIGKILL)
        killed_as = self.run_of(run)
        # What JOBS_LEASE (and the message's own claim) would take to run out: moved into the past, not waited.
        self.sql("UPDATE job_run SET lease_until = now() - interval '1 second' WHERE public_id = %s", run)
        self.sql("UPDATE outbox_message SET sending_at = sending_at - interval '10 minutes' "
                 "WHERE sending_at IS NOT NULL AND sent_at IS NULL")
        self.mail.greeting_delay = 0.0
        self.cluster.start_worker()
        # The rescue runs with the periodic jobs (JOBS_PERIODIC_INTERVAL, a minute), then the worker sends.
        done = self.wait_run(run, ("done", "failed"), 150)
        time.sleep(1)
        delivered = self.mail_sent(to) - received
        ok = running[0] == "running" and killed_as[0] == "running" and done[0] == "done" and delivered == 1
        return {"ok": ok, "worker pid killed": worker.pid, "run while killed": killed_as, "run at the end": done,
                "messages delivered": delivered}

    def wait_for_mail_queue(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.sql(
                "SELECT count(*) FROM job_run WHERE name = 'outbox.send' AND status IN ('queued', 'running') "
                "AND next_attempt_at <= now()")[0][0]:
            time.sleep(1)

    # --- (b) and (c): a server stopped and started under load ------------------------------------------------

    def outage(self, stop, start, ask_reset: str | None = None) -> dict:
        tally = Tally()
        load = Load(self.cluster, tally, readers=2, editors=2, writers=1, signers=1)
        load.start()
        time.sleep(8)
        began = time.time()
        stop()
        reset_run = self.ask_for_reset(ask_reset) if ask_reset else None
        time.sleep(OUTAGE_SECONDS)
        start()
        back = time.time()
        time.sleep(12)
        load.finish()
        before = [status for at, _, status in tally.timeline if at < began]
        during = [status for at, _, status in tally.timeline if began <= at < back + GRACE_SECONDS]
        after = [status for at, _, status in tally.timeline if at >= back + GRACE_SECONDS]

        def tally_of(statuses):
            counts: dict[int, int] = {}
            for status in statuses:
                counts[status] = counts.get(status, 0) + 1
            return dict(sorted(counts.items()))

        return {"tally": tally, "reset run": reset_run, "outage s": round(back - began, 1),
                "before": tally_of(before), "during": tally_of(during), "after": tally_of(after),
                "5xx pages": tally.samples, "load problems": tally.failures[:10]}

    def redis_restarted(self) -> dict:
        found = self.outage(lambda: self.cluster.stop_process("redis"), self.cluster.start_redis,
                            ask_reset="lsp@oakfield.example")
        statuses = {**found["before"], **found["during"], **found["after"]}
        fivexx = sum(count for part in ("before", "during", "after") for status, count in found[part].items()
                     if status >= 500 or status == 0)
        found["ok"] = fivexx == 0 and not found["load problems"]
        found["all statuses"] = statuses
        return found

    def postgres_restarted(self) -> dict:
        found = self.outage(self.cluster.stop_postgres, self.cluster.start_postgres)
        bad_before = sum(count for status, count in found["before"].items() if status >= 500 or status == 0)
        bad_during = sum(count for status, count in found["during"].items() if status >= 500 and status != 503)
        bad_after = sum(count for status, count in found["after"].items() if status >= 500 or status == 0)
        found["ok"] = bad_before == 0 and bad_during == 0 and bad_after == 0
        return found

    # --- (d) -----------------------------------------------------------------------------------------------

    def smtp_refuses(self) -> dict:
        self.mail.refusing = True
        run = self.ask_for_reset("k.nowak@oakfield.example")
        deadline = time.monotonic() + 60
        while self.run_of(run)[1] < 3 and time.monotonic() < deadline:  # three attempts: 0 s, 2 s, 6 s
            time.sleep(0.5)
        retried = self.run_of(run)
        # The rest of the back-off (doubling to 512 s: about 17 minutes for mail's ten attempts) is skipped.
        self.sql("UPDATE job_run SET attempts = max_attempts - 1 WHERE public_id = %s AND status = 'queued'", run)
        final = self.wait_run(run, ("failed", "done"), 60)
        status = self.cluster.flask("jobs", "status").stdout
        unsent = self.sql("SELECT count(*) FROM outbox_message WHERE sent_at IS NULL")[0][0]
        self.mail.refusing = False
        ok = (retried[0] == "queued" and retried[1] >= 3 and retried[3] == "SMTPConnectError"
              and final[0] == "failed" and run in status and unsent >= 1)
        return {"ok": ok, "after three attempts": retried, "at the end": final, "turned away": self.mail.turned_away,
                "jobs status": status.strip().splitlines()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) at the end")
    options = parser.parse_args()
    mail = MailServer(refusal="554 5.3.2 no mail service here")
    folder = Path(tempfile.mkdtemp(prefix="braid-faults-"))
    folder.chmod(0o755)
    cluster = Cluster(folder, extra={"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(mail.port), "MAIL_USE_TLS": "false",
                                     "MAIL_TIMEOUT": "60"})
    results: dict[str, dict] = {}
    try:
        cluster.start()
        faults = Faults(cluster, mail)
        failed_before = failed_runs(cluster)
        load_tallies = []
        for name, case in (("a worker killed mid-job", faults.worker_killed),
                           ("b Redis restarted under load", faults.redis_restarted),
                           ("c PostgreSQL restarted under load", faults.postgres_restarted),
                           ("d SMTP refuses", faults.smtp_refuses)):
            started = time.monotonic()
            found = case()
            if "tally" in found:
                load_tallies.append(found.pop("tally"))
            found["seconds"] = round(time.monotonic() - started, 1)
            results[name] = found
            print(f"{'ok  ' if found['ok'] else 'FAIL'} {name}: "
                  + json.dumps({key: value for key, value in found.items() if key != "ok"}, default=str))
        # The reset asked for while Redis was down: handed over by the rescue once it waited JOBS_LOST_AFTER.
        reset_run = results["b Redis restarted under load"]["reset run"]
        rescued = faults.wait_run(reset_run, ("done", "failed"), 240) if reset_run else None
        every = Tally()  # the cases' loads edited the same records: their saves are checked together
        for tally in load_tallies:
            for record, bodies in tally.saved.items():
                every.saved[record].extend(bodies)
            every.entries.extend(tally.entries)
            every.unacknowledged.update(tally.unacknowledged)
        saved = check_saved(cluster, every)
        chain_ok, chain_words = verify_chain(cluster)
        new_failures = sorted(failed_runs(cluster) - failed_before)
        expected_failure = {row[0] for row in faults.sql(
            "SELECT public_id FROM job_run WHERE status = 'failed' AND last_error = 'SMTPConnectError'")}
        final = {
            "run queued while Redis was down": {"ok": rescued is not None and rescued[0] == "done",
                                                "run": rescued},
            "nothing acknowledged lost": {"ok": not (saved["lost edits"] or saved["doubled edits"]
                                                     or saved["entries missing"]), **saved},
            "audit chain": {"ok": chain_ok, "detail": chain_words},
            "no other run failed": {"ok": set(new_failures) <= expected_failure, "failed": new_failures},
            "nodes and worker still up": {"ok": all(process.poll() is None for process in cluster.processes.values()),
                                          "exited": [name for name, process in cluster.processes.items()
                                                     if process.poll() is not None]},
        }
        for name, found in final.items():
            print(f"{'ok  ' if found['ok'] else 'FAIL'} {name}: "
                  + json.dumps({key: value for key, value in found.items() if key != "ok"}, default=str))
        results.update(final)
        problems = cluster.log_problems()
        results["logged errors"] = problems[:40]
        print(f"{len(problems)} error lines logged by the nodes and the worker (the outages' own included)")
        if options.json:
            Path(options.json).write_text(json.dumps(results, indent=2, default=str))
        ok = all(found.get("ok") for found in results.values() if isinstance(found, dict))
        print("fault cases:", "all met" if ok else "NOT MET")
        return 0 if ok else 1
    finally:
        cluster.stop()
        mail.close()
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
