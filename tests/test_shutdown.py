"""Stopping the bot while reminders are being sent: the scheduler stops before its senders, nothing is left
claimed, what Slack took is recorded, what was not sent waits for the next process, and no traceback is logged."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.runtime import open_database
from bot.scheduler import ReminderScheduler
from bot.settings import Settings
from bot.slack_standin import ApiCall, SlackStandIn
from storage import reminders as store
from storage.db import utcnow
from storage.reminders import Reminder
from tests.conftest import OFFICER
from tests.test_scheduler import free_port, healthy, start_bot

COUNT = 12


def slow_posts(call: ApiCall) -> None:
    """Slack takes each message at once but answers it half a second later."""
    if call.method == "chat.postMessage":
        time.sleep(0.5)


def add_many(database, due_at: dt.datetime) -> list[int]:
    with database.sessions.begin() as session:
        return [
            store.add_reminder(
                session=session,
                kind=store.ADHOC,
                owner_user_id=OFFICER,
                due_at=due_at,
                text=f"reminder {n:02d}",
                recorded_by=OFFICER,
            ).id
            for n in range(COUNT)
        ]


def states(database) -> Counter:
    with database.sessions() as session:
        return Counter(session.scalars(select(Reminder.state)))


def posted_texts(standin: SlackStandIn) -> Counter:
    return Counter(m["text"] for m in standin.messages(f"D{OFFICER}"))


def test_stopping_while_sending_leaves_nothing_claimed_and_the_next_process_sends_the_rest(
    settings: Settings, database, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    standin.on_call = slow_posts
    fast = replace(settings, poll_seconds=0.5)
    add_many(database, utcnow() + dt.timedelta(seconds=1))
    caplog.set_level(logging.INFO)
    first = ReminderScheduler(settings=fast, database=database, name="first").start()
    assert standin.wait_for(lambda: standin.calls_to("chat.postMessage"), timeout=20)
    first.stop()
    after_stop = states(database)
    assert after_stop[store.CLAIMED] == 0, after_stop
    sent_by_first = after_stop[store.SENT] + after_stop[store.LATE]
    assert sent_by_first == sum(posted_texts(standin).values())  # what Slack took is recorded as sent
    assert after_stop[store.PENDING] == COUNT - sent_by_first > 0  # the rest was given back, not sent on the way out
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]

    with ReminderScheduler(settings=fast, database=database, name="second"):
        assert standin.wait_for(lambda: sum(posted_texts(standin).values()) >= COUNT, timeout=30)
        time.sleep(1)
    texts = posted_texts(standin)
    assert len(texts) == COUNT and set(texts.values()) == {1}
    assert states(database)[store.CLAIMED] == 0


@pytest.mark.fault
def test_sigterm_while_sending_exits_cleanly_without_a_traceback(
    database_url: str, tmp_path: Path, standin: SlackStandIn
) -> None:
    standin.on_call = slow_posts
    database = open_database(Settings(database_url=database_url))
    port = free_port()
    bot = start_bot("run", database_url=database_url, standin=standin, tmp_path=tmp_path, port=port)
    log = tmp_path / f"run-{port}.log"
    try:
        assert standin.wait_for(lambda: healthy(port), timeout=60), log.read_text()
        add_many(database, utcnow() + dt.timedelta(seconds=1))
        assert standin.wait_for(lambda: standin.calls_to("chat.postMessage"), timeout=30), log.read_text()
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(30) == 0, log.read_text()
        written = log.read_text()
        assert "Traceback" not in written and "cannot schedule new futures" not in written, written
        assert states(database)[store.CLAIMED] == 0
    finally:
        if bot.poll() is None:
            bot.kill()
        database.engine.dispose()
