"""Reminders as an officer meets them: setting one in their own words, the direct message with its briefing, Done and
Snooze, Slack failures, and the weekly digest."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from bot.console import Console
from bot.reminders import deliver, slack_message
from bot.runtime import Bot, open_database, slack_client
from bot.scheduler import ReminderScheduler, last_fire_time
from bot.settings import Settings, SettingsError
from commands.reminders import digest, reminder_message
from storage import notes
from storage import reminders as store
from storage import visits as visit_store
from storage.db import utcnow
from storage.nations import Nation, record_assessment
from storage.reminders import DigestRun, Reminder
from tests.conftest import ADMIN, DESK_NOW, OFFICER, SIGNING_SECRET, Workspace, served
from tests.interactions import buttons
from tests.interactions import press as press_on
from tests.reading import render
from tests.standin import eventually

UTC = dt.UTC
#: Wednesday 25 Nov 2026, 12:00 in Tokyo (the officer's zone).
NOW = DESK_NOW


def all_reminders(workspace: Workspace) -> list[Reminder]:
    with workspace.database.sessions() as session:
        return list(session.scalars(select(Reminder).order_by(Reminder.id)))


def add(
    workspace: Workspace,
    *,
    due_at: dt.datetime,
    text: str = "call the PFSO",
    owner: str = OFFICER,
    nation: str = "FJ",
    state: str = store.PENDING,
    reason: str | None = None,
) -> int:
    with workspace.database.sessions.begin() as session:
        reminder = store.add_reminder(
            session=session,
            kind=store.ADHOC,
            owner_user_id=owner,
            due_at=due_at,
            text=text,
            recorded_by=owner,
            nation_iso2=nation,
        )
        reminder.state, reminder.failure_reason = state, reason
        return reminder.id


# --- setting a reminder in the officer's words ---------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "due", "text"),
    [
        (
            "fiji tomorrow 09:00 send agenda to the DA",
            dt.datetime(2026, 11, 26, 0, 0, tzinfo=UTC),
            "send agenda to the DA",
        ),
        ("fiji in 90 seconds test", NOW + dt.timedelta(seconds=90), "test"),
        ("fiji 2026-12-05 14:30 call the PFSO", dt.datetime(2026, 12, 5, 5, 30, tzinfo=UTC), "call the PFSO"),
        (
            "tonga next tuesday 9am draft the trip report",
            dt.datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
            "draft the trip report",
        ),
        ("papua new guinea 12 Jan 2027 check the PFSP", dt.datetime(2027, 1, 12, 0, 0, tzinfo=UTC), "check the PFSP"),
        ("fiji Jan 12 2027 2pm brief the DA", dt.datetime(2027, 1, 12, 5, 0, tzinfo=UTC), "brief the DA"),
        ("fiji today 14:30 phone home", dt.datetime(2026, 11, 25, 5, 30, tzinfo=UTC), "phone home"),
        ("fiji friday book flights", dt.datetime(2026, 11, 27, 0, 0, tzinfo=UTC), "book flights"),
        ("fiji in 3 days chase the minutes", NOW + dt.timedelta(days=3), "chase the minutes"),
    ],
)
def test_reminders_are_read_in_the_officers_zone_and_stored_in_utc(
    desk: Workspace, typed: str, due: dt.datetime, text: str
) -> None:
    answer = desk.command(f"remind {typed}")
    assert "I'll remind you" in answer.text, answer.text
    [reminder] = all_reminders(desk)
    assert (reminder.due_at, reminder.text, reminder.owner_user_id, reminder.state) == (
        due,
        text,
        OFFICER,
        store.PENDING,
    )
    assert reminder.recorded_by == OFFICER


@pytest.mark.parametrize(
    "typed",
    [
        "me about fiji tomorrow 09:00 call the DA",
        "me tomorrow 09:00 call the DA about fiji",
        "tomorrow 09:00 call the DA re Fiji",
    ],
)
def test_remind_me_as_officers_say_it(desk: Workspace, typed: str) -> None:
    answer = desk.command(f"remind {typed}")
    assert "I'll remind you" in answer.text, answer.text
    [reminder] = all_reminders(desk)
    tomorrow_9am_tokyo = dt.datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    assert (reminder.nation_iso2, reminder.text, reminder.due_at) == ("FJ", "call the DA", tomorrow_9am_tokyo)


@pytest.mark.parametrize(
    ("typed", "due", "says"),
    [
        ("fiji tomorrow 09:00 UTC call the DA", dt.datetime(2026, 11, 26, 9, 0, tzinfo=UTC), "09:00 UTC, as you wrote"),
        # the day as the officer counts it (their tomorrow, Thursday 26th in Tokyo), the time in the zone written
        ("fiji tomorrow 9am Fiji time call the DA", dt.datetime(2026, 11, 25, 21, 0, tzinfo=UTC), "09:00 Fiji time"),
        ("fiji tomorrow 10:00 Pacific/Fiji call the DA", dt.datetime(2026, 11, 25, 22, 0, tzinfo=UTC), "10:00 Fiji"),
        ("fiji tomorrow 8am HST call the DA", dt.datetime(2026, 11, 26, 18, 0, tzinfo=UTC), "08:00 Thu HST, as you"),
        ("fiji in 3 hours UTC call the DA", dt.datetime(2026, 11, 25, 6, 0, tzinfo=UTC), "I'll remind you"),
        # a time alone is the next one there: 15:00 in Fiji has passed today (it is 15:00 there now), so tomorrow's
        ("fiji 3pm Fiji time call the DA", dt.datetime(2026, 11, 26, 3, 0, tzinfo=UTC), "15:00 Fiji time"),
    ],
)
def test_a_zone_written_after_the_time_is_the_zone_the_time_is_in(
    desk: Workspace, typed: str, due: dt.datetime, says: str
) -> None:
    """ "09:00 UTC" was read as 09:00 in the officer's zone, with "UTC" the first word of the reminder."""
    answer = desk.command(f"remind {typed}")
    assert "I'll remind you" in answer.text and says in answer.text, answer.text
    [reminder] = all_reminders(desk)
    assert (reminder.due_at, reminder.text) == (due, "call the DA")


