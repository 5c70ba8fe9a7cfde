"""Backup and restore: every table of the team's data as one JSON Lines file, taken at one moment while the bot runs.

The file, one JSON object a line:
    {"format": "ipslo-backup", "version": 1, "schema": "<alembic revision>", "taken_at": "...", "database": "sqlite"}
    {"table": "nations", "columns": ["iso2", ...]}
    {"table": "nations", "row": ["FJ", ...]}          (one line per row, in primary-key order)
    ...
    {"end": true, "rows": {"nations": 61, ...}}        (a file without it was cut short and is refused)

It is generic over the SQLAlchemy metadata: every table the models declare is included (tables another branch adds
too), in foreign-key order, except those marked ``info={"backup": False}`` (bookkeeping such as Slack request ids).
Values are written by their column's type (timestamps as ISO 8601 UTC, dates as ISO dates, JSON as JSON) and read
back through the same types, so a backup from SQLite restores into PostgreSQL and back unchanged.

Consistency: the whole backup is read in one transaction: REPEATABLE READ (a snapshot) on PostgreSQL, one read
transaction on SQLite (WAL keeps its snapshot while writers go on).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import importlib
import json
import pkgutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, MetaData, Table, delete, func, inspect, select, text
from sqlalchemy import types as sqltypes

from storage.db import REFERENCE_DATA, Base, ReferenceLoad, migrate, utcnow

FORMAT = "ipslo-backup"
VERSION = 1
BATCH = 1000


class BackupError(Exception):
    """A backup that cannot be restored here, or a database a restore would overwrite; the message says what to do."""


def team_metadata() -> MetaData:
    """Every model's table: each module of ``storage`` is imported so that tables added later are included too."""
    import storage

    for module in pkgutil.iter_modules(storage.__path__):
        if module.name not in ("migrations", "backup"):
            importlib.import_module(f"storage.{module.name}")
    return Base.metadata


def team_tables(metadata: MetaData | None = None) -> list[Table]:
    """The tables a backup holds, parents before children."""
    metadata = metadata or team_metadata()
    return [table for table in metadata.sorted_tables if table.info.get("backup", True)]


def schema_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) if heads else None


# --- values ------------------------------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def decoder(column_type: sqltypes.TypeEngine) -> Any:
    """How a column's value is read back from the file, by the column's type."""
    kind: Any = column_type
    if isinstance(kind, sqltypes.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sqltypes.JSON):
        return None
    if isinstance(kind, sqltypes.DateTime):
        return lambda v: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
    if isinstance(kind, sqltypes.Date):
        return lambda v: dt.date.fromisoformat(v) if isinstance(v, str) else v
    if isinstance(kind, sqltypes.Time):
        return lambda v: dt.time.fromisoformat(v) if isinstance(v, str) else v
    if isinstance(kind, sqltypes.Numeric) and not isinstance(kind, sqltypes.Float):
        return lambda v: decimal.Decimal(v) if isinstance(v, str) else v
    if isinstance(kind, sqltypes.LargeBinary):
        return lambda v: base64.b64decode(v) if isinstance(v, str) else v
    if isinstance(kind, sqltypes.Uuid):
        return lambda v: uuid.UUID(v) if isinstance(v, str) and kind.as_uuid else v
    return None


# --- backup ------------------------------------------------------------------------------------------------------


def snapshot(engine: Engine) -> Iterator[Connection]:
    """One connection reading the whole database as of one moment."""
    if engine.dialect.name == "postgresql":
        connection = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        with connection, connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            yield connection
        return
    # SQLite: the driver's own transaction handling starts no transaction for reads; begin one by hand.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.exec_driver_sql("ROLLBACK")


def backup_lines(engine: Engine) -> Iterator[str]:
    """The backup, line by line (a generator: the snapshot is held until it is exhausted or closed)."""
    tables = team_tables()
    for connection in snapshot(engine):
        header = {
            "format": FORMAT,
            "version": VERSION,
            "schema": schema_revision(connection),
            "taken_at": encode(utcnow()),
            "database": engine.dialect.name,
        }
        yield json.dumps(header)
        counts: dict[str, int] = {}
        for table in tables:
            columns = [column.name for column in table.columns]
            yield json.dumps({"table": table.name, "columns": columns})
            order = list(table.primary_key.columns) or list(table.columns)
            result = connection.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
            count = 0
            for row in result:
                yield json.dumps({"table": table.name, "row": [encode(v) for v in row]}, ensure_ascii=False)
                count += 1
            counts[table.name] = count
        yield json.dumps({"end": True, "rows": counts})


def write_backup(engine: Engine, out: IO[str]) -> dict[str, int]:
    """Write the backup to ``out``; returns the rows written per table."""
    counts: dict[str, int] = {}
    for line in backup_lines(engine):
        out.write(line + "\n")
        if line.startswith('{"end": true'):
            counts = json.loads(line)["rows"]
    return counts


# --- restore -----------------------------------------------------------------------------------------------------


@dataclass
class Backup:
    header: dict[str, Any]
    columns: dict[str, list[str]]
    rows: dict[str, list[list[Any]]]


