"""Conditions of Entry and the area kept current by the team: the admin commands and form, history, the shipped
snapshot never overwriting the team, every process seeing a change at once, and the corrected snapshot."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import update

from bot.runtime import open_database
from bot.settings import Settings
from commands import reminders as reminder_commands
from commands.language import Caller, Invocation
from commands.lookup import Ambiguous, NationIndex
from storage.db import migrate
from storage.nations import ConditionOfEntry, Nation, read_reference
from tests import interactions
from tests.conftest import ADMIN, DESK_NOW, OFFICER, SIGNING_SECRET, Answer, Workspace, served
from tests.interactions import labelled, press
from tests.reading import render
from tests.standin import CheckedSlack
from tests.test_home import home_text, open_home

UTC = dt.UTC
NOW = DESK_NOW  # Wednesday 25 Nov 2026, 12:00 in Tokyo


# --- each command, and what status, nations and ask show at once ----------------------------------


def test_admin_records_a_lifting_and_status_nations_and_ask_show_it(desk: Workspace) -> None:
    assert "Under Conditions of Entry since 26 Jun 2014" in desk.command("status nigeria").text
    recorded = desk.command("coe nigeria lifted 2026-11-20 PSA 3-26", user=ADMIN)
    assert "Recorded: Conditions of Entry for Nigeria lifted 20 Nov 2026." in recorded.text
    shown = desk.command("status nigeria").text
    assert "Conditions of Entry lifted 20 Nov 2026 (PSA 3-26; recorded by @U0ADMIN on" in shown
    assert "Under Conditions of Entry" not in shown
    listed = desk.command("nations coe").text
    assert "Under Conditions of Entry (21)" in listed and "Nigeria" not in listed
    assert desk.command("ask is nigeria under coe?").text.startswith("No: Nigeria is no longer under Conditions")


def test_the_day_a_listing_was_recorded_is_the_officers_day_not_utcs(settings, database, standin) -> None:
    """Recorded at 23:27 UTC on 1 Dec: already 2 Dec in Tokyo, where the officer reads status."""
    late = dt.datetime(2026, 12, 1, 23, 27, tzinfo=UTC)
    with served(settings, database, standin, clock=lambda: late) as desk:
        desk.command("coe fiji imposed 2027-06-01 PSA 4-26", user=ADMIN)
        shown = desk.command("status fiji", user=OFFICER).text
    assert "recorded by @U0ADMIN on 2 Dec 2026" in shown, shown
    assert "1 Dec 2026" not in shown


def test_admin_records_an_imposition_future_ones_are_announced(desk: Workspace) -> None:
    now_in_force = desk.command("coe fiji imposed 2026-11-01 PSA 2-26", user=ADMIN)
    assert "Conditions of Entry for Fiji, in force since 1 Nov 2026" in now_in_force.text
    assert "Under Conditions of Entry since 1 Nov 2026" in desk.command("status fiji").text
    assert "Under Conditions of Entry (23)" in desk.command("nations coe").text
    announced = desk.command("coe tonga imposed 2027-02-01 PSA 3-26", user=ADMIN)
    assert "take effect 1 Feb 2027" in announced.text
    assert "Conditions of Entry take effect 1 Feb 2027" in desk.command("status tonga").text
    again = desk.command("coe fiji imposed 2026-11-01 PSA 2-26", user=ADMIN)
    assert "already recorded" in again.text and "nothing changed" in again.text


def test_exceptions_are_added_and_removed_and_status_names_them(desk: Workspace) -> None:
    assert "Quai GETMA (LAMNALCO Base) Facility (CMDLA-0005)" in desk.command("status cameroon").text
    desk.command("coe cameroon exception remove CMDLA-0005 PSA 2-26", user=ADMIN)
    assert "CMDLA-0005" not in desk.command("status cameroon").text
    added = desk.command("coe iraq exception “Al Maqal Terminal 14” PSA 1-18", user=ADMIN)
    assert "Recorded: Iraq's listing excepts Al Maqal Terminal 14." in added.text
    assert "Al Maqal Terminal 14" in desk.command("status iraq").text
    unclear = desk.command("coe iraq exception Al Maqal Terminal 14 PSA 1-18", user=ADMIN)
    assert "Where does the facility's name end" in unclear.text and "in quotes" in unclear.text
    unknown = desk.command("coe iraq exception remove XX999-0001 PSA 1-18", user=ADMIN)
    assert "excepts no facility “XX999-0001”" in unknown.text


def test_confirming_the_list_moves_its_as_of(desk: Workspace) -> None:
    assert "public list as of 30 Sep 2025" in desk.command("nations coe").text
    desk.command("coe confirmed 2026-11-24 checked against PSA 2-26", user=ADMIN)
    listed = desk.command("nations coe").text
    assert "public list as of 24 Nov 2026 (confirmed by @U0ADMIN: checked against PSA 2-26)" in listed
    future = desk.command("coe confirmed 2026-12-24 PSA 2-26", user=ADMIN)
    assert "in the future" in future.text
    no_source = desk.command("coe confirmed 2026-11-24", user=ADMIN)
    assert "Which source?" in no_source.text


def test_area_add_and_remove_change_nations_due_and_overdue(desk: Workspace) -> None:
    desk.command("assess mauritius 2023-01-10 substantially implementing", user=ADMIN)
    assert "Mauritius" in desk.command("nations overdue").text
    removed = desk.command("area remove mauritius", user=ADMIN)
    assert "Recorded: Mauritius is now outside our area." in removed.text
    assert "Mauritius" not in desk.command("nations overdue").text
    assert "Nations in our area (51)" in desk.command("nations").text
    desk.command("area add mauritius team decision 2026-11", user=ADMIN)
    assert "Mauritius" in desk.command("nations overdue").text
    assert "already in our area" in desk.command("area add mauritius", user=ADMIN).text
    assert "never a partner" in desk.command("area add guam", user=ADMIN).text


def test_writes_never_guess_the_nation(desk: Workspace) -> None:
    typo = desk.command("coe nigerai lifted 2026-11-20 PSA 3-26", user=ADMIN)
    assert "I'm not sure “nigerai” means Nigeria; nothing was recorded." in typo.text
    korea = desk.command("coe korea lifted 2026-11-20 PSA 3-26", user=ADMIN)
    assert "could mean more than one nation" in korea.text
    assert "Under Conditions of Entry" in desk.command("status nigeria").text


# --- admins only, with the reason; history for everyone ---------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "coe nigeria lifted 2026-11-20 PSA 3-26",
        "coe fiji imposed 2026-11-20 PSA 3-26",
        "coe iraq exception “Al Maqal Terminal 14” PSA 1-18",
        "coe cameroon exception remove CMDLA-0005 PSA 2-26",
        "coe confirmed 2026-11-24 PSA 2-26",
        "area add mauritius",
        "area remove fiji",
    ],
)
def test_officers_are_refused_with_the_reason_and_nothing_changes(desk: Workspace, typed: str) -> None:
    answer = desk.command(typed, user=OFFICER)
    assert "only admins may run it" in answer.text
    assert "Ask an admin (IPSLO_ADMINS)" in answer.text
    assert "No changes recorded" in desk.command("coe history").text


def test_history_shows_every_change_with_who_when_before_and_after(desk: Workspace) -> None:
    desk.command("coe nigeria lifted 2026-11-20 PSA 3-26", user=ADMIN)
    desk.command("coe nigeria imposed 2026-11-22 PSA 4-26", user=ADMIN)
    desk.command("area remove fiji", user=ADMIN)
    nigeria = desk.command("coe history nigeria", user=OFFICER).text  # reading is for every officer
    assert nigeria.count("Listing · Nigeria") == 2 and "Fiji" not in nigeria
    assert "by @U0ADMIN" in nigeria
    assert "before: Under Conditions of Entry since 26 Jun 2014 (79 FR 33771 (12 Jun 2014))" in nigeria
    assert "after: Conditions of Entry since 26 Jun 2014, lifted 20 Nov 2026 (PSA 3-26)" in nigeria
    assert "after: Under Conditions of Entry since 22 Nov 2026 (PSA 4-26)" in nigeria
    everything = desk.command("coe history").text
    assert "before: In our area" in everything and "after: Outside our area" in everything
    assert "nothing is ever deleted" in everything


# --- the shipped snapshot never overwrites the team -----------------------------------------------------


def test_a_restart_and_migrate_keep_what_the_team_recorded(database_url: str) -> None:
    settings = Settings(database_url=database_url)
    first = open_database(settings)
    admin = Caller(ADMIN, is_admin=True)
    from commands import ipslo

    with first.sessions() as session:
        inv = Invocation(caller=admin, session=session, now=NOW)
        for typed in (
            "coe nigeria lifted 2026-11-20 PSA 3-26",
            "coe cameroon exception remove CMDLA-0005 PSA 2-26",
            "area remove mauritius",
            "coe confirmed 2026-11-24 PSA 2-26",
        ):
            assert not ipslo.run(inv, typed).refused, typed
        session.commit()
    first.engine.dispose()

    again = open_database(settings)  # a restart: migrate and load the shipped data again
    migrate(again.engine)  # `python -m bot migrate` does the same
    try:
        with again.sessions() as session:
            inv = Invocation(caller=Caller(OFFICER), session=session, now=NOW)
            assert "Conditions of Entry lifted 20 Nov 2026" in render_reply(ipslo.run(inv, "status nigeria"))
            assert "CMDLA-0005" not in render_reply(ipslo.run(inv, "status cameroon"))
            assert "In our area: No" in render_reply(ipslo.run(inv, "status mauritius"))
            assert "public list as of 24 Nov 2026" in render_reply(ipslo.run(inv, "nations coe"))
    finally:
        again.engine.dispose()


def test_a_newer_shipped_list_that_differs_is_mentioned_under_the_team_record(database) -> None:
    from commands import ipslo

    with database.sessions() as session:
        inv = Invocation(caller=Caller(ADMIN, is_admin=True), session=session, now=NOW)
        ipslo.run(inv, "coe seychelles lifted 2025-06-01 PSA 1-25")
        # The team's record was made before the shipped snapshot's date (30 Sep 2025), which still lists Seychelles.
        session.execute(
            update(ConditionOfEntry)
            .where(ConditionOfEntry.recorded_by == ADMIN)
            .values(recorded_at=dt.datetime(2025, 6, 2, tzinfo=UTC))
        )
        session.commit()
        shown = render_reply(ipslo.run(inv, "status seychelles"))
    assert "Conditions of Entry lifted 1 Jun 2025 (PSA 1-25" in shown  # the team's record wins
    assert "The shipped list (as of 30 Sep 2025) differs: it says under Conditions of Entry since 12 Apr 2019" in shown


# --- two processes on PostgreSQL see a change at once -----------------------------------------------


def test_two_processes_on_postgresql_see_a_change_at_once(postgres_url: str, standin: CheckedSlack) -> None:
    settings = Settings(
        database_url=postgres_url,
        slack_bot_token=standin.bot_token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.api_url,
        admins=frozenset({ADMIN}),
    )
    one, two = open_database(settings), open_database(settings)
    try:
        with (
            served(settings, one, standin, clock=lambda: NOW) as first,
            served(settings, two, standin, clock=lambda: NOW) as second,
        ):
            assert "Under Conditions of Entry" in second.command("status nigeria").text
            assert "Under Conditions of Entry (22)" in second.command("nations coe").text
            first.command("coe nigeria lifted 2026-11-20 PSA 3-26", user=ADMIN)
            first.command("area remove fiji", user=ADMIN)
            assert "Conditions of Entry lifted 20 Nov 2026" in second.command("status nigeria").text
            assert "Under Conditions of Entry (21)" in second.command("nations coe").text
            assert "In our area: No" in second.command("status fiji").text
            assert "No: Nigeria is no longer under" in second.command("ask is nigeria under coe?").text
    finally:
        one.engine.dispose()
        two.engine.dispose()


# --- the form ---------------------------------------------------------------------------------------------


def interact(workspace: Workspace, payload: dict, user: str) -> Answer:
    payload = {"user": {"id": user, "name": user.lower(), "team_id": workspace.standin.team_id}, **payload}
    body, headers = workspace.standin.interaction(payload, signing_secret=SIGNING_SECRET)
    return workspace.post(body, headers)


def submit(workspace: Workspace, view: dict, user: str = ADMIN, **answers: str) -> Answer:
    values: dict = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        kind, answer = block["element"]["type"], answers.get(block["block_id"])
        if kind in ("static_select", "external_select"):
            state = {
                "selected_option": {"text": {"type": "plain_text", "text": answer}, "value": answer} if answer else None
            }
        elif kind == "datepicker":
            state = {"selected_date": answer}
        else:
            state = {"value": answer}
        values[block["block_id"]] = {block["element"]["action_id"]: {"type": kind, **state}}
    return interact(workspace, {"type": "view_submission", "view": {**view, "state": {"values": values}}}, user)


def opened_form(workspace: Workspace) -> dict:
    answer = workspace.command("coe", user=ADMIN)
    assert answer.status == 200 and answer.text == ""
    call = workspace.standin.calls_to("views.open")[-1]
    assert call.response["ok"], call.response
    return workspace.standin.views[call.response["view"]["id"]]


def test_the_form_records_a_change_end_to_end(desk: Workspace) -> None:
    form = opened_form(desk)
    assert form["callback_id"] == "coe_form"
    answer = submit(desk, form, action="lifted", nation="NG", date="2026-11-20", source="PSA 3-26")
    assert answer.body["response_action"] == "update"
    shown = render({"blocks": answer.body["view"]["blocks"]})
    assert "Recorded: Conditions of Entry for Nigeria lifted 20 Nov 2026." in shown
    assert "Conditions of Entry lifted 20 Nov 2026" in desk.command("status nigeria").text
    confirmed = submit(desk, opened_form(desk), action="confirmed", date="2026-11-24", source="PSA 2-26")
    assert confirmed.body["response_action"] == "update"
    area = submit(desk, opened_form(desk), action="area_remove", nation="FJ")
    assert area.body["response_action"] == "update"
    assert "In our area: No" in desk.command("status fiji").text


def test_the_form_points_at_what_is_missing_and_records_nothing(desk: Workspace) -> None:
    form = opened_form(desk)
    no_nation = submit(desk, form, action="lifted", date="2026-11-20", source="PSA 3-26")
    assert no_nation.body == {"response_action": "errors", "errors": {"nation": "Choose the nation."}}
    no_source = submit(desk, form, action="exception_add", nation="IQ", facility="Al Maqal Terminal 14")
    assert set(no_source.body["errors"]) == {"source"}
    not_listed = submit(desk, form, action="lifted", nation="FJ", date="2026-11-20", source="PSA 3-26")
    assert "Fiji is not under Conditions of Entry" in not_listed.body["errors"]["nation"]
    assert "No changes recorded" in desk.command("coe history").text


def test_bare_coe_tells_officers_why_and_opens_no_form(desk: Workspace) -> None:
    answer = desk.command("coe", user=OFFICER)
    assert "Only admins (IPSLO_ADMINS) may change the Conditions of Entry list" in answer.text
    assert answer.ephemeral
    assert desk.standin.calls_to("views.open") == []


# --- names of several places, territories, the area's description -------------------------------------


@pytest.mark.parametrize(
    ("typed", "both"),
    [
        ("korea", {"North Korea", "South Korea"}),
        ("timor", {"Timor-Leste", "Indonesia"}),
        ("new guinea", {"Papua New Guinea", "Indonesia"}),
        ("guinea", {"Papua New Guinea", "Equatorial Guinea", "Guinea-Bissau"}),
        ("borneo", {"Brunei", "Indonesia", "Malaysia"}),
    ],
)
def test_a_name_of_several_places_asks_which_and_offers_each(typed: str, both: set[str]) -> None:
    rows = read_reference("nations.yaml")["nations"]
    index = NationIndex([Nation(**row) for row in rows])
    match = index.match(typed)
    assert isinstance(match, Ambiguous) and {n.name for n in match.choices} == both


def test_korea_is_never_picked_silently(desk: Workspace) -> None:
    answer = desk.command("status korea")
    assert "“korea” could mean more than one nation." in answer.text
    assert "`North Korea`" in answer.text and "`South Korea`" in answer.text
    assert "differ on Conditions of Entry" in answer.text
    assert "West Timor is part of Indonesia" in desk.command("status timor").text
    assert "South Korea (KR)" in desk.command("status south korea").text


def test_territories_say_whose_assessment_covers_them_and_are_never_due(desk: Workspace) -> None:
    shown = desk.command("status christmas island").text
    assert "Not assessed on its own: covered by Australia's assessment" in shown
    assert "Australia's assessment covers it. Australia: No assessment on record" in shown
    assert "Overseas department of France" in desk.command("status reunion").text
    due = desk.command("nations due").text
    assert "41 nations in our area have no assessment on record" in due
    assert "11 territories are covered by their sovereign's assessment" in due
    refused = desk.command("assess tokelau 2026-01-10 substantially implementing", user=ADMIN)
    assert "Tokelau is not assessed on its own: New Zealand's assessment covers it" in refused.text
    biot = desk.command("status biot").text
    assert "Western Indian Ocean" in biot and "South Asia" not in biot


def test_the_area_list_names_the_page_its_description_comes_from(desk: Workspace) -> None:
    area = desk.command("nations").text
    assert "pacificarea.uscg.mil" in area and "over 40 partner nations and territories" in area
    assert "47" not in area


# --- the 90-day confirmation, on App Home (admins) and in the digest -------------------------------------


def test_an_unconfirmed_list_is_flagged_for_admins_and_in_the_digest(desk: Workspace) -> None:
    stale = "The Conditions of Entry list was last confirmed 30 Sep 2025 (the shipped snapshot), over 90 days ago"
    assert stale in home_text(open_home(desk, ADMIN))
    assert stale not in home_text(open_home(desk, OFFICER))
    with desk.database.sessions() as session:
        digest = reminder_commands.digest(session=session, now=NOW, tz=UTC)
    assert stale in render_reply(digest)
    # the form, one tap away from the warning
    pressed = press(desk, labelled(open_home(desk, ADMIN), "Update the list"), ADMIN, view={"id": "V0HOME"})
    assert (
        pressed.status == 200 and interactions.opened_form(desk)["callback_id"] == "coe_form"
    )  # the form, one tap away
    press(desk, {"action_id": "coe_open", "value": ""}, OFFICER, view={"id": "V0HOME"})  # forged: no such button
    assert "Only admins" in json.dumps(interactions.opened_form(desk, 2)["blocks"])
    desk.command("coe confirmed 2026-11-24 PSA 2-26", user=ADMIN)
    assert "over 90 days ago" not in home_text(open_home(desk, ADMIN))
    with desk.database.sessions() as session:
        assert "over 90 days ago" not in render_reply(reminder_commands.digest(session=session, now=NOW, tz=UTC))


# --- the corrected snapshot -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nation", "since", "source"),
    [
        ("seychelles", "12 Apr 2019", "PSA 1-19"),
        ("iraq", "26 Oct 2018", "83 FR 51692"),
        ("gambia", "6 Jul 2015", "PSA 3-15"),
        ("nigeria", "26 Jun 2014", "79 FR 33771"),
        ("madagascar", "4 Dec 2009", "74 FR 60283"),
    ],
)
def test_the_snapshot_gives_the_dates_public_notices_give(
    desk: Workspace, nation: str, since: str, source: str
) -> None:
    shown = desk.command(f"status {nation}").text
    assert f"Under Conditions of Entry since {since}" in shown and source in shown


def test_the_snapshot_names_the_excepted_facilities(desk: Workspace) -> None:
    assert "Toamasina (Tamatave)" in desk.command("status madagascar").text
    iraq = desk.command("status iraq").text
    assert "Al-Basrah Oil Terminal (ABOT)" in iraq and "Khor Al Amaya Oil Terminal (KAAOT)" in iraq
    guinea = desk.command("status equatorial guinea").text
    assert "Luba (GQLUB-0001)" in guinea and "Punta Europa Terminal (GQ368-0001)" in guinea
    cameroon = desk.command("status cameroon").text
    assert "(CMDLA-0005)" in cameroon and "Ebome Marine Terminal (CM394-0001)" in cameroon
    assert "APM Terminal (NGAPP-0001)" in desk.command("status nigeria").text


def render_reply(reply) -> str:
    from bot import views

    return render(views.message(reply))
