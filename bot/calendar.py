"""Calendar feeds over HTTP (``GET /calendar/<token>.ics`` in the web process) and ``/ipslo calendar`` in Slack,
which needs the web process's public address (IPSLO_PUBLIC_URL) to build the subscription addresses."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode, urlsplit

from slack_bolt import Ack, App, BoltContext

from bot.runtime import COMMAND, Bot, Database
from bot.settings import Settings
from commands import calendar as commands
from commands.ipslo import HELP_WORDS
from storage import calendar as store
from storage.db import utcnow

log = logging.getLogger("ipslo")

PREFIX = "/calendar/"
TOKEN_PATH = re.compile(r"^/calendar/([A-Za-z0-9_-]{20,100})\.ics$")
NOT_FOUND = b"Not found.\n"


def slack_link(settings: Settings, body: dict) -> str | None:
    """A link opening the bot in the officer's workspace (Slack or GovSlack), from the slash command's team and app."""
    team, app_id = body.get("team_id"), body.get("api_app_id")
    if not team or not app_id:
        return None
    parts = urlsplit(settings.slack_api_url)
    return f"{parts.scheme}://{parts.netloc}/app_redirect?" + urlencode({"app": app_id, "team": team})


def is_calendar(body: dict) -> bool:
    verb, _, rest = (body.get("text") or "").strip().partition(" ")
    sub = commands.SUBCOMMANDS[0]
    return (verb.lower() == sub.name or verb.lower() in sub.aliases) and rest.strip().lower() not in HELP_WORDS


def answer_calendar(ack: Ack, body: dict, context: BoltContext) -> None:
    """`/ipslo calendar [reset …]`: answered here, where the public address (IPSLO_PUBLIC_URL) is known."""
    bot: Bot = context["bot"]
    rest = (body.get("text") or "").strip().partition(" ")[2]
    link = slack_link(bot.settings, body)
    reply = bot.run(
        lambda inv: commands.calendar(inv, rest, public_url=bot.settings.public_url, slack_link=link),
        context["caller"],
        "/ipslo calendar",
    )
    ack(**bot.views.message(reply))


def register(app: App, bot: Bot) -> None:
    """Registered before the general `/ipslo` listener, so its matcher is tried first."""
    app.command(COMMAND, matchers=[is_calendar])(answer_calendar)


def feed_app(
    database: Database, may_use: Callable[[str], bool] = lambda user_id: True
) -> Callable[..., Iterable[bytes]]:
    """The WSGI app for /calendar/<token>.ics: the feed, or 404 with no hint whether the address ever existed.
    An officer no longer allowed to use the bot (``may_use``: IPSLO_OFFICERS) gets 404 too, at once."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        match = TOKEN_PATH.match(environ.get("PATH_INFO", ""))
        body: bytes | None = None
        if match and method in ("GET", "HEAD"):
            now = utcnow()
            with database.sessions() as session:
                feed = store.find_feed(session=session, token=match[1])
                if feed is not None and may_use(feed.user_id):
                    body = commands.feed_bytes(session=session, feed=feed, now=now)
                    store.mark_fetched(session=session, feed=feed, at=now)
                    session.commit()
        if body is None:
            start_response(
                "404 Not Found",
                [
                    ("Content-Type", "text/plain"),
                    ("Content-Length", str(len(NOT_FOUND))),
                    ("Cache-Control", "no-store"),
                ],
            )
            return [NOT_FOUND]
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Content-Disposition", 'inline; filename="ipslo.ics"'),
                ("Cache-Control", "private, max-age=300"),
                ("X-Robots-Tag", "noindex"),
                ("Referrer-Policy", "no-referrer"),
            ],
        )
        return [] if method == "HEAD" else [body]

    return application


def write_feed(database: Database, *, user_id: str, scope: str) -> bytes:
    """``python -m bot calendar --user U…``: the officer's feed as the web process would serve it."""
    with database.sessions() as session:
        feed = store.feeds_of(session=session, user_id=user_id).get(scope) or store.CalendarFeed(
            user_id=user_id, scope=scope
        )  # no address made: the file is written all the same
        return commands.feed_bytes(session=session, feed=feed, now=utcnow())