def read_backup(lines: IO[str]) -> Backup:
    """A whole backup, checked: its format and version, every table announced, and the end line with its counts."""
    header: dict[str, Any] | None = None
    columns: dict[str, list[str]] = {}
    rows: dict[str, list[list[Any]]] = {}
    end: dict[str, Any] | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise BackupError(f"line {number} of the backup is not JSON: the file is damaged.") from None
        if header is None:
            if not isinstance(item, dict) or item.get("format") != FORMAT:
                raise BackupError("this is not an ipslo-bot backup (its first line should name the format).")
            if item.get("version") != VERSION:
                raise BackupError(
                    f"backup format version {item.get('version')} is not {VERSION}: restore it with the "
                    "ipslo-bot version that wrote it."
                )
            header = item
        elif "row" in item:
            rows.setdefault(item["table"], []).append(item["row"])
        elif "columns" in item:
            columns[item["table"]] = item["columns"]
            rows.setdefault(item["table"], [])
        elif item.get("end"):
            end = item
    if header is None:
        raise BackupError("the backup file is empty.")
    if end is None:
        raise BackupError("the backup has no end line: it was cut short (the disk filled, or the copy stopped).")
    for table, count in end["rows"].items():
        if len(rows.get(table, [])) != count:
            raise BackupError(f"the backup's table {table} has {len(rows.get(table, []))} rows, not {count}: damaged.")
    return Backup(header, columns, rows)


def officer_rows(connection: Connection, tables: list[Table]) -> dict[str, int]:
    """Rows anyone recorded (everything but the shipped reference data), per table that has some."""
    found = {}
    for table in tables:
        query = select(func.count()).select_from(table)
        if "recorded_by" in table.columns:
            query = query.where(table.c.recorded_by != REFERENCE_DATA)
        count = connection.execute(query).scalar() or 0
        if count:
            found[table.name] = count
    return found


def restore(engine: Engine, backup: Backup, *, replace: bool = False) -> dict[str, int]:
    """Load a backup into the database: migrated to the backup's schema first, then to the newest after loading.

    Refuses a database that holds anything but the shipped reference data unless ``replace``; then (and for the
    reference data) every table is emptied first. One transaction: a failed restore leaves the database as it was.
    """
    revision = backup.header.get("schema")
    if not revision:
        raise BackupError("the backup names no schema revision: it was taken from a database never migrated.")
    with engine.connect() as connection:
        current = schema_revision(connection)
    if current is None:
        try:
            migrate(engine, revision)
        except Exception as error:
            raise BackupError(
                f"the backup's schema {revision} is not one this version of ipslo-bot knows "
                f"({error.__class__.__name__}): restore it with the version that wrote it, or a newer one."
            ) from None
    elif current != revision:
        raise BackupError(
            f"the database is at schema {current} and the backup at {revision}: restore into a new, empty database "
            "(it is migrated to the backup's schema, loaded, then brought up to date)."
        )
    tables = team_tables()
    known = {table.name: table for table in tables}
    unknown = sorted(set(backup.columns) - set(known))
    if unknown:
        raise BackupError(f"the backup has tables this version does not know: {', '.join(unknown)}.")
    loaded: dict[str, int] = {}
    with engine.begin() as connection:
        existing = officer_rows(connection, tables)
        if existing and not replace:
            listed = ", ".join(f"{name} ({count})" for name, count in existing.items())
            raise BackupError(
                f"the database already holds the team's data: {listed}. Restore into an empty database, "
                "or add --replace to overwrite it."
            )
        for table in reversed(tables):
            connection.execute(table.delete())
        for table in tables:
            names = backup.columns.get(table.name)
            if names is None:
                continue
            missing = [name for name in names if name not in table.columns]
            if missing:
                raise BackupError(f"the backup's table {table.name} has columns this version lacks: {missing}.")
            decoders = [decoder(table.columns[name].type) for name in names]
            records = [
                {
                    name: (convert(value) if convert and value is not None else value)
                    for name, convert, value in zip(names, decoders, row, strict=True)
                }
                for row in backup.rows.get(table.name, [])
            ]
            for start in range(0, len(records), BATCH):
                connection.execute(table.insert(), records[start : start + BATCH])
            loaded[table.name] = len(records)
        if connection.dialect.name == "postgresql":
            reset_sequences(connection, tables)
        if inspect(connection).has_table(ReferenceLoad.__tablename__):  # (a backup's older schema may lack it)
            connection.execute(delete(ReferenceLoad))  # the next start loads the shipped data again
    migrate(engine)
    return loaded


def reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """PostgreSQL: the next id after a restore follows the highest restored one."""
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sqltypes.Integer):
                continue
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column.name}
            ).scalar()
            if sequence:
                highest = f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1'
                connection.execute(text(f"SELECT setval(:sequence, {highest}, false)"), {"sequence": sequence})


# --- scheduled backups into a folder -----------------------------------------------------------------------------

BACKUP_GLOB = "ipslo-backup-*.jsonl"


def backup_to_folder(engine: Engine, folder: Path, *, keep: int, now: dt.datetime | None = None) -> Path:
    """Write a dated backup into ``folder`` (written aside, then renamed: never a half file) and keep the newest
    ``keep`` of them."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or utcnow()).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"ipslo-backup-{stamp}.jsonl"
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        write_backup(engine, out)
    partial.replace(path)
    for old in sorted(folder.glob(BACKUP_GLOB))[:-keep]:
        old.unlink()
    return path


def scheduled_backups(env: dict[str, str]) -> tuple[Path, int] | None:
    """``IPSLO_BACKUP_DIR`` (a folder for a daily backup) and ``IPSLO_BACKUP_KEEP`` (how many to keep, default 14);
    None when no folder is set. A malformed value is a ValueError whose message names the variable."""
    folder = (env.get("IPSLO_BACKUP_DIR") or "").strip()
    if not folder:
        return None
    keep = (env.get("IPSLO_BACKUP_KEEP") or "14").strip()
    if not keep.isdigit() or not 1 <= int(keep) <= 3650:
        raise ValueError(f"IPSLO_BACKUP_KEEP must be how many daily backups to keep, such as 14; got {keep!r}.")
    return Path(folder), int(keep)
