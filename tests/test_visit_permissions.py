"""Who may change a visit: its lead and the admins move or cancel it (and its lead's reminders with it); another
officer is refused, told who leads it, and nothing changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from storage import reminders as reminder_store
from storage.reminders import Reminder
from storage.visits import Visit
from tests.conftest import ADMIN, OFFICER, Workspace, served

NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
OTHER = "U0OTHER"


@pytest.fixture
def planner(settings, database, standin) -> Iterator[Workspace]:
    standin.add_user(OTHER, name="sam", real_name="Lt Sam", tz="Asia/Tokyo")
    with served(settings, database, standin, clock=lambda: NOW) as workspace:
        yield workspace


def the_visit(workspace: Workspace) -> Visit:
    with workspace.database.sessions() as session:
        return session.scalars(select(Visit)).one()


def reminder_states(workspace: Workspace) -> set[str]:
    with workspace.database.sessions() as session:
        return set(session.scalars(select(Reminder.state)))


@pytest.mark.parametrize("command", ["visit move 1 2027-02-02", "visit cancel 1"])
def test_another_officer_is_refused_and_told_who_leads_it(planner: Workspace, command: str) -> None:
    planner.command("visit add fiji 2027-01-12 to 2027-01-16")
    answer = planner.command(command, user=OTHER)
    assert f"Visit #1 is led by <@{OFFICER}>" in answer.body["text"]
    assert "only its lead or an admin may" in answer.text and "Nothing changed" in answer.text
    visit = the_visit(planner)
    assert (visit.starts_on, visit.status) == (dt.date(2027, 1, 12), "planned")
    assert reminder_states(planner) == {reminder_store.PENDING}


def test_the_lead_may_move_and_cancel_it(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-01-12 to 2027-01-16")
    assert "Moved visit #1" in planner.command("visit move 1 2027-02-02").body["text"]
    assert "Cancelled visit #1" in planner.command("visit cancel 1").body["text"]


def test_an_admin_may_move_and_cancel_anyone_s_visit(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-01-12 to 2027-01-16")
    assert "Moved visit #1" in planner.command("visit move 1 2027-02-02", user=ADMIN).body["text"]
    assert "Cancelled visit #1" in planner.command("visit cancel 1", user=ADMIN).body["text"]
    assert reminder_states(planner) == {reminder_store.CANCELLED}


def test_an_officer_who_planned_a_visit_for_another_lead_may_not_move_it(planner: Workspace) -> None:
    planner.command(f"visit add fiji 2027-01-12 lead <@{OTHER}|sam>")
    answer = planner.command("visit move 1 2027-02-02")
    assert f"led by <@{OTHER}>" in answer.body["text"]
    assert the_visit(planner).starts_on == dt.date(2027, 1, 12)
