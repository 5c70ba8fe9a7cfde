"""Changing a visit on its Edit form or with `visit move`, as an officer does it: everything about the visit follows it
(its pending reminders' nation, words, lead and time, the briefing they bring, the calendar feed), in the same
transaction as the change; what was already sent, done or cancelled by the officer keeps its history."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from icalendar import Calendar
from sqlalchemy import select, update

from bot.reminders import deliver
from storage import reminders as reminder_store
from storage.db import utcnow
from storage.notes import Note
from storage.reminders import CANCELLED, PENDING, SENT, Reminder
from storage.visits import Visit
from tests.conftest import OFFICER, Workspace, served
from tests.interactions import after_answer, filled, labelled, opened_form, press, submit
from tests.test_calendar import ADDRESS, PUBLIC, fetch
from tests.test_reminders import bot_for, dm_text

UTC = dt.UTC
#: Wednesday 25 Nov 2026, 12:00 in Tokyo (the officer's zone).
NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
SAM = "U0SAM"  # Lt Sam, in Singapore: a member Slack knows and the bot has not met yet


@pytest.fixture
def desk(settings, database, standin) -> Iterator[Workspace]:
    """The real app over HTTP with a public address for calendar feeds, its clock stopped at :data:`NOW`."""
    standin.add_user(SAM, name="sam", real_name="Lt Sam", tz="Asia/Singapore")
    with served(replace(settings, public_url=PUBLIC), database, standin, clock=lambda: NOW) as workspace:
        yield workspace


def reminders(workspace: Workspace) -> list[Reminder]:
    with workspace.database.sessions() as session:
        return list(session.scalars(select(Reminder).order_by(Reminder.id)))


def the_visit(workspace: Workspace) -> Visit:
    with workspace.database.sessions() as session:
        [visit] = session.scalars(select(Visit))
        return visit


def edit(workspace: Workspace, planned, *, user: str = OFFICER, **answers: str):
    """Press Edit on the visit's reply, change ``answers`` on the form and save it: Slack's answer to the save."""
    forms = len(workspace.standin.calls_to("views.open"))
    press(workspace, labelled(planned.body, "Edit"), user)
    view = opened_form(workspace, forms + 1)
    return submit(workspace, view, filled(view, **answers), user)


def said(workspace: Workspace, count: int) -> str:
    """What the bot said in the channel the ``count``-th time (a saved form's answer)."""
    return after_answer(workspace, "chat.postEphemeral", count)[count - 1].args["text"]


def sent_earlier(workspace: Workspace, reminder_id: int) -> None:
    """The reminder reached the officer at its time (the scheduler claimed it and Slack took it)."""
    with workspace.database.sessions.begin() as session:
        due = session.get_one(Reminder, reminder_id).due_at
        assert reminder_store.claim(session=session, reminder_id=reminder_id, claimed_by="earlier", now=due)
        reminder_store.mark_delivered(
            session=session,
            reminder_id=reminder_id,
            worker="earlier",
            channel=f"D{OFFICER}",
            message_ts="1.1",
            sent_at=due,
            late=False,
        )


def feed_locations(workspace: Workspace, user: str = OFFICER) -> dict[str, tuple[str, str]]:
    """The officer's own calendar feed as a calendar app reads it: (summary, location) by event UID."""
    [mine, _team] = ADDRESS.findall(workspace.command("calendar", user=user).text)
    status, _, body = fetch(workspace, mine)
    assert status == 200
    return {
        str(event["UID"]).split("@")[0]: (str(event["SUMMARY"]), str(event.get("LOCATION", "")))
        for event in Calendar.from_ical(body).walk("VEVENT")
    }


# --- a new nation -------------------------------------------------------------------------------------------------


def test_a_new_nation_takes_the_visits_reminders_briefing_and_calendar_with_it(desk: Workspace) -> None:
    planned = desk.command("visit add kiribati 2027-03-15 to 2027-03-18 PFSP review")
    assert "#1 Kiribati" in planned.text
    own = desk.command("remind 1 2027-03-01 09:00 confirm transport")  # set about the visit: #4
    assert "visit #1" in own.text, own.text
    sent_earlier(desk, 1)  # the 30-day reminder reached the officer before the change

    assert edit(desk, planned, nation="TV", kind="reciprocal visit").body == {}
    assert said(desk, 1) == "Changed visit #1 to Tuvalu: nation (was Kiribati), kind (was country visit)."

    tuvalu = desk.command("reminders tuvalu").text
    assert "visit #1 (Tuvalu): Reciprocal visit to Tuvalu starts in 7 days (Mon 15 Mar – Thu 18 Mar 2027)" in tuvalu
    assert "visit #1 (Tuvalu): Reciprocal visit to Tuvalu starts tomorrow" in tuvalu
    assert "visit #1 (Tuvalu): confirm transport" in tuvalu  # the officer's own words stay theirs
    assert "Kiribati" not in tuvalu, tuvalu
    assert "You have no reminders about Kiribati waiting." in desk.command("reminders kiribati").text
    # the one already sent keeps its history: about Kiribati, in the words it was sent with
    first = reminders(desk)[0]
    assert (first.state, first.nation_iso2) == (SENT, "KI")
    assert first.text.startswith("Country visit to Kiribati starts in 30 days")
    assert len(reminders(desk)) == 4  # nothing added for the 30-day time: it was sent for these very dates

    feed = feed_locations(desk)
    assert feed["visit-1"] == ("Tuvalu: reciprocal visit – PFSP review", "Tuvalu")
    assert feed["reminder-2"][1] == feed["reminder-3"][1] == feed["reminder-4"][1] == "Tuvalu"
    assert "reminder-1" not in feed  # sent: no longer in the calendar

    with desk.database.sessions.begin() as session:  # the 7-day reminder's time comes
        session.execute(update(Reminder).where(Reminder.id == 2).values(due_at=utcnow()))
    assert deliver(bot_for(desk), 2, worker="test") == SENT
    message = dm_text(desk)
    assert "Reminder: Reciprocal visit to Tuvalu starts in 7 days" in message
    assert "#1 Tuvalu · Mon 15 Mar – Thu 18 Mar 2027 · reciprocal visit · “PFSP review”" in message
    assert "Tuvalu briefing" in message and "Kiribati" not in message, message


def test_the_notes_of_a_visit_and_their_follow_ups_stay_with_the_nation_they_were_written_for(
    desk: Workspace,
) -> None:
    planned = desk.command("visit add kiribati 2027-03-15 PFSP review")
    forms = len(desk.standin.calls_to("views.open"))
    press(desk, labelled(planned.body, "Add note"))
    view = opened_form(desk, forms + 1)
    note = filled(view, text_0="DA asked for the PFSP template", follow_up_1="Send it", follow_up_1_due="2026-12-01")
    assert submit(desk, view, note).body == {}
    follow_up = reminders(desk)[-1]
    assert (follow_up.visit_id, follow_up.nation_iso2) == (1, "KI")

    assert edit(desk, planned, nation="TV").body == {}
    answer = said(desk, 2)
    assert answer == "Changed visit #1 to Tuvalu: nation (was Kiribati)."
    with desk.database.sessions() as session:
        [kept] = session.scalars(select(Note))
        assert (kept.nation_iso2, kept.visit_id) == ("KI", 1)
        assert session.get_one(Reminder, follow_up.id).nation_iso2 == "KI"
    [reply] = [c for c in desk.standin.calls_to("chat.postEphemeral") if c.args["text"] == answer]
    assert "Its note stays filed under Kiribati, as written; `/ipslo notes kiribati` shows them." in str(reply.args)
    assert {r.nation_iso2 for r in reminders(desk) if r.kind == reminder_store.VISIT} == {"TV"}


# --- a new lead, new dates ------------------------------------------------------------------------------------------


def test_a_new_lead_gets_the_reminders_at_nine_in_their_own_zone(desk: Workspace) -> None:
    planned = desk.command("visit add fiji 2027-01-12 to 2027-01-16")
    desk.command("remind 1 2027-01-05 09:00 book the hotel")  # the officer's own, about the visit
    assert edit(desk, planned, lead=SAM).body == {}
    assert said(desk, 1) == "Changed visit #1 to Fiji: lead (was <@U0OFFICER>)."
    visit_reminders = [r for r in reminders(desk) if r.kind == reminder_store.VISIT]
    assert {r.owner_user_id for r in visit_reminders} == {SAM}
    # 09:00 in Singapore (01:00 UTC), though the bot had never met Lt Sam: the form's lead is looked up first
    assert [r.due_at for r in visit_reminders] == [
        dt.datetime(2026, 12, 13, 1, 0, tzinfo=UTC),
        dt.datetime(2027, 1, 5, 1, 0, tzinfo=UTC),
        dt.datetime(2027, 1, 11, 1, 0, tzinfo=UTC),
    ]
    theirs = desk.command("reminders", user=SAM).text
    assert "Country visit to Fiji starts in 30 days" in theirs and "starts tomorrow" in theirs
    mine = desk.command("reminders").text
    assert "book the hotel" in mine and "Country visit to Fiji" not in mine, mine


def test_moved_closer_and_back_its_reminders_come_back_but_not_one_the_officer_cancelled(desk: Workspace) -> None:
    desk.command("visit add fiji 2027-01-12 to 2027-01-16")  # reminders #1 (30 days), #2 (7), #3 (1)
    assert "Cancelled reminder #2" in desk.command("reminder cancel 2").text
    closer = desk.command("visit move 1 2026-12-02")  # the 30-day time has passed
    assert "Reminders to @U0OFFICER by direct message: Tue 1 Dec 2026 09:00 JST." in closer.text, closer.text
    back = desk.command("visit move 1 2027-01-12")  # a mistyped move, put right
    assert "Reminders to @U0OFFICER by direct message: Sun 13 Dec 2026 09:00 JST, Mon 11 Jan 2027 09:00 JST." in (
        back.text
    ), back.text
    assert [(r.offset_days, r.state) for r in reminders(desk)] == [(30, PENDING), (7, CANCELLED), (1, PENDING)]


def test_a_reminder_already_sent_stays_sent_and_a_visit_moved_later_brings_the_next_one(desk: Workspace) -> None:
    desk.command("visit add fiji 2026-12-03")  # reminders #1 (7 days: tomorrow 09:00) and #2 (1 day)
    sent_earlier(desk, 1)
    later = desk.command("visit move 1 2027-02-03")  # postponed two months: a fresh 30-day and 7-day reminder
    assert "Mon 4 Jan 2027 09:00 JST, Wed 27 Jan 2027 09:00 JST, Tue 2 Feb 2027 09:00 JST." in later.text, later.text
    first = reminders(desk)[0]
    assert (first.state, first.text) == (SENT, "Country visit to Fiji starts in 7 days (Thu 3 Dec 2026)")
    back = desk.command("visit move 1 2026-12-03")  # back again: the 7-day reminder was had for these dates
    assert "Reminders to @U0OFFICER by direct message: Wed 2 Dec 2026 09:00 JST." in back.text, back.text
    pending = [(r.offset_days, r.due_at.date()) for r in reminders(desk) if r.state == PENDING]
    assert pending == [(1, dt.date(2026, 12, 2))]
    assert reminders(desk)[0].state == SENT


# --- nothing half-written -------------------------------------------------------------------------------------------


def test_an_edit_that_fails_half_way_changes_nothing(desk: Workspace, monkeypatch) -> None:
    planned = desk.command("visit add kiribati 2027-03-15 PFSP review")
    desk.command("remind 1 2027-03-01 09:00 confirm transport")
    before = [(r.id, r.nation_iso2, r.text, r.due_at, r.state) for r in reminders(desk)]

    def fails(**_: object) -> bool:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(reminder_store, "set_nation", fails)  # after the visit and its own reminders were changed
    answer = edit(desk, planned, nation="TV", kind="reciprocal visit")
    [(field, message)] = answer.body["errors"].items()  # the form stays open, saying so
    assert field == "nation" and message.startswith("Something went wrong on our side and nothing was saved."), message
    visit = the_visit(desk)
    assert (visit.nation_iso2, visit.kind, visit.updated_by) == ("KI", "country visit", None)
    assert [(r.id, r.nation_iso2, r.text, r.due_at, r.state) for r in reminders(desk)] == before


def test_a_lead_that_is_no_member_is_refused_beside_the_field(desk: Workspace) -> None:
    planned = desk.command("visit add fiji 2027-01-12")
    answer = edit(desk, planned, lead="reminders tuvalu")
    assert answer.body["errors"] == {"lead": "Choose the lead from the list of members."}
    assert the_visit(desk).lead_user_id == OFFICER


# --- one lead per visit -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "says", "meant"),
    [
        (
            "fiji 2027-02-04 lead <@U0BBB> and <@U0CCC>",
            "One lead per visit: @U0BBB and @U0CCC were named; nothing was planned.",
            "fiji 2027-02-04 lead @U0BBB",
        ),
        (
            "fiji 2027-02-04 lead me, <@U0CCC>",
            "One lead per visit: you and @U0CCC were named; nothing was planned.",
            "fiji 2027-02-04 lead me",
        ),
        (
            "fiji 2027-02-04 PFSO seminar led by <@U0BBB> & <@U0CCC>",
            "One lead per visit: @U0BBB and @U0CCC were named",
            "fiji 2027-02-04 PFSO seminar lead @U0BBB",
        ),
        (
            "fiji 2027-02-04 lead <@U0BBB> lead <@U0CCC>",
            "One lead per visit: @U0BBB and @U0CCC were named",
            "fiji 2027-02-04 lead @U0BBB",
        ),
        (
            "fiji 2027-02-04 lead <@U0BBB> and @dana",
            "One lead per visit: @U0BBB and “@dana” were named",
            "fiji 2027-02-04 lead @U0BBB",
        ),
        (
            "fiji 2027-02-04 <@U0CCC> PFSO seminar",
            "@U0CCC is named, but not as the lead; nothing was planned.",
            "fiji 2027-02-04 lead @U0CCC PFSO seminar",
        ),
    ],
)
def test_a_second_person_is_refused_not_put_in_the_title(desk: Workspace, typed: str, says: str, meant: str) -> None:
    answer = desk.command(f"visit add {typed}")
    assert says in answer.text, answer.text
    assert f"Did you mean: `/ipslo visit add {meant}`?" in answer.text, answer.text
    assert "`lead" in answer.text  # what to type
    assert desk.command("visits fiji").text.startswith("Visits to Fiji (0)")