def test_no_such_day_is_refused_not_read_as_a_later_day_and_a_time(desk: Workspace) -> None:
    """ "29 feb 2027" was saved for 29 February 2028 at 20:27: the date without its year, the year as a time."""
    answer = desk.command("remind fiji 29 feb 2027 call the DA")
    assert "February 2027 has 28 days" in answer.text, answer.text
    assert all_reminders(desk) == []


def test_a_reminder_about_a_cancelled_visit_is_refused(desk: Workspace) -> None:
    desk.command("visit add fiji 2027-01-12")
    desk.command("visit cancel 1")
    answer = desk.command("remind 1 tomorrow 09:00 call the DA")
    assert "Visit #1 was cancelled; no reminder was set." in answer.text, answer.text
    assert [r for r in all_reminders(desk) if r.text == "call the DA"] == []


def test_cancelling_two_reminders_at_once_cancels_neither_and_says_so(desk: Workspace) -> None:
    desk.command("remind fiji tomorrow 09:00 first")
    desk.command("remind fiji tomorrow 10:00 second")
    answer = desk.command("reminder cancel 1 2")
    assert "One reminder at a time" in answer.text and "nothing was cancelled" in answer.text, answer.text
    assert [r.state for r in all_reminders(desk)] == [store.PENDING, store.PENDING]


def test_a_zone_abbreviation_naming_several_zones_is_refused(desk: Workspace) -> None:
    answer = desk.command("remind fiji tomorrow 14:30 CST call the DA")
    assert "“CST” names more than one time zone" in answer.text, answer.text
    assert all_reminders(desk) == []


def test_in_starting_a_moment_is_not_india(desk: Workspace) -> None:
    """ "in" is India's code and a word: "remind me in 3 days ... about samoa" is about Samoa, three days from now;
    "to" (Tonga's code) before a date that does not start with it is still Tonga."""
    answer = desk.command("remind me in 3 days call the DA about samoa")
    assert "I'll remind you" in answer.text, answer.text
    assert "India" not in answer.text
    desk.command("remind to tomorrow 09:00 send the agenda")
    samoa, tonga = all_reminders(desk)
    assert (samoa.nation_iso2, samoa.text, samoa.due_at) == ("WS", "call the DA", NOW + dt.timedelta(days=3))
    assert (tonga.nation_iso2, tonga.text) == ("TO", "send the agenda")


def test_a_reminder_about_a_visit_by_its_number(desk: Workspace) -> None:
    desk.command("visit add fiji 2027-01-12 to 2027-01-16")
    answer = desk.command("remind 1 in 2 hours confirm transport")
    assert "visit #1" in answer.text
    reminder = all_reminders(desk)[-1]
    assert (reminder.visit_id, reminder.nation_iso2, reminder.due_at, reminder.kind) == (
        1,
        "FJ",
        NOW + dt.timedelta(hours=2),
        store.ADHOC,
    )


def test_daylight_saving_is_respected(settings, database, standin) -> None:
    standin.add_user("U0NEWYORK", name="ny", tz="America/New_York")
    with served(settings, database, standin, clock=lambda: NOW) as workspace:
        workspace.command("remind fiji 2027-03-13 09:00 before the change", user="U0NEWYORK")
        workspace.command("remind fiji 2027-03-15 09:00 after the change", user="U0NEWYORK")
        assert [r.due_at.hour for r in all_reminders(workspace)] == [14, 13]  # EST is UTC-5, EDT UTC-4


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("fiji 03/04/2027 call", "ambiguous"),
        ("fiji today 09:00 call", "already passed"),
        ("fiji tomorrow", "What should I remind you of?"),
        ("fiji", "When should I remind you?"),
        ("fiji someday call", "couldn't find a date or time"),
        ("atlantis tomorrow call", "I don't know a nation"),
        ("99 tomorrow call", "There is no visit #99"),
        ("me tomorrow 09:00 call the DA", "Which nation or visit is this reminder about? Name it first."),
        ("tomorrow 09:00 call the DA about atlantis", "Which nation or visit is this reminder about?"),
        ("me tomorrow about tonga", "What should I remind you of about Tonga?"),  # not "name the nation first"
        # a nation named in what to remind of is offered, never filed on a guess
        (
            "me tomorrow 09:00 call the Tonga DA",
            "Did you mean: `/ipslo remind tonga tomorrow 09:00 call the Tonga DA`?",
        ),
        # the date was mistyped, not the nation: the same line, spelt as meant, to send instead
        ("me tomorow 09:00 call about tonga", "Did you mean: `/ipslo remind me tomorrow 09:00 call about tonga`?"),
    ],
)
def test_bad_reminders_are_refused_with_what_to_type(desk: Workspace, typed: str, says: str) -> None:
    answer = desk.command(f"remind {typed}")
    assert says in answer.text
    assert "Traceback" not in answer.text
    assert all_reminders(desk) == []


