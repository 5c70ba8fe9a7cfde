"""Serving the Bolt app to Slack: HTTP through gunicorn (``/slack/events``, ``/healthz``, ``/readyz``, ``/metrics``)
or Socket Mode.

In front of Bolt, the HTTP boundary refuses what is not a Slack request before anything reads it:
- a body over ``MAX_BODY`` bytes is refused by its Content-Length (413) without being read;
- the body is read whole (a request that does not arrive within ``WEB_READ_TIMEOUT`` seconds, headers included, has
  its connection closed: see ``ArrivalDeadlineWorker``);
- an unsigned or badly signed request is refused (401) before its body is parsed;
- a signed but malformed one (not UTF-8, empty, ``payload=`` that is not a JSON object, a payload without the
  fields its kind needs or with the wrong JSON types, or naming no user: ``bot/middleware.check_shape``) gets 400;
- Slack's retry (``X-Slack-Retry-Num``) of an event or interaction already handled is acknowledged and not redone;
- ``app_rate_limited`` (sent without a subscription) is acknowledged and logged.
Each of these leaves one log line without the body; each Slack request handled leaves one line with its outcome.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from gunicorn.workers.gthread import ThreadWorker
from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request.internals import build_context
from sqlalchemy import Engine

from bot import calendar, observability
from bot.middleware import Malformed, check_shape
from bot.runtime import Database
from bot.settings import Settings, SettingsError, seconds
from storage import slack_requests
from storage.db import alembic_config, ping, utcnow

log = logging.getLogger("ipslo.http")

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000  # bytes; Slack's payloads are a few kilobytes
READ_TIMEOUT = 10.0  # seconds a request may take to arrive (WEB_READ_TIMEOUT)
PROCESS = f"{socket.gethostname()}:{os.getpid()}"

WSGIApp = Callable[..., Iterable[bytes]]


class Refused(Exception):
    """A request refused at the boundary: its HTTP status and the one line the log and the client get."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --- reading a request under a deadline ------------------------------------------------------------------------


class Arrivals:
    """Deadlines for requests still arriving, one per gunicorn thread; a watchdog closes the late ones' sockets.

    gunicorn's threads read headers (and our code the body) with blocking reads: a client that sends part of a
    request and stalls holds a thread. The worker registers the connection when a thread takes it; the request
    counts as arrived once ``wsgi_app`` has read its body. A connection still arriving at its deadline is shut down:
    the blocked read returns at once, the thread is free, and one line says so.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[int, tuple[float, socket.socket, str, float]] = {}
        self._cut: set[int] = set()
        self._watchdog: threading.Thread | None = None

    def expect(self, sock: socket.socket, seconds: float, client: str) -> None:
        with self._lock:
            self._pending[threading.get_ident()] = (time.monotonic() + seconds, sock, client, seconds)
            self._cut.discard(threading.get_ident())
            if self._watchdog is None or not self._watchdog.is_alive():
                self._watchdog = threading.Thread(target=self._watch, name="arrival-deadlines", daemon=True)
                self._watchdog.start()

    def arrived(self) -> bool:
        """This thread's request has arrived whole; False when its deadline had already closed it."""
        ident = threading.get_ident()
        with self._lock:
            self._pending.pop(ident, None)
            return ident not in self._cut

    def forget(self) -> None:
        with self._lock:
            self._pending.pop(threading.get_ident(), None)
            self._cut.discard(threading.get_ident())

    def _watch(self) -> None:
        while True:
            time.sleep(0.25)
            now = time.monotonic()
            with self._lock:
                late = [(ident, *entry[1:]) for ident, entry in self._pending.items() if entry[0] <= now]
                for ident, *_ in late:
                    del self._pending[ident]
                    self._cut.add(ident)
            for _, sock, client, waited in late:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                observability.REJECTED.labels("408").inc()
                log.warning("Closed a connection from %s: its request had not arrived after %ss", client, waited)


ARRIVALS = Arrivals()


