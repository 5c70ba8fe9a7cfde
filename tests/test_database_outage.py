"""While the database is not answering, every command says so plainly (nothing saved, try again in a minute),
instead of "Something went wrong ... give the team reference"; and the bot recovers by itself when it is back."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from bot.runtime import Database, open_database
from bot.settings import Settings
from bot.slack_standin import SlackStandIn
from storage.db import make_engine, make_sessions
from tests.conftest import SIGNING_SECRET, Workspace, served

DOWN = "The database is not answering; nothing was saved. Try again in a minute."
COMMANDS = [
    "status fiji",
    "note fiji Met the DA",
    "visit add fiji 2027-01-12",
    "remind fiji tomorrow 09:00 x",
    "reminders",
    "search drill",
]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable_url(kind: str, tmp_path) -> str:
    if kind == "postgresql":
        return f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/test?connect_timeout=2"
    blocked = tmp_path / "no-entry"
    blocked.mkdir()
    blocked.chmod(0o500)  # SQLite cannot create its file here
    return f"sqlite:///{blocked / 'gone' / 'ipslo.db'}"


def settings_for(url: str, standin: SlackStandIn) -> Settings:
    return Settings(
        database_url=url,
        slack_bot_token=standin.bot_token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.api_url,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def down(request: pytest.FixtureRequest, tmp_path, standin: SlackStandIn) -> Iterator[Workspace]:
    url = unreachable_url(request.param, tmp_path)
    engine = make_engine(url) if request.param == "postgresql" else create_engine(url)
    database = Database(engine, make_sessions(engine))
    try:
        with served(settings_for(url, standin), database, standin) as workspace:
            yield workspace
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_says_the_database_is_not_answering(down: Workspace, command: str) -> None:
    answer = down.command(command)
    assert answer.status == 200
    assert DOWN in answer.text
    assert "Something went wrong" not in answer.text and "reference" not in answer.text


def test_help_needs_no_database(down: Workspace) -> None:
    assert "/ipslo status <nation>" in down.command("help").text


@pytest.mark.fault
def test_commands_work_again_once_postgresql_is_back(postgres_url: str, standin: SlackStandIn) -> None:
    application = f"ipslo_outage_{uuid.uuid4().hex[:8]}"  # tells this bot's connections from other tests' ones
    bot_url = f"{postgres_url}&application_name={application}"
    database = open_database(Settings(database_url=bot_url))
    try:
        with served(settings_for(bot_url, standin), database, standin) as workspace:
            assert "Saved note #1" in workspace.command("note fiji before the restart").text
            with make_engine(postgres_url.split("?")[0]).connect() as admin:  # drop every connection the bot holds
                killed = admin.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": application},
                ).all()
            assert killed and all(ok for (ok,) in killed)
            assert "Saved note #2" in workspace.command("note fiji after the restart").text
    finally:
        database.engine.dispose()
