"""Property tests (Hypothesis): whatever an officer types or picks, the bot answers or refuses with what to type
instead; no input makes an exception escape into the generic "Something went wrong" reply.

Covered: any ``/ipslo`` text through ``ipslo.run`` and the one boundary ``Bot.run`` on a real database (cleaned
and unescaped as the Slack middleware does), the date parsers (commands/when.py), the note search's filters,
and the note and COE form readers with the operations behind them. Runs are reproducible in CI (tests/conftest.py
loads a derandomized Hypothesis profile when ``CI`` is set); a failure prints the input that broke it.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import assess_form, forms, note_form, reminder_form, views, visit_form
from bot import coe as coe_form
from bot import visits as visits_bot
from bot.options import NATION_MENU
from bot.runtime import Bot, Database, clean_input, unescape_slack
from bot.settings import Settings
from commands import coe as coe_commands
from commands import ipslo
from commands import nations as nation_commands
from commands import notes as note_commands
from commands import reminders as reminder_commands
from commands.language import Caller, CommandError, Invocation, Reply
from commands.when import (
    NoSuchDay,
    ReadButRefused,
    WhenError,
    parse_date,
    parse_when,
    split_date_range,
    split_when,
)
from tests.conftest import ADMIN, OFFICER

GENERIC = "Something went wrong"
TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 6, 15, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 15)

#: Each property runs this many inputs; a database round trip each, so kept modest.
FEW = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MANY = settings(max_examples=500, deadline=None)  # pure parsers: no database, cheap

# --- what officers type --------------------------------------------------------------------------------------

NATIONS = ["fiji", "Fiji", "FJ", "png", "PNG", "korea", "east timor", "fjii", "atlantis", "samoa", "japan", "nauru"]
DATE_WORDS = [
    "2027-01-12",
    "2026-06-15",
    "0001-01-01",
    "9999-12-31",
    "2027-02-31",
    "2027-13-01",
    "03/04/2027",
    "12",
    "16",
    "31",
    "Jan",
    "feb",
    "2027",
    "27",
    "12-16",
    "12–16",
    "to",
    "-",
    "until",
    "today",
    "tomorrow",
    "tonight",
    "yesterday",
    "next",
    "tuesday",
    "in",
    "an",
    "hour",
    "2",
    "hours",
    "minutes",
    "days",
    "weeks",
    "years",
    "99999999999",
    "09:00",
    "9am",
    "9:30pm",
    "noon",
    "25:00",
    "23:59",
    "0900",
    "at",
    "on",
]
OTHER_WORDS = [
    "share",
    "help",
    "?",
    "lead",
    "@kim",
    "<@U0OFFICER>",
    "<@U0ADMIN|lee>",
    "<!channel>",
    "<#C123|team>",
    "<https://example.org|link>",
    "&amp;",
    "&lt;draft&gt;",
    "#pfsp",
    "#",
    "1",
    "#1",
    "0",
    "-1",
    "999999999999999999999",
    "since:",
    "since:2026-01-01",
    "since:9999-99-99",
    "since:monday",
    "by:",
    "by:@kim",
    "by:me",
    "by:<@U0OFFICER>",
    "by:nobody",
    "tag:",
    "tag:pfsp",
    "tag:#",
    "nation:fiji",
    "nation:atlantis",
    "nation:",
    "from:kim",
    "after:tomorrow",
    "edit",
    "delete",
    "restore",
    "history",
    "add",
    "move",
    "cancel",
    "mine",
    "all",
    "coe",
    "overdue",
    "oceania",
    "imposed",
    "lifted",
    "exception",
    "confirmed",
    "remove",
    "substantially",
    "implementing",
    "not",
    "maintaining",
    "reset",
    "team",
    "country",
    "visit",
    "A/16",
    "B/4.1",
    "\x00",
    "\u200b",
    "🚢",
    "日本",
    "'",
    '"',
    "%",
    "_",
    "\\",
]
SUBCOMMAND_NAMES = sorted({name for sub in ipslo.SUBCOMMANDS for name in (sub.name, *sub.aliases)})

word = st.one_of(
    st.sampled_from(NATIONS + DATE_WORDS + OTHER_WORDS),
    st.integers(min_value=-(10**6), max_value=10**30).map(str),
    st.text(max_size=12),
)
command_text = st.builds(
    lambda head, rest, spacer: spacer.join([head, *rest]),
    st.one_of(st.sampled_from(SUBCOMMAND_NAMES), st.sampled_from(SUBCOMMAND_NAMES).map(str.upper), word),
    st.lists(word, max_size=10),
    st.sampled_from([" ", "  ", "\n", "\t"]),
)
date_words = st.lists(st.one_of(st.sampled_from(DATE_WORDS + NATIONS), st.text(max_size=8)), max_size=8)


def answered_or_told(reply: Reply) -> None:
    """The property: a reply that is not our failure; a refusal says what to type instead (a hint, an example)."""
    shown = json.dumps(views.message(reply))  # what Slack is sent, rendered without failing
    summary = views.SLACK.summary(reply)
    assert GENERIC not in summary and GENERIC not in shown, summary
    if reply.refused:
        assert len(reply.parts) >= 2 or "`" in summary or "e.g." in summary, f"no way forward in {reply}"


def bot_on(database: Database) -> Bot:
    return Bot(settings=Settings(admins=frozenset({ADMIN})), database=database, client=None)  # type: ignore[arg-type]


def caller(admin: bool) -> Caller:
    return Caller(user_id=ADMIN if admin else OFFICER, tz=TOKYO, is_admin=admin)


# --- the command parser, end to end through the one boundary ---------------------------------------------------


@FEW
@given(text=command_text, admin=st.booleans())
def test_any_command_text_is_answered_or_refused_with_what_to_type(database: Database, text: str, admin: bool) -> None:
    cleaned = unescape_slack(clean_input(text))  # as bot/runtime.py's middleware hands it on
    reply = bot_on(database).run(lambda inv: ipslo.run(inv, cleaned), caller(admin), "property", repeat=cleaned)
    answered_or_told(reply)


# --- the date parsers ------------------------------------------------------------------------------------------


#: The server's clock: any day this century and the next (the officer's input is what is fuzzed).
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2199, 12, 31))


def refused_with_forms(error: WhenError) -> None:
    """A refusal says why, and either lists the forms we read or (a form we read, refused for what it names: no day,
    "2027-02-31"; a day past; an end before its start) says why, for the command's usage to follow."""
    if isinstance(error, NoSuchDay):
        assert "isn't a real date:" in error.message and error.hint is None
    elif isinstance(error, ReadButRefused):
        assert error.message and error.hint is None
    else:
        assert error.message and error.hint and "YYYY-MM-DD" in error.hint


