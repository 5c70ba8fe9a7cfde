"""Planning visits as an officer does it in Slack: adding, moving, cancelling, listing, and the reminders that follow
each visit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from storage.reminders import CANCELLED, PENDING, Reminder
from storage.visits import Visit
from tests.conftest import ADMIN, OFFICER, Workspace, served

UTC = dt.UTC
#: Wednesday 25 Nov 2026, 12:00 in Tokyo (the officer's zone), 11:00 in Singapore (the admin's).
NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@pytest.fixture
def planner(settings, database, standin) -> Iterator[Workspace]:
    """The real app over HTTP, its clock stopped at :data:`NOW`."""
    with served(settings, database, standin, clock=lambda: NOW) as workspace:
        yield workspace


def reminders_of(workspace: Workspace, visit_id: int) -> list[Reminder]:
    with workspace.database.sessions() as session:
        query = select(Reminder).where(Reminder.visit_id == visit_id).order_by(Reminder.due_at)
        return list(session.scalars(query))


def visits(workspace: Workspace) -> list[Visit]:
    with workspace.database.sessions() as session:
        return list(session.scalars(select(Visit).order_by(Visit.id)))


def test_a_country_visit_is_planned_with_reminders_at_nine_in_the_leads_zone(planner: Workspace) -> None:
    answer = planner.command("visit add fiji 2027-01-12 to 2027-01-16 country visit")
    assert answer.status == 200 and answer.ephemeral
    assert "#1 Fiji · Tue 12 Jan – Sat 16 Jan 2027 · country visit · lead @U0OFFICER" in answer.text
    assert "Sun 13 Dec 2026 09:00 JST, Tue 5 Jan 2027 09:00 JST, Mon 11 Jan 2027 09:00 JST" in answer.text
    [visit] = visits(planner)
    assert (visit.nation_iso2, visit.starts_on, visit.ends_on, visit.kind, visit.title) == (
        "FJ",
        dt.date(2027, 1, 12),
        dt.date(2027, 1, 16),
        "country visit",
        None,
    )
    assert visit.lead_user_id == OFFICER and visit.recorded_by == OFFICER and visit.recorded_at is not None
    due = [(r.offset_days, r.due_at, r.owner_user_id, r.state) for r in reminders_of(planner, visit.id)]
    assert due == [
        (30, dt.datetime(2026, 12, 13, 0, 0, tzinfo=UTC), OFFICER, PENDING),  # 09:00 JST is 00:00 UTC
        (7, dt.datetime(2027, 1, 5, 0, 0, tzinfo=UTC), OFFICER, PENDING),
        (1, dt.datetime(2027, 1, 11, 0, 0, tzinfo=UTC), OFFICER, PENDING),
    ]


def test_a_seminar_with_a_title_and_a_one_day_date(planner: Workspace) -> None:
    answer = planner.command("visit add png 12 Jan 2027 capacity building PFSO seminar in Port Moresby")
    assert "Papua New Guinea · Tue 12 Jan 2027 · capacity building · “PFSO seminar in Port Moresby”" in answer.text
    [visit] = visits(planner)
    assert (visit.nation_iso2, visit.starts_on, visit.ends_on, visit.kind, visit.title) == (
        "PG",
        dt.date(2027, 1, 12),
        dt.date(2027, 1, 12),
        "capacity building",
        "PFSO seminar in Port Moresby",
    )


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("tonga 2027-02-01 reciprocal visit", "reciprocal visit"),
        ("tonga 2027-02-01 bilateral meeting with the DA", "bilateral meeting"),
        ("tonga 2027-02-01 other", "other"),
        ("tonga 2027-02-01", "country visit"),
        ("tonga 2027-02-01 PFSO seminar in Nuku'alofa", "capacity building"),  # a seminar is capacity building
        ("tonga 2027-02-01 reciprocal visit workshop", "reciprocal visit"),  # a kind named first wins
    ],
)
def test_every_kind_of_visit(planner: Workspace, typed: str, kind: str) -> None:
    planner.command(f"visit add {typed}")
    [visit] = visits(planner)
    assert visit.kind == kind
    if "seminar" in typed:
        assert visit.title == "PFSO seminar in Nuku'alofa"  # the words stay the title


@pytest.mark.parametrize(
    ("typed", "kind", "title"),
    [
        ("contry visit", "country visit", None),
        ("reciprocol visit", "reciprocal visit", None),
        ("capcity building PFSO seminar", "capacity building", "PFSO seminar"),
        ("bilateral meting with the DA", "bilateral meeting", "with the DA"),
    ],
)
def test_a_mistyped_kind_is_read_as_that_kind_and_said_so(planner: Workspace, typed: str, kind: str, title) -> None:
    answer = planner.command(f"visit add tonga 2027-02-01 {typed}")
    [visit] = visits(planner)
    assert (visit.kind, visit.title) == (kind, title)
    assert f"Read “{typed.split(' ')[0]}" in answer.text and f"” as {kind}." in answer.text
    assert "(default)" not in answer.text


def test_another_officer_leads_and_is_reminded_at_nine_in_their_own_zone(planner: Workspace) -> None:
    answer = planner.command(f"visit add samoa 2027-03-01 to 2027-03-03 lead <@{ADMIN}|lee>")
    assert f"lead @{ADMIN}" in answer.text
    [visit] = visits(planner)
    assert visit.lead_user_id == ADMIN and visit.recorded_by == OFFICER
    # The lead's zone came from Slack (users.info), Asia/Singapore: 09:00 there is 01:00 UTC.
    assert any(call.args.get("user") == ADMIN for call in planner.standin.calls_to("users.info"))
    assert [r.due_at.time() for r in reminders_of(planner, visit.id)] == [dt.time(1, 0)] * 3
    assert {r.owner_user_id for r in reminders_of(planner, visit.id)} == {ADMIN}


def test_reminders_whose_time_has_passed_are_not_sent(planner: Workspace) -> None:
    answer = planner.command("visit add fiji 2026-12-01")  # six days away: only the day-before reminder is left
    [visit] = visits(planner)
    assert [r.offset_days for r in reminders_of(planner, visit.id)] == [1]
    assert "Mon 30 Nov 2026 09:00 JST" in answer.text
    planner.command("visit add tonga 2026-11-26")  # tomorrow: the 09:00 day-before reminder was this morning
    assert reminders_of(planner, visits(planner)[1].id) == []


def test_a_past_visit_stays_on_record_without_reminders(planner: Workspace) -> None:
    answer = planner.command("visit add tuvalu 2023-12-12 to 2023-12-18 country visit")
    assert "in the past" in answer.text
    [visit] = visits(planner)
    assert reminders_of(planner, visit.id) == []
    status = planner.command("status tuvalu")
    assert "Last visit: Tue 12 Dec – Mon 18 Dec 2023 · country visit (#1" in status.text
    assert "Next visit: None on record" in status.text


def test_move_to_a_date_reads_as_officers_say_it(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-01-12 to 2027-01-16 country visit")
    answer = planner.command("visit move 1 to 2027-02-02")
    assert "Tue 2 Feb – Sat 6 Feb 2027" in answer.text, answer.text  # keeps its length
    assert visits(planner)[0].starts_on == dt.date(2027, 2, 2)


def test_moving_a_visit_moves_its_reminders(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-01-12 to 2027-01-16 country visit")
    answer = planner.command("visit move 1 2027-02-02 to 2027-02-05")
    assert "Tue 2 Feb – Fri 5 Feb 2027" in answer.text and "Was Tue 12 Jan – Sat 16 Jan 2027" in answer.text
    [visit] = visits(planner)
    assert (visit.starts_on, visit.ends_on, visit.updated_by) == (dt.date(2027, 2, 2), dt.date(2027, 2, 5), OFFICER)
    reminders = reminders_of(planner, visit.id)
    assert [(r.due_at.date(), r.state) for r in reminders] == [
        (dt.date(2027, 1, 3), PENDING),
        (dt.date(2027, 1, 26), PENDING),
        (dt.date(2027, 2, 1), PENDING),
    ]  # 09:00 JST = 00:00 UTC
    assert all("Tue 2 Feb – Fri 5 Feb 2027" in r.text for r in reminders)
    # Moved closer: the reminders whose time has passed are cancelled, not sent.
    planner.command("visit move 1 2026-12-02")
    [visit] = visits(planner)
    assert visit.ends_on == dt.date(2026, 12, 5)  # keeps its length
    states = {r.offset_days: r.state for r in reminders_of(planner, visit.id)}
    assert states == {30: CANCELLED, 7: CANCELLED, 1: PENDING}


def test_cancelling_a_visit_cancels_its_reminders_and_keeps_it_on_record(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-01-12 to 2027-01-16")
    answer = planner.command("visit cancel 1")
    assert "Cancelled visit #1 to Fiji" in answer.text and "3 pending reminders cancelled" in answer.text
    assert {r.state for r in reminders_of(planner, 1)} == {CANCELLED}
    listed = planner.command("visits fiji")
    assert "(cancelled)" in listed.text
    assert "Visits in the next 90 days (0)" in planner.command("visits").text
    assert "already cancelled" in planner.command("visit cancel 1").text


def test_listing_visits_upcoming_mine_and_by_nation(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-01-12 to 2027-01-16")
    planner.command("visit add fiji 2025-03-03 country visit")  # past
    planner.command("visit add tonga 2027-06-01 reciprocal visit")  # beyond 90 days
    planner.command("visit add samoa 2026-12-10 bilateral meeting", user=ADMIN)
    upcoming = planner.command("visits")
    assert "Visits in the next 90 days (2)" in upcoming.text
    assert "Fiji · Tue 12 Jan – Sat 16 Jan 2027" in upcoming.text and "Samoa" in upcoming.text
    assert "Tonga" not in upcoming.text and "2025" not in upcoming.text
    mine = planner.command("visits mine")
    assert "Visits you lead (2)" in mine.text and "Samoa" not in mine.text and "Tonga" in mine.text
    fiji = planner.command("visits fiji")
    assert "Visits to Fiji (2)" in fiji.text and "(past)" in fiji.text
    assert "Plan one: `/ipslo visit add tonga " in planner.command("visits tonga").text  # the nation asked about
    status = planner.command("status fiji")
    assert "Last visit: Mon 3 Mar 2025 · country visit" in status.text
    assert "Next visit: Tue 12 Jan – Sat 16 Jan 2027 · country visit (#1" in status.text


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("visit add fiji 03/04/2027", "ambiguous"),
        ("visit add atlantis 2027-01-12", "I don't know a nation"),
        ("visit add fiji", "Which date?"),
        ("visit add fiji 2027-01-16 to 2027-01-12", "before the start date"),
        ("visit add fiji next month", "“next month” isn't one day: type the date, e.g. “25 Dec 2026”."),
        ("visit add fiji yesterday", "“yesterday” is in the past: please type the date itself, e.g. “2026-11-24”."),
        ("visit add fiji fryday", "I don't know “fryday”.\nDid you mean: `/ipslo visit add fiji friday`?"),
        ("visit add fiji 12 janaury 2027", "Did you mean: `/ipslo visit add fiji 12 january 2027`?"),
        ("visit add fiji next week", "type “in 1 week” (Wed 2 Dec 2026) or a day, e.g. “next monday”"),
        ("visit add fiji in 500 years", "too far ahead"),
        ("visit add fiji 2027-01-12 lead @bob", "Please pick the lead from Slack's @-mention list: type `lead @`"),
        (
            "visit add fiji 2027-01-12 " + "x" * 201,
            "That title is 201 characters long; please keep it to 200 or fewer.",
        ),
        # a range left without its end is refused, not planned as one day titled "to"
        ("visit add fiji 2027-01-12 to", "The end date is missing after “to”"),
        ("visit add fiji 2027-01-12 until", "The end date is missing after “until”"),
        ("visit move 99 2027-01-12", "There is no visit #99"),
        ("visit move x 2027-01-12", "not a visit number"),
        ("visit fly fiji", "I don't know `/ipslo visit fly`"),
        ("visits atlantis", "I don't know a nation"),
    ],
)
def test_bad_input_is_refused_with_what_to_type_and_nothing_is_written(
    planner: Workspace, typed: str, says: str
) -> None:
    answer = planner.command(typed)
    assert answer.status == 200
    assert says in answer.text
    assert "Traceback" not in answer.text
    assert visits(planner) == []


def test_visit_edit_says_what_changes_a_visit(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-01-12 to 2027-01-16")
    answer = planner.command("visit edit 1")
    assert "`/ipslo visit move 1 <date> [to <date>]`" in answer.text and "Edit" in answer.text, answer.text
    assert "I don't know" not in answer.text
    moved = planner.command("visit postpone 1 2027-02-02")  # an officer's word for moving it later
    assert "Tue 2 Feb – Sat 6 Feb 2027" in moved.text, moved.text


def test_a_date_refused_in_visit_move_shows_visit_moves_usage(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-01-12 to 2027-01-16")
    answer = planner.command("visit move 1 2027-02-30")
    assert "February 2027 has 28 days" in answer.text
    assert "/ipslo visit move <id> <date>" in answer.text and "visit add" not in answer.text, answer.text


def test_a_visit_typed_without_add_is_planned_and_a_mistyped_verb_or_nation_gets_the_line_to_send(
    planner: Workspace,
) -> None:
    planned = planner.command("visit tonga 2027-03-09 to 2027-03-11 port visit")
    assert "#1 Tonga · Tue 9 Mar – Thu 11 Mar 2027 · country visit · “port visit”" in planned.text
    assert "Did you mean: `/ipslo visit cancel 1`?" in planner.command("visit cancle 1").text
    assert "Did you mean: `/ipslo visit add fiji 2027-04-01`?" in planner.command("visit fjii 2027-04-01").text
    assert [visit.nation_iso2 for visit in visits(planner)] == ["TO"]  # the suggestions wrote nothing


def test_the_offsets_are_a_setting(settings, database, standin) -> None:
    settings = replace(settings, visit_reminders=(dt.timedelta(days=14),))
    with served(settings, database, standin, clock=lambda: NOW) as workspace:
        workspace.command("visit add fiji 2027-01-12")
        assert [(r.offset_days, r.due_at.date()) for r in reminders_of(workspace, 1)] == [(14, dt.date(2026, 12, 29))]


def test_a_visit_planned_without_a_kind_says_so_and_names_every_kind(planner: Workspace) -> None:
    answer = planner.command("visit add fiji 12 Jan 2027 port visit suva")
    assert (
        "Kind: country visit (default); kinds: country visit, reciprocal visit, capacity building, "
        "bilateral meeting, other." in answer.text
    )
    [visit] = visits(planner)
    assert (visit.kind, visit.title) == ("country visit", "port visit suva")
    named = planner.command("visit add tonga 12 Jan 2027 reciprocal visit")
    assert "Kind: country visit (default)" not in named.text
    # the kinds are in the hints and in help too
    assert "`reciprocal visit`" in planner.command("visit add fiji").text
    assert "bilateral meeting" in planner.command("help").text


def test_a_lead_typed_as_plain_text_is_refused_not_put_in_the_title(planner: Workspace) -> None:
    answer = planner.command("visit add fiji 2027-01-12 seminar lead @bob")
    assert "Please pick the lead from Slack's @-mention list" in answer.text
    assert "so Slack sends me their ID" in answer.text and "“@bob” reached me as plain text" in answer.text
    assert "lead me" in answer.text
    assert visits(planner) == []


def test_lead_me_and_a_lead_the_bot_knows_by_name(planner: Workspace) -> None:
    from storage.officers import remember_officer

    with planner.database.sessions.begin() as session:
        remember_officer(session=session, user_id="U0KIM", name="Kim Lee", tz="Asia/Tokyo")
        remember_officer(session=session, user_id="U0PAT", name="Pat Lee", tz="Asia/Tokyo")
    assert "#1 Fiji" in planner.command("visit add fiji 2027-01-12 seminar lead me").text
    assert "#2 Tonga" in planner.command("visit add tonga 2027-01-12 seminar lead @kim_lee").text
    refused = planner.command("visit add samoa 2027-01-12 seminar lead @lee")  # two officers called Lee
    assert "no officer I know goes by that name" in refused.text
    assert [(v.nation_iso2, v.lead_user_id, v.title) for v in visits(planner)] == [
        ("FJ", OFFICER, "seminar"),
        ("TO", "U0KIM", "seminar"),
    ]


@pytest.mark.parametrize(
    ("typed", "start", "end", "title"),
    [
        ("fiji 2027-01-12 2027-01-16", dt.date(2027, 1, 12), dt.date(2027, 1, 16), None),
        ("fiji 12-16 Jan 2027 port visit", dt.date(2027, 1, 12), dt.date(2027, 1, 16), "port visit"),
        ("fiji 12–16 Jan 2027", dt.date(2027, 1, 12), dt.date(2027, 1, 16), None),
        ("fiji 2027-01-12 tuesday brief", dt.date(2027, 1, 12), dt.date(2027, 1, 12), "tuesday brief"),
    ],
)
def test_date_ranges_as_officers_type_them(planner: Workspace, typed: str, start, end, title) -> None:
    planner.command(f"visit add {typed}")
    [visit] = visits(planner)
    assert (visit.starts_on, visit.ends_on, visit.title) == (start, end, title)


@pytest.mark.parametrize(
    ("typed", "warning"),
    [
        ("guam 2027-01-12", "Guam is a U.S. territory, not a partner nation in our area: check you meant it."),
        ("united states 2027-01-12", "United States is not a partner nation in our area: check you meant it."),
        ("cuba 2027-01-12", "Cuba is not in our area (FEACT IPS, Maldives to French Polynesia): check you meant it."),
        ("fiji 2027-01-12 to 2027-02-26", "That is 46 days long; check the end date"),
    ],
)
def test_a_questionable_visit_is_planned_with_a_warning(planner: Workspace, typed: str, warning: str) -> None:
    answer = planner.command(f"visit add {typed}")
    assert warning in answer.text
    assert answer.text.startswith("📅 #1 ") and len(visits(planner)) == 1


def test_an_overlapping_visit_to_the_same_nation_is_pointed_out(planner: Workspace) -> None:
    first = planner.command("visit add fiji 2027-01-12 to 2027-01-16")
    assert "check you meant it" not in first.text and "You already have" not in first.text
    answer = planner.command("visit add fiji 2027-01-15 reciprocal visit")
    assert "You already have #1 to Fiji on those dates (country visit, Tue 12 Jan – Sat 16 Jan 2027)" in answer.text
    assert len(visits(planner)) == 2
    assert "You already have" not in planner.command("visit add tonga 2027-01-15").text  # another nation
    planner.command("visit add fiji 2027-03-01")
    moved = planner.command("visit move 4 2027-01-15")
    assert "You already have #1 to Fiji" in moved.text and "You already have #2 to Fiji" in moved.text
    planner.command("visit cancel 1")
    assert "You already have #1" not in planner.command("visit add fiji 2027-01-13").text  # cancelled ones don't count


def test_a_nations_visits_are_listed_in_date_order(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-01-12")
    planner.command("visit add fiji 2025-03-03")
    planner.command("visit add fiji 2026-12-01")
    listed = planner.command("visits fiji").text
    assert listed.index("Mon 3 Mar 2025") < listed.index("Tue 1 Dec 2026") < listed.index("Tue 12 Jan 2027")
    assert "Mon 3 Mar 2025 · country visit · lead @U0OFFICER (past)" in listed


def test_moving_a_visit_to_the_dates_it_has_changes_nothing(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-01-12 to 2027-01-16")
    before = [(r.id, r.due_at, r.state) for r in reminders_of(planner, 1)]
    for typed in ("visit move 1 2027-01-12 to 2027-01-16", "visit move 1 12 Jan 2027"):
        answer = planner.command(typed)
        assert "Visit #1 is already on those dates; nothing changed." in answer.text
        assert "Was" not in answer.text
    [visit] = visits(planner)
    assert visit.updated_by is None
    assert [(r.id, r.due_at, r.state) for r in reminders_of(planner, 1)] == before


def test_cancelling_a_cancelled_visit_says_so_plainly(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-01-12 to 2027-01-16")
    planner.command("visit cancel 1")
    answer = planner.command("visit cancel 1")
    assert "Visit #1 to Fiji (Tue 12 Jan – Sat 16 Jan 2027) was already cancelled; nothing changed." in answer.text
    assert "~" not in answer.text


def test_a_title_of_two_hundred_characters_is_kept_whole(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-01-12 " + "x" * 200)
    [visit] = visits(planner)
    assert visit.title == "x" * 200
