"""Reminders on Slack: delivering one as a direct message with Done and Snooze buttons, the buttons' listener, and
looking up officers named in a command."""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import re
import socket
import threading
import urllib.error
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import observability
from bot.runtime import Bot, Direct
from bot.views import SLACK, Views, people_named
from commands import reminders
from commands.language import Reply
from storage import reminders as store
from storage.db import utcnow

log = logging.getLogger("ipslo.reminders")

#: A reminder sent more than this after its time is marked late (it fell due while the bot was down or busy).
LATE_AFTER = dt.timedelta(minutes=1)


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
    "missing_scope": "the Slack app lacks a permission (missing_scope: add im:write, im:history and chat:write)",
}


def slack_message(reply: Reply, views: Views = SLACK) -> dict[str, Any]:
    """``chat.postMessage`` / ``chat.update`` arguments for a reply (no ``response_type``: that is for responses)."""
    message = views.message(reply)
    message.pop("response_type", None)
    return message


def failure_reason(error: SlackApiError) -> str:
    code = str(error.response.get("error") or error.response.status_code)
    return PERMANENT_ERRORS.get(code, f"Slack answered {code}")


#: Slack's answers that mean "not now" rather than "never": the message is tried again.
TEMPORARY_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
#: The first wait after a temporary failure; it doubles with each attempt up to RETRY_MOST.
RETRY_FIRST = dt.timedelta(seconds=15)
RETRY_MOST = dt.timedelta(minutes=10)
#: Marks a reminder's message so that a retry can see whether Slack took an earlier attempt after all.
METADATA_EVENT = "ipslo_reminder"
#: How long one Web API call to Slack may take before the scheduler stops waiting for its answer (seconds).
REQUEST_TIMEOUT = 20
#: Pages of a conversation's history read before a retry (each of up to HISTORY_PAGE messages).
HISTORY_PAGES = 5
HISTORY_PAGE = 200


def unanswered(error: Exception) -> bool:
    """Whether ``error`` leaves open that Slack is still carrying the post out: the request went and no answer came
    (the client stopped waiting, the connection dropped after sending, or Slack's edge gave up waiting: 504).

    Slack may then post the message after the failure, so a retry must not look for it too soon.
    """
    if isinstance(error, SlackApiError):
        return error.response.status_code == 504
    if isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError):
        reason = error.reason
        return isinstance(reason, Exception) and unanswered(reason)
    if isinstance(error, ConnectionRefusedError):
        return False  # never reached Slack
    return isinstance(
        error, TimeoutError | socket.timeout | http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError
    )


def landing_wait(client: Any) -> dt.timedelta:
    """How long after an unanswered post a retry waits before it looks for that post in the conversation: the request
    timeout again plus as much margin, so a post Slack carried out slowly (as slowly as the timeout, and more) has
    landed and is seen rather than sent a second time."""
    timeout = float(getattr(client, "timeout", None) or REQUEST_TIMEOUT)
    return dt.timedelta(seconds=2 * timeout)


def find_marked(
    client: Any, channel: str, *, oldest: dt.datetime, event_type: str, match: dict[str, str]
) -> dict[str, Any] | None:
    """The message in ``channel`` since ``oldest`` whose metadata is ``event_type`` with ``match`` in its payload (an
    earlier attempt Slack took though its answer was lost), or None. Reads back a few pages of history."""
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        history = client.conversations_history(
            channel=channel,
            oldest=f"{oldest.timestamp():.6f}",
            include_all_metadata=True,
            limit=HISTORY_PAGE,
            **({"cursor": cursor} if cursor else {}),
        )
        for message in history.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == event_type and all(
                str(payload.get(key)) == value for key, value in match.items()
            ):
                return {"channel": channel, "ts": message["ts"]}
        cursor = ((history.get("response_metadata") or {}).get("next_cursor")) or None
        if not history.get("has_more") or not cursor:
            return None
    return None


