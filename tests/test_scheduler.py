"""The scheduler keeps its promises: reminders arrive when due, survive restarts, are marked late or missed honestly,
and go out exactly once when several bot processes share one database."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.runtime import open_database
from bot.scheduler import ReminderScheduler
from bot.settings import Settings
from storage import reminders as store
from storage.db import utcnow
from storage.reminders import Reminder
from tests.conftest import OFFICER, SIGNING_SECRET, Workspace
from tests.reading import render
from tests.standin import CheckedSlack as SlackStandIn

DM = f"D{OFFICER}"


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return replace(settings, poll_seconds=0.5)


@pytest.fixture
def scheduler(fast: Settings, database) -> Iterator[ReminderScheduler]:
    with ReminderScheduler(settings=fast, database=database, name="test") as running:
        yield running


def add(database, *, due_at: dt.datetime, text: str, owner: str = OFFICER) -> int:
    with database.sessions.begin() as session:
        return store.add_reminder(
            session=session,
            kind=store.ADHOC,
            owner_user_id=owner,
            due_at=due_at,
            text=text,
            recorded_by=owner,
            nation_iso2="FJ",
        ).id


def reminder(database, reminder_id: int) -> Reminder:
    with database.sessions() as session:
        return session.get(Reminder, reminder_id)


def dms(standin: SlackStandIn) -> list[str]:
    return [m["text"] for m in standin.messages(DM)]


def test_a_reminder_set_by_command_arrives_when_due_and_not_before(workspace: Workspace, scheduler) -> None:
    answer = workspace.command("remind fiji in 2 seconds check the agenda")
    assert "I'll remind you" in answer.text
    assert workspace.standin.calls_to("chat.postMessage") == []  # not yet
    assert workspace.standin.wait_for(lambda: reminder(workspace.database, 1).state == store.SENT, timeout=15)
    sent = reminder(workspace.database, 1)
    assert sent.sent_at >= sent.due_at  # never early
    text = render(workspace.standin.calls_to("chat.postMessage")[0].args)
    assert "check the agenda" in text and "[Done]" in text


def test_a_reminder_set_in_the_same_process_is_timed_at_once_not_at_the_next_poll(
    workspace: Workspace, settings: Settings, database
) -> None:
    with ReminderScheduler(settings=replace(settings, poll_seconds=60), database=database, name="web") as running:
        assert running.started.wait(5)  # the next poll is a minute away
        workspace.command("remind fiji in 2 seconds soon")
        assert workspace.standin.wait_for(lambda: reminder(database, 1).state == store.SENT, timeout=20)


def test_a_reminder_snoozed_or_moved_in_the_same_process_is_timed_at_once(
    settings: Settings, database, standin: SlackStandIn
) -> None:
    reminder_id = add(database, due_at=utcnow() + dt.timedelta(hours=1), text="moved earlier")
    with ReminderScheduler(settings=replace(settings, poll_seconds=60), database=database, name="web") as running:
        assert running.started.wait(5)  # the next poll is a minute away
        with database.sessions.begin() as session:
            assert store.reschedule(
                session=session,
                reminder=session.get(Reminder, reminder_id),
                due_at=utcnow() + dt.timedelta(seconds=2),
                updated_by=OFFICER,
            )
        assert standin.wait_for(lambda: reminder(database, reminder_id).state == store.SENT, timeout=20)
    assert dms(standin) == ["Reminder: moved earlier (Fiji)"]


def test_a_reminder_survives_a_restart(fast: Settings, database, standin: SlackStandIn) -> None:
    reminder_id = add(database, due_at=utcnow() + dt.timedelta(seconds=2), text="after the restart")
    first = ReminderScheduler(settings=fast, database=database, name="first").start()
    assert first.started.wait(5)
    first.stop()  # the bot stops before the reminder is due: its jobs were in memory only
    time.sleep(2.5)
    assert dms(standin) == []
    with ReminderScheduler(settings=fast, database=database, name="second") as second:
        assert second.started.wait(5)
        assert standin.wait_for(lambda: dms(standin), timeout=10)
    assert reminder(database, reminder_id).claimed_by == "second"
    assert reminder(database, reminder_id).state == store.SENT  # a few seconds after its time is not late


def test_what_fell_due_while_the_bot_was_down_is_sent_late_or_marked_missed(
    fast: Settings, database, standin: SlackStandIn, workspace: Workspace
) -> None:
    now = utcnow()
    late = add(database, due_at=now - dt.timedelta(hours=2), text="two hours ago")
    missed = add(database, due_at=now - dt.timedelta(hours=13), text="thirteen hours ago")
    with ReminderScheduler(settings=fast, database=database, name="restarted") as running:
        assert running.started.wait(5)
        assert standin.wait_for(lambda: dms(standin), timeout=10)
        time.sleep(1)  # a second poll must not send the missed one either
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert reminder(database, late).state == store.LATE
    assert reminder(database, late).due_at == now - dt.timedelta(hours=2)  # the original time is kept
    assert reminder(database, missed).state == store.MISSED
    text = render(standin.calls_to("chat.postMessage")[0].args)
    assert "two hours ago" in text and "Late: this was due" in text
    listed = workspace.command("reminders")
    assert "missed, was due" in listed.text and "thirteen hours ago" in listed.text
    assert "sent late, was due" in listed.text and "two hours ago" in listed.text


def test_the_grace_period_is_a_setting(fast: Settings, database, standin: SlackStandIn) -> None:
    settings = replace(fast, reminder_grace=dt.timedelta(hours=1))
    two_hours = add(database, due_at=utcnow() - dt.timedelta(hours=2), text="two hours ago")
    with ReminderScheduler(settings=settings, database=database, name="strict") as running:
        assert running.started.wait(5)
        time.sleep(1)
    assert reminder(database, two_hours).state == store.MISSED
    assert dms(standin) == []


def test_a_cancelled_or_snoozed_reminder_is_not_sent_at_its_old_time(
    fast: Settings, database, standin: SlackStandIn
) -> None:
    cancelled = add(database, due_at=utcnow() + dt.timedelta(seconds=1.5), text="cancelled")
    moved = add(database, due_at=utcnow() + dt.timedelta(seconds=1.5), text="moved")
    with ReminderScheduler(settings=fast, database=database, name="test") as running:
        assert running.started.wait(5)  # both are scheduled in memory now
        with database.sessions.begin() as session:
            store.set_state(
                session=session, reminder=session.get(Reminder, cancelled), state=store.CANCELLED, updated_by=OFFICER
            )
            store.reschedule(
                session=session,
                reminder=session.get(Reminder, moved),
                due_at=utcnow() + dt.timedelta(hours=1),
                updated_by=OFFICER,
            )
        time.sleep(2.5)
    assert dms(standin) == []
    assert reminder(database, moved).state == store.PENDING


# --- several processes on one database ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_bot(
    verb: str, *, database_url: str, standin: SlackStandIn, tmp_path: Path, port: int, **extra: str
) -> subprocess.Popen:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy") and not k.startswith(("SLACK_", "IPSLO_"))
    }
    env.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=standin.bot_token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        PORT=str(port),
        IPSLO_POLL_SECONDS="1",
        **extra,
    )
    with open(tmp_path / f"{verb}-{port}.log", "w") as log:  # the process keeps its own copy of the file
        return subprocess.Popen(
            [sys.executable, "-m", "bot", verb],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_two_bot_processes_deliver_each_of_200_reminders_exactly_once(postgres_url: str, tmp_path: Path) -> None:
    with SlackStandIn() as standin:
        standin.add_user(OFFICER, name="kim", tz="Asia/Tokyo")
        database = open_database(Settings(database_url=postgres_url))
        ports = [free_port(), free_port()]
        processes = [
            start_bot("run", database_url=postgres_url, standin=standin, tmp_path=tmp_path, port=port) for port in ports
        ]
        try:
            assert standin.wait_for(lambda: all(healthy(p) for p in ports), timeout=60), [
                (tmp_path / f"run-{p}.log").read_text() for p in ports
            ]
            time.sleep(1.5)  # both schedulers have polled once
            start = utcnow() + dt.timedelta(seconds=3)
            ids = [
                add(database, due_at=start + dt.timedelta(milliseconds=15 * i), text=f"reminder {i:03d}")
                for i in range(200)
            ]
            assert standin.wait_for(lambda: len(standin.calls_to("chat.postMessage")) >= 200, timeout=60)
            time.sleep(3)  # long enough for any second delivery to show
            for process in processes:
                stop(process)
            sent = Counter(call.args["text"] for call in standin.calls_to("chat.postMessage"))
            assert len(sent) == 200 and set(sent.values()) == {1}, [t for t, n in sent.items() if n != 1]
            with database.sessions() as session:
                rows = session.scalars(select(Reminder).where(Reminder.id.in_(ids))).all()
            assert {r.state for r in rows} <= {store.SENT, store.LATE} and all(r.attempts == 1 for r in rows)
            assert len({r.claimed_by for r in rows}) == 2, "both processes took part"
            assert not standin.violations
            assert not any("Traceback" in (tmp_path / f"run-{p}.log").read_text() for p in ports)
        finally:
            for process in processes:
                stop(process)
            database.engine.dispose()


def test_a_worker_delivers_what_a_web_process_without_scheduler_wrote(
    database_url: str, tmp_path: Path, standin: SlackStandIn
) -> None:
    database = open_database(Settings(database_url=database_url))
    port = free_port()
    web = start_bot(
        "run", database_url=database_url, standin=standin, tmp_path=tmp_path, port=port, IPSLO_SCHEDULER="off"
    )
    worker = start_bot("scheduler", database_url=database_url, standin=standin, tmp_path=tmp_path, port=free_port())
    try:
        assert standin.wait_for(lambda: healthy(port), timeout=60), (tmp_path / f"run-{port}.log").read_text()
        workspace = Workspace(f"http://127.0.0.1:{port}/slack/events", standin, database, Settings())
        answer = workspace.command("remind fiji in 3 seconds worker test")
        assert "I'll remind you" in answer.text
        assert standin.wait_for(lambda: reminder(database, 1).state == store.SENT, timeout=30), next(
            tmp_path.glob("scheduler-*.log")
        ).read_text()
        assert (
            reminder(database, 1).claimed_by == f"{socket.gethostname()}:{worker.pid}"
        )  # the worker, not the web process
        assert len(standin.calls_to("chat.postMessage")) == 1
    finally:
        stop(web)
        stop(worker)
        database.engine.dispose()