@MANY
@given(text=st.one_of(st.text(max_size=40), date_words.map(" ".join)), today=days)
def test_parse_date_reads_a_date_or_says_which_forms_it_reads(text: str, today: dt.date) -> None:
    try:
        found = parse_date(text, today=today)
    except WhenError as error:
        refused_with_forms(error)
    else:
        assert isinstance(found, dt.date)


zones = st.sampled_from([TOKYO, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago"), ZoneInfo("UTC")])
moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2199, 12, 31), timezones=st.just(dt.UTC)
)


@MANY
@given(text=st.one_of(st.text(max_size=40), date_words.map(" ".join)), now=moments, tz=zones)
def test_parse_when_reads_a_future_moment_or_says_which_forms_it_reads(
    text: str, now: dt.datetime, tz: ZoneInfo
) -> None:
    try:
        moment = parse_when(text, now=now, tz=tz)
    except WhenError as error:
        refused_with_forms(error)
    else:
        assert moment.tzinfo is not None and moment > now


@MANY
@given(words=date_words, now=moments, tz=zones)
def test_split_when_finds_a_leading_moment_or_refuses(words: list[str], now: dt.datetime, tz: ZoneInfo) -> None:
    try:
        moment, rest = split_when(words, now=now, tz=tz)
    except WhenError as error:
        refused_with_forms(error)
    else:
        assert moment > now and len(rest) < len([w for w in words if w])


@MANY
@given(words=date_words, today=days)
def test_split_date_range_finds_a_leading_range_or_refuses(words: list[str], today: dt.date) -> None:
    try:
        start, end, rest = split_date_range(words, today=today)
    except WhenError as error:
        refused_with_forms(error)
    else:
        assert end is None or end >= start
        assert len(rest) < len([w for w in words if w])


# --- the note search's filters -----------------------------------------------------------------------------------


@FEW
@given(words=st.lists(st.one_of(st.sampled_from(OTHER_WORDS + NATIONS + DATE_WORDS), word), max_size=6))
def test_search_filters_are_read_or_refused_with_an_example(database: Database, words: list[str]) -> None:
    text = clean_input(" ".join(words))
    with database.sessions() as session:
        inv = Invocation(caller=caller(False), session=session, now=NOW)
        try:
            found = note_commands.parse_search(inv, text)
        except CommandError as error:
            assert error.message  # the usage is added by ipslo.run when the refusal has no hint of its own
        else:
            assert found.since is None or isinstance(found.since, dt.date)
    reply = bot_on(database).run(lambda inv: ipslo.run(inv, f"search {text}"), caller(False), "property")
    answered_or_told(reply)


# --- the form readers, with what Slack can send from the forms we show ----------------------------------------

