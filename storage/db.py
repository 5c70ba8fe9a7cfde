"""The database: engine and sessions, the shared model base, UTC timestamps, and migrating to the newest schema."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import deque
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    create_engine,
    event,
    exc,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

#: What ``recorded_by`` says for rows that came from the shipped reference data.
REFERENCE_DATA = "reference-data"

MIGRATIONS = Path(__file__).with_name("migrations")

#: libyaml's safe loader where PyYAML was built with it (the same results, ten times faster: every start reads the
#: reference data and knowledge base), else PyYAML's own.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """A YAML file (the shipped reference data), read with the safe loader."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=SAFE_LOADER)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no zone, so it is stored as naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is needed")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- the shipped reference data: loaded again only when it changed ---------------------------------------

STORAGE = Path(__file__).parent


class ReferenceLoad(Base):
    """What shipped reference data this database last loaded: a digest of the files and of their loaders. A start
    that finds the same digest has nothing to load (loading is idempotent, so skipping it changes nothing)."""

    __tablename__ = "reference_loads"
    __table_args__ = {"info": {"backup": False}}  # a restored database loads the reference data again

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


# --- what status and nations show: a number raised by every change to it ------------------------------------------

#: The tables ``/ipslo status`` and ``/ipslo nations`` read. A trigger on each (migration 0015) raises
#: ``data_changes.version`` in the transaction that changes a row, however it is written.
CHANGE_TRACKED = ("nations", "assessments", "conditions_of_entry", "coe_exceptions", "coe_confirmations", "visits")


class DataChanges(Base):
    """One row: the version of what :data:`CHANGE_TRACKED` holds. A reply drawn under one version stays true until
    the version moves (bot/runtime.py: ReplyCache)."""

    __tablename__ = "data_changes"
    __table_args__ = {"info": {"backup": False}}  # a restore rewrites the tracked tables, which raises it

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class VersionReader:
    """Reads the version of what status and nations show (:class:`DataChanges`), as committed now, for every request
    that may be answered from kept replies, so it is read on driver connections of its own, each kept open between
    reads, in autocommit: no pool check-out, no ping, no transaction (on PostgreSQL one round trip of a prepared
    statement, on SQLite a few microseconds). A kept connection the server dropped is replaced once; a database that
    does not answer raises as any query would (SQLAlchemy's ``OperationalError``)."""

    KEEP = 8  # idle connections kept: one per web thread reading at once (WEB_THREADS, 8 by default); each counts
    # against PostgreSQL's max_connections, in every web process (README: How many processes and threads)
    QUERY = "SELECT version FROM data_changes WHERE id = 1"

    def __init__(self, engine: Engine) -> None:
        self._engine = create_engine(engine.url, poolclass=NullPool)  # reads only: no pragmas, no folder made
        self._errors = self._engine.dialect.loaded_dbapi.Error
        self._idle: deque[Any] = deque()

    def _connect(self) -> Any:
        pooled = self._engine.raw_connection()  # the database's URL, with its connect arguments
        pooled.detach()  # the driver's connection is this reader's own from now on
        connection: Any = pooled.dbapi_connection
        if self._engine.dialect.name == "postgresql":
            connection.autocommit = True
        return connection

    def _query(self, connection: Any) -> int:
        cursor = connection.cursor()
        try:
            cursor.execute(self.QUERY)
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()

    def read(self) -> int:
        try:
            connection, kept = self._idle.pop(), True
        except IndexError:
            connection, kept = None, False
        try:
            if connection is None:
                connection = self._connect()
            version = self._query(connection)
        except self._errors as error:
            if connection is not None:
                self._discard(connection)
            if not kept:
                raise exc.OperationalError(self.QUERY, None, error) from error
            try:  # the kept connection was dropped (a restart): once more, on a new one
                connection = self._connect()
                version = self._query(connection)
            except self._errors as again:
                raise exc.OperationalError(self.QUERY, None, again) from again
        if len(self._idle) < self.KEEP:
            self._idle.append(connection)
        else:
            self._discard(connection)
        return version

    @staticmethod
    def _discard(connection: Any) -> None:
        try:
            connection.close()
        except Exception:  # already broken: nothing to close
            pass

    def close(self) -> None:
        while self._idle:
            self._discard(self._idle.pop())


