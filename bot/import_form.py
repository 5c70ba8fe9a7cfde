"""The tracker in Slack and on the command line: ``/ipslo export all`` (the team's workbook, by direct message), the
import form (bare ``/ipslo import``, admins: a file field, its preview, then Confirm import),
``python -m bot import FILE [--dry-run]``, and the directory that asks Slack who a lead named in the tracker is."""

from __future__ import annotations

import json
import logging
import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import views
from bot.notes import after_ack
from bot.runtime import COMMAND, Bot, Database, slack_client
from bot.settings import Settings
from bot.views import SLACK, Views, split_text, with_icon
from commands import tracker_import as commands
from commands.ids import Form
from commands.language import (
    Caption,
    CommandError,
    Icon,
    Invocation,
    Mention,
    Reply,
    Section,
    Strong,
    Text,
    Typed,
    plain_text,
    words,
)
from commands.language import lines as one_per_line
from commands.nations import normalize
from storage.db import shown_url, utcnow

log = logging.getLogger("ipslo")


class SlackDirectory:
    """Who a lead is, as Slack says: ``users.lookupByEmail`` for addresses, the member list for names (one match)."""

    def __init__(self, client: WebClient):
        self.client = client
        self._by_name: dict[str, set[str]] | None = None

    def member_for(self, typed: str) -> str | None:
        if "@" in typed:
            try:
                return self.client.users_lookupByEmail(email=typed)["user"]["id"]
            except SlackApiError as error:
                log.info("users.lookupByEmail found no member for an imported lead (%s)", error.response.get("error"))
                return None
        found = self.names().get(normalize(typed), set())
        return next(iter(found)) if len(found) == 1 else None

    def names(self) -> dict[str, set[str]]:
        if self._by_name is None:
            self._by_name = {}
            cursor = None
            while True:
                page = self.client.users_list(limit=200, **({"cursor": cursor} if cursor else {}))
                for user in page.get("members") or []:
                    if user.get("deleted") or user.get("is_bot"):
                        continue
                    profile = user.get("profile") or {}
                    for name in (user.get("real_name"), user.get("name"), profile.get("display_name")):
                        if name:
                            self._by_name.setdefault(normalize(name), set()).add(user["id"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        return self._by_name


class OfficerDirectory:
    """Without Slack: the officers the bot has met (their Slack names, as last cached)."""

    def __init__(self, database: Database):
        from sqlalchemy import select

        from storage.officers import Officer

        with database.sessions() as session:
            self.by_name: dict[str, set[str]] = {}
            for officer in session.scalars(select(Officer)):
                self.by_name.setdefault(normalize(officer.name), set()).add(officer.user_id)

    def member_for(self, typed: str) -> str | None:
        found = self.by_name.get(normalize(typed), set())
        return next(iter(found)) if len(found) == 1 else None


def is_export_all(body: dict) -> bool:
    return (body.get("text") or "").lower().split() == ["export", "all"]


def answer_export_all(ack: Ack, body: dict, context: BoltContext) -> None:
    """`/ipslo export all` (admins): the answer now; the workbook follows by direct message (``send_workbook``)."""
    bot: Bot = context["bot"]
    made: list[commands.Workbook] = []

    def operation(inv: Invocation) -> Reply:
        workbook = commands.export_all(inv)
        made.append(workbook)
        return workbook.reply

    reply = bot.run(operation, context["caller"], "/ipslo export all")
    if made and not reply.refused:
        context["workbook"] = made[0]
    ack(**bot.views.message(reply))


@after_ack
def send_workbook(body: dict, context: BoltContext, client: WebClient, respond: Respond) -> None:
    workbook: commands.Workbook | None = context.get("workbook")
    if workbook is None:
        return
    try:
        dm = client.conversations_open(users=body["user_id"])["channel"]["id"]
        upload = {"content": workbook.content, "filename": workbook.filename, "title": workbook.title}
        client.files_upload_v2(file_uploads=[upload], channel=dm)
    except Exception:
        log.exception("export all: upload failed for %s", body.get("user_id"))
        try:
            respond(
                text=":warning: The workbook could not be sent; please try again.",
                response_type="ephemeral",
                replace_original=False,
            )
        except Exception:
            log.exception("could not tell %s that the workbook failed", body.get("user_id"))


# --- the import form: a file, its preview, Confirm import ------------------------------------------------------

FILE_BLOCK = "file"  # the file field's block and action id
TITLE = "Import the tracker"
VIEW_BLOCKS = 95  # of Slack's 100 per modal, for the preview's text
PREVIEW_ROWS = 20  # rows to add and rows on record shown in the preview (every unreadable row is shown, up to ...)
PREVIEW_PROBLEMS = 400
DOWNLOAD_SECONDS = 20


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def is_bare_import(body: dict) -> bool:
    """`/ipslo import` with nothing after it: the form."""
    return (body.get("text") or "").strip().lower() == "import"


def upload_view(views: Views = SLACK, *, problem: Text | None = None) -> dict[str, Any]:
    """The form: one file field (CSV or .xlsx, one file); submitting it shows the preview. ``problem``: what was wrong
    with the file attached before, shown above the field."""
    view = {
        "type": "modal",
        "callback_id": Form.IMPORT,
        "title": plain(TITLE),
        "submit": plain("Preview"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": FILE_BLOCK,
                "label": plain("The tracker: CSV or Excel (.xlsx), up to 5 MB"),
                "element": {
                    "type": "file_input",
                    "action_id": FILE_BLOCK,
                    "filetypes": ["csv", "xlsx"],
                    "max_files": 1,
                },
            },
            {
                "type": "context",
                "elements": [
                    views.text(
                        words(
                            "Sheets of visits, assessments and notes, with the columns the README names (Nation or "
                            "Country, Start, End, Lead or POC, Date, Outcome, Note, …). ",
                            Strong("Preview"),
                            " shows what it would add, what is on record already and every row it cannot read; "
                            "nothing is written until you press ",
                            Strong("Confirm import"),
                            ".",
                        )
                    )
                ],
            },
        ],
    }
    if problem is not None:
        view["blocks"] = [{"type": "section", "text": views.text(with_icon(Icon.WARNING, problem))}, *view["blocks"]]
    return view


def attached_file(view: dict[str, Any]) -> str | None:
    """The id of the file attached to the form (Slack's view state: ``{"type": "file_input", "files": [...]}``)."""
    element = ((view.get("state") or {}).get("values") or {}).get(FILE_BLOCK, {}).get(FILE_BLOCK) or {}
    files = element.get("files") or []
    return files[0].get("id") if files and isinstance(files[0], dict) else None


def text_blocks(lines: Sequence[Text], views: Views = SLACK) -> list[dict[str, Any]]:
    """Lines as sections within Slack's limits (3000 characters a section, 100 blocks a modal)."""
    pieces = split_text(views.style.text(one_per_line(lines)))
    out: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": views.style.rich, "text": piece}} for piece in pieces[:VIEW_BLOCKS]
    ]
    if len(pieces) > VIEW_BLOCKS:
        out.append({"type": "context", "elements": [views.text("…more than a form can show; see the command line.")]})
    return out


