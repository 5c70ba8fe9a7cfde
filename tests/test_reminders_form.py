"""The reminder form and App Home's reminder buttons as an officer meets them: a refusal beside the field that can fix
it (in Slack and in the console), and a press that says what it did."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from storage import reminders as store
from tests.conftest import DESK_NOW, OFFICER, Workspace
from tests.interactions import after_answer, buttons, filled, opened_form, press, submit
from tests.reading import render
from tests.test_forms import home_publishes, published_home
from tests.test_reminders import all_reminders

UTC = dt.UTC
#: Wednesday 25 Nov 2026, 12:00 in Tokyo (the officer's zone).
NOW = DESK_NOW


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


# --- Done and Snooze on App Home ------------------------------------------------------------------------------------


def home_button(home: dict, verb: str, reminder_id: int) -> dict:
    return next(b for b in buttons(home) if b["action_id"] == f"home_remind_{verb}" and b["value"] == str(reminder_id))


def shown(workspace: Workspace, count: int) -> str:
    """What the modal the bot opened (the ``count``-th) shows, as the officer reads it."""
    return render(after_answer(workspace, "views.open", count)[count - 1].view())


def test_snooze_on_app_home_never_brings_a_reminder_forward_and_says_what_it_did(desk: Workspace) -> None:
    """ "Snooze 1 hour" on the visit's 30-day reminder, due in 18 days, moved it to an hour from now (the 13 Dec time
    lost), and the press got no reply."""
    desk.command("visit add fiji 2027-01-12")
    home = published_home(desk)
    first, *others = all_reminders(desk)
    assert first.due_at == dt.datetime(2026, 12, 13, 0, 0, tzinfo=UTC)  # Sun 13 Dec 2026 09:00 JST: 30 days before
    before = home_publishes(desk)
    assert press(desk, home_button(home, "snooze_hour", first.id), view=home).status == 200
    said = shown(desk, 1)
    assert (
        f"Snoozed from its time, Sun 13 Dec 2026 09:00 JST, which is still to come: I'll remind you Sun 13 Dec 2026"
        f" 10:00 JST (reminder #{first.id})." in said
    ), said
    snoozed, *untouched = all_reminders(desk)
    assert (snoozed.due_at, snoozed.state) == (dt.datetime(2026, 12, 13, 1, 0, tzinfo=UTC), store.PENDING)
    assert [r.due_at for r in untouched] == [r.due_at for r in others]
    assert "Sun 13 Dec 2026 10:00 JST" in render(published_home(desk, after=before))  # the tab is drawn again

    # "Next week" on it counts from its time too: a week after Sun 13 Dec
    home = published_home(desk)
    press(desk, home_button(home, "snooze_week", first.id), view=home)
    assert "I'll remind you Sun 20 Dec 2026 09:00 JST" in shown(desk, 2)
    assert all_reminders(desk)[0].due_at == dt.datetime(2026, 12, 20, 0, 0, tzinfo=UTC)


def test_snooze_and_done_on_app_home_for_a_reminder_already_due_say_what_they_did(desk: Workspace) -> None:
    with desk.database.sessions.begin() as session:
        missed = store.add_reminder(
            session=session,
            kind=store.ADHOC,
            owner_user_id=OFFICER,
            due_at=NOW - dt.timedelta(hours=2),
            text="call the PFSO",
            recorded_by=OFFICER,
            nation_iso2="FJ",
        )
        missed.state, reminder_id = store.MISSED, missed.id
    desk.command("remind fiji tomorrow 09:00 send the agenda")  # a change: the tab is published
    home = published_home(desk)
    press(desk, home_button(home, "snooze_hour", reminder_id), view=home)
    assert f"Snoozed: I'll remind you again Wed 25 Nov 2026 13:00 JST (reminder #{reminder_id})." in shown(desk, 1)
    assert all_reminders(desk)[0].due_at == NOW + dt.timedelta(hours=1)
    press(desk, home_button(home, "done", reminder_id), view=home)
    assert "Done · marked by" in shown(desk, 2) and "call the PFSO" in shown(desk, 2)
    assert all_reminders(desk)[0].state == store.DONE
