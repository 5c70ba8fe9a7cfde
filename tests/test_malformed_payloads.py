"""Signed but malformed requests, as an operator found them: refused with 400 and one warning line when Slack would
never send them (a payload without the fields its kind needs, of the wrong JSON type, or naming no user), and
answered "out of date; run the command again" when a button's value or a form's metadata is not one we wrote. Never a
500, never a traceback, never the generic apology, and nothing written."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

import pytest
from sqlalchemy import inspect, select, table, text

from bot.app import create_app
from bot.runtime import slack_client
from bot.settings import Settings
from bot.slack_standin import sign
from commands.ids import Action, Form
from tests.conftest import ADMIN, OFFICER, SIGNING_SECRET, Answer, Workspace, serve
from tests.interactions import interact
from tests.reading import render
from tests.standin import stop_serving

OUT_OF_DATE = "out of date; run the command again"
#: Written by every request whatever its fate: Slack's retries (request keys) and officers' profiles.
BOOKKEEPING = {"slack_requests", "officers", "alembic_version"}


def snapshot(workspace: Workspace) -> dict[str, list[tuple]]:
    """Every row of every table but the bookkeeping, to show nothing was written."""
    engine = workspace.database.engine
    names = [name for name in inspect(engine).get_table_names() if name not in BOOKKEEPING]
    with engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(select(text("*")).select_from(table(name)))), key=repr)
            for name in names
        }


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records), caplog.text
    assert "Something went wrong" not in caplog.text


def post_json(workspace: Workspace, payload: dict[str, Any]) -> Answer:
    body = json.dumps(payload)
    return workspace.post(body, sign(body, SIGNING_SECRET))


def button(action_id: str, value: Any = None, **more: Any) -> dict[str, Any]:
    action = {"type": "button", "action_id": action_id, "block_id": "b", "action_ts": "1700000000.1", **more}
    if value is not None:
        action["value"] = value
    return action


def form(callback_id: str, metadata: str, values: dict | None = None) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "view": {
            "id": "V0STALE",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "state": {"values": values or {}},
        },
    }


# --- refused before Bolt: 400, one line ------------------------------------------------------------------------

MALFORMED = [
    pytest.param({"type": "block_actions", "actions": []}, id="no-actions"),
    pytest.param({"type": "block_actions"}, id="actions-missing"),
    pytest.param({"type": "block_actions", "actions": ["visit_cancel"]}, id="action-not-an-object"),
    pytest.param({"type": "block_actions", "actions": [{"value": "3"}]}, id="action-without-id"),
    pytest.param({"type": "block_actions", "actions": [button(Action.CANCEL_VISIT, 3)]}, id="value-a-number"),
    pytest.param(
        {"type": "block_actions", "actions": [button(Action.VISIT_MENU, selected_option="edit:3")]},
        id="option-not-an-object",
    ),
    pytest.param({"type": "view_submission", "view": "visit_form"}, id="view-not-an-object"),
    pytest.param({**form(Form.ASK, ""), "view": {"id": "V1", "callback_id": "ask_form"}}, id="submission-no-state"),
    pytest.param(form(Form.ASK, "", {"question": {"value": {"type": "plain_text_input", "value": 5}}}), id="field-5"),
    pytest.param({**form(Form.ASK, ""), "view": {**form(Form.ASK, "")["view"], "private_metadata": {}}}, id="md-obj"),
    pytest.param({"type": "shortcut"}, id="shortcut-without-callback"),
    pytest.param({"type": "block_suggestion", "action_id": "nation_choice", "value": 12}, id="type-ahead-a-number"),
    pytest.param({"type": "interactive_message", "actions": [{}]}, id="a-kind-we-do-not-take"),
]


@pytest.mark.parametrize("payload", MALFORMED)
def test_an_interaction_slack_would_never_send_is_refused_with_400_in_one_line(
    workspace: Workspace, caplog: pytest.LogCaptureFixture, payload: dict
) -> None:
    caplog.set_level(logging.INFO)
    before = snapshot(workspace)
    answer = interact(workspace, payload)
    assert answer.status == 400 and answer.text.startswith("Refused: malformed ")
    [line] = [r for r in caplog.records if r.name == "ipslo.http"]
    assert line.levelno == logging.WARNING and line.getMessage().startswith("Refused a request to /slack/events")
    no_traceback(caplog)
    assert snapshot(workspace) == before


@pytest.mark.parametrize(
    "event",
    [
        pytest.param("x", id="event-a-string"),
        pytest.param({"type": "app_home_opened", "tab": "home"}, id="event-without-user"),
        pytest.param({"type": "app_home_opened", "user": 7}, id="user-a-number"),
        pytest.param({"user": OFFICER}, id="event-without-type"),
    ],
)
def test_an_event_that_is_not_an_object_or_names_no_user_is_refused_with_400(
    workspace: Workspace, caplog: pytest.LogCaptureFixture, event: Any
) -> None:
    caplog.set_level(logging.INFO)
    answer = post_json(
        workspace,
        {"type": "event_callback", "event": event, "event_id": "Ev0BAD", "team_id": workspace.standin.team_id},
    )
    assert answer.status == 400
    assert len([r for r in caplog.records if r.name == "ipslo.http"]) == 1
    no_traceback(caplog)
    assert not workspace.standin.calls_to("views.publish")


def test_a_request_without_a_user_is_refused_with_400_not_let_past_ipslo_officers(
    settings: Settings, database, standin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    listed = dataclasses.replace(settings, officers=frozenset({OFFICER}))
    app = create_app(settings=listed, database=database, client=slack_client(listed))
    base, server = serve(app, database, listed.may_use)
    try:
        workspace = Workspace(f"{base}/slack/events", standin, database, listed)
        assert "Saved" in workspace.command("note fiji met the DA").text  # something on record to keep
        before = snapshot(workspace)
        for payload in (
            {"type": "block_actions", "actions": [button(Action.CANCEL_VISIT, "1")]},
            {"type": "block_actions", "user": {"name": "kim"}, "actions": [button(Action.CANCEL_VISIT, "1")]},
            {"type": "block_actions", "user": {"id": ""}, "actions": [button(Action.CANCEL_VISIT, "1")]},
            {**form(Form.CANCEL_VISIT, '{"visit_id": 1}'), "user": None},
            {"type": "shortcut", "callback_id": "plan_visit", "user": "U0OFFICER"},
        ):
            body, headers = standin.interaction(payload, signing_secret=SIGNING_SECRET)
            assert workspace.post(body, headers).status == 400, payload
        body, headers = standin.slash_command(
            command="/ipslo", text="visit cancel 1", user_id="", signing_secret=SIGNING_SECRET
        )
        assert workspace.post(body, headers).status == 400
        assert snapshot(workspace) == before
    finally:
        stop_serving(server)
        server.server_close()
    no_traceback(caplog)
    assert "'caller'" not in caplog.text
    refused = [r for r in caplog.records if r.name == "ipslo.http"]
    assert all("names no Slack user" in r.getMessage() or "user is" in r.getMessage() for r in refused[-6:])


# --- answered "out of date": values and metadata we did not write --------------------------------------------


def plan_visit(workspace: Workspace) -> int:
    answer = workspace.command("visit add fiji 2027-01-12 to 2027-01-16 country visit")
    assert "#" in answer.text, answer.text
    with workspace.database.engine.connect() as connection:
        return int(connection.execute(text("SELECT max(id) FROM visits")).scalar_one())


STALE_BUTTONS = [
    pytest.param(button(Action.NOTES_MORE, "garbage"), id="notes-more"),
    pytest.param(button(Action.NOTES_MORE, '{"n": "FJ", "w": "", "b": ["2026-01-01", "x"]}'), id="notes-more-id"),
    pytest.param(button(Action.SEARCH_MORE, '{"q": 1}'), id="search-more"),
    pytest.param(button(Action.SEARCH_MORE, "[1]"), id="search-more-list"),
    pytest.param(button(Action.CANCEL_VISIT, "abc"), id="visit-cancel"),
    pytest.param(button(Action.EDIT_VISIT, "1; drop"), id="visit-edit"),
    pytest.param(button(Action.VISIT_MENU, type="overflow", selected_option={"value": "edit:abc"}), id="menu-edit"),
    pytest.param(button(Action.VISIT_MENU, type="overflow", selected_option={"value": "burn:1"}), id="menu-verb"),
    pytest.param(button(Action.SET_REMINDER, "visit:abc"), id="remind-visit"),
    pytest.param(button(Action.ADD_NOTE, "visit:"), id="note-visit"),
    pytest.param(button("reminder_done", "seven"), id="reminder-done"),
    pytest.param(button("home_remind_done", "1e3"), id="home-reminder"),
]


@pytest.mark.parametrize("action", STALE_BUTTONS)
def test_a_button_whose_value_we_did_not_write_says_it_is_out_of_date(
    workspace: Workspace, caplog: pytest.LogCaptureFixture, action: dict
) -> None:
    caplog.set_level(logging.INFO)
    plan_visit(workspace)
    before = snapshot(workspace)
    answer = interact(
        workspace,
        {
            "type": "block_actions",
            "actions": [action],
            "channel": {"id": "C0STANDIN", "name": "ipslo-team"},
            "container": {"type": "message", "channel_id": "C0STANDIN", "is_ephemeral": True},
        },
    )
    assert answer.status == 200
    [said] = workspace.standin.responses
    assert OUT_OF_DATE in render(said.body) and said.body.get("response_type") == "ephemeral"
    [line] = [r for r in caplog.records if "told it is out of date" in r.getMessage()]
    assert line.levelno == logging.WARNING
    assert not workspace.standin.calls_to("views.open")  # no form opened for it
    no_traceback(caplog)
    assert snapshot(workspace) == before


def test_a_stale_menu_choice_on_app_home_is_said_in_a_small_form(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    answer = interact(
        workspace,
        {
            "type": "block_actions",
            "actions": [button(Action.VISIT_MENU, type="overflow", selected_option={"value": "cancel:x"})],
            "container": {"type": "view", "view_id": "V0HOME"},
            "view": {"id": "V0HOME", "type": "home"},
            "response_url": None,  # App Home has none
        },
    )
    assert answer.status == 200
    [opened] = workspace.standin.calls_to("views.open")
    assert opened.response and opened.response["ok"] and OUT_OF_DATE in json.dumps(opened.view())
    no_traceback(caplog)


STALE_FORMS = [
    pytest.param(Form.CANCEL_VISIT, "nope", id="cancel-visit-not-json"),
    pytest.param(Form.CANCEL_VISIT, '{"visit_id": "VISIT"}', id="cancel-visit-id-text"),
    pytest.param(Form.CANCEL_VISIT, "", id="cancel-visit-none"),
    pytest.param(Form.REMINDER, "[1, 2]", id="reminder-a-list"),
    pytest.param(Form.REMINDER, '{"channel": 5}', id="reminder-channel-number"),
    pytest.param(Form.ASK, "not ours", id="ask"),
    pytest.param(Form.IMPORT_PREVIEW, "{bad json", id="import-preview"),
    pytest.param(Form.IMPORT_PREVIEW, '{"file": 1}', id="import-file-number"),
    pytest.param(Form.NOTE, '{"parts": 100000000}', id="note-parts"),
    pytest.param(Form.VISIT, '{"visit_id": true}', id="visit-id-true"),
]


@pytest.mark.parametrize(("callback_id", "metadata"), STALE_FORMS)
def test_a_form_whose_metadata_we_did_not_write_says_it_is_out_of_date(
    workspace: Workspace, caplog: pytest.LogCaptureFixture, callback_id: str, metadata: str
) -> None:
    caplog.set_level(logging.INFO)
    visit_id = plan_visit(workspace)
    before = snapshot(workspace)
    values = {"question": {"value": {"type": "plain_text_input", "value": "how long is an interim ISSC valid?"}}}
    answer = interact(workspace, form(callback_id, metadata, values), user=ADMIN)
    assert answer.status == 200
    assert answer.body["response_action"] == "update" and OUT_OF_DATE in json.dumps(answer.body["view"])
    no_traceback(caplog)
    assert snapshot(workspace) == before
    with workspace.database.engine.connect() as connection:
        assert connection.execute(text(f"SELECT status FROM visits WHERE id = {visit_id}")).scalar_one() != "cancelled"


def test_a_damaged_form_with_fields_says_so_beside_the_first_and_stays_open(workspace: Workspace) -> None:
    visit_id = plan_visit(workspace)
    before = snapshot(workspace)
    payload = form(Form.VISIT, json.dumps({"visit_id": str(visit_id)}))
    payload["view"]["blocks"] = [{"type": "section", "block_id": "intro"}, {"type": "input", "block_id": "nation"}]
    answer = interact(workspace, payload)
    assert answer.status == 200 and answer.body["response_action"] == "errors"
    assert OUT_OF_DATE in answer.body["errors"]["nation"] and "came back damaged" in answer.body["errors"]["nation"]
    assert snapshot(workspace) == before


def test_the_forms_we_write_still_work_past_the_checks(workspace: Workspace) -> None:
    visit_id = plan_visit(workspace)
    answer = interact(workspace, form(Form.CANCEL_VISIT, json.dumps({"visit_id": visit_id})))
    assert answer.status == 200 and "cancel" in json.dumps(answer.body).lower()
    assert OUT_OF_DATE not in json.dumps(answer.body)


def test_a_value_error_a_listener_meets_is_out_of_date_not_a_traceback(
    settings: Settings, database, standin, caplog: pytest.LogCaptureFixture
) -> None:
    """What no check before the listeners knows of (a new button, say): the error boundary's last part answers it."""
    caplog.set_level(logging.INFO)
    app = create_app(settings=settings, database=database, client=slack_client(settings))

    @app.action("new_button")
    def reads_a_number(ack: Any, action: dict) -> None:
        int(action["value"])
        ack()

    @app.view("new_form")
    def reads_metadata(ack: Any, view: dict) -> None:
        json.loads(view["private_metadata"])["missing"]
        ack()

    base, server = serve(app, database, settings.may_use)
    try:
        workspace = Workspace(f"{base}/slack/events", standin, database, settings)
        pressed = interact(workspace, {"type": "block_actions", "actions": [button("new_button", "abc")]})
        submitted = interact(workspace, form("new_form", "{}"))
    finally:
        stop_serving(server)
        server.server_close()
    assert pressed.status == 200 and OUT_OF_DATE in render(standin.responses[0].body)
    assert submitted.status == 200 and OUT_OF_DATE in json.dumps(submitted.body["view"])
    no_traceback(caplog)
    lines = [r.getMessage() for r in caplog.records if "told it is out of date" in r.getMessage()]
    assert len(lines) == 2 and "ValueError at tests/test_malformed_payloads.py" in lines[0] and "KeyError" in lines[1]
