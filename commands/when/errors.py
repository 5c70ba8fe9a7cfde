"""The refusal a date or time earns (WhenError, whose hint lists the forms we read) and NoMatch."""

from __future__ import annotations

from commands.language import CommandError

ACCEPTED_FORMS = """\
Dates I understand: 2027-01-12 · 12 Jan 2027 · 12 Jan · today · tomorrow · next tuesday · in 3 days · in 2 weeks
Times, after a date or alone (the next one): 09:00 · 9am · 0800 hrs · noon · tonight · tomorrow 09:00 · in 2 hours
Parts of the day: this/tomorrow morning (09:00), afternoon (14:00), evening (18:00), night (20:00) · friday COB (17:00)
Date ranges: 2027-01-12 to 2027-01-16 · 12 Jan 2027 - 16 Jan · 12-16 Jan 2027
Numeric dates must be YYYY-MM-DD: 03/04/2027 could be March or April, so I won't guess.
Times are read in your own time zone; a reminder's may name another after the time (09:00 UTC, 9am Fiji time)."""


class WhenError(CommandError):
    """A date or time the officer typed that we refuse: a refusal like any other (the hint lists the forms we read,
    unless it is :class:`ReadButRefused`)."""

    def __init__(self, message: str, *, correction: tuple[str, str] | None = None, forms: bool = True) -> None:
        super().__init__(message, hint=ACCEPTED_FORMS if forms else None, correction=correction)


class ReadButRefused(WhenError):
    """A date or time in a form we read, refused for what it is (in the past, a time already passed, an end before its
    start): the message says why and what to type; every form of date is not the help it needs (the command's usage
    is)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, forms=False)


class NoSuchDay(ReadButRefused):
    """A date in a form we read that names no day ("2027-02-30", "31 April")."""


class NoMatch(Exception):
    """The words are not one of our forms at all (unlike WhenError: a recognised form we refuse)."""
