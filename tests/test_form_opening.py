"""A form Slack can't open: the officer is told why and what to type instead, at once, whatever the command or button.

A trigger_id lives 3 seconds, so views.open (and views.push, views.update) is never retried: a 429 with Retry-After,
a 5xx or an error comes back to the officer as one reply, logged once at WARNING with Slack's reason (no traceback),
and the command is answered without waiting for Slack's Retry-After."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.runtime import slack_client
from commands.ids import Action, Shortcut, VisitVerb
from tests.conftest import ADMIN, OFFICER, Workspace
from tests.interactions import after_answer, opened_form, press, shortcut
from tests.reading import render

COULD_NOT = "Slack couldn't open the form just now"
#: How Slack fails: (fail_next arguments, the reason the officer reads, Slack's word in the log)
FAILURES: dict[str, tuple[dict[str, Any], str, str]] = {
    "429": (dict(status=429, retry_after=20), "Slack is rate limiting the bot", "ratelimited"),
    "500": (dict(status=500), "Slack answered 500", "500"),
    "internal_error": (dict(status=200, error="internal_error"), "Slack answered internal_error", "internal_error"),
}
#: A bare command, who types it, and the command in full the officer is offered instead.
COMMANDS = {
    "visit": (OFFICER, "/ipslo visit add fiji 2027-01-12"),
    "note": (OFFICER, "/ipslo note fiji Met the DA"),
    "remind": (OFFICER, "/ipslo remind fiji tomorrow 09:00 send agenda to the DA"),
    "assess": (ADMIN, "/ipslo assess fiji 2026-10-03 substantially implementing trip report 26-041"),
}


def warnings_about_forms(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "could not open" in r.getMessage()]


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing of ours logged a traceback or an error (slack_sdk itself logs a 5xx's HTML body as an error)."""
    ours = [r for r in caplog.records if r.name != "slack_sdk.web.base_client"]
    assert not [r for r in ours if r.exc_info or r.levelno >= logging.ERROR], caplog.text


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("verb", COMMANDS)
def test_a_bare_command_whose_form_cannot_open_says_so_at_once(
    verb: str, failure: str, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    how, reason, word = FAILURES[failure]
    user, example = COMMANDS[verb]
    workspace.standin.fail_next("views.open", **how)
    with caplog.at_level(logging.INFO):
        answer = workspace.command(verb, user=user)
    assert answer.status == 200 and answer.ephemeral
    assert COULD_NOT in answer.text and f"({reason})" in answer.text, answer.text
    assert f"`{example}`" in answer.body["blocks"][0]["text"]["text"]  # typed as code, to copy
    assert "try again in a moment" in answer.text
    # Asked once: Slack's Retry-After (20 s) is longer than the trigger lives, so it is not waited for.
    assert len(workspace.standin.calls_to("views.open")) == 1
    logged = warnings_about_forms(caplog)
    assert len(logged) == 1 and logged[0].levelno == logging.WARNING and word in logged[0].getMessage()
    no_traceback(caplog)


def test_the_form_opens_again_once_slack_does(workspace: Workspace) -> None:
    workspace.standin.fail_next("views.open", status=429, retry_after=20)
    assert COULD_NOT in workspace.command("visit").text
    assert workspace.command("visit").text == ""
    assert opened_form(workspace, 2)["callback_id"] == "visit_form"


def test_a_button_in_a_message_whose_form_cannot_open_answers_beside_the_message(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    workspace.standin.fail_next("views.open", status=429, retry_after=20)
    with caplog.at_level(logging.INFO):
        press(workspace, {"action_id": Action.PLAN_VISIT, "value": "FJ"})
        assert workspace.standin.wait_for(lambda: bool(workspace.standin.responses))
    said = workspace.standin.responses[0].body
    assert COULD_NOT in said["text"] and "`/ipslo visit add fiji 2027-01-12`" in said["text"]
    assert said.get("replace_original") is False
    assert len(workspace.standin.calls_to("views.open")) == 1
    assert len(warnings_about_forms(caplog)) == 1
    no_traceback(caplog)


@pytest.mark.parametrize(
    ("action", "value", "example"),
    [
        (Action.ADD_NOTE, "FJ", "/ipslo note fiji Met the DA"),
        (Action.SET_REMINDER, "FJ", "/ipslo remind fiji tomorrow 09:00 send agenda to the DA"),
        (Action.ASK_QUESTION, "", "/ipslo ask how long is an interim ISSC valid?"),
    ],
)
def test_every_form_button_says_the_same(
    action: str, value: str, example: str, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    workspace.standin.fail_next("views.open", status=500)
    with caplog.at_level(logging.INFO):
        press(workspace, {"action_id": action, "value": value})
        assert workspace.standin.wait_for(lambda: bool(workspace.standin.responses))
    said = workspace.standin.responses[0].body["text"]
    assert COULD_NOT in said and "(Slack answered 500)" in said and f"`{example}`" in said
    assert len(workspace.standin.calls_to("views.open")) == 1
    no_traceback(caplog)


def test_on_app_home_or_from_a_shortcut_the_officer_is_told_in_a_direct_message(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    """App Home and a global shortcut have no channel to answer in: the bot's direct message says it."""
    workspace.standin.fail_next("views.open", status=200, error="internal_error", times=2)
    home = {"id": "VHOME", "type": "home"}
    with caplog.at_level(logging.INFO):
        press(workspace, {"action_id": Action.PLAN_VISIT, "value": ""}, view=home)
        shortcut(workspace, Shortcut.PLAN_VISIT)
        posted = after_answer(workspace, "chat.postMessage", 2)
    for call in posted:
        assert call.args["channel"] == OFFICER
        assert COULD_NOT in call.args["text"] and "(Slack answered internal_error)" in call.args["text"]
    assert len(workspace.standin.calls_to("views.open")) == 2
    assert len(warnings_about_forms(caplog)) == 2
    no_traceback(caplog)


def test_the_app_home_menu_offers_the_command_for_that_visit(workspace: Workspace) -> None:
    workspace.command("visit add fiji 2027-01-12")
    workspace.standin.fail_next("views.open", status=429, retry_after=20, times=4)
    home = {"id": "VHOME", "type": "home"}
    for verb in (VisitVerb.EDIT, VisitVerb.CANCEL, VisitVerb.NOTE, VisitVerb.REMIND):
        press(workspace, {"type": "overflow", "action_id": Action.VISIT_MENU, "value": f"{verb}:1"}, view=home)
    posted = [call.args["text"] for call in after_answer(workspace, "chat.postMessage", 4)]
    said = "\n".join(posted)
    assert "`/ipslo visit move 1 2027-01-19`" in said
    assert "`/ipslo visit cancel 1`" in said
    assert all(COULD_NOT in text for text in posted)


def test_a_form_pushed_over_a_form_is_not_retried_either(workspace: Workspace) -> None:
    """A press inside a form pushes the next form over it, with the press's trigger: one try."""
    workspace.standin.fail_next("views.push", status=429, retry_after=20)
    in_a_form = {"id": "VFORM", "type": "modal", "callback_id": "visit_form"}
    press(workspace, {"action_id": Action.SET_REMINDER, "value": "FJ"}, view=in_a_form)
    posted = after_answer(workspace, "chat.postMessage")
    assert COULD_NOT in posted[0].args["text"]
    assert len(workspace.standin.calls_to("views.push")) == 1


def test_only_calls_with_a_trigger_go_unretried(workspace: Workspace) -> None:
    """The client still waits out a short rate limit, or retries a 5xx, for everything else (a message to post)."""
    client = slack_client(workspace.settings)
    workspace.standin.fail_next("chat.postMessage", status=429, retry_after=1)
    workspace.standin.fail_next("views.update", status=503)
    assert client.chat_postMessage(channel=OFFICER, text="hello")["ok"]
    assert len(workspace.standin.calls_to("chat.postMessage")) == 2
    with pytest.raises(Exception, match="503"):
        client.views_update(view_id="V0NONE", view={"type": "modal", "title": {"type": "plain_text", "text": "x"}})
    assert len(workspace.standin.calls_to("views.update")) == 1


def test_a_rate_limited_form_does_not_hold_other_commands(workspace: Workspace) -> None:
    """Nine officers at once with views.open rate limited: each asked Slack once and was answered; status still
    answers."""
    import concurrent.futures

    workspace.standin.fail_next("views.open", status=429, retry_after=20, times=9)
    with concurrent.futures.ThreadPoolExecutor(9) as pool:
        answers = list(pool.map(lambda _: workspace.command("visit"), range(9)))
    assert all(COULD_NOT in a.text for a in answers)
    assert len(workspace.standin.calls_to("views.open")) == 9
    assert "Fiji" in render(workspace.command("status fiji").body)
