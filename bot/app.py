"""The Bolt app: one app for Slack, GovSlack, the console and the tests. Wiring only: the runtime lives in
``bot/runtime.py``, each domain's listeners in ``bot/<domain>.py`` with a ``register(app, bot)``."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Executor

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot import calendar, coe, forms, home, import_form, knowledge, notes, options, reminders, visits
from bot.runtime import COMMAND, Bot, Database, failure_reply, open_database, slack_client
from bot.settings import Settings
from bot.views import Style, Views
from commands import ipslo
from storage.db import utcnow

__all__ = ["COMMAND", "Bot", "Database", "create_app", "open_database", "slack_client"]


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
    # Bolt runs the first listener whose matchers fit, so these come before the general /ipslo listener below.
    calendar.register(app, bot)
    import_form.register(app, bot)  # `/ipslo export all`: before notes, whose `/ipslo export` would take it
    reminders.register(app, bot)
    home.register(app, bot)
    notes.register(app, bot)
    visits.register(app, bot)
    forms.register(app, bot)
    knowledge.register(app, bot)
    coe.register(app, bot)
    options.register(app)  # the nation type-ahead of every form

    @app.command(COMMAND)
    def on_ipslo(ack: Ack, command: dict, context: BoltContext) -> None:
        text = command.get("text", "")
        verb = text.split()[0].lower()[:20] if text.split() else "help"  # never log what the officer wrote
        reply = bot.run(lambda inv: ipslo.run(inv, text), context["caller"], f"/ipslo {verb}", repeat=text)
        ack(**bot.views.message(reply))

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
