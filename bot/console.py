"""The local console: the real Bolt app, driven through the local Slack stand-in, text in and text out, no Slack
needed."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from slack_bolt import BoltRequest

from bot.app import create_app
from bot.runtime import Database, slack_client
from bot.settings import Settings
from bot.slack_standin import ApiCall, ResponsePost, SlackStandIn, sign
from bot.views import PlainStyle
from commands.when import WhenError, parse_date
from storage.officers import remember_officer

EXPORTS = Path("exports")  # where files the bot uploads are written
AFTER_ACK = "ipslo-after-ack"  # threads doing work after the answer; the console waits for them before closing
PROMPT = "ipslo> "
CLOSE_FORM = ("cancel", "quit", "exit")  # typed in a form's field: the form closes, nothing is sent
WELCOME = """IPSLO bot console: the real app, with a local stand-in for Slack. Nothing leaves this machine.
Type a command such as `/ipslo status fiji` (the `/ipslo` may be left out), `help`, or `quit`.
Buttons show as [1 Done]: type `1` (or `click 1`) to press one. Reminders arrive here as direct messages."""


def render(
    message: dict[str, Any], buttons: list[dict] | None = None, read: Callable[[str], str] = lambda text: text
) -> str:
    """A message from the app (rendered in plain text for the console: ``PlainStyle``) as lines for the terminal;
    with ``buttons``, buttons are numbered and collected there. ``read`` turns each text in it into the words shown
    (the tests pass one that reads Slack's mrkdwn)."""
    blocks = message.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not blocks:
        return read(message.get("text", ""))
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = read(block["text"]["text"])
            lines += [title, "=" * len(title)]
        elif kind == "section":
            if "text" in block:
                lines.append(read(block["text"]["text"]))
            for field in block.get("fields", []):
                label, _, value = field["text"].partition("\n")
                lines.append(f"  {read(label)}: {read(value)}")
            accessory = block.get("accessory") or {}
            choices = accessory.get("options", []) if accessory.get("type") == "overflow" else []
            if accessory.get("type") == "button":
                choices = [accessory]
            labels = []
            for choice in choices:  # an overflow menu's choices show as buttons of their own
                label = read(choice["text"]["text"])
                if buttons is None:
                    labels.append(f"[{label}]")
                else:
                    pressed = {**accessory, "selected": choice} if accessory.get("type") == "overflow" else choice
                    buttons.append({**pressed, "block_id": block.get("block_id") or f"b{len(buttons)}"})
                    labels.append(f"[{len(buttons)} {label}]")
            if labels:
                lines.append("  " + "  ".join(labels))
        elif kind == "context":
            lines.append("  " + " ".join(read(e.get("text", "")) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            labels = []
            for element in block.get("elements", []):
                if "text" not in element:
                    continue
                label = read(element["text"]["text"])
                if buttons is None:
                    labels.append(f"[{label}]")
                else:
                    buttons.append({**element, "block_id": block.get("block_id") or f"b{len(buttons)}"})
                    labels.append(f"[{len(buttons)} {label}]")
            lines.append("  " + "  ".join(labels))
    return "\n".join(lines)


def picked_date(typed: str, *, today: dt.date) -> tuple[str | None, str | None]:
    """The day a typed date picks in Slack's calendar (YYYY-MM-DD), or why it picks none. The console reads what the
    commands read ("tomorrow", "fri", "12 Jan") as the day an officer would click; "2027-02-30" is told that February
    2027 has 28 days, as the commands tell it."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", typed):
        try:
            return dt.date.fromisoformat(typed).isoformat(), None
        except ValueError:
            pass
    try:
        return parse_date(typed, today=today).isoformat(), None
    except WhenError as error:
        return None, f"{error} Type it as YYYY-MM-DD (e.g. 2027-01-12), or as the commands read it (tomorrow, fri)."


class AfterAck(ThreadPoolExecutor):
    """Runs the bot's work after an answer (lazy listeners), and lets the console wait until it is done."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="after-ack")
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = 15.0) -> None:
        with self._lock:
            pending = list(self._pending)
        futures_wait(pending, timeout=timeout)


class Console:
    """A Slack workspace of one officer, in a terminal."""

    def __init__(
        self,
        *,
        settings: Settings,
        database: Database,
        user_id: str = "U0CONSOLE",
        admin: bool = False,
        tz: str | None = None,
        out: TextIO = sys.stdout,
        scheduler: bool | None = None,
        ask: Callable[[str], str | None] | None = None,
    ):
        self.out = out
        self.ask = ask or (lambda prompt: None)  # one answer typed at a form's prompt; None at the end of input
        self.buttons: list[dict] = []  # the last message's buttons, numbered from 1
        self.forms: list[str] = []  # forms the bot opened, waiting to be filled in (view ids)
        self.filling: set[str] = set()  # forms whose field is being answered: the app's update is the same form
        self.button_message: dict[str, Any] = {}  # channel and ts of the message they belong to
        self._buttons_lock = threading.Lock()
        self.user_id = user_id
        self.standin = SlackStandIn(on_call=self._on_call, on_response=self._on_response).start()
        self.standin.add_user(user_id, name="console officer", tz=tz or settings.team_tz.key)
        self.tz = ZoneInfo(tz or settings.team_tz.key)  # the officer's: "tomorrow" in a form is their tomorrow
        self.names = {user_id: "you"}
        self.style = PlainStyle(name_of=self.name_of)  # the app draws its replies as plain text for the terminal
        self.signing_secret = secrets.token_hex(16)
        self.settings = replace(
            settings,
            slack_bot_token=self.standin.bot_token,
            slack_signing_secret=self.signing_secret,
            slack_app_token=None,
            slack_api_url=self.standin.api_url,
            admins=settings.admins | ({user_id} if admin else set()),
            officers=settings.officers | ({user_id} if settings.officers else set()),
        )
        self.after_ack = AfterAck()
        self.app = create_app(
            settings=self.settings,
            database=database,
            client=slack_client(self.settings),
            listener_executor=self.after_ack,
            style=self.style,
        )
        with database.sessions.begin() as session:  # the console officer's zone is the one chosen here
            remember_officer(session=session, user_id=user_id, name="console officer", tz=tz or settings.team_tz.key)
        self.scheduler = None
        if settings.scheduler if scheduler is None else scheduler:  # reminders arrive while you type
            from bot.scheduler import ReminderScheduler

            self.scheduler = ReminderScheduler(
                settings=self.settings, database=database, name="console", style=self.style
            ).start()

    def name_of(self, user_id: str) -> str | None:
        """How the terminal names a member: "you", or the name the stand-in knows."""
        return self.names.get(user_id) or (self.standin.users.get(user_id) or {}).get("name")

    def close(self) -> None:
        self.after_ack.wait_idle()
        if self.scheduler is not None:
            self.scheduler.stop(wait=False)
        for thread in threading.enumerate():  # work the bot does after answering (e.g. export uploads)
            if thread.name.startswith(AFTER_ACK):
                thread.join(timeout=10)
        self.standin.stop()

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _on_call(self, call: ApiCall) -> None:
        if (
            call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")
            and call.response
            and call.response.get("ok")
        ):
            where = call.response.get("channel") or call.args.get("channel", "")
            verb = "updated" if call.method == "chat.update" else "posted"
            dm = " (a direct message to you)" if where == f"D{self.user_id}" else ""
            if call.method == "chat.postEphemeral":
                dm = " (only you see it)"
            text = self._render(call.args, {"channel": where, "ts": call.response.get("ts") or call.args.get("ts")})
            self._print(f"\n[bot {verb} in {where}{dm}]\n" + text)
        if call.method in ("views.open", "views.push") and call.response and call.response.get("ok"):
            with self._buttons_lock:
                self.forms.append(call.response["view"]["id"])  # filled in field by field (fill_forms)
        if call.method == "views.update" and call.response and (call.view() or {}).get("type") == "modal":
            shown = call.view() or {}
            if call.response.get("ok") and (shown.get("submit") or any(b["type"] == "input" for b in shown["blocks"])):
                with self._buttons_lock:  # the form goes on (the import's preview, then Confirm import)
                    if call.response["view"]["id"] not in self.filling:  # not a field's change (field_changed)
                        self.forms.append(call.response["view"]["id"])
            else:
                self._print("\n[the form now shows]\n" + render({"blocks": shown.get("blocks", [])}))
        if call.method == "files.completeUploadExternal" and call.response and call.response.get("ok"):
            paths = [self._save_upload(f["id"], f["name"]) for f in call.response["files"]]
            self._print("\n[bot uploaded files, saved here]\n" + "\n".join(f"  {p}" for p in paths))

    def _save_upload(self, file_id: str, filename: str) -> str:
        """An uploaded file, written to ./exports/ (Slack would show it in the conversation)."""
        path = EXPORTS / Path(filename).name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.standin.uploaded_files[file_id]["content"] or b"")
        return str(path.resolve())

    def _on_response(self, post: ResponsePost) -> None:
        """A reply sent to the command's response address: for the channel to see (Share in channel), in place of
        the message a button was on, or only for the officer, as Slack would show it."""
        body = post.body
        if body.get("response_type") == "in_channel":
            where = "[bot posted in the channel, for everyone in it]"
        elif body.get("replace_original"):
            where = "[bot updated the message]"
        elif body.get("delete_original"):
            where = "[bot removed the message]"
        else:
            where = "[bot replied later (only you see it)]"
        self._print(f"\n{where}\n" + self._render(body, {}))

    def _render(self, message: dict[str, Any], where: dict[str, Any]) -> str:
        """Render a message; if it has buttons, they become the ones ``click N`` presses."""
        buttons: list[dict] = []
        text = render(message, buttons)
        with self._buttons_lock:
            replaces_pressed = where.get("ts") and where.get("ts") == self.button_message.get("ts")
            if buttons or replaces_pressed:  # an updated message takes its old buttons away
                self.buttons, self.button_message = buttons, {**where, "text": message.get("text", "")}
        return text

    def click(self, number: str) -> str:
        """Press button N of the last message with buttons, as a signed block_actions interaction."""
        with self._buttons_lock:
            buttons, where = list(self.buttons), dict(self.button_message)
        if not buttons:
            return "There are no buttons to press yet."
        if not number.isdigit() or not 1 <= int(number) <= len(buttons):
            choice = "`click 1`" if len(buttons) == 1 else f"`click 1` to `click {len(buttons)}`"
            return f"Type {choice} to press one of the last message's buttons."
        button = buttons[int(number) - 1]
        action: dict[str, Any] = {
            "type": "button",
            "action_id": button["action_id"],
            "block_id": button["block_id"],
            "text": button.get("text"),
            "value": button.get("value", ""),
            "action_ts": f"{time.time():.6f}",
        }
        if button.get("type") == "overflow":
            action = {**action, "type": "overflow", "selected_option": button["selected"]}
            action.pop("value"), action.pop("text")
        if button.get("confirm") and not self.confirm(button["confirm"]):
            return "Nothing was sent."
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": self.user_id, "username": "console", "name": "console", "team_id": self.standin.team_id},
            "actions": [action],
        }
        if where.get("view"):  # a button on App Home
            payload["container"] = {"type": "view", "view_id": where["view"]["id"]}
            payload["view"] = where["view"]
        elif where.get("channel") and where.get("ts"):
            payload["container"] = {
                "type": "message",
                "message_ts": where["ts"],
                "channel_id": where["channel"],
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": where["channel"], "name": "directmessage"}
            payload["message"] = {"type": "message", "ts": where["ts"], "text": where.get("text", "")}
        else:
            payload["container"] = {
                "type": "message",
                "message_ts": f"{time.time():.6f}",
                "channel_id": "C0STANDIN",
                "is_ephemeral": True,
            }
            payload["channel"] = {"id": "C0STANDIN", "name": "ipslo-team"}
        body, signed = self.standin.interaction(payload, signing_secret=self.signing_secret)
        headers: dict[str, str | Sequence[str]] = dict(signed)
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        self.after_ack.wait_idle()
        if response.status != 200:
            return f"(Slack would show: the button failed, HTTP {response.status})"
        return ""

    def home(self) -> str:
        """The App Home tab, as Slack would show it when the officer opens it; its buttons are pressed with click N."""
        event = {"type": "app_home_opened", "user": self.user_id, "channel": f"D{self.user_id}", "tab": "home"}
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": self.standin.team_id,
                "api_app_id": self.standin.app_id,
                "event_id": f"Ev{time.time_ns()}",
                "event_time": int(time.time()),
                "event": {**event, "event_ts": f"{time.time():.6f}"},
            }
        )
        headers: dict[str, str | Sequence[str]] = dict(sign(body, self.signing_secret))
        self.app.dispatch(BoltRequest(body=body, headers=headers))
        self.after_ack.wait_idle()
        home = next(
            (v for v in self.standin.views.values() if v.get("type") == "home" and v.get("user_id") == self.user_id),
            None,
        )
        if home is None:
            return "(the Home tab could not be shown; see data/console.log)"
        return self._render({"blocks": home["blocks"]}, {"view": home})

    # --- forms, field by field -------------------------------------------------------------------

    def confirm(self, dialog: dict[str, Any]) -> bool:
        """Block Kit's "Are you sure?" before a press goes through."""
        question = dialog.get("text", {}).get("text", "Are you sure?")
        answer = self.ask(f"{question} {dialog.get('confirm', {}).get('text', 'Yes')}? [y/N] ")
        return (answer or "").strip().lower() in ("y", "yes")

    def dispatch(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Post a signed interaction to the app, as Slack would, and return its answer (JSON, or {})."""
        payload = {
            "user": {"id": self.user_id, "username": "console", "name": "console", "team_id": self.standin.team_id},
            **payload,
        }
        body, signed = self.standin.interaction(payload, signing_secret=self.signing_secret)
        headers: dict[str, str | Sequence[str]] = dict(signed)
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        try:
            answer: dict[str, Any] = json.loads(response.body) if response.body else {}
        except ValueError:
            answer = {}
        return answer

    def fill_forms(self) -> None:
        """Every form the bot opened, one field at a time (choices listed, the default in brackets), then submitted
        through the same view_submission listener Slack would call; a refusal asks that field again."""
        while True:
            with self._buttons_lock:
                if not self.forms:
                    return
                view_id = self.forms.pop(0)
            self.fill_form(view_id)
            self.after_ack.wait_idle()

    def fill_form(self, view_id: str) -> None:
        view = self.standin.views[view_id]
        title = (view.get("title") or {}).get("text", "Form")
        asking = [b for b in view["blocks"] if b["type"] == "input"]
        if not asking and not view.get("submit"):  # an answer shown in a modal (a press on App Home): nothing to send
            self._print(f"\n[the bot shows: {title}]\n" + render({"blocks": view["blocks"]}))
            return
        self._print(f"\n[form: {title}] Enter keeps the value in brackets; `cancel` (or `quit`) closes the form.")
        for block in view["blocks"]:
            if block["type"] != "input":
                self._print(render({"blocks": [block]}))
        values: dict[str, Any] = {}
        submit = (view.get("submit") or {}).get("text", "Submit")
        if not asking and (self.ask(f"{submit}? [y/N] ") or "").strip().lower() not in ("y", "yes"):
            self._print(f"[form closed: {title} was not sent]")
            return
        while True:
            position = 0
            while position < len(asking):
                block = asking[position]
                position += 1
                state = self.ask_field(view, block)
                if state is None:
                    self._print(f"[form closed: {title} was not sent]")
                    return
                values[block["block_id"]] = {block["element"]["action_id"]: state}
                if block.get("dispatch_action"):  # Slack tells the app at once ("the visits of this nation")
                    view = self.field_changed(view_id, view, block, state, values)
                    done = {b["block_id"] for b in asking[:position]}
                    asking = asking[:position] + [
                        b for b in view["blocks"] if b["type"] == "input" and b["block_id"] not in done
                    ]
            answer = self.dispatch({"type": "view_submission", "view": {**view, "state": {"values": values}}})
            if answer.get("response_action") == "errors":
                errors = answer.get("errors") or {}
                for block_id, message in errors.items():
                    label = next(
                        (b["label"]["text"] for b in view["blocks"] if b.get("block_id") == block_id), block_id
                    )
                    self._print(f"⚠️ {label}: {message}")
                asking = [b for b in view["blocks"] if b.get("block_id") in errors] or asking
                continue
            if answer.get("response_action") == "update" and answer["view"].get("submit"):
                self.standin.views[view_id].update(answer["view"])  # the form goes on (the import's Confirm import)
                self.fill_form(view_id)
            elif answer.get("response_action") == "update":
                self._print(render({"blocks": answer["view"].get("blocks", [])}))
            return

    def field_changed(
        self, view_id: str, view: dict[str, Any], block: dict[str, Any], state: dict[str, Any], values: dict
    ) -> dict[str, Any]:
        """A field that dispatches its action, answered: the block_actions Slack sends, and the form as the app then
        updates it (a nation chosen lists that nation's visits)."""
        element = block["element"]
        action = {**state, "action_id": element["action_id"], "block_id": block["block_id"]}
        action["action_ts"] = f"{time.time():.6f}"
        with self._buttons_lock:
            self.filling.add(view_id)
        try:
            self.dispatch(
                {
                    "type": "block_actions",
                    "container": {"type": "view", "view_id": view_id},
                    "view": {**view, "state": {"values": values}},
                    "actions": [action],
                }
            )
            self.after_ack.wait_idle()
        finally:
            with self._buttons_lock:
                self.filling.discard(view_id)
        return self.standin.views.get(view_id, view)

    def ask_field(self, view: dict[str, Any], block: dict[str, Any]) -> dict[str, Any] | None:
        """One field's answer as Slack puts it in the form's state; None when the officer closes the form."""
        element, label = block["element"], block["label"]["text"]
        kind = element["type"]
        optional = " (optional)" if block.get("optional") else ""
        while True:
            if kind in ("static_select", "external_select"):
                default = element.get("initial_option")
                if kind == "static_select":
                    options = element.get("options", [])
                    self._print(f"{label}{optional}:")
                    for number, choice in enumerate(options, 1):
                        self._print(f"  {number}. {choice['text']['text']}")
                    prompt = "Choose a number"
                else:
                    prompt = f"{label}{optional} (type a few letters)"
                shown = f" [{default['text']['text']}]" if default else ""
                typed = self.ask(f"{prompt}{shown}: ")
                if typed is None or typed.strip().lower() in CLOSE_FORM:
                    return None
                typed = typed.strip()
                if not typed and (default or block.get("optional")):
                    return {"type": kind, "selected_option": default}
                if not typed:
                    self._print("  Required: choose one.")
                    continue
                chosen = self.choose(view, block, typed) if kind == "external_select" else None
                if kind == "static_select" and typed.isdigit() and 1 <= int(typed) <= len(options):
                    chosen = options[int(typed) - 1]
                if chosen is not None:
                    self._print(f"  → {chosen['text']['text']}")
                    return {"type": kind, "selected_option": chosen}
                self._print(f"  “{typed}” is not one of the choices.")
                continue
            if kind == "file_input":  # the console attaches a file from disk, as Slack would from the computer
                typed = self.ask(f"{label}{optional} (a file path): ")
                if typed is None or typed.strip().lower() in CLOSE_FORM:
                    return None
                path = Path(typed.strip()).expanduser()
                if not path.is_file():
                    self._print(f"  No file at {path}.")
                    continue
                attached = self.standin.add_file(path.name, path.read_bytes(), user=self.user_id)
                return self.standin.file_input_state(attached)
            keys = {
                "datepicker": ("selected_date", "initial_date", "YYYY-MM-DD"),
                "timepicker": ("selected_time", "initial_time", "HH:MM"),
                "users_select": ("selected_user", "initial_user", "a member ID"),
            }
            key, initial, form = keys.get(kind, ("value", "initial_value", ""))
            default = element.get(initial)
            shown = f" [{self.names.get(default, default) if kind == 'users_select' else default}]" if default else ""
            typed = self.ask(f"{label}{optional}{f' ({form})' if form else ''}{shown}: ")
            if typed is None or typed.strip().lower() in CLOSE_FORM:
                return None
            typed = typed.strip() if kind != "plain_text_input" else typed.rstrip("\n")
            if not typed and not default and not block.get("optional"):
                self._print("  Required.")
                continue
            if not typed:
                return {"type": kind, key: default}
            if kind == "datepicker":  # Slack's calendar offers real days only
                # "today", "tomorrow", "in 3 days" count from the officer's today, not from the date the form
                # suggests nor the machine's clock
                picked, refused = picked_date(typed, today=dt.datetime.now(self.tz).date())
                if picked is None:
                    self._print(f"  {refused}")
                    continue
                if picked != typed:
                    self._print(f"  → {picked}")
                typed = picked
            clock = re.fullmatch(r"(\d{1,2}):(\d{2})", typed) if kind == "timepicker" else None
            if kind == "timepicker" and not (clock and int(clock[1]) <= 23 and int(clock[2]) <= 59):
                # Slack's list offers 00:00 to 23:59 only: "25:00" is asked again here, as "2027-04-31" is
                self._print(
                    f"  “{typed}” isn't a time of day: type the time as HH:MM, from 00:00 to 23:59, e.g. 09:30."
                )
                continue
            if kind == "timepicker":
                typed = typed.zfill(5)
            return {"type": kind, key: typed}

    def choose(self, view: dict[str, Any], block: dict[str, Any], typed: str) -> dict[str, Any] | None:
        """A type-ahead menu: what the bot offers for ``typed`` (a block_suggestion), the first or one picked."""
        answer = self.dispatch(
            {
                "type": "block_suggestion",
                "action_id": block["element"]["action_id"],
                "block_id": block["block_id"],
                "value": typed,
                "container": {"type": "view", "view_id": view["id"]},
                "view": view,
            }
        )
        options = answer.get("options") or []
        if len(options) <= 1:
            return options[0] if options else None
        shown = options[:9]
        for number, choice in enumerate(shown, 1):
            self._print(f"  {number}. {choice['text']['text']}")
        picked = (self.ask(f"Choose 1-{len(shown)} [1]: ") or "").strip() or "1"
        return shown[int(picked) - 1] if picked.isdigit() and 1 <= int(picked) <= len(shown) else None

    def send(self, line: str) -> str:
        """Type one line as the officer; the bot's immediate answer comes back as text."""
        line = line.strip()
        if line.lower().startswith("click"):
            return self.click(line[5:].strip())
        if line.isdigit() and self.buttons:  # "2" under [1 Share] [2 Plan a visit]: the button, as a click
            return self.click(line)
        if line.lower() in ("home", "/home"):
            return self.home()
        command, _, text = line.partition(" ")
        if not command.startswith("/"):
            command, text = "/ipslo", line
        if command != "/ipslo":
            return f"This app has one command, /ipslo (you typed {command}). Try `/ipslo help`."
        body, signed = self.standin.slash_command(
            command=command, text=text, user_id=self.user_id, signing_secret=self.signing_secret
        )
        headers: dict[str, str | Sequence[str]] = dict(signed)
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        self.after_ack.wait_idle()
        if response.status != 200:
            return f"(Slack would show: the command failed, HTTP {response.status})"
        if not response.body:
            return ""
        try:
            message = json.loads(response.body)
        except ValueError:
            return response.body
        shown = self._render(message, {})
        if message.get("response_type") == "in_channel":  # "status fiji share": Slack posts it for the channel
            return "[posted in the channel, for everyone in it]\n" + shown
        return shown


def run_console(
    *,
    settings: Settings,
    database: Database,
    admin: bool,
    user_id: str,
    tz: str | None,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
) -> int:
    log_file = Path("data") / "console.log"  # the bot's own log, kept out of the conversation
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    interactive = stdin.isatty()

    def ask(prompt: str) -> str | None:
        """One answer at a form's prompt: typed at the terminal, or the next piped line (echoed)."""
        if interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        answer = stdin.readline()
        if not answer:
            return None
        print(f"{prompt}{answer.rstrip(chr(10))}", file=out, flush=True)
        return answer.rstrip("\n")

    console = Console(settings=settings, database=database, user_id=user_id, admin=admin, tz=tz, out=out, ask=ask)
    try:
        if interactive:
            try:
                import readline  # noqa: F401  (line editing and history at the prompt)
            except ImportError:
                pass
            print(
                WELCOME
                + (
                    "\nYou are an admin here."
                    if admin
                    else "\nTo try admin commands such as assess, start it as `python -m bot console --admin`."
                ),
                file=out,
            )
        while True:
            if interactive:
                try:
                    line = input(PROMPT)
                except EOFError:
                    print(file=out)
                    break
            else:
                line = stdin.readline()
                if not line:
                    break
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.lower() in ("quit", "exit", "/quit", "/exit"):
                break
            if not interactive:
                print(f"{PROMPT}{line}", file=out)
            print(console.send(line), file=out, flush=True)
            console.fill_forms()
            if not interactive:
                print(file=out)
    except KeyboardInterrupt:
        print(file=out)
    finally:
        console.close()
    return 0
