"""The fault suite (``pytest -m fault``; .ci/run runs it with the rest): real bot processes, and something breaks.

- Slack down, answering 5xx or 429, or losing its answer after posting, while reminders fall due with a real
  ``python -m bot scheduler`` worker: each reminder is sent exactly once after Slack is back.
- PostgreSQL connections killed (``pg_terminate_backend`` on the bot's own connections, never the server) while
  officers send commands to a real ``python -m bot run``: each reply is an answer or "the database is not
  answering", the bot recovers without a restart, and every note it said it saved is there.
- A worker SIGKILLed while Slack is taking a reminder: the reminder is never dropped in silence; once its claim
  has expired it is marked failed with why, ``/ipslo reminders`` says so, and it is not sent a second time.

Every wait polls the database or the stand-in with a deadline; nothing sleeps for a fixed time and hopes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import signal
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from bot.runtime import Database, open_database
from bot.scheduler import ABANDONED_AFTER
from bot.settings import Settings
from bot.slack_standin import ApiCall
from storage import reminders as store
from storage.db import make_engine, utcnow
from storage.notes import Note
from storage.reminders import Reminder
from tests.conftest import OFFICER, Workspace, served
from tests.standin import CheckedSlack, eventually
from tests.test_scheduler import free_port, healthy, start_bot, stop

pytestmark = pytest.mark.fault

DM = f"D{OFFICER}"
DOWN = "The database is not answering; nothing was saved. Try again in a minute."


def add(database: Database, *, due_at: dt.datetime, text: str) -> int:
    with database.sessions.begin() as session:
        return store.add_reminder(
            session=session,
            kind=store.ADHOC,
            owner_user_id=OFFICER,
            due_at=due_at,
            text=text,
            recorded_by=OFFICER,
            nation_iso2="FJ",
        ).id


def rows(database: Database, ids: list[int]) -> list[Reminder]:
    with database.sessions() as session:
        return list(session.scalars(select(Reminder).where(Reminder.id.in_(ids)).order_by(Reminder.id)))


def posted(standin: CheckedSlack) -> Counter:
    return Counter(m["text"] for m in standin.messages(DM))


@pytest.fixture
def worker_log() -> Iterator[list[subprocess.Popen]]:
    """Worker processes started by a test, stopped (SIGTERM, then SIGKILL) whatever happens."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        stop(process)


def start_worker(
    started: list[subprocess.Popen], *, database_url: str, standin: CheckedSlack, tmp_path: Path
) -> tuple[subprocess.Popen, Path]:
    port = free_port()
    # The first retry after a failure waits 5 s instead of 15: the same path, sooner (time enough to see every
    # reminder waiting for its retry before it is tried again).
    worker = start_bot(
        "scheduler", database_url=database_url, standin=standin, tmp_path=tmp_path, port=port, IPSLO_RETRY_SECONDS="5"
    )
    started.append(worker)
    log = tmp_path / f"scheduler-{port}.log"
    assert eventually(lambda: "started: polling" in log.read_text() or worker.poll() is not None, timeout=60)
    assert worker.poll() is None, log.read_text()
    return worker, log


# --- Slack down, 5xx, 429 while reminders fall due --------------------------------------------------------------

COUNT = 3


@pytest.mark.parametrize("fault", ["unreachable", "5xx and 429", "answer lost after posting"])
def test_reminders_falling_due_while_slack_fails_are_each_sent_once_when_it_is_back(
    fault: str, database: Database, database_url: str, standin: CheckedSlack, tmp_path: Path, worker_log
) -> None:
    worker, log = start_worker(worker_log, database_url=database_url, standin=standin, tmp_path=tmp_path)
    due = utcnow() + dt.timedelta(seconds=2)
    if fault == "5xx and 429":
        standin.fail_next("chat.postMessage", status=500)
        standin.fail_next("chat.postMessage", status=503)
        standin.fail_next("chat.postMessage", status=429, retry_after=2)
    elif fault == "answer lost after posting":
        standin.fail_next("chat.postMessage", status=502, times=COUNT, accepted=True)
    with standin.unreachable() if fault == "unreachable" else _nothing():
        ids = [add(database, due_at=due, text=f"{fault} {n}") for n in range(COUNT)]
        # Each fell due and its first try failed: the worker is waiting to try again, nothing was dropped.
        assert eventually(
            lambda: all(r.state == store.RETRYING and r.attempts == 1 for r in rows(database, ids)), timeout=60
        ), ([(r.state, r.attempts, r.failure_reason) for r in rows(database, ids)], log.read_text())
    assert eventually(lambda: all(r.state in (store.SENT, store.LATE) for r in rows(database, ids)), timeout=90), (
        [(r.state, r.attempts, r.failure_reason) for r in rows(database, ids)],
        log.read_text(),
    )
    sent = posted(standin)
    assert sent == Counter({f"Reminder: {fault} {n} (Fiji)": 1 for n in range(COUNT)})  # each exactly once
    assert all(r.attempts == 2 and r.failure_reason is None for r in rows(database, ids))
    if fault == "answer lost after posting":  # the retry found the message Slack had, and sent nothing
        assert len(standin.calls_to("chat.postMessage")) == COUNT
    stop(worker)
    assert worker.returncode == 0 and "Traceback" not in log.read_text(), log.read_text()


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# --- PostgreSQL connections killed under load ----------------------------------------------------------------