def test_my_reminders_list_what_is_coming_and_what_went_wrong(desk: Workspace) -> None:
    add(desk, due_at=NOW + dt.timedelta(days=1), text="coming up")
    add(desk, due_at=NOW - dt.timedelta(days=2), text="never went out", state=store.MISSED)
    add(
        desk,
        due_at=NOW - dt.timedelta(days=1),
        text="slack refused",
        state=store.FAILED,
        reason="the channel is archived (is_archived)",
    )
    add(desk, due_at=NOW - dt.timedelta(days=1), text="already sent", state=store.SENT)
    add(desk, due_at=NOW + dt.timedelta(days=1), text="someone else's", owner=ADMIN)
    answer = desk.command("reminders")
    assert "Your reminders (1 coming up, 2 need attention)" in answer.text
    assert "coming up" in answer.text and "missed, was due Mon 23 Nov 2026 12:00 JST" in answer.text
    assert "failed" in answer.text and "the channel is archived (is_archived)" in answer.text
    assert "already sent" not in answer.text and "someone else's" not in answer.text


def test_cancelling_a_reminder(desk: Workspace) -> None:
    mine = add(desk, due_at=NOW + dt.timedelta(days=1), text="mine")
    theirs = add(desk, due_at=NOW + dt.timedelta(days=1), text="theirs", owner=ADMIN)
    assert "Cancelled reminder" in desk.command(f"reminder cancel {mine}").text
    assert f"You have no reminder #{theirs}" in desk.command(f"reminder cancel {theirs}").text
    assert [r.state for r in all_reminders(desk)] == [store.CANCELLED, store.PENDING]
    assert "no reminders waiting" in desk.command("reminders").text
    # "reminders cancel" is read as "reminder cancel", not as the list
    again = add(desk, due_at=NOW + dt.timedelta(days=2), text="again")
    assert "Cancelled reminder" in desk.command(f"reminders cancel {again}").text


def test_long_lists_say_how_many_more_there_are(desk: Workspace) -> None:
    for n in range(45):
        add(desk, due_at=NOW + dt.timedelta(days=1, minutes=n), text=f"task {n}")
    for n in range(23):
        add(desk, due_at=NOW - dt.timedelta(days=1, minutes=n), text=f"lost {n}", state=store.MISSED)
    text = desk.command("reminders").text
    assert "Your reminders (45 coming up, 23 need attention)" in text
    assert "…and 5 more" in text and "…and 3 more" in text
    assert "task 39" in text and "task 40" not in text


def test_reminders_beyond_a_page_are_a_page_away_and_one_nations_are_one_word_away(desk: Workspace) -> None:
    """With 43 pending, "reminders" ended "…and 3 more" with no way to see them."""
    for n in range(45):
        add(desk, due_at=NOW + dt.timedelta(days=1, minutes=n), text=f"task {n}")
    for n in range(23):
        add(desk, due_at=NOW - dt.timedelta(days=1, minutes=n), text=f"lost {n}", state=store.MISSED)
    add(desk, due_at=NOW + dt.timedelta(days=2), text="tonga task", nation="TO")
    first = desk.command("reminders")
    assert "Your reminders (46 coming up, 23 need attention) · page 1 of 2" in first.text, first.text
    assert (
        "…and 6 more: `/ipslo reminders page 2`" in first.text
        and "…and 3 more: `/ipslo reminders page 2`" in first.text
    )
    second = desk.command("reminders page 2")
    assert "page 2 of 2" in second.text
    assert all(f"task {n}" in second.text for n in range(40, 45)) and "tonga task" in second.text
    assert "task 39" not in second.text and "lost 3" not in second.text and "lost 2" in second.text  # earliest first
    assert "more" not in second.text.replace("…and", "")  # the last page is complete
    # the button under the first page shows the second in its place
    press_button = next(b for b in buttons(first.body) if b["text"]["text"] == "Page 2")
    assert press_on(desk, press_button).status == 200
    assert desk.standin.wait_for(lambda: desk.standin.responses)
    answered = desk.standin.responses[-1].body
    assert answered["replace_original"] is True and answered["text"] == second.body["text"]

    tonga = desk.command("reminders tonga")
    assert "Your reminders about Tonga (1 coming up)" in tonga.text and "tonga task" in tonga.text
    assert "task 1" not in tonga.text and "lost" not in tonga.text
    fiji = desk.command("reminders fjii")  # a look-up forgives a typo
    assert "Your reminders about Fiji (45 coming up, 23 need attention) · page 1 of 2" in fiji.text
    assert "…and 5 more: `/ipslo reminders fiji page 2`" in fiji.text
    assert "There is no page 3: your reminders fill 2 pages." in desk.command("reminders page 3").text
    assert "“x” is not a page number" in desk.command("reminders page x").text


