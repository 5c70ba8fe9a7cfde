"""What operators see: logs (text, or one JSON object a line with ``LOG_FORMAT=json``) and Prometheus metrics.

Every Slack request runs inside a ``request_context``: a request id, the kind of request, the subcommand (its first
word only), the caller's member ID and the outcome are added to each log line written while it is handled. What
officers wrote (command text, form fields, message text) is kept in the context only to be cut out of any log line
that would repeat it; it is never written. Tokens and the signing secret are never logged by this module.

Counters other parts of the bot increment: ``delivery_retried``, ``delivery_failed``, ``delivery_sent``.
Gauges read from the database at each scrape: reminders by state, scheduler lag (``DatabaseCollector``).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from storage.reminders import CLAIMED, PENDING, Reminder

log = logging.getLogger("ipslo.http")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
REDACTED = "[officer text]"
#: Officer-written text shorter than this is not cut out of log lines (it would cut ordinary words).
REDACT_MIN_CHARS = 4

# --- request context -------------------------------------------------------------------------------------------


@dataclass
class RequestContext:
    """One Slack request as the logs and metrics describe it."""

    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    kind: str = "-"  # command, block_actions, view_submission, shortcut, event, ...
    subcommand: str | None = None  # first word of a command, mapped to a known subcommand (never the rest)
    user: str | None = None
    outcome: str | None = None  # answered, refused, failed, ...
    failed: bool = False  # an error was logged while handling it
    started: float = field(default_factory=time.perf_counter)
    officer_text: tuple[str, ...] = ()  # cut out of log lines, never written

    @property
    def milliseconds(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 1)


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("ipslo_request", default=None)


@contextmanager
def request_context() -> Iterator[RequestContext]:
    context = RequestContext()
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def current() -> RequestContext | None:
    return _current.get()


def note_outcome(outcome: str) -> None:
    """Say how the request being handled ended (``answered``, ``refused``, ``failed``); no-op outside a request."""
    context = _current.get()
    if context is not None and context.outcome in (None, "answered"):
        context.outcome = outcome


@functools.cache
def command_vocabulary() -> frozenset[str]:
    """The words that name a command or what it does (``visit``, ``reminders``, ``note``, ``list``, ``cancel``,
    ``help``, ...): typed alone they are no officer's text, and the log names the subcommand."""
    import commands.ipslo as ipslo

    words: set[str] = set(ipslo.HELP_WORDS) | set(ipslo.SHARE_WORDS) | {"all", "list", "mine"}
    for sub in ipslo.SUBCOMMANDS:
        words.update((sub.name, *sub.aliases))
    for module in (ipslo.notes, ipslo.reminders, ipslo.visits, ipslo.coe):
        for name in dir(module):
            value = getattr(module, name)
            if name.endswith("_VERBS") and isinstance(value, (tuple, frozenset, set, dict)):
                words.update(word for word in value if isinstance(word, str))
    return frozenset(word.lower() for word in words)


def command_words_only(piece: str) -> bool:
    """Whether ``piece`` is nothing but command words (``reminders``, ``visit list``): not the officer's text."""
    words = piece.lower().split()
    try:
        vocabulary = command_vocabulary()
    except Exception:  # the commands could not be read: cut everything out, as before
        return False
    return bool(words) and all(word in vocabulary for word in words)


def keep_out_of_logs(*texts: str | None) -> None:
    """Officer-written text of this request: cut out of any log line that repeats it. The command's own words
    (``/ipslo visit``, ``reminders all``) are not the officer's text and are left in."""
    context = _current.get()
    if context is None:
        return
    pieces = list(context.officer_text)
    for text in texts:
        if not text:
            continue
        for piece in (text, *text.splitlines(), repr(text)[1:-1]):
            piece = piece.strip()
            if len(piece) >= REDACT_MIN_CHARS and piece not in pieces and not command_words_only(piece):
                pieces.append(piece)
    context.officer_text = tuple(sorted(pieces, key=len, reverse=True))


# --- logging ---------------------------------------------------------------------------------------------------


class ContextFilter(logging.Filter):
    """Adds the request's id, kind, subcommand and caller to each record; notes an error against the request."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get()
        if context is not None:
            for name in ("request_id", "kind", "subcommand", "user"):
                if not hasattr(record, name):
                    setattr(record, name, getattr(context, name))
            if record.levelno >= logging.ERROR:
                context.failed = True
        return True


#: A traceback's frame line (``  File "bot/visits.py", line 12, in open_visit_form``): the code's own words.
FRAME_LINE = re.compile(r'^\s*File ".*", line \d+(, in .*)?$')


def redact_traceback(text: str, pieces: tuple[str, ...]) -> str:
    """Officer text cut out of a traceback; its frame lines (file paths, function names) are the bot's code, never
    the officer's words, and stay as they are."""
    lines = []
    for line in text.split("\n"):
        if not FRAME_LINE.match(line):
            for piece in pieces:
                line = line.replace(piece, REDACTED)
        lines.append(line)
    return "\n".join(lines)


