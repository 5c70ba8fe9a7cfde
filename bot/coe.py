"""The Conditions of Entry and area form in Slack: bare `/ipslo coe` opens it for admins (others are told why);
a submission is checked field by field and recorded through the same operations as the typed commands."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import views
from bot.form_values import picked_date, read_submission
from bot.options import NATION_MENU, nation_select
from bot.runtime import COMMAND, Bot, notice_view
from bot.views import SLACK, Views
from commands import coe as commands
from commands.ids import Action, Form
from commands.language import Caption, CommandError, Icon, Invocation, Reply, Section, Typed, plain_text, words

log = logging.getLogger("ipslo")

FIELDS = ("action", "nation", "date", "facility", "source")


def is_bare_coe(body: dict) -> bool:
    """`/ipslo coe` with nothing after it: the form, instead of the typed command."""
    return body.get("command") == COMMAND and (body.get("text") or "").strip().lower() == "coe"


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(views.clip(label, 75)), "value": value}


def form_view(bot: Bot) -> dict[str, Any]:
    with bot.database.sessions() as session:
        return view_with(session, bot.views)


def view_with(session: Session, views: Views = SLACK) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": Form.COE,
        "title": plain("COE and our area"),
        "submit": plain("Record"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "action",
                "label": plain("What changed"),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [option(label, value) for value, label in commands.FORM_ACTIONS.items()],
                },
            },
            {
                "type": "input",
                "block_id": "nation",
                "optional": True,
                "label": plain("Nation (not for a whole-list confirmation)"),
                "element": nation_select(session=session, nation_iso2=None),
            },
            {
                "type": "input",
                "block_id": "date",
                "optional": True,
                "label": plain("Date it takes effect, or the list was checked"),
                "element": {"type": "datepicker", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "facility",
                "optional": True,
                "label": plain("Port facility: IMO number or name"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "max_length": 200,
                    "placeholder": plain("e.g. CMDLA-0005, or Toamasina"),
                },
            },
            {
                "type": "input",
                "block_id": "source",
                "optional": True,
                "label": plain("Source (notice or advisory)"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "max_length": 300,
                    "placeholder": plain("e.g. PSA 1-27, 90 FR 12752"),
                },
            },
            {
                "type": "context",
                "elements": [
                    views.text(
                        words(
                            "A listing needs the nation, the date and the source; an excepted facility the nation, "
                            "the facility and the source; a confirmation the date and the source; the area only the "
                            "nation. Every change is kept with who and when: ",
                            Typed("/ipslo coe history"),
                            ".",
                        )
                    )
                ],
            },
        ],
    }


def read_form(view: dict[str, Any]) -> commands.CoeForm:
    values = (view.get("state") or {}).get("values") or {}

    def chosen(block: str) -> str | None:
        element = (values.get(block) or {}).get("value") or (values.get(block) or {}).get(NATION_MENU) or {}
        return (element.get("selected_option") or {}).get("value")

    def typed(block: str) -> str:
        return ((values.get(block) or {}).get("value") or {}).get("value") or ""

    day = ((values.get("date") or {}).get("value") or {}).get("selected_date")
    return commands.CoeForm(
        action=chosen("action"),
        nation_iso2=chosen("nation"),
        on=picked_date(day, "date"),
        facility=typed("facility"),
        source=typed("source"),
    )


def done_view(reply: Reply, views: Views = SLACK) -> dict[str, Any]:
    """The form turned into what was recorded, so the admin sees it where they typed."""
    return {
        "type": "modal",
        "callback_id": Form.COE_DONE,
        "title": plain("COE and our area"),
        "close": plain("Close"),
        "blocks": views.blocks(reply)[:100],
    }


def register(app: App, bot: Bot) -> None:
    """Wire the form (bot/app.py registers this before the general `/ipslo` listener: bare `/ipslo coe` lands here)."""

    def open_form(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        caller = context.get("caller")
        if caller is None:  # refused by the officer middleware already
            ack()
            return
        if not caller.is_admin:
            why = Reply(
                "Only admins may change the Conditions of Entry list or the area.",
                parts=(
                    Section(
                        "Only admins (IPSLO_ADMINS) may change the Conditions of Entry list or the area.",
                        icon=Icon.LOCKED,
                    ),
                    Caption(
                        words(
                            "Read it: ",
                            Typed("/ipslo nations coe"),
                            ", ",
                            Typed("/ipslo status <nation>"),
                            "; every change: ",
                            Typed("/ipslo coe history"),
                            ". Ask an admin to record a change, or to add you.",
                        )
                    ),
                ),
                refused=True,
            )
            ack(**bot.views.message(why))
            return
        try:
            client.views_open(trigger_id=body["trigger_id"], view=form_view(bot))
        except SlackApiError as error:
            log.warning("views.open failed for the COE form: %s", error.response.get("error"))
            typed = Reply(
                "Slack would not open the form; type the change instead.",
                parts=(
                    Section("Slack would not open the form; type the change instead.", icon=Icon.WARNING),
                    Caption(commands.COE_USAGE),
                ),
                refused=True,
            )
            ack(**bot.views.message(typed))
            return
        ack()

    app.command(COMMAND, matchers=[is_bare_coe])(open_form)

    def open_form_for_press(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        """ "Update the list" beside App Home's "last confirmed over 90 days ago": the same form, for admins; anyone
        else pressing a forged button is told why not, in a modal (App Home has no channel)."""
        ack()
        caller = context.get("caller")
        if caller is None:
            return
        if caller.is_admin:
            view = form_view(bot)
        else:
            view = notice_view("Only admins (IPSLO_ADMINS) may change the Conditions of Entry list or the area.")
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as error:
            log.warning("views.open failed for the COE form: %s", error.response.get("error"))

    app.action(Action.COE_FORM)(open_form_for_press)

    def save(ack: Ack, view: dict, context: BoltContext) -> None:
        """Record it (one transaction) and answer the submission: the outcome in the form, or what to fix where."""
        form = read_submission(ack, lambda: read_form(view), first="action")
        if form is None:
            return
        problem: dict[str, str] = {}

        def operation(inv: Invocation) -> Reply:
            try:
                return commands.save_form(inv, form)
            except CommandError as error:
                field = getattr(error, "field", "action")
                hint = f" {plain_text(error.hint)}" if error.hint else ""
                problem[field if field in FIELDS else "action"] = views.clip(error.message + hint, 2000)
                return error.reply()

        reply = bot.run(operation, context["caller"], "COE form")
        if problem:
            ack(response_action="errors", errors=problem)
        elif reply.refused:  # something failed on our side: say so on the form, nothing was saved
            ack(response_action="errors", errors={"action": views.clip(plain_text(reply.text), 2000)})
        else:
            ack(response_action="update", view=done_view(reply, bot.views))

    app.view(Form.COE)(save)
