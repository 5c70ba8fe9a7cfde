"""Test fixtures: real databases (SQLite file, PostgreSQL), the Slack stand-in, and the real app served over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url

import storage.models  # noqa: F401  (every table in Base.metadata)
from bot.app import create_app
from bot.runtime import Database, open_database, slack_client
from bot.serve import wsgi_app
from bot.settings import Settings
from storage import knowledge
from storage.db import Base, make_engine, make_sessions, migrate, normalize_url
from tests.reading import render
from tests.standin import CheckedSlack

# Property tests (tests/test_properties.py): the same inputs on every CI run, so a red run can be replayed; new
# inputs on a developer's machine (HYPOTHESIS_PROFILE=ci to replay CI's).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

POSTGRES_URL = os.environ.get("IPSLO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SIGNING_SECRET = "test-signing-secret"
OFFICER = "U0OFFICER"
ADMIN = "U0ADMIN"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers per core. About a third of the suite waits on real time (reminders falling due,
    Slack's retries, processes starting), so a second worker per core keeps the CPUs busy meanwhile (two cores:
    2 min 5 s with two workers, 1 min 38 s with four, 1 min 53 s with six)."""
    return 2 * (os.cpu_count() or 1)


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk honours HTTP(S)_PROXY and ignores NO_PROXY: the stand-in is local.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def _postgres_admin() -> Engine:
    """An engine on the test PostgreSQL server. Fails in CI when the server is missing, skips otherwise."""
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.connect():
            pass
    except Exception as error:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {POSTGRES_URL}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} (set IPSLO_TEST_POSTGRES_URL); CI runs these")
    return admin


def _schema_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


def _schema_of(url: str) -> str:
    return url.rsplit("search_path%3D", 1)[1]


def postgres_schema_url() -> Generator[str, None, None]:
    """A fresh, empty schema on the test PostgreSQL server, dropped afterwards."""
    admin = _postgres_admin()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _schema_url(schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --- the migrated, loaded database, built once per run and copied for each test ----------------------------
#
# Migrating and loading the reference data and knowledge base takes a second or more per database; every test
# that asks for ``database`` gets its own full copy of one built by ``open_database`` at the start of the run:
# SQLite copies the template file; PostgreSQL replays the statements the migrations ran into the test's own
# schema and copies every row from the template schema (the search triggers fill the search tables as they
# would on a real start). Each test still has a database of its own that any process can connect to.
# A PostgreSQL copy a test has finished with is reset rather than dropped (creating and dropping a schema's
# hundred tables and indexes for each test cost the server half a second): if its structure is still the
# template's, every table is emptied and refilled from the template and every sequence set back, in one
# transaction; a copy whose structure a test changed (a dropped table) is dropped.


def _knowledge_indexes(url: str) -> dict[str, Any]:
    """What ``storage.knowledge`` builds from the knowledge entries at ``url`` and keeps (the search index, the entries
    by key), each as (signature, what was built).

    A copy of the template holds the template's knowledge entries, so what is built from them is the template's: the
    ``database`` fixture hands it to each copy instead of building the same again (a second or more of work) the
    first time a test asks a question. It is kept, as in production, by the entries' count and newest change, so a
    test that edits the knowledge base gets it built again from its own entries."""
    engine = make_engine(url)
    try:
        with make_sessions(engine)() as session:
            knowledge.knowledge_index(session=session)
            knowledge.find_by_key(session=session, typed="A/16")
        return {what: built for (database, what), built in knowledge._INDEXES.items() if database == str(engine.url)}
    finally:
        engine.dispose()


class SqliteTemplate:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.db"
        database = open_database(Settings(database_url=f"sqlite:///{self.path}"))
        with database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database.engine.dispose()
        self.knowledge = _knowledge_indexes(f"sqlite:///{self.path}")

    def copy_to(self, url: str) -> None:
        target = Path(make_url(url).database or "")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, target)


