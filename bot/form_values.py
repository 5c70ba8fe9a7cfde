"""Reading what a submitted form holds: the dates, times and record numbers Slack's pickers send.

Slack's date and time pickers only ever send a real date ("2027-03-09") or time ("09:00"), and a menu only the values
it offered; a submission holding anything else was damaged or forged on the way. Such a value is refused beside its
field, as a mistyped one would be, and the form stays open: never a stack trace, nothing written.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TypeVar

from slack_bolt import Ack

from commands.language import FieldError

log = logging.getLogger("ipslo")
T = TypeVar("T")

NOT_A_DATE = "That is not a date: pick one from the calendar."
NOT_A_TIME = "That is not a time: pick one from the list."
DAMAGED = "This form came back damaged. Close it and open it again."


def picked_date(typed: str | None, block: str) -> dt.date | None:
    """The date a date picker sent ("2027-03-09"), None when none was picked."""
    return _picked(typed, block, dt.date.fromisoformat, NOT_A_DATE)


def picked_time(typed: str | None, block: str) -> dt.time | None:
    """The time a time picker sent ("09:00"), None when none was picked."""
    return _picked(typed, block, dt.time.fromisoformat, NOT_A_TIME)


def _picked(typed: str | None, block: str, read: Callable[[str], T], refusal: str) -> T | None:
    if not typed:
        return None
    try:
        return read(typed)
    except (TypeError, ValueError):
        raise FieldError(block, refusal) from None


def read_submission(ack: Ack, read: Callable[[], T], *, first: str, blocks: dict[str, str] | None = None) -> T | None:
    """What ``read`` makes of a submitted form; None, with the form kept open and the field to fix marked, when it
    holds what Slack would never send (``blocks`` maps a field to its block, where the two differ; a value that
    belongs to no one field is marked beside ``first``)."""
    try:
        return read()
    except FieldError as error:
        block = (blocks or {}).get(error.field, error.field)
        ack(response_action="errors", errors={block: error.message})
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        log.warning("A form submission could not be read (%s); asked to open it again", type(error).__name__)
        ack(response_action="errors", errors={first: DAMAGED})
    return None