def test_all_a_page_number_alone_and_page_alone_are_read(desk: Workspace) -> None:
    """ "reminders all", "reminders 2" and "reminders page" were refused as "I don't know a nation called 'all'"."""
    for n in range(45):
        add(desk, due_at=NOW + dt.timedelta(days=1, minutes=n), text=f"task {n}")
    add(desk, due_at=NOW + dt.timedelta(days=2), text="tonga task", nation="TO")
    first, second = desk.command("reminders").text, desk.command("reminders page 2").text
    assert desk.command("reminders all").text == first  # every nation's, as with nothing after it
    assert desk.command("reminders 1").text == first
    assert desk.command("reminders 2").text == second and desk.command("reminders page2").text == second
    assert desk.command("reminders all 2").text == second
    assert "Your reminders about Tonga (1 coming up)" in desk.command("reminders all tonga").text
    asked = desk.command("reminders page").text
    assert "Which page? Your reminders fill 2 pages." in asked, asked
    assert "`/ipslo reminders` for the first or `/ipslo reminders page 2` for the next" in asked
    assert "There is no page 3: your reminders fill 2 pages." in desk.command("reminders 3").text
    assert "Pages start at 1." in desk.command("reminders 0").text
    assert "I don't know a nation" not in asked + desk.command("reminders all").text


@pytest.mark.parametrize("typed", ["99999999999999999999999", "#x7", "7.5"])
def test_an_odd_reminder_number_is_refused_kindly(desk: Workspace, typed: str) -> None:
    answer = desk.command(f"reminder cancel {typed}")
    assert "is not a reminder number" in answer.text and "/ipslo reminders" in answer.text


# --- cancelling while the scheduler sends: one of them wins, cleanly -----------------------------


def test_a_reminder_being_sent_cannot_be_cancelled_and_is_recorded_as_sent(workspace: Workspace) -> None:
    reminder_id = add(workspace, due_at=utcnow())
    with workspace.database.sessions.begin() as session:
        assert store.claim(session=session, reminder_id=reminder_id, claimed_by="sender", now=utcnow())
    answer = workspace.command(f"reminder cancel {reminder_id}")
    assert f"Reminder #{reminder_id} is being sent right now" in answer.text
    with workspace.database.sessions.begin() as session:
        assert store.mark_delivered(
            session=session,
            reminder_id=reminder_id,
            worker="sender",
            channel=f"D{OFFICER}",
            message_ts="1.000001",
            sent_at=utcnow(),
            late=False,
        )
    assert [r.state for r in all_reminders(workspace)] == [store.SENT]


def test_a_cancel_that_read_the_reminder_before_the_scheduler_claimed_it_is_refused(workspace: Workspace) -> None:
    reminder_id = add(workspace, due_at=utcnow())
    with workspace.database.sessions() as officer:
        seen = officer.get(Reminder, reminder_id)
        assert seen.state == store.PENDING  # the command has read it...
        with workspace.database.sessions.begin() as scheduler:  # ...when the scheduler takes it
            assert store.claim(session=scheduler, reminder_id=reminder_id, claimed_by="sender", now=utcnow())
        assert not store.set_state(session=officer, reminder=seen, state=store.CANCELLED, updated_by=OFFICER)
        assert not store.reschedule(
            session=officer, reminder=seen, due_at=utcnow() + dt.timedelta(hours=1), updated_by=OFFICER
        )
        assert seen.state == store.CLAIMED
        officer.commit()
    with workspace.database.sessions.begin() as scheduler:
        assert store.mark_delivered(
            session=scheduler,
            reminder_id=reminder_id,
            worker="sender",
            channel=f"D{OFFICER}",
            message_ts="1.000001",
            sent_at=utcnow(),
            late=False,
        )
    [reminder] = all_reminders(workspace)
    assert (reminder.state, reminder.updated_by) == (store.SENT, "scheduler")


def test_a_cancelled_reminder_is_never_sent(workspace: Workspace) -> None:
    reminder_id = add(workspace, due_at=utcnow())
    assert "Cancelled reminder" in workspace.command(f"reminder cancel {reminder_id}").text
    assert deliver(bot_for(workspace), reminder_id, worker="sender") is None
    assert workspace.standin.calls_to("chat.postMessage") == []
    with (
        workspace.database.sessions.begin() as session
    ):  # a late word from a sender that lost its claim changes nothing
        assert not store.mark_failed(session=session, reminder_id=reminder_id, worker="sender", reason="late news")
    assert [r.state for r in all_reminders(workspace)] == [store.CANCELLED]


