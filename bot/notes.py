"""Notes in Slack: `/ipslo note` alone (the form) and `/ipslo export` (files after the answer), "Add note"
buttons, the "Save as visit note" message shortcut, the form's submission, and "More" pages.

Every listener is a top-level function routed by Bolt itself (``matchers=``, ``ack=``/``lazy=``); the runtime
(``Bot``) reaches them through ``context["bot"]``, as Dispatch passes its database session. The form is built and
read in bot/note_form.py."""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import opening
from bot.form_values import read_submission
from bot.note_form import NATION_PICKED, NOTE_FORM, error_block, form_view, read_form
from bot.runtime import COMMAND, Bot
from bot.views import Views
from commands import notes as commands
from commands.ids import Action, Shortcut
from commands.language import Caller, Invocation, Reply
from storage import visits as visit_store

log = logging.getLogger("ipslo")

SHORTCUT = Shortcut.SAVE_VISIT_NOTE
AFTER_ACK = "ipslo-after-ack-notes"  # lazy work after the answer; the console waits for threads named so


def after_ack(work: Callable[..., None]) -> Callable[..., None]:
    """Mark a lazy listener's thread while it works, so that the console waits for it before closing
    (bot/console.py)."""

    @functools.wraps(work)  # Bolt reads the arguments it should pass from the wrapped function
    def marked(*args: Any, **kwargs: Any) -> None:
        thread = threading.current_thread()
        name, thread.name = thread.name, f"{AFTER_ACK}-{work.__name__}"
        try:
            work(*args, **kwargs)
        finally:
            thread.name = name

    return marked


def just_ack(ack: Ack) -> None:
    ack()


def runtime(context: BoltContext) -> Bot:
    bot: Bot = context["bot"]
    return bot


def open_form(
    bot: Bot,
    client: WebClient,
    trigger_id: str,
    caller: Caller,
    *,
    nation_iso2: str | None = None,
    visit_id: int | None = None,
    text: str = "",
    metadata: dict[str, Any],
) -> str | None:
    """The note form; None when it opened, else why not (bot/opening.py)."""
    view = drawn_form(bot, caller, nation_iso2=nation_iso2, visit_id=visit_id, text=text, metadata=metadata)
    return opening.open_view(client, trigger_id, view)


def drawn_form(
    bot: Bot, caller: Caller, *, nation_iso2: str | None, visit_id: int | None, text: str, metadata: dict[str, Any]
) -> dict[str, Any]:
    """The note form as it stands for this officer today (their time zone)."""
    today = bot.clock().astimezone(caller.tz).date()
    with bot.database.sessions() as session:
        return form_view(
            session=session,
            nation_iso2=nation_iso2,
            visit_id=visit_id,
            today=today,
            text=text,
            metadata=metadata,
            views=bot.views,
        )


# --- `/ipslo note` alone and `/ipslo export` ----------------------------------------------------


def verb_of(body: dict) -> tuple[str, str]:
    verb, _, rest = (body.get("text") or "").strip().partition(" ")
    return verb.lower(), rest.strip()


def is_bare_note(body: dict) -> bool:
    return verb_of(body) == ("note", "")


def is_export(body: dict) -> bool:
    return verb_of(body)[0] == "export"


