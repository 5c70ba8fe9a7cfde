"""Times of day ("09:00", "9am", "noon") and amounts of time from now ("in 2 hours")."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from commands.when.errors import NoMatch, ReadButRefused, WhenError

_UNITS = {
    **dict.fromkeys(["s", "sec", "secs", "second", "seconds"], "seconds"),
    **dict.fromkeys(["m", "min", "mins", "minute", "minutes"], "minutes"),
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours"], "hours"),
    **dict.fromkeys(["d", "day", "days"], "days"),
    **dict.fromkeys(["w", "wk", "wks", "week", "weeks"], "weeks"),
}
_COUNT_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}


def durations(toks: list[str]) -> dict[str, int]:
    """ "in 2 hours", "in an hour", "in 1 week and 2 days", "in 90s" -> {unit: count}."""
    if len(toks) < 2 or toks[0] != "in":
        raise NoMatch
    expanded: list[str] = []
    text = " ".join(toks[1:])
    if text in ("half an hour", "half hour"):
        return {"minutes": 30}
    for tok in toks[1:]:
        m = re.fullmatch(r"(\d+)([a-z]+)", tok)
        if m and m[2] in _UNITS:
            expanded += [m[1], m[2]]
        else:
            expanded.append(tok)
    amounts: dict[str, int] = {}
    fractional = False
    i = 0
    while i < len(expanded):
        if amounts and expanded[i] == "and":
            i += 1
        if i + 1 >= len(expanded):
            raise NoMatch
        count_tok, unit = expanded[i], _UNITS.get(expanded[i + 1])
        if unit is None or unit in amounts:
            raise NoMatch
        if count_tok.isdigit():
            count = int(count_tok)
        elif count_tok in _COUNT_WORDS:
            count = _COUNT_WORDS[count_tok]
        elif re.fullmatch(r"\d*[.,]\d+|\d+/\d+", count_tok):
            fractional, count = True, 0
        else:
            raise NoMatch
        amounts[unit] = count
        i += 2
    if not amounts:
        raise NoMatch
    if fractional:
        raise WhenError(
            f"Please use whole numbers in “{' '.join(toks)}”, e.g. “in 90 minutes” rather than “in 1.5 hours”."
        )
    if not any(amounts.values()):
        raise WhenError(f"“{' '.join(toks)}” is right now; please give a time in the future.")
    return amounts


#: The end of the working day ("friday COB", "EOD"): a time of day like noon, the hour offices close.
CLOSE_OF_BUSINESS = _dt.time(17, 0)
END_OF_DAY_WORDS = {"cob": "COB", "eod": "EOD", "eob": "EOB"}


@dataclass(frozen=True)
class PartOfDay:
    """A part of the day after a date ("tomorrow evening"): the time it is read as, and the hours a time written with
    it may take ("tomorrow evening 7" is 19:00, "tomorrow morning 7pm" is refused)."""

    name: str
    at: _dt.time
    first_hour: int
    last_hour: int

    def holds(self, t: _dt.time) -> bool:
        return self.first_hour <= t.hour <= self.last_hour


#: The parts of the day officers write after a date, and the times they are read as (the reply says so).
PARTS_OF_DAY = {
    part.name: part
    for part in (
        PartOfDay("morning", _dt.time(9, 0), 4, 11),
        PartOfDay("afternoon", _dt.time(14, 0), 12, 17),
        PartOfDay("evening", _dt.time(18, 0), 16, 23),
        PartOfDay("night", _dt.time(20, 0), 18, 23),  # as "tonight"
    )
}


def read_in_part(toks: list[str], part: PartOfDay, typed: str) -> _dt.time:
    """The time after a part of the day ("evening 7pm", "evening at 7": 19:00), or the part's own time when none is
    written; a time outside the part ("morning 7pm") is refused. ``typed``: the words as typed, for the refusal."""
    if toks[:1] == ["at"]:
        toks = toks[1:]
    if not toks:
        return part.at
    if len(toks) == 1 and re.fullmatch(r"\d{1,2}", toks[0]) and 1 <= int(toks[0]) <= 12:
        hour = int(toks[0]) % 12
        fits = [_dt.time(h) for h in (hour, hour + 12) if part.holds(_dt.time(h))]
        if len(fits) == 1:  # "evening 7": 19:00, the only 7 o'clock in an evening
            return fits[0]
    t = read_time(toks)
    if not part.holds(t):
        raise ReadButRefused(
            f"“{typed}”: {t:%H:%M} is not in the {part.name}; write the time alone (“{t:%H:%M}”) or the part of the "
            f"day alone (“{part.name}”, {part.at:%H:%M})."
        )
    return t


def read_time(toks: list[str], *, alone: bool = False) -> _dt.time:
    """One time of day, optionally after "at": 09:00, 14:30:15, 0900, 0900h, 9am, 9:30pm, 9.30am, noon; after (or
    before) a date also 9.30 and 21h. ``alone``: no date goes with it, so "9.30" (a date in many countries) and "21h"
    (perhaps "in 21 hours") are refused with what to type, never guessed."""
    if toks[:1] == ["at"]:
        toks = toks[1:]
    if len(toks) != 1:
        raise NoMatch
    tok = toks[0]
    if tok in ("noon", "midday"):
        return _dt.time(12, 0)
    if tok in END_OF_DAY_WORDS:
        return CLOSE_OF_BUSINESS
    if tok == "midnight":
        raise WhenError("“midnight” is ambiguous: please write 00:00 with the day it starts, or 23:59.")
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", tok)
    if m:
        h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
        if h > 23 or mi > 59 or s > 59:
            raise WhenError(f"“{tok}” isn't a time of day: hours go from 00 to 23 and minutes from 00 to 59.")
        return _dt.time(h, mi, s)
    m = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?(am|pm)", tok)
    if m:
        h, mi = int(m[1]), int(m[2] or 0)
        if not 1 <= h <= 12 or mi > 59:
            raise WhenError(f"“{tok}” isn't a time of day: with am/pm the hour goes from 1 to 12.")
        return _dt.time(h % 12 + (12 if m[3] == "pm" else 0), mi)
    m = re.fullmatch(r"(\d{1,2})(?:\.|h)(\d{2})", tok)  # 9.30, 14.30, 21h30: a dot (or an h) between hour and minutes
    if m:
        h, mi = int(m[1]), int(m[2])
        if h > 23 or mi > 59:
            raise WhenError(f"“{tok}” isn't a time of day: hours go from 00 to 23 and minutes from 00 to 59.")
        if alone and "." in tok:
            raise WhenError(
                f"I couldn't read “{tok}” as a date or time: write the time with a colon, “{h:02d}:{mi:02d}”, or a "
                "date as “2027-01-12”."
            )
        return _dt.time(h, mi)
    m = re.fullmatch(r"(\d{1,2})(h|hr|hrs)", tok)  # 21h, 9hrs: the hour
    if m:
        h = int(m[1])
        if h > 23:  # "96hr NOA", "24h notice": a number of hours, the reminder's words
            raise NoMatch
        if alone:
            raise ReadButRefused(
                f"“{tok}” could be {h:02d}:00 or {h} hour{'s' if h != 1 else ''} from now: type “{h:02d}:00” or "
                f"“in {h} hour{'s' if h != 1 else ''}”."
            )
        return _dt.time(h, 0)
    m = re.fullmatch(r"(\d{1,2})(\d{2})(h|hr|hrs)?", tok)
    if m:
        h, mi = int(m[1]), int(m[2])
        if h <= 23 and mi <= 59 and (m[3] or len(m[1]) == 2):  # 0930, 2130h, 930h (not 930 alone: 09:30? 9:30pm?)
            return _dt.time(h, mi)
        if m[3]:
            raise WhenError(f"“{tok}” isn't a time of day: hours go from 00 to 23 and minutes from 00 to 59.")
        raise NoMatch
    if re.fullmatch(r"\d{1,2}", tok) and int(tok) <= 23:
        h = int(tok)
        choices = f"{h}am, {h}pm or {h:02d}:00" if 1 <= h <= 12 else f"{h:02d}:00"
        raise WhenError(f"Is “{tok}” a time? Please write {choices}.")
    raise NoMatch


#: What looks like a time of day but is none we read ("930", "9a", "9:3", "0900L", "10am-12pm"): refused, never
#: taken for the reminder's words.
LOOKS_LIKE_TIME = re.compile(
    r"(?:\d{1,2}[:.h]\d+|\d{1,4}(?:am|pm|a\.m|p\.m|a|p|z|j|l|h|hr|hrs)\.?)(?![a-z])\S*|\d{3,4}", re.I
)


def unread_time(tok: str) -> WhenError | None:
    """The refusal for a word that looks like a time of day but is none we read, saying what to type ("930": 09:30 or
    9:30pm; "9a": 9:00am); None if it does not look like one (a number of hours no day holds, "96hr", is none)."""
    tok = tok.rstrip(".")
    if not LOOKS_LIKE_TIME.fullmatch(tok):
        return None
    hours = re.fullmatch(r"(\d{1,3})(?:h|hr|hrs)", tok, re.I)
    if hours and int(hours[1]) > 23:  # "96hr", "24h": a number of hours, no time of day
        return None
    m = re.match(r"(\d{3,4})(?!\d)|(\d{1,2})(?:[:.h](\d{1,2})(?!\d))?", tok)
    hour, minute = (m[1][:-2], m[1][-2:]) if m and m[1] else (m[2], m[3] or "0") if m else ("", "")
    marker = re.match(r"[\d:.h]*(a|p)", tok.lower())
    example = "09:30 or 9:30pm"
    if hour and int(hour) <= 23 and int(minute) <= 59:
        h, mi = int(hour), int(minute)
        if marker and 1 <= h <= 12:
            example = f"{h}:{mi:02d}{marker[1]}m or {h % 12 + (12 if marker[1] == 'p' else 0):02d}:{mi:02d}"
        elif len(hour + minute) == 3 and 1 <= h <= 11:  # 930: morning or evening?
            example = f"{h:02d}:{mi:02d} or {h}:{mi:02d}pm"
        else:
            example = f"{h:02d}:{mi:02d}"
    return ReadButRefused(f"Is “{tok}” a time? I couldn't read it as one: type it as {example}.")


def local_to_utc(d: _dt.date, t: _dt.time, tz: _dt.tzinfo) -> _dt.datetime:
    """Wall-clock d t in tz, as UTC.

    PEP 495 fold=0: a time skipped by a spring-forward gap moves forward by the gap
    (02:30 on 14 Mar 2027 in New York is 03:30 EDT); a time repeated at fall-back is
    the first occurrence (01:30 on 7 Nov 2027 is 01:30 EDT).
    """
    return _dt.datetime.combine(d, t, tzinfo=tz).astimezone(_dt.UTC)


#: What a number counts when it is no time ("500 copies", "150 pax"), besides a plural ("copies", "containers").
COUNT_WORDS = frozenset(
    {"pax", "crew", "personnel", "people", "staff", "teu", "kg", "t", "nm", "usd", "x", "copy", "person", "ship"}
)
#: What a number of hours is before ("24h notice", "12hr prior", "96hr NOA"): an amount of time, not the hour.
NOTICE_WORDS = frozenset(
    {"notice", "prior", "advance", "ahead", "before", "noa", "pre-arrival", "prearrival", "warning", "window", "out"}
)
#: Words that are an amount's unit as much as a plural ("8 hrs": perhaps 08:00 hrs).
_NOT_COUNTED = frozenset({"hrs", "hours", "mins", "minutes", "secs", "seconds", "days", "weeks", "times"})


def counted(number: str, following: str) -> bool:
    """Whether ``number`` counts what follows rather than being a time of day: a number before a plural or a word
    things are counted in ("500 copies", "150 pax manifest", "3 containers"), or a number of hours before what it is
    notice of ("24h notice", "96hr NOA", "12hr prior"). A time written as one ("0930", "9am", "21:00") never is."""
    word = following.strip(".,;:!?()'\"“”‘’").lower()
    m = re.fullmatch(r"(\d{1,4})(h|hr|hrs)?", number.strip(",;:()").lower())
    if not m or not word or (len(m[1]) > 1 and m[1].startswith("0")):
        return False
    if m[2]:
        return word in NOTICE_WORDS
    plural = len(word) >= 4 and word.isalpha() and word.endswith("s") and not word.endswith(("ss", "us", "is"))
    return word in COUNT_WORDS or (plural and word not in _NOT_COUNTED)
