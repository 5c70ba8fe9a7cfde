"""Every message and view the bot builds stays inside Block Kit's limits, with realistic and with oversized data:
a nation with 300 notes and 50 visits, a 10,000-character note, an officer with 60 visits and 60 reminders.

Slack refuses a whole message or view that breaks one limit (``invalid_blocks``), so the officer would see nothing;
the limits checked here are Slack's published ones for each block and element."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from bot import assess_form, forms, note_form, reminder_form, views, visit_form
from bot.options import nation_options
from bot.runtime import Database, open_database
from bot.settings import Settings
from bot.visits import cancel_view
from commands.home import desk
from commands.language import Caller, Invocation
from storage import notes as note_store
from storage import reminders as reminder_store
from storage import visits as visit_store
from tests.conftest import ADMIN, OFFICER, SIGNING_SECRET, Workspace, served
from tests.standin import CheckedSlack

NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
TOKYO = Caller(OFFICER, tz=ZoneInfo("Asia/Tokyo"))
LONG = ("Met the DA at Suva wharf; PFSP review pending. " * 250)[:10_000]

TEXT_LIMITS = {"header": 150, "section": 3000, "field": 2000, "context": 3000}


def plain_text(obj: dict, limit: int, where: str) -> None:
    assert obj["type"] in ("plain_text", "mrkdwn"), where
    assert 0 < len(obj["text"]) <= limit, f"{where}: {len(obj['text'])} > {limit}"


def check_element(element: dict, where: str) -> None:
    kind = element["type"]
    assert len(element.get("action_id", "")) <= 255, where
    if kind == "button":
        plain_text(element["text"], 75, where)
        assert len(element.get("value", "")) <= 2000, where
        if "confirm" in element:
            dialog = element["confirm"]
            plain_text(dialog["title"], 100, where)
            plain_text(dialog["text"], 300, where)
            plain_text(dialog["confirm"], 30, where)
            plain_text(dialog["deny"], 30, where)
    elif kind == "overflow":
        assert 2 <= len(element["options"]) <= 5, where
    elif kind in ("static_select", "external_select"):
        assert len(element.get("options", [])) <= 100, where
        if "placeholder" in element:
            plain_text(element["placeholder"], 150, where)
    elif kind == "plain_text_input":
        assert element.get("max_length", 3000) <= 3000, where
        assert len(element.get("initial_value", "")) <= element.get("max_length", 3000), where
        if "placeholder" in element:
            plain_text(element["placeholder"], 150, where)
    for choice in element.get("options", []):
        plain_text(choice["text"], 75, where)
        assert len(choice["value"]) <= 150, where
    if "initial_option" in element:
        plain_text(element["initial_option"]["text"], 75, where)


def check_blocks(blocks: list[dict], limit: int, what: str) -> None:
    assert 0 < len(blocks) <= limit, f"{what}: {len(blocks)} blocks > {limit}"
    for number, block in enumerate(blocks):
        where = f"{what} block {number} ({block['type']})"
        assert len(block.get("block_id", "")) <= 255, where
        if block["type"] == "header":
            plain_text(block["text"], TEXT_LIMITS["header"], where)
        elif block["type"] == "section":
            assert "text" in block or "fields" in block, where
            if "text" in block:
                plain_text(block["text"], TEXT_LIMITS["section"], where)
            assert len(block.get("fields", [])) <= 10, where
            for field in block.get("fields", []):
                plain_text(field, TEXT_LIMITS["field"], where)
            if "accessory" in block:
                check_element(block["accessory"], where)
        elif block["type"] == "context":
            assert 0 < len(block["elements"]) <= 10, where
            for element in block["elements"]:
                plain_text(element, TEXT_LIMITS["context"], where)
        elif block["type"] == "actions":
            assert 0 < len(block["elements"]) <= 25, where
            for element in block["elements"]:
                check_element(element, where)
        elif block["type"] == "input":
            plain_text(block["label"], 2000, where)
            if "hint" in block:
                plain_text(block["hint"], 2000, where)
            check_element(block["element"], where)


def check_message(message: dict, what: str) -> None:
    assert 0 < len(message["text"]) <= 40_000, what
    check_blocks(message["blocks"], 50, what)


def check_view(view: dict, what: str) -> None:
    check_blocks(view["blocks"], 100, what)
    assert len(view.get("private_metadata", "")) <= 3000, what
    if view["type"] == "modal":
        for key in ("title", "submit", "close"):
            if key in view:
                plain_text(view[key], 24, f"{what} {key}")
        assert len(view.get("callback_id", "")) <= 255, what


# --- the data: realistic and oversized ---------------------------------------------------------


@pytest.fixture(scope="module")
def crowded(tmp_path_factory) -> Iterator[Database]:
    """Fiji with 300 notes (one of 10,000 characters) and 50 visits; an officer leading 60 visits with 60
    reminders of 1,000 characters."""
    url = f"sqlite:///{tmp_path_factory.mktemp('limits') / 'ipslo.db'}"
    database = open_database(Settings(database_url=url))
    with database.sessions.begin() as session:
        for number in range(50):
            start = dt.date(2026, 12, 1) + dt.timedelta(days=number)
            visit_store.add_visit(
                session=session,
                nation_iso2="FJ",
                starts_on=start,
                ends_on=start + dt.timedelta(days=40),
                kind="capacity building",
                title="T" * 200,
                lead_user_id=OFFICER,
                recorded_by=OFFICER,
            )
        for number in range(10):
            start = dt.date(2026, 12, 1) + dt.timedelta(days=number)
            visit_store.add_visit(
                session=session,
                nation_iso2="TO",
                starts_on=start,
                ends_on=start,
                kind="other",
                title=None,
                lead_user_id=OFFICER,
                recorded_by=OFFICER,
            )
        for number in range(300):
            note_store.add_note(
                session=session,
                nation_iso2="FJ",
                text=LONG if number == 0 else f"Note {number}: PFSO met; gate logs checked. #pfsp " * 20,
                noted_on=dt.date(2026, 11, 1) - dt.timedelta(days=number),
                author_user_id=OFFICER,
                idempotency_key=f"limits-{number}",
                visit_id=1,
                tags=["pfsp", "da"],
            )
        for number in range(60):
            reminder_store.add_reminder(
                session=session,
                kind=reminder_store.ADHOC,
                owner_user_id=OFFICER,
                due_at=NOW + dt.timedelta(days=number + 1),
                text="R" * 1000,
                recorded_by=OFFICER,
                nation_iso2="FJ",
            )
    yield database
    database.engine.dispose()


@pytest.fixture(scope="module")
def crowded_workspace(crowded: Database) -> Iterator[Workspace]:
    with CheckedSlack() as standin:
        standin.add_user(OFFICER, name="kim", real_name="Lt Kim", tz="Asia/Tokyo")
        standin.add_user(ADMIN, name="lee", real_name="Cdr Lee", tz="Asia/Singapore")
        settings = Settings(
            database_url=str(crowded.engine.url),
            slack_bot_token=standin.bot_token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=standin.api_url,
            admins=frozenset({ADMIN}),
        )
        with served(settings, crowded, standin, clock=lambda: NOW) as workspace:
            yield workspace
        assert not standin.violations, standin.violations


COMMANDS = [
    "status fiji",
    "visits fiji",
    "visits mine",
    "visits",
    "notes fiji",
    "note 1",
    "note history 1",
    "search pfsp",
    "reminders",
    "nations",
    "nations overdue",
    "help",
    "ask how long is an interim ISSC valid?",
    "export fiji",
    "visit add fiji 2027-01-12 to 2027-03-30 other " + "x" * 190,
    "remind fiji tomorrow 09:00 " + "y" * 999,
    "status " + "z" * 3000,
]


@pytest.mark.parametrize("typed", COMMANDS, ids=[c[:24] for c in COMMANDS])
def test_every_reply_to_a_command_fits_a_message(crowded_workspace: Workspace, typed: str) -> None:
    answer = crowded_workspace.command(typed)
    assert answer.status == 200
    check_message(answer.body, typed)


def test_the_desk_fits_app_home(crowded: Database) -> None:
    with crowded.sessions() as session:
        reply = desk(Invocation(caller=TOKYO, session=session, now=NOW))
        view = {"type": "home", "blocks": views.blocks(reply, limit=100)}
    check_view(view, "App Home")
    text = json.dumps(view)
    assert "more visits" in text and "more reminders" in text  # a cut list never looks complete


def test_every_form_fits_with_the_most_it_can_hold(crowded: Database) -> None:
    channel = {"channel": "C" + "0" * 20}
    with crowded.sessions() as session:
        visit = visit_store.get_visit(session=session, visit_id=1)
        built = {
            "visit form": visit_form.form_view(session=session, officer=OFFICER, nation_iso2="FJ", metadata=channel),
            "visit form, editing": visit_form.form_view(
                session=session, officer=OFFICER, visit=visit, metadata=channel
            ),
            "reminder form": reminder_form.form_view(
                session=session, officer=OFFICER, tz=TOKYO.tz, now=NOW, about="visit:1", metadata=channel
            ),
            "assessment form": assess_form.form_view(
                session=session, today=NOW.date(), nation_iso2="FJ", metadata=channel
            ),
            "note form": note_form.form_view(
                session=session,
                nation_iso2="FJ",
                visit_id=1,
                today=NOW.date(),
                text=LONG,
                metadata={**channel, "permalink": "https://x.slack.com/archives/C1/p" + "1" * 200},
            ),
            "cancel question": cancel_view(1, "Cancel visit #1 (" + "x" * 200 + ")?"),
            "question form": forms.ask_view(),
        }
        mine = reminder_form.form_view(session=session, officer=OFFICER, tz=TOKYO.tz, now=NOW, metadata={})
        [visits] = [b for b in mine["blocks"] if b.get("block_id") == "visit"]
        assert 61 <= len(visits["element"]["options"]) <= 100  # every one of my 60 visits, within Slack's 100
    for what, view in built.items():
        check_view(view, what)


def test_an_answer_shown_in_a_form_fits_it(crowded: Database) -> None:
    from commands import notes

    with crowded.sessions() as session:
        reply = notes.notes(Invocation(caller=TOKYO, session=session, now=NOW), "fiji")
    check_view(forms.result_view(reply, "A title longer than a modal's title can be"), "answer in a form")


def test_the_nation_menu_never_offers_more_than_slack_shows(crowded: Database) -> None:
    with crowded.sessions() as session:
        for typed in ("", "a", "isl", "x" * 500):
            options = nation_options(session=session, typed=typed)
            assert len(options) <= 100
            for option in options:
                plain_text(option["text"], 75, typed)
                assert len(option["value"]) <= 150


def test_a_reply_over_fifty_blocks_is_cut_and_says_so() -> None:
    from commands.language import Reply, Section

    reply = Reply("many", parts=tuple(Section(f"line {n}") for n in range(80)))
    blocks = views.blocks(reply)
    check_blocks(blocks, 50, "long reply")
    assert "more not shown" in blocks[-1]["elements"][0]["text"]


def test_the_check_itself_catches_what_slack_refuses() -> None:
    with pytest.raises(AssertionError):
        check_view(
            {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": [{"type": "divider"}]}, "x"
        )
    with pytest.raises(AssertionError):
        check_message(
            {"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]}, "x"
        )