def test_cancelling_a_visit_while_one_of_its_reminders_is_being_sent_says_so(desk: Workspace) -> None:
    desk.command("visit add fiji 2027-01-12 to 2027-01-16")
    first, *others = all_reminders(desk)
    with desk.database.sessions.begin() as session:
        session.get(Reminder, first.id).state = store.CLAIMED
    answer = desk.command("visit cancel 1")
    assert f"{len(others)} pending reminders cancelled" in answer.text
    assert f"Reminder #{first.id} was being sent at that moment" in answer.text
    assert [r.state for r in all_reminders(desk)] == [store.CLAIMED] + [store.CANCELLED] * len(others)


# --- the direct message and its buttons ----------------------------------------------------------


def bot_for(workspace: Workspace) -> Bot:
    return Bot(settings=workspace.settings, database=workspace.database, client=slack_client(workspace.settings))


def dm_text(workspace: Workspace, call_index: int = -1) -> str:
    call = workspace.standin.calls_to("chat.postMessage")[call_index]
    return render(call.args)


def press(workspace: Workspace, reminder_id: int, action: str, *, user: str = OFFICER) -> None:
    [message] = [m for m in workspace.standin.messages() if m["channel"] == f"D{OFFICER}"][-1:]
    [button] = [
        e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action
    ]
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "kim", "name": "kim", "team_id": workspace.standin.team_id},
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": message["channel"],
            "is_ephemeral": False,
        },
        "channel": {"id": message["channel"], "name": "directmessage"},
        "message": {"type": "message", "ts": message["ts"], "text": message["text"], "blocks": message["blocks"]},
        "actions": [{**button, "block_id": "actions", "action_ts": "1764000000.000001"}],
    }
    body, headers = workspace.standin.interaction(payload, signing_secret=SIGNING_SECRET)
    assert workspace.post(body, headers).status == 200


def updated(workspace: Workspace, count: int = 1) -> list:
    """The chat.update calls, once the button's lazy listener has made them (after Slack got its 200)."""
    assert workspace.standin.wait_for(lambda: len(workspace.standin.calls_to("chat.update")) >= count)
    return workspace.standin.calls_to("chat.update")


def test_a_visit_reminder_arrives_as_a_direct_message_with_a_briefing(workspace: Workspace) -> None:
    with workspace.database.sessions.begin() as session:
        record_assessment(
            session=session,
            nation=session.get(Nation, "FJ"),
            assessed_on=dt.date(2023, 3, 1),
            outcome="substantially implementing the ISPS Code",
            source="trip report 23-011",
            recorded_by=ADMIN,
        )
        today = utcnow().date()
        visit = visit_store.add_visit(
            session=session,
            nation_iso2="FJ",
            starts_on=today + dt.timedelta(days=7),
            ends_on=today + dt.timedelta(days=9),
            kind="country visit",
            title="PFSA review",
            lead_user_id=OFFICER,
            recorded_by=OFFICER,
        )
        visit_id = visit.id
        reminder = store.add_reminder(
            session=session,
            kind=store.VISIT,
            owner_user_id=OFFICER,
            due_at=utcnow(),
            text="Country visit to Fiji starts in 7 days",
            recorded_by=OFFICER,
            nation_iso2="FJ",
            visit_id=visit.id,
            offset_days=7,
        )
        reminder_id = reminder.id
        note, _ = notes.add_note(
            session=session,
            nation_iso2="FJ",
            text="Met the DA in Suva.\nLong detail follows.",
            noted_on=dt.date(2026, 10, 2),
            author_user_id=ADMIN,
            idempotency_key="n1",
        )
        notes.add_follow_up(
            session=session,
            note=note,
            recorded_by=ADMIN,
            follow_up=notes.FollowUp("send the PFSP template", OFFICER, dt.date(2026, 12, 1)),
        )
    assert deliver(bot_for(workspace), reminder_id, worker="test") == store.SENT
    [opened] = workspace.standin.calls_to("conversations.open")
    assert opened.args["users"] == OFFICER
    text = dm_text(workspace)
    assert "Reminder: Country visit to Fiji starts in 7 days" in text
    assert "“PFSA review”" in text and "lead @U0OFFICER" in text
    assert "Fiji briefing" in text and "Found substantially implementing the ISPS Code (1 Mar 2023)" in text
    assert "Reassessment due" in text and "1 Mar 2026" in text
    assert "Next visit: " in text and f"· country visit (#{visit_id})" in text  # the visit this reminder is about
    assert "Latest notes" in text and "2 Oct 2026: Met the DA in Suva." in text and "Long detail" not in text
    assert "Open follow-ups" in text and "send the PFSP template · @U0OFFICER by 1 Dec 2026" in text
    assert "[Done]  [Snooze 1 hour]  [Tomorrow 09:00]  [Next week]" in text
    with workspace.database.sessions() as session:
        sent = session.get(Reminder, reminder_id)
        assert (sent.state, sent.channel, sent.attempts) == (store.SENT, f"D{OFFICER}", 1)
        assert sent.message_ts and sent.sent_at and sent.claimed_by == "test"


