"""The Bolt app: one app for Slack, GovSlack, the console and the tests. Wiring only: the runtime lives in
``bot/runtime.py``, each domain's listeners in ``bot/<domain>.py`` with a ``register(app, bot)``."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, cast

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot import calendar, coe, forms, home, import_form, knowledge, notes, options, reminders, visits
from bot.runtime import COMMAND, Bot, Database, failure_reply, open_database, slack_client
from bot.settings import Settings
from bot.views import Style, Views
from commands import ipslo
from storage.db import utcnow

__all__ = ["COMMAND", "Bot", "Database", "create_app", "open_database", "slack_client"]


class CommandsFirst:
    """The app as each domain's ``register`` sees it: slash-command listeners and middleware are added at once, every
    other listener (buttons, forms, shortcuts, events, type-ahead) once the general ``/ipslo`` listener is in place.

    Bolt tries listeners in the order they were added and runs the first whose matchers fit; each matcher it tries
    builds its keyword arguments first. With every button's listener ahead of it, a ``/ipslo`` command was tried
    against 43 listeners, about half of its time in the process; now only against the command listeners. Buttons,
    forms and events never match a command (nor a command theirs), so their order relative to commands is free."""

    LATER = frozenset(
        {
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
        self._later: list[tuple[str, tuple, dict, tuple, dict]] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._app, name)
        if name not in self.LATER:
            return attribute

        def listener(*args: Any, **kwargs: Any) -> Callable[..., Any]:
            def add(*functions: Any, **options: Any) -> Any:
                self._later.append((name, args, kwargs, functions, options))
                return functions[0] if functions else None

            return add

        return listener

    def add_the_rest(self) -> None:
        for name, args, kwargs, functions, keywords in self._later:
            getattr(self._app, name)(*args, **kwargs)(*functions, **keywords)
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
    app.use(bot.identify_officer)

    # Each domain's buttons, modals, shortcuts and special forms of /ipslo: register(app, bot) in bot/<domain>.py.
    # Bolt runs the first listener whose matchers fit, so the special forms come before the general /ipslo listener
    # below; everything that is not a command is added after it (CommandsFirst).
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

    @app.command(COMMAND)
    def on_ipslo(ack: Ack, command: dict, context: BoltContext) -> None:
        text = command.get("text", "")
        verb = text.split()[0].lower()[:20] if text.split() else "help"  # never log what the officer wrote
        reply = bot.run(lambda inv: ipslo.run(inv, text), context["caller"], f"/ipslo {verb}", repeat=text)
        ack(**bot.views.message(reply))

    domains.add_the_rest()

    @app.error
    def on_error(error: Exception, body: dict, logger: logging.Logger) -> BoltResponse:
        """Log it with a reference; a slash command gets a reply it can show, anything else a plain 200."""
        reference = uuid.uuid4().hex[:8]
        logger.exception("Unhandled error (reference %s): %s", reference, error)
        if not body.get("command"):  # buttons, forms, events: Slack shows no message body, and forms refuse one
            return BoltResponse(status=200, body="")
        reply = failure_reply(reference)
        return BoltResponse(
            status=200, body=json.dumps(bot.views.message(reply)), headers={"content-type": "application/json"}
        )

    return app
