"""Demo contributions: written and edited through the same services as the pages use."""
from __future__ import annotations

from app.agencies.accounts.models import User
from app.cases.contributions import services
from app.cases.contributions.models import Contribution, ContributionKind, Visibility
from app.cases.learners.models import Learner


def add_demo_contribution(
    author: User,
    learner: Learner,
    kind: ContributionKind | str,
    visibility: Visibility | str,
    title: str,
    body_html: str,
    *,
    edits: list[str] = (),
) -> Contribution:
    """Add a contribution by `author` (who must be on `learner`'s case), then apply each of `edits`.

    Every entry of `edits` is a later body (rich text) for the contribution, saved as the next
    version, so the earlier text appears in its history. Flushes only; the caller commits.
    """
    contribution = services.add_contribution(
        author, learner, kind=ContributionKind(kind).value, visibility=Visibility(visibility).value,
        title=title, body=body_html,
    )
    for body in edits:
        services.edit_contribution(
            author, contribution, version=contribution.version, visibility=contribution.visibility.value,
            title=contribution.title, body=body,
        )
    return contribution
