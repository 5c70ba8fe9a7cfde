"""The Bolt app: one app for Slack, GovSlack, the console and the tests. Wiring only: the runtime lives in
``bot/runtime.py``, each domain's listeners in ``bot/<domain>.py`` with a ``register(app, bot)``."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, cast

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot import calendar, coe, forms, home, import_form, knowledge, notes, options, reminders, visits
from bot.middleware import out_of_date, refuse_stale
from bot.runtime import COMMAND, Bot, Database, Direct, failure_reply, open_database, slack_client
from bot.settings import Settings
from bot.views import Style, Views
from commands import ipslo
from storage.db import utcnow

__all__ = ["COMMAND", "Bot", "Database", "create_app", "open_database", "slack_client"]


class CommandsFirst:
    """The app as each domain's ``register`` sees it: middleware is added at once; listeners are kept and added by
    :meth:`add_all`, after the general ``/ipslo`` listener.

    Bolt tries listeners in the order they were added and runs the first whose matchers fit; each matcher it tries
    builds its keyword arguments first (about 5 µs). The general listener goes first and is matched only when none of
    the special forms' matchers fits (they are plain functions of the body, called here directly: :meth:`special`);
    the special forms follow in the order they were registered, so the first that fits still wins; buttons, forms,
    shortcuts, events and type-ahead come last (they never match a command, nor a command theirs). A command is
    tried against one listener, not ten (and, before the buttons went last, 43)."""

    LISTENERS = frozenset(
        {
            "command",
            "action",
            "block_action",
            "view",
            "view_submission",
            "view_closed",
            "shortcut",
            "global_shortcut",
            "message_shortcut",
            "options",
            "block_suggestion",
            "event",
            "message",
        }
    )

    def __init__(self, app: App):
        self._app = app
        self._commands: list[tuple[tuple, dict, tuple, dict]] = []
        self._later: list[tuple[str, tuple, dict, tuple, dict]] = []
        self._forms: list[Callable[[dict], bool]] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._app, name)
        if name not in self.LISTENERS:
            return attribute

        def listener(*args: Any, **kwargs: Any) -> Callable[..., Any]:
            if name == "command":
                matchers: list = list(kwargs.get("matchers") or ())
                if args[:1] != (COMMAND,) or len(matchers) != 1 or len(inspect.signature(matchers[0]).parameters) != 1:
                    raise ValueError("a special form of /ipslo is /ipslo with one matcher of the body")
                self._forms.append(matchers[0])

            def add(*functions: Any, **options: Any) -> Any:
                if name == "command":
                    self._commands.append((args, kwargs, functions, options))
                else:
                    self._later.append((name, args, kwargs, functions, options))
                return functions[0] if functions else None

            return add

        return listener

    def special(self, body: dict) -> bool:
        """Whether a special form of ``/ipslo`` (a form, an export) takes this command."""
        return any(matches(body) for matches in self._forms)

    def add_all(self, general: Callable[..., None]) -> None:
        """The general ``/ipslo`` listener (for what no special form takes), the special forms, then the rest."""
        self._app.command(COMMAND, matchers=[lambda body: not self.special(body)])(general)
        for args, kwargs, functions, keywords in self._commands:
            self._app.command(*args, **kwargs)(*functions, **keywords)
        for name, args, kwargs, functions, keywords in self._later:
            getattr(self._app, name)(*args, **kwargs)(*functions, **keywords)
        self._commands.clear()
        self._later.clear()


def create_app(
    *,
    settings: Settings,
    database: Database,
    client: WebClient | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    listener_executor: Executor | None = None,
    style: Style | None = None,
) -> App:
    """The app; ``style`` draws replies (Slack's mrkdwn unless told otherwise: the console asks for plain text)."""
    client = client or slack_client(settings)
    app = App(
        # Bolt's loggers are named after the app ("app.py:..."); named here, Bolt does not walk the whole call stack
        # (inspect.stack() reads the source of every frame) each time an app is made.
        name="app.py",
        listener_executor=listener_executor,  # runs lazy listeners (work after the ack); the console waits on it
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        process_before_response=True,  # answer in the request thread: no 10 ms polling for ack()
        request_verification_enabled=bool(settings.slack_signing_secret),
        token_verification_enabled=False,  # auth.test is called once, lazily, on the first request
        raise_error_for_unhandled_request=False,
    )
    bot = Bot(settings=settings, database=database, client=client, clock=clock, views=Views(style))
    app.use(Direct(bot.identify_officer))
    app.use(Direct(refuse_stale(client)))  # a button's value or a form's metadata we did not write: "out of date"

    # Each domain's buttons, modals, shortcuts and special forms of /ipslo: register(app, bot) in bot/<domain>.py.
    # Bolt runs the first listener whose matchers fit: the general /ipslo listener below is added first and takes
    # what no special form takes, then the special forms, then everything that is not a command (CommandsFirst).
    domains = CommandsFirst(app)
    as_app = cast(App, domains)  # the same registration calls as App's
    calendar.register(as_app, bot)
    import_form.register(as_app, bot)  # `/ipslo export all`: before notes, whose `/ipslo export` would take it
    reminders.register(as_app, bot)
    home.register(as_app, bot)
    notes.register(as_app, bot)
    visits.register(as_app, bot)
    forms.register(as_app, bot)
    knowledge.register(as_app, bot)
    coe.register(as_app, bot)
    options.register(as_app)  # the nation type-ahead of every form

    def on_ipslo(ack: Ack, command: dict, context: BoltContext) -> None:
        text = command.get("text", "")
        verb = text.split()[0].lower()[:20] if text.split() else "help"  # never log what the officer wrote
        reply = bot.run(
            lambda inv: ipslo.run(inv, text),
            context["caller"],
            f"/ipslo {verb}",
            repeat=text,
            reads_only=ipslo.reads_only(text),
            kept_as=text if ipslo.kept(text) else None,
        )
        ack(**bot.views.message(reply))

    domains.add_all(on_ipslo)

    @app.error
    def on_error(error: Exception, body: dict, logger: logging.Logger) -> BoltResponse:
        """The last of the one error boundary (``Bot.run`` is the first): what escaped a listener or a middleware.

        A button's or form's listener that cannot read what it was sent (a value error, a missing key: a value or
        metadata we did not write) says the button or form is out of date, with one warning line naming where, and
        no traceback. Anything else is our failure: logged with a reference; a slash command gets a reply it can
        show, anything else a plain 200."""
        if not body.get("command") and isinstance(error, ValueError | KeyError):
            frames = traceback.extract_tb(error.__traceback__)
            where = f" at {'/'.join(frames[-1].filename.split('/')[-2:])}:{frames[-1].lineno}" if frames else ""
            part = "form" if body.get("type") in ("view_submission", "view_closed") else "button"
            return out_of_date(client, body, part, f"{type(error).__name__}{where} reading it")
        reference = uuid.uuid4().hex[:8]
        logger.exception("Unhandled error (reference %s): %s", reference, error)
        if not body.get("command"):  # buttons, forms, events: Slack shows no message body, and forms refuse one
            return BoltResponse(status=200, body="")
        reply = failure_reply(reference)
        return BoltResponse(
            status=200, body=json.dumps(bot.views.message(reply)), headers={"content-type": "application/json"}
        )

    return app
