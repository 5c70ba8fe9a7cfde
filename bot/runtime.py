"""The shared runtime every listener needs: the database, the Web API client, the ``Bot`` (settings, clock,
who is asking) and the one error boundary that turns a refusal into a reply. ``bot/app.py`` wires listeners to it."""

from __future__ import annotations

import datetime as dt
import inspect
import itertools
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient
from sqlalchemy import Engine
from sqlalchemy import exc as sql_errors
from sqlalchemy.orm import sessionmaker

from bot import observability
from bot.settings import Settings
from bot.views import SLACK_MENTION, Views
from commands import ipslo
from commands.language import (
    Aside,
    Button,
    Buttons,
    Caller,
    Caption,
    CommandError,
    Divider,
    Icon,
    Invocation,
    Link,
    Mention,
    Menu,
    Quote,
    Reply,
    Section,
    Strong,
    Struck,
    Typed,
    member,
)
from storage import officers, repeats
from storage.db import (
    VersionReader,
    hold_start_lock,
    make_engine,
    make_readers,
    make_sessions,
    migrate,
    record_reference_load,
    reference_digest,
    reference_is_loaded,
    utcnow,
)
from storage.knowledge import load_knowledge
from storage.nations import load_reference

log = logging.getLogger("ipslo")

COMMAND = "/ipslo"
CALLER_CACHE_SECONDS = 300.0  # an officer's profile is kept in memory this long (in the database for a day)


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker
    readers: sessionmaker = field(init=False)  # for operations that only read: no transaction to begin or commit
    versions: VersionReader = field(init=False, repr=False)  # what status and nations show, as committed now

    def __post_init__(self) -> None:
        self.readers = make_readers(self.engine)
        self.versions = VersionReader(self.engine)

    def dispose(self) -> None:
        """Close every connection this database holds (at the end of a test; a process's end closes them anyway)."""
        self.versions.close()
        self.engine.dispose()


def open_database(settings: Settings) -> Database:
    """Connect, migrate to the newest schema and load the shipped reference data (all idempotent; the reference data
    only when it changed since this database last loaded it)."""
    engine = make_engine(settings.database_url)
    migrate(engine)
    sessions = make_sessions(engine)
    digest = reference_digest()
    with sessions.begin() as session:
        hold_start_lock(session)  # one process loads changed reference data; the others then find it loaded
        if not reference_is_loaded(session=session, digest=digest):
            load_reference(session=session)
            load_knowledge(session=session)
            record_reference_load(session=session, digest=digest)
    return Database(engine, sessions)


#: Web API methods a form is shown with (views.open and views.push carry a trigger_id, which lives 3 seconds; an
#: update answers a press in a form): asked once, never after Slack's Retry-After or a backoff, which would outlast
#: the trigger and hold the request (and Slack's 3 s for its answer) meanwhile. bot/opening.py says why not instead.
SHOWN_ONCE = ("views.open", "views.push", "views.update")
#: Asked once too: who is typing (users.info, for the officer's zone) is asked inside Slack's 3 s for the answer, and a
#: refusal already falls back to the profile kept, else the team's zone (``Bot._look_up_caller``).
ASKED_ONCE = (*SHOWN_ONCE, "users.info")


def asked_once(request: HttpRequest) -> bool:
    """Whether a call is one of :data:`ASKED_ONCE`: never waited out or asked again."""
    method = urlsplit(request.url).path.rstrip("/").rpartition("/")[2]
    return method in ASKED_ONCE


class NotForAskedOnce(RetryHandler):
    """A retry handler that leaves the calls of :data:`ASKED_ONCE` alone (put before slack_sdk's handler)."""

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return not asked_once(request) and super().can_retry(
            state=state, request=request, response=response, error=error
        )


class RateLimitRetry(NotForAskedOnce, RateLimitErrorRetryHandler):
    """A 429 waited out (Slack's Retry-After) and asked again, but for :data:`ASKED_ONCE`."""


class ServerErrorRetry(NotForAskedOnce, ServerErrorRetryHandler):
    """A 500 or 503 asked again after a backoff, but for :data:`ASKED_ONCE`."""


def slack_client(settings: Settings) -> WebClient:
    """A Web API client for Slack, GovSlack or a stand-in, retrying rate limits and Slack's server errors (but for
    the calls asked once: :data:`ASKED_ONCE`)."""
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    client.retry_handlers.append(RateLimitRetry(max_retry_count=3))
    client.retry_handlers.append(ServerErrorRetry(max_retry_count=2))
    return client


