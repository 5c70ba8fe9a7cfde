"""Visits in Slack: `/ipslo visit` alone (the form), "Plan a visit", "Edit" and "Cancel visit" on replies and App
Home rows, the App Home row menu, and the visit form's submission.

Every write goes through the operations the commands use (commands/visits.py: plan_visit, edit_visit,
cancel_visit), so a form gives the same warnings and refusals as `/ipslo visit add`. The form is built and read in
bot/visit_form.py."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import forms, opening
from bot.form_values import read_submission
from bot.notes import after_ack, just_ack, runtime
from bot.notes import open_form as open_note_form
from bot.runtime import COMMAND, Bot
from bot.visit_form import BLOCKS, VISIT_FORM, VisitForm, form_view, read_form
from commands import visits as commands
from commands.ids import Action, Form, Shortcut, VisitVerb
from commands.language import Caller, CommandError, Invocation, Reply
from commands.visits import dates_text
from storage import visits as visit_store

log = logging.getLogger(__name__)


def visit_form(
    bot: Bot, caller: Caller, body: dict, *, visit_id: int | None = None, nation_iso2: str | None = None
) -> dict[str, Any]:
    """The form to plan a visit (to ``nation_iso2``) or to change visit ``visit_id``; refused if it cannot be."""
    with bot.database.sessions() as session:
        visit = visit_store.get_visit(session=session, visit_id=visit_id) if visit_id else None
        if visit_id and (visit is None or visit.cancelled):
            what = f"Visit #{visit_id} was cancelled" if visit else f"There is no visit #{visit_id}"
            raise CommandError(f"{what}, so it can't be edited.", hint="`/ipslo visits mine` lists yours.")
        return form_view(
            session=session,
            officer=caller.user_id,
            visit=visit,
            nation_iso2=nation_iso2,
            metadata=forms.metadata_for(body),
        )


def open_visit_form(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """`/ipslo visit` alone: the form, opened with the command's trigger (valid for 3 seconds, so before the ack)."""
    bot = runtime(context)
    forms.open_for_command(ack, bot, client, body, visit_form(bot, context["caller"], body), opening.VISIT)


def open_for_press(
    body: dict, client: WebClient, respond: Respond, context: BoltContext, *, visit_id: int | None = None, **which: Any
) -> None:
    bot, caller = runtime(context), context["caller"]
    try:
        view = visit_form(bot, caller, body, visit_id=visit_id, **which)
    except CommandError as error:
        forms.answer_press(bot.views, client, body, respond, error.reply(), "Visit")
        return
    forms.open_for_press(bot, client, body, view, opening.edit_visit(visit_id) if visit_id else opening.VISIT)


