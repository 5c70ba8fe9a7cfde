"""The log as an operator reads it: libraries' routine lines kept out, failures kept in, the command's own words
and the code's file and function names never cut out as if they were an officer's text."""

from __future__ import annotations

import http.server
import io
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot import observability
from bot.runtime import slack_client
from bot.settings import Settings


class Log:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def read(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def stderr_log() -> Iterator[Log]:
    """The process's logging as ``python -m bot`` sets it up (configure_logging); what it writes to stderr."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in observability.QUIET_LOGGERS}
    observability.configure_logging(logging.INFO, "text")
    stream = io.StringIO()
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)
    yield Log(stream)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)


def open_visit_form(place: str) -> None:
    raise RuntimeError(f"could not plan the visit to {place!r}")


def test_a_one_word_command_is_named_and_tracebacks_keep_their_files_and_functions(stderr_log) -> None:
    with observability.request_context() as context:  # /ipslo visit: the command's name is all that was typed
        context.kind, context.subcommand, context.user = "command", "visit", "U0OFFICER"
        observability.keep_out_of_logs("", "visit")
        try:
            open_visit_form("a visit")
        except RuntimeError:
            logging.getLogger("ipslo").exception("visit failed")
        observability.log_request(context, 200)
    with observability.request_context() as context:  # /ipslo visit list: command words only
        context.kind, context.subcommand, context.user = "command", "visit", "U0OFFICER"
        observability.keep_out_of_logs("list", "visit list")
        observability.log_request(context, 200)
    with observability.request_context() as context:  # /ipslo visit plan Tokyo ...: the officer's words
        context.kind, context.subcommand, context.user = "command", "visit", "U0OFFICER"
        observability.keep_out_of_logs("plan Tokyo port state control", "visit plan Tokyo port state control")
        observability.keep_out_of_logs("Tokyo port state control")
        try:
            open_visit_form("Tokyo port state control")
        except RuntimeError:
            logging.getLogger("ipslo").exception("visit failed")
        observability.log_request(context, 200)
    err = stderr_log.read()
    assert err.count("INFO ipslo.http: Slack command visit by U0OFFICER") == 3
    assert err.count("ERROR ipslo: visit failed") == 2
    assert err.count(f'File "{__file__}"') == 4 and err.count("in open_visit_form") == 2  # the code's own names
    assert "could not plan the visit to 'a visit'" in err  # a command word is no officer text
    assert "could not plan the visit to '[officer text]'" in err  # the officer's words, cut out
    assert "Tokyo" not in err


def test_scheduler_polls_leave_no_lines_and_a_failing_job_still_does(stderr_log) -> None:
    ran = threading.Event()

    def poll() -> None:
        ran.set()

    def broken() -> None:
        raise RuntimeError("the database went away")

    scheduler = BackgroundScheduler()
    scheduler.add_job(poll, "interval", seconds=0.05, id="poll")
    scheduler.add_job(broken, id="broken")
    scheduler.start()
    try:
        assert ran.wait(5)
        time.sleep(0.3)
    finally:
        scheduler.shutdown()
    err = stderr_log.read()
    assert "Running job" not in err and "executed successfully" not in err and "Scheduler started" not in err
    assert "ERROR apscheduler.executors.default: Job" in err and "raised an exception" in err
    assert "RuntimeError: the database went away" in err


def test_readiness_checks_leave_no_alembic_lines(stderr_log, tmp_path) -> None:
    from bot.runtime import open_database
    from bot.serve import schema_is_current

    database = open_database(Settings(database_url=f"sqlite:///{tmp_path / 'ipslo.db'}"))
    try:
        assert schema_is_current(database.engine) and schema_is_current(database.engine)
    finally:
        database.engine.dispose()
    err = stderr_log.read()
    assert "Context impl" not in err and "Will assume" not in err
    assert "alembic" not in err or "Running upgrade" in err  # a migration applied is still written


class DropsFirstRequest(http.server.BaseHTTPRequestHandler):
    """Slack's Web API with one connection reset: the first request is cut off, the next answered."""

    calls = 0

    def do_POST(self) -> None:
        type(self).calls += 1
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if type(self).calls == 1:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            return
        body = b'{"ok": true, "url": "https://standin.slack.local/", "user": "ipslo"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_slack_call_that_succeeds_when_tried_again_is_no_error(stderr_log) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DropsFirstRequest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/api/"
        client = slack_client(Settings(slack_bot_token="xoxb-1", slack_api_url=url))
        with observability.request_context() as context:
            assert client.auth_test()["ok"]
        assert not context.failed  # the request it served is not counted as failed
    finally:
        server.shutdown()
        server.server_close()
    assert DropsFirstRequest.calls == 2
    err = stderr_log.read()
    assert "WARNING slack_sdk.web.base_client: Failed to send a request to Slack API server" in err
    assert "ERROR" not in err
