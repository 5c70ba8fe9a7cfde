"""A Slack outage does not lose reminders: 5xx, 429 and an unreachable Slack are retried with backoff until the
grace period ends (then missed), only a permanent refusal fails one, and a retry never sends a message Slack took."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.reminders import temporary_failure
from bot.scheduler import ReminderScheduler
from bot.settings import Settings
from bot.slack_standin import SlackStandIn
from storage import reminders as store
from storage.db import utcnow
from storage.reminders import Reminder
from tests.conftest import OFFICER, Workspace

DM = f"D{OFFICER}"
QUICK = dt.timedelta(seconds=0.1)  # the first wait after a temporary failure, in these tests
#: When the reminders in these tests fall due: just after the scheduler has them. How soon does not matter to what
#: they show (a reminder is late only a minute after its time); each test waits for it.
SOON = dt.timedelta(seconds=0.2)


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return replace(settings, poll_seconds=0.5)


def add(database, *, due_at: dt.datetime, text: str) -> int:
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


def reminder(database, reminder_id: int) -> Reminder:
    with database.sessions() as session:
        return session.get(Reminder, reminder_id)


def dms(standin: SlackStandIn) -> list[str]:
    return [m["text"] for m in standin.messages(DM)]


@pytest.fixture
def scheduler(fast: Settings, database) -> Iterator[ReminderScheduler]:
    with ReminderScheduler(settings=fast, database=database, name="test", retry_first=QUICK) as running:
        yield running


@pytest.mark.parametrize("status", [500, 503])
def test_slack_answering_5xx_is_retried_and_the_reminder_arrives_once(
    status: int, database, standin: SlackStandIn, scheduler
) -> None:
    standin.fail_next("chat.postMessage", status=status, times=3)
    reminder_id = add(database, due_at=utcnow() + SOON, text="through the outage")
    assert standin.wait_for(lambda: reminder(database, reminder_id).state == store.SENT, timeout=30)
    assert dms(standin) == ["Reminder: through the outage (Fiji)"]
    assert reminder(database, reminder_id).attempts == 4
    assert reminder(database, reminder_id).failure_reason is None


def test_a_429_waits_as_long_as_retry_after_asks(database, standin: SlackStandIn, scheduler) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after=3)
    reminder_id = add(database, due_at=utcnow() + SOON, text="rate limited")
    assert standin.wait_for(lambda: reminder(database, reminder_id).state == store.SENT, timeout=30)
    refused, accepted = standin.calls_to("chat.postMessage")
    assert accepted.at - refused.at >= 2.5  # not retried before Slack said it may be
    assert dms(standin) == ["Reminder: rate limited (Fiji)"]


def test_slack_unreachable_for_a_while_then_back(database, standin: SlackStandIn, scheduler) -> None:
    with standin.unreachable():
        reminder_id = add(database, due_at=utcnow() + SOON, text="while Slack was away")
        assert standin.wait_for(
            lambda: (seen := reminder(database, reminder_id)).attempts >= 3 and seen.state == store.RETRYING, timeout=30
        )
    assert standin.wait_for(lambda: reminder(database, reminder_id).state == store.SENT, timeout=30)
    assert dms(standin) == ["Reminder: while Slack was away (Fiji)"]


def test_a_message_slack_took_though_its_answer_was_lost_is_not_sent_again(
    database, standin: SlackStandIn, scheduler
) -> None:
    standin.fail_next("chat.postMessage", status=502, accepted=True)  # posted, then the answer was lost
    reminder_id = add(database, due_at=utcnow() + SOON, text="only once")
    assert standin.wait_for(lambda: reminder(database, reminder_id).state == store.SENT, timeout=30)
    assert dms(standin) == ["Reminder: only once (Fiji)"]
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert reminder(database, reminder_id).message_ts == standin.messages(DM)[0]["ts"]  # its buttons update it


@pytest.mark.parametrize("error", ["account_inactive", "user_not_found", "channel_not_found", "invalid_auth"])
def test_a_permanent_refusal_fails_the_reminder_at_once(
    error: str, database, standin: SlackStandIn, scheduler, workspace: Workspace
) -> None:
    standin.fail_next("chat.postMessage", status=200, error=error, times=5)
    reminder_id = add(database, due_at=utcnow() + SOON, text="refused")
    assert standin.wait_for(lambda: reminder(database, reminder_id).state == store.FAILED, timeout=30)
    time.sleep(1)  # no second attempt follows
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert reminder(database, reminder_id).attempts == 1
    assert f"({error})" in workspace.command("reminders").text


def test_the_reminders_list_says_retrying_while_slack_is_down(
    fast: Settings, database, standin: SlackStandIn, workspace: Workspace
) -> None:
    standin.fail_next("chat.postMessage", status=503, times=1000)
    reminder_id = add(database, due_at=utcnow() + SOON, text="waiting for Slack")
    with ReminderScheduler(settings=fast, database=database, name="slow", retry_first=dt.timedelta(minutes=5)):
        assert standin.wait_for(lambda: reminder(database, reminder_id).state == store.RETRYING, timeout=30)
        listed = workspace.command("reminders").text
    assert "retrying" in listed and "waiting for Slack" in listed and "Slack answered 503" in listed
    assert "trying again" in listed


def test_an_outage_longer_than_the_grace_period_marks_the_reminder_missed_not_failed(
    fast: Settings, database, standin: SlackStandIn, workspace: Workspace
) -> None:
    standin.fail_next("chat.postMessage", status=503, times=1000)
    reminder_id = add(database, due_at=utcnow() + SOON, text="outage too long")
    short_grace = replace(fast, reminder_grace=dt.timedelta(seconds=3))
    with ReminderScheduler(settings=short_grace, database=database, name="test", retry_first=QUICK):
        assert standin.wait_for(lambda: reminder(database, reminder_id).state == store.MISSED, timeout=30)
    assert reminder(database, reminder_id).attempts >= 2
    assert dms(standin) == []
    listed = workspace.command("reminders").text
    assert "missed, was due" in listed and "Slack answered 503" in listed


def test_what_counts_as_temporary() -> None:
    assert temporary_failure(TimeoutError("timed out")) is not None
    assert temporary_failure(ConnectionRefusedError()) is not None
    assert temporary_failure(ValueError("a bug")) is None


def counted(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_operators_see_retries_and_deliveries_in_the_metrics(database, standin: SlackStandIn, scheduler) -> None:
    retried = counted("ipslo_reminder_deliveries_retried_total", reason="temporary")
    sent = counted("ipslo_reminder_delivery_lateness_seconds_count")
    standin.fail_next("chat.postMessage", status=503, times=2)
    reminder_id = add(database, due_at=utcnow() + SOON, text="counted")
    assert standin.wait_for(lambda: reminder(database, reminder_id).state == store.SENT, timeout=30)
    assert counted("ipslo_reminder_deliveries_retried_total", reason="temporary") == retried + 2
    assert counted("ipslo_reminder_delivery_lateness_seconds_count") == sent + 1