def temporary_failure(error: Exception) -> tuple[str, dt.timedelta] | None:
    """(reason, least wait) when ``error`` means Slack could not take the message just now; None when it never will."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = str(error.response.get("error") or "")
        if status == 429 or code == "ratelimited":
            try:
                wait = float(error.response.headers.get("Retry-After") or error.response.headers.get("retry-after"))
            except (TypeError, ValueError):
                wait = 0.0
            return f"Slack is rate limiting the bot (429, retry after {wait:.0f}s)", dt.timedelta(seconds=wait)
        if status >= 500:
            return f"Slack answered {status}", dt.timedelta(0)
        if code in TEMPORARY_ERRORS:
            return f"Slack answered {code}", dt.timedelta(0)
        return None
    if isinstance(error, TimeoutError | socket.timeout):
        return "Slack did not answer in time", dt.timedelta(0)
    if isinstance(error, OSError | http.client.HTTPException):  # URLError, refused, reset, DNS
        return f"Slack could not be reached ({error.__class__.__name__})", dt.timedelta(0)
    return None


def _marker(reminder_id: int, due_at: dt.datetime) -> dict[str, Any]:
    """The metadata every post of one reminder carries, the same on every attempt: this reminder at this time (a
    snoozed reminder's earlier message is not this one)."""
    return {"event_type": METADATA_EVENT, "event_payload": {"reminder_id": reminder_id, "due_at": due_at.isoformat()}}


def _already_sent(bot: Bot, channel: str, reminder: store.Reminder) -> dict[str, Any] | None:
    """The message an earlier attempt posted for this reminder, if Slack took it though its answer was lost."""
    return find_marked(
        bot.client,
        channel,
        oldest=reminder.due_at - dt.timedelta(seconds=5),  # a claim may come a second early
        event_type=METADATA_EVENT,
        match={"reminder_id": str(reminder.id)},
    )


def deliver(
    bot: Bot,
    reminder_id: int,
    *,
    worker: str,
    retry_first: dt.timedelta = RETRY_FIRST,
    stopping: threading.Event | None = None,
) -> str | None:
    """Claim one due reminder and send it by direct message; the state it ended in, or None if another process had it.

    No database session is held across a network call: the claim, the message, and the outcome are each short.
    Slack down, busy or unreachable: tried again with a growing wait until the grace period ends (then missed);
    only a refusal that will not change (an unknown member, a revoked token) fails it at once. Every attempt's post
    carries the same marker (:func:`_marker`), and a retry first looks in the direct message for it, so a message
    Slack took is never sent twice; after a post that got no answer (Slack slow, the answer lost) the retry waits
    :func:`landing_wait`, long enough for that post to have landed, before it looks.
    """
    sessions = bot.database.sessions
    now = utcnow()
    with sessions.begin() as session:
        if not store.claim(session=session, reminder_id=reminder_id, claimed_by=worker, now=now):
            return None
        claimed = session.get_one(store.Reminder, reminder_id)
        owner, attempts, retrying = claimed.owner_user_id, claimed.attempts, claimed.next_attempt_at is not None
        due_at = claimed.due_at
    channel: str | None = None
    posting = False  # chat.postMessage was called: Slack may have the message even if no answer came
    try:
        tz = bot.caller_for(owner).tz  # may ask Slack, and opens its own session
        with sessions() as session:
            reminder = session.get_one(store.Reminder, reminder_id)
            late = now - reminder.due_at > LATE_AFTER
            reply = reminders.reminder_message(session=session, reminder=reminder, tz=tz, now=now, late=late)
        if stopping is not None and stopping.is_set():  # the process is stopping: not sent, so given back
            with sessions.begin() as session:
                store.release_claim(session=session, reminder_id=reminder_id, worker=worker)
            log.info("Reminder %s given back unsent: this process is stopping", reminder_id)
            return store.PENDING
        channel = bot.client.conversations_open(users=owner)["channel"]["id"]
        posted = _already_sent(bot, channel, reminder) if retrying else None
        if posted is None:
            posting = True
            answer = bot.client.chat_postMessage(
                channel=channel, metadata=_marker(reminder_id, due_at), **slack_message(reply, bot.views)
            )
            posted = {"channel": answer["channel"], "ts": answer["ts"]}
        else:
            log.info("Reminder %s had reached Slack on an earlier attempt; not sent again", reminder_id)
    except Exception as error:
        temporary = temporary_failure(error)
        if temporary is not None:
            reason, least = temporary
            wait = max(least, min(retry_first * 2 ** max(attempts - 1, 0), RETRY_MOST))
            if posting and unanswered(error):
                # Slack may still be posting it: the retry looks in the conversation only once it would have landed.
                wait = max(wait, landing_wait(bot.client))
            # From Slack's answer, not from the claim: Retry-After counts from the 429, and the calls before it
            # (the officer's time zone, opening the DM) may have taken a while.
            return _retry(bot, reminder_id, worker, reason, utcnow() + wait, channel)
        if isinstance(error, SlackApiError):
            reason = failure_reason(error)
            log.warning("Reminder %s to %s failed: %s", reminder_id, owner, reason)
            return _failed(bot, reminder_id, worker, reason)
        log.exception("Reminder %s to %s failed", reminder_id, owner)  # a bug: say so, never drop it silently
        return _failed(bot, reminder_id, worker, f"could not send it: {error.__class__.__name__}")
    # Slack has it now: whatever happens next, it is not a failed reminder.
    try:
        with sessions.begin() as session:
            if store.mark_delivered(
                session=session,
                reminder_id=reminder_id,
                worker=worker,
                channel=posted["channel"],
                message_ts=posted["ts"],
                sent_at=utcnow(),
                late=late,
            ):
                observability.delivery_sent((utcnow() - due_at).total_seconds())
                return store.LATE if late else store.SENT
            log.warning("Reminder %s was sent, but its claim had been taken back meanwhile", reminder_id)
            return session.get_one(store.Reminder, reminder_id).state
    except Exception:
        log.exception(
            "Reminder %s was sent to %s (channel %s, ts %s) but recording it failed",
            reminder_id,
            owner,
            posted.get("channel"),
            posted.get("ts"),
        )
        return store.CLAIMED


def _retry(bot: Bot, reminder_id: int, worker: str, reason: str, at: dt.datetime, channel: str | None) -> str:
    """A temporary failure: try again at ``at``, or, past the grace period, mark it missed with Slack's last answer."""
    with bot.database.sessions.begin() as session:
        reminder = session.get_one(store.Reminder, reminder_id)
        if at > reminder.due_at + bot.settings.reminder_grace:
            log.warning("Reminder %s missed: %s until its grace period ended", reminder_id, reason)
            observability.delivery_failed("missed")
            store.mark_failed(session=session, reminder_id=reminder_id, worker=worker, reason=reason, missed=True)
        else:
            log.warning("Reminder %s not sent (%s); trying again at %s", reminder_id, reason, f"{at:%H:%M:%S}")
            observability.delivery_retried("temporary")
            store.mark_retrying(
                session=session,
                reminder_id=reminder_id,
                worker=worker,
                reason=reason,
                next_attempt_at=at,
                channel=channel,
            )
        session.refresh(reminder)
        return reminder.state


def _failed(bot: Bot, reminder_id: int, worker: str, reason: str) -> str:
    observability.delivery_failed("refused")
    with bot.database.sessions.begin() as session:
        store.mark_failed(session=session, reminder_id=reminder_id, worker=worker, reason=reason)
        return session.get_one(store.Reminder, reminder_id).state


def register(app: App, bot: Bot) -> None:
    def remember_mentioned_officers(body: dict, next: Any) -> Any:
        """Before a command runs, know the time zone of everyone it mentions, e.g. ``lead @kim`` (cached: usually no
        lookup).

        Never in the way: if Slack or the database cannot answer, the command runs and uses the team's zone.
        """
        if body.get("command"):
            for user_id in people_named(body.get("text") or ""):
                try:
                    bot.caller_for(user_id)
                except Exception:
                    log.exception("Looking up %s before a command failed; going on without", user_id)
        return next()

    app.use(Direct(remember_mentioned_officers))

    def press_button(ack: Any, action: dict, context: Any) -> None:
        """The database change, in the request: quick, and the officer's reply depends on it."""
        verb = action["action_id"][len(reminders.ACTION_PREFIX) :]
        reminder_id = action.get("value", "")

        reply = bot.run(
            lambda inv: reminders.press(inv, reminder_id, verb), context["caller"], f"reminder button {verb}"
        )
        context["pressed"] = {"refused": reply.refused, "message": bot.views.message(reply)}  # copied for show_pressed
        ack()

    def show_pressed(body: dict, context: Any, respond: Any) -> None:
        """After the 200 went back to Slack: the reminder message updated in place, or a word to the presser."""
        pressed = context.get("pressed")
        if not pressed:
            return
        message = dict(pressed["message"])
        if pressed["refused"]:
            respond(**message, replace_original=False)
            return
        message.pop("response_type", None)
        container = body["container"]  # the reminder message the button is on
        bot.client.chat_update(channel=container["channel_id"], ts=container["message_ts"], **message)

    app.action(re.compile("^" + re.escape(reminders.ACTION_PREFIX)))(ack=press_button, lazy=[show_pressed])
