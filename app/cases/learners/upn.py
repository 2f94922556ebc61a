"""The DfE Unique Pupil Number: its shape and its modulo-23 check letter (UPN 2.0 data standard)."""
from __future__ import annotations

import re

from stdnum.gb import upn as stdnum_upn

# ASCII only: `\d` would let other scripts' digits past the blind index. I, O and S are never used as letters.
UPN_SHAPE = re.compile(r"[A-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]")  # used with fullmatch: `$` allows a final newline

WRONG_SHAPE = "Enter a UPN in the correct format: a letter, 11 numbers, then a number or letter"
WRONG_CHECK_LETTER = (
    "This UPN's check letter is wrong: the first letter does not match the numbers after it. "
    "Copy the UPN from the school's MIS"
)


def _check_letter(rest: str) -> str:
    # Not stdnum's validate()/is_valid(): they also refuse local-authority codes missing from its (dated) list.
    return stdnum_upn.calc_check_digit(rest)


def upn_problem(upn: str) -> str | None:
    """None for a valid normalised UPN (upper case, no spaces), else what is wrong, never repeating the UPN."""
    if not UPN_SHAPE.fullmatch(upn or ""):
        return WRONG_SHAPE
    if _check_letter(upn[1:]) != upn[0]:
        return WRONG_CHECK_LETTER
    return None


def with_check_letter(eleven_digits_and_last: str) -> str:
    """The full valid UPN whose last 12 characters are these (11 digits, then a digit or letter)."""
    rest = eleven_digits_and_last.upper()
    if not UPN_SHAPE.fullmatch(f"A{rest}"):
        raise ValueError("expected 11 digits then a digit or a letter other than I, O or S")
    return _check_letter(rest) + rest
