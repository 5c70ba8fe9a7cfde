"""Opening a form with the trigger Slack gave a command or a press, and what the officer is told when Slack can't.

A trigger_id lives 3 seconds, so a form is asked for once (bot/runtime.py's client never retries views.open, push or
update). When Slack refuses it (rate limited, a 5xx, an error, the trigger expired) the officer gets one reply, the
same for every form: why, and the command to type in full instead; the log has it once, at WARNING, with Slack's
word. A command says it in its answer; a press after its answer, beside the message it was pressed on (its
response_url) or, from App Home or a global shortcut, in the bot's direct message.

Below bot/notes.py and bot/forms.py, which both open forms with it."""

from __future__ import annotations

import http.client
import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.views import Views
from commands.language import Icon, Reply, Section, Typed, words

log = logging.getLogger("ipslo")

#: The command in full each form stands for, offered when the form can't open.
VISIT = "/ipslo visit add fiji 2027-01-12"
NOTE = "/ipslo note fiji Met the DA"
REMINDER = "/ipslo remind fiji tomorrow 09:00 send agenda to the DA"
ASSESS = "/ipslo assess fiji 2026-10-03 substantially implementing trip report 26-041"
ASK = "/ipslo ask how long is an interim ISSC valid?"


def edit_visit(visit_id: int) -> str:
    return f"/ipslo visit move {visit_id} 2027-01-19"


def cancel_visit(visit_id: int) -> str:
    return f"/ipslo visit cancel {visit_id}"


def why(error: Exception) -> tuple[str, str] | None:
    """(what the officer reads, what the log says) when ``error`` is Slack not opening a form; None for anything else
    (a fault of ours, which the error boundary logs with its traceback)."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = str(error.response.get("error") or "")
        if status == 429 or code == "ratelimited":
            after = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
            return "Slack is rate limiting the bot", f"429 ratelimited, retry after {after}s"
        if status >= 500:
            return f"Slack answered {status}", f"HTTP {status}"
        return f"Slack answered {code or status}", code or f"HTTP {status}"
    if isinstance(error, TimeoutError):
        return "Slack did not answer in time", type(error).__name__
    if isinstance(error, OSError | http.client.HTTPException):  # URLError, refused, reset, DNS
        return "Slack could not be reached", type(error).__name__
    return None


def open_view(client: WebClient, trigger_id: str, view: dict[str, Any], *, push: bool = False) -> str | None:
    """Open ``view`` (push it over the form the trigger came from, with ``push``), once. None when it opened; else why
    not, as the officer reads it (logged here, once)."""
    try:
        if push:
            client.views_push(trigger_id=trigger_id, view=view)
        else:
            client.views_open(trigger_id=trigger_id, view=view)
    except Exception as error:
        found = why(error)
        if found is None:
            raise
        log.warning("could not open a form (%s): Slack said %s", view.get("callback_id") or "notice", found[1])
        return found[0]
    return None


def show(client: WebClient, body: dict, view: dict[str, Any]) -> str | None:
    """Open a form for a command or a press: pushed over the form it was pressed in, opened anywhere else. None when
    it opened, else why not."""
    in_a_form = ((body.get("view") or {}).get("type")) == "modal"
    return open_view(client, body["trigger_id"], view, push=in_a_form)


def not_opened(reason: str, example: str) -> Reply:
    """What the officer reads when a form can't open: why, and the command to type in full instead."""
    said = words(
        f"Slack couldn't open the form just now ({reason}); try again in a moment, or type the command in full: ",
        Typed(example),
    )
    return Reply(said, parts=(Section(said, icon=Icon.WARNING),), refused=True)


def answer_command(ack: Ack, views: Views, reason: str | None, example: str) -> None:
    """A command's answer once its form was asked for: nothing when the form opened, else why not."""
    if reason is None:
        ack()
    else:
        ack(**views.message(not_opened(reason, example)))


def tell(views: Views, client: WebClient, body: dict, reason: str | None, example: str) -> None:
    """After a press's answer, when its form did not open: beside the message it was pressed on, or (App Home, a
    global shortcut, a form) in the bot's direct message. A failure to say so is logged, never raised."""
    if reason is None:
        return
    message = {k: v for k, v in views.message(not_opened(reason, example)).items() if k != "response_type"}
    user_id = body.get("user_id") or (body.get("user") or {}).get("id")
    try:
        on_a_message = (body.get("container") or {}).get("type") == "message" or body.get("type") == "message_action"
        if on_a_message and body.get("response_url"):
            WebhookClient(body["response_url"]).send(**message, response_type="ephemeral", replace_original=False)
        elif user_id:
            client.chat_postMessage(channel=user_id, **message)
    except Exception as error:
        log.warning("could not tell %s that a form did not open (%s)", user_id, type(error).__name__)
