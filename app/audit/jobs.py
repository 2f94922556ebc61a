"""The audit trail's periodic job: seal what is pending and sign the automatic checkpoint when it falls due.

Requests seal about a second after they write (app.audit.events): that is the tamper-evidence window.
This job is the backstop for quiet times: with no request to come, the last events of the day are still
sealed, and the checkpoint that falls due AUDIT_CHECKPOINT_INTERVAL after the last one is still signed,
within one tick of the worker's scheduler (JOBS_PERIODIC_INTERVAL). Both are idempotent by nature:
sealing and signing decide under the chain's lock what is left to do.
"""
from __future__ import annotations

from app.audit import chain
from app.core.jobs.registry import periodic_job
from app.extensions import db


@periodic_job("audit.seal", retries=2)
def seal_and_sign(sign: str = chain.AUTO) -> None:
    """`sign`: AUTO (a checkpoint when one falls due) or ALWAYS (the demo signs its freshly written history).

    :raise chain.HeadNotSigned: when a checkpoint was due but the chain no longer holds the last signed head:
        the run fails, and the administrator's page shows it (`flask audit verify` says what changed).
    """
    if sign not in (chain.AUTO, chain.ALWAYS):
        raise ValueError("sign is auto or always")
    db.session.remove()  # no transaction of ours may hold the lock the sealer takes
    run = chain.seal_run(lock_timeout_ms=5000, sign=sign)
    if run.refused:
        raise chain.HeadNotSigned(run.refused)
