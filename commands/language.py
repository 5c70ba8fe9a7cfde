"""The shared vocabulary of commands: who is asking, what a subcommand is, and what it answers (plain data, no
Slack)."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TypeAlias
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

# ---- What a reply says, as meaning: bot/views.py turns it into Slack's mrkdwn, the console into plain text. ----


class Icon(enum.Enum):
    """What a small picture before a line means; each surface draws its own (Slack an emoji, the console a
    character)."""

    OK = "ok"  # done, recorded, substantially implementing
    WARNING = "warning"  # a refusal, a caution
    BARRED = "barred"  # under Conditions of Entry
    UNKNOWN = "unknown"  # no record; "I don't know"
    OVERDUE = "overdue"  # past due; a missed reminder
    DUE_SOON = "due_soon"  # due within months
    COVERED = "covered"  # covered by another nation's assessment
    NOTE = "note"  # a note, a record written
    PUZZLED = "puzzled"  # a command not understood
    VISIT = "visit"  # a visit, a calendar
    REMINDER = "reminder"  # a reminder to come
    DELIVERED = "delivered"  # a reminder sent
    SENDING = "sending"  # a reminder being sent
    RETRYING = "retrying"  # a reminder Slack has not taken yet
    LATE = "late"  # sent later than due
    CANCELLED = "cancelled"
    SNOOZED = "snoozed"
    DELETED = "deleted"
    RESTORED = "restored"
    FILE = "file"  # an export, an import summary
    KNOWLEDGE = "knowledge"  # an answer from the knowledge base
    SEARCH = "search"
    SHARE = "share"
    EDIT = "edit"
    LOCKED = "locked"  # only admins may
    WORKING = "working"  # under way; the result follows


@dataclass(frozen=True)
class Mention:
    """A person, by Slack member ID: Slack shows their name and may notify them; the console shows the name."""

    user_id: str


@dataclass(frozen=True)
class Strong:
    """Emphasis that matters when skimming: a date due, a record number, a heading."""

    text: Text


@dataclass(frozen=True)
class Aside:
    """A quiet remark beside the main text ("outside our area")."""

    text: Text


@dataclass(frozen=True)
class Struck:
    """Something no longer so, left readable (a cancelled visit)."""

    text: Text


@dataclass(frozen=True)
class Typed:
    """Something the officer can type as it is: a command, a value (Slack shows it in code style)."""

    text: str


@dataclass(frozen=True)
class Link:
    url: str
    label: str = ""


@dataclass(frozen=True)
class Quote:
    """Someone's own words set apart (a reminder's text, an excerpt), as a block of its own lines."""

    text: Text


Inline: TypeAlias = str | Icon | Mention | Strong | Aside | Struck | Typed | Link | Quote
#: Text with meaning: plain strings (shown exactly as written, whoever wrote them) and the parts above.
Text: TypeAlias = str | tuple[Inline, ...]


#: A person in what officers write: ``@`` and their Slack member ID (``@U0123ABC``). bot/ turns Slack's own mention
#: syntax into this on the way in, and back into a mention (or a name, in the console) on the way out.
MEMBER = re.compile(r"(?<![\w@<&])@([UW][A-Z0-9]{2,})\b")


def member(user_id: str) -> str:
    """A person as written in officers' text (``@U0123ABC``)."""
    return f"@{user_id}"


ECHO_CHARS = 80


def echoed(typed: str, limit: int = ECHO_CHARS) -> str:
    """What an officer typed, quoted back in a reply: whole when short, its start and "…" when long (a pasted page is
    not repeated to them)."""
    typed = " ".join(typed.split())
    return typed if len(typed) <= limit else typed[: limit - 1].rstrip() + "…"


def words(*parts: Text | Inline | None) -> tuple[Inline, ...]:
    """One text from pieces, flattened, in order (``None`` and empty strings are left out)."""
    out: list[Inline] = []
    for part in parts:
        if part is None or part == "":
            continue
        if isinstance(part, tuple):
            out.extend(words(*part))
        else:
            out.append(part)
    return tuple(out)


def joined(items: Iterable[Text | Inline], separator: Text = ", ") -> tuple[Inline, ...]:
    """Pieces with ``separator`` between them (``"a, b, c"``)."""
    out: list[Text | Inline] = []
    for item in items:
        if out:
            out.append(separator)
        out.append(item)
    return words(*out)


def lines(items: Iterable[Text | Inline]) -> tuple[Inline, ...]:
    """Pieces one to a line."""
    return joined(items, "\n")


def bullets(items: Iterable[Text | Inline]) -> tuple[Inline, ...]:
    """Pieces as a bulleted list, one to a line."""
    return joined((words("• ", item) for item in items), "\n")


