"""The officers' language for dates and times: turns "tomorrow 09:00", "12 Jan 2027" or "in 2 hours" into exact dates
and UTC moments, refusing anything ambiguous."""

from __future__ import annotations

import calendar
import datetime as _dt
import difflib
import re
from zoneinfo import ZoneInfo

from dateutil.parser import parserinfo
from dateutil.relativedelta import MO, relativedelta, weekday

from commands.language import CommandError

__all__ = [
    "ACCEPTED_FORMS",
    "WhenError",
    "describe",
    "parse_date",
    "parse_when",
    "split_date_range",
    "split_when",
]

ACCEPTED_FORMS = """\
Dates I understand:
  • 2027-01-12 · 12 Jan 2027 · Jan 12 2027 · January 12, 2027
  • 12 Jan (the next 12 January) · today · tomorrow
  • tuesday or next tuesday (the next Tuesday after today) · in 3 days · in 2 weeks
Times, after or before a date (or alone, meaning the next one):
  • 09:00 · 14:30 · 0900 · 9am · 9:30pm · noon
  • tomorrow 09:00 · next tuesday at 9am · 2027-01-12 14:30 · 12 Jan 2027 9am
From now: in 90 seconds · in 15 minutes · in an hour · in 2 hours 30 minutes · in 3 days
Tonight: tonight (20:00) · tonight 22:30
Date ranges: 2027-01-12 to 2027-01-16 · 12 Jan 2027 - 16 Jan · 12-16 Jan 2027
Numeric dates must be YYYY-MM-DD: 03/04/2027 could be March or April, so I won't guess.
Times are read in your own time zone."""


