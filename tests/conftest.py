"""Test fixtures: real databases (SQLite file, PostgreSQL), the Slack stand-in, and the real app served over HTTP."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlalchemy import text

from bot.app import create_app
from bot.console import render
from bot.runtime import Database, open_database, slack_client
from bot.serve import wsgi_app
from bot.settings import Settings
from storage.db import make_engine
from tests.standin import CheckedSlack

POSTGRES_URL = os.environ.get("IPSLO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SIGNING_SECRET = "test-signing-secret"
OFFICER = "U0OFFICER"
ADMIN = "U0ADMIN"


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk honours HTTP(S)_PROXY and ignores NO_PROXY: the stand-in is local.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def postgres_schema_url() -> Iterator[str]:
    """A fresh, empty schema on the test PostgreSQL server, dropped afterwards. Fails in CI when the server is missing."""
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.connect():
            pass
    except Exception as error:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {POSTGRES_URL}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} (set IPSLO_TEST_POSTGRES_URL); CI runs these")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """Each test that asks for it runs on a fresh SQLite file and on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ipslo.db'}"
    else:
        yield from postgres_schema_url()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'ipslo.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from postgres_schema_url()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = open_database(Settings(database_url=database_url))
    yield database
    database.engine.dispose()


@pytest.fixture
def standin() -> Iterator[CheckedSlack]:
    with CheckedSlack() as standin:
        standin.add_user(OFFICER, name="kim", real_name="Lt Kim", tz="Asia/Tokyo")
        standin.add_user(ADMIN, name="lee", real_name="Cdr Lee", tz="Asia/Singapore")
        yield standin
        assert not standin.violations, f"calls Slack would refuse: {standin.violations}"
        assert not standin.internal_errors, standin.internal_errors


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Answer:
    """What Slack received in answer to a request: HTTP status, the JSON body, and the message as an officer reads it."""

    status: int
    body: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return render(self.body) if self.body else ""

    @property
    def ephemeral(self) -> bool:
        return self.body.get("response_type", "ephemeral") == "ephemeral"


@dataclass
class Workspace:
    """A Slack workspace in a test: signed requests over real HTTP to the real app, the stand-in for Slack's Web API."""

    url: str
    standin: CheckedSlack
    database: Database
    settings: Settings

    def post(self, body: str, headers: dict[str, str]) -> Answer:
        request = urllib.request.Request(self.url, data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        try:
            payload = json.loads(raw) if raw else {}
        except ValueError:
            payload = {"text": raw.decode()}
        return Answer(status, payload)

    def command(
        self, text: str, *, user: str = OFFICER, secret: str = SIGNING_SECRET, timestamp: int | None = None
    ) -> Answer:
        body, headers = self.standin.slash_command(
            command="/ipslo", text=text, user_id=user, signing_secret=secret, timestamp=timestamp
        )
        return self.post(body, headers)


def serve(app, database: Database) -> tuple[str, _ThreadingWSGIServer]:
    server = make_server(
        "127.0.0.1", 0, wsgi_app(app, database), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture
def settings(database_url: str, standin: CheckedSlack) -> Settings:
    return Settings(
        database_url=database_url,
        slack_bot_token=standin.bot_token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.api_url,
        admins=frozenset({ADMIN}),
    )


@contextmanager
def served(settings: Settings, database: Database, standin: CheckedSlack, **app_options: Any) -> Iterator[Workspace]:
    """The real app (``create_app`` options such as ``clock``) served over HTTP for the length of the block."""
    app = create_app(settings=settings, database=database, client=slack_client(settings), **app_options)
    base, server = serve(app, database)
    try:
        yield Workspace(f"{base}/slack/events", standin, database, settings)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def workspace(settings: Settings, database: Database, standin: CheckedSlack) -> Iterator[Workspace]:
    with served(settings, database, standin) as workspace:
        yield workspace
