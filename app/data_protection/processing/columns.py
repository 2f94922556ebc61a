"""Every column of every table, classified: what kind of data it holds. There is no default: a column missing here
fails the suite (tests/data_protection/test_article30.py), so a new column is classified when it is added.
"""
from __future__ import annotations

import enum


class Classification(enum.Enum):
    PERSONAL = "personal"  # identifies or is about a living person (a name, an email, a date of birth)
    SPECIAL_CATEGORY = "special category"  # Article 9: health, SEN and disability, safeguarding
    PSEUDONYMOUS = "pseudonymous"  # a public id, a blind index, a key: personal only with other data
    NONE = "none"  # holds nothing about a person (a count, a flag, a time with no one attached)


PERSONAL = Classification.PERSONAL
SPECIAL_CATEGORY = Classification.SPECIAL_CATEGORY
PSEUDONYMOUS = Classification.PSEUDONYMOUS
NONE = Classification.NONE

# table -> column -> classification. One block per table, tables in alphabetical order.
COLUMNS: dict[str, dict[str, Classification]] = {
}
