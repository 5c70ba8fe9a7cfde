"""Garbage in gets a refusal that says what to type, never "Something went wrong": dates at the far ends of the
calendar, and control characters (NUL above all) in anything officers write, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from storage.notes import Note
from storage.reminders import Reminder
from storage.visits import Visit
from tests.conftest import Workspace, served
from tests.test_notes import filled, opened_form, submit

#: Monday 30 Nov 2026, 12:00 in Tokyo.
NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def desk(settings, database, standin) -> Iterator[Workspace]:
    with served(settings, database, standin, clock=lambda: NOW) as workspace:
        yield workspace


def rows(workspace: Workspace, model: type) -> list:
    with workspace.database.sessions() as session:
        return list(session.scalars(select(model)))


@pytest.mark.parametrize(
    "command",
    [
        "visit add fiji 0001-01-01",
        "visit add fiji 9999-12-31",
        "visit add fiji 2026-12-01 to 9999-12-31",
        "remind fiji 9999-12-31 23:59 x",
        "remind fiji 0001-01-01 09:00 x",
        "remind fiji in 100000 hours x",
        "remind fiji in 5000 weeks x",
    ],
)
def test_a_date_more_than_ten_years_away_is_refused_with_what_to_type(desk: Workspace, command: str) -> None:
    answer = desk.command(command)
    assert answer.status == 200
    assert "Something went wrong" not in answer.text
    assert "more than 10 years" in answer.text and "2016-11-30 to 2036-11-30" in answer.text
    assert rows(desk, Visit) == [] and rows(desk, Reminder) == []


def test_moving_a_visit_to_9999_is_refused_and_the_visit_stays(desk: Workspace) -> None:
    assert "Planned visit #1" in desk.command("visit add fiji 2027-01-12").body["text"]
    answer = desk.command("visit move 1 9999-12-31")
    assert "more than 10 years ahead" in answer.text and "Something went wrong" not in answer.text
    [visit] = rows(desk, Visit)
    assert visit.starts_on == dt.date(2027, 1, 12)


def test_dates_inside_the_window_still_work(desk: Workspace) -> None:
    assert "Planned visit #1" in desk.command("visit add fiji 2036-11-30").body["text"]
    assert "Planned visit #2" in desk.command("visit add fiji 2016-12-01").body["text"]


def test_nul_and_control_characters_are_removed_from_commands(desk: Workspace) -> None:
    answer = desk.command("note fiji Met\x00 the DA\x07\x1b[31m;\r\nPFSP\tpending\x7f")
    assert "Saved note #1" in answer.text
    [note] = rows(desk, Note)
    assert note.text == "Met the DA[31m;\nPFSP\tpending"
    assert "Planned visit #1" in desk.command("visit add fiji 2027-01-12 country visit Suva\x00 port").body["text"]
    assert rows(desk, Visit)[0].title == "Suva port"
    assert "I'll remind you" in desk.command("remind fiji tomorrow 09:00 call\x00 the PFSO").text
    assert rows(desk, Reminder)[-1].text == "call the PFSO"
    found = desk.command("search Met\x00")
    assert "Something went wrong" not in found.text and "Met the DA" in found.text


def test_nul_in_the_note_form_is_removed(desk: Workspace) -> None:
    desk.command("note")
    view = opened_form(desk)
    assert submit(desk, view, filled(view, nation="FJ", text_0="Gate\x00 logs\x08 checked")).status == 200
    assert desk.standin.wait_for(lambda: rows(desk, Note))
    assert rows(desk, Note)[0].text == "Gate logs checked"


@pytest.mark.parametrize(
    ("typed", "changed"),
    [("note fiji Met the DA", False), ("note fiji Met\x00 the DA", True), ("note fiji Q&amp;A &lt;draft&gt;", True)],
)
def test_lazy_listeners_read_the_cleaned_body(typed: str, changed: bool) -> None:
    """Bolt's lazy listeners read the raw body again: the officer middleware rewrites it when cleaning or unescaping
    changed the body, and leaves it as Slack sent it when nothing changed (the same body either way)."""
    import time
    from urllib.parse import parse_qs, urlencode

    from slack_bolt import BoltRequest

    from bot.runtime import Bot
    from bot.settings import Settings
    from commands.language import Caller

    raw = urlencode({"command": "/ipslo", "text": typed, "user_id": "U0KIM", "team_id": "T0STANDIN"})
    req = BoltRequest(body=raw, headers={"content-type": ["application/x-www-form-urlencoded"]}, mode="http")
    bot = Bot(settings=Settings(), database=None, client=None)  # type: ignore[arg-type]
    bot._callers["U0KIM"] = (time.monotonic() + 60, Caller("U0KIM"))
    assert bot.identify_officer(req.body, req.context, lambda: "next", req=req) == "next"
    assert (req.raw_body is not raw) == changed
    assert {k: v[0] for k, v in parse_qs(req.raw_body).items()}["text"] == req.body["text"]
    assert "\x00" not in req.body["text"] and "&amp;" not in req.body["text"]
