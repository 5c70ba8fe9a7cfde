"""The shared vocabulary of commands: who is asking, what a subcommand is, and what it answers (plain data, no
Slack)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Menu:
    """A menu of choices beside a section (Slack's overflow, ⋯): each choice sends ``action_id`` with its value."""

    action_id: str
    choices: tuple[tuple[str, str], ...]  # (label, value)


@dataclass(frozen=True)
class Section:
    """A paragraph of Slack mrkdwn, optionally with label/value fields, and a button or menu beside it."""

    text: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    accessory: Button | Menu | None = None


@dataclass(frozen=True)
class Caption:
    """Small print: sources, "as of" dates, hints."""

    text: str


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str = ""
    style: str | None = None  # "primary" or "danger"
    confirm: str | None = None  # a question Slack asks before sending the press (Block Kit ``confirm``)


@dataclass(frozen=True)
class Buttons:
    buttons: tuple[Button, ...]


Part = Section | Caption | Divider | Buttons


@dataclass(frozen=True)
class Reply:
    """A command's answer. ``text`` is the one-line summary (notifications, screen readers, the console)."""

    text: str
    header: str | None = None
    parts: tuple[Part, ...] = ()
    public: bool = False
    refused: bool = False  # the command was refused: whatever it began to write is rolled back

    def shared(self) -> Reply:
        return replace(self, public=True)


class CommandError(Exception):
    """Input we refuse, with a friendly sentence and what to type instead."""

    def __init__(self, message: str, *, hint: str | None = None, suggestions: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.suggestions = suggestions

    def reply(self) -> Reply:
        parts: list[Part] = [Section(f":warning: {self.message}")]
        if self.suggestions:
            parts.append(Section("Did you mean: " + ", ".join(f"`{s}`" for s in self.suggestions) + "?"))
        if self.hint:
            parts.append(Caption(self.hint))
        return Reply(self.message, parts=tuple(parts), refused=True)


class FieldError(CommandError):
    """A refusal about one field of a form (``field`` names it: "nation", "end", "title"), shown beside that field."""

    def __init__(self, field_name: str, message: str, *, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.field = field_name


def bullet_list(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


#: The zone of an officer whose own zone we do not know.
DEFAULT_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class Caller:
    """The officer running a command."""

    user_id: str
    tz: ZoneInfo = DEFAULT_ZONE
    is_admin: bool = False


@dataclass(frozen=True)
class Invocation:
    """One run of a subcommand: who asked, when, and the open database session (one transaction)."""

    caller: Caller
    session: Session
    now: dt.datetime  # aware, UTC
    visit_reminders: tuple[int, ...] = (30, 7, 1)  # days before a visit starts (IPSLO_VISIT_REMINDERS)

    @property
    def today(self) -> dt.date:
        """Today in the caller's zone."""
        return self.now.astimezone(self.caller.tz).date()


@dataclass(frozen=True)
class Subcommand:
    """One verb of ``/ipslo``: how to type it, an example, and the operation that answers it."""

    name: str
    usage: str
    summary: str
    example: str
    run: Callable[[Invocation, str], Reply]
    admin_only: bool = False
    shareable: bool = False  # a trailing "share" posts the answer for the channel
    reads_share: bool = False  # the subcommand reads a trailing "share" itself (export to the channel, a note's text)
    aliases: tuple[str, ...] = ()


def parse_id(typed: str, *, what: str, hint: str) -> int:
    """A record number as officers type it ("12" or "#12"); anything else, or absurdly long, is refused kindly."""
    cleaned = typed.strip().lstrip("#")
    if not re.fullmatch(r"[0-9]{1,9}", cleaned):
        raise CommandError(f"“{typed.strip()}” is not a {what} number.", hint=hint)
    return int(cleaned)