def test_a_reminder_is_claimed_once(workspace: Workspace) -> None:
    reminder_id = add(workspace, due_at=utcnow())
    bot = bot_for(workspace)
    assert deliver(bot, reminder_id, worker="a") == store.SENT
    assert deliver(bot, reminder_id, worker="b") is None
    assert len(workspace.standin.calls_to("chat.postMessage")) == 1


def test_once_slack_has_the_message_the_reminder_is_never_marked_failed(workspace: Workspace) -> None:
    reminder_id = add(workspace, due_at=utcnow())

    def database_goes_away(_conn, _cursor, statement: str, *_: object) -> None:
        if statement.startswith("UPDATE reminders") and "message_ts" in statement:
            raise RuntimeError("the database went away")

    event.listen(workspace.database.engine, "before_cursor_execute", database_goes_away)
    try:
        assert deliver(bot_for(workspace), reminder_id, worker="sender") == store.CLAIMED
    finally:
        event.remove(workspace.database.engine, "before_cursor_execute", database_goes_away)
    assert len(workspace.standin.messages(f"D{OFFICER}")) == 1
    [reminder] = all_reminders(workspace)
    assert reminder.state == store.CLAIMED and reminder.failure_reason is None


def test_a_reminder_not_yet_due_is_not_sent(workspace: Workspace) -> None:
    reminder_id = add(workspace, due_at=utcnow() + dt.timedelta(minutes=5))
    assert deliver(bot_for(workspace), reminder_id, worker="a") is None
    assert workspace.standin.calls_to("chat.postMessage") == []


def test_done_updates_the_message_in_place(workspace: Workspace) -> None:
    reminder_id = add(workspace, due_at=utcnow(), text="send the agenda")
    deliver(bot_for(workspace), reminder_id, worker="test")
    press(workspace, reminder_id, "reminder_done")
    [update] = updated(workspace)
    posted = workspace.standin.calls_to("chat.postMessage")[0]
    assert (update.args["channel"], update.args["ts"]) == (posted.response["channel"], posted.response["ts"])
    text = render(update.args)
    assert "send the agenda" in text and "✅ Done · marked by @U0OFFICER" in text
    assert "[Done]" not in text
    assert [r.state for r in all_reminders(workspace)] == [store.DONE]


@pytest.mark.parametrize(
    ("action", "later"),
    [
        ("reminder_snooze_hour", dt.timedelta(hours=1)),
        ("reminder_snooze_tomorrow", None),
        ("reminder_snooze_week", None),
    ],
)
def test_snooze_sets_the_reminder_again(workspace: Workspace, action: str, later: dt.timedelta | None) -> None:
    reminder_id = add(workspace, due_at=utcnow(), text="send the agenda")
    deliver(bot_for(workspace), reminder_id, worker="test")
    before = utcnow()
    press(workspace, reminder_id, action)
    [reminder] = all_reminders(workspace)
    assert reminder.state == store.PENDING and reminder.claimed_by is None
    if later:
        assert before + later <= reminder.due_at <= utcnow() + later
    else:
        local = reminder.due_at.astimezone(ZoneInfo("Asia/Tokyo"))
        days = 1 if action.endswith("tomorrow") else 7
        assert (local.time(), local.date()) == (
            dt.time(9, 0),
            before.astimezone(local.tzinfo).date() + dt.timedelta(days=days),
        )
    text = render(updated(workspace)[0].args)
    assert "💤 Snoozed: I'll remind you again" in text and "[Done]" not in text


def test_the_button_answers_slack_even_if_updating_the_message_fails(workspace: Workspace) -> None:
    reminder_id = add(workspace, due_at=utcnow(), text="send the agenda")
    deliver(bot_for(workspace), reminder_id, worker="test")
    workspace.standin.fail_next("chat.update", status=200, error="message_not_found")
    press(workspace, reminder_id, "reminder_done")  # Slack gets its 200 before the message is touched
    updated(workspace)
    assert [r.state for r in all_reminders(workspace)] == [store.DONE]


def test_done_pressed_before_the_sender_recorded_the_delivery_wins(workspace: Workspace) -> None:
    reminder_id = add(workspace, due_at=utcnow(), text="send the agenda")
    with workspace.database.sessions.begin() as session:
        assert store.claim(session=session, reminder_id=reminder_id, claimed_by="sender", now=utcnow())
    with workspace.database.sessions() as session:  # the sender has posted it, and not yet recorded that
        message = reminder_message(session=session, reminder=session.get(Reminder, reminder_id), tz=UTC, now=utcnow())
    channel = bot_for(workspace).client.conversations_open(users=OFFICER)["channel"]["id"]
    posted = bot_for(workspace).client.chat_postMessage(channel=channel, **slack_message(message))
    press(workspace, reminder_id, "reminder_done")
    updated(workspace)
    with workspace.database.sessions.begin() as session:
        assert not store.mark_delivered(
            session=session,
            reminder_id=reminder_id,
            worker="sender",
            channel=posted["channel"],
            message_ts=posted["ts"],
            sent_at=utcnow(),
            late=False,
        )
    [reminder] = all_reminders(workspace)
    assert (reminder.state, reminder.message_ts) == (store.DONE, posted["ts"])


