"""The reminder form (a modal): about a nation or one of my visits, a date and a time in my time zone, the text.
Built from the data and read back into a ``ReminderForm``; tested directly in tests/test_forms.py, wired in
bot/forms.py."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.form_values import picked_date, picked_time
from bot.options import chosen_nation, nation_select, option
from commands.ids import Form
from commands.reminders import MAX_TEXT
from commands.visits import dates_text
from storage import nations as nation_store
from storage import visits as visit_store

REMINDER_FORM = Form.REMINDER
NO_VISIT = "none"
MAX_VISITS = 99  # with "Not about a visit", Slack's 100 options
BLOCKS = {"nation": "nation", "visit": "visit", "date": "date", "time": "time", "text": "text"}


@dataclass(frozen=True)
class ReminderForm:
    idempotency_key: str
    nation_iso2: str | None
    visit_id: int | None
    due_at: dt.datetime | None  # aware, UTC
    text: str


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def form_view(
    *,
    session: Session,
    officer: str,
    tz: ZoneInfo,
    now: dt.datetime,
    about: str | None = None,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """The form; ``about`` is a nation code or "visit:<id>" to start from. My visits from today on are offered."""
    today = now.astimezone(tz).date()
    visit_id = int(about.split(":", 1)[1]) if about and about.startswith("visit:") else None
    nation_iso2 = about if about and not visit_id else None
    mine = visit_store.visits_led_by(session=session, user_id=officer, since=today)
    chosen = visit_store.get_visit(session=session, visit_id=visit_id) if visit_id else None
    if chosen is not None and chosen not in mine:
        mine.insert(0, chosen)  # "Remind me" on someone else's visit: about that visit all the same
    names = {n.iso2: n.name for n in nation_store.list_nations(session=session)}
    visit_options = [option("Not about a visit", NO_VISIT)] + [
        option(f"#{v.id} {names.get(v.nation_iso2, v.nation_iso2)} · {dates_text(v)}", str(v.id))
        for v in mine[:MAX_VISITS]
    ]
    visit_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "options": visit_options,
        "initial_option": next((o for o in visit_options if o["value"] == str(visit_id)), visit_options[0]),
    }
    blocks = [
        {
            "type": "input",
            "block_id": "nation",
            "optional": True,
            "label": plain("Nation"),
            "hint": plain("Or choose one of your visits below."),
            "element": nation_select(
                session=session, nation_iso2=nation_iso2 or (chosen.nation_iso2 if chosen else None)
            ),
        },
        {"type": "input", "block_id": "visit", "optional": True, "label": plain("Visit"), "element": visit_select},
        {
            "type": "input",
            "block_id": "date",
            "label": plain("Date"),
            "element": {
                "type": "datepicker",
                "action_id": "value",
                "initial_date": (today + dt.timedelta(days=1)).isoformat(),
            },
        },
        {
            "type": "input",
            "block_id": "time",
            "label": plain(f"Time ({tz.key})"),
            "element": {"type": "timepicker", "action_id": "value", "initial_time": "09:00", "timezone": tz.key},
        },
        {
            "type": "input",
            "block_id": "text",
            "label": plain("Remind me to"),
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": MAX_TEXT,
                "placeholder": plain("e.g. send the agenda to the DA"),
            },
        },
    ]
    return {
        "type": "modal",
        "callback_id": REMINDER_FORM,
        "title": plain("Set a reminder"),
        "submit": plain("Set"),
        "close": plain("Close"),
        "blocks": blocks,
        "private_metadata": json.dumps(metadata),
    }


def read_form(view: dict[str, Any], tz: ZoneInfo) -> ReminderForm:
    """What was chosen; the date and time are read in the officer's zone ``tz``."""
    values = view["state"]["values"]

    def element(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get("value") or {}

    visit = (element("visit").get("selected_option") or {}).get("value")
    day, time = element("date").get("selected_date"), element("time").get("selected_time")
    due_at = None
    picked_day, picked_at = picked_date(day, "date"), picked_time(time, "time")
    if picked_day and picked_at:
        local = dt.datetime.combine(picked_day, picked_at, tzinfo=tz)
        try:
            due_at = local.astimezone(dt.UTC)
        except OverflowError:  # the calendar's last day, west of UTC: as far away as can be, refused as such
            due_at = dt.datetime.max.replace(tzinfo=dt.UTC)
    return ReminderForm(
        idempotency_key=f"view:{view['id']}",
        nation_iso2=chosen_nation(values, "nation"),
        visit_id=int(visit) if visit and visit != NO_VISIT else None,
        due_at=due_at,
        text=element("text").get("value") or "",
    )
