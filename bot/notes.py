"""Notes in Slack: the note form (modal), "Add note" buttons, the "Save as visit note" message shortcut, "More" pages, and export uploads."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import views
from bot.runtime import COMMAND, Bot
from commands import notes as commands
from commands.language import Caller, CommandError, Invocation, Reply
from commands.visits import dates_text
from storage import nations as nation_store
from storage import visits as visit_store

log = logging.getLogger("ipslo")

NOTE_FORM = "note_form"
SHORTCUT = "save_visit_note"
NATION_PICKED = "note_nation_picked"
TEXT_CHARS = 3000  # Slack's limit for one plain-text input; longer texts get several boxes
FOLLOW_UPS = 3
MAX_OPTIONS = 100
NO_VISIT = "none"
AFTER_ACK = (
    "ipslo-after-ack-notes"  # lazy work after the answer; the console waits for threads named so (bot/console.py)
)


# --- the form ----------------------------------------------------------------------------------


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": views.clip(label, 75), "emoji": True}, "value": value}


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
    *, bot: Bot, nation_iso2: str | None, visit_id: int | None, today: dt.date, text: str = "", metadata: dict[str, Any]
) -> dict[str, Any]:
    """The note form: nation, visit, date, text, tags and follow-ups."""
    with bot.database.sessions() as session:
        nations = nation_store.list_nations(session=session)
        visits = (
            visit_store.visits_for_nation(session=session, nation_iso2=nation_iso2, include_cancelled=False)
            if nation_iso2
            else []
        )
        if nation_iso2 and visit_id is None:
            current = visit_store.current_or_recent_visit(session=session, nation_iso2=nation_iso2, today=today)
            visit_id = current.id if current else None
    nation_options = [option(f"{n.name} ({n.iso2})", n.iso2) for n in nations][:MAX_OPTIONS]
    nation_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": NATION_PICKED,
        "options": nation_options,
        "placeholder": {"type": "plain_text", "text": "Choose a nation"},
    }
    chosen = next((o for o in nation_options if o["value"] == nation_iso2), None)
    if chosen:
        nation_select["initial_option"] = chosen
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
                "placeholder": plain("e.g. pfsp, da, drills"),
            },
        }
    )
    blocks.append(
        {
            "type": "context",
            "elements": [
                views.mrkdwn(
                    "*Follow-up actions* (optional): each becomes a reminder for its owner at 09:00 on its due date."
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
        typed = value(block)
        return dt.date.fromisoformat(typed) if typed else None

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


# --- listeners ---------------------------------------------------------------------------------


def after_ack(work: Callable[..., None]) -> Callable[..., None]:
    """Mark a lazy listener's thread while it works, so that the console waits for it before closing (bot/console.py)."""

    @functools.wraps(work)  # Bolt reads the arguments it should pass from the wrapped function
    def marked(*args: Any, **kwargs: Any) -> None:
        thread = threading.current_thread()
        name, thread.name = thread.name, f"{AFTER_ACK}-{work.__name__}"
        try:
            work(*args, **kwargs)
        finally:
            thread.name = name

    return marked


def just_ack(ack: Any) -> None:
    ack()


