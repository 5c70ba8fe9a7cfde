"""Nations as officers name them, and what /ipslo status, nations and assess tell them."""

from __future__ import annotations

import datetime as dt

import pytest

from commands.ipslo import run
from commands.language import Caller, CommandError, Invocation
from commands.lookup import Ambiguous, Exact, Guess, NationIndex, Unknown, refusal, require_exact
from commands.nations import assess, nations, status
from storage.nations import Nation, read_reference
from tests.reading import mrkdwn_of, slack_text

TODAY = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
ADMIN = Caller("U0ADMIN", is_admin=True)


@pytest.fixture(scope="module")
def index() -> NationIndex:
    rows = read_reference("nations.yaml")["nations"]
    return NationIndex([Nation(**{k: v for k, v in row.items()}) for row in rows])


@pytest.mark.parametrize(
    ("typed", "iso2", "exact"),
    [
        ("fiji", "FJ", True),
        ("FJ", "FJ", True),
        ("FJI", "FJ", True),
        ("Fiji", "FJ", True),
        ("PNG", "PG", True),
        ("papua new guinea", "PG", True),
        ("east timor", "TL", True),
        ("Timor-Leste", "TL", True),
        ("Micronesia", "FM", True),
        ("FSM", "FM", True),
        ("solomons", "SB", True),
        ("Viet Nam", "VN", True),
        ("vietnam", "VN", True),
        ("burma", "MM", True),
        ("south korea", "KR", True),
        ("rok", "KR", True),
        ("dprk", "KP", True),
        ("west timor", "ID", True),
        ("RMI", "MH", True),
        ("marshalls", "MH", True),
        ("samoa", "WS", True),
        ("taiwan", "TW", True),
        ("tahiti", "PF", True),
        ("réunion", "RE", True),
        ("sao tome", "ST", True),
        ("fjii", "FJ", False),
        ("phillipines", "PH", False),
        ("indonesa", "ID", False),
        ("papa new guinea", "PG", False),
        ("kiribas", "KI", False),
    ],
)
def test_nation_found_from_name_alias_code_or_typo(index: NationIndex, typed: str, iso2: str, exact: bool) -> None:
    match = index.match(typed)
    assert isinstance(match, Exact | Guess)
    assert (match.named.iso2, isinstance(match, Exact)) == (iso2, exact)


@pytest.mark.parametrize("typed", ["new", "guinea", "islands"])  # "korea", "timor": tests/test_coe.py
def test_unknown_or_ambiguous_nation_offers_closest_three(index: NationIndex, typed: str) -> None:
    match = index.match(typed)
    assert isinstance(match, Ambiguous | Unknown)
    error = refusal(match)
    assert len(error.suggestions) == 3
    assert typed in error.message


@pytest.mark.parametrize("typed", ["xyzzy", "atlantis", "germany", "narnia", "antarctica"])
def test_a_name_like_no_nation_we_know_is_offered_no_unrelated_nations_but_how_to_find_them(
    index: NationIndex, typed: str
) -> None:
    """ "atlantis" shares letters with Malaysia and Thailand; offering them helps no one."""
    match = index.match(typed)
    assert isinstance(match, Unknown)
    error = refusal(match)
    assert error.suggestions == ()
    assert typed in error.message and "/ipslo nations" in mrkdwn_of(error.hint)


@pytest.mark.parametrize(
    ("typed", "offered"),
    [("niue island", ("Niue",)), ("korea south", ("North Korea", "South Korea")), ("fiji tonga", ("Fiji", "Tonga"))],
)
def test_a_name_holding_a_nations_name_offers_that_nation(index: NationIndex, typed: str, offered: tuple) -> None:
    """ "niue island" looks most like Réunion letter by letter; the word "niue" is what the officer meant."""
    assert refusal(index.match(typed)).suggestions == offered


def test_ambiguous_new_suggests_both_new_nations(index: NationIndex) -> None:
    match = index.match("new")
    assert isinstance(match, Ambiguous)
    assert {"New Zealand", "New Caledonia"} <= {n.name for n in match.choices}