class WhenError(CommandError):
    """A date or time the officer typed that we refuse: a refusal like any other (the hint lists the forms we read)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, hint=ACCEPTED_FORMS)


class _NoMatch(Exception):
    """The words are not one of our forms at all (unlike WhenError: a recognised form we refuse)."""


class _Names(parserinfo):
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


_NAMES = _Names()
_DAY_NAME = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTH_NAME = [""] + [m[-1] for m in _Names.MONTHS]

_UTC = _dt.UTC
_MAX_WORDS = 8  # longest form: "tuesday 12 january 2027 at 9:30 pm" and friends
_TONIGHT = _dt.time(20, 0)

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
_RANGE_WORDS = {"to", "until", "till", "through", "thru", "-", "–", "—"}
_DASHES = {"-", "–", "—"}

_ISO_RE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_DMY_RE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})")
_DM_RE = re.compile(r"(\d{1,2})[/.](\d{1,2})")
_DAY_RE = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")
_YEAR_RE = re.compile(r"20\d\d")
_DAY_SPAN_RE = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[-–—](\d{1,2})(?:st|nd|rd|th)?,?")
#: The names a misspelt word is compared with ("fryday" -> friday, "janaury" -> january).
_SPELLINGS = [name.lower() for name in _DAY_NAME + _MONTH_NAME[1:]] + ["today", "tomorrow", "tonight"]


# ---------------------------------------------------------------- tokens


def _tokens(text: str) -> list[str]:
    """Lower-case words with punctuation, "9 am", ISO "T" and "12JAN2027" normalised."""
    s = text.strip().lower()
    s = re.sub(r"\b([ap])\.m\.?", r"\1m", s)
    s = s.replace("@", " at ").replace(",", " ")
    out: list[str] = []
    for tok in s.split():
        if tok not in _DASHES:
            tok = tok.rstrip(".;:!?")
        if not tok:
            continue
        m = re.fullmatch(r"(\d{4}-\d{1,2}-\d{1,2})t(\d{1,2}:\d{2}(?::\d{2})?)", tok)
        if m:
            out += [m[1], m[2]]
            continue
        m = re.fullmatch(r"(\d{1,2})-?([a-z]{3,9})-?(\d{2}|\d{4})?", tok)
        if m and _NAMES.month(m[2]):
            out += [g for g in m.groups() if g]
            continue
        out.append(tok)
    joined: list[str] = []
    for tok in out:
        if tok in ("am", "pm") and joined and re.fullmatch(r"\d{1,2}(:\d{2})?", joined[-1]):
            joined[-1] += tok
        else:
            joined.append(tok)
    return joined


def _quote(words: list[str], limit: int = 5) -> str:
    text = " ".join(words[:limit])
    return f"“{text}{' …' if len(words) > limit else ''}”"


# ---------------------------------------------------------------- formatting


def _fmt_date(d: _dt.date) -> str:
    return f"{d:%a %-d %b %Y}"


def _zone_abbr(local: _dt.datetime) -> str:
    name = local.tzname() or ""
    m = re.fullmatch(r"([+-])(\d{2})(\d{2})?", name)
    if m:
        return f"UTC{m[1]}{int(m[2])}" + (f":{m[3]}" if m[3] and m[3] != "00" else "")
    return name


def describe(moment_utc: _dt.datetime, tz: ZoneInfo) -> str:
    """A moment as the officer sees it in tz, e.g. "Tue 5 Jan 2027 09:00 JST" (numeric zones as "UTC+13")."""
    if moment_utc.tzinfo is None:
        moment_utc = moment_utc.replace(tzinfo=_UTC)
    local = moment_utc.astimezone(tz)
    return f"{_fmt_date(local.date())} {local:%H:%M} {_zone_abbr(local)}"


def _zone_key(tz: ZoneInfo) -> str:
    return getattr(tz, "key", None) or str(tz)


# ---------------------------------------------------------------- dates


def _make_date(year: int, month: int, day: int, typed: str) -> _dt.date:
    try:
        return _dt.date(year, month, day)
    except ValueError:
        if 1 <= month <= 12:
            days = calendar.monthrange(year, month)[1]
            raise WhenError(f"“{typed}” isn't a real date: {_MONTH_NAME[month]} {year} has {days} days.") from None
        raise WhenError(f"“{typed}” isn't a real date: there is no month {month}.") from None


def _check_numeric(tok: str) -> None:
    """Refuse all-numeric day/month dates (03/04/2027, 3/4/27, 03.04.2027, 3/4): we never guess the order."""
    m = _DMY_RE.fullmatch(tok)
    if m:
        a, b, y = int(m[1]), int(m[3]), int(m[4])
        if len(m[4]) == 2:
            y += 2000
        readings = []
        for month, day in ((a, b), (b, a)):
            try:
                d = _dt.date(y, month, day)
            except ValueError:
                continue
            if d not in readings:
                readings.append(d)
        if len(readings) == 2:
            r1, r2 = readings
            raise WhenError(
                f"“{tok}” is ambiguous: it could be {r1.isoformat()} ({r1:%-d %B})"
                f" or {r2.isoformat()} ({r2:%-d %B}). "
                "Please write the date as YYYY-MM-DD."
            )
        if readings:
            raise WhenError(
                f"Numeric dates like “{tok}” are ambiguous (day and month come in a different order "
                f"in different countries), so I don't guess. Please write it as YYYY-MM-DD, "
                f"e.g. {readings[0].isoformat()}."
            )
        raise WhenError(
            f"“{tok}” is ambiguous and isn't a real date either way round. "
            "Please write dates as YYYY-MM-DD, e.g. 2027-01-12."
        )
    m = _DM_RE.fullmatch(tok)
    if m:
        a, b = int(m[1]), int(m[2])
        options = [f"{d} {_MONTH_NAME[mo]}" for mo, d in ((a, b), (b, a)) if 1 <= mo <= 12 and 1 <= d <= 31]
        if options:  # "14.30" is no date at all
            raise WhenError(
                f"“{tok}” is ambiguous: it could be {' or '.join(dict.fromkeys(options))}. "
                "Please write it as 12 Jan or as YYYY-MM-DD."
            )


def _yearless(month: int, day: int, base: _dt.date, typed: str) -> _dt.date:
    """The next day/month on or after base (29 Feb: the next leap year's)."""
    if not 1 <= day <= 31 or day > (29 if month == 2 else calendar.monthrange(2001, month)[1]):
        raise WhenError(f"“{typed}” isn't a real date: there is no {day} {_MONTH_NAME[month]}.")
    for year in range(base.year, base.year + 9):
        try:
            d = _dt.date(year, month, day)
        except ValueError:
            continue
        if d >= base:
            return d
    raise _NoMatch  # pragma: no cover - unreachable


def _absolute(toks: list[str], today: _dt.date, anchor: _dt.date | None) -> _dt.date:
    """ISO (also YYYY/MM/DD) or a month-name date: 12 Jan [2027], Jan 12[,] [2027], 12th of January 2027."""
    typed = " ".join(toks)
    if len(toks) == 1:
        m = _ISO_RE.fullmatch(toks[0])
        if m:
            return _make_date(int(m[1]), int(m[3]), int(m[4]), toks[0])
        _check_numeric(toks[0])
        raise _NoMatch
    toks = [t for t in toks if t != "of"]
    if len(toks) not in (2, 3):
        raise _NoMatch
    month = _NAMES.month(toks[0])
    if month:  # Jan 12 [2027]
        day_tok = toks[1]
    else:  # 12 Jan [2027]
        month = _NAMES.month(toks[1])
        day_tok = toks[0]
    m = _DAY_RE.fullmatch(day_tok)
    if not month or not m:
        raise _NoMatch
    day = int(m[1])
    if len(toks) == 3:
        if not _YEAR_RE.fullmatch(toks[2]):
            raise _NoMatch
        return _make_date(int(toks[2]), month, day, typed)
    return _yearless(month, day, anchor or today, typed)


def _relative(toks: list[str]) -> dict[str, int]:
    """ "in 2 hours", "in an hour", "in 1 week and 2 days", "in 90s" -> {unit: count}."""
    if len(toks) < 2 or toks[0] != "in":
        raise _NoMatch
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
            raise _NoMatch
        count_tok, unit = expanded[i], _UNITS.get(expanded[i + 1])
        if unit is None or unit in amounts:
            raise _NoMatch
        if count_tok.isdigit():
            count = int(count_tok)
        elif count_tok in _COUNT_WORDS:
            count = _COUNT_WORDS[count_tok]
        elif re.fullmatch(r"\d*[.,]\d+|\d+/\d+", count_tok):
            fractional, count = True, 0
        else:
            raise _NoMatch
        amounts[unit] = count
        i += 2
    if not amounts:
        raise _NoMatch
    if fractional:
        raise WhenError(
            f"Please use whole numbers in “{' '.join(toks)}”, e.g. “in 90 minutes” rather than “in 1.5 hours”."
        )
    if not any(amounts.values()):
        raise WhenError(f"“{' '.join(toks)}” is right now; please give a time in the future.")
    return amounts


def _date(tokens: list[str], today: _dt.date, anchor: _dt.date | None = None) -> tuple[_dt.date, bool]:
    """A calendar date within :data:`WINDOW_YEARS` of today; the flag is True for "in N days/weeks" (from now)."""
    found, relative = _any_date(tokens, today, anchor)
    _check_window(found, today, " ".join(tokens))
    return found, relative


#: Dates further than this from today are refused: no visit or reminder is planned (or recorded) that far away,
#: and the far ends of the calendar (0001-01-01, 9999-12-31) overflow once a time zone is applied.
WINDOW_YEARS = 10


def _window(today: _dt.date) -> tuple[_dt.date, _dt.date]:
    return today - relativedelta(years=WINDOW_YEARS), today + relativedelta(years=WINDOW_YEARS)


def date_window(today: _dt.date) -> tuple[_dt.date, _dt.date]:
    """The first and last dates we take (:data:`WINDOW_YEARS` either side of today), for dates picked in a form."""
    return _window(today)


def _check_window(found: _dt.date, today: _dt.date, typed: str) -> None:
    first, last = _window(today)
    if not first <= found <= last:
        raise WhenError(
            f"“{typed}” is more than {WINDOW_YEARS} years {'ahead' if found > today else 'ago'}; "
            f"I take dates from {first.isoformat()} to {last.isoformat()}. "
            f"Please check the year, e.g. “{(today + relativedelta(months=1)).isoformat()}”."
        )


def _any_date(tokens: list[str], today: _dt.date, anchor: _dt.date | None = None) -> tuple[_dt.date, bool]:
    toks = tokens[1:] if tokens[:1] == ["on"] else list(tokens)
    if not toks:
        raise _NoMatch
    first = toks[0]
    if len(toks) == 1:
        if first == "today":
            return today, False
        if first == "tomorrow":
            return today + _dt.timedelta(days=1), False
        wd = _NAMES.weekday(first)
        if wd is not None:
            return today + relativedelta(days=1, weekday=wd), False  # the next one after today
    if first == "next":
        wd = _NAMES.weekday(toks[1]) if len(toks) == 2 else None
        if wd is None:
            raise _NoMatch
        return today + relativedelta(days=1, weekday=wd), False
    if first == "in":
        amounts = _relative(toks)
        if set(amounts) - {"days", "weeks"}:
            raise _NoMatch
        days = amounts.get("days", 0) + 7 * amounts.get("weeks", 0)
        try:
            return today + _dt.timedelta(days=days), True
        except OverflowError:
            raise WhenError(f"“{' '.join(toks)}” is too far in the future.") from None
    wd = _NAMES.weekday(first)
    if wd is not None:  # "Tue 12 Jan 2027": the weekday must agree
        d = _absolute(toks[1:], today, anchor)
        if d.weekday() != wd:
            raise WhenError(f"{d:%-d %B %Y} is a {d:%A}, not a {_DAY_NAME[wd]}.")
        return d, False
    return _absolute(toks, today, anchor), False


def _short_year(tokens: list[str], typed: str) -> WhenError | None:
    """ "12 Jan 27" / "Jan 12 27": a two-digit year (only refused when it is the whole text)."""
    toks = [t for t in tokens if t not in ("on", "of")]
    if (
        len(toks) == 3
        and re.fullmatch(r"\d{2}", toks[2])
        and (
            (_NAMES.month(toks[0]) and _DAY_RE.fullmatch(toks[1]))
            or (_NAMES.month(toks[1]) and _DAY_RE.fullmatch(toks[0]))
        )
    ):
        return WhenError(f"Please write the year in full in “{typed}”, e.g. “12 Jan 2027”.")
    return None


def _explain(tokens: list[str], what: str, typed: str, today: _dt.date, *, future: bool) -> WhenError:
    """The refusal for text that is none of our forms, as specific as we can make it."""
    toks = [t for t in tokens if t not in ("on", "of")]
    months = [t for t in toks if _NAMES.month(t)]
    if months and len(toks) <= 2 and all(_NAMES.month(t) or _YEAR_RE.fullmatch(t) for t in toks):
        return WhenError(f"“{typed}” needs a day of the month too, e.g. “12 {months[0].capitalize()} 2027”.")
    return (
        _diagnose(tokens, today, future=future)
        or _short_year(tokens, typed)
        or WhenError(f"I couldn't read “{typed}” as {what}.")
    )


_LONG_UNITS = {
    **dict.fromkeys(["mo", "mos", "month", "months"], 1),
    **dict.fromkeys(["y", "yr", "yrs", "year", "years"], 12),
}
_AHEAD = "“tomorrow 09:00” or “in 2 hours”"


def _diagnose(tokens: list[str], today: _dt.date, *, future: bool) -> WhenError | None:
    """A specific refusal for the usual near-misses ("yesterday", "next week", "in 2 months", "fryday"), saying exactly
    what to type; None if it is none of them."""
    toks = [t for t in tokens if t != "on"]
    if not toks:
        return None
    first, second = toks[0], (toks[1] if len(toks) > 1 else "")
    phrase = " ".join(toks[:2])

    def past(example: _dt.date) -> WhenError:
        if future:
            return WhenError(f"“{phrase}” is in the past; please give a time ahead, e.g. {_AHEAD}.")
        return WhenError(f"“{phrase}” is in the past: please type the date itself, e.g. “{example.isoformat()}”.")

    if first == "yesterday":
        phrase = first
        return past(today - _dt.timedelta(days=1))
    if first == "last":
        wd = _NAMES.weekday(second) if second else None
        if wd is not None:
            return past(today + relativedelta(days=-1, weekday=weekday(wd, -1)))  # the last one before today
        if second in ("week", "month", "year"):
            return past(today - _dt.timedelta(days=7))
    if "ago" in toks[:4]:
        phrase = " ".join(toks[: toks.index("ago") + 1])
        return past(today - _dt.timedelta(days=7))
    if first == "next" and second in ("week", "wk", "month", "year"):
        if second in ("week", "wk"):
            week, monday = today + _dt.timedelta(days=7), today + relativedelta(days=1, weekday=MO)
            return WhenError(
                f"“next week” isn't one day: type “in 1 week” ({_fmt_date(week)}) or a day, "
                f"e.g. “next monday” ({_fmt_date(monday)})."
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
        if len(tok) < 4 or not tok.isalpha() or _NAMES.weekday(tok) is not None or _NAMES.month(tok):
            continue
        if tok in _SPELLINGS or tok in ("next", "noon", "midday", "midnight"):
            continue
        close = difflib.get_close_matches(tok, _SPELLINGS, n=1, cutoff=0.75)
        if close:
            return WhenError(f"I don't know “{tok}”: did you mean {close[0]}? Please type “{close[0]}”.")
    return None


# ---------------------------------------------------------------- times


def _time(toks: list[str]) -> _dt.time:
    """One time of day, optionally after "at": 09:00, 14:30:15, 0900, 0900h, 9am, 9:30pm, noon."""
    if toks[:1] == ["at"]:
        toks = toks[1:]
    if len(toks) != 1:
        raise _NoMatch
    tok = toks[0]
    if tok in ("noon", "midday"):
        return _dt.time(12, 0)
    if tok == "midnight":
        raise WhenError("“midnight” is ambiguous: please write 00:00 with the day it starts, or 23:59.")
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", tok)
    if m:
        h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
        if h > 23 or mi > 59 or s > 59:
            raise WhenError(f"“{tok}” isn't a time of day: hours go from 00 to 23 and minutes from 00 to 59.")
        return _dt.time(h, mi, s)
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)", tok)
    if m:
        h, mi = int(m[1]), int(m[2] or 0)
        if not 1 <= h <= 12 or mi > 59:
            raise WhenError(f"“{tok}” isn't a time of day: with am/pm the hour goes from 1 to 12.")
        return _dt.time(h % 12 + (12 if m[3] == "pm" else 0), mi)
    m = re.fullmatch(r"(\d{2})(\d{2})(h|hrs)?", tok)
    if m:
        h, mi = int(m[1]), int(m[2])
        if h <= 23 and mi <= 59:
            return _dt.time(h, mi)
        if m[3]:
            raise WhenError(f"“{tok}” isn't a time of day: hours go from 00 to 23 and minutes from 00 to 59.")
        raise _NoMatch
    if re.fullmatch(r"\d{1,2}", tok) and int(tok) <= 23:
        h = int(tok)
        choices = f"{h}am, {h}pm or {h:02d}:00" if 1 <= h <= 12 else f"{h:02d}:00"
        raise WhenError(f"Is “{tok}” a time? Please write {choices}.")
    raise _NoMatch


# ---------------------------------------------------------------- moments


def _local(d: _dt.date, t: _dt.time, tz: ZoneInfo) -> _dt.datetime:
    """Wall-clock d t in tz, as UTC.

    PEP 495 fold=0: a time skipped by a spring-forward gap moves forward by the gap
    (02:30 on 14 Mar 2027 in New York is 03:30 EDT); a time repeated at fall-back is
    the first occurrence (01:30 on 7 Nov 2027 is 01:30 EDT).
    """
    return _dt.datetime.combine(d, t, tzinfo=tz).astimezone(_UTC)


def _both(first, second):
    """Both parts must have a recognised shape before either part's refusal counts."""
    results, errors = [], []
    for part in (first, second):
        try:
            results.append(part())
        except WhenError as err:
            results.append(None)
            errors.append(err)
    if errors:
        raise errors[0]
    return results


def _when(tokens: list[str], now: _dt.datetime, tz: ZoneInfo, default_time: _dt.time) -> _dt.datetime:
    """A future moment in UTC; _NoMatch if the tokens are none of our forms."""
    if not tokens:
        raise _NoMatch
    local_now = now.astimezone(tz)
    today = local_now.date()
    errors: list[WhenError] = []
    moment: _dt.datetime | None = None

    def relative() -> _dt.datetime:
        amounts = _relative(tokens)
        days = amounts.get("days", 0) + 7 * amounts.get("weeks", 0)
        try:
            elapsed = _dt.timedelta(
                hours=amounts.get("hours", 0), minutes=amounts.get("minutes", 0), seconds=amounts.get("seconds", 0)
            )
            base = now.astimezone(_UTC)
            if days:  # calendar days keep the wall clock in tz
                base = _local(today + _dt.timedelta(days=days), local_now.time(), tz)
            return base + elapsed
        except OverflowError:
            raise WhenError(f"“{' '.join(tokens)}” is too far in the future.") from None

    def tonight() -> _dt.datetime:
        if tokens[0] != "tonight":
            raise _NoMatch
        if len(tokens) == 1:
            return _local(today, _TONIGHT, tz)
        t = _time(tokens[1:])
        if t.hour < 12:
            raise WhenError(f"“{' '.join(tokens)}” mixes tonight with a morning time; please pick one.")
        return _local(today, t, tz)

    def date_then_time(i: int):
        def attempt() -> _dt.datetime:
            rest = tokens[i:]
            (d, _), t = _both(lambda: _date(tokens[:i], today), lambda: _time(rest) if rest else default_time)
            return _local(d, t, tz)

        return attempt

    def time_first() -> _dt.datetime:
        j = 2 if tokens[0] == "at" else 1
        if len(tokens) > j:
            t, (d, _) = _both(lambda: _time(tokens[:j]), lambda: _date(tokens[j:], today))
            return _local(d, t, tz)
        t = _time(tokens)  # a time alone: the next one
        m = _local(today, t, tz)
        return m if m > now else _local(today + _dt.timedelta(days=1), t, tz)

    attempts = [relative, tonight] + [date_then_time(i) for i in range(len(tokens), 0, -1)] + [time_first]
    for attempt in attempts:
        try:
            moment = attempt()
            break
        except _NoMatch:
            continue
        except WhenError as err:
            errors.append(err)
    if moment is None:
        if errors:
            raise errors[0]
        raise _NoMatch
    if moment <= now:
        raise WhenError(f"That time has already passed: {describe(moment, tz)} ({_zone_key(tz)}).")
    _check_window(moment.astimezone(tz).date(), today, " ".join(tokens))
    return moment


def _check_now(now: _dt.datetime) -> None:
    if not isinstance(now, _dt.datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def _as_date(today: _dt.date) -> _dt.date:
    return today.date() if isinstance(today, _dt.datetime) else today


# ---------------------------------------------------------------- public API


def parse_date(text: str, *, today: _dt.date) -> _dt.date:
    """A calendar date the officer typed; "today"/"tomorrow"/weekdays/"12 Jan" count from `today`.

    Past dates are allowed (visits get recorded afterwards). Raises WhenError.
    """
    today = _as_date(today)
    tokens = _tokens(text or "")
    if not tokens:
        raise WhenError("Please give a date, e.g. 2027-01-12 or 12 Jan 2027.")
    try:
        return _date(tokens, today)[0]
    except _NoMatch:
        raise _explain(tokens, "a date", text.strip(), today, future=False) from None


def parse_when(
    text: str,
    *,
    now: _dt.datetime,
    tz: ZoneInfo,
    default_time: _dt.time = _dt.time(9, 0),
) -> _dt.datetime:
    """A future moment the officer typed, read in their zone tz; returned aware, in UTC. Raises WhenError."""
    _check_now(now)
    tokens = _tokens(text or "")
    if not tokens:
        raise WhenError("Please say when, e.g. “tomorrow 09:00” or “in 2 hours”.")
    short = _short_year(tokens, text.strip())
    if short:  # not "12:00 on Jan 27"
        raise short
    try:
        return _when(tokens, now, tz, default_time)
    except _NoMatch:
        raise _explain(tokens, "a date or time", text.strip(), now.astimezone(tz).date(), future=True) from None


def split_when(
    words: list[str],
    *,
    now: _dt.datetime,
    tz: ZoneInfo,
    default_time: _dt.time = _dt.time(9, 0),
) -> tuple[_dt.datetime, list[str]]:
    """(moment in UTC, remaining words) for the longest leading words that form a moment.

    A leading form we recognise but refuse (a past time, 25:00, 03/04/2027) raises WhenError
    rather than falling back to a shorter prefix.
    """
    _check_now(now)
    words = [w for w in words if w]
    if not words:
        raise WhenError("Please say when, e.g. “tomorrow 09:00” or “in 2 hours”.")
    near_miss = _diagnose(_tokens(" ".join(words[:_MAX_WORDS])), now.astimezone(tz).date(), future=True)
    for n in range(min(len(words), _MAX_WORDS), 0, -1):
        try:
            moment = _when(_tokens(" ".join(words[:n])), now, tz, default_time)
        except _NoMatch:
            continue
        except WhenError as error:  # "12 janaury": the near miss, not "Is 12 a time?"
            raise near_miss or error from None
        return moment, words[n:]
    raise near_miss or WhenError(
        f"I couldn't find a date or time at the start of {_quote(words)}. "
        "Start with when, e.g. “tomorrow 09:00 …” or “in 2 hours …”."
    )


def _split_date(words: list[str], today: _dt.date, anchor: _dt.date | None = None) -> tuple[_dt.date, int] | None:
    for n in range(min(len(words), _MAX_WORDS), 0, -1):
        try:
            return _date(_tokens(" ".join(words[:n])), today, anchor)[0], n
        except _NoMatch:
            continue
    return None


def _day_span(words: list[str], today: _dt.date) -> tuple[_dt.date, _dt.date, int] | None:
    """ "12-16 Jan 2027", "12–16 Jan", "12 to 16 Jan 2027", "Jan 12-16, 2027": (start, end, words used)."""
    first = words[0].lower()
    span = _DAY_SPAN_RE.fullmatch(first)
    if span:  # 12-16 Jan 2027
        day1, tail, skipped = span[1], [span[2], *words[1:]], 0
    elif (
        len(words) >= 3
        and (first_day := _DAY_RE.fullmatch(first))
        and words[1].lower() in _RANGE_WORDS
        and _DAY_RE.fullmatch(words[2].lower())
    ):  # 12 to 16 Jan 2027
        day1, tail, skipped = first_day[1], words[2:], 2
    elif (
        len(words) >= 2 and _NAMES.month(first) and (span := _DAY_SPAN_RE.fullmatch(words[1].lower()))
    ):  # Jan 12-16, 2027
        day1, tail, skipped = span[1], [words[0], span[2], *words[2:]], 0
    else:
        return None
    found = _split_date(tail, today)
    if found is None:
        return None
    end, n = found
    if n < 2:  # the month must be part of it
        return None
    typed = " ".join(words[: n + skipped])
    start = _make_date(end.year, end.month, int(day1), typed)
    if start > end:
        raise WhenError(
            f"In “{typed}” the first day comes after the last; for a range across months type both dates, "
            f"e.g. “28 Dec to 3 Jan”."
        )
    return start, end, n + skipped


def _second_date(words: list[str], today: _dt.date, start: _dt.date) -> tuple[_dt.date, int] | None:
    """A second written-out date straight after the first ("2027-01-12 2027-01-16"): the end of a range.

    Only dates written with digits count ("tuesday" or "in 3 days" after a date are words of the title);
    a misfit (24/7) is part of the title too, unless it is a broken YYYY-MM-DD.
    """
    for n in range(min(len(words), 4), 0, -1):
        tokens = _tokens(" ".join(words[:n]))
        if not any(ch.isdigit() for ch in tokens[0] + (tokens[1] if len(tokens) > 1 else "")):
            continue
        if tokens[0] in ("in", "on", "next"):
            continue
        try:
            return _date(tokens, today, anchor=start)[0], n
        except _NoMatch:
            continue
        except WhenError:
            if _ISO_RE.fullmatch(tokens[0]):
                raise
            return None
    return None


def split_date_range(words: list[str], *, today: _dt.date) -> tuple[_dt.date, _dt.date | None, list[str]]:
    """(start, end or None, remaining words) for "<date> [to|-|until <date>] rest…", "12-16 Jan 2027 rest…"
    or two dates side by side ("2027-01-12 2027-01-16 rest…").

    A year-less end date ("12 Jan 2027 to 16 Jan") is the next one on or after the start.
    If "to" is not followed by a date it is left in the remaining words; a lone dash is dropped.
    """
    today = _as_date(today)
    words = [w for w in words if w]
    if not words:
        raise WhenError("Please give a date, e.g. 2027-01-12 or 12 Jan 2027.")
    span = _day_span(words, today)
    if span is not None:
        start, last, n = span
        rest = words[n:]
        return start, last, rest[1:] if rest and rest[0] in _DASHES else rest
    found = _split_date(words, today)
    if found is None:
        raise _diagnose(_tokens(" ".join(words[:_MAX_WORDS])), today, future=False) or WhenError(
            f"I couldn't find a date at the start of {_quote(words)}. "
            "Start with the date, e.g. “2027-01-12 …” or “12 Jan 2027 to 16 Jan 2027 …”."
        )
    start, n = found
    rest = words[n:]
    end: _dt.date | None = None
    found_end = None
    if rest and rest[0].lower() in _RANGE_WORDS:
        found_end = _split_date(rest[1:], today, anchor=start)
        if found_end is not None:
            found_end = found_end[0], found_end[1] + 1
        elif rest[0] in _DASHES:
            rest = rest[1:]
    elif rest:
        found_end = _second_date(rest, today, start)
    if found_end is not None:
        end, m = found_end
        rest = rest[m:]
        if end < start:
            raise WhenError(f"The end date ({_fmt_date(end)}) is before the start date ({_fmt_date(start)}).")
    return start, end, rest
