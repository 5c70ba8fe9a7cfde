"""Notes in Slack: the note form (modal), "Add note" buttons, the "Save as visit note" message shortcut, "More" pages, and export uploads."""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import views
from bot.app import COMMAND, Bot
from commands import notes as commands
from commands.language import Caller, CommandError, Invocation, Reply
from commands.nations import normalize
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
AFTER_ACK = "ipslo-after-ack-export"  # work after the answer; the console waits for threads named so (bot/console.py)


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


def form_view(*, bot: Bot, nation_iso2: str | None, visit_id: int | None, today: dt.date, text: str = "",
              metadata: dict[str, Any]) -> dict[str, Any]:
    """The note form: nation, visit, date, text, tags and follow-ups."""
    with bot.database.sessions() as session:
        nations = nation_store.list_nations(session=session)
        visits = visit_store.visits_for_nation(session=session, nation_iso2=nation_iso2, include_cancelled=False) if nation_iso2 else []
        if nation_iso2 and visit_id is None:
            current = visit_store.current_or_recent_visit(session=session, nation_iso2=nation_iso2, today=today)
            visit_id = current.id if current else None
    nation_options = [option(f"{n.name} ({n.iso2})", n.iso2) for n in nations][:MAX_OPTIONS]
    nation_select: dict[str, Any] = {"type": "static_select", "action_id": NATION_PICKED, "options": nation_options,
                                     "placeholder": {"type": "plain_text", "text": "Choose a nation"}}
    chosen = next((o for o in nation_options if o["value"] == nation_iso2), None)
    if chosen:
        nation_select["initial_option"] = chosen
    visit_options = [option("Not part of a visit", NO_VISIT)]
    visit_options += [option(f"#{v.id} {dates_text(v)} · {v.kind}", str(v.id)) for v in visits][: MAX_OPTIONS - 1]
    visit_select: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": visit_options,
                                    "initial_option": next((o for o in visit_options if o["value"] == str(visit_id)),
                                                           visit_options[0])}
    blocks: list[dict[str, Any]] = [
        {"type": "input", "block_id": "nation", "dispatch_action": True, "label": plain("Nation"), "element": nation_select},
        {"type": "input", "block_id": visit_block_id(nation_iso2), "optional": True, "label": plain("Visit"),
         "element": visit_select},
        {"type": "input", "block_id": "date", "label": plain("Date"),
         "element": {"type": "datepicker", "action_id": "value", "initial_date": today.isoformat()}},
    ]
    pieces = exact_pieces(text) if text else [""]
    for number, piece in enumerate(pieces):
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": True,
                                   "max_length": TEXT_CHARS}
        if piece:
            element["initial_value"] = piece
        label = "Note" if number == 0 else f"Note (continued, part {number + 1})"
        blocks.append({"type": "input", "block_id": f"text_{number}", "label": plain(label), "element": element,
                       **({"optional": True} if number else {})})
    blocks.append({"type": "input", "block_id": "tags", "optional": True, "label": plain("Tags"),
                   "element": {"type": "plain_text_input", "action_id": "value",
                               "placeholder": plain("e.g. pfsp, da, drills")}})
    blocks.append({"type": "context", "elements": [views.mrkdwn(
        "*Follow-up actions* (optional): each becomes a reminder for its owner at 09:00 on its due date.")]})
    for number in range(1, FOLLOW_UPS + 1):
        blocks += [
            {"type": "input", "block_id": f"follow_up_{number}", "optional": True, "label": plain(f"Follow-up {number}"),
             "element": {"type": "plain_text_input", "action_id": "value", "max_length": 500}},
            {"type": "input", "block_id": f"follow_up_{number}_owner", "optional": True, "label": plain("Owner (you if empty)"),
             "element": {"type": "users_select", "action_id": "value"}},
            {"type": "input", "block_id": f"follow_up_{number}_due", "optional": True, "label": plain("Due"),
             "element": {"type": "datepicker", "action_id": "value"}},
        ]
    metadata = {**metadata, "parts": len(pieces)}
    return {"type": "modal", "callback_id": NOTE_FORM, "title": plain("Visit note"), "submit": plain("Save"),
            "close": plain("Cancel"), "blocks": blocks, "private_metadata": json.dumps(metadata)}


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
        follow_ups=tuple((value(f"follow_up_{n}") or "", value(f"follow_up_{n}_owner"), day(f"follow_up_{n}_due"))
                         for n in range(1, FOLLOW_UPS + 1)),
        source_permalink=metadata.get("permalink"),
        message_author_id=metadata.get("author"),
    )


def error_block(field: str, view: dict[str, Any]) -> str:
    if field == "visit":
        return next((b for b in view["state"]["values"] if b.startswith("visit_")), "nation")
    if field == "text":
        return "text_0"
    return field


def guess_nation(bot: Bot, text: str) -> str | None:
    """A nation named in a message (full names and aliases of four letters or more, not codes like "to" or "in")."""
    with bot.database.sessions() as session:
        index = commands.nation_index(session=session)
    words = normalize(text).split()
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            typed = " ".join(words[start:start + size])
            if len(typed) >= 4:
                nation = index.index.exact(typed)
                if nation is not None:
                    return nation.iso2
    return None


# --- listeners ---------------------------------------------------------------------------------

