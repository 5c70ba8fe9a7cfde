"""What every form shares: opening one where the officer pressed, running its operation so that a refusal is shown
beside the field it is about (``response_action: errors``, nothing typed lost), and answering where the officer is:
a message in the channel the form came from, or the form itself turned into the answer (App Home has no channel).

The reminder, assessment and question forms are wired here too (their builders are bot/reminder_form.py,
bot/assess_form.py); the visit form's listeners are in bot/visits.py, the note form's in bot/notes.py."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import assess_form, opening, reminder_form
from bot.form_values import read_submission
from bot.notes import after_ack, just_ack, tell
from bot.runtime import COMMAND, Bot
from bot.views import SECTION_CHARS, SLACK, Views, clip
from commands import ipslo, knowledge, nations, reminders
from commands.ids import Action, Form, Shortcut
from commands.language import Caller, Caption, CommandError, FieldError, Invocation, Reply, plain_text

log = logging.getLogger("ipslo")

TITLE_CHARS = 24  # a modal's title
QUESTION_CHARS = 500
NOT_ADMIN = CommandError(
    "Recording an assessment sets a nation's official status, so only admins may do it.",
    hint="Ask an admin (IPSLO_ADMINS) to record it, or to add you.",
)
ERROR_CHARS = 300  # what we say beside a field


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def result_view(reply: Reply, title: str, views: Views = SLACK) -> dict[str, Any]:
    """A reply shown in a modal (the form turned into its answer, or the answer to a press on App Home)."""
    blocks = [b for b in views.blocks(reply) if b["type"] != "actions"][:100]  # buttons belong in messages
    return {
        "type": "modal",
        "title": plain(clip(title, TITLE_CHARS)),
        "close": plain("Done"),
        "blocks": blocks or [{"type": "section", "text": views.text(plain_text(reply.text)[:SECTION_CHARS])}],
    }


def verb_of(body: dict) -> tuple[str, str]:
    verb, _, rest = (body.get("text") or "").strip().partition(" ")
    return verb.lower(), rest.strip()


def bare(verb: str) -> Callable[[dict], bool]:
    """A Bolt matcher: `/ipslo <verb>` typed with nothing after it (the form instead of the syntax)."""

    def matches(body: dict) -> bool:
        return verb_of(body) == (verb, "")

    matches.__name__ = f"is_bare_{verb}"
    return matches


def channel_of(body: dict) -> str | None:
    """The channel a command or a message button came from (None on App Home and in forms)."""
    channel: str | None = (
        body.get("channel_id")
        or (body.get("channel") or {}).get("id")
        or (body.get("container") or {}).get("channel_id")
    )
    return channel


def answer_press(views: Views, client: WebClient, body: dict, respond: Respond, reply: Reply, title: str) -> None:
    """The answer to a button or menu press, where the officer is: beside the message, or in a modal on App Home."""
    if (body.get("container") or {}).get("type") == "message" and body.get("response_url"):
        respond(**views.message(reply), replace_original=False)
    else:
        opening.show(client, body, result_view(reply, title, views))  # if Slack can't, the log says why


def run_form(
    bot: Bot,
    caller: Caller,
    what: str,
    operation: Callable[[Invocation], Reply],
    *,
    blocks: dict[str, str],
    first: str,
) -> tuple[Reply, dict[str, str]]:
    """Run a form's operation in one transaction; a refusal comes back as {block id: what to fix} for Slack to show
    beside the field (a refusal about no one field is shown beside ``first``)."""
    problem: dict[str, str] = {}

    def operation_with_fields(inv: Invocation) -> Reply:
        try:
            return operation(inv)
        except FieldError as error:
            problem[blocks.get(error.field, first)] = clip(error.message, ERROR_CHARS)
            raise

    reply = bot.run(operation_with_fields, caller, what)
    if reply.refused and not problem:
        problem[first] = clip(f"{plain_text(reply.text)} {hint(reply)}".strip(), ERROR_CHARS)
    return reply, problem


def hint(reply: Reply) -> str:
    """What a refusal says to type instead (its closing caption), if anything."""
    last = reply.parts[-1] if len(reply.parts) > 1 else None
    return plain_text(last.text) if isinstance(last, Caption) else ""


def answer_submission(
    ack: Ack, context: BoltContext, view: dict, reply: Reply, problem: dict[str, str], title: str
) -> None:
    """Answer a form's submission: errors beside the fields; else close it and say the answer in the channel it came
    from (after Slack has its answer: :func:`confirm`), or turn the form into the answer when it has no channel."""
    if problem:
        ack(response_action="errors", errors=problem)
        return
    channel = json.loads(view.get("private_metadata") or "{}").get("channel")
    if channel:
        context["form_answer"] = {"reply": reply, "channel": channel}
        ack()
    else:
        ack(response_action="update", view=result_view(reply, title, context["bot"].views))


@after_ack
def confirm(body: dict, context: BoltContext, client: WebClient) -> None:
    """After a form closed: its answer (with the warnings the command would give) beside the channel's messages."""
    answer = context.get("form_answer")
    if answer is None:
        return
    try:
        tell(context["bot"].views, client, context["caller"].user_id, answer["channel"], answer["reply"])
    except Exception:
        log.exception("a form's answer to %s could not be sent", context["caller"].user_id)