def test_only_the_owner_can_press_the_buttons(workspace: Workspace) -> None:
    reminder_id = add(workspace, due_at=utcnow())
    deliver(bot_for(workspace), reminder_id, worker="test")
    press(workspace, reminder_id, "reminder_done", user="U0STRANGER")
    assert workspace.standin.wait_for(lambda: workspace.standin.responses)  # told so, just them
    [told] = workspace.standin.responses
    assert f"You have no reminder #{reminder_id}" in told.body["text"] and told.body["replace_original"] is False
    assert workspace.standin.calls_to("chat.update") == []
    assert [r.state for r in all_reminders(workspace)] == [store.SENT]


# --- Slack failures ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_retried(workspace: Workspace, status: int) -> None:
    reminder_id = add(workspace, due_at=utcnow())
    workspace.standin.fail_next("chat.postMessage", status=status, retry_after=1)
    assert deliver(bot_for(workspace), reminder_id, worker="test") == store.SENT
    assert len(workspace.standin.calls_to("chat.postMessage")) == 2
    assert len(workspace.standin.messages(f"D{OFFICER}")) == 1


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("is_archived", "the channel is archived (is_archived)"),
        ("user_not_found", "Slack does not know this member (user_not_found)"),
    ],
)
def test_a_permanent_error_marks_the_reminder_failed_with_the_reason(
    workspace: Workspace, error: str, reason: str
) -> None:
    reminder_id = add(workspace, due_at=utcnow(), text="book the hotel")
    workspace.standin.fail_next("chat.postMessage", status=200, error=error)
    assert deliver(bot_for(workspace), reminder_id, worker="test") == store.FAILED
    [reminder] = all_reminders(workspace)
    assert reminder.failure_reason == reason
    answer = workspace.command("reminders")
    assert "failed" in answer.text and reason in answer.text and "book the hotel" in answer.text


def test_a_deactivated_officer_gets_a_failed_reminder_not_a_crash(workspace: Workspace) -> None:
    workspace.standin.add_user("U0GONE", name="gone", deleted=True)
    reminder_id = add(workspace, due_at=utcnow(), owner="U0GONE")
    assert deliver(bot_for(workspace), reminder_id, worker="test") == store.FAILED
    assert "deactivated" in all_reminders(workspace)[0].failure_reason


# --- the weekly digest ---------------------------------------------------------------------------


def test_the_digest_shows_the_fortnight_reassessments_due_and_missed_reminders(desk: Workspace) -> None:
    desk.command("visit add fiji 2026-12-01 to 2026-12-03 country visit")
    desk.command("visit add tonga 2027-02-01 reciprocal visit")  # beyond 14 days
    with desk.database.sessions.begin() as session:
        for iso2, assessed_on in (
            ("WS", dt.date(2023, 1, 10)),
            ("VU", dt.date(2024, 3, 1)),
            ("TO", dt.date(2025, 1, 1)),
        ):
            record_assessment(
                session=session,
                nation=session.get(Nation, iso2),
                assessed_on=assessed_on,
                outcome="substantially implementing the ISPS Code",
                source=None,
                recorded_by=ADMIN,
            )
    add(desk, due_at=NOW - dt.timedelta(days=3), text="call the DA", state=store.MISSED)
    add(desk, due_at=NOW - dt.timedelta(days=30), text="an old one", state=store.MISSED)
    with desk.database.sessions() as session:
        text = render(slack_message(digest(session=session, now=NOW, tz=desk.settings.team_tz)))
    assert "Fiji · Tue 1 Dec – Thu 3 Dec 2026 · country visit" in text
    assert "Samoa · Overdue since 10 Jan 2026" in text
    assert "Vanuatu · 1 Mar 2027 (within 6 months)" in text
    assert "Tonga" not in text  # its visit is beyond 14 days, its reassessment beyond 6 months
    assert "call the DA" in text and "an old one" not in text


def test_the_digest_is_posted_once_to_the_team_channel(settings, database, standin) -> None:
    settings = replace(settings, digest_channel="C0TEAM")
    standin.add_channel("C0TEAM", name="ipslo-team")
    first = ReminderScheduler(settings=settings, database=database, name="one")
    second = ReminderScheduler(settings=settings, database=database, name="two")
    first.post_digest()
    second.post_digest()
    [posted] = standin.calls_to("chat.postMessage")
    assert posted.args["channel"] == "C0TEAM" and "IPSLO week ahead" in render(posted.args)


def test_the_digest_is_posted_once_per_tick_whatever_second_each_process_runs_it(settings, database, standin) -> None:
    settings = replace(settings, digest_channel="C0TEAM")
    standin.add_channel("C0TEAM", name="ipslo-team")
    first = ReminderScheduler(settings=settings, database=database, name="one")
    second = ReminderScheduler(settings=settings, database=database, name="two")
    tick = last_fire_time(first.digest_trigger, NOW)
    next_tick = first.digest_trigger.get_next_fire_time(tick, NOW)
    assert first.post_digest(now=tick + dt.timedelta(seconds=3))
    assert not second.post_digest(now=tick + dt.timedelta(seconds=47))  # slower to start, same Monday
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert second.post_digest(now=next_tick + dt.timedelta(seconds=2))  # the week after
    assert len(standin.calls_to("chat.postMessage")) == 2