def preview_view(preview: commands.Preview, *, file_id: str, views: Views = SLACK) -> dict[str, Any]:
    """The form turned into the preview; its submit button is Confirm import (when there is anything to add)."""
    lines = preview.lines(
        dry_run=True,
        limit=PREVIEW_ROWS,
        problem_limit=PREVIEW_PROBLEMS,
        closing=commands.PREVIEW_CLOSING if preview.added else "Nothing to add: every row is on record or unreadable.",
    )
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": Form.IMPORT_PREVIEW,
        "title": plain(TITLE),
        "close": plain("Cancel"),
        "blocks": text_blocks(lines, views),
        "private_metadata": json.dumps({"file": file_id}),
    }
    if preview.added:
        view["submit"] = plain("Confirm import")
    return view


def done_view(lines: Sequence[Text], views: Views = SLACK) -> dict[str, Any]:
    """The preview turned into what was written (or why nothing was)."""
    return {
        "type": "modal",
        "callback_id": Form.IMPORT_DONE,
        "title": plain(TITLE),
        "close": plain("Done"),
        "blocks": text_blocks(lines, views),
    }


def said(reply: Reply) -> str:
    """A refusal as one line for beside the field: what is wrong, then what to do instead."""
    said = " ".join(plain_text(part.text) for part in reply.parts if isinstance(part, Section | Caption))
    return said or plain_text(reply.text)