def open_for_command(ack: Ack, bot: Bot, client: WebClient, body: dict, view: dict[str, Any], example: str) -> None:
    """A bare command's form, opened with the command's trigger (valid for 3 seconds, so before the ack); the answer
    says why not when Slack can't open it, with ``example``, the command in full, to type instead."""
    opening.answer_command(ack, bot.views, opening.show(client, body, view), example)


def open_for_press(bot: Bot, client: WebClient, body: dict, view: dict[str, Any], example: str) -> None:
    """A press's form (after the press's answer); when Slack can't open it, the officer is told why and offered
    ``example``, the command in full (bot/opening.py)."""
    opening.tell(bot.views, client, body, opening.show(client, body, view), example)


def metadata_for(body: dict) -> dict[str, Any]:
    return {"channel": channel_of(body)} if channel_of(body) else {}


# --- the reminder form ----------------------------------------------------------------------------


def reminder_view(bot: Bot, body: dict, caller: Caller, *, about: str | None) -> dict[str, Any]:
    """The reminder form, about ``about`` (a nation code or "visit:<id>") if given."""
    with bot.database.sessions() as session:
        return reminder_form.form_view(
            session=session,
            officer=caller.user_id,
            tz=caller.tz,
            now=bot.clock(),
            about=about,
            metadata=metadata_for(body),
        )


def open_reminder_form(bot: Bot, client: WebClient, body: dict, caller: Caller, *, about: str | None) -> None:
    """The reminder form for a press (after its answer), about ``about`` if given."""
    open_for_press(bot, client, body, reminder_view(bot, body, caller, about=about), opening.REMINDER)


