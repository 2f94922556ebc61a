"""Background work: jobs named in a registry, a ledger of runs in Braid's own database, and huey to carry them.

A caller writes a run into the ledger in its own transaction (`services.enqueue`); once that commits,
the run's public id is handed to huey (SQLite file for one school, Redis for several nodes), whose worker
claims the run, runs it in an app context, and retries it with back-off. Periodic jobs go through the
same ledger, so every run, periodic or not, is listed on the administrator's page.
"""