def register(app: App, bot: Bot) -> None:
    def answer(operation: Callable[[Invocation], Reply], caller: Caller, what: str) -> Reply:
        def refusing(inv: Invocation) -> Reply:
            try:
                return operation(inv)
            except CommandError as error:
                return error.reply()
        return bot.run(refusing, caller, what)

    def today_for(caller: Caller) -> dt.date:
        return bot.clock().astimezone(caller.tz).date()

    def open_form(client: WebClient, trigger_id: str, caller: Caller, *, nation_iso2: str | None = None,
                  visit_id: int | None = None, text: str = "", metadata: dict[str, Any]) -> None:
        view = form_view(bot=bot, nation_iso2=nation_iso2, visit_id=visit_id, today=today_for(caller), text=text,
                         metadata=metadata)
        client.views_open(trigger_id=trigger_id, view=view)

    @app.middleware
    def note_form_and_export(body: dict, context: Any, ack: Any, client: WebClient, respond: Any, next: Callable[[], Any]) -> Any:
        """`/ipslo note` alone opens the form; `/ipslo export <nation>` uploads files. Every other line goes on to /ipslo."""
        if body.get("command") != COMMAND or "caller" not in context:
            return next()
        verb, _, rest = (body.get("text") or "").strip().partition(" ")
        verb = verb.lower()
        if verb == "note" and not rest.strip():
            open_form(client, body["trigger_id"], context["caller"], metadata={"channel": body.get("channel_id")})
            return ack()
        if verb == "export" and rest.strip():
            exported: list[commands.ExportFile] = []

            def operation(inv: Invocation) -> Reply:
                export = commands.export_files(inv, rest)
                exported.extend(export.files)
                return export.reply

            reply = answer(operation, context["caller"], f"/ipslo export {rest!r}")
            if exported:
                threading.Thread(target=upload, args=(client, body, exported, respond), name=AFTER_ACK).start()
            return ack(**views.message(reply))
        return next()

    def upload(client: WebClient, body: dict, files: list[commands.ExportFile], respond: Any) -> None:
        """After the answer: upload to the conversation, or to a direct message if the bot is not in it."""
        uploads = [{"content": f.content, "filename": f.filename, "title": f.title} for f in files]
        try:
            try:
                client.files_upload_v2(file_uploads=uploads, channel=body["channel_id"])
            except SlackApiError as error:
                if error.response.get("error") not in ("not_in_channel", "channel_not_found", "access_denied"):
                    raise
                dm = client.conversations_open(users=body["user_id"])["channel"]["id"]
                client.files_upload_v2(file_uploads=uploads, channel=dm)
        except Exception:
            log.exception("export upload failed for %s", body.get("user_id"))
            respond(text=":warning: The export files could not be uploaded; please try again.", response_type="ephemeral",
                    replace_original=False)

    @app.action(commands.ADD_NOTE)
    def on_add_note(ack: Any, body: dict, action: dict, context: Any, client: WebClient) -> None:
        ack()
        value = action.get("value") or ""
        nation_iso2, visit_id = value or None, None
        if value.startswith("visit:"):
            with bot.database.sessions() as session:
                visit = visit_store.get_visit(session=session, visit_id=int(value.split(":", 1)[1]))
                nation_iso2, visit_id = (visit.nation_iso2, visit.id) if visit else (None, None)
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        open_form(client, body["trigger_id"], context["caller"], nation_iso2=nation_iso2, visit_id=visit_id,
                  metadata={"channel": channel})

    @app.action(NATION_PICKED)
    def on_nation_picked(ack: Any, body: dict, action: dict, context: Any, client: WebClient) -> None:
        ack()
        view = body["view"]
        nation_iso2 = (action.get("selected_option") or {}).get("value")
        metadata = json.loads(view.get("private_metadata") or "{}")
        text = "".join(
            ((view["state"]["values"].get(f"text_{n}") or {}).get("value") or {}).get("value") or ""
            for n in range(int(metadata.get("parts", 1)))
        )
        fresh = form_view(bot=bot, nation_iso2=nation_iso2, visit_id=None, today=today_for(context["caller"]),
                          text=text, metadata=metadata)
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=fresh)

    @app.shortcut(SHORTCUT)
    def on_save_message(ack: Any, body: dict, context: Any, client: WebClient) -> None:
        ack()
        message, channel = body.get("message") or {}, (body.get("channel") or {}).get("id")
        permalink = None
        if channel and message.get("ts"):
            try:
                permalink = client.chat_getPermalink(channel=channel, message_ts=message["ts"])["permalink"]
            except SlackApiError as error:
                log.warning("chat.getPermalink failed: %s", error.response.get("error"))
        text = message.get("text") or ""
        open_form(client, body["trigger_id"], context["caller"], nation_iso2=guess_nation(bot, text), text=text,
                  metadata={"channel": channel, "permalink": permalink, "author": message.get("user")})

    @app.view(NOTE_FORM)
    def on_submit(ack: Any, body: dict, view: dict, context: Any, client: WebClient) -> None:
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
        ack()
        metadata = json.loads(view.get("private_metadata") or "{}")
        tell(client, context["caller"].user_id, metadata.get("channel"), reply)

    def tell(client: WebClient, user_id: str, channel: str | None, reply: Reply) -> None:
        message = {k: v for k, v in views.message(reply).items() if k != "response_type"}
        if channel:
            try:
                client.chat_postEphemeral(channel=channel, user=user_id, **message)
                return
            except SlackApiError as error:
                log.info("ephemeral reply in %s failed (%s); sending a direct message", channel, error.response.get("error"))
        client.chat_postMessage(channel=user_id, **message)

    @app.action(commands.NOTES_MORE)
    def on_more_notes(ack: Any, action: dict, context: Any, respond: Any) -> None:
        ack()
        reply = answer(lambda inv: commands.more_notes(inv, action["value"]), context["caller"], "notes: More")
        respond(**views.message(reply), replace_original=False)

    @app.action(commands.SEARCH_MORE)
    def on_more_search(ack: Any, action: dict, context: Any, respond: Any) -> None:
        ack()
        reply = answer(lambda inv: commands.more_search(inv, action["value"]), context["caller"], "search: More")
        respond(**views.message(reply), replace_original=False)
