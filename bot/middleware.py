"""What a Slack request must hold before Bolt reads it, and what our buttons' values and forms' metadata read as.

Two checks, both before any listener runs:

- :func:`check_shape` (called by ``bot/serve.py`` before Bolt dispatches): the fields each kind of payload needs and
  their JSON types, and who sent it. Slack always sends them; a request without them was not made by Slack's client
  (a forged, truncated or hand-made payload) and is refused with 400, one log line, no traceback. Bolt itself reads
  some of them before any of our code (``actions[0]``), so this cannot wait for a middleware.
- :func:`refuse_stale` (a global middleware after ``Bot.identify_officer``): a button's value or a form's
  ``private_metadata`` that is not one we wrote (an old message from before a release, or a hand-edited payload) is
  answered "out of date; run the command again" where the officer is, and no listener runs. ``bot/app.py``'s error
  handler gives the same answer to a value error a listener meets in what it was sent (:func:`out_of_date`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from commands.ids import Action, Form, VisitVerb

log = logging.getLogger("ipslo")


class Malformed(ValueError):
    """A payload that Slack would never send: ``reason`` says which field, never what it held."""


# --- the shape of a payload ------------------------------------------------------------------------------------------

USER_ID = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,39}")  # Slack member ids (U…, W…); never empty, never free text


def _object(holder: dict[str, Any], name: str, where: str, *, required: bool = True) -> dict[str, Any]:
    value = holder.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise Malformed(f"{where}{name} is {'missing' if value is None else 'not an object'}")
    return value


def _string(holder: dict[str, Any], name: str, where: str, *, required: bool = True) -> str | None:
    value = holder.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise Malformed(f"{where}{name} is {'missing' if value in (None, '') else 'not a string'}")
    return value


def _user(user_id: str | None, where: str) -> None:
    if not user_id or not USER_ID.fullmatch(user_id):
        raise Malformed(f"{where} names no Slack user")


def _interaction_user(payload: dict[str, Any]) -> None:
    user = payload.get("user")
    if not isinstance(user, dict):
        raise Malformed("user is missing" if user is None else "user is not an object")
    _user(user.get("id") if isinstance(user.get("id"), str) else None, "user.id")


def _actions(payload: dict[str, Any]) -> None:
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions:
        raise Malformed("actions is not a list of one action or more" if actions is not None else "actions is missing")
    for number, action in enumerate(actions):
        where = f"actions[{number}]."
        if not isinstance(action, dict):
            raise Malformed(f"actions[{number}] is not an object")
        _string(action, "action_id", where)
        _string(action, "block_id", where, required=False)
        _string(action, "value", where, required=False)
        chosen = _object(action, "selected_option", where, required=False)
        if chosen:
            _string(chosen, "value", f"{where}selected_option.")
        for name in ("selected_date", "selected_time", "selected_user", "selected_channel"):
            _string(action, name, where, required=False)


def _view(payload: dict[str, Any], *, submitted: bool) -> None:
    view = _object(payload, "view", "")
    _string(view, "id", "view.")
    _string(view, "callback_id", "view.", required=False)
    if not isinstance(view.get("private_metadata", ""), str):
        raise Malformed("view.private_metadata is not a string")
    state = _object(view, "state", "view.", required=submitted)
    if state or submitted:
        values = _object(state, "values", "view.state.")
        for block in values.values():
            if not isinstance(block, dict) or not all(isinstance(element, dict) for element in block.values()):
                raise Malformed("view.state.values holds something other than blocks of elements")
            for element in block.values():
                _element(element)


#: What an input element's state holds, by field: Slack sends each as this JSON type, or null.
ELEMENT_FIELDS: dict[str, type] = {
    "value": str,
    "selected_date": str,
    "selected_time": str,
    "selected_user": str,
    "selected_conversation": str,
    "selected_channel": str,
    "selected_option": dict,
    "selected_options": list,
    "selected_users": list,
    "files": list,
}


def _element(element: dict[str, Any]) -> None:
    for name, kind in ELEMENT_FIELDS.items():
        if element.get(name) is not None and not isinstance(element[name], kind):
            raise Malformed(f"a form field's {name} is not a {'string' if kind is str else kind.__name__}")
    chosen = element.get("selected_option")
    if isinstance(chosen, dict) and not isinstance(chosen.get("value"), str):
        raise Malformed("a form field's selected_option.value is not a string")


def _event(payload: dict[str, Any]) -> None:
    event = _object(payload, "event", "")
    _string(event, "type", "event.")
    _string(payload, "event_id", "", required=False)
    _user(event.get("user") if isinstance(event.get("user"), str) else None, "event.user")


def _block_actions(payload: dict[str, Any]) -> None:
    _interaction_user(payload)
    _actions(payload)
    for name in ("container", "channel", "view", "message"):
        _object(payload, name, "", required=False)
    for name in ("response_url", "trigger_id"):
        _string(payload, name, "", required=False)


def _submission(payload: dict[str, Any]) -> None:
    _interaction_user(payload)
    _view(payload, submitted=True)


def _closed(payload: dict[str, Any]) -> None:
    _interaction_user(payload)
    _view(payload, submitted=False)


def _shortcut(payload: dict[str, Any]) -> None:
    _interaction_user(payload)
    _string(payload, "callback_id", "")
    _string(payload, "trigger_id", "")


def _message_action(payload: dict[str, Any]) -> None:
    _shortcut(payload)
    _object(payload, "message", "")
    _object(payload, "channel", "", required=False)
    _string(payload, "response_url", "", required=False)


def _suggestion(payload: dict[str, Any]) -> None:
    _interaction_user(payload)
    _string(payload, "action_id", "")
    _string(payload, "block_id", "", required=False)
    if not isinstance(payload.get("value"), str):
        raise Malformed("value is not a string")


def _url_verification(payload: dict[str, Any]) -> None:
    _string(payload, "challenge", "")


#: Every kind of payload the app takes (manifest.yml: a slash command, interactivity, app_home_opened), and what each
#: must hold. Anything else is refused: no listener would take it.
SHAPES: dict[str, Callable[[dict[str, Any]], None]] = {
    "block_actions": _block_actions,
    "view_submission": _submission,
    "view_closed": _closed,
    "shortcut": _shortcut,
    "message_action": _message_action,
    "block_suggestion": _suggestion,
    "event_callback": _event,
    "url_verification": _url_verification,
    "app_rate_limited": lambda payload: None,
}


def check_shape(request: dict[str, Any]) -> None:
    """Raise :class:`Malformed` unless ``request`` (a parsed slash command, interaction payload or event) holds what
    Slack always sends for its kind, with the JSON types Slack sends, and says who sent it."""
    if "ssl_check" in request:
        return
    if "command" in request:
        _string(request, "command", "")
        _user(request.get("user_id") if isinstance(request.get("user_id"), str) else None, "user_id")
        for name in ("text", "trigger_id", "channel_id", "response_url"):
            _string(request, name, "", required=False)
        return
    payload = request.get("payload") or request
    if not isinstance(payload, dict):
        raise Malformed("payload is not an object")
    kind = payload.get("type")
    shape = SHAPES.get(kind) if isinstance(kind, str) else None
    if shape is None:
        raise Malformed(f"type {str(kind)[:40]!r} is not one this app takes")
    shape(payload)


# --- values and metadata we wrote ----------------------------------------------------------------------------------


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _an_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 18


def _visit_or_nation(value: str) -> bool:
    """A nation code (any other text is told "no such nation" by the form), "visit:<id>" or nothing."""
    return _an_id(value.split(":", 1)[1]) if value.startswith("visit:") else True


def _notes_page(value: str) -> bool:
    data = _json_object(value)
    if data is None or not isinstance(data.get("n"), str) or not isinstance(data.get("w"), str):
        return False
    bookmark = data.get("b")
    if not (isinstance(bookmark, list) and len(bookmark) == 2 and isinstance(bookmark[0], str)):
        return False
    return _integer(bookmark[1]) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", bookmark[0]) is not None


def _search_page(value: str) -> bool:
    data = _json_object(value)
    return data is not None and isinstance(data.get("q"), str) and _integer(data.get("o")) and data["o"] >= 0


def _menu_choice(value: str) -> bool:
    verb, _, number = value.partition(":")
    return verb in set(VisitVerb) and _an_id(number)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**18


#: A button's or menu's value as we write it, by action id (exactly, or the id's beginning for a family of them).
VALUES: dict[str, Callable[[str], bool]] = {
    Action.NOTES_MORE: _notes_page,
    Action.SEARCH_MORE: _search_page,
    Action.EDIT_VISIT: _an_id,
    Action.CANCEL_VISIT: _an_id,
    Action.VISIT_MENU: _menu_choice,
    Action.ADD_NOTE: _visit_or_nation,
    Action.SET_REMINDER: _visit_or_nation,
}
VALUE_FAMILIES: dict[str, Callable[[str], bool]] = {
    Action.HOME_REMINDER: _an_id,
    Action.REMINDER: _an_id,
}

#: What a form's ``private_metadata`` may hold, by key: every form writes a JSON object (or nothing) of these.
METADATA_KEYS: dict[str, Callable[[Any], bool]] = {
    "channel": lambda value: value is None or isinstance(value, str),
    "permalink": lambda value: value is None or isinstance(value, str),
    "author": lambda value: value is None or isinstance(value, str),
    "visit_id": lambda value: value is None or _integer(value),
    "parts": lambda value: _integer(value) and 1 <= value <= 50,
    "file": lambda value: isinstance(value, str),
}
#: Keys a form's metadata must hold.
METADATA_NEEDS: dict[str, tuple[str, ...]] = {Form.CANCEL_VISIT: ("visit_id",), Form.IMPORT_PREVIEW: ("file",)}


def _value_of(action: dict[str, Any]) -> str | None:
    chosen = action.get("selected_option")
    if isinstance(chosen, dict):
        return str(chosen.get("value") or "")
    value = action.get("value")
    return value if isinstance(value, str) else None


def stale_part(body: dict[str, Any]) -> str | None:
    """Which part of ``body``, "button" or "form", holds a value or metadata we did not write; None when none does."""
    kind = body.get("type")
    if kind == "block_actions":
        for action in body.get("actions") or ():
            action_id = str(action.get("action_id") or "")
            reads = VALUES.get(action_id) or next(
                (check for prefix, check in VALUE_FAMILIES.items() if action_id.startswith(prefix)), None
            )
            value = _value_of(action)
            if reads is not None and value is not None and not reads(value):
                return "button"
        return None
    if kind in ("view_submission", "view_closed"):
        view = body.get("view") or {}
        text = view.get("private_metadata") or ""
        if not text:
            return "form" if METADATA_NEEDS.get(str(view.get("callback_id") or "")) else None
        metadata = _json_object(text)
        if metadata is None:
            return "form"
        for key in METADATA_NEEDS.get(str(view.get("callback_id") or ""), ()):
            if metadata.get(key) is None:
                return "form"
        if not all(check(metadata[key]) for key, check in METADATA_KEYS.items() if key in metadata):
            return "form"
    return None


def notice_view(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "IPSLO bot"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def out_of_date(client: WebClient, body: dict[str, Any], part: str, why: str) -> BoltResponse:
    """Tell the officer the button or form they used is out of date, where they are: a form says so beside its first
    field (kept open, nothing typed lost) or, with no field, becomes the notice; a message gets an ephemeral line, App
    Home a small modal. Nowhere to say it (no response address, no trigger): 400. One warning line, never the value."""
    text = f":warning: That {part} is out of date; run the command again (`/ipslo help` lists them). Nothing was done."
    user: dict[str, Any] = body["user"] if isinstance(body.get("user"), dict) else {}
    log.warning("A %s not as we wrote it (%s), from %s: told it is out of date", part, why, user.get("id"))
    if body.get("type") == "view_closed":
        return BoltResponse(status=200, body="")  # Slack shows nothing for a closed form
    if body.get("type") == "view_submission":
        view: dict[str, Any] = body["view"] if isinstance(body.get("view"), dict) else {}
        found = view.get("blocks")
        blocks: list[Any] = found if isinstance(found, list) else []
        field = next((b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("type") == "input"), None)
        answer: dict[str, Any] = {"response_action": "update", "view": notice_view(text)}
        if isinstance(field, str) and field:
            damaged = "This form came back damaged or out of date; run the command again. Nothing was saved."
            answer = {"response_action": "errors", "errors": {field: damaged}}
        return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})
    try:
        if isinstance(body.get("response_url"), str) and body["response_url"]:
            WebhookClient(body["response_url"]).send(text=text, response_type="ephemeral", replace_original=False)
            return BoltResponse(status=200, body="")
        if isinstance(body.get("trigger_id"), str) and body["trigger_id"]:
            in_modal = isinstance(body.get("view"), dict) and body["view"].get("type") == "modal"
            (client.views_push if in_modal else client.views_open)(
                trigger_id=body["trigger_id"], view=notice_view(text)
            )
            return BoltResponse(status=200, body="")
    except Exception as error:  # Slack not answering: nothing more to do than say so in the log
        log.warning("Could not tell %s the %s is out of date (%s)", user.get("id"), part, type(error).__name__)
        return BoltResponse(status=200, body="")
    return BoltResponse(status=400, body=f"That {part} is out of date.")


def refuse_stale(client: WebClient) -> Callable[[dict[str, Any], Callable[[], BoltResponse]], BoltResponse]:
    """Global middleware (after ``Bot.identify_officer``): a button or form whose value or metadata is not one we
    wrote is answered "out of date" (:func:`out_of_date`), and no listener sees it."""

    def refuse_stale(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:
        part = stale_part(body)
        if part is None:
            return next()
        what = "metadata" if part == "form" else "value"
        return out_of_date(client, body, part, f"its {what} does not read as ours")

    return refuse_stale
