"""Backup and restore as an operator uses them: the team's data written while the bot runs, loaded into an empty
database of either kind, every table equal row by row after SQLite -> PostgreSQL -> SQLite."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text, update

from bot.runtime import Database, open_database
from bot.settings import Settings
from bot.slack_standin import SlackStandIn
from storage import reminders as store
from storage.backup import BackupError, backup_lines, backup_to_folder, read_backup, restore, team_tables, write_backup
from storage.db import make_engine
from storage.reminders import Reminder
from tests.conftest import ADMIN, SIGNING_SECRET, Workspace, served
from tests.test_entrypoints import clean_env


def settings_for(url: str, standin: SlackStandIn) -> Settings:
    return Settings(
        database_url=url,
        slack_bot_token=standin.bot_token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.api_url,
        admins=frozenset({ADMIN}),
    )


def populate(team: Workspace) -> None:
    """A team's worth of data, written through the real commands; then reminders put in every state."""
    assert "Recorded" in team.command("assess fiji 2026-10-03 substantially implementing trip 26-041", user=ADMIN).text
    assert team.command("visit add fiji 2027-01-12 to 2027-01-16 country visit").status == 200
    assert team.command("visit add tonga 2027-03-02 capacity building").status == 200
    assert team.command("visit cancel 2").status == 200
    for when in ("tomorrow 09:00", "in 2 days", "in 3 days", "in 4 days", "in 5 days", "in 6 days"):
        assert team.command(f"remind fiji {when} send the agenda & the PFSP list").status == 200
    assert "Saved" in team.command("note fiji Met the DA; PFSP review for Suva pending #pfsp Q&A").text
    assert "Saved" in team.command("note tonga ナンディ港の施設 visit notes in Japanese").text
    assert team.command("note edit 1 Met the DA; PFSP review for Suva done #pfsp").status == 200
    assert team.command("note delete 2").status == 200
    assert team.command("note restore 2", user=ADMIN).status == 200
    now = dt.datetime.now(dt.UTC)
    with team.database.sessions.begin() as session:
        ids = sorted(session.scalars(select(Reminder.id).where(Reminder.kind == store.ADHOC)))
        for reminder_id, state in zip(
            ids, (store.SENT, store.LATE, store.MISSED, store.FAILED, store.DONE), strict=False
        ):
            values: dict[str, Any] = {"state": state, "updated_by": "test", "updated_at": now}
            if state in (store.SENT, store.LATE, store.DONE):
                values |= {"sent_at": now, "channel": "D0OFFICER", "message_ts": "1764000000.000100", "attempts": 1}
            if state == store.FAILED:
                values |= {"failure_reason": "channel_not_found", "attempts": 1}
            session.execute(update(Reminder).where(Reminder.id == reminder_id).values(**values))
        store.claim_digest(session=session, channel="C0DIGEST", scheduled_for=now.replace(microsecond=0), posted_by="t")


def rows(engine: Engine) -> dict[str, list[tuple]]:
    """Every table of the team's data, row by row in primary-key order, as Python values."""
    found = {}
    with engine.connect() as connection:
        for table in team_tables():
            order = list(table.primary_key.columns) or list(table.columns)
            found[table.name] = [
                tuple(v.astimezone(dt.UTC) if isinstance(v, dt.datetime) else v for v in row)
                for row in connection.execute(select(table).order_by(*order))
            ]
    return found


def backup_text(engine: Engine) -> str:
    out = io.StringIO()
    write_backup(engine, out)
    return out.getvalue()


@pytest.fixture
def sqlite_team(sqlite_url: str, standin: SlackStandIn) -> Iterator[Workspace]:
    database = open_database(Settings(database_url=sqlite_url))
    with served(settings_for(sqlite_url, standin), database, standin) as team:
        populate(team)
        yield team
    database.engine.dispose()


def test_round_trip_sqlite_to_postgresql_to_sqlite_keeps_every_row(
    sqlite_team: Workspace, postgres_url: str, tmp_path: Path, standin: SlackStandIn
) -> None:
    original = rows(sqlite_team.database.engine)
    states = {row[original_columns("reminders").index("state")] for row in original["reminders"]}
    assert states >= {"pending", "sent", "late", "missed", "failed", "done", "cancelled"}
    assert len(original["note_changes"]) >= 4 and original["digest_runs"] and original["officers"]

    first = backup_text(sqlite_team.database.engine)
    postgres = make_engine(postgres_url)
    loaded = restore(postgres, read_backup(io.StringIO(first)))
    assert loaded == {name: len(table_rows) for name, table_rows in original.items()}
    assert rows(postgres) == original

    second = backup_text(postgres)
    again = make_engine(f"sqlite:///{tmp_path / 'again.db'}")
    restore(again, read_backup(io.StringIO(second)))
    assert rows(again) == original
    assert first.splitlines()[1:] == second.splitlines()[1:]  # the same file, but for when and where it was taken

    # The restored PostgreSQL database is the bot's: the next note gets the next id, search finds restored notes.
    database = open_database(Settings(database_url=postgres_url))
    with served(settings_for(postgres_url, standin), database, standin) as team:
        assert "Saved note #3 under Fiji" in team.command("note fiji after the restore").text
        assert "Suva" in team.command("search suva").text
    database.engine.dispose()
    postgres.dispose()
    again.dispose()


