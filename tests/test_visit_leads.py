"""Who leads a visit, as the officer typing sees it: a lead typed without Slack's @-mention is refused and nothing is
planned (the words never end up in the title), and a warning about an overlapping visit names the officer who leads
that visit, not whoever is typing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from storage.officers import remember_officer
from storage.visits import Visit
from tests.conftest import ADMIN, OFFICER, Workspace, served

NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
OTHER = "U0OTHER"


@pytest.fixture
def planner(settings, database, standin) -> Iterator[Workspace]:
    """The real app over HTTP, its clock stopped at :data:`NOW`; Lt Sam (U0OTHER) is a member Slack knows."""
    standin.add_user(OTHER, name="sam", real_name="Lt Sam", tz="Asia/Tokyo")
    with served(settings, database, standin, clock=lambda: NOW) as workspace:
        yield workspace


def visits(workspace: Workspace) -> list[Visit]:
    with workspace.database.sessions() as session:
        return list(session.scalars(select(Visit).order_by(Visit.id)))


# --- a lead typed as plain text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("visit add tonga 2027-02-01 lead Bob Smith", "“Bob Smith”"),
        ("visit add fiji 2027-02-10 PFSO seminar lead dana", "“dana”"),
        ("visit add fiji 2027-02-10 lead dana PFSO seminar", "“dana”"),
        ("visit add fiji 2027-02-10 Lead by Bob", "“Bob”"),
        ("visit tonga 2027-02-01 lead Bob Smith", "“Bob Smith”"),  # without "add", the same
        ("visit add fiji 2027-02-10 lead @dana", "“@dana”"),
        ("visit add fiji 2027-02-10 lead @wendy", "“@wendy”"),  # no member ID, though it starts with a W
        ("visit add fiji 2027-02-10 lead @uma", "“@uma”"),
    ],
)
def test_a_lead_that_is_no_mention_is_refused_saying_what_to_type(planner: Workspace, typed: str, named: str) -> None:
    answer = planner.command(typed)
    assert answer.status == 200
    assert "The lead needs an @mention" in answer.text, answer.text
    assert f"{named} reached me as plain text" in answer.text
    assert "Please pick the lead from Slack's @-mention list: type `lead @`" in answer.text
    assert "`lead me`" in answer.text and "nothing was planned" in answer.text
    assert "put the title in quotes" in answer.text  # what to do when "lead" is a word of the title
    assert visits(planner) == []
    assert "(0)" in planner.command("visits").text


def test_lead_with_nothing_after_it_is_refused(planner: Workspace) -> None:
    answer = planner.command("visit add fiji 2027-02-10 PFSO seminar lead")
    assert "The lead needs an @mention" in answer.text and "nothing was planned" in answer.text
    assert visits(planner) == []


def test_a_lead_named_as_plain_text_is_the_officer_the_bot_knows_by_that_name(planner: Workspace) -> None:
    with planner.database.sessions.begin() as session:
        remember_officer(session=session, user_id="U0KIM", name="Kim Tanaka", tz="Asia/Tokyo")
    first = planner.command("visit add fiji 2027-02-10 PFSO seminar lead Kim Tanaka")
    assert "“PFSO seminar” · lead @U0KIM" in first.text, first.text
    second = planner.command("visit add tonga 2027-02-10 lead tanaka port visit")  # the last name, then the title
    assert "“port visit” · lead @U0KIM" in second.text, second.text
    third = planner.command("visit add samoa 2027-02-10 lead @Kim Tanaka")  # "@" typed but no name picked from the list
    assert "lead @U0KIM" in third.text and "“Tanaka”" not in third.text, third.text
    assert [(v.nation_iso2, v.lead_user_id, v.title) for v in visits(planner)] == [
        ("FJ", "U0KIM", "PFSO seminar"),
        ("TO", "U0KIM", "port visit"),
        ("WS", "U0KIM", None),
    ]


@pytest.mark.parametrize(
    ("typed", "title", "lead"),
    [
        ('fiji 2027-02-10 "lead auditor course"', "lead auditor course", OFFICER),
        ("fiji 2027-02-10 “Lead the way: PFSO forum”", "Lead the way: PFSO forum", OFFICER),
        (f'fiji 2027-02-10 "how to lead a drill" lead <@{OTHER}|sam>', "how to lead a drill", OTHER),
        ("fiji 2027-02-10 ISPS lead auditor course", "ISPS lead auditor course", OFFICER),
        ("fiji 2027-02-10 lead agency meeting", "lead agency meeting", OFFICER),
        ("fiji 2027-02-10 PFSO seminar leads me", "PFSO seminar", OFFICER),
        (f"fiji 2027-02-10 PFSO seminar led by <@{OTHER}|sam>", "PFSO seminar", OTHER),
    ],
)
def test_lead_that_belongs_to_the_title_stays_in_it(planner: Workspace, typed: str, title: str, lead: str) -> None:
    answer = planner.command(f"visit add {typed}")
    assert f"“{title}” · lead @{lead}" in answer.text, answer.text
    [visit] = visits(planner)
    assert (visit.title, visit.lead_user_id) == (title, lead)


@pytest.mark.parametrize(
    ("typed", "title", "lead"),
    [
        ("fiji 2027-01-20 co-lead workshop with PNG", "co-lead workshop with PNG", OFFICER),
        ("fiji 2027-01-20 Co-Lead workshop", "Co-Lead workshop", OFFICER),
        ("fiji 2027-01-20 co\u2011lead workshop", "co\u2011lead workshop", OFFICER),  # a phone's non-breaking hyphen
        ("fiji 2027-01-20 PFSO lead-in session", "PFSO lead-in session", OFFICER),
        ("fiji 2027-01-20 lead-up talks", "lead-up talks", OFFICER),
        ("fiji 2027-01-20 lead\u2011up talks", "lead\u2011up talks", OFFICER),
        ("fiji 2027-01-20 self-led port walk", "self-led port walk", OFFICER),
        ("fiji 2027-01-20 port walk, leads-in", "port walk, leads-in", OFFICER),
        ("fiji 2027-01-20 co-lead workshop lead me", "co-lead workshop", OFFICER),
        (f"fiji 2027-01-20 co-lead workshop lead <@{OTHER}|sam>", "co-lead workshop", OTHER),
        (f"fiji 2027-01-20 lead <@{OTHER}|sam> lead-in session", "lead-in session", OTHER),
    ],
)
def test_a_word_joined_to_lead_by_a_hyphen_is_a_word_of_the_title(
    planner: Workspace, typed: str, title: str, lead: str
) -> None:
    answer = planner.command(f"visit add {typed}")
    assert f"“{title}” · lead @{lead}" in answer.text, answer.text
    [visit] = visits(planner)
    assert (visit.title, visit.lead_user_id) == (title, lead)


def test_a_lead_picked_from_slacks_list_anywhere_in_the_line(planner: Workspace) -> None:
    answer = planner.command(f"visit add fiji lead <@{OTHER}|sam> 2027-02-10 PFSO seminar")
    assert "“PFSO seminar” · lead @U0OTHER" in answer.text, answer.text


def test_changing_a_visits_lead_by_typing_points_to_the_edit_form_and_changes_nothing(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-02-10")
    for typed in ("visit edit 1 lead Bob Smith", f"visit edit 1 lead <@{OTHER}|sam>"):
        answer = planner.command(typed)
        assert "Its kind, title or lead: press ✏️ Edit" in answer.text, answer.text
    moved = planner.command("visit move 1 2027-02-12 lead Bob")
    assert "I didn't understand “lead Bob” after the dates." in moved.text, moved.text
    [visit] = visits(planner)
    assert (visit.starts_on, visit.lead_user_id, visit.title) == (dt.date(2027, 2, 10), OFFICER, None)


# --- who an overlap warning names --------------------------------------------------------------------------------


def test_an_overlap_led_by_another_officer_names_them(planner: Workspace) -> None:
    planner.command(f"visit add fiji 2027-02-14 to 2027-02-16 lead <@{OTHER}|sam>")
    answer = planner.command(f"visit add fiji 2027-02-15 to 2027-02-18 lead <@{OTHER}|sam>")
    assert "@U0OTHER already leads #1 to Fiji on those dates (country visit, Sun 14 Feb – Tue 16 Feb 2027)" in (
        answer.text
    ), answer.text
    assert "You already" not in answer.text
    mine = planner.command("visit add fiji 2027-02-16")  # the officer typing leads neither
    assert "@U0OTHER already leads #1 to Fiji" in mine.text and "@U0OTHER already leads #2 to Fiji" in mine.text
    assert "You already" not in mine.text
    assert len(visits(planner)) == 3


def test_an_overlap_the_officer_typing_leads_says_you(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-02-14 to 2027-02-16")
    answer = planner.command(f"visit add fiji 2027-02-15 lead <@{OTHER}|sam>")  # planned for someone else
    assert "You already have #1 to Fiji on those dates" in answer.text, answer.text
    assert "already leads" not in answer.text


def test_several_overlaps_each_name_their_own_lead(planner: Workspace) -> None:
    planner.command("visit add fiji 2027-02-14 to 2027-02-16")
    planner.command(f"visit add fiji 2027-02-15 lead <@{OTHER}|sam>")
    planner.command("visit add fiji 2027-02-16", user=ADMIN)
    answer = planner.command("visit add fiji 2027-02-13 to 2027-02-20", user=ADMIN)
    assert f"@{OFFICER} already leads #1 to Fiji" in answer.text, answer.text
    assert "@U0OTHER already leads #2 to Fiji" in answer.text
    assert "You already have #3 to Fiji" in answer.text
    # an admin moving someone else's visit is told who leads the ones it now overlaps
    moved = planner.command("visit move 2 2027-02-20", user=ADMIN)
    assert "You already have #3" not in moved.text and "You already have #4 to Fiji" in moved.text, moved.text
    assert f"@{OFFICER} already leads #1" not in moved.text


# --- one lead per visit: the line offered --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant", "title", "lead"),
    [
        (f"PFSO course lead me, with <@{OTHER}|sam>", "PFSO course lead me", "PFSO course", OFFICER),
        (f"PFSO course, with <@{OTHER}|sam> lead me", "PFSO course lead me", "PFSO course", OFFICER),
        ("PFSO course lead me and <@U0CCC>, in Suva", "PFSO course in Suva lead me", "PFSO course in Suva", OFFICER),
        ("lead me + <@U0CCC> / <@U0DDD>; PFSO course", "PFSO course lead me", "PFSO course", OFFICER),
        (
            f"lead <@{OTHER}|sam>, <@U0CCC>, PFSO seminar",
            f"PFSO seminar lead @{OTHER}",
            "PFSO seminar",
            OTHER,
        ),
        (
            "PFSO seminar, <@U0CCC>, port visit lead me",
            "PFSO seminar, port visit lead me",
            "PFSO seminar, port visit",
            OFFICER,
        ),
        (
            "PFSO seminar and <@U0CCC> and port visit lead me",
            "PFSO seminar and port visit lead me",
            "PFSO seminar and port visit",
            OFFICER,
        ),
        (
            f"PFSO seminar with <@{OTHER}|sam> in Suva",
            f"PFSO seminar lead @{OTHER} in Suva",
            "PFSO seminar in Suva",
            OTHER,
        ),
        (
            f"<@{OTHER}|sam> and <@{OTHER}|sam> PFSO seminar",
            f"lead @{OTHER} PFSO seminar",
            "PFSO seminar",
            OTHER,
        ),
        ('"brief for <@U0CCC>" lead me and <@U0CCC>', '"brief for @U0CCC" lead me', "brief for @U0CCC", OFFICER),
    ],
)
def test_the_line_offered_when_two_people_are_named_plans_the_visit_as_meant(
    planner: Workspace, typed: str, meant: str, title: str, lead: str
) -> None:
    answer = planner.command(f"visit add fiji 2027-02-04 {typed}")
    assert "nothing was planned" in answer.text, answer.text
    suggested = f"/ipslo visit add fiji 2027-02-04 {meant}"
    assert f"Did you mean: `{suggested}`?" in answer.text, answer.text
    assert visits(planner) == []
    planned = planner.command(suggested.removeprefix("/ipslo "))  # sent as offered
    assert re.search(
        f"#1 Fiji · Thu 4 Feb 2027 · [a-z ]+ · “{re.escape(title)}” · lead @{lead}$", planned.text, re.M
    ), planned.text
    [visit] = visits(planner)
    assert (visit.title, visit.lead_user_id) == (title, lead)


def test_a_comma_left_where_the_lead_was_taken_out_is_not_kept_in_the_title(planner: Workspace) -> None:
    answer = planner.command("visit add fiji 2027-02-04 PFSO course, lead me")
    assert "“PFSO course” · lead @U0OFFICER" in answer.text, answer.text
