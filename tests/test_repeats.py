"""The same request twice: a write command repeated by the same officer within 5 minutes (a double Enter, a resend)
is answered with the first result and written once; later, or by someone else, it is a new command."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from storage.nations import Assessment
from storage.notes import Note
from storage.reminders import Reminder
from storage.visits import Visit
from tests.conftest import ADMIN, OFFICER, Workspace, served

AGAIN = "nothing was done twice"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(settings, database, standin, clock: Clock) -> Iterator[Workspace]:
    with served(settings, database, standin, clock=clock) as workspace:
        yield workspace


def count(workspace: Workspace, model: type) -> int:
    with workspace.database.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("command", "model"),
    [
        ("remind fiji tomorrow 09:00 send the agenda", Reminder),
        ("visit add fiji 2027-01-12 to 2027-01-16 country visit", Visit),
        ("assess fiji 2026-10-03 substantially implementing trip report 26-041", Assessment),
    ],
)
def test_a_write_command_sent_twice_is_answered_with_the_first_result_and_written_once(
    desk: Workspace, command: str, model: type
) -> None:
    user = ADMIN if command.startswith("assess") else OFFICER
    first = desk.command(command, user=user)
    written = count(desk, model)
    again = desk.command(command, user=user)
    assert again.body["text"] == first.body["text"]
    assert AGAIN in again.text and AGAIN not in first.text
    assert count(desk, model) == written


def test_a_note_sent_twice_is_saved_once(desk: Workspace) -> None:
    desk.command("note fiji Agreed to a drill in March")
    assert "already saved as note #1" in desk.command("note fiji Agreed to a drill in March").text
    assert count(desk, Note) == 1


def test_cancelling_twice_says_it_was_already_cancelled(desk: Workspace) -> None:
    desk.command("visit add fiji 2027-01-12 to 2027-01-16")
    desk.command("visit cancel 1")
    assert "already cancelled; nothing changed" in desk.command("visit cancel 1").text


def test_after_five_minutes_the_same_command_is_a_new_one(desk: Workspace, clock: Clock) -> None:
    desk.command("remind fiji tomorrow 09:00 call the PFSO")
    clock.now += dt.timedelta(minutes=5, seconds=1)
    assert AGAIN not in desk.command("remind fiji tomorrow 09:00 call the PFSO").text
    assert count(desk, Reminder) == 2


def test_another_officer_sending_the_same_text_is_not_a_repeat(desk: Workspace) -> None:
    desk.command("remind fiji tomorrow 09:00 call the PFSO")
    assert AGAIN not in desk.command("remind fiji tomorrow 09:00 call the PFSO", user=ADMIN).text
    assert count(desk, Reminder) == 2


def test_reading_twice_is_just_reading(desk: Workspace) -> None:
    assert AGAIN not in desk.command("status fiji").text
    assert AGAIN not in desk.command("status fiji").text


def test_a_refused_command_is_not_remembered(desk: Workspace) -> None:
    desk.command("visit add fiji 2027-01-12 to 2027-01-16")
    assert "There is no visit #9" in desk.command("visit cancel 9").text
    assert "There is no visit #9" in desk.command("visit cancel 9").text


def test_a_deleted_note_sent_again_still_says_it_was_deleted(desk: Workspace) -> None:
    desk.command("note fiji Agreed to a drill in March")
    desk.command("note delete 1")
    again = desk.command("note fiji Agreed to a drill in March")
    assert AGAIN not in again.text and "deleted" in again.text
