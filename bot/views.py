"""Rendering: a command's reply (plain data with inline meaning: an icon, a mention, emphasis, a quote) as Block
Kit within Slack's limits. The words are drawn by a style: ``SlackStyle`` writes Slack's mrkdwn and emoji codes,
``PlainStyle`` plain text for the console. An app renders with one style (``Views``), chosen in ``create_app``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from commands.language import (
    MEMBER,
    Aside,
    Button,
    Buttons,
    Caption,
    Divider,
    Icon,
    Inline,
    Link,
    Mention,
    Menu,
    Quote,
    Reply,
    Section,
    Strong,
    Struck,
    Text,
    Typed,
    plain_text,
    words,
)

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
FIELD_CHARS = 2000
CONTEXT_CHARS = 3000
BUTTON_CHARS = 75
VALUE_CHARS = 2000  # a button's value
MAX_ACTIONS = 25  # elements in one actions block
MAX_OVERFLOW = 5  # choices in an overflow menu


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int = SECTION_CHARS) -> list[str]:
    """Cut long text into pieces Slack accepts, at line breaks or spaces where possible, losing nothing."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n") if text[cut : cut + 1] == "\n" else text[cut:]
    pieces.append(text)
    return pieces


#: What stays markup in text we post: a person's mention, a channel, a link (``<https://…|label>``). Anything else
#: in angle brackets, ``<!channel>``, ``<!here>``, ``<!everyone>`` and ``<!subteam^…>`` among them, is shown as typed.
SLACK_MARKUP = re.compile(
    r"<(?:@[UW][A-Z0-9]+(?:\|[^<>\n]*)?|#C[A-Z0-9]+(?:\|[^<>\n]*)?|(?:https?|mailto):[^<>|\s]+(?:\|[^<>\n]*)?)>"
)
_INNER_GT = re.compile(r"(?m)(?!^)>")  # a ">" starting a line is a quote and stays one


def escape_mrkdwn(text: str) -> str:
    """Text for a mrkdwn field as Slack asks: ``&``, ``<`` and ``>`` escaped except in a person's mention, a channel
    and a link, so that no text an officer wrote can notify the channel (``<!channel>``, ``<!here>``...)."""
    if "&" not in text and "<" not in text and ">" not in text:
        return text  # most pieces of a reply: nothing to escape
    out, start = [], 0
    for markup in SLACK_MARKUP.finditer(text):
        out.append(_escape(text[start : markup.start()]))
        out.append(markup.group().replace("&", "&amp;"))
        start = markup.end()
    out.append(_escape(text[start:]))
    return "".join(out)


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _INNER_GT.sub("&gt;", text)


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


#: A person's mention as Slack writes it (``<@U123>``, ``<@U123|dana>``). Officers' text is stored with ``@U123``
#: instead (see bot/runtime.py:unescape_slack); records written before that (the audit trail) may still hold these.
SLACK_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>\n]*)?>")
PEOPLE = re.compile(f"{SLACK_MENTION.pattern}|{MEMBER.pattern}")


def people_named(text: str) -> list[str]:
    """The member IDs of everyone ``text`` names, in order, once each (``@U123`` or Slack's ``<@U123|name>``)."""
    return list(dict.fromkeys(found[1] or found[2] for found in PEOPLE.finditer(text)))


def mentions_in(text: str) -> tuple[Inline, ...]:
    """Officers' own words (a note, a reminder) with the people they mentioned as ``Mention`` parts."""
    out: list[Inline] = []
    start = 0
    for found in PEOPLE.finditer(text):
        out += [text[start : found.start()], Mention(found[1] or found[2])]
        start = found.end()
    out.append(text[start:])
    return tuple(piece for piece in out if piece != "")