def fetch_upload(client: WebClient, file_id: str) -> commands.Tracker:
    """The attached file, as Slack gives it to the bot: ``files.info`` names it and gives ``url_private_download``,
    fetched with the bot token (Slack answers a sign-in page without it), then read. CommandError says what is wrong."""
    try:
        info = client.files_info(file=file_id)["file"]
    except SlackApiError as error:
        log.warning("files.info failed for an attached tracker: %s", error.response.get("error"))
        raise CommandError(
            f"Slack would not give me the file ({error.response.get('error')}).", hint="Attach it again."
        ) from None
    name = info.get("name") or info.get("title") or file_id
    commands.check_upload(file_name=name, filetype=info.get("filetype") or "", size=int(info.get("size") or 0))
    url = info.get("url_private_download") or info.get("url_private")
    if not url:
        raise CommandError(f"Slack gave no address to download {name} from.", hint="Attach it again.")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_SECONDS) as response:
            kind = response.headers.get("Content-Type") or ""
            data = response.read(commands.MAX_UPLOAD_BYTES + 1)
    except OSError as error:
        log.warning("downloading an attached tracker failed: %s", error)
        raise CommandError(f"I could not download {name} from Slack just now.", hint="Try again in a minute.") from None
    if kind.startswith("text/html"):
        log.error("url_private_download answered a web page: is the files:read scope granted?")
        raise CommandError(
            f"Slack sent a sign-in page instead of {name}.",
            hint="The app needs the files:read scope: reinstall it from manifest.yml, then attach the file again.",
        )
    commands.check_upload(file_name=name, filetype=info.get("filetype") or "", size=len(data))
    return commands.read_tracker(name, data)