#: Control characters no officer means to write (NUL breaks PostgreSQL text; the others are invisible): removed
#: from everything Slack sends, the same way whatever the database. Newline and tab stay; CR LF becomes LF.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
#: What cleaning changes (carriage returns too): most strings Slack sends hold none, and are kept as they are.
TO_CLEAN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\r]")


def clean_input(value: Any, changed: list[str] | None = None) -> Any:
    """``value`` (a request body, a form, a string) with control characters removed from every string, in place;
    each string that changed is added to ``changed`` when it is given."""
    if isinstance(value, str):
        if TO_CLEAN.search(value) is None:
            return value
        cleaned = CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
        if changed is not None and cleaned != value:
            changed.append(value)
        return cleaned
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = clean_input(item, changed)
    elif isinstance(value, list):
        value[:] = [clean_input(item, changed) for item in value]
    return value


#: Between a command's words: tabs (pasted from a spreadsheet) and the spaces pasted from Outlook, Word or a web page
#: (no-break U+00A0, figure U+2007, narrow no-break U+202F, thin U+2009, the other typographic spaces, ideographic
#: U+3000). Never a line break.
PASTED_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
WORD = re.compile(r"\S+")  # parted by any space, the pasted ones too


def command_spaces(text: str) -> str:
    """A slash command's text, spaced as it is meant, before any listener reads it (the special forms' matchers,
    `/ipslo export` and `calendar`, as well as commands/ipslo.py): a tab or pasted space between the words that
    select the command and what it acts on (``ipslo.command_words``: "note edit 12") is a space; the rest, a note's
    text, stays as typed, its tabs and no-break spaces too."""
    found = list(itertools.islice(WORD.finditer(text), 4))
    head = ipslo.command_words([w.group() for w in found])
    end = found[head].start() if head < len(found) else len(text)
    return PASTED_SPACES.sub(" ", text[:end]) + text[end:]


def unescape_slack(text: str) -> str:
    """What the officer wrote, from Slack's text: ``&amp;`` ``&lt;`` ``&gt;`` unescaped, and each person mentioned
    (``<@U123|lee>``) written as the officer's language writes a person (``@U123``: commands/ never reads Slack's
    syntax). A channel and a link (``<#C123|name>``, ``<https://…|label>``) stay markup, shown as such again by
    bot/views.py, which turns ``@U123`` back into a mention."""
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return SLACK_MENTION.sub(lambda found: member(found[1]), text)


def keep_for_lazy_listeners(req: BoltRequest, body: dict) -> None:
    """Bolt's lazy listeners read the request's raw body again (HTTP mode): give them the cleaned, unescaped one."""
    if req.mode != "http" or not isinstance(req.raw_body, str):
        return
    content_type = " ".join(req.headers.get("content-type") or [])
    if "json" in content_type:
        req.raw_body = json.dumps(body)
    elif "payload" in parse_qs(req.raw_body):
        req.raw_body = urlencode({"payload": json.dumps(body)})
    elif all(isinstance(value, str) for value in body.values()):
        req.raw_body = urlencode(body)


class Direct(Middleware):
    """A global middleware that Bolt calls as it is, with what it names of ``body``, ``context``, ``next`` and ``req``:
    Bolt builds a function middleware's keyword arguments from everything it knows at each request (about 5 µs)."""

    def __init__(self, func: Callable[..., Any]):
        self.func = func
        self.names = tuple(inspect.signature(func).parameters)
        if not set(self.names) <= {"body", "context", "next", "req"}:
            raise ValueError(f"{func.__name__} takes only body, context, next and req")

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> Any:
        given = {"body": req.body, "context": req.context, "next": next, "req": req}
        return self.func(**{name: given[name] for name in self.names})

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


def json_response(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(payload), headers={"content-type": "application/json"})


