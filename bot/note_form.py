"""The note form (a modal): building it from the data, and reading a submission back into a ``NoteForm``.

Pure functions of their inputs (and a database session for the nation's visits): tested directly in
tests/test_note_form.py; the listeners that open and submit it are in bot/notes.py."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy.orm import Session

from bot import options
from bot.form_values import picked_date
from bot.views import SLACK, Views, clip
from commands import notes as commands
from commands.ids import Action, Form
from commands.language import Strong, words
from commands.visits import dates_text
from storage import visits as visit_store

NOTE_FORM = Form.NOTE
NATION_PICKED = Action.NOTE_NATION_PICKED
TEXT_CHARS = 3000  # Slack's limit for one plain-text input; longer texts get several boxes
FOLLOW_UPS = 3
MAX_OPTIONS = 100
NO_VISIT = "none"


# --- the form ----------------------------------------------------------------------------------


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": clip(label, 75), "emoji": True}, "value": value}


def exact_pieces(text: str, limit: int = TEXT_CHARS) -> list[str]:
    """Cut text into boxes of at most ``limit`` characters that join back to exactly the same text."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind("\n", limit // 2, limit)
        if cut == -1:
            cut = text.rfind(" ", limit // 2, limit)
        cut = limit if cut == -1 else cut + 1  # the space or line break stays at the end of the earlier box
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def visit_block_id(nation_iso2: str | None) -> str:
    # A new block id when the nation changes, so Slack shows the new choices rather than the old selection.
    return f"visit_{nation_iso2 or 'none'}"


def form_view(
    *,
    session: Session,
    nation_iso2: str | None,
    visit_id: int | None,
    today: dt.date,
    text: str = "",
    metadata: dict[str, Any],
    views: Views = SLACK,
) -> dict[str, Any]:
    """The note form: nation, visit, date, text, tags and follow-ups (the nation's visits read with ``session``)."""
    visits = (
        visit_store.visits_for_nation(session=session, nation_iso2=nation_iso2, include_cancelled=False)
        if nation_iso2
        else []
    )
    if nation_iso2 and visit_id is None:
        current = visit_store.current_or_recent_visit(session=session, nation_iso2=nation_iso2, today=today)
        visit_id = current.id if current else None
    # Typed ahead (bot/options.py answers the menu); picking one offers that nation's visits (NATION_PICKED).
    nation_select = options.nation_select(session=session, nation_iso2=nation_iso2, placeholder="Type a nation")
    nation_select["action_id"] = NATION_PICKED
    visit_options = [option("Not part of a visit", NO_VISIT)]
    visit_options += [option(f"#{v.id} {dates_text(v)} · {v.kind}", str(v.id)) for v in visits][: MAX_OPTIONS - 1]
    visit_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "options": visit_options,
        "initial_option": next((o for o in visit_options if o["value"] == str(visit_id)), visit_options[0]),
    }
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": "nation",
            "dispatch_action": True,
            "label": plain("Nation"),
            "element": nation_select,
        },
        {
            "type": "input",
            "block_id": visit_block_id(nation_iso2),
            "optional": True,
            "label": plain("Visit"),
            "element": visit_select,
        },
        {
            "type": "input",
            "block_id": "date",
            "label": plain("Date"),
            "element": {"type": "datepicker", "action_id": "value", "initial_date": today.isoformat()},
        },
    ]
    pieces = exact_pieces(text) if text else [""]
    for number, piece in enumerate(pieces):
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": True,
            "max_length": TEXT_CHARS,
        }
        if piece:
            element["initial_value"] = piece
        label = "Note" if number == 0 else f"Note (continued, part {number + 1})"
        blocks.append(
            {
                "type": "input",
                "block_id": f"text_{number}",
                "label": plain(label),
                "element": element,
                **({"optional": True} if number else {}),
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": "tags",
            "optional": True,
            "label": plain("Tags"),
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "placeholder": plain("e.g. pfsp, da, port moresby (commas between tags)"),
            },
        }
    )
    blocks.append(
        {
            "type": "context",
            "elements": [
                views.text(
                    words(
                        Strong("Follow-up actions"),
                        " (optional): each becomes a reminder for its owner at 09:00 on its due date.",
                    )
                )
            ],
        }
    )
    for number in range(1, FOLLOW_UPS + 1):
        blocks += [
            {
                "type": "input",
                "block_id": f"follow_up_{number}",
                "optional": True,
                "label": plain(f"Follow-up {number}"),
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": 500},
            },
            {
                "type": "input",
                "block_id": f"follow_up_{number}_owner",
                "optional": True,
                "label": plain("Owner (you if empty)"),
                "element": {"type": "users_select", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": f"follow_up_{number}_due",
                "optional": True,
                "label": plain("Due"),
                "element": {"type": "datepicker", "action_id": "value"},
            },
        ]
    metadata = {**metadata, "parts": len(pieces)}
    return {
        "type": "modal",
        "callback_id": NOTE_FORM,
        "title": plain("Visit note"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": blocks,
        "private_metadata": json.dumps(metadata),
    }


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def read_form(view: dict[str, Any]) -> commands.NoteForm:
    values = view["state"]["values"]
    metadata = json.loads(view.get("private_metadata") or "{}")

    def value(block: str) -> Any:
        element = values.get(block, {}).get("value") or values.get(block, {}).get(NATION_PICKED) or {}
        if "selected_option" in element:
            return (element["selected_option"] or {}).get("value")
        for key in ("selected_date", "selected_user", "value"):
            if key in element:
                return element[key]
        return None

    def day(block: str) -> dt.date | None:
        return picked_date(value(block), block)

    visit_block = next((b for b in values if b.startswith("visit_")), None)
    visit = value(visit_block) if visit_block else None
    text = "".join(value(f"text_{n}") or "" for n in range(int(metadata.get("parts", 1))))
    return commands.NoteForm(
        idempotency_key=f"view:{view['id']}",
        nation_iso2=value("nation"),
        text=text,
        noted_on=day("date"),
        visit_id=int(visit) if visit and visit != NO_VISIT else None,
        tags=value("tags") or "",
        follow_ups=tuple(
            (value(f"follow_up_{n}") or "", value(f"follow_up_{n}_owner"), day(f"follow_up_{n}_due"))
            for n in range(1, FOLLOW_UPS + 1)
        ),
        source_permalink=metadata.get("permalink"),
        message_author_id=metadata.get("author"),
    )


def error_block(field: str, view: dict[str, Any]) -> str:
    if field == "visit":
        return next((b for b in view["state"]["values"] if b.startswith("visit_")), "nation")
    if field == "text":
        return "text_0"
    return field