class SlackStyle:
    """Slack's mrkdwn: emoji codes, ``*bold*``, ``<@U…>``; every plain string escaped so that no text an officer
    wrote can notify a channel."""

    rich = "mrkdwn"
    ICONS = {
        Icon.OK: ":white_check_mark:",
        Icon.WARNING: ":warning:",
        Icon.BARRED: ":no_entry:",
        Icon.UNKNOWN: ":grey_question:",
        Icon.OVERDUE: ":red_circle:",
        Icon.DUE_SOON: ":large_orange_circle:",
        Icon.COVERED: ":link:",
        Icon.NOTE: ":memo:",
        Icon.PUZZLED: ":thinking_face:",
        Icon.VISIT: ":calendar:",
        Icon.REMINDER: ":alarm_clock:",
        Icon.DELIVERED: ":bell:",
        Icon.SENDING: ":outbox_tray:",
        Icon.RETRYING: ":repeat:",
        Icon.LATE: ":hourglass:",
        Icon.CANCELLED: ":x:",
        Icon.SNOOZED: ":zzz:",
        Icon.DELETED: ":wastebasket:",
        Icon.RESTORED: ":recycle:",
        Icon.FILE: ":page_facing_up:",
        Icon.KNOWLEDGE: ":books:",
        Icon.SEARCH: ":mag:",
        Icon.SHARE: ":loudspeaker:",
        Icon.EDIT: ":pencil2:",
        Icon.LOCKED: ":lock:",
        Icon.WORKING: ":hourglass_flowing_sand:",
    }

    def text(self, text: Text | Inline | None) -> str:
        if text is None:
            return ""
        if isinstance(text, str):
            return (
                MEMBER.sub(lambda found: f"<@{found[1]}>", escape_mrkdwn(text)) if "@" in text else escape_mrkdwn(text)
            )
        if isinstance(text, tuple):
            return "".join(self.text(part) for part in text)
        if isinstance(text, Icon):
            return self.ICONS[text]
        if isinstance(text, Mention):
            return f"<@{text.user_id}>"
        if isinstance(text, Strong):
            return self._wrap("*", self.text(text.text))
        if isinstance(text, Aside):
            return self._wrap("_", self.text(text.text))
        if isinstance(text, Struck):
            return self._wrap("~", self.text(text.text))
        if isinstance(text, Typed):
            return "`" + escape_mrkdwn(text.text.replace("`", "'")) + "`" if text.text else ""
        if isinstance(text, Link):
            label = plain_text(text.label).replace("|", "/").replace(">", "›") if text.label else ""
            url = text.url.replace("&", "&amp;")  # as Slack asks; the markup itself stays
            return f"<{url}|{escape_mrkdwn(label)}>" if label else f"<{url}>"
        if isinstance(text, Quote):
            return "\n".join(">" + line for line in self.text(text.text).split("\n"))
        raise TypeError(f"cannot render {text!r}")

    @staticmethod
    def _wrap(mark: str, inner: str) -> str:
        """Slack's emphasis only holds when the marks touch words: spaces at either end stay outside."""
        core = inner.strip()
        if not core:
            return inner
        lead, tail = inner[: len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()) :]
        return f"{lead}{mark}{core}{mark}{tail}"

    def label(self, text: Text | Inline | None) -> str:
        """Text for Slack's plain_text fields (buttons, headers, menu choices): the words, icons as emoji codes."""
        if isinstance(text, tuple):
            return "".join(self.label(part) for part in text)
        if isinstance(text, Icon):
            return self.ICONS[text]
        return plain_text(text)


class PlainStyle:
    """Plain text for a terminal: icons as characters, people by name, emphasis dropped, nothing escaped."""

    rich = "plain_text"
    ICONS = {
        Icon.OK: "✅",
        Icon.WARNING: "⚠️",
        Icon.BARRED: "⛔",
        Icon.UNKNOWN: "❔",
        Icon.OVERDUE: "🔴",
        Icon.DUE_SOON: "🟠",
        Icon.COVERED: "🔗",
        Icon.NOTE: "📝",
        Icon.PUZZLED: "🤔",
        Icon.VISIT: "📅",
        Icon.REMINDER: "⏰",
        Icon.DELIVERED: "🔔",
        Icon.SENDING: "📤",
        Icon.RETRYING: "🔁",
        Icon.LATE: "⌛",
        Icon.CANCELLED: "❌",
        Icon.SNOOZED: "💤",
        Icon.DELETED: "🗑️",
        Icon.RESTORED: "♻️",
        Icon.FILE: "📄",
        Icon.KNOWLEDGE: "📚",
        Icon.SEARCH: "🔍",
        Icon.SHARE: "📢",
        Icon.EDIT: "✏️",
        Icon.LOCKED: "🔒",
        Icon.WORKING: "⏳",
    }

    def __init__(self, name_of: Callable[[str], str | None] = lambda user_id: None):
        self.name_of = name_of

    def text(self, text: Text | Inline | None) -> str:
        if text is None:
            return ""
        if isinstance(text, str):
            if "@" not in text:
                return text
            return "".join(part if isinstance(part, str) else self.text(part) for part in mentions_in(text))
        if isinstance(text, tuple):
            return "".join(self.text(part) for part in text)
        if isinstance(text, Icon):
            return self.ICONS[text]
        if isinstance(text, Mention):
            return "@" + (self.name_of(text.user_id) or text.user_id)
        if isinstance(text, Strong | Aside | Struck):
            return self.text(text.text)
        if isinstance(text, Typed):
            return f"`{text.text}`" if text.text else ""
        if isinstance(text, Link):
            return f"{plain_text(text.label)} ({text.url})" if text.label else text.url
        if isinstance(text, Quote):
            return "\n".join("  │ " + line for line in self.text(text.text).split("\n"))
        raise TypeError(f"cannot render {text!r}")

    def label(self, text: Text | Inline | None) -> str:
        return self.text(text)


Style = SlackStyle | PlainStyle


def with_icon(icon: Icon | None, text: Text) -> Text:
    return ((icon, " ", *((text,) if isinstance(text, str) else text)) if icon else text) if text or icon else ""


