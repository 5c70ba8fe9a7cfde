"""The command line as a newcomer meets it: the console on a fresh machine, HTTP mode under gunicorn, bad settings."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.slack_standin import sign
from tests.conftest import SIGNING_SECRET, Workspace
from tests.standin import CheckedSlack as SlackStandIn

SLACK_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
    "DATABASE_URL",
    "IPSLO_ADMINS",
    "IPSLO_OFFICERS",
    "PORT",
)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SLACK_VARIABLES and not k.lower().endswith("_proxy")}
    env.update(extra)
    return env


def bot(*args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env or clean_env(),
        timeout=120,
    )


def test_piped_console_prints_the_reply_and_exits_zero(tmp_path: Path) -> None:
    result = bot("console", cwd=tmp_path, stdin="/ipslo status fiji\n")
    assert result.returncode == 0, result.stderr
    assert "Fiji (FJ)" in result.stdout
    assert "Status: ❔ No assessment on record" in result.stdout
    assert (tmp_path / "data" / "ipslo.db").exists()  # the SQLite default, migrated on first start


def test_console_keeps_what_an_admin_recorded_between_runs(tmp_path: Path) -> None:
    first = bot("console", "--admin", cwd=tmp_path, stdin="assess fiji 2026-10-03 substantially implementing\n")
    assert "Recorded: Fiji found substantially implementing" in first.stdout
    second = bot(
        "console", cwd=tmp_path, stdin="status fiji\nstatus fjii\nstatus atlantis\nassess fiji 2026-10-04 negative\n"
    )
    assert second.returncode == 0
    assert second.stdout.count("substantially implementing the ISPS Code (3 Oct 2026)") == 2
    assert "I don't know a nation or territory called “atlantis”" in second.stdout
    assert "only admins may run it" in second.stdout
    assert "Traceback" not in second.stdout + second.stderr


def test_run_without_slack_tokens_starts_the_console(tmp_path: Path) -> None:
    result = bot("run", cwd=tmp_path, stdin="help\n")
    assert result.returncode == 0
    assert "No Slack tokens set" in result.stderr
    assert "`/ipslo status <nation>`" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-123"),
        ("DATABASE_URL", "mysql://localhost/x"),
        ("IPSLO_ADMINS", "lee"),
        ("LOG_FORMAT", "xml"),
        ("IPSLO_METRICS_PORT", "9o9o"),
    ],
)
def test_malformed_setting_stops_start_up_with_one_line(tmp_path: Path, variable: str, value: str) -> None:
    result = bot("run", cwd=tmp_path, env=clean_env(**{variable: value}))
    assert result.returncode == 2
    assert result.stderr.startswith(f"ipslo-bot: {variable}")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("IPSLO_METRICS_PORT", "9o9o", "a TCP port number"),
        ("IPSLO_BACKUP_DIR", "/proc/nope", "a folder this process can create and write"),
        ("LOG_FORMAT", "xml", "text (the default) or json"),
    ],
)
def test_the_worker_refuses_a_malformed_setting_with_one_line(
    tmp_path: Path, variable: str, value: str, says: str
) -> None:
    env = clean_env(SLACK_BOT_TOKEN="xoxb-1", DATABASE_URL=f"sqlite:///{tmp_path / 'worker.db'}", **{variable: value})
    result = bot("scheduler", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"ipslo-bot: {variable} must be {says}") and value in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "worker.db").exists()  # stopped before anything was opened


def test_the_database_password_is_never_printed(postgres_url: str, tmp_path: Path) -> None:
    """The release step's ``migrate`` (and ``load-knowledge``, ``import``, a database that cannot be opened) show
    DATABASE_URL with its password masked."""
    with_password = postgres_url.replace("postgres@", "postgres:S3cretPW@", 1)
    assert "S3cretPW" in with_password  # (the test server trusts local connections: any password is let in)
    cwd = tmp_path
    tracker = Path(__file__).parent.parent / "examples" / "tracker-visits.csv"
    runs = [
        bot("migrate", cwd=cwd, env=clean_env(DATABASE_URL=with_password)),
        bot("load-knowledge", cwd=cwd, env=clean_env(DATABASE_URL=with_password)),
        bot("import", str(tracker), "--user", "U0ADMIN", cwd=cwd, env=clean_env(DATABASE_URL=with_password)),
    ]
    for result in runs:
        assert result.returncode == 0, result.stderr
        assert "postgres:***@127.0.0.1" in result.stdout
        assert "S3cretPW" not in result.stdout + result.stderr
    assert "Written to postgresql+psycopg://postgres:***@127.0.0.1" in runs[2].stdout
    unreachable = bot(
        "migrate", cwd=cwd, env=clean_env(DATABASE_URL="postgresql://postgres:S3cretPW@127.0.0.1:1/ipslo")
    )
    assert unreachable.returncode == 2
    assert unreachable.stderr.startswith(
        "ipslo-bot: cannot open the database at DATABASE_URL (postgresql://postgres:***@127.0.0.1:1/ipslo): "
    )
    assert "S3cretPW" not in unreachable.stderr and unreachable.stderr.count("\n") == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_http_mode_serves_slack_and_health_under_gunicorn(tmp_path: Path, standin: SlackStandIn) -> None:
    port = free_port()
    env = clean_env(
        SLACK_BOT_TOKEN=standin.bot_token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'web.db'}",
        IPSLO_SCHEDULER="off",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.poll() is not None else ""
                    pytest.fail(f"the web process did not come up: {output}")
                time.sleep(0.2)
        workspace = Workspace(f"http://127.0.0.1:{port}/slack/events", standin, None, None)
        answer = workspace.command("status tonga")
        assert answer.status == 200 and "Tonga (TO)" in answer.text
        assert workspace.command("status tonga", secret="wrong").status == 401
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Traceback" not in output


def test_the_web_process_log_names_each_command_and_leaves_out_routine_lines(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    """What an operator reads in the web process's log: one line a request naming the subcommand (the command's own
    word is no officer text), no lines from each /readyz, no Bolt warning at start or suggestion code."""
    port = free_port()
    env = clean_env(
        SLACK_BOT_TOKEN=standin.bot_token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'web.db'}",
        IPSLO_SCHEDULER="off",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the web process did not come up: {process.stdout.read() if process.stdout else ''}")
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            assert response.status == 200
        workspace = Workspace(f"http://127.0.0.1:{port}/slack/events", standin, None, None)
        assert workspace.command("reminders").status == 200
        assert workspace.command("visit").status == 200
        assert workspace.command("note Met the PFSO about the secret gangway").status == 200
        event = json.dumps(
            {
                "type": "event_callback",
                "team_id": standin.team_id,
                "api_app_id": standin.app_id,
                "event_id": "Ev0UNHANDLED",
                "event_time": int(time.time()),
                "event": {"type": "reaction_added", "user": "U0OFFICER", "reaction": "eyes", "item": {}},
            }
        )
        assert workspace.post(event, sign(event, SIGNING_SECRET)).status == 404  # Bolt: no listener for it
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Slack command reminders by U" in output and "Slack command visit by U" in output
    assert "Slack command note by U" in output and "secret gangway" not in output
    assert "Slack command [officer text]" not in output
    alembic = [line for line in output.splitlines() if " alembic." in line]
    assert alembic and all(": Running upgrade " in line for line in alembic)  # the migrations at start, then none
    assert "As you gave `client`" not in output
    assert "[Suggestion]" not in output and "@app.event" not in output
    assert "Traceback" not in output


def test_a_token_slack_refuses_stops_start_up_with_one_line(tmp_path: Path, standin: SlackStandIn) -> None:
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-not-the-right-one",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        PORT=str(free_port()),
        DATABASE_URL=f"sqlite:///{tmp_path / 'web.db'}",
    )
    result = bot("run", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "did not accept SLACK_BOT_TOKEN (invalid_auth)" in result.stderr
    assert "Traceback" not in result.stderr
