"""Test fixtures: real databases (SQLite file, PostgreSQL), the Slack stand-in, and the real app served over HTTP."""

# ruff: noqa: E402  (the imports below come after the line that lets them be kept compiled)
from __future__ import annotations

import sys

# Compiled modules, and pytest's rewritten test modules, are kept between runs (in __pycache__, as Python does by
# default) even where the environment says not to write them (PYTHONDONTWRITEBYTECODE=1, as on the team's machines):
# otherwise every worker of every run compiles the bot's modules and rewrites every test module again, half of the
# four seconds of CPU a worker takes to start. The setting is this process's (and its workers'); the bot processes
# that tests start keep the environment's, and read what was written.
sys.dont_write_bytecode = False

import datetime as dt
import fcntl
import gc
import json
import os
import pickle
import shutil
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any, Generic, TypeVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

import storage.models  # noqa: F401  (every table in Base.metadata)
from bot.app import create_app
from bot.runtime import Database, open_database, slack_client
from bot.serve import wsgi_app
from bot.settings import Settings
from storage import knowledge
from storage.db import Base, make_engine, make_sessions, migrate, normalize_url
from tests.reading import render
from tests.standin import CheckedSlack, stop_serving

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


# --- garbage collection ----------------------------------------------------------------------------------
#
# A worker holds a few hundred thousand objects for the whole run (the modules, the templates, the knowledge
# index and model): Python's full collections went through all of them each time, and again as the worker exits.
# What has survived a collection is set aside from them ("frozen") after collecting, after each template is built
# and every 100 tests; only what was still in use then is set aside, and everything a test leaves behind after that
# is collected as usual. The youngest objects are collected every 7,000 new objects rather than 700 (full
# collections come about as often as before): a test makes hundreds of thousands. Together these cut the workers'
# time in the collector by more than half (12 s to 5 s over five of the larger test files, a seventh of their time).

gc.set_threshold(7000, 10, 1)
FREEZE_EVERY = 100
_ran = 0


def _freeze() -> None:
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session: pytest.Session) -> None:
    _freeze()


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    global _ran
    _ran += 1
    if _ran % FREEZE_EVERY == 0:
        _freeze()


# --- the order the workers run the tests in ---------------------------------------------------------------
#
# --dist worksteal hands each worker an equal share of the tests in collection order; a worker that runs out takes
# the last half of another's queue. A test that waits a long time on real time or on processes (a minute of
# reminders falling due) running near the end kept one worker going while the others had nothing left, and tests
# that mostly wait (Slack's retries, reminders falling due) running side by side on every worker left the CPUs idle.
# So each run keeps how long every test takes and how much CPU it uses (in pytest's cache), and the next run lays the
# tests out so that each worker's share takes about as long, starts with its longest tests (what is taken from the
# end is short) and takes turns between tests that mostly wait and tests that mostly compute. Tests and what each
# checks are the same in any order; a run without the cache (a fresh clone) keeps the collection order.

TIMES_CACHE = "ipslo/test-times"
WAITS = 0.3  # a test that used less CPU than this share of its time mostly waits
_last_times: dict[str, list[float]] = {}  # in the run's own process: by test, from the cache: [seconds, CPU seconds]
_seconds: dict[str, float] | None = None  # in the run's own process: this run's (setup, call and teardown)
_cpu_seconds: dict[str, float] = {}  # in the run's own process: this run's, as the workers measured them


