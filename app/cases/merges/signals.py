"""What a merge tells the other domains, which the cases domain may not import (the CPD log keeps references)."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the survivor (and `other`, the merged-away record) once the case has moved, inside the merge's
# transaction: a receiver changes what it holds about the learner and only flushes, like any service.
learners_merged = _signals.signal("learners-merged")