def test_a_digest_slack_refused_is_recorded_and_not_posted_twice(settings, database, standin) -> None:
    settings = replace(settings, digest_channel="C0TEAM")
    standin.add_channel("C0TEAM", name="ipslo-team")
    standin.fail_next("chat.postMessage", status=200, error="not_in_channel")
    first = ReminderScheduler(settings=settings, database=database, name="one")
    assert not first.post_digest(now=NOW)
    assert not ReminderScheduler(settings=settings, database=database, name="two").post_digest(now=NOW)
    with database.sessions() as session:
        [run] = session.scalars(select(DigestRun))
    assert run.posted_by == "one failed: Slack answered not_in_channel"
    assert run.scheduled_for == last_fire_time(first.digest_trigger, NOW)


# --- settings and the console --------------------------------------------------------------------


def test_reminder_settings_have_the_documented_defaults() -> None:
    settings = Settings.from_env({}, dotenv=None)
    assert settings.visit_reminders == (dt.timedelta(days=30), dt.timedelta(days=7), dt.timedelta(days=1))
    assert settings.reminder_grace == dt.timedelta(hours=12)
    assert (settings.digest_channel, settings.digest_cron, settings.poll_seconds, settings.scheduler) == (
        None,
        "0 8 * * mon",
        10.0,
        True,
    )
    custom = Settings.from_env(
        {
            "IPSLO_VISIT_REMINDERS": "14d, 2d",
            "IPSLO_REMINDER_GRACE": "90m",
            "IPSLO_DIGEST_CHANNEL": "C0TEAM",
            "IPSLO_DIGEST_CRON": "30 7 * * fri",
            "IPSLO_POLL_SECONDS": "2.5",
            "IPSLO_SCHEDULER": "off",
        },
        dotenv=None,
    )
    assert custom.visit_reminders == (dt.timedelta(days=14), dt.timedelta(days=2))
    assert (
        custom.reminder_grace,
        custom.digest_channel,
        custom.digest_cron,
        custom.poll_seconds,
        custom.scheduler,
    ) == (dt.timedelta(minutes=90), "C0TEAM", "30 7 * * fri", 2.5, False)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("IPSLO_VISIT_REMINDERS", "30 days"),
        ("IPSLO_VISIT_REMINDERS", "12h"),
        ("IPSLO_REMINDER_GRACE", "soon"),
        ("IPSLO_DIGEST_CRON", "0 8 * *"),
        ("IPSLO_DIGEST_CRON", "0 25 * * mon"),
        ("IPSLO_DIGEST_CHANNEL", "#ipslo-team"),
        ("IPSLO_POLL_SECONDS", "0"),
        ("IPSLO_POLL_SECONDS", "ten"),
        ("IPSLO_SCHEDULER", "sometimes"),
    ],
)
def test_a_malformed_reminder_setting_is_named(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({variable: value}, dotenv=None)
    assert str(error.value).startswith(variable)


def test_in_the_console_a_reminder_arrives_and_its_buttons_can_be_clicked(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url, poll_seconds=0.2)
    database = open_database(settings)
    out = io.StringIO()
    console = Console(settings=settings, database=database, out=out, tz="Asia/Tokyo")
    try:
        assert "I'll remind you" in console.send("remind fiji in 1 seconds try the buttons")
        assert eventually(lambda: "[1 Done]" in out.getvalue(), timeout=10)
        assert "(a direct message to you)" in out.getvalue() and "try the buttons" in out.getvalue()
        assert "Type `click 1` to `click 4`" in console.send("click 9")
        assert console.send("1") == ""  # a number alone presses that button, as `click 1` does
        assert eventually(lambda: "✅ Done" in out.getvalue(), timeout=5)
        assert "updated in DU0CONSOLE" in out.getvalue()
        assert "There are no buttons" in console.send("click 1")  # a pressed message's buttons are gone
        assert "I don't know the command" in console.send("1")  # with no buttons, a number is a (wrong) command
    finally:
        console.close()
        database.engine.dispose()


def test_a_reminder_about_a_nation_shows_the_partners_clock_too(workspace) -> None:
    answer = workspace.command("remind fiji tomorrow 09:00 call the PFSO")
    # Lt Kim is in Tokyo (UTC+9); Fiji is UTC+12: 09:00 in Tokyo is 12:00 in Suva.
    assert "09:00 JST (12:00 in Fiji)" in answer.text


def test_an_overlong_reminder_is_refused_and_nothing_is_set(workspace) -> None:
    answer = workspace.command("remind fiji tomorrow 09:00 " + "x" * 1001)
    assert "keep it under 1,000" in answer.text
    assert "You have no reminders waiting." in workspace.command("reminders").text