def _cpu_now() -> float:
    """CPU time of this process (all its threads) and of the processes it started that have ended."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def pytest_configure(config: pytest.Config) -> None:
    global _seconds
    cache = getattr(config, "cache", None)
    if not hasattr(config, "workerinput") and cache is not None:
        _last_times.update(cache.get(TIMES_CACHE, {}))
        _seconds = {}


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    if node.config.getoption("dist") == "worksteal":  # (a worker's own option says "no")
        node.workerinput["ipslo_times"] = _last_times


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    _cpu_seconds.update(getattr(node, "workeroutput", {}).get("ipslo_cpu", {}))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    start = _cpu_now()
    yield
    workeroutput = getattr(item.config, "workeroutput", None)  # sent to the run's own process as the worker ends
    if workeroutput is not None:
        workeroutput.setdefault("ipslo_cpu", {})[item.nodeid] = round(_cpu_now() - start, 3)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _seconds is not None:
        _seconds[report.nodeid] = _seconds.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    cache = getattr(session.config, "cache", None)
    if cache is None or not _seconds:
        return
    times = dict(_last_times)
    for nodeid, seconds in _seconds.items():
        now = [seconds, _cpu_seconds.get(nodeid, times.get(nodeid, [0.0, seconds])[1])]
        before = times.get(nodeid)  # halfway from the times kept to this run's: one busy run moves them half
        before = before if isinstance(before, list) and len(before) == 2 else now
        times[nodeid] = [round((a + b) / 2, 3) for a, b in zip(before, now, strict=True)]
    kept = {nodeid: t for nodeid, t in times.items() if (session.config.rootpath / nodeid.split("::", 1)[0]).exists()}
    cache.set(TIMES_CACHE, dict(sorted(kept.items())))


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workerinput = getattr(config, "workerinput", None)
    times: dict[str, list[float]] = (workerinput or {}).get("ipslo_times") or {}
    if not workerinput or not times:
        return
    # The tests of a file with a fixture kept for the whole file (or class) stay together, in their order, so that it
    # is still made once.
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        fixtures = getattr(item, "_fixtureinfo", None)
        shared = fixtures is None or any(
            definitions[-1].scope in ("class", "module", "package")
            for definitions in fixtures.name2fixturedefs.values()
            if definitions
        )
        units.setdefault(item.nodeid.split("::", 1)[0] if shared else item.nodeid, []).append(item)
    timed = [
        Unit(unit, *map(sum, zip(*(times.get(item.nodeid, [0.0, 0.0]) for item in unit), strict=True)))
        for unit in units.values()
    ]
    items[:] = worksteal_order(timed, workerinput["workercount"])


T = TypeVar("T")


@dataclass
class Unit(Generic[T]):
    """Tests run one after the other, and the seconds and CPU seconds they took together."""

    items: list[T]
    seconds: float
    cpu: float

    @property
    def waits(self) -> bool:
        return self.cpu < WAITS * self.seconds


def worksteal_order(units: list[Unit[T]], workers: int) -> list[T]:
    """The items of ``units`` laid out in ``workers`` runs of the numbers of items worksteal gives each worker, in
    order: the runs about equally long (the longest unit first, each goes whole to the run with the least time so far
    that has room for it, item by item when none has), each run longest first and mixing units that mostly wait with
    units that mostly compute: those that wait come one at a time, as soon as they have had less than their share of
    the run's time so far."""
    sizes = []
    left = sum(len(unit.items) for unit in units)
    for worker in range(workers):
        sizes.append(left // (workers - worker))
        left -= sizes[-1]
    runs: list[list[Unit[T]]] = [[] for _ in sizes]
    counts = [0] * len(sizes)
    totals = [0.0] * len(sizes)

    def place(unit: Unit[T]) -> bool:
        room = [r for r in range(len(runs)) if counts[r] + len(unit.items) <= sizes[r]]
        if not room:
            return False
        run = min(room, key=lambda r: totals[r])
        runs[run].append(unit)
        counts[run] += len(unit.items)
        totals[run] += unit.seconds
        return True

    for unit in sorted(units, key=lambda unit: -unit.seconds):
        if not place(unit):
            for item in unit.items:
                place(Unit([item], unit.seconds / len(unit.items), unit.cpu / len(unit.items)))
    laid_out: list[T] = []
    for run in runs:
        waiting, computing = [unit for unit in run if unit.waits], [unit for unit in run if not unit.waits]
        share = sum(unit.seconds for unit in waiting) / (sum(unit.seconds for unit in run) or 1.0)
        waited = spent = 0.0
        wait = False
        while waiting or computing:
            wait = bool(waiting) and (not computing or (waited < share * spent and not wait))
            unit = (waiting if wait else computing).pop(0)
            waited += unit.seconds if wait else 0.0
            spent += unit.seconds
            laid_out.extend(unit.items)
    return laid_out


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


def _schema_url(schema: str, use: str | None = None) -> str:
    """The URL of a schema on the test PostgreSQL server; with ``use``, one of its own for the same schema (named to
    the server as the connections' application name unless the URL names one)."""
    separator = "&" if "?" in POSTGRES_URL else "?"
    named = f"fallback_application_name=ipslo-test-{use}&" if use else ""
    return f"{POSTGRES_URL}{separator}{named}options=-csearch_path%3D{schema}"


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
# that asks for ``database`` gets its own full copy of one built by ``open_database`` once per run (by the first
# worker that needs it, under a lock in the run's temporary folder; the other workers use it): SQLite copies the
# template file; PostgreSQL replays the statements the migrations ran into the test's own schema and copies every
# row from the template schema (the search triggers fill the search tables as they would on a real start).
# Each test still has a database of its own that any process can connect to.
# A PostgreSQL copy a test has finished with is reset rather than dropped (creating and dropping a schema's
# hundred tables and indexes for each test cost the server half a second): if its structure is still the
# template's, every table the test changed is emptied and refilled with the template's rows as they are (search
# rows included) and every sequence set back, in one transaction; a copy whose structure a test changed (a dropped
# table) is dropped. A table is unchanged when it has the template's number of rows and each of them is still the
# one the copy (or the last reset) wrote: a row a test inserted or updated is a new row version, written by another
# transaction (PostgreSQL's ``xmin``). Most tests change a few tables or none, and refilling all of them (the
# knowledge base's 400 entries among them) was most of the server's work per test.


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


def _run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this run that every xdist worker of it shares (each worker's own temporary folder is inside it)."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "templates"
    folder.mkdir(exist_ok=True)
    return folder


@contextmanager
def _run_lock(folder: Path, kind: str) -> Iterator[None]:
    """One worker of the run at a time (building a template of that kind, joining or leaving it)."""
    with open(folder / f"{kind}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_pickle(path: Path, value: Any) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    partial.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    partial.replace(path)


class SqliteTemplate:
    """The template file, built by the run's first worker that needs it, and what was built from its knowledge
    entries."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.db"
        built = folder / "sqlite-knowledge.pickle"
        with _run_lock(folder, "sqlite"):
            if not built.exists():
                database = open_database(Settings(database_url=f"sqlite:///{self.path}"))
                with database.engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                database.engine.dispose()
                _write_pickle(built, _knowledge_indexes(f"sqlite:///{self.path}"))
        self.knowledge = pickle.loads(built.read_bytes())

    def copy_to(self, url: str) -> None:
        target = Path(make_url(url).database or "")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, target)


@dataclass
class PostgresPlan:
    """A schema migrated and loaded by ``open_database`` once per run, and the SQL that makes a copy of it in another
    schema or turns a copy a test has finished with back into the template's rows: what every worker of the run
    shares."""

    schema: str
    scripts: list[tuple[str, Any]]  # a copy: the migrations' statements, then the template's rows and sequences
    reset_script: str  # every table emptied and refilled from the template (and the sequences set back)
    sequences: str  # every sequence set back to the template's
    fill: dict[str, str]  # by table: the statement that copies the template's rows of it into a copy
    counts: dict[str, int]  # by table: the template's number of rows
    structure: list[str]
    knowledge: dict[str, Any]
    partial: bool  # only the tables a test changed are reset (the server lets us turn off triggers while refilling)

    @classmethod
    def build(cls, admin: Engine) -> PostgresPlan:
        schema = f"tpl_{uuid.uuid4().hex[:12]}"
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        statements: list[tuple[str, Any]] = []

        def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
            if not statement.lstrip().upper().startswith("SELECT"):  # reads change nothing
                statements.append((statement, parameters or None))

        engine = make_engine(_schema_url(schema))
        event.listen(engine, "before_cursor_execute", record)
        migrate(engine)
        event.remove(engine, "before_cursor_execute", record)
        engine.dispose()
        database = open_database(Settings(database_url=_schema_url(schema)))  # loads the data, as at start
        database.engine.dispose()
        built = _knowledge_indexes(_schema_url(schema))

        with admin.connect() as connection:
            tables = list(
                connection.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"), {"s": schema}
                ).scalars()
            )
            counts = {
                t: connection.exec_driver_sql(f'SELECT count(*) FROM "{schema}"."{t}"').scalar_one() for t in tables
            }
            columns = {
                t: ", ".join(
                    f'"{name}"'
                    for name in connection.execute(
                        text(
                            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:t) AND attnum > 0"
                            " AND NOT attisdropped AND attgenerated = '' ORDER BY attnum"
                        ),
                        {"t": f'"{schema}"."{t}"'},
                    ).scalars()
                )
                for t in tables
            }
            # Tables the migrations made outside the models (alembic_version, the notes' search table), emptied first.
            others = sorted(set(tables) - {table.name for table in Base.metadata.sorted_tables})
            sequences = [
                f"SELECT setval('{name}', {int(value)})" if value is not None else f"SELECT setval('{name}', 1, false)"
                for name, value in connection.execute(
                    text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = :s"), {"s": schema}
                )
            ]
        try:
            with admin.begin() as connection:  # turning triggers off while refilling needs a superuser
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            partial = True
        except DBAPIError:
            partial = False
        # The tracked tables' triggers raise data_changes.version at commit; fired at once instead, the version they
        # raise is then set back to the template's, like every other row.
        empty = ["SET CONSTRAINTS ALL IMMEDIATE", *(f'DELETE FROM "{name}"' for name in others)]
        empty += [f'DELETE FROM "{table.name}"' for table in reversed(Base.metadata.sorted_tables)]
        fill = {t: f'INSERT INTO "{t}" ({columns[t]}) SELECT {columns[t]} FROM "{schema}"."{t}"' for t in tables}
        in_order = sorted(Base.metadata.sorted_tables, key=lambda table: table.name == "data_changes")
        # the search triggers fill the search tables as on a real start
        refill = [*(fill[table.name] for table in in_order), fill["alembic_version"]]
        # Runs of statements without parameters go to the server as one script; any with parameters on their own.
        scripts: list[tuple[str, Any]] = []
        for statement, parameters in [*statements, *((c, None) for c in [*empty, *refill, *sequences])]:
            if parameters is None and scripts and scripts[-1][1] is None:
                scripts[-1] = (f"{scripts[-1][0]};\n{statement}", None)
            else:
                scripts.append((statement, parameters))
        with admin.begin() as connection:
            structure = PostgresTemplate._structure(connection, schema)
        return cls(
            schema=schema,
            scripts=scripts,
            reset_script=";\n".join([*empty, *refill, *sequences]),
            sequences=";\n".join(sequences),
            fill=fill,
            counts=counts,
            structure=structure,
            knowledge=built,
            partial=partial,
        )


class PostgresTemplate:
    """A worker's copies of the run's template schema (see :class:`PostgresPlan`): made ahead of time, reset after
    each test."""

    def __init__(self, admin: Engine, plan: PostgresPlan) -> None:
        self.admin = admin
        self.plan = plan
        self.schema = plan.schema
        self.knowledge = plan.knowledge
        self.filled: set[str] = set()
        self._written: dict[str, dict[str, str]] = {}  # by copy's schema: by table, the transaction that wrote its rows
        self._spare: list[str] = []  # copies given back unchanged in structure and reset to the template's rows
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-schemas")
        self._next: Future[str] | None = None

    def copy_to(self, url: str) -> None:
        """Fill the test's empty schema (named in its URL) with a copy of the template, in one transaction."""
        with self.admin.begin() as connection:
            connection.exec_driver_sql(f'SET LOCAL search_path TO "{_schema_of(url)}"')
            for script, parameters in self.plan.scripts:
                connection.exec_driver_sql(script, parameters)
            writer = connection.exec_driver_sql("SELECT pg_current_xact_id()::xid::text").scalar_one()
        self._written[_schema_of(url)] = dict.fromkeys(self.plan.counts, writer)

    def _reset(self, url: str) -> bool:
        """Turn a copy a test has used back into the template, if its tables, columns, indexes, constraints,
        triggers and functions are still the template's (a test may drop a table): the rows of every table the test
        changed and the sequences become the template's again. False, changing nothing, if the structure differs."""
        schema = _schema_of(url)
        with self.admin.begin() as connection:
            if self._structure(connection, schema) != self.plan.structure:
                return False
            written = self._written.get(schema)
            if not self.plan.partial or written is None:
                connection.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
                connection.exec_driver_sql(self.plan.reset_script)
                return True
            changed = self._changed(connection, schema, written)
            connection.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
            # The template's rows as they are, triggers and foreign keys off: the search tables and data_changes
            # are copied like any table, not made again by triggers, and a table keeps rows of a parent refilled.
            script = ["SET LOCAL session_replication_role = replica"]
            script += [f'DELETE FROM "{t}"' for t in changed]
            script += [self.plan.fill[t] for t in changed]
            connection.exec_driver_sql(";\n".join([*script, self.plan.sequences]))
            writer = connection.exec_driver_sql("SELECT pg_current_xact_id()::xid::text").scalar_one()
        written.update(dict.fromkeys(changed, writer))
        return True

    def _changed(self, connection: Connection, schema: str, written: dict[str, str]) -> list[str]:
        """The tables of a copy whose rows are not all the ones the copy or its last reset wrote."""
        check = " UNION ALL ".join(
            f"SELECT '{t}', count(*), count(*) FILTER (WHERE xmin::text <> '{int(writer)}') FROM \"{schema}\".\"{t}\""
            for t, writer in written.items()
        )
        return [t for t, rows, other in connection.exec_driver_sql(check) if rows != self.plan.counts[t] or other]

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

    def check_a_copy_is_whole(self) -> None:
        """Once per run: a copy has every table, row and sequence of the template, and so does a copy a test has
        written to, once reset, and once reset again after a test that wrote nothing (a table the copy or the reset
        missed fails loudly)."""
        urls = postgres_schema_url()
        url = next(urls)
        schema = _schema_of(url)
        try:
            self.copy_to(url)
            with self.admin.begin() as connection:
                expected = self._contents(connection, self.schema)
                assert self._contents(connection, schema) == expected
                assert self._structure(connection, schema) == self.plan.structure
            engine = make_engine(url)  # a test's writes: a visit, a note (and its search row), a changed nation,
            with engine.begin() as connection:  # a removed exception, a rolled-back change
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
                connection.execute(text("DELETE FROM coe_exceptions WHERE id = (SELECT min(id) FROM coe_exceptions)"))
            with engine.connect() as connection:
                connection.execute(text("UPDATE knowledge_entries SET title = 'changed'"))
                connection.rollback()
            engine.dispose()
            for _ in range(2):
                with self.admin.connect() as connection:
                    assert self._contents(connection, schema) != expected
                assert self._reset(url)
                with self.admin.connect() as connection:
                    assert self._contents(connection, schema) == expected
                    if self.plan.partial:
                        assert self._changed(connection, schema, self._written[schema]) == []
                engine = make_engine(url)  # a second test on the copy writes a visit again
                with engine.begin() as connection:
                    connection.execute(
                        text(
                            "INSERT INTO visits (nation_iso2, starts_on, ends_on, kind, title, lead_user_id, status,"
                            " recorded_by, recorded_at) VALUES ('TO', '2030-01-01', '2030-01-02', 'visit', 't', 'U1',"
                            " 'planned', 'U1', now())"
                        )
                    )
                engine.dispose()
            assert self._reset(url)
            assert self._reset(url)  # a test that wrote nothing
            with self.admin.connect() as connection:
                assert self._contents(connection, schema) == expected
        finally:
            self._written.pop(schema, None)
            urls.close()

    # A helper thread makes the next test's copy and resets the last one's while tests run (the server does the work).

    def take(self) -> str:
        """A schema holding a copy of the template, made ahead of time; hand it back with :meth:`give_back`.

        Its URL is the test's own even when the schema served an earlier test: what the bot keeps for a while by
        database URL (the nations' names, the words of the notes for "did you mean") is never an earlier test's."""
        if self._next is None:
            self._next = self._helper.submit(self._make)
        schema = _schema_of(self._next.result())
        self._next = self._helper.submit(self._make)
        url = _schema_url(schema, use=uuid.uuid4().hex[:12])
        self.filled.add(url)
        return url

    def give_back(self, url: str) -> None:
        self.filled.discard(url)
        self._helper.submit(self._recycle, _schema_url(_schema_of(url)))

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
        self._written.pop(_schema_of(url), None)
        with self.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{_schema_of(url)}" CASCADE'))

    def drop(self) -> None:
        """Drop this worker's copies (the template is the run's: see :func:`_leave_postgres_template`)."""
        if self._next is not None:
            self._drop(self._next.result())
        self._helper.shutdown(wait=True)
        for url in self._spare:
            self._drop(url)


def _join_postgres_template(folder: Path) -> PostgresTemplate:
    """This worker's copies of the run's template schema, built by the first worker that needs it. Each worker
    that uses it is named beside it; the last to leave drops it."""
    admin = _postgres_admin()
    built, users = folder / "postgresql.pickle", folder / "postgresql-users"
    with _run_lock(folder, "postgresql"):
        if built.exists():
            template = PostgresTemplate(admin, pickle.loads(built.read_bytes()))
        else:
            plan = PostgresPlan.build(admin)
            template = PostgresTemplate(admin, plan)
            try:
                template.check_a_copy_is_whole()
            except BaseException:
                _drop_schema(admin, plan.schema)
                raise
            _write_pickle(built, plan)
            users.write_text("")
        with users.open("a") as named:
            named.write(f"{_WORKER}\n")
    return template


def _leave_postgres_template(folder: Path, template: PostgresTemplate) -> None:
    template.drop()
    built, users = folder / "postgresql.pickle", folder / "postgresql-users"
    with _run_lock(folder, "postgresql"):
        left = [name for name in users.read_text().split() if name != _WORKER]
        if left:
            users.write_text("".join(f"{name}\n" for name in left))
        else:
            _drop_schema(template.admin, template.schema)
            built.unlink()
            users.unlink()
    template.admin.dispose()


def _drop_schema(admin: Engine, schema: str) -> None:
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


_WORKER = f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The templates, each built the first time a test on that kind of database asks for one."""
    templates: dict[str, Any] = {}
    try:
        yield templates
    finally:
        if "postgresql" in templates:
            _leave_postgres_template(_run_folder(tmp_path_factory), templates["postgresql"])


def _template(templates: dict[str, Any], kind: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    if kind not in templates:
        if kind == "sqlite":
            templates[kind] = SqliteTemplate(_run_folder(tmp_path_factory))
        else:
            templates[kind] = _join_postgres_template(_run_folder(tmp_path_factory))
        _freeze()
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
    request_queue_size = 128  # as the Slack stand-in's: socketserver's 5 resets connections under concurrent requests


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
    # Stopped with stop_serving, which wakes its thread at once: it need not look often whether to stop.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True).start()
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
        stop_serving(server)
        server.server_close()
        if own:
            executor.shutdown(wait=True)


@pytest.fixture
def workspace(settings: Settings, database: Database, standin: CheckedSlack) -> Iterator[Workspace]:
    with served(settings, database, standin) as workspace:
        yield workspace


#: Wednesday 25 Nov 2026, 12:00 in Tokyo (the officer's zone): the clock of :func:`desk`.
DESK_NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def desk(settings: Settings, database: Database, standin: CheckedSlack) -> Iterator[Workspace]:
    """The real app over HTTP, its clock stopped at :data:`DESK_NOW` (a module with another clock, other users or
    settings defines its own ``desk``)."""
    with served(settings, database, standin, clock=lambda: DESK_NOW) as workspace:
        yield workspace