def notice_view(text: str) -> dict[str, Any]:
    """A modal that only says ``text``."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "IPSLO bot"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def database_unavailable(error: BaseException) -> bool:
    """True when ``error`` means the database is not answering (down, restarting, unreachable, out of connections),
    rather than a fault in what was asked of it."""
    if isinstance(error, sql_errors.TimeoutError | sql_errors.DisconnectionError):  # pool exhausted, connection lost
        return True
    if isinstance(error, sql_errors.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, sql_errors.OperationalError | sql_errors.InterfaceError):
            said = str(error.orig).lower()
            return not any(fault in said for fault in ("no such ", "syntax error"))  # SQLite says these are operational
    return False


def unavailable_reply() -> Reply:
    text = "The database is not answering; nothing was saved. Try again in a minute."
    return Reply(text, parts=(Section(f":warning: {text}"),), refused=True)


#: A command repeated within this long of the officer's last write is answered with its first reply.
REPEAT_WINDOW = dt.timedelta(minutes=5)


def reply_to_json(reply: Reply) -> str:
    """A reply as JSON, to answer the same command again (``storage/repeats.py``): every part and inline meaning."""

    def encode(value: Any) -> Any:
        if isinstance(value, Icon):
            return {"kind": "Icon", "value": value.value}
        if is_dataclass(value) and not isinstance(value, type):
            return {"kind": type(value).__name__, **{f.name: encode(getattr(value, f.name)) for f in fields(value)}}
        if isinstance(value, tuple | list):
            return [encode(item) for item in value]
        return value

    return json.dumps(encode(reply))


def reply_from_json(stored: str) -> Reply:
    """The reply again; one stored before inline meaning existed (no ``kind`` on the reply or its buttons) too."""

    def decode(value: Any, default: str | None = None) -> Any:
        if isinstance(value, dict) and value.get("kind") == "Icon":
            return Icon(value["value"])
        if isinstance(value, dict):
            kind = _KINDS[value.get("kind") or default or ""]
            inner = {"buttons": "Button", "accessory": "Button"} if kind in (Buttons, Section) else {}
            return kind(**{name: decode(item, inner.get(name)) for name, item in value.items() if name != "kind"})
        if isinstance(value, list):
            return tuple(decode(item, default) for item in value)
        return value

    reply = decode(json.loads(stored), "Reply")
    if not isinstance(reply, Reply):
        raise ValueError("not a stored reply")
    return reply


_KINDS: dict[str, type] = {
    kind.__name__: kind
    for kind in (
        Reply,
        Section,
        Caption,
        Divider,
        Buttons,
        Button,
        Menu,
        Mention,
        Strong,
        Aside,
        Struck,
        Typed,
        Link,
        Quote,
    )
}


def repeated(first: Reply) -> Reply:
    """The first answer again, saying that nothing was done twice."""
    note = Caption("You sent this same command again just now: this is its first answer, and nothing was done twice.")
    return replace(first, parts=(*first.parts, note))


def failure_reply(reference: str) -> Reply:
    text = (
        "Something went wrong on our side and nothing was saved. Please try again; if it keeps happening, "
        f"give the team reference {reference}."
    )
    return Reply(text, parts=(Section(f":construction: {text}"),), refused=True)


class ReplyCache:
    """Answers of ``/ipslo status`` and ``nations`` (``Subcommand.kept``), each kept under the version of the data it
    was drawn from (``storage.db.DataChanges``, read by ``VersionReader``). The database raises the version in the
    transaction of any change to that data, so a process asks it before each answer (one indexed row) and draws the
    answer again once it moved, whichever process made the change: a lifted COE or a cancelled visit shows at once
    everywhere."""

    LIMIT = 2000  # answers kept per process (several per nation: officers' days in different zones, spellings)

    def __init__(self) -> None:
        self._kept: tuple[int, dict[tuple, Reply]] | None = None  # replaced whole, never half: readers take no lock
        self._lock = threading.Lock()

    def get(self, version: int, key: tuple) -> Reply | None:
        kept = self._kept
        return kept[1].get(key) if kept is not None and kept[0] == version else None

    def put(self, version: int, key: tuple, reply: Reply) -> None:
        with self._lock:
            kept = self._kept
            if kept is not None and version < kept[0]:
                return  # drawn by a slower request under an older version: not kept
            if kept is None or kept[0] != version or len(kept[1]) >= self.LIMIT:
                kept = self._kept = (version, {})
            kept[1][key] = reply


@dataclass
class Bot:
    """What every listener needs: settings, database, the Web API client, the clock, and the officer middleware."""

    settings: Settings
    database: Database
    client: WebClient
    clock: Callable[[], dt.datetime] = utcnow
    views: Views = field(default_factory=Views)  # how replies are drawn: Slack's mrkdwn, or plain text (the console)
    _callers: dict[str, tuple[float, Caller]] = field(default_factory=dict)
    _home: tuple[str | None, str | None] | None = None
    replies: ReplyCache = field(default_factory=lambda: ReplyCache())

    def __deepcopy__(self, memo: dict[int, Any]) -> Bot:
        """Bolt copies the context for lazy listeners; the runtime in it is shared, never copied."""
        return self

    def caller_for(self, user_id: str) -> Caller:
        """Who is asking, with their Slack time zone: kept in memory for minutes, in the database for a day."""
        known = self._callers.get(user_id)
        if known and known[0] > time.monotonic():
            return known[1]
        caller, from_slack = self._look_up_caller(user_id)
        keep = CALLER_CACHE_SECONDS if from_slack else 30.0  # ask Slack again soon if it could not answer
        self._callers[user_id] = (time.monotonic() + keep, caller)
        return caller

    def _look_up_caller(self, user_id: str) -> tuple[Caller, bool]:
        settings = self.settings
        try:
            with self.database.sessions() as session:
                officer = officers.get_officer(session=session, user_id=user_id, fresh=False)
                tz_name = officer.tz if officer else None
                known = officer is not None and officers.is_fresh(officer)
        except Exception as error:
            if not database_unavailable(error):
                raise
            log.warning("The database is not answering; %s is taken to be in %s for now", user_id, settings.team_tz.key)
            return Caller(user_id=user_id, tz=settings.team_tz, is_admin=settings.is_admin(user_id)), False
        if not known:
            try:  # outside any transaction: a network call
                user = self.client.users_info(user=user_id)["user"]
                tz_name = user.get("tz") or tz_name or settings.team_tz.key
                with self.database.sessions.begin() as session:  # a database outage here is caught below
                    officers.remember_officer(
                        session=session,
                        user_id=user_id,
                        tz=tz_name,
                        name=user.get("real_name") or user.get("name") or user_id,
                    )
                known = True
            except Exception as error:  # Slack down or refusing: keep the profile we had, else the team's zone
                reason = error.response.get("error") if isinstance(error, SlackApiError) else error.__class__.__name__
                log.warning("users.info failed for %s (%s); using %s", user_id, reason, tz_name or settings.team_tz.key)
        try:
            tz = ZoneInfo(tz_name or settings.team_tz.key)
        except (ZoneInfoNotFoundError, ValueError):
            tz = settings.team_tz
        return Caller(user_id=user_id, tz=tz, is_admin=settings.is_admin(user_id)), known

    def home_team(self) -> tuple[str | None, str | None]:
        """(team_id, enterprise_id) the bot is installed in, from ``auth.test``: asked once, then kept."""
        if self._home is None:
            identity = self.client.auth_test()
            self._home = (identity.get("team_id"), identity.get("enterprise_id"))
        return self._home

    def may_use(self, user_id: str, body: dict) -> bool:
        """IPSLO_OFFICERS (and the admins) when it is set; otherwise every member of the team or Enterprise Grid
        organisation the bot is installed in. A Slack Connect user from elsewhere is refused unless listed."""
        if self.settings.officers or user_id in self.settings.admins:
            return self.settings.may_use(user_id)
        raw_user, raw_event = body.get("user"), body.get("event")
        user: dict = raw_user if isinstance(raw_user, dict) else {}
        event: dict = raw_event if isinstance(raw_event, dict) else {}
        user_team = user.get("team_id") or event.get("user_team") or body.get("user_team_id")
        if not user_team:
            return True  # a slash command: Slack offers it only to members of the workspaces the app is installed in
        try:
            team_id, enterprise_id = self.home_team()
        except Exception as error:  # Slack not answering: its own check on installed workspaces stands
            log.warning("auth.test failed (%s); cannot tell %s's organisation", type(error).__name__, user_id)
            return True
        if user_team == team_id:
            return True
        user_enterprise = user.get("enterprise_id") or event.get("user_enterprise") or None
        return bool(enterprise_id) and user_enterprise == enterprise_id

    def refuse(self, body: dict, user_id: str) -> BoltResponse:
        """A word to someone who may not use the bot, wherever they came from: a command's reply, an ephemeral message
        for a button or a shortcut, a form that says so, a Home tab that says so."""
        text = "Sorry, this bot is for the IPSLO team. Ask an admin to add your Slack member ID to IPSLO_OFFICERS."
        log.info("Refused %s (%s): not an IPSLO officer", user_id, body.get("type") or "command")
        if body.get("command"):
            return json_response({"response_type": "ephemeral", "text": text})
        kind = body.get("type")
        if kind == "view_submission":
            return json_response({"response_action": "update", "view": notice_view(text)})
        try:
            if kind == "shortcut" and body.get("trigger_id"):  # a global shortcut: nowhere to answer but a form
                self.client.views_open(trigger_id=body["trigger_id"], view=notice_view(text))
            elif body.get("response_url"):  # buttons, message shortcuts
                WebhookClient(body["response_url"]).send(text=text, response_type="ephemeral", replace_original=False)
            elif kind == "event_callback" and (body.get("event") or {}).get("type") == "app_home_opened":
                home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
                self.client.views_publish(user_id=user_id, view=home)
        except Exception as error:
            log.warning("Could not tell %s they may not use the bot (%s)", user_id, type(error).__name__)
        return BoltResponse(status=200, body="")

    def identify_officer(
        self, body: dict, context: Any, next: Callable[[], BoltResponse], req: BoltRequest | None = None
    ) -> Any:
        """Middleware: refuse people outside IPSLO_OFFICERS politely; otherwise put the caller in ``context["caller"]``
        and this runtime in ``context["bot"]`` for the listeners.

        First of all, what the officer typed or picked is cleaned of control characters (see :func:`clean_input`).
        """
        changed: list[str] = []
        clean_input(body, changed)
        message = body.get("message") if body.get("type") == "message_action" else None
        for holder in (body if body.get("command") else None, message):  # their text comes escaped
            if isinstance(holder, dict) and isinstance(holder.get("text"), str):
                text = unescape_slack(holder["text"])
                if holder is body:  # a command: its words spaced as meant
                    text = command_spaces(text)
                if text != holder["text"]:
                    changed.append(holder["text"])
                    holder["text"] = text
        if req is not None and changed:  # otherwise the raw body already reads as the body
            keep_for_lazy_listeners(req, body)
        context["bot"] = self
        user_id = body.get("user_id") or (body.get("user") or {}).get("id") or context.user_id
        if not user_id:
            return next()
        if not self.may_use(user_id, body):
            return self.refuse(body, user_id)
        context["caller"] = self.caller_for(user_id)
        return next()

    def run(
        self,
        operation: Callable[[Invocation], Reply],
        caller: Caller,
        what: str,
        *,
        repeat: str | None = None,
        reads_only: bool = False,
        kept_as: str | None = None,
    ) -> Reply:
        """Run an operation in one transaction: committed when answered, rolled back when refused or failed.

        The one error boundary: a refusal (``CommandError``, raised anywhere below) becomes the reply that says
        what to type instead; anything else is our failure, logged with a reference the officer can quote.
        ``repeat``: the command's text. The same text from the same officer within :data:`REPEAT_WINDOW` of their
        last write, which would write again, is answered with that write's reply and rolled back; a repeat that
        writes nothing anyway ("already cancelled") keeps its own answer.
        ``reads_only``: the operation writes nothing (``Subcommand.reads_only``): it runs without a transaction, so
        there is nothing to commit, and a write it tried would fail (``WriteRefused``).
        ``kept_as``: the operation only reads, and its answer depends only on this text, the officer's day and the
        tracked data (``Subcommand.kept``): the answer is kept (:class:`ReplyCache`) and given again until that data
        changes in any process."""
        try:
            now = self.clock()
            if kept_as is not None:  # asked before any session is opened: a kept answer needs none
                version = self.database.versions.read()
                key = (kept_as.strip(), now.astimezone(caller.tz).date(), caller.is_admin)
                kept = self.replies.get(version, key)
                if kept is not None:
                    observability.note_outcome("answered")
                    return kept
            with (self.database.readers if reads_only or kept_as else self.database.sessions)() as session:
                session.info.pop(repeats.WROTE, None)
                invocation = Invocation(
                    caller=caller,
                    session=session,
                    now=now,
                    visit_reminders=tuple(o.days for o in self.settings.visit_reminders),
                )
                try:
                    reply = operation(invocation)
                except CommandError as error:
                    reply = error.reply()
                observability.note_outcome("refused" if reply.refused else "answered")
                if kept_as is not None and not reply.refused:
                    self.replies.put(version, key, reply)
                if reads_only or kept_as is not None:
                    return reply
                if reply.refused:
                    session.rollback()
                    return reply
                if repeat is not None and session.info.get(repeats.WROTE):
                    first = repeats.first_reply(
                        session=session, user_id=caller.user_id, text=repeat, since=now - REPEAT_WINDOW
                    )
                    if first is not None:  # it would be done twice: it is not
                        session.rollback()
                        return repeated(reply_from_json(first))
                    repeats.remember_reply(
                        session=session, user_id=caller.user_id, text=repeat, reply=reply_to_json(reply), now=now
                    )
                session.commit()
                return reply
        except Exception as error:
            if database_unavailable(error):
                log.error("%s by %s: the database is not answering (%s)", what, caller.user_id, type(error).__name__)
                return unavailable_reply()
            reference = uuid.uuid4().hex[:8]
            observability.note_outcome("failed")
            log.exception("%s by %s failed (reference %s)", what, caller.user_id, reference)
            return failure_reply(reference)
