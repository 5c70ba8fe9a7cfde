"""The officers' language for dates and times: turns "tomorrow 09:00", "12 Jan 2027" or "in 2 hours" into exact dates
and UTC moments, refusing anything ambiguous.

One module a part: `errors` (WhenError and the forms we read), `grammar` (names, patterns, the tokenizer),
`times` (times of day, "in 2 hours"), `dates` (calendar dates, the ten-year window, parse_date, parse_since),
`back` (days counted back: "last week", "3 days ago"), `diagnosis` (near misses: "yesterday", "next week",
"fryday"), `moments` (parse_when, split_when), `ranges` (split_date_range) and `display` (describe).
"""

from __future__ import annotations

from commands.when.dates import WINDOW_YEARS, date_window, parse_date, parse_since
from commands.when.display import describe
from commands.when.errors import ACCEPTED_FORMS, NoSuchDay, ReadButRefused, WhenError
from commands.when.moments import parse_when, split_when
from commands.when.ranges import split_date_range

__all__ = [
    "ACCEPTED_FORMS",
    "WINDOW_YEARS",
    "NoSuchDay",
    "ReadButRefused",
    "WhenError",
    "date_window",
    "describe",
    "parse_date",
    "parse_since",
    "parse_when",
    "split_date_range",
    "split_when",
]