def register(app: App, bot: Bot) -> None:
    """Listeners answer Slack at once (ack); what they say or open afterwards runs lazily, after Slack has its answer."""

    def answer(operation: Callable[[Invocation], Reply], caller: Caller, what: str) -> Reply:
        def refusing(inv: Invocation) -> Reply:
            try:
                return operation(inv)
            except CommandError as error:
                return error.reply()

        return bot.run(refusing, caller, what)

    def today_for(caller: Caller) -> dt.date:
        return bot.clock().astimezone(caller.tz).date()

    def open_form(
        client: WebClient,
        trigger_id: str,
        caller: Caller,
        *,
        nation_iso2: str | None = None,
        visit_id: int | None = None,
        text: str = "",
        metadata: dict[str, Any],
    ) -> None:
        view = form_view(
            bot=bot, nation_iso2=nation_iso2, visit_id=visit_id, today=today_for(caller), text=text, metadata=metadata
        )
        client.views_open(trigger_id=trigger_id, view=view)

    @app.middleware
    def note_form_and_export(
        req: BoltRequest, body: dict, context: Any, ack: Any, client: WebClient, respond: Any, next: Callable[[], Any]
    ) -> Any:
        """`/ipslo note` alone opens the form; `/ipslo export <nation>` answers, then sends files. Every other line goes on to /ipslo."""
        if body.get("command") != COMMAND or "caller" not in context:
            return next()
        verb, _, rest = (body.get("text") or "").strip().partition(" ")
        verb = verb.lower()
        if verb == "note" and not rest.strip():
            open_form(client, body["trigger_id"], context["caller"], metadata={"channel": body.get("channel_id")})
            return ack()
        if verb == "export":
            exported: list[commands.Export] = []

            def operation(inv: Invocation) -> Reply:
                export = commands.export(inv, rest)
                exported.append(export)
                return export.reply

            reply = answer(operation, context["caller"], f"/ipslo export {rest!r}")
            if exported and not reply.refused:
                export = exported[0]

                def send_export_files() -> None:
                    upload(client, body, export, respond)

                # A middleware has no lazy listeners of its own: hand the upload to Bolt's lazy runner, as they would be.
                app.listener_runner.lazy_listener_runner.start(function=after_ack(send_export_files), request=req)
            return ack(**views.message(reply))
        return next()

    def upload(client: WebClient, body: dict, export: commands.Export, respond: Any) -> None:
        """After the answer: to the officer's direct message, or with `share` to the channel (a direct message if the bot is not in it)."""
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

    @after_ack
    def open_form_for_button(body: dict, action: dict, context: Any, client: WebClient) -> None:
        value = action.get("value") or ""
        nation_iso2, visit_id = value or None, None
        if value.startswith("visit:"):
            with bot.database.sessions() as session:
                visit = visit_store.get_visit(session=session, visit_id=int(value.split(":", 1)[1]))
                nation_iso2, visit_id = (visit.nation_iso2, visit.id) if visit else (None, None)
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        open_form(
            client,
            body["trigger_id"],
            context["caller"],
            nation_iso2=nation_iso2,
            visit_id=visit_id,
            metadata={"channel": channel},
        )

    app.action(commands.ADD_NOTE)(ack=just_ack, lazy=[open_form_for_button])

    @after_ack
    def offer_the_nations_visits(body: dict, action: dict, context: Any, client: WebClient) -> None:
        view = body["view"]
        nation_iso2 = (action.get("selected_option") or {}).get("value")
        metadata = json.loads(view.get("private_metadata") or "{}")
        text = "".join(
            ((view["state"]["values"].get(f"text_{n}") or {}).get("value") or {}).get("value") or ""
            for n in range(int(metadata.get("parts", 1)))
        )
        fresh = form_view(
            bot=bot,
            nation_iso2=nation_iso2,
            visit_id=None,
            today=today_for(context["caller"]),
            text=text,
            metadata=metadata,
        )
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=fresh)

    app.action(NATION_PICKED)(ack=just_ack, lazy=[offer_the_nations_visits])

    @after_ack
    def open_form_for_message(body: dict, context: Any, client: WebClient) -> None:
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
        open_form(
            client,
            body["trigger_id"],
            context["caller"],
            nation_iso2=nation_iso2,
            text=text,
            metadata={"channel": channel, "permalink": permalink, "author": message.get("user")},
        )

    app.shortcut(SHORTCUT)(ack=just_ack, lazy=[open_form_for_message])

    def save_note(ack: Any, view: dict, context: Any) -> None:
        """Save the note (one transaction) and answer the submission: close the form, or point at what is missing."""
        form = read_form(view)
        problem: dict[str, str] = {}

        def operation(inv: Invocation) -> Reply:
            try:
                return commands.save_form(inv, form)
            except commands.FormError as error:
                problem[error_block(error.field, view)] = error.message
                raise

        reply = answer(operation, context["caller"], "note form")
        if problem:
            ack(response_action="errors", errors=problem)
            return
        context["note_saved"] = reply  # for the confirmation, sent after Slack has its answer
        ack()

    @after_ack
    def confirm_saved(view: dict, context: Any, client: WebClient) -> None:
        reply = context.get("note_saved")
        if reply is None:
            return
        channel = json.loads(view.get("private_metadata") or "{}").get("channel")
        try:
            tell(client, context["caller"].user_id, channel, reply)
        except Exception:
            log.exception("the note form's confirmation to %s could not be sent", context["caller"].user_id)

    app.view(NOTE_FORM)(ack=save_note, lazy=[confirm_saved])

    def tell(client: WebClient, user_id: str, channel: str | None, reply: Reply) -> None:
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
    def next_notes(action: dict, context: Any, respond: Any) -> None:
        reply = answer(lambda inv: commands.more_notes(inv, action["value"]), context["caller"], "notes: More")
        respond(**views.message(reply), replace_original=False)

    app.action(commands.NOTES_MORE)(ack=just_ack, lazy=[next_notes])

    @after_ack
    def next_matches(action: dict, context: Any, respond: Any) -> None:
        reply = answer(lambda inv: commands.more_search(inv, action["value"]), context["caller"], "search: More")
        respond(**views.message(reply), replace_original=False)

    app.action(commands.SEARCH_MORE)(ack=just_ack, lazy=[next_matches])