class PostgresTemplate:
    """A schema migrated and loaded by ``open_database`` once, the SQL that makes a copy of it in another schema, and
    the SQL that turns a copy a test has finished with back into the template's rows."""

    def __init__(self, admin: Engine) -> None:
        self.admin = admin
        self.schema = f"tpl_{uuid.uuid4().hex[:12]}"
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        statements: list[tuple[str, Any]] = []

        def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
            if not statement.lstrip().upper().startswith("SELECT"):  # reads change nothing
                statements.append((statement, parameters or None))

        engine = make_engine(_schema_url(self.schema))
        event.listen(engine, "before_cursor_execute", record)
        migrate(engine)
        event.remove(engine, "before_cursor_execute", record)
        engine.dispose()
        database = open_database(Settings(database_url=_schema_url(self.schema)))  # loads the data, as at start
        database.engine.dispose()
        self.knowledge = _knowledge_indexes(_schema_url(self.schema))

        with admin.connect() as connection:
            tables = connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": self.schema}
            ).scalars()
            # Tables the migrations made outside the models (alembic_version, the notes' search table), emptied first.
            others = sorted(set(tables) - {table.name for table in Base.metadata.sorted_tables})
            sequences = [
                f"SELECT setval('{name}', {int(value)})" if value is not None else f"SELECT setval('{name}', 1, false)"
                for name, value in connection.execute(
                    text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = :s"), {"s": self.schema}
                )
            ]
        # The tracked tables' triggers raise data_changes.version at commit; fired at once instead, the version they
        # raise is then set back to the template's, like every other row.
        empty = ["SET CONSTRAINTS ALL IMMEDIATE", *(f'DELETE FROM "{name}"' for name in others)]
        empty += [f'DELETE FROM "{table.name}"' for table in reversed(Base.metadata.sorted_tables)]
        fill = []
        in_order = sorted(Base.metadata.sorted_tables, key=lambda table: table.name == "data_changes")
        for table in in_order:  # the search triggers fill the search tables as on a real start
            columns = ", ".join(f'"{column.name}"' for column in table.columns)
            fill.append(f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM "{self.schema}"."{table.name}"')
        fill.append(f'INSERT INTO alembic_version SELECT * FROM "{self.schema}".alembic_version')
        # Runs of statements without parameters go to the server as one script; any with parameters on their own.
        self.scripts: list[tuple[str, Any]] = []
        for statement, parameters in [*statements, *((c, None) for c in [*empty, *fill, *sequences])]:
            if parameters is None and self.scripts and self.scripts[-1][1] is None:
                self.scripts[-1] = (f"{self.scripts[-1][0]};\n{statement}", None)
            else:
                self.scripts.append((statement, parameters))
        self.reset_script = ";\n".join([*empty, *fill, *sequences])
        with admin.begin() as connection:
            self.structure = self._structure(connection, self.schema)
        self.filled: set[str] = set()
        self._spare: list[str] = []  # copies given back unchanged in structure and reset to the template's rows
        self._check_a_copy_is_whole()
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-schemas")
        self._next: Future[str] | None = None

    def copy_to(self, url: str) -> None:
        """Fill the test's empty schema (named in its URL) with a copy of the template, in one transaction."""
        with self.admin.begin() as connection:
            connection.exec_driver_sql(f'SET LOCAL search_path TO "{_schema_of(url)}"')
            for script, parameters in self.scripts:
                connection.exec_driver_sql(script, parameters)

    def _reset(self, url: str) -> bool:
        """Turn a copy a test has used back into the template, if its tables, columns, indexes, constraints,
        triggers and functions are still the template's (a test may drop a table): the rows of every table and the
        sequences become the template's again. False, changing nothing, if the structure differs."""
        with self.admin.begin() as connection:
            if self._structure(connection, _schema_of(url)) != self.structure:
                return False
            connection.exec_driver_sql(self.reset_script)
        return True

    @staticmethod
    def _structure(connection: Connection, schema: str) -> list[str]:
        """Everything a test could change in a schema's definition, named as seen from inside it: the tables and
        sequences (found through their dependency on the schema, an indexed look-up however many schemas the
        server holds) with their columns, indexes, constraints and triggers, and the schema's functions."""
        connection.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
        structure = text(
            """
            WITH relations AS (
                SELECT c.oid, c.relname, c.relkind FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
                 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_namespace'::regclass
                   AND d.refobjid = to_regnamespace(:schema)
            )
            SELECT concat_ws(' ', 'column', r.relname, r.relkind, a.attname, format_type(a.atttypid, a.atttypmod),
                             a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid))
              FROM relations r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
              LEFT JOIN pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum
            UNION ALL
            SELECT concat_ws(' ', 'index', replace(pg_get_indexdef(i.indexrelid), :qualified, ''))
              FROM relations r JOIN pg_index i ON i.indrelid = r.oid
            UNION ALL
            SELECT concat_ws(' ', 'constraint', r.relname, c.conname, pg_get_constraintdef(c.oid))
              FROM relations r JOIN pg_constraint c ON c.conrelid = r.oid
            UNION ALL
            SELECT concat_ws(' ', 'trigger', r.relname, t.tgname, t.tgenabled,
                             replace(pg_get_triggerdef(t.oid), :qualified, ''))
              FROM relations r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
            UNION ALL
            SELECT concat_ws(' ', 'function', p.proname, pg_get_function_arguments(p.oid), md5(p.prosrc))
              FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
             WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_namespace'::regclass
               AND d.refobjid = to_regnamespace(:schema)
            ORDER BY 1"""
        )
        return list(connection.execute(structure, {"schema": schema, "qualified": f"{schema}."}).scalars())

    def _contents(self, connection: Connection, schema: str) -> dict[str, Any]:
        """Every table's rows (as one digest) and every sequence's position."""
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"), {"s": schema}
        ).scalars()
        contents: dict[str, Any] = {
            t: connection.exec_driver_sql(
                f'SELECT count(*), md5(string_agg(r::text, \',\' ORDER BY r::text)) FROM "{schema}"."{t}" r'
            ).one()
            for t in tables
        }
        for name, value in connection.execute(
            text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = :s"), {"s": schema}
        ):
            contents[f"sequence {name}"] = value
        return contents

    def _check_a_copy_is_whole(self) -> None:
        """Once per run: a copy has every table, row and sequence of the template, and so does a copy a test has
        written to, once reset (a table the copy or the reset missed fails loudly)."""
        urls = postgres_schema_url()
        url = next(urls)
        schema = _schema_of(url)
        try:
            self.copy_to(url)
            with self.admin.begin() as connection:
                expected = self._contents(connection, self.schema)
                assert self._contents(connection, schema) == expected
                assert self._structure(connection, schema) == self.structure
            engine = make_engine(url)  # a test's writes: a visit, a note (and its search row), a changed nation
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO visits (nation_iso2, starts_on, ends_on, kind, title, lead_user_id, status,"
                        " recorded_by, recorded_at) VALUES ('FJ', '2030-01-01', '2030-01-02', 'visit', 't', 'U1',"
                        " 'planned', 'U1', now())"
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO notes (nation_iso2, noted_on, text, search_text, tags, author_user_id,"
                        " idempotency_key, created_by, created_at)"
                        " VALUES ('FJ', '2030-01-01', 'n', 'n', '', 'U1', 'k', 'U1', now())"
                    )
                )
                connection.execute(text("UPDATE nations SET name = 'changed' WHERE iso2 = 'FJ'"))
            engine.dispose()
            with self.admin.connect() as connection:
                assert self._contents(connection, schema) != expected
            assert self._reset(url)
            with self.admin.connect() as connection:
                assert self._contents(connection, schema) == expected
        finally:
            urls.close()

    # A helper thread makes the next test's copy and resets the last one's while tests run (the server does the work).

    def take(self) -> str:
        """A schema holding a copy of the template, made ahead of time; hand it back with :meth:`give_back`."""
        if self._next is None:
            self._next = self._helper.submit(self._make)
        url = self._next.result()
        self._next = self._helper.submit(self._make)
        self.filled.add(url)
        return url

    def give_back(self, url: str) -> None:
        self.filled.discard(url)
        self._helper.submit(self._recycle, url)

    def _make(self) -> str:
        if self._spare:
            return self._spare.pop()
        schema = f"tc_{uuid.uuid4().hex[:12]}"
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.copy_to(_schema_url(schema))
        return _schema_url(schema)

    def _recycle(self, url: str) -> None:
        """A schema a test has finished with: reset for another test, or dropped if the test changed its structure."""
        if self._reset(url):
            self._spare.append(url)
        else:
            self._drop(url)

    def _drop(self, url: str) -> None:
        with self.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{_schema_of(url)}" CASCADE'))

    def drop(self) -> None:
        if self._next is not None:
            self._drop(self._next.result())
        self._helper.shutdown(wait=True)
        for url in self._spare:
            self._drop(url)
        with self.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The templates, each built the first time a test on that kind of database asks for one."""
    templates: dict[str, Any] = {}
    try:
        yield templates
    finally:
        if "postgresql" in templates:
            templates["postgresql"].drop()


def _template(templates: dict[str, Any], kind: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    if kind not in templates:
        if kind == "sqlite":
            templates[kind] = SqliteTemplate(tmp_path_factory.mktemp("template"))
        else:
            templates[kind] = PostgresTemplate(_postgres_admin())
    return templates[kind]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Each test that asks for it runs on a fresh SQLite file and on a fresh PostgreSQL schema (empty until
    ``database`` fills it)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ipslo.db'}"
    elif "database" in request.fixturenames:  # filled ahead of time by the template's helper thread
        template = _template(request.getfixturevalue("_templates"), "postgresql", tmp_path_factory)
        url = template.take()
        try:
            yield url
        finally:
            template.give_back(url)
    else:
        yield from postgres_schema_url()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'ipslo.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from postgres_schema_url()


@pytest.fixture
def database(
    database_url: str, _templates: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """The test's own database at ``database_url``, migrated and loaded: a copy of the run's template."""
    kind = make_url(normalize_url(database_url)).get_backend_name()
    template = _template(_templates, kind, tmp_path_factory)
    if database_url not in getattr(template, "filled", ()):
        template.copy_to(database_url)
    engine = make_engine(database_url)
    for what, built in template.knowledge.items():  # the copy's knowledge entries are the template's
        knowledge._INDEXES[(str(engine.url), what)] = built
    database = Database(engine, make_sessions(engine))
    yield database
    database.dispose()


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
    """What Slack received in answer to a request: HTTP status, the JSON body, and the message as an officer reads
    it."""

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


def serve(app, database: Database, may_use: Any = lambda user_id: True) -> tuple[str, _ThreadingWSGIServer]:
    server = make_server(
        "127.0.0.1",
        0,
        wsgi_app(app, database, may_use),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    # Stopping the server (server.shutdown()) waits until its thread next looks, up to poll_interval: every test
    # that is served stops one.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True).start()
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
    """The real app (``create_app`` options such as ``clock``) served over HTTP for the length of the block. Work the
    app does after answering (App Home, confirmations) is waited for before the block ends, while Slack's stand-in is
    still there to take it."""
    own = "listener_executor" not in app_options
    executor = app_options.setdefault("listener_executor", ThreadPoolExecutor(max_workers=10))
    app = create_app(settings=settings, database=database, client=slack_client(settings), **app_options)
    base, server = serve(app, database, settings.may_use)
    try:
        yield Workspace(f"{base}/slack/events", standin, database, settings)
    finally:
        server.shutdown()
        server.server_close()
        if own:
            executor.shutdown(wait=True)


@pytest.fixture
def workspace(settings: Settings, database: Database, standin: CheckedSlack) -> Iterator[Workspace]:
    with served(settings, database, standin) as workspace:
        yield workspace