def open_note_form(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """`/ipslo note` alone: the form, opened with the command's trigger (valid for 3 seconds, so before the ack)."""
    bot = runtime(context)
    reason = open_form(bot, client, body["trigger_id"], context["caller"], metadata={"channel": body.get("channel_id")})
    opening.answer_command(ack, bot.views, reason, opening.NOTE)


def answer_export(ack: Ack, body: dict, context: BoltContext) -> None:
    """`/ipslo export <nation>`: the answer now (what will be sent); the files follow after it (``send_export``)."""
    rest = verb_of(body)[1]
    exported: list[commands.Export] = []

    def operation(inv: Invocation) -> Reply:
        export = commands.export(inv, rest)
        exported.append(export)
        return export.reply

    reply = runtime(context).run(operation, context["caller"], "/ipslo export")
    if exported and not reply.refused:
        context["export"] = exported[0]
    ack(**runtime(context).views.message(reply))


@after_ack
def send_export(body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
    """After the answer: to the officer's direct message, or with `share` to the channel (a direct message if the
    bot is not in it)."""
    export: commands.Export | None = context.get("export")
    if export is None:
        return
    uploads = [{"content": f.content, "filename": f.filename, "title": f.title} for f in export.files]
    try:
        if export.to_channel:
            try:
                client.files_upload_v2(file_uploads=uploads, channel=body["channel_id"])
                return
            except SlackApiError as error:
                if error.response.get("error") not in ("not_in_channel", "channel_not_found", "access_denied"):
                    raise
                respond(
                    text=":information_source: I can't post in this channel, so the export files are in "
                    "your direct messages with the bot instead.",
                    response_type="ephemeral",
                    replace_original=False,
                )
        dm = client.conversations_open(users=body["user_id"])["channel"]["id"]
        client.files_upload_v2(file_uploads=uploads, channel=dm)
    except Exception:
        log.exception("export upload failed for %s", body.get("user_id"))
        try:
            respond(
                text=":warning: The export files could not be sent; please try again.",
                response_type="ephemeral",
                replace_original=False,
            )
        except Exception:
            log.exception("could not tell %s that the export failed", body.get("user_id"))


# --- buttons, the shortcut and the form's submission --------------------------------------------


@after_ack
def open_form_for_button(body: dict, action: dict, context: BoltContext, client: WebClient) -> None:
    bot = runtime(context)
    value = action.get("value") or ""
    nation_iso2, visit_id = value or None, None
    if value.startswith("visit:"):
        with bot.database.sessions() as session:
            visit = visit_store.get_visit(session=session, visit_id=int(value.split(":", 1)[1]))
            nation_iso2, visit_id = (visit.nation_iso2, visit.id) if visit else (None, None)
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    reason = open_form(
        bot,
        client,
        body["trigger_id"],
        context["caller"],
        nation_iso2=nation_iso2,
        visit_id=visit_id,
        metadata={"channel": channel},
    )
    opening.tell(bot.views, client, body, reason, opening.NOTE)


@after_ack
def offer_the_nations_visits(body: dict, action: dict, context: BoltContext, client: WebClient) -> None:
    bot = runtime(context)
    view = body["view"]
    nation_iso2 = (action.get("selected_option") or {}).get("value")
    metadata = json.loads(view.get("private_metadata") or "{}")
    text = "".join(
        ((view["state"]["values"].get(f"text_{n}") or {}).get("value") or {}).get("value") or ""
        for n in range(int(metadata.get("parts", 1)))
    )
    fresh = drawn_form(bot, context["caller"], nation_iso2=nation_iso2, visit_id=None, text=text, metadata=metadata)
    client.views_update(view_id=view["id"], hash=view.get("hash"), view=fresh)


@after_ack
def open_form_for_message(body: dict, context: BoltContext, client: WebClient) -> None:
    bot = runtime(context)
    message, channel = body.get("message") or {}, (body.get("channel") or {}).get("id")
    permalink = None
    if channel and message.get("ts"):
        try:
            permalink = client.chat_getPermalink(channel=channel, message_ts=message["ts"])["permalink"]
        except SlackApiError as error:
            log.warning("chat.getPermalink failed: %s", error.response.get("error"))
    text = message.get("text") or ""
    with bot.database.sessions() as session:
        nation_iso2 = commands.guess_nation(session=session, text=text)
    reason = open_form(
        bot,
        client,
        body["trigger_id"],
        context["caller"],
        nation_iso2=nation_iso2,
        text=text,
        metadata={"channel": channel, "permalink": permalink, "author": message.get("user")},
    )
    opening.tell(bot.views, client, body, reason, opening.NOTE)


def save_note(ack: Ack, view: dict, context: BoltContext) -> None:
    """Save the note (one transaction) and answer the submission: close the form, or point at what is missing."""
    form = read_submission(ack, lambda: read_form(view), first="nation")
    if form is None:
        return
    problem: dict[str, str] = {}

    def operation(inv: Invocation) -> Reply:
        try:
            return commands.save_form(inv, form)
        except commands.FormError as error:
            problem[error_block(error.field, view)] = error.message
            raise

    reply = runtime(context).run(operation, context["caller"], "note form")
    if problem:
        ack(response_action="errors", errors=problem)
        return
    context["note_saved"] = reply  # for the confirmation, sent after Slack has its answer
    ack()


def tell(views: Views, client: WebClient, user_id: str, channel: str | None, reply: Reply) -> None:
    message = {k: v for k, v in views.message(reply).items() if k != "response_type"}
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user_id, **message)
            return
        except SlackApiError as error:
            log.info(
                "ephemeral reply in %s failed (%s); sending a direct message", channel, error.response.get("error")
            )
    client.chat_postMessage(channel=user_id, **message)


@after_ack
def confirm_saved(view: dict, context: BoltContext, client: WebClient) -> None:
    reply = context.get("note_saved")
    if reply is None:
        return
    channel = json.loads(view.get("private_metadata") or "{}").get("channel")
    try:
        tell(runtime(context).views, client, context["caller"].user_id, channel, reply)
    except Exception:
        log.exception("the note form's confirmation to %s could not be sent", context["caller"].user_id)


@after_ack
def next_notes(action: dict, context: BoltContext, respond: Respond) -> None:
    reply = runtime(context).run(
        lambda inv: commands.more_notes(inv, action["value"]), context["caller"], "notes: More"
    )
    respond(**runtime(context).views.message(reply), replace_original=False)


@after_ack
def next_matches(action: dict, context: BoltContext, respond: Respond) -> None:
    reply = runtime(context).run(
        lambda inv: commands.more_search(inv, action["value"]), context["caller"], "search: More"
    )
    respond(**runtime(context).views.message(reply), replace_original=False)


def register(app: App, bot: Bot) -> None:
    """Listeners answer Slack at once (ack); what they say or open afterwards runs lazily, after Slack has its
    answer. Registered before the general `/ipslo` listener, so their matchers are tried first."""
    app.command(COMMAND, matchers=[is_bare_note])(open_note_form)
    app.command(COMMAND, matchers=[is_export])(ack=answer_export, lazy=[send_export])
    app.action(Action.ADD_NOTE)(ack=just_ack, lazy=[open_form_for_button])
    app.action(NATION_PICKED)(ack=just_ack, lazy=[offer_the_nations_visits])
    app.shortcut(SHORTCUT)(ack=just_ack, lazy=[open_form_for_message])
    app.view(NOTE_FORM)(ack=save_note, lazy=[confirm_saved])
    app.action(Action.NOTES_MORE)(ack=just_ack, lazy=[next_notes])
    app.action(Action.SEARCH_MORE)(ack=just_ack, lazy=[next_matches])
