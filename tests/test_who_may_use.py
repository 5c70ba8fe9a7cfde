"""Who may use the bot: with IPSLO_OFFICERS empty, members of the team (or Enterprise Grid organisation) it is
installed in, from auth.test; a Slack Connect user from another organisation is refused unless listed by member ID.
Everyone refused gets a word, on buttons, forms, shortcuts and App Home too, not an empty 200."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.slack_standin import sign
from storage.notes import Note
from tests.conftest import OFFICER, SIGNING_SECRET, Answer, Workspace, served
from tests.test_notes import filled, opened_form

OUTSIDER = "U0CONNECT"  # a Slack Connect member of another organisation, in a shared channel
REFUSED = "this bot is for the IPSLO team"


@pytest.fixture
def desk(settings, database, standin) -> Iterator[Workspace]:
    standin.add_user(OUTSIDER, name="ext", real_name="Ext Partner", tz="Pacific/Fiji")
    with served(settings, database, standin) as workspace:
        yield workspace


def interact(workspace: Workspace, payload: dict, user: str, team: str) -> Answer:
    payload = {"user": {"id": user, "name": user.lower(), "team_id": team}, **payload}
    body, headers = workspace.standin.interaction(payload, signing_secret=SIGNING_SECRET)
    return workspace.post(body, headers)


def notes(workspace: Workspace) -> int:
    with workspace.database.sessions() as session:
        return session.scalar(select(func.count()).select_from(Note)) or 0


def submit_note_form(workspace: Workspace, user: str, team: str) -> Answer:
    workspace.command("note")
    view = opened_form(workspace)
    values = filled(view, nation="FJ", text_0="from a shared channel")
    return interact(workspace, {"type": "view_submission", "view": {**view, "state": {"values": values}}}, user, team)


def test_a_slack_connect_user_submitting_the_note_form_is_refused_in_the_form(desk: Workspace) -> None:
    answer = submit_note_form(desk, OUTSIDER, "T0ELSEWHERE")
    assert answer.body["response_action"] == "update" and REFUSED in json.dumps(answer.body["view"])
    assert notes(desk) == 0


def test_a_member_of_the_installed_team_may_use_it_when_no_officers_are_listed(desk: Workspace) -> None:
    assert submit_note_form(desk, OFFICER, desk.standin.team_id).status == 200
    assert desk.standin.wait_for(lambda: notes(desk) == 1)


def test_a_slack_connect_user_listed_by_member_id_may_use_it(settings, database, standin) -> None:
    listed = replace(settings, officers=frozenset({OFFICER, OUTSIDER}))
    with served(listed, database, standin) as workspace:
        assert submit_note_form(workspace, OUTSIDER, "T0ELSEWHERE").status == 200
        assert standin.wait_for(lambda: notes(workspace) == 1)


def test_a_refused_button_press_gets_an_ephemeral_word(desk: Workspace) -> None:
    answer = interact(
        desk,
        {
            "type": "block_actions",
            "channel": {"id": "C0STANDIN", "name": "ipslo-team"},
            "container": {"type": "message", "channel_id": "C0STANDIN", "is_ephemeral": False},
            "actions": [{"type": "button", "action_id": "reminder_done", "block_id": "b", "value": "1"}],
        },
        OUTSIDER,
        "T0ELSEWHERE",
    )
    assert answer.status == 200
    assert desk.standin.wait_for(lambda: any(REFUSED in json.dumps(r.body) for r in desk.standin.responses))


def test_a_refused_global_shortcut_opens_a_form_that_says_so(desk: Workspace) -> None:
    interact(desk, {"type": "shortcut", "callback_id": "new_note"}, OUTSIDER, "T0ELSEWHERE")
    assert desk.standin.wait_for(lambda: desk.standin.calls_to("views.open"))
    assert REFUSED in json.dumps(desk.standin.calls_to("views.open")[-1].args["view"])


def test_a_refused_app_home_says_so(settings, database, standin) -> None:
    listed = replace(settings, officers=frozenset({OFFICER}))
    with served(listed, database, standin) as workspace:
        body = json.dumps(
            {
                "token": "deprecated",
                "team_id": standin.team_id,
                "api_app_id": standin.app_id,
                "type": "event_callback",
                "event_id": f"Ev{time.time_ns()}",
                "event_time": int(time.time()),
                "event": {"type": "app_home_opened", "user": OUTSIDER, "channel": "D0HOME", "tab": "home"},
            }
        )
        assert workspace.post(body, sign(body, SIGNING_SECRET)).status == 200
        assert standin.wait_for(lambda: standin.calls_to("views.publish"))
        assert REFUSED in json.dumps(standin.calls_to("views.publish")[-1].args["view"])


def test_the_installed_team_is_asked_of_slack_once(desk: Workspace) -> None:
    for _ in range(3):
        submit_note_form(desk, OUTSIDER, "T0ELSEWHERE")
    from_middleware = [c for c in desk.standin.calls_to("auth.test")]
    assert 1 <= len(from_middleware) <= 2  # Bolt's own lazy check, and ours once
