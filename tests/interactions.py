"""Slack's interactive payloads for tests, shaped as Slack sends them and signed: button presses, menu choices,
type-ahead suggestions, form submissions and shortcuts, posted over HTTP to the real app."""

from __future__ import annotations

from typing import Any

from tests.conftest import OFFICER, SIGNING_SECRET, Answer, Workspace


def interact(workspace: Workspace, payload: dict, user: str = OFFICER) -> Answer:
    payload = {"user": {"id": user, "name": user.lower(), "team_id": workspace.standin.team_id}, **payload}
    body, headers = workspace.standin.interaction(payload, signing_secret=SIGNING_SECRET)
    return workspace.post(body, headers)


def press(workspace: Workspace, button: dict, user: str = OFFICER, *, view: dict | None = None, **extra: Any) -> Answer:
    """Click a button (or choose an overflow option: ``button`` is then the option with the menu's action_id)."""
    action: dict[str, Any] = {
        "type": button.get("type", "button"),
        "action_id": button["action_id"],
        "block_id": button.get("block_id", "b"),
        "action_ts": "1700000000.1",
    }
    if action["type"] == "overflow":
        action["selected_option"] = {"text": button.get("text"), "value": button["value"]}
    else:
        action["value"] = button.get("value", "")
    payload: dict[str, Any] = {"type": "block_actions", "actions": [action], **extra}
    if view is not None:  # a button on App Home or in a form
        payload["view"] = view
        payload["container"] = {"type": "view", "view_id": view.get("id")}
    else:
        payload.setdefault("channel", {"id": "C0STANDIN", "name": "ipslo-team"})
        payload.setdefault("container", {"type": "message", "channel_id": "C0STANDIN", "is_ephemeral": True})
    return interact(workspace, payload, user)


def suggest(workspace: Workspace, typed: str, *, block_id: str = "nation", user: str = OFFICER) -> Answer:
    """What Slack posts while an officer types in a form's nation menu (an external_select)."""
    return interact(
        workspace,
        {
            "type": "block_suggestion",
            "action_id": "nation_choice",
            "block_id": block_id,
            "value": typed,
            "container": {"type": "view", "view_id": "V0FORM"},
            "view": {"id": "V0FORM", "type": "modal", "callback_id": "visit_form"},
        },
        user,
    )


def shortcut(workspace: Workspace, callback_id: str, user: str = OFFICER) -> Answer:
    return interact(workspace, {"type": "shortcut", "callback_id": callback_id, "action_ts": "1700000000.2"}, user)


def after_answer(workspace: Workspace, method: str, count: int = 1) -> list:
    """The bot's calls to ``method`` made after it answered Slack (lazily), once there are ``count`` of them."""
    assert workspace.standin.wait_for(lambda: len(workspace.standin.calls_to(method)) >= count), f"no {method}"
    return workspace.standin.calls_to(method)


def opened_form(workspace: Workspace, count: int = 1) -> dict:
    """The form the bot opened (the ``count``-th views.open), as Slack holds it."""
    call = after_answer(workspace, "views.open", count)[count - 1]
    assert call.response["ok"], call.response
    return workspace.standin.views[call.response["view"]["id"]]


def option_value(option: dict | None) -> str | None:
    return (option or {}).get("value")


def filled(view: dict, **answers: Any) -> dict:
    """The form's state as Slack sends it: ``answers`` by block id, the initial values elsewhere."""
    values: dict = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        answer = answers.get(block_id)
        kind = element["type"]
        if kind in ("static_select", "external_select"):
            chosen = answer if answer is not None else option_value(element.get("initial_option"))
            state: dict = {
                "selected_option": {"text": {"type": "plain_text", "text": chosen}, "value": chosen} if chosen else None
            }
        elif kind == "datepicker":
            state = {"selected_date": answer if answer is not None else element.get("initial_date")}
        elif kind == "timepicker":
            state = {"selected_time": answer if answer is not None else element.get("initial_time")}
        elif kind == "users_select":
            state = {"selected_user": answer if answer is not None else element.get("initial_user")}
        else:
            state = {"value": answer if answer is not None else element.get("initial_value")}
        values[block_id] = {element["action_id"]: {"type": kind, **state}}
    return values


def submit(workspace: Workspace, view: dict, values: dict, user: str = OFFICER) -> Answer:
    return interact(workspace, {"type": "view_submission", "view": {**view, "state": {"values": values}}}, user)


def buttons(body: dict) -> list[dict]:
    """Every button and overflow menu of a message or view, with its block id."""
    found = []
    for block in body.get("blocks", []):
        if block["type"] == "actions":
            found += [{**e, "block_id": block.get("block_id", "b")} for e in block["elements"]]
        elif block["type"] == "section" and "accessory" in block:
            found.append({**block["accessory"], "block_id": block.get("block_id", "b")})
    return found


def labelled(body: dict, text: str) -> dict:
    """The button whose label contains ``text``."""
    found = [b for b in buttons(body) if text in (b.get("text") or {}).get("text", "")]
    assert found, f"no button {text!r} in {[(b.get('text') or {}).get('text') for b in buttons(body)]}"
    return found[0]