def original_columns(table: str) -> list[str]:
    return [c.name for t in team_tables() if t.name == table for c in t.columns]


def test_a_backup_is_one_moment_while_the_bot_writes(database: Database) -> None:
    lines = backup_lines(database.engine)
    taken = [next(lines), next(lines)]  # the header and the first table: the snapshot is open
    with database.sessions.begin() as session:
        session.execute(
            text("INSERT INTO officers (user_id, name, tz, fetched_at) VALUES ('U0LATE', 'Late', 'UTC', '2026-01-01')")
        )
    taken += list(lines)
    assert not any('"U0LATE"' in line for line in taken)  # written after the moment the backup is of
    assert json.loads(taken[-1])["rows"]["officers"] == 0
    assert "U0LATE" in backup_text(database.engine)  # the next backup has it


def test_restore_refuses_a_database_with_the_teams_data_unless_replace(sqlite_team: Workspace, tmp_path: Path) -> None:
    backup = backup_text(sqlite_team.database.engine)
    with pytest.raises(BackupError, match=r"already holds the team.s data: .*assessments \(1\).*--replace"):
        restore(sqlite_team.database.engine, read_backup(io.StringIO(backup)))
    sqlite_team.command("note fiji written after the backup")
    restore(sqlite_team.database.engine, read_backup(io.StringIO(backup)), replace=True)
    assert "written after the backup" not in str(rows(sqlite_team.database.engine)["notes"])


def test_a_cut_short_backup_is_refused(sqlite_team: Workspace) -> None:
    lines = backup_text(sqlite_team.database.engine).splitlines(keepends=True)
    with pytest.raises(BackupError, match="cut short"):
        read_backup(io.StringIO("".join(lines[:-5])))
    with pytest.raises(BackupError, match="not an ipslo-bot backup"):
        read_backup(io.StringIO('{"hello": 1}\n'))


def test_scheduled_backups_keep_the_newest(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    day = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)
    for n in range(4):
        backup_to_folder(database.engine, folder, keep=2, now=day + dt.timedelta(days=n))
    assert sorted(p.name for p in folder.iterdir()) == [
        "ipslo-backup-20261203T030000Z.jsonl",
        "ipslo-backup-20261204T030000Z.jsonl",
    ]


def bot(*args: str, cwd: Path, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_env(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backup_and_restore_from_the_command_line(sqlite_team: Workspace, sqlite_url: str, tmp_path: Path) -> None:
    made = bot("backup", "team.jsonl", cwd=tmp_path, url=sqlite_url)
    assert made.returncode == 0, made.stderr
    assert made.stderr.startswith("Backed up ") and (tmp_path / "team.jsonl").exists()
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert bot("migrate", cwd=tmp_path, url=fresh).returncode == 0  # a release step ran first: reference data only
    restored = bot("restore", "team.jsonl", cwd=tmp_path, url=fresh)
    assert restored.returncode == 0, restored.stderr
    again = bot("restore", "team.jsonl", cwd=tmp_path, url=fresh)
    assert again.returncode == 2
    assert again.stderr.startswith("ipslo-bot: restore team.jsonl: the database already holds the team's data")
    assert again.stderr.count("\n") == 1 and "Traceback" not in again.stderr
    assert bot("restore", "team.jsonl", "--replace", cwd=tmp_path, url=fresh).returncode == 0
    engine = make_engine(fresh)
    assert rows(engine) == rows(sqlite_team.database.engine)
    engine.dispose()


def test_the_worker_backs_up_daily_into_a_folder(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.scheduler import ReminderScheduler

    monkeypatch.setenv("IPSLO_BACKUP_DIR", str(tmp_path / "daily"))
    monkeypatch.setenv("IPSLO_BACKUP_KEEP", "3")
    scheduler = ReminderScheduler(settings=Settings(database_url="sqlite://"), database=database, client=None)
    with scheduler:
        job = scheduler.scheduler.get_job("backup")
        assert job is not None
        assert job.next_run_time.astimezone(scheduler.settings.team_tz).time() == dt.time(3, 0)
        path = job.func(*job.args)
    assert path is not None and path.parent == tmp_path / "daily"
    assert read_backup(path.open()).header["format"] == "ipslo-backup"


def test_a_malformed_backup_setting_stops_the_worker_with_one_line(tmp_path: Path) -> None:
    env = clean_env(IPSLO_BACKUP_DIR=str(tmp_path), IPSLO_BACKUP_KEEP="a week", SLACK_BOT_TOKEN="xoxb-1")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "scheduler"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert (
        result.stderr
        == "ipslo-bot: IPSLO_BACKUP_KEEP must be how many daily backups to keep, such as 14; got 'a week'.\n"
    )
