"""The one form-view helper: show the form, save through one service, commit once, answer every outcome."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from app.core.conflicts import EditConflict, commit_or_conflict
from app.extensions import db
from app.problems import Refusal, show_on_form

Answer = Callable[[], ResponseReturnValue]


@dataclass(frozen=True)
class Saved:
    """The usual answer once a save is committed: flash `message` (when there is one), then go to `to`."""

    to: str
    message: str | None = None
    category: str = "success"

    def __call__(self) -> ResponseReturnValue:
        if self.message:
            flash(self.message, self.category)
        return redirect(self.to)


def handle_form(
    form: FlaskForm,
    save: Callable[[], Answer],
    *,
    render: Callable[[], str],
    show: Callable[[FlaskForm, Refusal], None] = show_on_form,
    conflict: Answer | None = None,
) -> ResponseReturnValue:
    """Answer a form view once the view has loaded (and the policy checked) what the form changes.

    Not submitted: `render()`, 200. Submitted but invalid: `render()`, 400, with what was typed.
    Valid: `save()` makes the change (services only flush) and returns what to answer once it is committed:
    a `Saved`, or any function giving a response (a page shown once, a file). The commit comes first, exactly
    once, through commit_or_conflict, so nothing is flashed or shown for a change that was not kept.
    A Refusal from `save()`: rolled back, `show(form, refusal)` puts it on the form, `render()`, 400.
    An EditConflict (a stale version, from the service or the commit): rolled back, then `conflict()`, the 409
    page; without `conflict` it propagates, as for any record no editor can have opened stale.
    """
    if not form.validate_on_submit():
        return render(), 400 if form.is_submitted() else 200
    try:
        answer = save()
        commit_or_conflict()
    except Refusal as refusal:
        db.session.rollback()
        show(form, refusal)
        return render(), 400
    except EditConflict:
        db.session.rollback()
        if conflict is None:
            raise
        return conflict()
    return answer()


def stripped(value):
    """A WTForms filter: text as typed, without the blank space around it (what was pasted with a name or UPN)."""
    return value.strip() if isinstance(value, str) else value
