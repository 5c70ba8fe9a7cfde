"""The reminder scheduler: APScheduler times each delivery precisely from the reminders table (the source of truth),
and posts the weekly digest.

Each process runs its own BackgroundScheduler with the in-memory job store only; nothing about jobs is ever
shared. A poll job reads the reminders due soon and schedules one date job per reminder; the job claims the
reminder atomically in the database before sending, so with several processes each reminder goes out once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from bot.reminders import (
    REQUEST_TIMEOUT,
    RETRY_MOST,
    deliver,
    failure_reason,
    find_marked,
    landing_wait,
    slack_message,
    temporary_failure,
    unanswered,
)
from bot.runtime import Bot, Database
from bot.settings import Settings
from bot.views import Style, Views
from commands.reminders import digest
from storage import reminders as store
from storage.backup import backup_to_folder, scheduled_backups
from storage.db import utcnow
from storage.reminders import Reminder

log = logging.getLogger("ipslo.scheduler")

#: A claim older than this belongs to a process that stopped while sending.
ABANDONED_AFTER = dt.timedelta(minutes=10)
SENDERS = 8  # deliveries at once
#: How many times the weekly digest is tried when Slack cannot take it just now (429, 5xx, unreachable): waits of
#: IPSLO_RETRY_SECONDS doubling (15 s, 30 s, 1 min, 2 min, 4 min by default), or as long as Retry-After asks.
DIGEST_ATTEMPTS = 6
#: Marks the digest's message so that a retry can see whether Slack took an earlier attempt after all.
DIGEST_EVENT = "ipslo_digest"
CHANGED = store.PENDING_WRITTEN


def _note_pending_reminder(_mapper: Any, _connection: Any, reminder: Reminder) -> None:
    """A reminder was written pending (set, snoozed, moved) in this process: its session's commit wakes the schedulers
    here."""
    session = object_session(reminder)
    if session is not None and reminder.state == store.PENDING:
        session.info[CHANGED] = True


event.listen(Reminder, "after_insert", _note_pending_reminder)
event.listen(Reminder, "after_update", _note_pending_reminder)


def delivery_client(settings: Settings, timeout: int = REQUEST_TIMEOUT) -> WebClient:
    """The scheduler's Web API client, with no retries inside a call (a retried post might arrive twice).

    :func:`deliver` retries itself, after looking whether Slack took the earlier attempt, as late as Retry-After asks;
    after a post that got no answer within ``timeout`` seconds it waits ``2 * timeout`` more before it looks
    (:func:`bot.reminders.landing_wait`).
    """
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=timeout)
    client.retry_handlers.clear()
    return client


class ReminderScheduler:
    """One process's scheduler. ``start()`` delivers what fell due while the bot was down, then keeps time."""

    def __init__(
        self,
        *,
        settings: Settings,
        database: Database,
        client: WebClient | None = None,
        name: str | None = None,
        retry_first: dt.timedelta | None = None,
        style: Style | None = None,
    ):
        """``style`` draws the messages it sends (Slack's mrkdwn unless told otherwise: the console's is plain)."""
        self.settings = settings
        self.bot = Bot(
            settings=settings, database=database, client=client or delivery_client(settings), views=Views(style)
        )
        self.retry_first = retry_first or dt.timedelta(seconds=settings.retry_seconds)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.scheduler = BackgroundScheduler(
            timezone=dt.UTC,
            executors={"default": ThreadPoolExecutor(SENDERS)},
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self.horizon = dt.timedelta(seconds=2 * settings.poll_seconds + 1)
        self._scheduled: dict[int, dt.datetime] = {}
        self._scheduled_digests: dict[tuple[str, dt.datetime], dt.datetime] = {}
        self._lock = threading.Lock()
        self.started = threading.Event()  # set once the first poll has run
        self.stopping = threading.Event()  # set by stop(): claim nothing more, give back what is not yet sent
        self.digest_trigger = CronTrigger.from_crontab(settings.digest_cron, timezone=settings.team_tz)

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ReminderScheduler:
        self.scheduler.add_job(
            self.poll,
            "interval",
            seconds=self.settings.poll_seconds,
            id="poll",
            next_run_time=dt.datetime.now(dt.UTC),
        )
        if self.settings.digest_channel:
            self.scheduler.add_job(self.post_digest, self.digest_trigger, id="digest")
        backups = scheduled_backups(dict(os.environ))  # checked at start-up (bot/__main__.py)
        if backups:  # daily at 03:00 in the team's zone, into IPSLO_BACKUP_DIR, keeping the newest IPSLO_BACKUP_KEEP
            trigger = CronTrigger(hour=3, timezone=self.settings.team_tz)
            self.scheduler.add_job(self.backup, trigger, args=list(backups), id="backup")
        self.scheduler.start()
        self.pid = os.getpid()
        event.listen(Session, "after_commit", self._after_commit)
        # A process that ends without calling stop() (gunicorn's worker on SIGTERM) stops it at exit, before the
        # interpreter shuts down thread pools: threading's exit hooks run before concurrent.futures refuses new work.
        register_at_exit = getattr(threading, "_register_atexit", None)
        if register_at_exit is not None:
            try:
                register_at_exit(self.stop)
            except RuntimeError:  # the interpreter is already stopping
                pass
        log.info(
            "Scheduler %s started: polling every %ss%s",
            self.name,
            self.settings.poll_seconds,
            f", digest to {self.settings.digest_channel} at {self.settings.digest_cron!r}"
            if self.settings.digest_channel
            else "",
        )
        return self

    def stop(self, wait: bool = True) -> None:
        """Stop timing first, then the senders: no job is started once stopping begins, a delivery already posting
        finishes and is recorded, and one claimed but not yet sent is given back (pending) for the next process."""
        if event.contains(Session, "after_commit", self._after_commit):
            event.remove(Session, "after_commit", self._after_commit)
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.pause()  # the scheduler's thread starts nothing more...
            self.scheduler.remove_all_jobs()
            self.scheduler.shutdown(wait=wait)  # ...and only then is the executor shut down

    def __enter__(self) -> ReminderScheduler:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _after_commit(self, session: Session) -> None:
        """A reminder set in this process (a command, a Snooze) is timed at once, not at the next poll."""
        if session.info.pop(CHANGED, False) and os.getpid() == self.pid:
            self._poll_now()

    def _poll_now(self) -> None:
        if self.stopping.is_set() or not self.scheduler.running:
            return
        try:
            self.scheduler.modify_job("poll", next_run_time=dt.datetime.now(dt.UTC))
        except JobLookupError:  # stopping meanwhile
            pass

    # --- jobs --------------------------------------------------------------------------------

    def poll(self) -> None:
        """Read what is due soon and give each reminder a precise date job; mark the hopelessly late missed."""
        now = utcnow()
        with self.bot.database.sessions() as session:
            try:
                missed = store.mark_missed(session=session, due_before=now - self.settings.reminder_grace)
                abandoned = store.fail_abandoned_claims(session=session, claimed_before=now - ABANDONED_AFTER)
                due = store.pending_due_by(session=session, until=now + self.horizon)
                session.commit()
            except Exception:
                session.rollback()
                log.exception("Reminder poll failed; trying again in %ss", self.settings.poll_seconds)
                return
        if self.settings.digest_channel:
            self._time_digest_retries(now)
        if missed or abandoned:
            log.warning(
                "%s reminders missed (more than %s late), %s abandoned while sending",
                missed,
                self.settings.reminder_grace,
                abandoned,
            )
        for reminder_id, due_at in due:
            if self.stopping.is_set():
                return
            with self._lock:
                if self._scheduled.get(reminder_id) == due_at:
                    continue
                self._scheduled[reminder_id] = due_at
            self.scheduler.add_job(
                self.deliver,
                "date",
                run_date=due_at,
                args=[reminder_id],
                id=f"reminder-{reminder_id}",
                replace_existing=True,
            )
        self.started.set()

    def deliver(self, reminder_id: int) -> None:
        with self._lock:
            self._scheduled.pop(reminder_id, None)
        if self.stopping.is_set():
            return  # left pending for the next process
        try:
            state = deliver(
                self.bot, reminder_id, worker=self.name, retry_first=self.retry_first, stopping=self.stopping
            )
        except Exception:
            log.exception("Delivering reminder %s failed", reminder_id)
            return
        if state == store.RETRYING:
            self._poll_now()  # time the next attempt

    def backup(self, folder: Path, keep: int) -> Path | None:
        try:
            path = backup_to_folder(self.bot.database.engine, folder, keep=keep)
        except Exception:
            log.exception("Daily backup into %s failed", folder)
            return None
        log.info("Daily backup written to %s (keeping the newest %s)", path, keep)
        return path

    def post_digest(self, now: dt.datetime | None = None) -> bool:
        """The weekly digest, posted by exactly one process: the first to record it for this tick of the cron.

        The run is keyed on the tick (APScheduler's fire time, found again from the trigger), not on when each
        process happened to start the job, and committed before posting so no write lock is held across Slack.
        Slack busy, down or unreachable: tried again (:meth:`retry_digest`) up to :data:`DIGEST_ATTEMPTS` times.
        """
        now = now or utcnow()
        channel = self.settings.digest_channel
        if not channel:  # no IPSLO_DIGEST_CHANNEL: the digest job is never scheduled
            return False
        scheduled_for = last_fire_time(self.digest_trigger, now) or now.replace(second=0, microsecond=0)
        with self.bot.database.sessions.begin() as session:
            if not store.claim_digest(
                session=session, channel=channel, scheduled_for=scheduled_for, posted_by=self.name
            ):
                return False
        return self._send_digest(channel, scheduled_for, attempts=1, now=now)

    def retry_digest(self, retry: store.DigestRetry) -> bool:
        """A digest's next attempt, by whichever process takes it first; it first looks in the channel for an
        earlier attempt Slack took though its answer was lost."""
        with self._lock:
            self._scheduled_digests.pop((retry.channel, retry.scheduled_for), None)
        if self.stopping.is_set():
            return False  # left waiting for the next process
        try:
            with self.bot.database.sessions.begin() as session:
                if not store.claim_digest_retry(session=session, retry=retry, posted_by=self.name, now=utcnow()):
                    return False
        except Exception:
            log.exception("Taking the digest's retry for %s failed", retry.channel)
            return False
        return self._send_digest(retry.channel, retry.scheduled_for, attempts=retry.attempts + 1, now=utcnow())

    def _send_digest(self, channel: str, scheduled_for: dt.datetime, *, attempts: int, now: dt.datetime) -> bool:
        sessions = self.bot.database.sessions
        marker = {"event_type": DIGEST_EVENT, "event_payload": {"scheduled_for": scheduled_for.isoformat()}}
        posting = False
        try:
            if attempts > 1 and self._digest_already_posted(channel, scheduled_for):
                log.info("Weekly digest to %s had reached Slack on an earlier attempt; not posted again", channel)
                return True
            with sessions() as session:
                reply = digest(session=session, now=now, tz=self.settings.team_tz)
            posting = True
            self.bot.client.chat_postMessage(channel=channel, metadata=marker, **slack_message(reply, self.bot.views))
            if attempts > 1:
                log.info("Weekly digest to %s posted on attempt %s", channel, attempts)
            return True
        except Exception as error:
            temporary = temporary_failure(error)
            if temporary is not None and attempts < DIGEST_ATTEMPTS:
                reason, least = temporary
                wait = max(least, min(self.retry_first * 2 ** (attempts - 1), RETRY_MOST))
                if posting and unanswered(error):
                    wait = max(wait, landing_wait(self.bot.client))
                at = utcnow() + wait
                log.warning(
                    "Weekly digest to %s not posted (%s); attempt %s of %s at %s",
                    channel,
                    reason,
                    attempts + 1,
                    DIGEST_ATTEMPTS,
                    f"{at:%H:%M:%S}",
                )
                try:
                    with sessions.begin() as session:
                        store.digest_retrying(
                            session=session,
                            channel=channel,
                            scheduled_for=scheduled_for,
                            posted_by=self.name,
                            attempts=attempts,
                            reason=reason,
                            next_attempt_at=at,
                        )
                except Exception:
                    log.exception("Recording the digest's retry for %s failed", channel)
                    return False
                self._poll_now()  # time the next attempt
                return False
            if temporary is not None:
                reason = f"{temporary[0]}, {attempts} attempts"
                log.error("Weekly digest to %s failed after %s attempts: %s", channel, attempts, temporary[0])
            elif isinstance(error, SlackApiError):
                reason = f"Slack answered {error.response.get('error')}"
                log.error("Weekly digest to %s failed: %s", channel, reason)
            else:
                reason = f"could not post it: {error.__class__.__name__}"
                log.exception("Weekly digest to %s failed", channel)
        with sessions.begin() as session:
            store.digest_failed(
                session=session, channel=channel, scheduled_for=scheduled_for, posted_by=self.name, reason=reason
            )
        return False

    def _digest_already_posted(self, channel: str, scheduled_for: dt.datetime) -> bool:
        """Whether an earlier attempt's digest is in the channel. Slack refusing to show the channel's history (the
        app lacks channels:history or groups:history) is no reason to lose the digest: it is then posted."""
        try:
            found = find_marked(
                self.bot.client,
                channel,
                oldest=scheduled_for - dt.timedelta(seconds=5),
                event_type=DIGEST_EVENT,
                match={"scheduled_for": scheduled_for.isoformat()},
            )
        except SlackApiError as error:
            if temporary_failure(error) is not None:
                raise
            log.warning(
                "Could not read %s's history to see whether the digest arrived (%s); posting it",
                channel,
                failure_reason(error),
            )
            return False
        return found is not None

    def _time_digest_retries(self, now: dt.datetime) -> None:
        try:
            with self.bot.database.sessions() as session:
                retries = store.digest_retries_due(session=session, until=now + self.horizon)
        except Exception:
            log.exception("Reading the digest's retries failed; trying again at the next poll")
            return
        for retry in retries:
            key = (retry.channel, retry.scheduled_for)
            with self._lock:
                if self._scheduled_digests.get(key) == retry.at:
                    continue
                self._scheduled_digests[key] = retry.at
            self.scheduler.add_job(
                self.retry_digest,
                "date",
                run_date=max(retry.at, now),
                args=[retry],
                id=f"digest-{retry.channel}-{retry.scheduled_for:%Y%m%d%H%M}",
                replace_existing=True,
            )


def last_fire_time(trigger: CronTrigger, now: dt.datetime) -> dt.datetime | None:
    """The latest tick of ``trigger`` at or before ``now`` (in UTC): the run a job started at ``now`` belongs to."""
    for back in (
        dt.timedelta(minutes=1),
        dt.timedelta(hours=1),
        dt.timedelta(days=1),
        dt.timedelta(days=8),
        dt.timedelta(days=32),
        dt.timedelta(days=367),
    ):
        fire = trigger.get_next_fire_time(None, now - back)
        if fire is None or fire > now:
            continue  # no tick in this window: look further back
        while (
            following := trigger.get_next_fire_time(fire, fire + dt.timedelta(seconds=1))
        ) is not None and following <= now:
            fire = following
        return fire.astimezone(dt.UTC)
    return None


def run_scheduler(*, settings: Settings, database: Database, stop: threading.Event | None = None) -> int:
    """``python -m bot scheduler``: the scheduler alone, until SIGTERM or Ctrl-C."""
    import signal

    stop = stop or threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    scheduler = ReminderScheduler(settings=settings, database=database).start()
    try:
        stop.wait()
    finally:
        scheduler.stop()
    return 0
