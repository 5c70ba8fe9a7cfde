"""The HTTP boundary as an operator meets it: garbage refused without a trace, slow clients cut off, Slack's retries
acknowledged once, readiness, metrics, and one log line per request (JSON with LOG_FORMAT=json) without what
officers wrote."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.slack_standin import SlackStandIn, sign
from storage.reminders import Reminder
from tests.conftest import OFFICER, SIGNING_SECRET, Workspace, served
from tests.test_entrypoints import clean_env, free_port

FORM = "application/x-www-form-urlencoded"


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def signed(workspace: Workspace, body: bytes | str, content_type: str = FORM, secret: str = SIGNING_SECRET):
    """Post raw bytes signed as Slack would sign them (Slack signs the exact bytes)."""
    raw = body.encode() if isinstance(body, str) else body
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + raw, hashlib.sha256).hexdigest()
    signature = f"v0={digest}"
    headers = {"content-type": content_type, "x-slack-request-timestamp": timestamp, "x-slack-signature": signature}
    request = urllib.request.Request(workspace.url, data=raw, headers=headers, method="POST")
    return get_request(request)


def get_request(request: urllib.request.Request) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


MALFORMED = [
    pytest.param(b"payload=not-json", FORM, id="payload-not-json"),
    pytest.param(b"payload=%5B1%2C2%5D", FORM, id="payload-a-list"),
    pytest.param(b"[1, 2]", "application/json", id="json-a-list"),
    pytest.param(b"", FORM, id="empty"),
    pytest.param(b"payload=\xff\xfe\xfa", FORM, id="not-utf8"),
    pytest.param(b"hello=1", FORM, id="no-command-no-payload"),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
def test_malformed_requests_get_400_when_signed_and_401_when_not_without_a_traceback(
    workspace: Workspace, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    caplog.set_level(logging.INFO)
    status, answer = signed(workspace, body, content_type, secret="not-the-signing-secret")
    assert status == 401
    status, answer = signed(workspace, body, content_type)
    assert status == 400
    assert answer.startswith(b"Refused: ")
    lines = [r for r in caplog.records if r.name == "ipslo.http"]
    assert len(lines) == 2  # one line each
    assert all(r.getMessage().startswith("Refused a request to /slack/events from 127.0.0.1") for r in lines)
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    tail = body.decode(errors="replace").split("=", 1)[-1]
    if len(tail) >= 6:
        assert tail not in caplog.text  # never the body


def test_a_badly_signed_request_is_logged_in_one_line_without_its_body(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    big = "payload=" + "A" * 500_000
    status, _ = signed(workspace, big, secret="wrong")
    assert status == 401
    assert "AAAAAAAA" not in caplog.text
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
    assert len(caplog.text) < 1000


def raw_request(url: str, head: bytes, body: bytes = b"", *, wait: float = 15) -> bytes:
    host, port = url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(head + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks):
                break
        return b"".join(chunks)


def test_a_body_over_one_megabyte_is_refused_by_its_length_before_it_is_read(workspace: Workspace) -> None:
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 200000000\r\n\r\n"
    )
    answer = raw_request(workspace.url, head, b"payload=")  # 200 MB promised, 8 bytes sent: answered at once
    assert answer.startswith(b"HTTP/1.") and b" 413 " in answer.split(b"\r\n")[0]


def press_snooze(workspace: Workspace, reminder_id: int, *, retry: int | None, body: str | None = None):
    if body is None:
        payload = {
            "type": "block_actions",
            "user": {"id": OFFICER, "username": "kim", "name": "kim", "team_id": workspace.standin.team_id},
            "container": {"type": "message", "message_ts": "1.0", "channel_id": f"D{OFFICER}", "is_ephemeral": False},
            "channel": {"id": f"D{OFFICER}", "name": "directmessage"},
            "actions": [
                {
                    "type": "button",
                    "action_id": "reminder_snooze_hour",
                    "value": str(reminder_id),
                    "block_id": "actions",
                    "action_ts": "1764000000.000001",
                }
            ],
        }
        body, _ = workspace.standin.interaction(payload, signing_secret=SIGNING_SECRET)
    headers = sign(body, SIGNING_SECRET, content_type=FORM)  # a retry is signed afresh, same body
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return workspace.post(body, headers), body


def test_slacks_retry_of_a_handled_button_press_is_acknowledged_and_not_done_again(
    settings, database, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    now = [dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)]
    with (
        served(settings, database, standin, clock=lambda: now[0]) as first,
        served(settings, database, standin, clock=lambda: now[0]) as second,
    ):  # two processes sharing the database
        assert "I'll remind you" in first.command("remind fiji tomorrow 09:00 send agenda").text
        with database.sessions() as session:
            reminder_id = session.scalar(select(Reminder.id))
            # pressed on the message once it has come (a reminder not yet due is snoozed from its own time)
            now[0] = session.get_one(Reminder, reminder_id).due_at + dt.timedelta(minutes=5)
        answer, body = press_snooze(first, reminder_id, retry=None)
        assert answer.status == 200
        snoozed_to = now[0] + dt.timedelta(hours=1)
        now[0] += dt.timedelta(minutes=10)
        for retry in (1, 2):
            again, _ = press_snooze(second, reminder_id, retry=retry, body=body)
            assert again.status == 200 and again.body == {}
        with database.sessions() as session:
            assert session.get(Reminder, reminder_id).due_at == snoozed_to  # snoozed once, not again 10 minutes on
    skipped = [r for r in caplog.records if getattr(r, "outcome", None) == "retry-skipped"]
    assert len(skipped) == 2
    assert "already handled: acknowledged, not done again" in skipped[0].getMessage()


def test_a_retry_of_a_request_never_seen_is_handled(workspace: Workspace) -> None:
    workspace.command("remind fiji tomorrow 09:00 send agenda")
    with workspace.database.sessions() as session:
        reminder_id = session.scalar(select(Reminder.id))
        due = session.get(Reminder, reminder_id).due_at
    answer, _ = press_snooze(workspace, reminder_id, retry=1)  # the first delivery never reached us
    assert answer.status == 200
    with workspace.database.sessions() as session:
        assert session.get(Reminder, reminder_id).due_at != due


def test_app_rate_limited_is_acknowledged_and_logged(workspace: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    body = json.dumps(
        {
            "token": "x",
            "type": "app_rate_limited",
            "team_id": workspace.standin.team_id,
            "minute_rate_limited": 1518467820,
            "api_app_id": workspace.standin.app_id,
        }
    )
    answer = workspace.post(body, sign(body, SIGNING_SECRET))
    assert answer.status == 200
    [line] = [r for r in caplog.records if getattr(r, "outcome", None) == "rate-limited"]
    assert line.levelno == logging.WARNING and "1518467820" in line.getMessage()


def test_readyz_says_when_the_schema_is_not_ready_and_healthz_stays_alive(workspace: Workspace) -> None:
    base = workspace.url.replace("/slack/events", "")
    assert get(f"{base}/readyz")[0] == 200
    with workspace.database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0003'"))  # a release half-migrated
    status, body = get(f"{base}/readyz")
    assert status == 503 and json.loads(body) == {"ok": False, "database": "up", "schema": "not current"}
    assert get(f"{base}/healthz")[0] == 200  # alive: not restarted for it


def test_metrics_count_commands_by_subcommand_and_outcome_and_read_reminders_by_state(workspace: Workspace) -> None:
    from bot import observability

    workspace.command("status fiji")
    workspace.command("status atlantis")  # refused: no such nation
    workspace.command("remind fiji tomorrow 09:00 send agenda")
    observability.delivery_retried("ratelimited")
    observability.delivery_failed("channel_not_found")
    status, body = get(workspace.url.replace("/slack/events", "/metrics"))
    metrics = body.decode()
    assert status == 200
    assert 'ipslo_commands_total{outcome="answered",subcommand="status"}' in metrics
    assert 'ipslo_commands_total{outcome="refused",subcommand="status"}' in metrics
    assert 'ipslo_command_seconds_bucket{le="0.1",subcommand="status"}' in metrics
    assert 'ipslo_reminders{state="pending"} 1.0' in metrics
    assert "ipslo_scheduler_lag_seconds 0.0" in metrics
    assert 'ipslo_reminder_deliveries_retried_total{reason="ratelimited"}' in metrics
    assert 'ipslo_reminder_deliveries_failed_total{reason="channel_not_found"}' in metrics
    assert "ipslo_database_up 1.0" in metrics


def test_note_text_never_reaches_the_log_from_a_failed_command(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with workspace.database.engine.begin() as connection:
        connection.execute(text("DROP TABLE note_follow_ups"))
        connection.execute(text("DROP TABLE note_changes"))
    answer = workspace.command("note fiji Met the DA about the confidential PFSP gaps at Suva")
    assert "Something went wrong on our side" in answer.text
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)  # the failure is logged ...
    assert "confidential PFSP" not in caplog.text  # ... without the officer's words (SQL parameters hidden)
    [line] = [r for r in caplog.records if getattr(r, "outcome", None) == "failed"]
    assert line.subcommand == "note" and line.user == OFFICER


# --- the real web process under gunicorn ------------------------------------------------------------------------


class WebProcess:
    def __init__(self, tmp: Path, standin: SlackStandIn, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp,
            env=clean_env(
                SLACK_BOT_TOKEN=standin.bot_token,
                SLACK_SIGNING_SECRET=SIGNING_SECRET,
                SLACK_API_URL=standin.api_url,
                PORT=str(self.port),
                IPSLO_SCHEDULER="off",
                **env,
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"{self.url}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the web process did not come up:\n" + "\n".join(self.lines))
            time.sleep(0.2)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


@pytest.fixture
def web(tmp_path: Path, standin: SlackStandIn) -> Iterator[WebProcess]:
    web = WebProcess(
        tmp_path,
        standin,
        DATABASE_URL=f"sqlite:///{tmp_path / 'web.db'}",
        LOG_FORMAT="json",
        WEB_THREADS="2",
        WEB_READ_TIMEOUT="1",
    )
    yield web
    assert web.stop() == 0, "\n".join(web.lines)


def stall(url: str, partial: bytes) -> socket.socket:
    host, port = url.split("//")[1].split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(partial)
    return sock


def test_slow_clients_are_cut_off_and_do_not_hold_the_web_threads(web: WebProcess, standin: SlackStandIn) -> None:
    stalled = [
        stall(web.url, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Le"),  # headers unfinished
        stall(web.url, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\npayload="),  # body
        stall(web.url, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"),
        stall(web.url, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n"),
    ]  # twice the web threads (WEB_THREADS=2), every one stalled
    try:
        status, body = get(f"{web.url}/healthz")  # would wait for ever if the stalled clients held the threads
        assert status == 200 and b'"database": "up"' in body
        for sock in stalled:
            assert sock.recv(1000) in (b"",) or sock.recv(1000) == b""  # closed by the server, no answer
        answer = Workspace(f"{web.url}/slack/events", standin, None, None).command("status tonga")  # type: ignore[arg-type]
        assert answer.status == 200 and "Tonga (TO)" in answer.text
    finally:
        for sock in stalled:
            sock.close()
    records = [json.loads(line) for line in web.lines if line.startswith("{")]
    closed = [r for r in records if r["message"].startswith("Closed a connection from 127.0.0.1")]
    assert len(closed) == 4
    assert not any("Traceback" in line for line in web.lines)


def test_json_logs_one_object_a_line_with_request_fields_and_no_secrets(web: WebProcess, standin: SlackStandIn) -> None:
    slack = Workspace(f"{web.url}/slack/events", standin, None, None)  # type: ignore[arg-type]
    assert "Saved" in slack.command("note fiji Met the DA about the confidential PFSP gaps at Suva").text
    assert slack.command("note fiji the secret words again", secret="wrong").status == 401
    time.sleep(0.5)  # let the process write its lines (not a timing assertion)
    output = "\n".join(web.lines)
    records = [json.loads(line) for line in web.lines if line.strip()]  # every line is one JSON object
    [note] = [r for r in records if r.get("subcommand") == "note" and r.get("outcome") == "answered"]
    assert note["user"] == OFFICER and note["kind"] == "command" and note["status"] == 200
    assert isinstance(note["ms"], float) and len(note["request_id"]) == 12
    assert note["level"] == "INFO" and note["logger"] == "ipslo.http" and "time" in note
    [refused] = [r for r in records if r.get("outcome") == "rejected"]
    assert refused["status"] == 401
    for secret in ("confidential", "secret words", SIGNING_SECRET, standin.bot_token):
        assert secret not in output


def test_web_concurrency_above_one_needs_postgresql(tmp_path: Path, standin: SlackStandIn) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=clean_env(
            SLACK_BOT_TOKEN=standin.bot_token,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=standin.api_url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'web.db'}",
            WEB_CONCURRENCY="2",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("ipslo-bot: WEB_CONCURRENCY=2 needs PostgreSQL")


def test_two_web_processes_on_postgresql_serve_slack(tmp_path: Path, standin: SlackStandIn, postgres_url: str) -> None:
    web = WebProcess(tmp_path, standin, DATABASE_URL=postgres_url, WEB_CONCURRENCY="2", WEB_THREADS="4")
    try:
        slack = Workspace(f"{web.url}/slack/events", standin, None, None)  # type: ignore[arg-type]
        for nation in ("tonga", "fiji", "samoa", "palau"):
            assert slack.command(f"status {nation}").status == 200
        assert "(2 worker processes, 4 threads each)" in "\n".join(web.lines)
        assert sum("Booting worker" in line for line in web.lines) == 2
    finally:
        assert web.stop() == 0, "\n".join(web.lines)