class RedactFilter(logging.Filter):
    """Cuts the request's officer-written text out of the message and any traceback before a line is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get()
        if context is None or not context.officer_text:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for piece in context.officer_text:
            message = message.replace(piece, REDACTED)
        if record.exc_text:
            record.exc_text = redact_traceback(record.exc_text, context.officer_text)
        if record.stack_info:
            record.stack_info = redact_traceback(record.stack_info, context.officer_text)
        record.msg, record.args = message, None
        if record.exc_text:
            record.exc_info = None  # the redacted text is written instead
        return True


#: Libraries' routine lines, kept out of the log at INFO: Alembic's "Context impl ..." and "setup plugin ..." for
#: each ``/readyz`` (a migration it runs is still written), APScheduler's two lines for each poll of the reminders.
QUIET_INFO = ("alembic.runtime", "apscheduler.executors", "apscheduler.scheduler")
#: Quiet at INFO only: warnings and errors (a job that raised, one that missed its time) are written as ever.
QUIET_LOGGERS = ("apscheduler.executors", "apscheduler.scheduler")


class NoiseFilter(logging.Filter):
    """Keeps libraries' routine lines out of the log, never a failure:

    - Alembic's INFO lines about its context and plugins (each ``/readyz`` reads the schema's revision);
      ``Running upgrade ...`` (a migration applied) is kept.
    - APScheduler's INFO lines (``Running job``, ``executed successfully``: two a poll).
    - Bolt's start-up warning that the bot's ``client`` is used rather than SLACK_BOT_TOKEN (it is meant so).
    - Bolt's multi-line ``[Suggestion]`` code after ``Unhandled request (...)``: the first line is kept; the whole is
      written only when Bolt's loggers are at DEBUG.
    - slack_sdk's ERROR ``Failed to send a request to Slack API server`` is written as a WARNING: slack_sdk tries the
      request again where its retry handlers allow, and a request that fails for good raises to the bot, which
      reports it (as an error, where it is one).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        if record.levelno == logging.INFO and name.startswith(QUIET_INFO):
            return name.startswith("alembic") and str(record.msg).startswith("Running ")
        if name.startswith("slack_bolt"):
            message = record.getMessage()
            if message.startswith("As you gave `client` as well"):
                return False
            if "[Suggestion]" in message and not logging.getLogger(name).isEnabledFor(logging.DEBUG):
                record.msg, record.args = message.split("\n", 1)[0].rstrip(), None
        elif (
            name.startswith("slack_sdk")
            and record.levelno == logging.ERROR
            and str(record.msg).startswith("Failed to send a request to Slack API server")
        ):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def log_format(env: dict[str, str] | None = None) -> str:
    value = ((env if env is not None else os.environ).get("LOG_FORMAT") or "text").strip().lower()
    return "json" if value == "json" else "text"


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    return logging.Formatter(TEXT_FORMAT)


def prepare_handler(handler: logging.Handler, kind: str | None = None) -> logging.Handler:
    """Give a handler our format and filters (used for our own handler and gunicorn's)."""
    handler.setFormatter(formatter(kind or log_format()))
    for filter_class in (NoiseFilter, ContextFilter, RedactFilter):  # (noise first: a retry is no failed request)
        if not any(isinstance(f, filter_class) for f in handler.filters):
            handler.addFilter(filter_class())
    return handler


