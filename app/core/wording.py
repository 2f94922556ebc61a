"""Small pieces of English that pages and emails build around labels: "a" or "an", a label inside a sentence."""
from __future__ import annotations

# Letters whose spoken name starts with a vowel sound: "an SLT assessment", "an LSP", but "a DSL".
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")
# Capitals said as a word, not letter by letter: "a SIMS export", "a SEND review".
_SAID_AS_WORDS = frozenset({"SIMS", "SEND", "SEMH", "SENCO"})
# Words that start with a vowel letter but a consonant sound: "a union", "a one-page profile".
_CONSONANT_SOUND_STARTS = ("uni", "use", "usu", "one", "once", "eu")


def in_a_sentence(label: str) -> str:
    """A label as a word inside a sentence: "Class teacher" → "class teacher", keeping acronyms ("(SENCo)", "EP")."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and any(letter.isupper() for letter in first[1:]):
        return label  # an acronym leads: "SLT assessment", "NHS service"
    return label[:1].lower() + label[1:]


def with_article(phrase: str) -> str:
    """"a class teacher", "an educational psychologist", "an SLT assessment": the article the phrase is said with."""
    first = phrase.split(" ", 1)[0]
    if len(first) > 1 and first.isupper() and first.strip("()") not in _SAID_AS_WORDS:
        article = "an" if first[0] in _VOWEL_SOUND_LETTERS else "a"
    elif first.lower().startswith(_CONSONANT_SOUND_STARTS):
        article = "a"
    else:
        article = "an" if first[:1].lower() in "aeiou" else "a"
    return f"{article} {phrase}"


def sentence(phrase: str) -> str:
    """The phrase opening a sentence: "an educational psychologist" → "An educational psychologist"."""
    return phrase[:1].upper() + phrase[1:]


def labels(choices, separator: str = ", ") -> str:
    """The labels of `choices` (enum members) joined: "Cognition and learning, Sensory and/or physical". A filter,
    so a table row does not pay Jinja's map(attribute=...) machinery once per learner."""
    return separator.join(choice.label for choice in choices)