#: Messages kept drawn by Views.message: as many as the answers kept for status and nations (bot/runtime.py:
#: ReplyCache.LIMIT), so a kept answer is not drawn again (with 32, asking after 50 nations in turn drew each anew).
DRAWN_KEPT = 2048


class Views:
    """A reply as Block Kit in one style: what ``ack()``, ``respond()``, ``chat.postMessage`` and modals take."""

    def __init__(self, style: Style | None = None):
        self.style: Style = style or SlackStyle()
        # The newest messages drawn, by the reply they drew (kept, so its id is not reused): a reply made once and
        # answered many times (help) is drawn once. Replies are immutable.
        self._drawn: dict[int, tuple[Reply, dict[str, Any]]] = {}

    def text(self, text: Text | Inline | None) -> dict[str, Any]:
        """A text object (mrkdwn for Slack, plain_text for the console) for a section or a context."""
        return {"type": self.style.rich, "text": self.style.text(text)}

    def label(self, text: Text | Inline | None, limit: int = BUTTON_CHARS) -> dict[str, Any]:
        return plain(clip(self.style.label(text), limit))

    def blocks(self, reply: Reply, limit: int = MAX_BLOCKS) -> list[dict[str, Any]]:
        style = self.style
        out: list[dict[str, Any]] = []
        if reply.header:
            out.append({"type": "header", "text": self.label(reply.header, HEADER_CHARS)})
        for part in reply.parts:
            if isinstance(part, Section):
                written = style.text(with_icon(part.icon, part.text))
                pieces = split_text(written) if written else []
                for piece in pieces[:-1]:
                    out.append({"type": "section", "text": {"type": style.rich, "text": piece}})
                block: dict[str, Any] = {"type": "section"}
                if pieces:
                    block["text"] = {"type": style.rich, "text": pieces[-1]}
                if part.fields:
                    block["fields"] = [
                        {"type": style.rich, "text": clip(style.text(words(Strong(label), "\n", value)), FIELD_CHARS)}
                        for label, value in part.fields[:10]
                    ]
                if isinstance(part.accessory, Button):
                    block["accessory"] = self.button(part.accessory)
                elif isinstance(part.accessory, Menu):
                    block["accessory"] = self.overflow(part.accessory)
                out.append(block)
            elif isinstance(part, Caption):
                written = clip(style.text(with_icon(part.icon, part.text)), CONTEXT_CHARS)
                out.append({"type": "context", "elements": [{"type": style.rich, "text": written}]})
            elif isinstance(part, Divider):
                out.append({"type": "divider"})
            elif isinstance(part, Buttons):
                out.append({"type": "actions", "elements": [self.button(b) for b in part.buttons[:MAX_ACTIONS]]})
        if len(out) > limit:
            more = self.text("…more not shown; narrow the question.")
            out = [*out[: limit - 1], {"type": "context", "elements": [more]}]
        return out

    def button(self, b: Button) -> dict[str, Any]:
        return {
            "type": "button",
            "text": self.label(with_icon(b.icon, b.label)),
            "action_id": b.action_id,
            "value": clip(b.value, VALUE_CHARS),
            **({"style": b.style} if b.style else {}),
            **({"confirm": self.confirm(b.confirm, b.label)} if b.confirm else {}),
        }

    def overflow(self, menu: Menu) -> dict[str, Any]:
        """Slack's overflow menu (⋯): 2 to 5 choices."""
        return {
            "type": "overflow",
            "action_id": menu.action_id,
            "options": [{"text": self.label(label), "value": value} for label, value in menu.choices[:MAX_OVERFLOW]],
        }

    def confirm(self, question: str, label: str) -> dict[str, Any]:
        """Block Kit's confirmation dialog before a press goes through (e.g. cancelling a visit)."""
        return {
            "title": plain("Are you sure?"),
            "text": {"type": self.style.rich, "text": clip(self.style.text(question), 300)},
            "confirm": plain(clip(label.split(":")[-1].strip() or "Yes", 30)),
            "deny": plain("Keep it"),
            "style": "danger",
        }

    def summary(self, reply: Reply) -> str:
        """The one-line text beside the blocks (notifications, screen readers)."""
        return self.style.text(reply.text)

    def message(self, reply: Reply) -> dict[str, Any]:
        """Keyword arguments for ``ack()``, ``respond()`` or ``chat.postMessage`` (a new dict and list of blocks each
        time: callers may change them, not the blocks in them)."""
        kept = self._drawn.get(id(reply))
        if kept is None or kept[0] is not reply:
            drawn = {
                "text": self.summary(reply),
                "blocks": self.blocks(reply),
                "response_type": "in_channel" if reply.public else "ephemeral",
            }
            if len(self._drawn) >= DRAWN_KEPT:
                self._drawn.clear()
            self._drawn[id(reply)] = kept = (reply, drawn)
        return {**kept[1], "blocks": list(kept[1]["blocks"])}


#: Slack's rendering, for code that has no app at hand (tests, scripts).
SLACK = Views(SlackStyle())
blocks = SLACK.blocks
message = SLACK.message
button = SLACK.button