def configure_logging(level: int = logging.INFO, kind: str | None = None) -> None:
    """One handler on stderr for the whole process: text by default, JSON with ``LOG_FORMAT=json``."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(prepare_handler(logging.StreamHandler(sys.stderr), kind))
    root.setLevel(level)
    for name in QUIET_LOGGERS:  # not even made into records (NoiseFilter keeps them out of any other handler)
        logging.getLogger(name).setLevel(max(level, logging.WARNING))


def log_request(context: RequestContext, status: int, *, level: int = logging.INFO, detail: str = "") -> None:
    """The one line a Slack request leaves in the log: who, which subcommand, the outcome and how long it took."""
    what = context.kind + (f" {context.subcommand}" if context.subcommand else "")
    by = f" by {context.user}" if context.user else ""
    log.log(
        level,
        "Slack %s%s: %s (%s) in %.1f ms%s",
        what,
        by,
        context.outcome,
        status,
        context.milliseconds,
        f"; {detail}" if detail else "",
        extra={
            "request_id": context.request_id,
            "kind": context.kind,
            "subcommand": context.subcommand,
            "user": context.user,
            "outcome": context.outcome,
            "status": status,
            "ms": context.milliseconds,
        },
    )


# --- metrics ---------------------------------------------------------------------------------------------------

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)

COMMANDS = Counter("ipslo_commands", "/ipslo commands answered, by subcommand and outcome", ["subcommand", "outcome"])
COMMAND_SECONDS = Histogram(
    "ipslo_command_seconds", "Time to answer an /ipslo command, by subcommand", ["subcommand"], buckets=LATENCY_BUCKETS
)
REQUESTS = Counter("ipslo_slack_requests", "Slack requests to /slack/events, by kind and outcome", ["kind", "outcome"])
REQUEST_SECONDS = Histogram(
    "ipslo_slack_request_seconds", "Time to answer a Slack request, by kind", ["kind"], buckets=LATENCY_BUCKETS
)
REJECTED = Counter(
    "ipslo_http_refused", "Requests refused at the HTTP boundary (401 unsigned, 400 malformed, 413, 408)", ["status"]
)
DELIVERIES_RETRIED = Counter(
    "ipslo_reminder_deliveries_retried", "Reminder deliveries tried again after a temporary failure", ["reason"]
)
DELIVERIES_FAILED = Counter("ipslo_reminder_deliveries_failed", "Reminder deliveries that failed for good", ["reason"])
DELIVERY_LATENESS = Histogram(
    "ipslo_reminder_delivery_lateness_seconds",
    "How long after its time a reminder reached Slack",
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
)


def record_request(context: RequestContext, status: int) -> None:
    seconds = time.perf_counter() - context.started
    outcome = context.outcome or "answered"
    REQUESTS.labels(context.kind, outcome).inc()
    REQUEST_SECONDS.labels(context.kind).observe(seconds)
    if context.kind == "command":
        COMMANDS.labels(context.subcommand or "unknown", outcome).inc()
        COMMAND_SECONDS.labels(context.subcommand or "unknown").observe(seconds)


def delivery_retried(reason: str) -> None:
    """A reminder delivery hit a temporary failure (5xx, 429, timeout) and will be tried again."""
    DELIVERIES_RETRIED.labels(reason).inc()


def delivery_failed(reason: str) -> None:
    """A reminder delivery failed for good (Slack's error code, or ``missed`` when its grace period ran out)."""
    DELIVERIES_FAILED.labels(reason).inc()


def delivery_sent(lateness_seconds: float) -> None:
    """A reminder reached Slack this long after its time."""
    DELIVERY_LATENESS.observe(max(lateness_seconds, 0.0))


class DatabaseCollector(Collector):
    """Read at each scrape: reminders by state, scheduler lag (the oldest due reminder not yet sent), database up."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def collect(self) -> Iterable[Any]:
        up = GaugeMetricFamily("ipslo_database_up", "1 when the database answered this scrape")
        try:
            now = dt.datetime.now(dt.UTC)
            with self.engine.connect() as connection:
                counts = dict(connection.execute(select(Reminder.state, func.count()).group_by(Reminder.state)).all())
                waiting = Reminder.state.in_((PENDING, CLAIMED)), Reminder.due_at <= now
                oldest = connection.execute(select(func.min(Reminder.due_at)).where(*waiting)).scalar()
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        states = GaugeMetricFamily("ipslo_reminders", "Reminders by state", labels=["state"])
        for state, count in sorted(counts.items()):
            states.add_metric([state], count)
        yield states
        lag = GaugeMetricFamily(
            "ipslo_scheduler_lag_seconds", "How long the oldest due reminder not yet sent has been waiting (0: none)"
        )
        if oldest is not None and oldest.tzinfo is None:  # SQLite through a raw column: naive UTC
            oldest = oldest.replace(tzinfo=dt.UTC)
        lag.add_metric([], max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
        yield lag


def metrics_text(engine: Engine | None) -> bytes:
    """The Prometheus text exposition: this process's (or every worker's, in multiprocess mode) and the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    if engine is not None:
        scrape = CollectorRegistry()
        scrape.register(DatabaseCollector(engine))
        text += generate_latest(scrape)
    return text


def serve_metrics(port: int) -> None:
    """Metrics on their own port (for the ``worker`` process, which serves no HTTP otherwise)."""
    from prometheus_client import start_http_server

    start_http_server(port)
