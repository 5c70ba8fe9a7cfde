"""The reminder form and App Home's reminder buttons as an officer meets them: a refusal beside the field that can fix
it (in Slack and in the console), and a press that says what it did."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from storage.reminders import Reminder
from tests.conftest import Workspace, served
from tests.interactions import filled, opened_form, submit

UTC = dt.UTC
#: Wednesday 25 Nov 2026, 12:00 in Tokyo (the officer's zone).
NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@pytest.fixture
def desk(settings, database, standin) -> Iterator[Workspace]:
    with served(settings, database, standin, clock=lambda: NOW) as workspace:
        yield workspace


def all_reminders(workspace: Workspace) -> list[Reminder]:
    with workspace.database.sessions() as session:
        return list(session.scalars(select(Reminder).order_by(Reminder.id)))


def piped_console(tmp_path: Path, lines: list[str]) -> str:
    from tests.test_entrypoints import bot

    result = bot("console", cwd=tmp_path, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- the form refuses beside the field that can fix it ------------------------------------------------------------


def test_a_past_date_is_refused_beside_the_date_and_a_passed_time_today_beside_the_time(desk: Workspace) -> None:
    """A past date was refused beside the time ("Tue 1 Dec 2026 07:00 JST has passed; choose a later time"): the
    console then asked only for the time again, and no time could fix it."""
    desk.command("remind")
    view = opened_form(desk)
    past = submit(desk, view, filled(view, nation="FJ", date="2026-11-20", time="18:00", text="call the DA"))
    assert past.body == {
        "response_action": "errors",
        "errors": {"date": "Fri 20 Nov 2026 is in the past; choose today (Wed 25 Nov 2026) or a later date."},
    }
    earlier_today = submit(desk, view, filled(view, nation="FJ", date="2026-11-25", time="11:00", text="call the DA"))
    assert list(earlier_today.body["errors"]) == ["time"]
    assert "Wed 25 Nov 2026 11:00 JST has passed; choose a later time" in earlier_today.body["errors"]["time"]
    assert all_reminders(desk) == []
    later_today = submit(desk, view, filled(view, nation="FJ", date="2026-11-25", time="18:00", text="call the DA"))
    assert later_today.body == {}
    assert [r.due_at for r in all_reminders(desk)] == [dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)]


def test_the_console_form_asks_the_date_again_for_a_past_day_and_says_how_to_type_a_time(tmp_path: Path) -> None:
    """ "25:00" got "pick one from the list", and the console shows no list."""
    today = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()
    yesterday, tomorrow = today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    out = piped_console(
        tmp_path,
        [
            "remind",
            "fiji",
            "",
            yesterday.isoformat(),
            "25:00",
            "07:00",
            "call the DA",
            tomorrow.isoformat(),
            "reminders",
        ],
    )
    assert "“25:00” isn't a time of day: type the time as HH:MM, from 00:00 to 23:59, e.g. 09:30." in out, out
    assert "pick one from the list" not in out
    assert f"⚠️ Date: {yesterday:%a %-d %b %Y} is in the past; choose today ({today:%a %-d %b %Y})" in out, out
    assert out.count("Date (YYYY-MM-DD)") == 2 and out.count("Time (Asia/Tokyo)") == 2  # the date asked again
    assert f"due {tomorrow:%a %-d %b %Y} 07:00 JST · Fiji: call the DA" in out, out
