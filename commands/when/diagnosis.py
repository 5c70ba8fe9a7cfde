"""Near misses ("yesterday", "next week", "in 2 months", "fryday"): a refusal that says what to type."""

from __future__ import annotations

import datetime as _dt
import difflib
import re

from dateutil.relativedelta import MO, relativedelta

from commands.when.back import read_back
from commands.when.display import fmt_date
from commands.when.errors import ReadButRefused, WhenError
from commands.when.grammar import DAY_NAME, DAY_RE, MONTH_NAME, NAMES, YEAR_RE, everyday
from commands.when.times import PARTS_OF_DAY

#: Words for a time of day, which a misspelling of is refused after a date ("tomorrow evning" -> evening).
TIME_WORDS = [*PARTS_OF_DAY, "tonight", "noon", "midday"]
#: The names a misspelt word is compared with ("fryday" -> friday, "janaury" -> january); in a moment ahead, the
#: words for a time of day too ("afternon" -> afternoon).
_DAY_SPELLINGS = [name.lower() for name in DAY_NAME + MONTH_NAME[1:]] + ["today", "tomorrow", "tonight"]
_SPELLINGS = list(dict.fromkeys(_DAY_SPELLINGS + TIME_WORDS))


def misspelt_time_word(word: str, *, names: bool = True) -> WhenError | None:
    """The refusal for a misspelt word for a time of day ("evning", "afternon"), offering the word meant; None for
    any other word, and, with ``names`` (the words before it are not capitalised themselves: "tomorrow Noonan", not
    "Tomorrow Evning"), for a capitalised word: a name, the reminder's words, never "corrected" to "noon"."""
    plain = word.strip(".,;:!?()")
    tok = plain.lower()
    if len(tok) < 4 or not tok.isalpha() or tok in TIME_WORDS or everyday(tok):  # "might" is no misspelt "night"
        return None
    if names and plain[:1].isupper() and not plain.isupper():  # "tomorrow Noonan call": a name, not "noon"
        return None
    close = difflib.get_close_matches(tok, TIME_WORDS, n=1, cutoff=0.8)
    if not close:
        return None
    return WhenError(f"I don't know “{word}”: did you mean {close[0]}?", correction=(word, close[0]))


def short_year(tokens: list[str], typed: str) -> WhenError | None:
    """ "12 Jan 27" / "Jan 12 27": a two-digit year (only refused when it is the whole text)."""
    toks = [t for t in tokens if t not in ("on", "of")]
    if (
        len(toks) == 3
        and re.fullmatch(r"\d{2}", toks[2])
        and (
            (NAMES.month(toks[0]) and DAY_RE.fullmatch(toks[1])) or (NAMES.month(toks[1]) and DAY_RE.fullmatch(toks[0]))
        )
    ):
        return WhenError(f"Please write the year in full in “{typed}”, e.g. “12 Jan 2027”.")
    return None


def explain(tokens: list[str], what: str, typed: str, today: _dt.date, *, future: bool) -> WhenError:
    """The refusal for text that is none of our forms, as specific as we can make it."""
    toks = [t for t in tokens if t not in ("on", "of")]
    for tok in toks:  # "tomorrow 24h" said as the time: after a reminder's date, "24h notice" is its words
        hours = re.fullmatch(r"(\d{1,2})(?:h|hr|hrs)", tok)
        if hours and int(hours[1]) > 23:
            return WhenError(f"“{tok}” isn't a time of day: hours go from 00 to 23.")
    months = [t for t in toks if NAMES.month(t)]
    if months and len(toks) <= 2 and all(NAMES.month(t) or YEAR_RE.fullmatch(t) for t in toks):
        return WhenError(f"“{typed}” needs a day of the month too, e.g. “12 {months[0].capitalize()} 2027”.")
    return (
        diagnose(tokens, today, future=future)
        or short_year(tokens, typed)
        or WhenError(f"I couldn't read “{typed}” as {what}.")
    )


