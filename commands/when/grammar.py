"""The words and shapes we read: names of days and months, the date patterns, and the tokenizer."""

from __future__ import annotations

import re

from dateutil.parser import parserinfo


class Names(parserinfo):
    """dateutil's name tables, with the extra abbreviations officers use."""

    # dateutil's parserinfo takes any number of names per entry; its stub allows only pairs (months: up to three).
    WEEKDAYS: list[tuple[str, ...]] = [  # type: ignore[assignment]
        ("Mon", "Monday"),
        ("Tue", "Tues", "Tuesday"),
        ("Wed", "Weds", "Wednesday"),
        ("Thu", "Thur", "Thurs", "Thursday"),
        ("Fri", "Friday"),
        ("Sat", "Saturday"),
        ("Sun", "Sunday"),
    ]
    MONTHS: list[tuple[str, ...]] = [  # type: ignore[assignment]
        ("Jan", "January"),
        ("Feb", "February"),
        ("Mar", "March"),
        ("Apr", "April"),
        ("May",),
        ("Jun", "June"),
        ("Jul", "July"),
        ("Aug", "August"),
        ("Sep", "Sept", "September"),
        ("Oct", "October"),
        ("Nov", "November"),
        ("Dec", "December"),
    ]


NAMES = Names()
DAY_NAME = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTH_NAME = [""] + [m[-1] for m in Names.MONTHS]

MAX_WORDS = 8  # longest form: "tuesday 12 january 2027 at 9:30 pm" and friends
RANGE_WORDS = {"to", "until", "till", "through", "thru", "-", "–", "—"}
DASHES = {"-", "–", "—"}

# The shapes of dates typed with digits
ISO_RE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
DMY_RE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})")
DM_RE = re.compile(r"(\d{1,2})[/.](\d{1,2})")
DAY_RE = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")
YEAR_RE = re.compile(r"20\d\d")
DAY_SPAN_RE = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[-–—](\d{1,2})(?:st|nd|rd|th)?,?")


#: Chat shorthand for the words of a date, read as the word ("nxt tuesday", "tmrw 09:00"); the reply reads the date
#: back, so a wrong guess shows at once.
SHORTHAND = {"nxt": "next", "tmrw": "tomorrow", "tmw": "tomorrow", "tmr": "tomorrow", "2moro": "tomorrow"}


def tokenize(text: str) -> list[str]:
    """Lower-case words with punctuation, "9 am", ISO "T" and "12JAN2027" normalised."""
    s = text.strip().lower()
    s = re.sub(r"\b([ap])\.m\.?", r"\1m", s)
    s = s.replace("@", " at ").replace(",", " ")
    out: list[str] = []
    for tok in s.split():
        if tok not in DASHES:
            tok = tok.rstrip(".;:!?")
        if not tok:
            continue
        m = re.fullmatch(r"(\d{4}-\d{1,2}-\d{1,2})t(\d{1,2}:\d{2}(?::\d{2})?)", tok)
        if m:
            out += [m[1], m[2]]
            continue
        m = re.fullmatch(r"(\d{1,2})-?([a-z]{3,9})-?(\d{2}|\d{4})?", tok)
        if m and NAMES.month(m[2]):
            out += [g for g in m.groups() if g]
            continue
        out.append(SHORTHAND.get(tok, tok))
    joined: list[str] = []
    for tok in out:
        if tok in ("am", "pm") and joined and re.fullmatch(r"\d{1,2}([:.]\d{2})?", joined[-1]):
            joined[-1] += tok
        else:
            joined.append(tok)
    return joined


def quote(words: list[str], limit: int = 5) -> str:
    text = " ".join(words[:limit])
    return f"“{text}{' …' if len(words) > limit else ''}”"
