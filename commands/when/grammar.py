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
SHORTHAND = {
    "nxt": "next",
    "tmrw": "tomorrow",
    "tmw": "tomorrow",
    "tmr": "tomorrow",
    "2moro": "tomorrow",
    "tonite": "tonight",
    "2nite": "tonight",
    "nite": "night",
}

#: As common as this in English (wordfreq's Zipf scale: "lunch" 4.7, "prep" 3.9; "xyz" 2.9, "suva" 2.4, "evning" 0),
#: a word is everyday English, not a name or a misspelling.
EVERYDAY = 3.0


def everyday(word: str, *, at_least: float = EVERYDAY) -> bool:
    """Whether a word is everyday English ("lunch", "might", "in"), not a name ("Xyz", "Suva") or a misspelling
    ("evning")."""
    from wordfreq import zipf_frequency  # loaded when first needed: only the words after a reminder's time ask

    return zipf_frequency(word, "en") >= at_least


#: The hour written after a clock time, as in mail and signals ("0800 hrs", "1400 hours", "08:00h"): part of the time.
HOUR_WORDS = frozenset({"h", "hr", "hrs", "hour", "hours"})
#: A clock time the hour words may follow: "0800", "930", "08:00" (not "2": "2 hours" is an amount of time).
CLOCK_RE = re.compile(r"\d{3,4}|\d{1,2}:\d{2}")
#: The end of the working day in words, read as one time word ("friday close of business" is "friday cob").
END_OF_DAY = {
    ("close", "of", "business"): "cob",
    ("close", "of", "play"): "cob",
    ("end", "of", "business"): "eob",
    ("end", "of", "day"): "eod",
    ("end", "of", "the", "day"): "eod",
}


def _with_hours(tok: str) -> str:
    """ "0800hrs" -> "0800h", "08:00hours" -> "08:00": the hour word after a clock time is the time's."""
    m = re.fullmatch(r"(\d{3,4}|\d{1,2}:\d{2})(?:h|hr|hrs|hour|hours)", tok)
    if not m:
        return tok
    return m[1] if ":" in m[1] else m[1] + "h"


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
        elif tok in HOUR_WORDS and joined and CLOCK_RE.fullmatch(joined[-1]):
            joined[-1] = _with_hours(joined[-1] + "h")
        else:
            joined.append(_with_hours(tok))
    return _end_of_day(joined)


def _end_of_day(tokens: list[str]) -> list[str]:
    """ "close of business", "end of day" as the one time word ("cob", "eod")."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for words, word in END_OF_DAY.items():
            if tuple(tokens[i : i + len(words)]) == words:
                out.append(word)
                i += len(words)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def words_of(text: str) -> frozenset[str]:
    """The words of a text, as a set: a long list of words written as one string."""
    return frozenset(text.split())


def quote(words: list[str], limit: int = 5) -> str:
    text = " ".join(words[:limit])
    return f"“{text}{' …' if len(words) > limit else ''}”"
