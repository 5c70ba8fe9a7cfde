"""Calendar dates: the forms we read, the ten-year window around today, and parse_date."""

from __future__ import annotations

import calendar
import datetime as _dt
import re

from dateutil.relativedelta import relativedelta

from commands.when.back import read_back
from commands.when.diagnosis import explain
from commands.when.errors import NoMatch, NoSuchDay, ReadButRefused, WhenError
from commands.when.grammar import (
    DAY_NAME,
    DAY_RE,
    DM_RE,
    DMY_RE,
    ISO_RE,
    MONTH_NAME,
    NAMES,
    YEAR_RE,
    tokenize,
)
from commands.when.times import durations

#: Dates further than this from today are refused: no visit or reminder is planned (or recorded) that far away,
#: and the far ends of the calendar (0001-01-01, 9999-12-31) overflow once a time zone is applied.
WINDOW_YEARS = 10


def date_window(today: _dt.date) -> tuple[_dt.date, _dt.date]:
    """The first and last dates we take (:data:`WINDOW_YEARS` either side of today), for dates picked in a form."""
    return today - relativedelta(years=WINDOW_YEARS), today + relativedelta(years=WINDOW_YEARS)


def check_window(found: _dt.date, today: _dt.date, typed: str) -> None:
    first, last = date_window(today)
    if not first <= found <= last:
        # the same day and month in the year nearest today, on the side of today the date was typed
        try:
            near = found.replace(year=today.year)
        except ValueError:  # 29 February
            near = found.replace(year=today.year, day=28)
        if found > today and near < today:
            near += relativedelta(years=1)
        elif found < today and near > today:
            near -= relativedelta(years=1)
        # a date typed with its year ("2037-01-01") was likely meant in the nearest year; "in 9999 weeks" was not
        meant = ""
        if re.search(r"\b(?:19|20)\d\d\b", typed):
            meant = f" Please check the year: did you mean “{near.isoformat()}”?"
        raise ReadButRefused(
            f"“{typed}” is more than {WINDOW_YEARS} years {'ahead' if found > today else 'ago'}; "
            f"I take dates from {first.isoformat()} to {last.isoformat()}.{meant}"
        )


def make_date(year: int, month: int, day: int, typed: str) -> _dt.date:
    try:
        return _dt.date(year, month, day)
    except ValueError:
        if 1 <= month <= 12:
            days = calendar.monthrange(year, month)[1]
            raise NoSuchDay(f"“{typed}” isn't a real date: {MONTH_NAME[month]} {year} has {days} days.") from None
        raise NoSuchDay(f"“{typed}” isn't a real date: there is no month {month}.") from None


def _check_numeric(tok: str) -> None:
    """Refuse all-numeric day/month dates (03/04/2027, 3/4/27, 03.04.2027, 3/4): we never guess the order."""
    m = DMY_RE.fullmatch(tok)
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
            raise ReadButRefused(
                f"“{tok}” is ambiguous: it could be {r1.isoformat()} ({r1:%-d %B})"
                f" or {r2.isoformat()} ({r2:%-d %B}). "
                "Please write the date as YYYY-MM-DD."
            )
        if readings:
            raise ReadButRefused(
                f"Numeric dates like “{tok}” are ambiguous (day and month come in a different order "
                f"in different countries), so I don't guess. Please write it as YYYY-MM-DD, "
                f"e.g. {readings[0].isoformat()}."
            )
        raise ReadButRefused(
            f"“{tok}” is ambiguous and isn't a real date either way round. "
            "Please write dates as YYYY-MM-DD, e.g. 2027-01-12."
        )
    m = DM_RE.fullmatch(tok)
    if m:
        a, b = int(m[1]), int(m[2])
        options = list(
            dict.fromkeys(f"{d} {MONTH_NAME[mo]}" for mo, d in ((a, b), (b, a)) if 1 <= mo <= 12 and 1 <= d <= 31)
        )
        # "9.30" may be a time too: say how to write that
        clock = f" For the time {a:02d}:{b:02d}, type “{a:02d}:{b:02d}”." if "." in tok and a <= 23 and b <= 59 else ""
        if len(options) == 1:  # "31/12": one reading, but numeric dates are never read (3/4 would be a guess)
            raise ReadButRefused(
                f"“{tok}” can only be {options[0]}, but I don't read numeric dates (day and month come in a "
                f"different order in different countries). Please write it as {options[0]} or as YYYY-MM-DD.{clock}"
            )
        if options:  # "14.30" is no date at all
            raise ReadButRefused(
                f"“{tok}” is ambiguous: it could be {' or '.join(options)}. "
                f"Please write it with the month's name ({options[0]}) or as YYYY-MM-DD.{clock}"
            )


def _yearless(month: int, day: int, base: _dt.date, typed: str) -> _dt.date:
    """The next day/month on or after base (29 Feb: the next leap year's)."""
    if not 1 <= day <= 31 or day > (29 if month == 2 else calendar.monthrange(2001, month)[1]):
        raise NoSuchDay(f"“{typed}” isn't a real date: there is no {day} {MONTH_NAME[month]}.")
    for year in range(base.year, base.year + 9):
        try:
            d = _dt.date(year, month, day)
        except ValueError:
            continue
        if d >= base:
            return d
    raise NoMatch  # pragma: no cover - unreachable


