"""Days counted back from today, as officers say them: "yesterday", "monday", "last monday", "last week",
"3 days ago". `since:` reads them as the day they name (dates.parse_since); where only a day ahead makes sense, the
refusal names the exact date they meant (diagnosis)."""

from __future__ import annotations

import datetime as _dt

from dateutil.relativedelta import relativedelta, weekday

from commands.when.errors import WhenError
from commands.when.grammar import NAMES

#: Periods that "last <period>" and "<n> <periods> ago" look back over.
_PERIODS = {
    "day": relativedelta(days=1),
    "week": relativedelta(weeks=1),
    "month": relativedelta(months=1),
    "year": relativedelta(years=1),
}


def _period(word: str) -> relativedelta | None:
    return _PERIODS.get(word[:-1] if word.endswith("s") else word)


def read_back(toks: list[str], today: _dt.date) -> _dt.date | None:
    """The day a look back names: "today", "yesterday", a weekday (the last one, today included), "last <weekday>"
    (the last one before today), "last week|month|year" (one back), "<n> days|weeks|months|years ago". None when the
    words are none of these; a WhenError for an "ago" it cannot count ("2 fortnights ago")."""
    if toks == ["today"]:
        return today
    if toks == ["yesterday"]:
        return today - _dt.timedelta(days=1)
    if len(toks) == 1 and (wd := NAMES.weekday(toks[0])) is not None:
        return today + relativedelta(weekday=weekday(wd, -1))
    if len(toks) == 2 and toks[0] == "last":
        if (wd := NAMES.weekday(toks[1])) is not None:
            return today + relativedelta(days=-1, weekday=weekday(wd, -1))
        if (period := _period(toks[1])) is not None:
            return today - period
    if len(toks) >= 2 and toks[-1] == "ago":
        amount = toks[0] if len(toks) == 3 else None
        period = _period(toks[-2])
        if period is not None and amount is not None and (amount.isdigit() or amount in ("a", "an", "one")):
            return today - period * (int(amount) if amount.isdigit() else 1)
        raise WhenError(
            f"“{' '.join(toks)}”: say how long ago in whole days, weeks, months or years, e.g. “2 weeks ago”."
        )
    return None