def reference_digest() -> str:
    """A digest of every file under ``storage/reference`` and of the modules that load them (``nations.py``,
    ``knowledge.py``, this one): any change to what would be loaded, or to how, changes it."""
    digest = hashlib.sha256()
    files = sorted((STORAGE / "reference").rglob("*.yaml"))
    for path in [*files, STORAGE / "nations.py", STORAGE / "knowledge.py", Path(__file__)]:
        digest.update(str(path.relative_to(STORAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def reference_is_loaded(*, session: Session, digest: str) -> bool:
    return session.scalar(select(ReferenceLoad.digest).where(ReferenceLoad.name == "shipped")) == digest


def record_reference_load(*, session: Session, digest: str) -> None:
    session.merge(ReferenceLoad(name="shipped", digest=digest, loaded_at=utcnow()))


def normalize_url(url: str) -> str:
    """Accept the ``postgres://`` URLs hosting platforms hand out, and use the psycopg 3 driver for PostgreSQL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


#: What a database URL's password is shown as (SQLAlchemy's own mask).
HIDDEN = "***"


def shown_url(url: str) -> str:
    """A database URL as it may be printed or logged: the password masked (SQLAlchemy's
    ``URL.render_as_string(hide_password=True)``), a ``password`` in the query too. Text that is no URL at all (a
    setting typed wrong) has whatever stands between ``://user:`` and ``@`` masked."""
    try:
        parsed = make_url(url)
    except Exception:
        return re.sub(r"(//[^:/@\s]*:)[^@\s]*@", rf"\g<1>{HIDDEN}@", url)
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": "HIDDEN"})
    return parsed.render_as_string(hide_password=True).replace("password=HIDDEN", f"password={HIDDEN}")


def without_password(text: str, url: str) -> str:
    """``text`` (a driver's error message, a line about to be printed) with the URL shown masked and its password
    cut out wherever it is repeated."""
    text = text.replace(url, shown_url(url))
    try:
        parsed = make_url(url)
    except Exception:
        return text
    for secret in (parsed.password, parsed.query.get("password")):
        if isinstance(secret, str) and secret:
            text = text.replace(secret, HIDDEN).replace(quote(secret, safe=""), HIDDEN)
    return text


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)

    @event.listens_for(engine, "connect")
    def _postgres_settings(dbapi_connection: Any, _record: Any) -> None:
        """Every statement planned for its own values: psycopg prepares a statement run five times, after which
        PostgreSQL may settle on one generic plan for all values, which for a note search on a common word reads
        every note that has it (5 -> 40 ms). And no parallel workers: each query reads a few hundred rows at most,
        and starting workers costs more than it saves. Set once per connection, so autocommit reads keep them."""
        cursor = dbapi_connection.cursor()
        cursor.execute("SET plan_cache_mode = force_custom_plan")
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        cursor.close()
        dbapi_connection.commit()

    return engine


def make_sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


class WriteRefused(RuntimeError):
    """A session for reading (:func:`make_readers`) was asked to write."""


def make_readers(engine: Engine) -> sessionmaker:
    """Sessions for operations that only read: each statement stands alone (autocommit), so PostgreSQL is sent no
    BEGIN and no COMMIT, two round trips of the three a one-query answer took. Each statement sees what was committed
    when it began, as in a transaction at READ COMMITTED (PostgreSQL's default, and the bot's). Writing through one
    raises :class:`WriteRefused` (nothing is written)."""
    sessions = sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
    event.listen(sessions, "before_flush", _refuse_flush)
    event.listen(sessions, "do_orm_execute", _refuse_write)
    return sessions


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise WriteRefused("an operation that only reads tried to write")


def _refuse_write(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise WriteRefused("an operation that only reads tried to write")


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def hold_start_lock(connection: Connection | Session) -> None:
    """On PostgreSQL, wait for any other process that is migrating or loading the reference data, until the end of
    this transaction (SQLite serves one process)."""
    dialect = connection.get_bind().dialect if isinstance(connection, Session) else connection.dialect
    if dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(7270001)"))


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration's revision, read from the files in ``migrations/versions`` without Alembic (importing it
    and its scripts takes a third of a second); None when they do not form one line."""
    revisions: set[str] = set()
    replaced: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name == "__init__.py" or path.name.startswith(".#"):  # what Alembic skips too
            continue
        source = path.read_text(encoding="utf-8")
        revision = re.search(r"""^revision\b[^=\n]*=\s*["']([^"']+)["']""", source, re.MULTILINE)
        down = re.search(r"""^down_revision\b[^=\n]*=\s*(?:["']([^"']+)["']|None)""", source, re.MULTILINE)
        if revision is None or down is None:
            return None
        revisions.add(revision[1])
        if down[1]:
            replaced.add(down[1])
    heads = revisions - replaced
    return heads.pop() if len(heads) == 1 else None


def at_head(connection: Connection) -> bool:
    """Whether the database's schema is already the newest (a start that finds nothing to do need not run Alembic)."""
    head = head_revision()
    if head is None or not inspect(connection).has_table("alembic_version"):
        return False
    return [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))] == [head]


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest schema by default)."""
    with engine.begin() as connection:
        hold_start_lock(connection)  # several processes may start at once: one migrates, the others wait for it
        if revision == "head" and at_head(connection):
            return
        from alembic import command

        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ping(engine: Engine) -> bool:
    """True when the database answers."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
