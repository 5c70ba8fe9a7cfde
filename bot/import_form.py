"""The tracker in Slack and on the command line: ``/ipslo export all`` (the team's workbook, by direct message),
``python -m bot import FILE [--dry-run]``, and the directory that asks Slack who a lead named in the tracker is."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import views
from bot.notes import after_ack
from bot.runtime import COMMAND, Bot, Database, slack_client
from bot.settings import Settings
from commands import tracker_import as commands
from commands.language import CommandError, Invocation, Reply
from commands.nations import normalize
from storage.db import utcnow

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
    ack(**views.message(reply))


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


def register(app: App, bot: Bot) -> None:
    """Registered before bot/notes.py, whose `/ipslo export <nation>` would otherwise take `export all`."""
    app.command(COMMAND, matchers=[is_export_all])(ack=answer_export_all, lazy=[send_workbook])


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
        print(line, file=out)
    if not dry_run:
        print(f"Written to {settings.database_url} as imported by {user_id}.", file=out)
    return 0