def test_multi_word_nation_is_split_from_the_words_after_it(index: NationIndex) -> None:
    match, rest = index.split(["papua", "new", "guinea", "2026-10-03", "substantially"])
    assert match == Exact(match.named, "papua new guinea") and match.named.iso2 == "PG"
    assert rest == ["2026-10-03", "substantially"]


def test_writes_refuse_a_guess_and_name_the_suggestion(index: NationIndex) -> None:
    assert require_exact(index.match("fiji"), nothing="nothing was recorded", hint="").named.iso2 == "FJ"
    with pytest.raises(CommandError) as raised:
        require_exact(index.match("fjii"), nothing="nothing was recorded", hint="Usage: x")
    assert raised.value.message == "I'm not sure “fjii” means Fiji; nothing was recorded."
    assert raised.value.suggestions == ("Fiji",) and "Usage: x" in mrkdwn_of(raised.value.hint)


def invocation(database, caller: Caller = ADMIN, now: dt.datetime = TODAY):
    session = database.sessions()
    return session, Invocation(caller=caller, session=session, now=now)


def test_status_of_a_nation_with_no_assessment(database) -> None:
    session, inv = invocation(database)
    with session:
        reply = status(inv, "fiji")
    text = reply.text + slack_text(reply)
    assert reply.header == "Fiji (FJ)"
    assert "Republic of Fiji" in text and "Oceania" in text
    assert "No assessment on record" in text


def test_status_under_conditions_of_entry_shows_date_source_and_as_of(database) -> None:
    session, inv = invocation(database)
    with session:
        reply = status(inv, "FSM")
    text = slack_text(reply)
    assert "Under Conditions of Entry since 5 Sep 2017" in text
    assert "82 FR 39609" in text and "as of 30 Sep 2025" in text


def test_recorded_assessment_sets_status_and_due_date(database) -> None:
    session, inv = invocation(database)
    with session:
        reply = assess(inv, "fiji 2026-10-03 substantially implementing trip report 26-041")
        session.commit()
        assert "Reassessment due by *3 Oct 2029*" in slack_text(reply)
        shown = slack_text(status(inv, "fiji"))
    assert "Found substantially implementing the ISPS Code (3 Oct 2026)" in shown
    assert "trip report 26-041" in shown and "<@U0ADMIN>" in shown
    assert "3 Oct 2029" in shown and "Overdue" not in shown


def test_assessment_older_than_three_years_is_flagged_overdue(database) -> None:
    session, inv = invocation(database)
    with session:
        assess(inv, "tonga 12 Nov 2023 substantially implementing")
        session.commit()
        shown = slack_text(status(inv, "tonga"))
        overdue = nations(inv, "overdue")
    assert "*Overdue* since 12 Nov 2026 (13 days)" in shown
    assert overdue.header == "Overdue for reassessment (1)"
    assert "Tonga" in slack_text(overdue)


def test_due_within_six_months_is_marked(database) -> None:
    session, inv = invocation(database)
    with session:
        assess(inv, "vanuatu 2024-02-01 substantially implementing")
        shown = slack_text(status(inv, "vanuatu"))
    assert "1 Feb 2027 (within 6 months)" in shown


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("fiji 03/04/2026 substantially implementing", "ambiguous"),
        ("fiji 2027-01-01 substantially implementing", "in the future"),
        ("fiji 2026-10-03 great", "I don't know the outcome “great”"),
        ("fjii 2026-10-03 substantially implementing", "nothing was recorded"),
        ("fiji", "Which date"),
    ],
)
def test_assess_refuses_bad_input_and_records_nothing(database, typed: str, refusal: str) -> None:
    session, inv = invocation(database)
    with session:
        with pytest.raises(CommandError) as raised:
            run(inv, f"assess {typed}")  # as typed: the command's usage follows a refusal that names no other help
        assert refusal in raised.value.message
        assert raised.value.hint  # always says what to type instead
        assert "No assessment on record" in slack_text(status(inv, "fiji"))


