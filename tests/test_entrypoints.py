"""The command line as a newcomer meets it: the console on a fresh machine, HTTP mode under gunicorn, bad settings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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
    [("SLACK_BOT_TOKEN", "xoxp-123"), ("DATABASE_URL", "mysql://localhost/x"), ("IPSLO_ADMINS", "lee")],
)
def test_malformed_setting_stops_start_up_with_one_line(tmp_path: Path, variable: str, value: str) -> None:
    result = bot("run", cwd=tmp_path, env=clean_env(**{variable: value}))
    assert result.returncode == 2
    assert result.stderr.startswith(f"ipslo-bot: {variable}")
    assert result.stderr.count("\n") == 1


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
