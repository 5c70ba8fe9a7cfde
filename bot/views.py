"""Block Kit views: a command's reply as Slack blocks, within Slack's limits."""

from __future__ import annotations

import re
from typing import Any

from commands.language import Button, Buttons, Caption, Divider, Menu, Reply, Section

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


def blocks(reply: Reply, limit: int = MAX_BLOCKS) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if reply.header:
        out.append(
            {"type": "header", "text": {"type": "plain_text", "text": clip(reply.header, HEADER_CHARS), "emoji": True}}
        )
    for part in reply.parts:
        if isinstance(part, Section):
            pieces = split_text(escape_mrkdwn(part.text)) if part.text else []
            for piece in pieces[:-1]:
                out.append({"type": "section", "text": mrkdwn(piece)})
            block: dict[str, Any] = {"type": "section"}
            if pieces:
                block["text"] = mrkdwn(pieces[-1])
            if part.fields:
                block["fields"] = [
                    mrkdwn(clip(escape_mrkdwn(f"*{label}*\n{value}"), FIELD_CHARS)) for label, value in part.fields[:10]
                ]
            if isinstance(part.accessory, Button):
                block["accessory"] = button(part.accessory)
            elif isinstance(part.accessory, Menu):
                block["accessory"] = overflow(part.accessory)
            out.append(block)
        elif isinstance(part, Caption):
            out.append({"type": "context", "elements": [mrkdwn(clip(escape_mrkdwn(part.text), CONTEXT_CHARS))]})
        elif isinstance(part, Divider):
            out.append({"type": "divider"})
        elif isinstance(part, Buttons):
            out.append(
                {
                    "type": "actions",
                    "elements": [button(b) for b in part.buttons[:MAX_ACTIONS]],
                }
            )
    if len(out) > limit:
        out = [*out[: limit - 1], {"type": "context", "elements": [mrkdwn("…more not shown; narrow the question.")]}]
    return out


def button(b: Button) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(b.label, BUTTON_CHARS), "emoji": True},
        "action_id": b.action_id,
        "value": clip(b.value, VALUE_CHARS),
        **({"style": b.style} if b.style else {}),
        **({"confirm": confirm(b.confirm, b.label)} if b.confirm else {}),
    }


def overflow(menu: Menu) -> dict[str, Any]:
    """Slack's overflow menu (⋯): 2 to 5 choices."""
    return {
        "type": "overflow",
        "action_id": menu.action_id,
        "options": [
            {"text": {"type": "plain_text", "text": clip(label, BUTTON_CHARS), "emoji": True}, "value": value}
            for label, value in menu.choices[:MAX_OVERFLOW]
        ],
    }


def confirm(question: str, label: str) -> dict[str, Any]:
    """Block Kit's confirmation dialog before a press goes through (e.g. cancelling a visit)."""
    return {
        "title": {"type": "plain_text", "text": "Are you sure?"},
        "text": mrkdwn(clip(question, 300)),
        "confirm": {"type": "plain_text", "text": clip(label.split(":")[-1].strip() or "Yes", 30)},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger",
    }


def message(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for ``ack()``, ``respond()`` or ``chat.postMessage``."""
    return {
        "text": escape_mrkdwn(reply.text),
        "blocks": blocks(reply),
        "response_type": "in_channel" if reply.public else "ephemeral",
    }
