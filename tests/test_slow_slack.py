"""A slow or briefly failing Slack, through the real scheduler: a reminder whose post Slack carries out after the bot
stopped waiting arrives once, and the weekly digest survives a 429 or a 500 (tried again, posted once).

Small settings keep it quick: the scheduler's Slack calls time out after 1 s (20 s in production), and Slack takes
longer than that to post.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.scheduler import DIGEST_ATTEMPTS, ReminderScheduler, delivery_client
from bot.settings import Settings
from storage import reminders as store
from storage.db import utcnow
from storage.reminders import DigestRun
from tests.conftest import ADMIN, OFFICER
from tests.standin import CheckedSlack
from tests.test_slack_outage import add, reminder

DM = f"D{OFFICER}"
TEAM = "C0TEAM"
QUICK = dt.timedelta(seconds=0.1)  # the first wait after a temporary failure, in these tests
TIMEOUT = 1  # seconds the scheduler waits for Slack's answer, in these tests


class SlowSlack(CheckedSlack):
    """Slack that takes ``post_delay`` seconds to carry out each chat.postMessage: the message lands, and the answer
    goes, only then (after a client that gave up waiting has moved on)."""

    post_delay = 0.0
    posting = 0  # posts Slack is still carrying out

    def _handle_api(self, method: str, args: dict, token: str | None, body_error: str | None):
        if method != "chat.postMessage" or not self.post_delay:
            return super()._handle_api(method, args, token, body_error)
        with self._lock:
            self.posting += 1
        try:
            time.sleep(self.post_delay)
            return super()._handle_api(method, args, token, body_error)
        finally:
            with self._lock:
                self.posting -= 1


@pytest.fixture
def standin() -> Iterator[CheckedSlack]:
    with SlowSlack() as standin:
        standin.add_user(OFFICER, name="kim", real_name="Lt Kim", tz="Asia/Tokyo")
        standin.add_user(ADMIN, name="lee", real_name="Cdr Lee", tz="Asia/Singapore")
        standin.add_channel(TEAM, name="ipslo-team")
        yield standin
        assert not standin.violations, f"calls Slack would refuse: {standin.violations}"
        assert not standin.internal_errors, standin.internal_errors


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return replace(settings, poll_seconds=0.5, digest_channel=TEAM)


@pytest.fixture
def scheduler(fast: Settings, database) -> Iterator[ReminderScheduler]:
    client = delivery_client(fast, timeout=TIMEOUT)
    with ReminderScheduler(settings=fast, database=database, client=client, name="test", retry_first=QUICK) as running:
        assert running.started.wait(5)
        yield running


def digest_run(database) -> DigestRun:
    with database.sessions() as session:
        return session.scalars(select(DigestRun)).one_or_none() or DigestRun(posted_by="(no run yet)")


def digests(standin: CheckedSlack) -> list[dict]:
    return [m for m in standin.messages(TEAM) if "IPSLO week ahead" in m["text"]]


def run_digest_job(scheduler: ReminderScheduler) -> None:
    """The cron's tick, now: APScheduler runs the digest job as it would on Monday."""
    scheduler.scheduler.modify_job("digest", next_run_time=dt.datetime.now(dt.UTC))


# --- a slow Slack ---------------------------------------------------------------------------------------------


def test_a_post_slack_carries_out_after_the_timeout_is_found_by_the_retry_not_sent_again(
    database, standin: SlowSlack, scheduler
) -> None:
    """The operator's case, scaled down: Slack takes longer to post than the bot waits, and longer than the first
    retry's wait. The retry looks in the DM only once the slow post would have landed, finds it, and sends nothing."""
    standin.post_delay = TIMEOUT + 0.8  # lands after the timeout, and after the quick retry would have looked
    reminder_id = add(database, due_at=utcnow() + dt.timedelta(seconds=0.2), text="only once though slow")
    assert standin.wait_for(lambda: reminder(database, reminder_id).state == store.SENT, timeout=30)
    assert standin.wait_for(lambda: standin.posting == 0, timeout=10)  # every post Slack took has landed
    assert [m["text"] for m in standin.messages(DM)] == ["Reminder: only once though slow (Fiji)"]
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert len(standin.calls_to("conversations.history")) == 1  # the retry looked once, and found it
    sent = reminder(database, reminder_id)
    assert sent.attempts == 2 and sent.message_ts == standin.messages(DM)[0]["ts"]  # its buttons update it
    metadata = standin.messages(DM)[0]["metadata"]
    assert metadata["event_type"] == "ipslo_reminder" and metadata["event_payload"]["reminder_id"] == reminder_id


