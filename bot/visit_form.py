"""The visit form (a modal) to plan a visit or change one: built from the data, and read back into a ``VisitForm``.

Pure functions of their inputs (and a session for the nation's name): tested directly in tests/test_forms.py; the
listeners that open and submit it are in bot/visits.py."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.form_values import picked_date
from bot.options import chosen_nation, nation_select, option
from commands.ids import Form
from commands.visits import TITLE_LIMIT
from storage.visits import COUNTRY_VISIT, KINDS, Visit

VISIT_FORM = Form.VISIT
#: The block each field of the form is in; a refusal about a field (FieldError.field) is shown beside it.
BLOCKS = {"nation": "nation", "start": "start", "end": "end", "kind": "kind", "title": "title", "lead": "lead"}


@dataclass(frozen=True)
class VisitForm:
    """What the visit form hands over: a visit to plan (``visit_id`` None) or the new state of one to change."""

    idempotency_key: str
    visit_id: int | None
    nation_iso2: str | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    kind: str
    title: str | None
    lead: str | None


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def input_block(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "label": plain(label), "element": element}
    if optional:
        block["optional"] = True
    return block


def date_element(day: dt.date | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker", "action_id": "value"}
    if day is not None:
        element["initial_date"] = day.isoformat()
    return element


def form_view(
    *,
    session: Session,
    officer: str,
    visit: Visit | None = None,
    nation_iso2: str | None = None,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """The form, empty but for the nation (``nation_iso2``) and the lead (the officer), or filled in from ``visit``."""
    kind_options = [option(kind.capitalize(), kind) for kind in KINDS]
    kind = visit.kind if visit else COUNTRY_VISIT
    title: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "max_length": TITLE_LIMIT,
        "placeholder": plain("e.g. PFSO seminar in Port Moresby"),
    }
    if visit and visit.title:
        title["initial_value"] = visit.title
    blocks = [
        input_block(
            "nation", "Nation", nation_select(session=session, nation_iso2=visit.nation_iso2 if visit else nation_iso2)
        ),
        input_block("start", "Starts", date_element(visit.starts_on if visit else None)),
        input_block(
            "end", "Ends (the start day if empty)", date_element(visit.ends_on if visit else None), optional=True
        ),
        input_block(
            "kind",
            "Kind",
            {
                "type": "static_select",
                "action_id": "value",
                "options": kind_options,
                "initial_option": next(o for o in kind_options if o["value"] == kind),
            },
        ),
        input_block("title", "Title", title, optional=True),
        input_block(
            "lead",
            "Lead",
            {"type": "users_select", "action_id": "value", "initial_user": visit.lead_user_id if visit else officer},
        ),
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Reminders go to the lead 30, 7 and 1 days before the start, at 09:00 in their time zone.",
                }
            ],
        },
    ]
    if visit is not None:
        metadata = {**metadata, "visit_id": visit.id}
    return {
        "type": "modal",
        "callback_id": VISIT_FORM,
        "title": plain(f"Edit visit #{visit.id}" if visit else "Plan a visit"),
        "submit": plain("Save" if visit else "Plan"),
        "close": plain("Close"),
        "blocks": blocks,
        "private_metadata": json.dumps(metadata),
    }


def read_form(view: dict[str, Any]) -> VisitForm:
    values = view["state"]["values"]
    metadata = json.loads(view.get("private_metadata") or "{}")

    def element(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get("value") or {}

    def day(block: str) -> dt.date | None:
        return picked_date(element(block).get("selected_date"), block)

    visit_id = metadata.get("visit_id")
    return VisitForm(
        idempotency_key=f"view:{view['id']}",
        visit_id=int(visit_id) if visit_id else None,
        nation_iso2=chosen_nation(values, "nation"),
        starts_on=day("start"),
        ends_on=day("end"),
        kind=(element("kind").get("selected_option") or {}).get("value") or COUNTRY_VISIT,
        title=element("title").get("value"),
        lead=element("lead").get("selected_user"),
    )


def channel_of(view: dict[str, Any]) -> str | None:
    channel: str | None = json.loads(view.get("private_metadata") or "{}").get("channel")
    return channel