picked_dates = st.one_of(st.none(), st.dates().map(dt.date.isoformat))
typed = st.one_of(st.none(), st.text(max_size=60), st.sampled_from(OTHER_WORDS + DATE_WORDS))
isos = st.one_of(st.none(), st.sampled_from(["FJ", "PG", "WS", "JP", "KR", "TL", "US", "NR"]))


def input_value(kind: str, value: object) -> dict:
    if kind == "date":
        return {"value": {"type": "datepicker", "selected_date": value}}
    if kind == "user":
        return {"value": {"type": "users_select", "selected_user": value}}
    if kind == "select":
        return {"value": {"type": "static_select", "selected_option": None if value is None else {"value": value}}}
    return {"value": {"type": "plain_text_input", "value": value}}


@st.composite
def note_views(draw: st.DrawFn) -> dict:
    nation = draw(isos)
    values: dict[str, dict] = {
        "nation": input_value("select", nation),
        "date": input_value("date", draw(picked_dates)),
        "text_0": input_value("text", draw(typed)),
        "tags": input_value("text", draw(typed)),
        f"visit_{nation or 'none'}": input_value("select", draw(st.sampled_from([None, "none", "1", "2", "999"]))),
    }
    for n in range(1, note_form.FOLLOW_UPS + 1):
        values[f"follow_up_{n}"] = input_value("text", draw(typed))
        values[f"follow_up_{n}_owner"] = input_value("user", draw(st.sampled_from([None, OFFICER, ADMIN, "U0GONE"])))
        values[f"follow_up_{n}_due"] = input_value("date", draw(picked_dates))
    view_id = draw(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=6, max_size=11))
    return {"id": f"V{view_id}", "state": {"values": values}, "private_metadata": json.dumps({"parts": 1})}


@FEW
@given(view=note_views(), admin=st.booleans())
def test_any_note_form_is_saved_or_refused_beside_a_field(database: Database, view: dict, admin: bool) -> None:
    form = note_form.read_form(clean_input(view))
    problem: dict[str, str] = {}

    def operation(inv: Invocation) -> Reply:
        try:
            return note_commands.save_form(inv, form)
        except note_commands.FormError as error:
            problem[note_form.error_block(error.field, view)] = error.message
            raise

    reply = bot_on(database).run(operation, caller(admin), "property note form")
    answered_or_told(reply) if not problem else None
    assert GENERIC not in reply.text
    if reply.refused:
        assert problem, f"refused without naming a field: {reply.text}"
        (block,) = problem
        assert block in view["state"]["values"] and problem[block]


@st.composite
def coe_views(draw: st.DrawFn) -> dict:
    values = {
        "action": input_value("select", draw(st.one_of(st.none(), st.sampled_from(list(coe_commands.FORM_ACTIONS))))),
        "nation": input_value("select", draw(isos)),
        "date": input_value("date", draw(picked_dates)),
        "facility": input_value("text", draw(typed)),
        "source": input_value("text", draw(typed)),
    }
    return {"id": "VCOE", "state": {"values": values}}


@FEW
@given(view=coe_views(), admin=st.booleans())
def test_any_coe_form_is_recorded_or_refused_beside_a_field(database: Database, view: dict, admin: bool) -> None:
    form = coe_form.read_form(clean_input(view))
    problem: dict[str, str] = {}

    def operation(inv: Invocation) -> Reply:
        try:
            return coe_commands.save_form(inv, form)
        except CommandError as error:
            problem[getattr(error, "field", "action")] = error.message
            return error.reply()

    reply = bot_on(database).run(operation, caller(admin), "property COE form")
    assert GENERIC not in reply.text
    if reply.refused:
        assert problem and set(problem) <= set(coe_form.FIELDS), reply.text
    else:
        answered_or_told(reply)


@pytest.mark.parametrize("text", ["", " ", "\x00", "help", "HELP visit", "ask _", "isps _"])
def test_a_few_edge_texts_by_hand(database: Database, text: str) -> None:
    answered_or_told(bot_on(database).run(lambda inv: ipslo.run(inv, clean_input(text)), caller(False), "edge"))


# --- the visit, reminder and assessment forms (bot/forms.py runs each through the one boundary) ---------------

picked_times = st.one_of(st.none(), st.times().map(lambda t: t.strftime("%H:%M")))
VISIT_KINDS = ["country visit", "reciprocal visit", "capacity building", "bilateral meeting", "other", "country_visit"]


def nation_menu(iso: str | None) -> dict:
    return {NATION_MENU: {"type": "external_select", "selected_option": None if iso is None else {"value": iso}}}


def with_id(draw: st.DrawFn, values: dict, metadata: dict | None = None) -> dict:
    view_id = draw(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=6, max_size=11))
    return {"id": f"V{view_id}", "state": {"values": values}, "private_metadata": json.dumps(metadata or {})}


