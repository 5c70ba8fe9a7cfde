"""The assessment form (a modal, admins only): nation, date, outcome, source. Built and read back into an
``AssessmentForm``; tested directly in tests/test_forms.py, wired in bot/forms.py."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.form_values import picked_date
from bot.options import chosen_nation, nation_select, option
from commands.ids import Form
from commands.nations import OUTCOMES, SOURCE_LIMIT

ASSESS_FORM = Form.ASSESS
BLOCKS = {"nation": "nation", "date": "date", "outcome": "outcome", "source": "source"}


@dataclass(frozen=True)
class AssessmentForm:
    idempotency_key: str
    nation_iso2: str | None
    assessed_on: dt.date | None
    outcome: str | None
    source: str | None


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def form_view(
    *, session: Session, today: dt.date, nation_iso2: str | None = None, metadata: dict[str, Any]
) -> dict[str, Any]:
    outcome_options = [option(outcome[0].upper() + outcome[1:], outcome) for outcome in OUTCOMES]
    blocks = [
        {
            "type": "input",
            "block_id": "nation",
            "label": plain("Nation"),
            "element": nation_select(session=session, nation_iso2=nation_iso2),
        },
        {
            "type": "input",
            "block_id": "date",
            "label": plain("Assessed on"),
            "element": {"type": "datepicker", "action_id": "value", "initial_date": today.isoformat()},
        },
        {
            "type": "input",
            "block_id": "outcome",
            "label": plain("Outcome"),
            "element": {"type": "static_select", "action_id": "value", "options": outcome_options},
        },
        {
            "type": "input",
            "block_id": "source",
            "optional": True,
            "label": plain("Source"),
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "max_length": SOURCE_LIMIT,
                "placeholder": plain("e.g. trip report 26-041"),
            },
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "This sets the nation's official status; reassessment falls due 3 years later "
                    "(46 U.S.C. 70108(d)).",
                }
            ],
        },
    ]
    return {
        "type": "modal",
        "callback_id": ASSESS_FORM,
        "title": plain("Record an assessment"),
        "submit": plain("Record"),
        "close": plain("Close"),
        "blocks": blocks,
        "private_metadata": json.dumps(metadata),
    }


def read_form(view: dict[str, Any]) -> AssessmentForm:
    values = view["state"]["values"]

    def element(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get("value") or {}

    day = element("date").get("selected_date")
    return AssessmentForm(
        idempotency_key=f"view:{view['id']}",
        nation_iso2=chosen_nation(values, "nation"),
        assessed_on=picked_date(day, "date"),
        outcome=(element("outcome").get("selected_option") or {}).get("value"),
        source=element("source").get("value"),
    )
