"""Reading a Slack message as an officer sees it in Slack: mrkdwn, emoji codes and mentions as text.

Test support only. The app under test renders its replies in Slack's format (``SlackStyle``), as Slack receives
them; the tests read them back here. The console does not need this: its app renders plain text (``PlainStyle``)."""

from __future__ import annotations

import json
import re
from typing import Any

EMOJI = {
    "repeat": "🔁",
    "wastebasket": "🗑️",
    "recycle": "♻️",
    "page_facing_up": "📄",
    "lock": "🔒",
    "hourglass_flowing_sand": "⏳",
    "white_check_mark": "✅",
    "warning": "⚠️",
    "no_entry": "⛔",
    "grey_question": "❔",
    "red_circle": "🔴",
    "large_orange_circle": "🟠",
    "memo": "📝",
    "thinking_face": "🤔",
    "construction": "🚧",
    "bell": "🔔",
    "calendar": "📅",
    "alarm_clock": "⏰",
    "mag": "🔍",
    "books": "📚",
    "link": "🔗",
    "ship": "🚢",
    "x": "❌",
    "zzz": "💤",
    "hourglass": "⌛",
    "outbox_tray": "📤",
    "loudspeaker": "📢",
    "pencil2": "✏️",
}


def plain(text: str, names: dict[str, str]) -> str:
    """Slack mrkdwn as terminal text: mentions by name, emoji as characters, links as "label (url)"."""
    text = re.sub(r"<@([UW][A-Z0-9]+)>", lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r":([a-z0-9_+-]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)  # *bold*
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render(message: dict[str, Any], names: dict[str, str] | None = None, buttons: list[dict] | None = None) -> str:
    """A Slack message (text and Block Kit blocks) as readable lines; with ``buttons``, buttons are numbered and
    collected there."""
    names = names or {}
    blocks = message.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not blocks:
        return plain(message.get("text", ""), names)
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = plain(block["text"]["text"], names)
            lines += [title, "=" * min(len(title), 60)]
        elif kind == "section":
            if "text" in block:
                lines.append(plain(block["text"]["text"], names))
            for field in block.get("fields", []):
                label, _, value = field["text"].partition("\n")
                lines.append(f"  {plain(label, names).strip('*')}: {plain(value, names)}")
            accessory = block.get("accessory") or {}
            choices = accessory.get("options", []) if accessory.get("type") == "overflow" else []
            if accessory.get("type") == "button":
                choices = [accessory]
            labels = []
            for choice in choices:  # an overflow menu's choices show as buttons of their own
                label = plain(choice["text"]["text"], names)
                if buttons is None:
                    labels.append(f"[{label}]")
                else:
                    pressed = {**accessory, "selected": choice} if accessory.get("type") == "overflow" else choice
                    buttons.append({**pressed, "block_id": block.get("block_id") or f"b{len(buttons)}"})
                    labels.append(f"[{len(buttons)} {label}]")
            if labels:
                lines.append("  " + "  ".join(labels))
        elif kind == "context":
            lines.append("  " + " ".join(plain(e.get("text", ""), names) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            labels = []
            for element in block.get("elements", []):
                if "text" not in element:
                    continue
                label = plain(element["text"]["text"], names)
                if buttons is None:
                    labels.append(f"[{label}]")
                else:
                    buttons.append({**element, "block_id": block.get("block_id") or f"b{len(buttons)}"})
                    labels.append(f"[{len(buttons)} {label}]")
            lines.append("  " + "  ".join(labels))
    return "\n".join(lines)


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