def test_someone_named_in_a_quoted_title_stays_in_it(desk: Workspace) -> None:
    answer = desk.command('visit add fiji 2027-02-04 "brief for <@U0CCC>" lead me')
    assert "“brief for @U0CCC” · lead @U0OFFICER" in answer.text, answer.text


# --- quote marks ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "says", "meant", "title"),
    [
        (
            '"unclosed title lead me',
            "The quote mark before “unclosed title” is never closed, so I can't tell where the title ends; "
            "nothing was planned.",
            '"unclosed title" lead me',
            "unclosed title",
        ),
        ("“PFSO forum", "The quote mark before “PFSO forum” is never closed", "“PFSO forum”", "PFSO forum"),
        (
            '"how to lead a drill lead <@U0SAM>',
            "The quote mark before “how to lead a drill” is never closed",
            '"how to lead a drill" lead @U0SAM',
            "how to lead a drill",
        ),
        (
            'PFSO forum" lead me',
            "The quote mark after “forum” closes nothing; nothing was planned.",
            "PFSO forum lead me",
            "PFSO forum",
        ),
    ],
)
def test_a_quote_left_open_is_refused_with_the_line_as_meant(
    desk: Workspace, typed: str, says: str, meant: str, title: str
) -> None:
    answer = desk.command(f"visit add fiji 2027-05-10 {typed}")
    assert says in answer.text, answer.text
    suggested = f"/ipslo visit add fiji 2027-05-10 {meant}"
    assert f"Did you mean: `{suggested}`?" in answer.text, answer.text
    assert "come in pairs" in answer.text
    assert desk.command("visits fiji").text.startswith("Visits to Fiji (0)")
    planned = desk.command(suggested.removeprefix("/ipslo "))  # the line offered plans it as meant
    assert re.search(f"#1 Fiji · Mon 10 May 2027 · .* · “{re.escape(title)}” · lead", planned.text), planned.text
    assert '"' not in the_visit(desk).title


def test_quotes_paired_as_a_phone_types_them_make_a_title(desk: Workspace) -> None:
    answer = desk.command('visit add fiji 2027-05-10 “lead auditor course" lead me')
    assert "“lead auditor course” · lead @U0OFFICER" in answer.text, answer.text
