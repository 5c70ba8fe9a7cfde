"""A date or a range of dates at the start of a command ("12-16 Jan 2027 Tokyo …"): split_date_range."""

from __future__ import annotations

import datetime as _dt

from commands.when.dates import as_date, make_date, read_date
from commands.when.diagnosis import diagnose
from commands.when.display import fmt_date
from commands.when.errors import NoMatch, ReadButRefused, WhenError
from commands.when.grammar import DASHES, DAY_RE, DAY_SPAN_RE, ISO_RE, MAX_WORDS, NAMES, RANGE_WORDS, quote, tokenize


def _split_date(words: list[str], today: _dt.date, anchor: _dt.date | None = None) -> tuple[_dt.date, int] | None:
    for n in range(min(len(words), MAX_WORDS), 0, -1):
        try:
            return read_date(tokenize(" ".join(words[:n])), today, anchor)[0], n
        except NoMatch:
            continue
    return None


def _day_span(words: list[str], today: _dt.date) -> tuple[_dt.date, _dt.date, int] | None:
    """ "12-16 Jan 2027", "12–16 Jan", "12 to 16 Jan 2027", "Jan 12-16, 2027": (start, end, words used)."""
    first = words[0].lower()
    span = DAY_SPAN_RE.fullmatch(first)
    if span:  # 12-16 Jan 2027
        day1, tail, skipped = span[1], [span[2], *words[1:]], 0
    elif (
        len(words) >= 3
        and (first_day := DAY_RE.fullmatch(first))
        and words[1].lower() in RANGE_WORDS
        and DAY_RE.fullmatch(words[2].lower())
    ):  # 12 to 16 Jan 2027
        day1, tail, skipped = first_day[1], words[2:], 2
    elif (
        len(words) >= 2 and NAMES.month(first) and (span := DAY_SPAN_RE.fullmatch(words[1].lower()))
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
    start = make_date(end.year, end.month, int(day1), typed)
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
        tokens = tokenize(" ".join(words[:n]))
        if not any(ch.isdigit() for ch in tokens[0] + (tokens[1] if len(tokens) > 1 else "")):
            continue
        if tokens[0] in ("in", "on", "next"):
            continue
        try:
            return read_date(tokens, today, anchor=start)[0], n
        except NoMatch:
            continue
        except WhenError:
            if ISO_RE.fullmatch(tokens[0]):
                raise
            return None
    return None


def split_date_range(words: list[str], *, today: _dt.date) -> tuple[_dt.date, _dt.date | None, list[str]]:
    """(start, end or None, remaining words) for "<date> [to|-|until <date>] rest…", "12-16 Jan 2027 rest…"
    or two dates side by side ("2027-01-12 2027-01-16 rest…").

    A year-less end date ("12 Jan 2027 to 16 Jan") is the next one on or after the start.
    If "to" is not followed by a date it is left in the remaining words; a lone dash is dropped.
    """
    today = as_date(today)
    words = [w for w in words if w]
    if not words:
        raise WhenError("Please give a date, e.g. 2027-01-12 or 12 Jan 2027.")
    span = _day_span(words, today)
    if span is not None:
        start, last, n = span
        rest = words[n:]
        return start, last, rest[1:] if rest and rest[0] in DASHES else rest
    found = _split_date(words, today)
    if found is None:
        raise diagnose(tokenize(" ".join(words[:MAX_WORDS])), today, future=False) or WhenError(
            f"I couldn't find a date at the start of {quote(words)}. "
            "Start with the date, e.g. “2027-01-12 …” or “12 Jan 2027 to 16 Jan 2027 …”."
        )
    start, n = found
    rest = words[n:]
    end: _dt.date | None = None
    found_end = None
    if rest and rest[0].lower() in RANGE_WORDS:
        found_end = _split_date(rest[1:], today, anchor=start)
        if found_end is not None:
            found_end = found_end[0], found_end[1] + 1
        elif len(rest) == 1:  # "2027-01-12 to": the end was left off, not a title "to"
            raise ReadButRefused(
                f"The end date is missing after “{rest[0]}”: write it (“{fmt_date(start)} {rest[0]} "
                f"{fmt_date(start + _dt.timedelta(days=4))}”) or leave “{rest[0]}” out for a one-day visit."
            )
        elif rest[0] in DASHES:
            rest = rest[1:]
    elif rest:
        found_end = _second_date(rest, today, start)
    if found_end is not None:
        end, m = found_end
        rest = rest[m:]
        if end < start:
            raise ReadButRefused(f"The end date ({fmt_date(end)}) is before the start date ({fmt_date(start)}).")
    return start, end, rest
