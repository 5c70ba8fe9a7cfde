"""Reminders on Slack: delivering one as a direct message with Done and Snooze buttons, the buttons' listener, and looking up officers named in a command."""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import views
from bot.app import Bot
from commands import reminders
from commands.language import Reply
from storage import reminders as store
from storage.db import utcnow

log = logging.getLogger("ipslo.reminders")

#: A reminder sent more than this after its time is marked late (it fell due while the bot was down or busy).
LATE_AFTER = dt.timedelta(minutes=1)

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

#: Slack's error codes for a direct message that can never arrive, in the officers' words.
PERMANENT_ERRORS = {
    "user_not_found": "Slack does not know this member (user_not_found)",
    "user_disabled": "the member's Slack account is deactivated (user_disabled)",
    "users_not_found": "Slack does not know this member (users_not_found)",
    "channel_not_found": "the conversation was not found (channel_not_found)",
    "is_archived": "the channel is archived (is_archived)",
    "not_in_channel": "the bot is not in the channel (not_in_channel)",
    "cannot_dm_bot": "the member is a bot (cannot_dm_bot)",
    "invalid_auth": "the bot's Slack token is not valid (invalid_auth)",
    "account_inactive": "the bot's Slack token was revoked (account_inactive)",
    "missing_scope": "the Slack app lacks a permission (missing_scope: add im:write and chat:write)",
}


def slack_message(reply: Reply) -> dict[str, Any]:
    """``chat.postMessage`` / ``chat.update`` arguments for a reply (no ``response_type``: that is for responses)."""
    message = views.message(reply)
    message.pop("response_type", None)
    return message


def failure_reason(error: SlackApiError) -> str:
    code = str(error.response.get("error") or error.response.status_code)
    return PERMANENT_ERRORS.get(code, f"Slack answered {code}")


def deliver(bot: Bot, reminder_id: int, *, worker: str) -> str | None:
    """Claim one due reminder and send it by direct message; returns the state it ended in, or None if another process had it."""
    sessions = bot.database.sessions
    now = utcnow()
    with sessions.begin() as session:
        if not store.claim(session=session, reminder_id=reminder_id, claimed_by=worker, now=now):
            return None
        owner = store.get_reminder(session=session, reminder_id=reminder_id).owner_user_id
    with sessions() as session:
        reminder = store.get_reminder(session=session, reminder_id=reminder_id)
        try:
            tz = bot.caller_for(owner).tz
            late = now - reminder.due_at > LATE_AFTER
            reply = reminders.reminder_message(session=session, reminder=reminder, tz=tz, now=now, late=late)
            channel = bot.client.conversations_open(users=owner)["channel"]["id"]
            posted = bot.client.chat_postMessage(channel=channel, **slack_message(reply))
            store.mark_delivered(session=session, reminder=reminder, channel=posted["channel"], message_ts=posted["ts"],
                                 sent_at=utcnow(), late=late)
        except SlackApiError as error:
            reason = failure_reason(error)
            log.warning("Reminder %s to %s failed: %s", reminder_id, owner, reason)
            store.mark_failed(session=session, reminder=reminder, reason=reason)
        except Exception as error:  # Slack unreachable after the retries, or a bug: say so, never drop it silently
            log.exception("Reminder %s to %s failed", reminder_id, owner)
            session.rollback()
            reminder = store.get_reminder(session=session, reminder_id=reminder_id)
            store.mark_failed(session=session, reminder=reminder, reason=f"could not send it: {error.__class__.__name__}")
        session.commit()
        return reminder.state


def register(app: App, bot: Bot) -> None:
    @app.use
    def remember_mentioned_officers(body: dict, next: Any) -> Any:
        """Before a command runs, cache the Slack profile (time zone) of everyone it mentions, e.g. ``lead @kim``."""
        if body.get("command"):
            for user_id in dict.fromkeys(MENTION.findall(body.get("text") or "")):
                bot.caller_for(user_id)
        return next()

    @app.action(re.compile("^" + re.escape(reminders.ACTION_PREFIX)))
    def on_reminder_button(ack: Any, body: dict, action: dict, context: Any, respond: Any) -> None:
        ack()
        verb = action["action_id"][len(reminders.ACTION_PREFIX):]
        reminder_id = action.get("value", "")
        reply = bot.run(lambda inv: reminders.press(inv, reminder_id, verb), context["caller"], f"reminder button {verb}")
        if reply.refused:
            respond(**views.message(reply), replace_original=False)
            return
        container = body["container"]  # the reminder message the button is on
        bot.client.chat_update(channel=container["channel_id"], ts=container["message_ts"], **slack_message(reply))
