"""Reading a Slack message as an officer sees it in Slack: mrkdwn, emoji codes and mentions as text.

Test support only. The app under test renders its replies in Slack's format (``SlackStyle``), as Slack receives
them; the tests read them back here. The console does not need this: its app renders plain text (``PlainStyle``)."""

from __future__ import annotations

import re
from typing import Any

from bot.views import PlainStyle, SlackStyle

#: Each emoji code the app sends, as the console draws the same icon.
EMOJI = {SlackStyle.ICONS[icon].strip(":"): PlainStyle.ICONS[icon] for icon in SlackStyle.ICONS}


def plain(text: str, names: dict[str, str]) -> str:
    """Slack mrkdwn as terminal text: mentions by name, emoji as characters, links as "label (url)"."""
    text = re.sub(r"<@([UW][A-Z0-9]+)>", lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r":([a-z0-9_+-]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)  # *bold*
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render(message: dict[str, Any], names: dict[str, str] | None = None, buttons: list[dict] | None = None) -> str:
    """A Slack message (text and Block Kit blocks) as readable lines, laid out as the console lays them out; with
    ``buttons``, buttons are numbered and collected there."""
    from bot.console import render as lay_out

    return lay_out(message, buttons, read=lambda text: plain(text, names or {}))


def slack_text(reply: Any) -> str:
    """A reply (``commands.language.Reply``) as Slack shows it: its summary and every block's mrkdwn, one a line."""
    from bot.views import SLACK

    message = SLACK.message(reply)
    out = [message["text"]]
    for block in message["blocks"]:
        if isinstance(block.get("text"), dict):
            out.append(block["text"]["text"])
        out += [field["text"] for field in block.get("fields", [])]
        out += [
            element["text"] if isinstance(element.get("text"), str) else element["text"]["text"]
            for element in block.get("elements", [])
            if "text" in element
        ]
    return "\n".join(out)


def part_text(part: Any) -> str:
    """One section or caption of a reply as Slack's mrkdwn (its icon first)."""
    from bot.views import SLACK, with_icon

    return SLACK.style.text(with_icon(part.icon, part.text))


def mrkdwn_of(text: Any) -> str:
    """Text with meaning (``commands.language.Text``: a refusal's hint, a caption) as Slack's mrkdwn."""
    from bot.views import SLACK

    return SLACK.style.text(text)