def test_postgresql_connections_killed_under_load_get_clear_replies_and_lose_nothing(
    postgres_url: str, tmp_path: Path, standin: CheckedSlack
) -> None:
    application = f"ipslo_fault_{uuid.uuid4().hex[:8]}"  # tells this bot's connections from everyone else's
    bot_url = f"{postgres_url}&application_name={application}"
    database = open_database(Settings(database_url=postgres_url))
    port = free_port()
    web = start_bot("run", database_url=bot_url, standin=standin, tmp_path=tmp_path, port=port)
    log = tmp_path / f"run-{port}.log"
    admin = make_engine(postgres_url.split("?")[0])
    stop_killing = threading.Event()
    killed = itertools.count()

    def kill_the_bots_connections() -> None:
        with admin.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            while not stop_killing.wait(0.05):
                for (ok,) in connection.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": application},
                ):
                    if ok:
                        next(killed)

    try:
        assert eventually(lambda: healthy(port), timeout=60), log.read_text()
        workspace = Workspace(f"http://127.0.0.1:{port}/slack/events", standin, database, Settings())
        assert "Saved note #" in workspace.command("note fiji before the trouble").text
        texts = [f"note under load {n:02d}" for n in range(40)]
        killer = threading.Thread(target=kill_the_bots_connections, daemon=True)
        killer.start()
        with ThreadPoolExecutor(4) as officers:
            answers = list(officers.map(lambda t: workspace.command(f"note fiji {t}").text, texts))
        stop_killing.set()
        killer.join(10)
        assert next(killed) > 0, "no connection of the bot's was killed: the test tried nothing"

        saved = {t for t, a in zip(texts, answers, strict=True) if "Saved note #" in a}
        down = {t for t, a in zip(texts, answers, strict=True) if DOWN in a}
        assert saved | down == set(texts), [a for a in answers if "Saved note #" not in a and DOWN not in a]
        assert down, "every command got through: the connections were not killed while in use"
        # Back without a restart: the same process answers and saves.
        assert "Saved note #" in workspace.command("note fiji after the trouble").text
        if saved:  # on a loaded machine every one of the 40 may have met a killed connection
            assert "note under load" in workspace.command("notes fiji").text
        with database.sessions() as session:
            stored = set(session.scalars(select(Note.text)))
        assert saved <= stored, saved - stored  # every note the bot said it saved is there
        assert not (down & stored), down & stored  # and "nothing was saved" was true
        assert {"before the trouble", "after the trouble"} <= stored
        assert web.poll() is None
        written = log.read_text()
        assert "note under load" not in written  # officers' words stay out of the log, even when failing
    finally:
        stop_killing.set()
        stop(web)
        admin.dispose()
        database.engine.dispose()


# --- SIGKILL while sending ---------------------------------------------------------------------------------------


def test_a_worker_killed_while_slack_takes_a_reminder_leaves_it_reported_not_dropped(
    settings: Settings, database: Database, database_url: str, standin: CheckedSlack, tmp_path: Path, worker_log
) -> None:
    answer_now = threading.Event()

    def slack_takes_it_but_answers_late(call: ApiCall) -> None:
        if call.method == "chat.postMessage":
            answer_now.wait(60)

    standin.on_call = slack_takes_it_but_answers_late
    worker, log = start_worker(worker_log, database_url=database_url, standin=standin, tmp_path=tmp_path)
    reminder_id = add(database, due_at=utcnow() + dt.timedelta(seconds=2), text="killed mid-send")
    try:
        assert eventually(lambda: bool(standin.calls_to("chat.postMessage")), timeout=60), log.read_text()
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(10) == -signal.SIGKILL
    finally:
        answer_now.set()
    (claimed,) = rows(database, [reminder_id])
    assert claimed.state == store.CLAIMED  # nobody recorded the outcome: the claim says who was sending it

    with served(settings, database, standin) as workspace:
        assert "being sent" in workspace.command("reminders").text

        # The claim expires (its time is moved back past ABANDONED_AFTER) and a new worker finds it.
        with database.sessions.begin() as session:
            session.execute(
                update(Reminder)
                .where(Reminder.id == reminder_id)
                .values(claimed_at=utcnow() - ABANDONED_AFTER - dt.timedelta(minutes=1))
            )
        start_worker(worker_log, database_url=database_url, standin=standin, tmp_path=tmp_path)
        assert eventually(lambda: rows(database, [reminder_id])[0].state == store.FAILED, timeout=60)
        (failed,) = rows(database, [reminder_id])
        assert failed.failure_reason and "stopped while sending" in failed.failure_reason
        listed = workspace.command("reminders").text
    assert "failed" in listed and "killed mid-send" in listed and "stopped while sending" in listed
    assert "Slack refused" not in listed  # Slack refused nothing: the bot stopped
    assert len(standin.calls_to("chat.postMessage")) == 1  # not sent a second time on a guess