def read_timeout(env: dict[str, str] | None = None) -> float:
    text = (env if env is not None else os.environ).get("WEB_READ_TIMEOUT", "").strip()
    if not text:
        return READ_TIMEOUT
    return seconds(
        "WEB_READ_TIMEOUT", text, low=0.5, high=300, meaning=" (how long a request may take to arrive)", example="10"
    )


class ArrivalDeadlineWorker(ThreadWorker):
    """gunicorn's threaded worker, with a deadline for each request to arrive (headers and body)."""

    def handle(self, conn: Any) -> Any:
        client = conn.client[0] if isinstance(conn.client, tuple) else str(conn.client)
        ARRIVALS.expect(conn.sock, read_timeout(), client)
        try:
            return super().handle(conn)
        finally:
            ARRIVALS.forget()


def read_body(environ: dict[str, Any]) -> bytes:
    """The whole body, at most MAX_BODY bytes, refused by its Content-Length before anything is read."""
    length_text = environ.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if length_text:
        try:
            length = int(length_text)
        except ValueError:
            raise Refused("400 Bad Request", f"Content-Length {length_text[:20]!r} is not a number") from None
        if length > MAX_BODY:
            raise Refused("413 Content Too Large", f"a body of {length:,} bytes is over the {MAX_BODY:,}-byte limit")
    elif chunked:
        length = MAX_BODY + 1
    else:
        length = 0
    try:
        body = environ["wsgi.input"].read(length) if length else b""
    except Exception:  # the client went away, or its deadline closed the connection
        body = None
    if not ARRIVALS.arrived() or body is None or (not chunked and len(body) < length):
        raise Refused("408 Request Timeout", "the body did not arrive whole")
    if len(body) > MAX_BODY:
        raise Refused("413 Content Too Large", f"a chunked body over the {MAX_BODY:,}-byte limit")
    return body


def signed_by_slack(body: bytes, environ: dict[str, Any], secret: str, *, now: float | None = None) -> bool:
    """Slack's signature over the exact bytes (any bytes: a body that is not UTF-8 is still checked, then refused),
    made within the last 5 minutes."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > 60 * 5:
        return False
    expected = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={expected}", signature)


# --- what Slack sent ---------------------------------------------------------------------------------------------


def parse(body: bytes, content_type: str) -> dict[str, Any]:
    """The request as Slack meant it: a JSON object (events) or a form (commands, ``payload=`` interactions)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("400 Bad Request", "the body is not UTF-8") from None
    if not text.strip():
        raise Refused("400 Bad Request", "the body is empty")
    if content_type.startswith("application/json"):
        return json_object(text, "the JSON body")
    form = {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}
    if "payload" in form:
        return {"payload": json_object(form["payload"], "payload")}
    if "command" in form or "ssl_check" in form:
        return form
    raise Refused("400 Bad Request", "the form has neither a command nor a payload")


def bolt_request(body: bytes, request: dict[str, Any], environ: dict[str, Any]) -> BoltRequest:
    """The request as Bolt takes it, with the body :func:`parse` read (an interaction's payload, else the request):
    Bolt's own reading would parse it again, and reads a slash command whose text has the word "payload" in it as an
    empty body (slack_bolt 1.30 ``parse_body``), which no listener takes. Bolt still checks the signature over the
    raw body, which lazy listeners read again."""
    form_payload = "payload" in request and not environ.get("CONTENT_TYPE", "").startswith("application/json")
    req = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=WsgiHttpRequest(environ).get_headers())
    req.raw_body = body.decode("utf-8")  # parse() has checked it is UTF-8
    req.body = request["payload"] if form_payload else request
    req.context = build_context(BoltContext({}), req.body)
    return req


def json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise Refused("400 Bad Request", f"{what} is not JSON") from None
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise Refused("400 Bad Request", f"{what} is not a JSON object with a type")
    return value