def open_import_form(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Bare `/ipslo import`: the form for admins (opened before the ack: a trigger lasts 3 seconds); others told why."""
    caller = context.get("caller")
    if caller is None:  # refused by the officer middleware already
        ack()
        return
    bot: Bot = context["bot"]
    if not caller.is_admin:
        ack(**bot.views.message(commands.NOT_ADMIN.reply()))
        return
    try:
        client.views_open(trigger_id=body["trigger_id"], view=upload_view(bot.views))
    except SlackApiError as error:
        log.warning("views.open failed for the import form: %s", error.response.get("error"))
        why = CommandError(
            "Slack would not open the import form.",
            hint=words("Type ", Typed("/ipslo import"), " again, or ", commands.IMPORT_USAGE, "."),
        )
        ack(**bot.views.message(why.reply()))
        return
    ack()


def preview_import(ack: Ack, view: dict, context: BoltContext) -> None:
    """The form submitted: who and whether a file is attached are checked at once (said beside the field); then the
    form says it is reading the file, and the preview follows after Slack has its answer (:func:`show_preview`: a
    large tracker takes longer to fetch and read than Slack's 3 seconds)."""
    bot: Bot = context["bot"]
    caller = context["caller"]
    file_id = attached_file(view)
    if not caller.is_admin:
        ack(response_action="errors", errors={FILE_BLOCK: views.clip(said(commands.NOT_ADMIN.reply()), 2000)})
        return
    if not file_id:
        ack(response_action="errors", errors={FILE_BLOCK: "Attach the tracker: one CSV or .xlsx file."})
        return
    context["import_file"] = file_id
    reading = words(Icon.WORKING, " Reading the file… the preview shows here in a moment.")
    ack(response_action="update", view=done_view([reading], bot.views))


@after_ack
def show_preview(body: dict, context: BoltContext, client: WebClient) -> None:
    """The attached file fetched, read and planned (nothing written); the form becomes the preview. What is wrong
    with the file (not CSV or .xlsx, too large, unreadable) is said on the form, its file field offered again."""
    file_id: str | None = context.get("import_file")
    if file_id is None:
        return
    bot: Bot = context["bot"]
    caller = context["caller"]
    view_id = body["view"]["id"]
    try:
        tracker = fetch_upload(client, file_id)
    except CommandError as error:
        _show(client, view_id, upload_view(bot.views, problem=said(error.reply())))
        return
    people = commands.resolve_people(commands.people_in(tracker), SlackDirectory(client))  # Slack: before the session
    made: list[commands.Preview] = []

    def operation(inv: Invocation) -> Reply:
        made.append(commands.preview_upload(inv, tracker=tracker, people=people))
        return Reply(made[0].lines(dry_run=True)[0])

    reply = bot.run(operation, caller, "import form: preview")
    if reply.refused or not made:
        _show(client, view_id, upload_view(bot.views, problem=said(reply)))
        return
    _show(client, view_id, preview_view(made[0], file_id=file_id, views=bot.views))


def _show(client: WebClient, view_id: str, view: dict[str, Any]) -> None:
    """The form shows ``view``; when the officer has closed it meanwhile there is nothing to show it in (and nothing
    was written)."""
    try:
        client.views_update(view_id=view_id, view=view)
    except SlackApiError as error:
        log.info("import form: views.update failed (%s); the form was closed", error.response.get("error"))


def confirm_import(ack: Ack, view: dict, context: BoltContext) -> None:
    """Confirm import, answered at once: the preview becomes "Importing…" and the writing follows after Slack has its
    answer (``write_import``: a large file takes longer than the 3 seconds Slack waits). Officers are refused."""
    caller, views = context["caller"], context["bot"].views
    if not caller.is_admin:
        log.warning("an import confirmation from %s, who is not an admin, was refused", caller.user_id)
        refused = [said(commands.NOT_ADMIN.reply()), "Nothing was written."]
        ack(response_action="update", view=done_view(refused, views))
        return
    file_id = json.loads(view.get("private_metadata") or "{}").get("file")
    if not file_id:
        lost: list[Text] = [
            "This form has lost its file; nothing was written.",
            words("Type ", Typed("/ipslo import"), " again."),
        ]
        ack(response_action="update", view=done_view(lost, views))
        return
    context["import_file"] = file_id
    working = words(Icon.WORKING, " Importing… this form shows the result.")
    ack(response_action="update", view=done_view([working], views))


@after_ack
def write_import(body: dict, context: BoltContext, client: WebClient) -> None:
    """The confirmed file fetched again and written under the team's import lock, imported by the caller; a second
    press finds its rows on record and adds nothing. The form shows what was written."""
    file_id: str | None = context.get("import_file")
    if file_id is None:
        return
    bot: Bot = context["bot"]
    caller = context["caller"]
    lines: Sequence[Text]
    try:
        tracker = fetch_upload(client, file_id)
    except CommandError as error:
        lines = [said(error.reply()), "Nothing was written."]
    else:
        people = commands.resolve_people(commands.people_in(tracker), SlackDirectory(client))
        made: list[commands.Preview] = []

        def operation(inv: Invocation) -> Reply:
            made.append(commands.confirm_upload(inv, tracker=tracker, people=people))
            return Reply(made[0].lines(dry_run=False)[0])

        reply = bot.run(operation, caller, "import form: confirm")
        if reply.refused or not made:
            lines = [said(reply), "Nothing was written."]
        else:
            preview = made[0]
            log.info("import form: %s imported %s (%d added)", caller.user_id, preview.file_name, len(preview.added))
            closing = (
                words(
                    "Imported by ",
                    Mention(caller.user_id),
                    ": each record keeps the file and row it came from. Importing it again adds nothing.",
                )
                if preview.added
                else "Nothing added: every row was on record already (imported before?) or unreadable."
            )
            lines = preview.lines(dry_run=False, limit=PREVIEW_ROWS, problem_limit=PREVIEW_PROBLEMS, closing=closing)
    try:
        client.views_update(view_id=body["view"]["id"], view=done_view(lines, bot.views))
    except SlackApiError as error:  # the form was closed: say it by direct message
        log.info(
            "import form: views.update failed (%s); telling %s directly", error.response.get("error"), caller.user_id
        )
        client.chat_postMessage(
            channel=caller.user_id, text=views.clip(bot.views.style.text(one_per_line(lines)), 3000)
        )


def register(app: App, bot: Bot) -> None:
    """Registered before bot/notes.py, whose `/ipslo export <nation>` would otherwise take `export all`."""
    app.command(COMMAND, matchers=[is_export_all])(ack=answer_export_all, lazy=[send_workbook])
    app.command(COMMAND, matchers=[is_bare_import])(open_import_form)
    app.view(Form.IMPORT)(ack=preview_import, lazy=[show_preview])
    app.view(Form.IMPORT_PREVIEW)(ack=confirm_import, lazy=[write_import])


def run_import(
    *, settings: Settings, database: Database, path: str, dry_run: bool, user_id: str | None, out: TextIO | None = None
) -> int:
    """``python -m bot import FILE [--dry-run] [--user U…]``: what it would add, what is there, what it cannot read."""
    out = out or sys.stdout
    file = Path(path)
    if not file.is_file():
        print(f"ipslo-bot: no file at {path}.", file=sys.stderr)
        return 2
    try:
        tracker = commands.read_tracker(file.name, file.read_bytes())
    except CommandError as error:
        print(f"ipslo-bot: {error.message} {error.hint or ''}".rstrip(), file=sys.stderr)
        return 2
    directory: Any = SlackDirectory(slack_client(settings)) if settings.slack_bot_token else OfficerDirectory(database)
    people = commands.resolve_people(commands.people_in(tracker), directory)  # outside any transaction: Slack calls
    with database.sessions() as session:
        inv = commands.importer_invocation(
            session=session,
            user_id=user_id or "cli",
            now=utcnow(),
            tz=settings.team_tz,
            visit_reminders=tuple(o.days for o in settings.visit_reminders),
        )
        preview = commands.plan(session=session, tracker=tracker, people=people, today=inv.today)
        if not dry_run:
            commands.apply(inv, preview)
            session.commit()
    for line in preview.lines(dry_run=dry_run):
        print(plain_text(line), file=out)
    if not dry_run:
        print(f"Written to {shown_url(settings.database_url)} as imported by {user_id}.", file=out)
    return 0
