"""Demo safeguarding concerns, recorded through the same services the pages use."""
from __future__ import annotations

from app.agencies.accounts.models import User
from app.cases.concerns.models import SafeguardingConcern
from app.cases.concerns.services import record_concern, record_concern_action
from app.cases.learners.models import Learner


def record_demo_concern(
    author: User, learner: Learner, text: str, *, dsl: User | None = None, action_taken: str | None = None
) -> SafeguardingConcern:
    """Record `author`'s concern about `learner`; with `dsl` and `action_taken`, the DSL's action too.

    The author must be working on the learner's case (or be the school's DSL). Only flushes.
    """
    concern = record_concern(author, learner, concern=text)
    if dsl is not None and action_taken:
        record_concern_action(dsl, concern, action_taken=action_taken, version=concern.version)
    return concern