def describe(request: dict[str, Any], context: observability.RequestContext) -> str | None:
    """Fill in the context (kind, subcommand, caller), keep officer text out of the logs; the key for retries."""
    from commands.ipslo import HELP_WORDS, find_subcommand

    if "command" in request:
        context.kind = "command"
        context.user = str(request.get("user_id") or "")[:32] or None
        first, _, rest = (request.get("text") or "").strip().partition(" ")
        sub = find_subcommand(first) if first else None
        context.subcommand = sub.name if sub else ("help" if not first or first.lower() in HELP_WORDS else "unknown")
        observability.keep_out_of_logs(rest, request.get("text"))
        return None  # Slack does not retry slash commands
    if "ssl_check" in request:
        context.kind = "ssl_check"
        return None
    payload = request.get("payload") or request
    kind = str(payload.get("type"))[:40]
    context.kind = kind
    user: dict[str, Any] = payload["user"] if isinstance(payload.get("user"), dict) else {}
    context.user = str(user.get("id") or payload.get("user_id") or "")[:32] or None
    observability.keep_out_of_logs(*officer_text(payload))
    if kind == "event_callback":
        event: dict[str, Any] = payload["event"] if isinstance(payload.get("event"), dict) else {}
        context.kind = f"event {str(event.get('type'))[:40]}"
        context.user = context.user or (str(event.get("user"))[:32] if isinstance(event.get("user"), str) else None)
        return f"event:{payload.get('event_id')}" if payload.get("event_id") else None
    if payload.get("trigger_id"):
        return f"trigger:{payload['trigger_id']}"
    return None


def officer_text(payload: dict[str, Any]) -> Iterable[str]:
    """Text officers wrote in a payload: form fields, a shortcut's message, an event's message."""
    view: dict[str, Any] = payload["view"] if isinstance(payload.get("view"), dict) else {}
    state: dict[str, Any] = view["state"] if isinstance(view.get("state"), dict) else {}
    for block in (state.get("values") or {}).values():
        for element in (block or {}).values() if isinstance(block, dict) else ():
            if isinstance(element, dict) and isinstance(element.get("value"), str):
                yield element["value"]
    for holder in (payload.get("message"), payload.get("event")):
        if isinstance(holder, dict) and isinstance(holder.get("text"), str):
            yield holder["text"]
    if isinstance(payload.get("value"), str):  # type-ahead
        yield payload["value"]


# --- the WSGI application ----------------------------------------------------------------------------------------