def test_nations_lists_the_area_coe_and_regions(database) -> None:
    session, inv = invocation(database)
    with session:
        area = nations(inv, "")
        coe = nations(inv, "coe")
        oceania = nations(inv, "oceania")
        with pytest.raises(CommandError) as raised:
            nations(inv, "overdew")
    assert area.header == "Nations in our area (52)"
    assert coe.header == "Under Conditions of Entry (22)"
    assert "Nauru" in slack_text(coe) and "Djibouti" not in slack_text(coe)
    assert "Fiji" in slack_text(oceania) and "Japan" not in slack_text(oceania)
    assert "Guam" not in slack_text(oceania)  # a U.S. territory: domestic, not a partner
    assert "*Cuba* (CU) · Under Conditions of Entry since 2 Apr 2025 · _outside our area_" in slack_text(coe)
    assert "/ipslo nations overdue" in raised.value.suggestions


def test_assess_without_an_outcome_asks_for_one(database) -> None:
    session, inv = invocation(database)
    with session, pytest.raises(CommandError, match=r"^Which outcome"):
        assess(inv, "fiji 2026-10-03")


def test_assessing_a_nation_under_coe_says_the_coe_stays(database) -> None:
    session, inv = invocation(database)
    with session:
        reply = assess(inv, "nauru 2026-11-01 substantially implementing")
        shown = slack_text(status(inv, "nauru"))
    assert "Nauru stays under Conditions of Entry until they are lifted" in slack_text(reply)
    assert "Under Conditions of Entry since 14 Apr 2017" in shown
    assert "last assessment 1 Nov 2026: substantially implementing the ISPS Code" in shown


def test_everyday_region_names_and_a_list_of_choices(database) -> None:
    session, inv = invocation(database)
    with session:
        pacific = nations(inv, "pacific")
        with pytest.raises(CommandError) as raised:
            nations(inv, "foo")
    assert pacific.header == "Nations in Oceania (24)"
    assert "`oceania`" in mrkdwn_of(raised.value.hint) and "`southeast asia`" in mrkdwn_of(raised.value.hint)


def test_status_read_in_one_query_agrees_with_the_general_reads(database) -> None:
    """``nation_status`` (what `status` reads, in one query) picks the same assessment, listings and visits as
    ``nation_records`` and ``last_and_next_visit`` for every nation, ties, lifted listings and cancelled visits
    included."""
    from storage import nations as store
    from storage import visits as visit_store
    from storage.db import REFERENCE_DATA, utcnow
    from storage.nations import Assessment, CoeException, ConditionOfEntry
    from storage.visits import CANCELLED, PLANNED, Visit

    today = TODAY.date()
    day = dt.timedelta(days=1)
    with database.sessions.begin() as session:
        nations_ = store.list_nations(session=session)
        now = utcnow()
        for number, nation in enumerate(nations_[:60]):
            for k in range(number % 5):  # equal dates: the later record wins
                session.add(
                    Assessment(
                        nation_iso2=nation.iso2,
                        assessed_on=dt.date(2024, 1 + k % 2, 1),
                        outcome=f"outcome {k}",
                        recorded_by="U0ADMIN",
                        recorded_at=now,
                    )
                )
            for k in range(number % 5):
                by_team = (number + k) % 3 == 0
                session.add(
                    ConditionOfEntry(
                        nation_iso2=nation.iso2,
                        effective_on=None if k == 1 else dt.date(2020, 1 + k, 1),
                        lifted_on=dt.date(2023, 1, 1) if (number + k) % 2 else None,
                        source=f"listing {k}",
                        as_of=dt.date(2025, 1, 1),
                        recorded_by="U0ADMIN" if by_team else REFERENCE_DATA,
                        recorded_at=now - dt.timedelta(days=400),
                    )
                )
            for k in range(number % 3):  # excepted port facilities, the second one removed
                session.add(
                    CoeException(
                        nation_iso2=nation.iso2,
                        number=f"{nation.iso2}-000{k}",
                        source="notice",
                        recorded_by="U0ADMIN",
                        recorded_at=now,
                        removed_at=now if k == 1 else None,
                    )
                )
            for k in range(number % 8):  # two on today, two tomorrow: the ties
                starts = today + (k - 2) * 10 * day if k != 3 else today
                session.add(
                    Visit(
                        nation_iso2=nation.iso2,
                        starts_on=starts if k not in (4, 6) else today + day,
                        ends_on=starts + day,
                        kind="country visit",
                        lead_user_id="U0LEAD",
                        status=CANCELLED if k == 5 else PLANNED,
                        recorded_by="U0LEAD",
                        recorded_at=now,
                    )
                )
    with database.sessions() as session:
        for nation in store.list_nations(session=session):
            [expected] = store.nation_records(session=session, nations=[nation])
            found = store.nation_status(session=session, iso2=nation.iso2.lower(), today=today)
            assert found is not None
            got = found.record
            assert (got.nation, got.assessment, got.coe, got.shipped) == (
                expected.nation,
                expected.assessment,
                expected.coe,
                expected.shipped,
            ), nation.iso2
            assert got.exceptions == expected.exceptions, nation.iso2
            last, upcoming = visit_store.last_and_next_visit(session=session, nation_iso2=nation.iso2, today=today)
            assert (found.last_visit, found.next_visit) == (last, upcoming), nation.iso2
        assert store.nation_status(session=session, iso2="XX", today=today) is None


