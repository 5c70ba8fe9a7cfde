"""The App Home tab: the officer's desk, published when they open it and again after any change they make from any
surface (a command, a form, a button on the tab, a reminder's Done in a direct message), so it never shows a visit
cancelled a minute ago. Its buttons and menus open the same forms as the commands (bot/visits.py, bot/forms.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk.errors import SlackApiError
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from bot.runtime import Bot, Direct
from bot.views import people_named
from commands.home import desk

log = logging.getLogger("ipslo")

MAX_HOME_BLOCKS = 100

WROTE = "ipslo.wrote"  # in session.info: the transaction changed something

_publishing: dict[tuple[int, str], threading.Lock] = {}  # by (runtime, officer): one app never waits on another
_publishing_guard = threading.Lock()


def home_view(bot: Bot, user_id: str) -> dict[str, Any]:
    reply = bot.run(desk, bot.caller_for(user_id), "App Home")
    return {"type": "home", "blocks": bot.views.blocks(reply, limit=MAX_HOME_BLOCKS)}


def publish(bot: Bot, user_id: str) -> None:
    """Build the officer's desk and publish it to their Home tab (one publish at a time per officer, newest last)."""
    with _publishing_guard:
        lock = _publishing.setdefault((id(bot), user_id), threading.Lock())
    with lock:
        try:
            bot.client.views_publish(user_id=user_id, view=home_view(bot, user_id))
        except SlackApiError as error:
            log.warning("views.publish failed for %s: %s", user_id, error.response.get("error"))
        except Exception:
            log.exception("App Home for %s could not be published", user_id)


def touched(body: dict) -> set[str]:
    """Whose desks a request may change: the officer's, and everyone it names (a lead, a follow-up's owner)."""
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    if body.get("type") in ("block_suggestion", "event_callback", "view_closed") or not user:
        return set()
    people = {user, *people_named(body.get("text") or "")}
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    people |= {e.get("selected_user") for block in values.values() for e in block.values() if isinstance(e, dict)}
    return {p for p in people if p}


class DeskRefresher:
    """Publishes the desks a request touched once its change is committed, in the background.

    The middleware notes whose desks the request may touch (in this thread); the session events note whether the
    request's transaction wrote anything (an ORM flush, or a guarded UPDATE such as a reminder's Done); after that
    commit the desks are published by the app's listener executor, so Slack's answer never waits for them."""

    def __init__(self, bot: Bot, submit: Callable[..., Any]):
        self.bot, self.submit = bot, submit
        self.local = threading.local()
        self.queued: set[str] = set()
        sessions = bot.database.sessions
        if getattr(sessions, "ipslo_desks", None) is None:
            event.listen(sessions, "after_flush", wrote)
            event.listen(sessions, "do_orm_execute", executed)
            event.listen(sessions, "after_rollback", rolled_back)
            event.listen(sessions, "after_commit", lambda session: committed(sessions, session))
        sessions.ipslo_desks = self  # type: ignore[attr-defined]  # the newest app on this database refreshes

    def note(self, body: dict, context: Any, next: Callable[[], BoltResponse]) -> BoltResponse:
        """Middleware: whose desks this request may touch (read by the commit in this thread)."""
        self.local.people = touched(body) if "caller" in context else set()
        return next()

    def after_commit(self) -> None:
        people = getattr(self.local, "people", None)
        if people:
            self.local.people = set()
            for user_id in sorted(people):
                self.refresh(user_id)

    def refresh(self, user_id: str) -> None:
        """Publish the officer's desk soon; a burst of changes (thirty notes in a row) queues one publish, not
        thirty, so the work officers wait for (a More page, a form's answer) is never stuck behind them."""
        with _publishing_guard:
            if user_id in self.queued:
                return
            self.queued.add(user_id)
        self.submit(self.publish_queued, user_id)

    def publish_queued(self, user_id: str) -> None:
        with _publishing_guard:
            self.queued.discard(user_id)  # a change from now on queues another publish, which reads it
        publish(self.bot, user_id)


def wrote(session: Session, *args: Any) -> None:
    session.info[WROTE] = True


def executed(state: ORMExecuteState) -> None:
    if state.is_update or state.is_insert or state.is_delete:
        state.session.info[WROTE] = True


def rolled_back(session: Session) -> None:
    session.info.pop(WROTE, None)


def committed(sessions: Any, session: Session) -> None:
    if session.info.pop(WROTE, False):
        sessions.ipslo_desks.after_commit()


def register(app: App, bot: Bot) -> None:
    def acknowledge(ack: Any) -> None:
        ack()

    def publish_desk(event: dict, context: Any) -> None:
        """After the ack (a lazy listener): build the desk and publish it to the officer's Home tab."""
        if event.get("tab") not in (None, "home") or "caller" not in context:
            return
        publish(bot, event["user"])

    refresher = DeskRefresher(bot, app.listener_runner.listener_executor.submit)
    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_desk])
    app.use(Direct(refresher.note))