def plain(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    body = (text + "\n").encode() if text else b""
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def schema_is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration this code knows."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


def wsgi_app(app: App, database: Database, may_use: Callable[[str], bool] = lambda user_id: True) -> WSGIApp:
    """Slack's requests at /slack/events; /healthz (alive), /readyz (database and schema ready), /metrics; calendar
    feeds of officers who may use the bot (``may_use``: IPSLO_OFFICERS); 404 else."""
    secret = getattr(app, "_signing_secret", "") or ""
    remembered = {"count": 0}

    def events(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with observability.request_context() as context:
            key = None
            try:
                if environ.get("REQUEST_METHOD") != "POST":
                    raise Refused("405 Method Not Allowed", f"{environ.get('REQUEST_METHOD')} is not POST")
                body = read_body(environ)
                if secret and not signed_by_slack(body, environ, secret):
                    raise Refused("401 Unauthorized", "not signed with the signing secret, or older than 5 minutes")
                request = parse(body, environ.get("CONTENT_TYPE", ""))
                key = describe(request, context)
                try:  # what Bolt and our listeners read, there and of the JSON type Slack sends, and who sent it
                    check_shape(request)
                except Malformed as malformed:
                    kind = "slash command" if "command" in request else context.kind.split()[0]
                    raise Refused("400 Bad Request", f"malformed {kind}: {malformed}") from None
                if key is None and context.kind not in ("command", "ssl_check", "url_verification"):
                    key = request_key(body)
                if request.get("type") == "app_rate_limited":
                    context.outcome = "rate-limited"
                    minute = request.get("minute_rate_limited")
                    observability.log_request(
                        context, 200, level=logging.WARNING, detail=f"Slack held back events for the minute {minute}"
                    )
                    observability.record_request(context, 200)
                    return plain(start_response, "200 OK", "")
                retry = environ.get("HTTP_X_SLACK_RETRY_NUM")
                if key is not None and not remember(key):
                    if retry:
                        context.outcome = "retry-skipped"
                        observability.log_request(
                            context,
                            200,
                            detail=f"Slack's retry {retry[:3]} ({environ.get('HTTP_X_SLACK_RETRY_REASON', '')[:40]}) "
                            "of a request already handled: acknowledged, not done again",
                        )
                        observability.record_request(context, 200)
                        return plain(start_response, "200 OK", "")
                    key = None  # the same id again without a retry header: handle it, and keep the first record
            except Refused as refusal:
                context.outcome = "rejected"
                code = int(refusal.status.split()[0])
                observability.REJECTED.labels(str(code)).inc()
                client = environ.get("HTTP_X_FORWARDED_FOR") or environ.get("REMOTE_ADDR") or "?"
                log.warning(
                    "Refused a request to %s from %s: %s (%s)",
                    EVENTS_PATH,
                    client.split(",")[0].strip()[:64],
                    refusal.reason,
                    code,
                    extra={"outcome": "rejected", "status": code, "ms": context.milliseconds},
                )
                return plain(start_response, refusal.status, f"Refused: {refusal.reason}.")

            answer = app.dispatch(bolt_request(body, request, environ))
            response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
            start_response(response.status, response.get_headers())
            result = list(response.get_body())
            status = answer.status
            if context.failed or status >= 500:
                context.outcome = "failed"
            elif context.outcome is None:
                context.outcome = "answered" if status < 400 else "refused"
            if key is not None and context.outcome == "failed":
                forget(key)  # Slack's retry of a request that failed on our side is handled
            troubled = status >= 400 or context.outcome == "failed"
            observability.log_request(context, status, level=logging.WARNING if troubled else logging.INFO)
            observability.record_request(context, status)
            return result

    def remember(key: str) -> bool:
        """True the first time a request is seen (by any process); the database failing is no reason to refuse."""
        try:
            with database.sessions.begin() as session:
                now = utcnow()
                first = slack_requests.first_arrival(session=session, key=key, now=now, received_by=PROCESS)
                remembered["count"] += 1
                if remembered["count"] % 200 == 1:
                    slack_requests.prune(session=session, now=now)
                return first
        except Exception as error:
            log.warning("Could not record a Slack request for retries (%s)", error.__class__.__name__)
            return True

    def forget(key: str) -> None:
        try:
            with database.sessions.begin() as session:
                slack_requests.forget(session=session, key=key)
        except Exception as error:
            log.warning("Could not forget a failed Slack request (%s)", error.__class__.__name__)

    feeds = calendar.feed_app(database, may_use)  # /calendar/<token>.ics

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == EVENTS_PATH:
            return events(environ, start_response)
        ARRIVALS.arrived()  # nothing more to read for these
        if path.startswith(calendar.PREFIX):
            return feeds(environ, start_response)
        if path == "/healthz":  # alive: the process answers (and says whether the database does)
            healthy = ping(database.engine)
            return json_response(start_response, 200 if healthy else 503, {"ok": healthy, "database": up(healthy)})
        if path == "/readyz":  # ready for Slack: the database answers and is at the newest schema
            try:
                current = schema_is_current(database.engine)
                answering = True
            except Exception:
                current = answering = False
            body = {"ok": current, "database": up(answering), "schema": "current" if current else "not current"}
            return json_response(start_response, 200 if current else 503, body)
        if path == "/metrics":
            text = observability.metrics_text(database.engine)
            start_response(
                "200 OK",
                [("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), ("Content-Length", str(len(text)))],
            )
            return [text]
        return plain(start_response, "404 Not Found", "Not found. Slack sends requests to /slack/events.")

    return application


def up(answering: bool) -> str:
    return "up" if answering else "down"


def json_response(start_response: Callable[..., Any], status: int, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    reason = "OK" if status == 200 else "Service Unavailable"
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def request_key(body: bytes) -> str:
    return "body:" + hashlib.sha256(body).hexdigest()


# --- gunicorn ----------------------------------------------------------------------------------------------------


def web_processes(settings: Settings, env: dict[str, str] | None = None) -> tuple[int, int]:
    """``WEB_CONCURRENCY`` worker processes (default 1) and ``WEB_THREADS`` threads in each (default 8)."""
    env = dict(os.environ if env is None else env)

    def count(name: str, default: int, limit: int, advice: str) -> int:
        text = (env.get(name) or "").strip() or str(default)
        if not text.isdigit() or not 1 <= int(text) <= limit:
            raise SettingsError(f"{name} must be a whole number from 1 to {limit} ({advice}); got {text!r}.")
        return int(text)

    workers = count("WEB_CONCURRENCY", 1, 64, "web worker processes: 1 on SQLite, 2 per core on PostgreSQL")
    threads = count("WEB_THREADS", 8, 256, "threads per web worker, default 8")
    if workers > 1 and settings.database_url.startswith("sqlite"):
        raise SettingsError(
            f"WEB_CONCURRENCY={workers} needs PostgreSQL: SQLite serves one web process (set WEB_CONCURRENCY=1, "
            "or DATABASE_URL=postgresql://...)."
        )
    read_timeout(env)
    return workers, threads


def run_gunicorn(
    application: WSGIApp,
    *,
    port: int,
    workers: int = 1,
    threads: int = 8,
    post_fork: Callable[[], None] | None = None,
    worker_started: Callable[[], None] | None = None,
) -> None:
    """Serve a WSGI app with gunicorn in this process: threads answering in the request thread, each request
    bounded in size (``MAX_BODY``) and in the time it may take to arrive (``WEB_READ_TIMEOUT``)."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.glogging import Logger

    class QuietLogger(Logger):
        """gunicorn's own lines in our format (JSON with LOG_FORMAT=json), with our filters."""

        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            for handler in self.error_log.handlers:
                observability.prepare_handler(handler)

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "bot.serve.ArrivalDeadlineWorker")
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", 30)
            self.cfg.set("graceful_timeout", 20)
            self.cfg.set("keepalive", 5)
            # Slack's requests have a short request line and a dozen headers.
            self.cfg.set("limit_request_line", 4094)
            self.cfg.set("limit_request_fields", 50)
            self.cfg.set("limit_request_field_size", 8190)
            self.cfg.set("accesslog", None)
            self.cfg.set("errorlog", "-")
            self.cfg.set("logger_class", QuietLogger)
            if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
                from prometheus_client import multiprocess

                self.cfg.set("child_exit", lambda server, worker: multiprocess.mark_process_dead(worker.pid))
            if post_fork is not None:
                self.cfg.set("post_fork", lambda server, worker: post_fork())
            if worker_started is not None:
                self.cfg.set("post_worker_init", lambda worker: worker_started())

        def load(self) -> WSGIApp:
            return application

    Server().run()


def serve_http(
    app: App, database: Database, settings: Settings, *, worker_started: Callable[[], None] | None = None
) -> None:
    """Slack's requests over HTTP on $PORT: WEB_CONCURRENCY worker processes of WEB_THREADS threads;
    ``worker_started`` runs in each worker (the scheduler)."""
    workers, threads = web_processes(settings)
    log.info(
        "Serving Slack requests on http://0.0.0.0:%s%s (%s worker process%s, %s threads each)",
        settings.port,
        EVENTS_PATH,
        workers,
        "" if workers == 1 else "es",
        threads,
    )
    # The app was built before the fork: each worker opens its own database connections.
    run_gunicorn(
        wsgi_app(app, database, settings.may_use),
        port=settings.port,
        workers=workers,
        threads=threads,
        post_fork=lambda: database.engine.dispose(close=False),
        worker_started=worker_started,
    )


def serve_socket_mode(app: App, settings: Settings) -> None:
    """Connect to Slack over a WebSocket (no public URL needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    log.info("Connecting to Slack in Socket Mode")
    SocketModeHandler(app, settings.slack_app_token).start()