@after_ack
def plan_pressed(body: dict, action: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
    """ "Plan a visit" on App Home or on a nation's status: the form, with that nation chosen."""
    open_for_press(body, client, respond, context, nation_iso2=action.get("value") or None)


@after_ack
def plan_from_shortcut(body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
    """The "Plan a visit" shortcut (Slack's shortcut menu, anywhere)."""
    open_for_press(body, client, respond, context)


@after_ack
def edit_pressed(body: dict, action: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
    open_for_press(body, client, respond, context, visit_id=int(action.get("value") or 0))


def cancel_pressed(ack: Ack, action: dict, context: BoltContext) -> None:
    """ "Cancel visit" (Slack asked "Are you sure?" first): cancelled in the request, the answer after it."""
    visit_id = int(action.get("value") or 0)
    context["visit_answer"] = runtime(context).run(
        lambda inv: commands.cancel_visit(inv, visit_id=visit_id), context["caller"], "visit cancel button"
    )
    ack()


@after_ack
def say_cancelled(body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
    reply: Reply | None = context.get("visit_answer")
    if reply is not None:
        forms.answer_press(runtime(context).views, client, body, respond, reply, "Visit cancelled")


@after_ack
def menu_chosen(body: dict, action: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
    """An App Home visit row's menu: Edit, Cancel (asked first in a small form), Add note, Remind me."""
    verb, _, number = ((action.get("selected_option") or {}).get("value") or "").partition(":")
    visit_id = int(number) if number.isdigit() else 0
    bot, caller = runtime(context), context["caller"]
    if verb == VisitVerb.EDIT:
        open_for_press(body, client, respond, context, visit_id=visit_id)
    elif verb == VisitVerb.CANCEL:
        with bot.database.sessions() as session:
            visit = visit_store.get_visit(session=session, visit_id=visit_id)
            question = f"Cancel visit #{visit_id} ({dates_text(visit)})?" if visit else f"Cancel visit #{visit_id}?"
        forms.open_for_press(bot, client, body, cancel_view(visit_id, question), opening.cancel_visit(visit_id))
    elif verb == VisitVerb.NOTE:
        with bot.database.sessions() as session:
            visit = visit_store.get_visit(session=session, visit_id=visit_id)
            nation_iso2 = visit.nation_iso2 if visit else None
        reason = open_note_form(
            bot, client, body["trigger_id"], caller, nation_iso2=nation_iso2, visit_id=visit_id, metadata={}
        )
        opening.tell(bot.views, client, body, reason, opening.NOTE)
    elif verb == VisitVerb.REMIND:
        forms.open_reminder_form(bot, client, body, caller, about=f"visit:{visit_id}")


def cancel_view(visit_id: int, question: str) -> dict[str, Any]:
    """Block Kit's confirm cannot sit on a menu's choice, so App Home asks in a small form instead."""
    return {
        "type": "modal",
        "callback_id": Form.CANCEL_VISIT,
        "title": forms.plain("Cancel visit"),
        "submit": forms.plain("Cancel visit"),
        "close": forms.plain("Keep it"),
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"{question} Its reminders stop; the visit stays on record."},
            }
        ],
        "private_metadata": json.dumps({"visit_id": visit_id}),
    }


def cancel_confirmed(ack: Ack, view: dict, context: BoltContext) -> None:
    visit_id = int(json.loads(view.get("private_metadata") or "{}").get("visit_id") or 0)
    reply = runtime(context).run(
        lambda inv: commands.cancel_visit(inv, visit_id=visit_id), context["caller"], "visit cancel form"
    )
    ack(response_action="update", view=forms.result_view(reply, "Visit cancelled", runtime(context).views))


def visit_operation(form: VisitForm) -> Callable[[Invocation], Reply]:
    """What a submitted visit form does: plan a new visit, or change the one it edits (the same operations as the
    typed commands, so the same warnings and refusals)."""

    def operation(inv: Invocation) -> Reply:
        changes: dict[str, Any] = dict(
            nation_iso2=form.nation_iso2,
            starts_on=form.starts_on,
            ends_on=form.ends_on,
            kind=form.kind,
            title=form.title,
            lead=form.lead,
            allow_past=False,
            idempotency_key=form.idempotency_key,
        )
        if form.visit_id is None:
            return commands.plan_visit(inv, **changes)
        return commands.edit_visit(inv, visit_id=form.visit_id, **changes)

    return operation


def save_visit(ack: Ack, view: dict, context: BoltContext) -> None:
    """Plan or change the visit (one transaction) and answer: beside the field at fault, or close and say so."""
    form = read_submission(ack, lambda: read_form(view), first="nation", blocks=BLOCKS)
    if form is None:
        return
    bot = runtime(context)
    if form.lead and form.lead != context["caller"].user_id:
        try:  # the lead's reminders come at 09:00 in their zone: know it first (cached: usually no lookup)
            bot.caller_for(form.lead)
        except Exception:
            log.exception("Looking up the lead %s before saving a visit failed; going on without", form.lead)
    operation = visit_operation(form)

    reply, problem = forms.run_form(bot, context["caller"], "visit form", operation, blocks=BLOCKS, first="nation")
    forms.answer_submission(ack, context, view, reply, problem, "Visit")


def register(app: App, bot: Bot) -> None:
    """Registered before the general `/ipslo` listener, so `/ipslo visit` alone opens the form."""
    app.command(COMMAND, matchers=[forms.bare("visit")])(open_visit_form)
    app.action(Action.PLAN_VISIT)(ack=just_ack, lazy=[plan_pressed])
    app.shortcut(Shortcut.PLAN_VISIT)(ack=just_ack, lazy=[plan_from_shortcut])
    app.action(Action.EDIT_VISIT)(ack=just_ack, lazy=[edit_pressed])
    app.action(Action.CANCEL_VISIT)(ack=cancel_pressed, lazy=[say_cancelled])
    app.action(Action.VISIT_MENU)(ack=just_ack, lazy=[menu_chosen])
    app.view(VISIT_FORM)(ack=save_visit, lazy=[forms.confirm])
    app.view(Form.CANCEL_VISIT)(cancel_confirmed)