@st.composite
def visit_views(draw: st.DrawFn) -> dict:
    values = {
        "nation": nation_menu(draw(isos)),
        "start": input_value("date", draw(picked_dates)),
        "end": input_value("date", draw(picked_dates)),
        "kind": input_value("select", draw(st.one_of(st.none(), st.sampled_from(VISIT_KINDS)))),
        "title": input_value("text", draw(typed)),
        "lead": input_value("user", draw(st.sampled_from([None, OFFICER, ADMIN, "U0GONE"]))),
    }
    return with_id(draw, values, {"visit_id": draw(st.sampled_from([None, 1, 2, 999]))})


@st.composite
def reminder_views(draw: st.DrawFn) -> dict:
    values = {
        "nation": nation_menu(draw(isos)),
        "visit": input_value("select", draw(st.sampled_from([None, "none", "1", "999"]))),
        "date": input_value("date", draw(picked_dates)),
        "time": {"value": {"type": "timepicker", "selected_time": draw(picked_times)}},
        "text": input_value("text", draw(typed)),
    }
    return with_id(draw, values)


@st.composite
def assess_views(draw: st.DrawFn) -> dict:
    outcomes = st.one_of(st.none(), st.sampled_from(["substantially_implementing", "not_maintaining", "other"]))
    values = {
        "nation": nation_menu(draw(isos)),
        "date": input_value("date", draw(picked_dates)),
        "outcome": input_value("select", draw(outcomes)),
        "source": input_value("text", draw(typed)),
    }
    return with_id(draw, values)


def submitted(database: Database, admin: bool, what: str, operation, blocks: dict[str, str]) -> None:
    """The form's operation through bot/forms.run_form: answered, or refused beside one of the form's fields."""
    reply, problem = forms.run_form(bot_on(database), caller(admin), what, operation, blocks=blocks, first="nation")
    assert GENERIC not in reply.text, reply.text
    if reply.refused:
        assert problem and set(problem) <= set(blocks.values()) and all(problem.values()), (reply.text, problem)
    else:
        answered_or_told(reply)


@FEW
@given(view=visit_views(), admin=st.booleans())
def test_any_visit_form_is_saved_or_refused_beside_a_field(database: Database, view: dict, admin: bool) -> None:
    form = visit_form.read_form(clean_input(view))
    submitted(database, admin, "visit form", visits_bot.visit_operation(form), visit_form.BLOCKS)


@FEW
@given(view=reminder_views(), admin=st.booleans(), tz=zones)
def test_any_reminder_form_is_saved_or_refused_beside_a_field(
    database: Database, view: dict, admin: bool, tz: ZoneInfo
) -> None:
    form = reminder_form.read_form(clean_input(view), tz)

    def operation(inv: Invocation) -> Reply:
        return reminder_commands.set_reminder(
            inv,
            nation_iso2=form.nation_iso2,
            visit_id=form.visit_id,
            due_at=form.due_at,
            text=form.text,
            idempotency_key=form.idempotency_key,
        )

    submitted(database, admin, "reminder form", operation, reminder_form.BLOCKS)


@FEW
@given(view=assess_views(), admin=st.booleans())
def test_any_assessment_form_is_saved_or_refused_beside_a_field(database: Database, view: dict, admin: bool) -> None:
    form = assess_form.read_form(clean_input(view))

    def operation(inv: Invocation) -> Reply:
        return nation_commands.record_assessment(
            inv,
            nation_iso2=form.nation_iso2,
            assessed_on=form.assessed_on,
            outcome=form.outcome,
            source=form.source,
            idempotency_key=form.idempotency_key,
        )

    submitted(database, admin, "assessment form", operation, assess_form.BLOCKS)


def test_a_reminder_form_on_the_calendars_last_day_west_of_utc_is_refused_beside_the_date(database: Database) -> None:
    values = {
        "nation": nation_menu("FJ"),
        "date": input_value("date", "9999-12-31"),
        "time": {"value": {"type": "timepicker", "selected_time": "23:59"}},
        "text": input_value("text", "far away"),
    }
    view = {"id": "VFAR", "state": {"values": values}, "private_metadata": "{}"}
    form = reminder_form.read_form(view, ZoneInfo("Pacific/Pago_Pago"))  # 10000-01-01 in UTC: no such date
    reply, problem = forms.run_form(
        bot_on(database),
        caller(False),
        "reminder form",
        lambda inv: reminder_commands.set_reminder(
            inv, nation_iso2=form.nation_iso2, visit_id=None, due_at=form.due_at, text=form.text, idempotency_key="k"
        ),
        blocks=reminder_form.BLOCKS,
        first="nation",
    )
    assert reply.refused and "years ahead" in problem["date"], problem