def open_reminder_for_command(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """`/ipslo remind` alone: the form, opened with the command's trigger (before the ack)."""
    bot = context["bot"]
    open_for_command(ack, bot, client, body, reminder_view(bot, body, context["caller"], about=None), opening.REMINDER)


@after_ack
def open_reminder_for_press(body: dict, context: BoltContext, client: WebClient) -> None:
    """ "Remind me" on a visit, "Set a reminder" on App Home, or the global shortcut."""
    actions = body.get("actions") or [{}]
    open_reminder_form(context["bot"], client, body, context["caller"], about=actions[0].get("value") or None)


def save_reminder(ack: Ack, view: dict, context: BoltContext) -> None:
    caller: Caller = context["caller"]
    form = read_submission(ack, lambda: reminder_form.read_form(view, caller.tz), first="nation")
    if form is None:
        return
    reply, problem = run_form(
        context["bot"],
        caller,
        "reminder form",
        lambda inv: reminders.set_reminder(
            inv,
            nation_iso2=form.nation_iso2,
            visit_id=form.visit_id,
            due_at=form.due_at,
            text=form.text,
            idempotency_key=form.idempotency_key,
        ),
        blocks=reminder_form.BLOCKS,
        first="nation",
    )
    answer_submission(ack, context, view, reply, problem, "Reminder")


# --- the assessment form (admins) -----------------------------------------------------------------


def assess_view(bot: Bot, caller: Caller, body: dict) -> dict[str, Any]:
    with bot.database.sessions() as session:
        return assess_form.form_view(
            session=session, today=bot.clock().astimezone(caller.tz).date(), metadata=metadata_for(body)
        )


def open_assess_for_command(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """`/ipslo assess` alone: the form for an admin; anyone else is told why not, and nothing opens."""
    bot, caller = context["bot"], context["caller"]
    if not caller.is_admin:
        ack(**bot.views.message(NOT_ADMIN.reply()))
        return
    open_for_command(ack, bot, client, body, assess_view(bot, caller, body), opening.ASSESS)


@after_ack
def open_assess_for_press(body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
    """ "Record an assessment" on an admin's App Home (a forged press by anyone else is told why not)."""
    bot, caller = context["bot"], context["caller"]
    if not caller.is_admin:
        answer_press(bot.views, client, body, respond, NOT_ADMIN.reply(), "Assessment")
        return
    open_for_press(bot, client, body, assess_view(bot, caller, body), opening.ASSESS)


def save_assessment(ack: Ack, view: dict, context: BoltContext) -> None:
    form = read_submission(ack, lambda: assess_form.read_form(view), first="nation")
    if form is None:
        return
    reply, problem = run_form(
        context["bot"],
        context["caller"],
        "assessment form",
        lambda inv: nations.record_assessment(
            inv,
            nation_iso2=form.nation_iso2,
            assessed_on=form.assessed_on,
            outcome=form.outcome,
            source=form.source,
            idempotency_key=form.idempotency_key,
        ),
        blocks=assess_form.BLOCKS,
        first="nation",
    )
    answer_submission(ack, context, view, reply, problem, "Assessment")


# --- a question, Share in channel, and App Home's reminder buttons -------------------------------------


def ask_view() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": Form.ASK,
        "title": plain("Ask a question"),
        "submit": plain("Ask"),
        "close": plain("Close"),
        "blocks": [
            {
                "type": "input",
                "block_id": "question",
                "label": plain("Your question"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": QUESTION_CHARS,
                    "placeholder": plain("e.g. how long is an interim ISSC valid?"),
                },
            }
        ],
    }


@after_ack
def open_ask(body: dict, context: BoltContext, client: WebClient) -> None:
    open_for_press(context["bot"], client, body, ask_view(), opening.ASK)


def answer_question(ack: Ack, view: dict, context: BoltContext) -> None:
    """The answer replaces the question in the form, as `/ipslo ask` would answer it."""
    question = ((view["state"]["values"].get("question") or {}).get("value") or {}).get("value") or ""
    reply, problem = run_form(
        context["bot"],
        context["caller"],
        "ask form",
        lambda inv: knowledge.ask(inv, question),
        blocks={},
        first="question",
    )
    if problem:
        ack(response_action="errors", errors=problem)
    else:
        ack(response_action="update", view=result_view(reply, "Answer", context["bot"].views))


def share_pressed(ack: Ack, action: dict, context: BoltContext) -> None:
    """ "Share in channel": the same command run again, its answer for the channel (without its own Share button)."""
    typed = action.get("value") or ""
    reply = context["bot"].run(lambda inv: ipslo.run(inv, typed), context["caller"], "share button")
    context["shared"] = reply if reply.refused else reply.shared()  # shared() leaves its Share button out
    ack()


def run_pressed(ack: Ack, action: dict, context: BoltContext) -> None:
    """A "Did you mean `/ipslo status fiji`?" button: the command it names, run for whoever pressed it (one that only
    reads or writes harmlessly: Subcommand.reads_only, .repeatable); its answer replaces the question."""
    typed = action.get("value") or ""
    context["ran"] = context["bot"].run(lambda inv: ipslo.run(inv, typed), context["caller"], "run button")
    ack()


@after_ack
def post_ran(context: BoltContext, respond: Respond) -> None:
    reply: Reply | None = context.get("ran")
    if reply is not None:
        respond(**context["bot"].views.message(reply), replace_original=True)


@after_ack
def post_shared(context: BoltContext, respond: Respond) -> None:
    reply: Reply | None = context.get("shared")
    if reply is not None:
        respond(**context["bot"].views.message(reply), replace_original=False)


def home_reminder_pressed(ack: Ack, action: dict, context: BoltContext) -> None:
    """Done or Snooze on App Home: the same operation as in the direct message, said in a few words (or refused); the
    tab is then published again."""
    verb = action["action_id"][len(Action.HOME_REMINDER) :]
    reminder_id = action.get("value") or ""
    reply = context["bot"].run(
        lambda inv: reminders.press_on_home(inv, reminder_id, verb), context["caller"], f"home reminder {verb}"
    )
    context["pressed"] = reply
    ack()


@after_ack
def say_pressed(body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
    reply: Reply | None = context.get("pressed")
    if reply is not None:
        answer_press(context["bot"].views, client, body, respond, reply, "Reminder")


def register(app: App, bot: Bot) -> None:
    """The reminder, assessment and question forms, Share in channel, and App Home's reminder buttons. Registered
    before the general `/ipslo` listener, so `/ipslo remind` and `/ipslo assess` alone open their forms."""
    app.command(COMMAND, matchers=[bare("remind")])(open_reminder_for_command)
    app.action(Action.SET_REMINDER)(ack=just_ack, lazy=[open_reminder_for_press])
    app.shortcut(Shortcut.SET_REMINDER)(ack=just_ack, lazy=[open_reminder_for_press])
    app.view(Form.REMINDER)(ack=save_reminder, lazy=[confirm])
    app.command(COMMAND, matchers=[bare("assess")])(open_assess_for_command)
    app.action(Action.ASSESS)(ack=just_ack, lazy=[open_assess_for_press])
    app.view(Form.ASSESS)(ack=save_assessment, lazy=[confirm])
    app.action(Action.ASK_QUESTION)(ack=just_ack, lazy=[open_ask])
    app.view(Form.ASK)(answer_question)
    app.action(Action.SHARE)(ack=share_pressed, lazy=[post_shared])
    app.action(Action.RUN)(ack=run_pressed, lazy=[post_ran])
    app.action(re.compile("^" + re.escape(Action.HOME_REMINDER)))(ack=home_reminder_pressed, lazy=[say_pressed])