_LONG_UNITS = {
    **dict.fromkeys(["mo", "mos", "month", "months"], 1),
    **dict.fromkeys(["y", "yr", "yrs", "year", "years"], 12),
}
_AHEAD = "“tomorrow 09:00” or “in 2 hours”"


def diagnose(tokens: list[str], today: _dt.date, *, future: bool) -> WhenError | None:
    """A specific refusal for the usual near-misses ("yesterday", "next week", "in 2 months", "fryday"), saying exactly
    what to type; None if it is none of them."""
    toks = [t for t in tokens if t != "on"]
    if not toks:
        return None
    first, second = toks[0], (toks[1] if len(toks) > 1 else "")
    phrase = " ".join(toks[:2])
    if first in PARTS_OF_DAY and future:  # "evening call the DA": which evening?
        part = PARTS_OF_DAY[first]
        return WhenError(
            f"Which {first}? Write the day with it: “this {first}” or “tomorrow {first}” ({part.at:%H:%M}), or "
            f"“friday {first}”; or write the time, e.g. “tomorrow {part.at:%H:%M}”."
        )

    def past(example: _dt.date) -> WhenError:
        if future:
            return ReadButRefused(f"“{phrase}” is in the past; please give a time ahead, e.g. {_AHEAD}.")
        return ReadButRefused(f"“{phrase}” is in the past: please type the date itself, e.g. “{example.isoformat()}”.")

    looked_back = toks[:1] if first == "yesterday" else toks[:2] if first == "last" else None
    back = read_back(looked_back, today) if looked_back else None
    if looked_back and back is not None:  # the day it names, exactly: "last week" is 7 days ago, "last month" a month
        phrase = " ".join(looked_back)
        return past(back)
    if "ago" in toks[:4]:
        phrase = " ".join(toks[: toks.index("ago") + 1])
        try:
            example = read_back(toks[: toks.index("ago") + 1], today) or today
        except WhenError:
            example = today - _dt.timedelta(days=7)
        return past(example)
    if first == "next" and second in ("week", "wk", "month", "year"):
        if second in ("week", "wk"):
            week, monday = today + _dt.timedelta(days=7), today + relativedelta(days=1, weekday=MO)
            return WhenError(
                f"“next week” isn't one day: type “in 1 week” ({fmt_date(week)}) or a day, "
                f"e.g. “next monday” ({fmt_date(monday)})."
            )
        later = today + relativedelta(months=1 if second == "month" else 12)
        return WhenError(f"“next {second}” isn't one day: type the date, e.g. “{later:%-d %b %Y}”.")
    if first == "in" and len(toks) >= 3:
        count, unit = toks[1], toks[2]
        counted = f"in {count} {unit}"
        if re.fullmatch(r"[-−–]\d+", count) or count == "minus":
            return WhenError(
                f"“{counted}” counts backwards; please give a time ahead, e.g. “in 5 minutes” or “in 3 days”."
            )
        if count.isdigit() and unit in _LONG_UNITS:
            months = int(count) * _LONG_UNITS[unit]
            if months > 120:
                return WhenError(
                    f"“{counted}” is too far ahead to plan; please give a date within ten years, e.g. “2027-01-12”."
                )
            later = today + relativedelta(months=months)
            return WhenError(
                f"I count in days and weeks, not months or years: type the date itself, "
                f"e.g. “{later:%-d %b %Y}” for “{counted}”."
            )
    for tok in toks[:3]:
        if len(tok) < 4 or not tok.isalpha() or NAMES.weekday(tok) is not None or NAMES.month(tok):
            continue
        if tok in _SPELLINGS or tok in ("next", "noon", "midday", "midnight"):
            continue
        close = difflib.get_close_matches(tok, _SPELLINGS if future else _DAY_SPELLINGS, n=1, cutoff=0.75)
        if close and close[0] in TIME_WORDS and everyday(tok):  # "might call": no misspelt "night"
            continue
        if close:
            return WhenError(f"I don't know “{tok}”: did you mean {close[0]}?", correction=(tok, close[0]))
    return None