def _absolute(toks: list[str], today: _dt.date, anchor: _dt.date | None) -> _dt.date:
    """ISO (also YYYY/MM/DD) or a month-name date: 12 Jan [2027], Jan 12[,] [2027], 12th of January 2027."""
    typed = " ".join(toks)
    if len(toks) == 1:
        m = ISO_RE.fullmatch(toks[0])
        if m:
            return make_date(int(m[1]), int(m[3]), int(m[4]), toks[0])
        _check_numeric(toks[0])
        raise NoMatch
    toks = [t for t in toks if t != "of"]
    if len(toks) not in (2, 3):
        raise NoMatch
    month = NAMES.month(toks[0])
    if month:  # Jan 12 [2027]
        day_tok = toks[1]
    else:  # 12 Jan [2027]
        month = NAMES.month(toks[1])
        day_tok = toks[0]
    m = DAY_RE.fullmatch(day_tok)
    if not month or not m:
        raise NoMatch
    day = int(m[1])
    if len(toks) == 3:
        if not YEAR_RE.fullmatch(toks[2]):
            raise NoMatch
        return make_date(int(toks[2]), month, day, typed)
    return _yearless(month, day, anchor or today, typed)


def _any_date(tokens: list[str], today: _dt.date, anchor: _dt.date | None = None) -> tuple[_dt.date, bool]:
    toks = tokens[1:] if tokens[:1] == ["on"] else list(tokens)
    if not toks:
        raise NoMatch
    first = toks[0]
    if len(toks) == 1:
        if first == "today":
            return today, False
        if first == "tomorrow":
            return today + _dt.timedelta(days=1), False
        wd = NAMES.weekday(first)
        if wd is not None:  # the next one after today; the end of a range: the next one after its start
            return (anchor or today) + relativedelta(days=1, weekday=wd), False
    if first == "next":
        wd = NAMES.weekday(toks[1]) if len(toks) == 2 else None
        if wd is None:
            raise NoMatch
        return (anchor or today) + relativedelta(days=1, weekday=wd), False
    if first == "in":
        amounts = durations(toks)
        if set(amounts) - {"days", "weeks"}:
            raise NoMatch
        days = amounts.get("days", 0) + 7 * amounts.get("weeks", 0)
        try:
            return today + _dt.timedelta(days=days), True
        except OverflowError:
            raise ReadButRefused(f"“{' '.join(toks)}” is too far in the future.") from None
    wd = NAMES.weekday(first)
    if wd is not None:  # "Tue 12 Jan 2027": the weekday must agree
        d = _absolute(toks[1:], today, anchor)
        if d.weekday() != wd:
            raise ReadButRefused(f"{d:%-d %B %Y} is a {d:%A}, not a {DAY_NAME[wd]}.")
        return d, False
    return _absolute(toks, today, anchor), False


def read_date(tokens: list[str], today: _dt.date, anchor: _dt.date | None = None) -> tuple[_dt.date, bool]:
    """A calendar date within :data:`WINDOW_YEARS` of today; the flag is True for "in N days/weeks" (from now)."""
    found, relative = _any_date(tokens, today, anchor)
    check_window(found, today, " ".join(tokens))
    return found, relative


def as_date(today: _dt.date) -> _dt.date:
    return today.date() if isinstance(today, _dt.datetime) else today


def parse_date(text: str, *, today: _dt.date) -> _dt.date:
    """A calendar date the officer typed; "today"/"tomorrow"/weekdays/"12 Jan" count from `today`.

    Past dates are allowed (visits get recorded afterwards). Raises WhenError.
    """
    today = as_date(today)
    tokens = tokenize(text or "")
    if not tokens:
        raise WhenError("Please give a date, e.g. 2027-01-12 or 12 Jan 2027.")
    try:
        return read_date(tokens, today)[0]
    except NoMatch:
        raise explain(tokens, "a date", text.strip(), today, future=False) from None


#: Words that count forward from today: a look back cannot start there.
FORWARD_WORDS = frozenset({"tomorrow", "tmrw", "tmr", "next", "in"})


def parse_since(text: str, *, today: _dt.date) -> _dt.date:
    """The first day of a look back ("notes since …"): words count back from today, not forward. "yesterday",
    "monday" (the last Monday, today if it is one), "last monday", "last week" (7 days ago), "3 days ago",
    "2 weeks ago"; a day and month without a year is the last one on or before today; a full date is itself.
    Raises WhenError."""
    today = as_date(today)
    toks = tokenize(text or "")
    if not toks:
        raise WhenError("Please give a date, e.g. 2026-01-31, monday or 2 weeks ago.")
    back = read_back(toks, today)
    if back is not None:
        return back
    found = parse_date(text, today=today)
    if found > today and set(toks) & FORWARD_WORDS:  # "since:tomorrow", "since:next week": nothing written yet
        raise ReadButRefused(
            f"“{text.strip()}” is still to come: a look back starts today or earlier, e.g. “monday” or “2 weeks ago”."
        )
    if found > today and not any(YEAR_RE.fullmatch(tok) or ISO_RE.fullmatch(tok) for tok in toks):
        found -= relativedelta(years=1)  # "since 12 Jan" in November: the January just gone
    return found