def test_status_and_help_run_without_a_transaction_and_see_changes_at_once(workspace) -> None:
    """Commands that only read run each statement on its own (no BEGIN, no COMMIT: storage/db.py ``make_readers``),
    and still show a change committed a moment before, by this process or any other."""
    from sqlalchemy import event, update

    from storage.nations import ConditionOfEntry

    engine = workspace.database.engine
    workspace.command("status tonga")  # the officer's first command: their profile is written
    seen: list[str] = []
    event.listen(engine, "commit", lambda connection: seen.append("COMMIT"))
    event.listen(
        engine,
        "after_cursor_execute",
        lambda connection, *_: seen.append(
            connection.get_execution_options().get("isolation_level") or "in a transaction"
        ),
    )
    before = workspace.command("status fiji").text
    assert "Fiji (FJ)" in before and "Under Conditions of Entry" not in before
    assert "/ipslo status <nation>" in workspace.command("help").text
    # help about a mistyped command shows that command; about no command, says so over the list
    assert "Showing remind for “remidn”." in workspace.command("help remidn").text
    nothing = workspace.command("help nonsense").text
    assert "No command is called “nonsense”" in nothing and "/ipslo status <nation>" in nothing
    assert seen and set(seen) == {"AUTOCOMMIT"}
    with workspace.database.sessions.begin() as session:  # as another process would: committed, then asked
        session.add(
            ConditionOfEntry(
                nation_iso2="FJ",
                effective_on=dt.date(2026, 11, 1),
                lifted_on=None,
                source="test",
                as_of=dt.date(2026, 11, 1),
                recorded_by="U0ADMIN",
                recorded_at=TODAY,
            )
        )
    assert "Under Conditions of Entry since 1 Nov 2026" in workspace.command("status fiji").text
    with workspace.database.sessions.begin() as session:
        session.execute(
            update(ConditionOfEntry).where(ConditionOfEntry.nation_iso2 == "FJ").values(lifted_on=TODAY.date())
        )
    lifted = workspace.command("status fiji").text
    assert "Under Conditions of Entry" not in lifted and "Conditions of Entry lifted 25 Nov 2026" in lifted


def test_a_session_for_reading_refuses_to_write(database) -> None:
    from sqlalchemy import update

    from storage.db import WriteRefused

    with database.readers() as session:
        session.add(Nation(iso2="ZZ", name="Nowhere", official_name="Nowhere", region="Oceania", kind="sovereign"))
        with pytest.raises(WriteRefused):
            session.flush()
    with database.readers() as session, pytest.raises(WriteRefused):
        session.execute(update(Nation).where(Nation.iso2 == "FJ").values(name="Fiji!"))
    with database.sessions() as session:
        assert session.get(Nation, "FJ").name == "Fiji"


def test_a_region_named_in_part_is_offered_the_regions_the_hint_names(database) -> None:
    """Typed "asia": east, south or southeast Asia; never a region outside the choices the reply lists ("africa")."""
    session, inv = invocation(database)
    with session, pytest.raises(CommandError) as raised:
        nations(inv, "asia")
    offered = raised.value.suggestions
    assert offered == ("/ipslo nations east asia", "/ipslo nations south asia", "/ipslo nations southeast asia")
    assert all(s.removeprefix("/ipslo nations ") in mrkdwn_of(raised.value.hint) for s in offered)