def test_a_slow_slack_that_answers_in_time_sends_on_time_with_no_retry(database, standin: SlowSlack, scheduler) -> None:
    standin.post_delay = TIMEOUT / 4
    reminder_id = add(database, due_at=utcnow() + dt.timedelta(seconds=0.2), text="slow but in time")
    assert standin.wait_for(lambda: reminder(database, reminder_id).state == store.SENT, timeout=15)
    assert reminder(database, reminder_id).attempts == 1
    assert standin.calls_to("conversations.history") == []
    assert len(standin.messages(DM)) == 1


# --- the weekly digest ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500])
def test_the_digest_is_posted_once_after_a_429_or_a_500(status: int, database, standin: SlowSlack, scheduler) -> None:
    standin.fail_next("chat.postMessage", status=status, retry_after=1)
    run_digest_job(scheduler)
    assert standin.wait_for(lambda: len(digests(standin)) == 1, timeout=30), digest_run(database).posted_by
    time.sleep(1)  # a second poll must not post it again
    assert len(digests(standin)) == 1
    assert len(standin.calls_to("chat.postMessage")) == 2  # refused once, then posted
    run = digest_run(database)
    assert run.posted_by == "test"  # posted; neither failed nor waiting
    assert digests(standin)[0]["metadata"]["event_payload"]["scheduled_for"] == run.scheduled_for.isoformat()
    if status == 429:
        refused, accepted = standin.calls_to("chat.postMessage")
        assert accepted.at - refused.at >= 0.9  # not before Retry-After


def test_a_digest_slack_took_though_its_answer_was_lost_is_not_posted_again(
    database, standin: SlowSlack, scheduler
) -> None:
    standin.fail_next("chat.postMessage", status=502, accepted=True)
    run_digest_job(scheduler)
    assert standin.wait_for(lambda: digest_run(database).posted_by == "test", timeout=30)
    assert standin.wait_for(lambda: bool(standin.calls_to("conversations.history")), timeout=10)  # the retry looked
    time.sleep(1)
    assert len(digests(standin)) == 1
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert digest_run(database).posted_by == "test"


def test_the_digest_fails_only_after_its_attempts_run_out(database, standin: SlowSlack, scheduler) -> None:
    standin.fail_next("chat.postMessage", status=503, times=100)
    run_digest_job(scheduler)
    assert standin.wait_for(lambda: "failed" in digest_run(database).posted_by, timeout=60)
    time.sleep(1)  # nothing more is tried
    assert len(standin.calls_to("chat.postMessage")) == DIGEST_ATTEMPTS
    assert digests(standin) == []
    assert digest_run(database).posted_by.startswith("test failed: Slack answered 503")


def test_a_digest_waiting_for_its_retry_is_posted_by_the_next_process(
    fast: Settings, database, standin: SlowSlack
) -> None:
    """The process that met the 429 stops before its retry: another one (or the same after a restart) posts it."""
    standin.fail_next("chat.postMessage", status=429, retry_after=1)
    first = ReminderScheduler(settings=fast, database=database, name="first", retry_first=QUICK)
    assert not first.post_digest()  # not started: nothing will try again in this one
    assert digest_run(database).posted_by.startswith("retry1 first: Slack is rate limiting")
    with ReminderScheduler(settings=fast, database=database, name="second", retry_first=QUICK) as second:
        assert second.started.wait(5)
        assert standin.wait_for(lambda: len(digests(standin)) == 1, timeout=30)
    assert digest_run(database).posted_by == "second"
    assert len(standin.calls_to("chat.postMessage")) == 2