def plain_text(text: Text | Inline | None) -> str:
    """The words alone, without pictures or emphasis: for one-line summaries, logs, files and search."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, tuple):
        out: list[str] = []
        after_icon = False
        for part in text:
            piece = plain_text(part)
            if after_icon and piece.startswith(" "):
                piece = piece[1:]  # the space that stood after a picture
            after_icon = isinstance(part, Icon) or (after_icon and not piece)
            out.append(piece)
        return "".join(out)
    if isinstance(text, Icon):
        return ""
    if isinstance(text, Mention):
        return f"@{text.user_id}"
    if isinstance(text, Typed):
        return text.text
    if isinstance(text, Link):
        return text.label or text.url
    return plain_text(text.text)


@dataclass(frozen=True)
class Menu:
    """A menu of choices beside a section (Slack's overflow, ⋯): each choice sends ``action_id`` with its value."""

    action_id: str
    choices: tuple[tuple[str, str], ...]  # (label, value)


@dataclass(frozen=True)
class Section:
    """A paragraph, optionally with a picture before it, label/value fields, and a button or menu beside it."""

    text: Text = ""
    fields: tuple[tuple[str, Text], ...] = ()
    accessory: Button | Menu | None = None
    icon: Icon | None = None


@dataclass(frozen=True)
class Caption:
    """Small print: sources, "as of" dates, hints."""

    text: Text
    icon: Icon | None = None


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
    icon: Icon | None = None


@dataclass(frozen=True)
class Buttons:
    buttons: tuple[Button, ...]


Part = Section | Caption | Divider | Buttons


@dataclass(frozen=True)
class Reply:
    """A command's answer. ``text`` is the one-line summary (notifications, screen readers, the console)."""

    text: Text
    header: str | None = None
    parts: tuple[Part, ...] = ()
    public: bool = False
    refused: bool = False  # the command was refused: whatever it began to write is rolled back

    def shared(self) -> Reply:
        """The answer for the channel: posted for everyone, without its own Share button (it is shared already)."""
        from commands.ids import Action  # the ids module names every action; it imports nothing of ours

        parts = tuple(
            Buttons(tuple(b for b in p.buttons if b.action_id != Action.SHARE)) if isinstance(p, Buttons) else p
            for p in self.parts
        )
        return replace(self, public=True, parts=tuple(p for p in parts if not isinstance(p, Buttons) or p.buttons))


class CommandError(Exception):
    """Input we refuse, with a friendly sentence and what to type instead."""

    def __init__(
        self,
        message: Text,
        *,
        hint: Text | None = None,
        suggestions: tuple[str, ...] = (),
        correction: tuple[str, str] | None = None,
    ):
        super().__init__(plain_text(message))
        self.message = plain_text(message)  # the sentence alone (logs, a form's error beside a field)
        self.said = message
        self.hint = hint
        self.suggestions = suggestions
        # a misspelt word and the word it surely meant ("tomorow", "tomorrow"): the command's whole line, spelt as
        # meant, is offered to send instead (commands/ipslo.py)
        self.correction = correction

    def reply(self) -> Reply:
        parts: list[Part] = [Section(self.said, icon=Icon.WARNING)]
        if self.suggestions:
            parts.append(Section(words("Did you mean: ", joined(Typed(s) for s in self.suggestions), "?")))
        if self.hint:
            parts.append(Caption(self.hint))
        return Reply(self.said, parts=tuple(parts), refused=True)


class FieldError(CommandError):
    """A refusal about one field of a form (``field`` names it: "nation", "end", "title"), shown beside that field."""

    def __init__(self, field_name: str, message: Text, *, hint: Text | None = None):
        super().__init__(message, hint=hint)
        self.field = field_name


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
    # writes nothing: it runs without a transaction to commit (a write would be refused), and a "Did you mean ...?"
    # button may run it again
    reads_only: bool = False
    repeatable: bool = False  # writes, but running it again does no harm: a "Did you mean ...?" button may run it too
    # reads only, and its answer depends on nothing but the text, the officer's day and the nations, assessments,
    # COE records and visits (storage.db.CHANGE_TRACKED): it may be given again until any of those changes
    kept: bool = False
    aliases: tuple[str, ...] = ()


def parse_id(typed: str, *, what: str, hint: Text) -> int:
    """A record number as officers type it ("12" or "#12"); anything else, or absurdly long, is refused kindly."""
    cleaned = typed.strip().lstrip("#")
    if not re.fullmatch(r"[0-9]{1,9}", cleaned):
        raise CommandError(f"“{typed.strip()}” is not a {what} number.", hint=hint)
    return int(cleaned)
