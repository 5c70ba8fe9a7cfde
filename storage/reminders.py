"""Reminders, the source of truth for what is due and what was sent: the table, its queries, and the atomic claim that
makes delivery happen once."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, ForeignKey, Index, Integer, String, Text, and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from storage.db import Base, UTCDateTime, utcnow

VISIT = "visit"
ADHOC = "adhoc"

PENDING = "pending"  # waiting for its time
RETRYING = "retrying"  # Slack could not take it just now (down, busy, unreachable): tried again at next_attempt_at
CLAIMED = "claimed"  # one process has taken it and is sending it now
SENT = "sent"  # delivered on time
LATE = "late"  # delivered after its time (the bot was down); due_at keeps the original time
MISSED = "missed"  # fell due more than the grace period before the bot (or Slack) could take it: never sent
FAILED = "failed"  # Slack refused it for good, or the bot stopped mid-send (failure_reason says which)
#: Why a reminder failed when the process sending it stopped before it knew whether Slack took it (not Slack's doing).
STOPPED_WHILE_SENDING = "the bot stopped while sending it; it may not have arrived"
DONE = "done"  # the officer pressed Done
CANCELLED = "cancelled"  # cancelled by the officer, or its visit was cancelled or moved past it
#: Why a visit's reminder was cancelled when its visit moved so that its time had passed (kept in failure_reason, never
#: shown): moved back later, the visit brings it again; one the officer cancelled stays cancelled.
MOVED_PAST = "its visit moved so that its time had passed"

OPEN_STATES = (PENDING, RETRYING, CLAIMED, LATE, MISSED, FAILED)  # what /ipslo reminders shows (claimed: being sent)
WAITING = (PENDING, RETRYING)  # not sent yet, and still to be sent
DELIVERED = (SENT, LATE)

#: Set in ``session.info`` when a reminder is written pending by a guarded update (ORM flush events do not see those);
#: the scheduler in the same process times it when the session commits.
PENDING_WRITTEN = "ipslo.pending_reminder_written"


class Reminder(Base):
    """One message the bot owes an officer at a moment: a visit's preparation step, or an ad hoc note to self."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    nation_iso2: Mapped[str | None] = mapped_column(ForeignKey("nations.iso2"))
    owner_user_id: Mapped[str] = mapped_column(String(32), index=True)
    offset_days: Mapped[int | None] = mapped_column(Integer)  # visit reminders: days before the visit starts
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default=PENDING)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # retrying: when Slack is asked again
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class DigestRun(Base):
    """One weekly digest posted to a channel; the primary key lets only one process post each one."""

    __tablename__ = "digest_runs"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    scheduled_for: Mapped[dt.datetime] = mapped_column(UTCDateTime(), primary_key=True)
    posted_by: Mapped[str] = mapped_column(String(80))
    posted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


# --- writing -----------------------------------------------------------------------------------


def add_reminder(
    *,
    session: Session,
    kind: str,
    owner_user_id: str,
    due_at: dt.datetime,
    text: str,
    recorded_by: str,
    nation_iso2: str | None = None,
    visit_id: int | None = None,
    offset_days: int | None = None,
) -> Reminder:
    reminder = Reminder(
        kind=kind,
        owner_user_id=owner_user_id,
        due_at=due_at,
        text=text,
        nation_iso2=nation_iso2,
        visit_id=visit_id,
        offset_days=offset_days,
        state=PENDING,
        attempts=0,
        recorded_by=recorded_by,
        recorded_at=utcnow(),
    )
    session.add(reminder)
    session.flush()
    return reminder


def get_reminder(*, session: Session, reminder_id: int) -> Reminder | None:
    return session.get(Reminder, reminder_id)


def set_state(
    *,
    session: Session,
    reminder: Reminder,
    state: str,
    updated_by: str,
    arrived: bool = False,
    reason: str | None = None,
) -> bool:
    """Move a reminder to ``state`` only if it is still as this transaction read it, and not while it is being sent.

    A guarded update: False (and ``reminder`` refreshed to what it is now) when another process changed it
    meanwhile, e.g. the scheduler claimed it to send it; the caller tells the officer. ``arrived``: a button on
    the message itself was pressed, so it is in the officer's hands even if its sender has not recorded it yet.
    ``reason``: why, kept in ``failure_reason`` (:data:`MOVED_PAST`).
    """
    why = {"failure_reason": reason} if reason is not None else {}
    return _guarded(session, reminder, arrived, state=state, **why, updated_by=updated_by, updated_at=utcnow())


def reschedule(
    *,
    session: Session,
    reminder: Reminder,
    due_at: dt.datetime,
    updated_by: str,
    text: str | None = None,
    owner_user_id: str | None = None,
    nation_iso2: str | None = None,
    arrived: bool = False,
) -> bool:
    """Pending again at a new moment (snoozed, or its visit changed: maybe with new words, lead and nation); guarded
    like :func:`set_state`. Why it was not sent before (Slack's last answer, :data:`MOVED_PAST`) no longer holds."""
    given = (("text", text), ("owner_user_id", owner_user_id), ("nation_iso2", nation_iso2))
    changes = {key: value for key, value in given if value is not None}
    return _guarded(
        session,
        reminder,
        arrived,
        **changes,
        due_at=due_at,
        state=PENDING,
        claimed_by=None,
        claimed_at=None,
        next_attempt_at=None,
        failure_reason=None,
        updated_by=updated_by,
        updated_at=utcnow(),
    )


def set_nation(*, session: Session, reminder: Reminder, nation_iso2: str, updated_by: str) -> bool:
    """A waiting reminder now about another nation (its visit's nation changed); guarded like :func:`set_state`: one
    being sent right now arrives as it was."""
    if reminder.state not in WAITING:
        return False
    return _guarded(session, reminder, False, nation_iso2=nation_iso2, updated_by=updated_by, updated_at=utcnow())


def _guarded(session: Session, reminder: Reminder, arrived: bool, **values: object) -> bool:
    session.flush()
    for _ in range(3):  # a press on the message may race its sender recording the delivery: read again and retry
        seen = reminder.state
        if seen == CLAIMED and not arrived:
            return False
        result = cast(
            CursorResult[Any],
            session.execute(
                update(Reminder)
                .where(Reminder.id == reminder.id, Reminder.state == seen)
                .values(**values)
                .execution_options(synchronize_session=False)
            ),
        )
        session.refresh(reminder)
        if result.rowcount == 1:
            if values.get("state") == PENDING:
                session.info[PENDING_WRITTEN] = True
            return True
        if not (arrived and seen == CLAIMED and reminder.state in (SENT, LATE)):
            return False
    return False


# --- delivery ----------------------------------------------------------------------------------


def _ready_by(moment: dt.datetime) -> ColumnElement[bool]:
    """Waiting reminders whose time has come by ``moment``: pending ones when due, retrying ones at their next
    attempt."""
    return or_(
        and_(Reminder.state == PENDING, Reminder.due_at <= moment),
        and_(Reminder.state == RETRYING, Reminder.next_attempt_at <= moment),
    )


def pending_due_by(*, session: Session, until: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """(id, when) of every waiting reminder to send at or before ``until`` (a retry's next attempt), soonest first."""
    query = select(Reminder.id, Reminder.state, Reminder.due_at, Reminder.next_attempt_at).where(_ready_by(until))
    rows = [
        (row.id, row.next_attempt_at if row.state == RETRYING and row.next_attempt_at else row.due_at)
        for row in session.execute(query)
    ]
    return sorted(rows, key=lambda row: row[1])


def mark_missed(*, session: Session, due_before: dt.datetime) -> int:
    """Waiting reminders that fell due before ``due_before`` are missed (too late to be useful). Returns how many.

    A retrying one keeps its last reason (what Slack answered) so the officer sees why it never arrived.
    """
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Reminder)
            .where(Reminder.state.in_(WAITING), Reminder.due_at < due_before)
            .values(state=MISSED, next_attempt_at=None, updated_by="scheduler", updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount or 0


def fail_abandoned_claims(*, session: Session, claimed_before: dt.datetime) -> int:
    """Claims left behind by a process that stopped while sending: failed, since Slack may or may not have the
    message."""
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Reminder)
            .where(Reminder.state == CLAIMED, Reminder.claimed_at < claimed_before)
            .values(
                state=FAILED,
                failure_reason=STOPPED_WHILE_SENDING,
                updated_by="scheduler",
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount or 0


def claim(*, session: Session, reminder_id: int, claimed_by: str, now: dt.datetime) -> bool:
    """Take a due, pending reminder for sending. Atomic in the database: of several processes, exactly one gets True.

    Commit right after, before sending, so the others see it taken.
    """
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, _ready_by(now + dt.timedelta(seconds=1)))
            .values(state=CLAIMED, claimed_by=claimed_by, claimed_at=now, attempts=Reminder.attempts + 1)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


def mark_delivered(
    *, session: Session, reminder_id: int, worker: str, channel: str, message_ts: str, sent_at: dt.datetime, late: bool
) -> bool:
    """Record a sent reminder; only the process that claimed it may, and only while its claim stands.

    False when the officer pressed Done or Snooze on it first: then only where and when it was sent are kept.
    """
    if _by_claimer(
        session,
        reminder_id,
        worker,
        state=LATE if late else SENT,
        channel=channel,
        message_ts=message_ts,
        sent_at=sent_at,
        failure_reason=None,
        next_attempt_at=None,
    ):
        return True
    session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.claimed_by == worker)
        .values(channel=channel, message_ts=message_ts, sent_at=sent_at)
        .execution_options(synchronize_session=False)
    )
    return False


def mark_failed(*, session: Session, reminder_id: int, worker: str, reason: str, missed: bool = False) -> bool:
    """Record that Slack refused a claimed reminder; only its claimer may.

    ``missed``: Slack could not take it (down, busy, unreachable) before its grace period ended.
    """
    return _by_claimer(
        session,
        reminder_id,
        worker,
        state=MISSED if missed else FAILED,
        failure_reason=reason[:300],
        next_attempt_at=None,
    )


def mark_retrying(
    *, session: Session, reminder_id: int, worker: str, reason: str, next_attempt_at: dt.datetime, channel: str | None
) -> bool:
    """Slack could not take a claimed reminder just now: give up the claim and try again at ``next_attempt_at``.

    ``channel`` (the direct message, when Slack opened it) lets the next attempt look there first, so a message
    Slack did take before the answer was lost is never sent twice.
    """
    values: dict[str, object] = {"channel": channel} if channel else {}
    return _by_claimer(
        session,
        reminder_id,
        worker,
        state=RETRYING,
        failure_reason=reason[:300],
        next_attempt_at=next_attempt_at,
        claimed_by=None,
        claimed_at=None,
        **values,
    )


def release_claim(*, session: Session, reminder_id: int, worker: str) -> bool:
    """The process is stopping before it sent a claimed reminder: waiting again (pending, or retrying if it was) for
    the next process to send."""
    waiting_as_before = case((Reminder.next_attempt_at.is_(None), PENDING), else_=RETRYING)
    return _by_claimer(session, reminder_id, worker, state=waiting_as_before, claimed_by=None, claimed_at=None)


def _by_claimer(session: Session, reminder_id: int, worker: str, **values: object) -> bool:
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.state == CLAIMED, Reminder.claimed_by == worker)
            .values(**values, updated_by="scheduler", updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


# --- reading -----------------------------------------------------------------------------------


def reminders_of(*, session: Session, owner_user_id: str, states: tuple[str, ...] = OPEN_STATES) -> list[Reminder]:
    query = select(Reminder).where(Reminder.owner_user_id == owner_user_id, Reminder.state.in_(states))
    return list(session.scalars(query.order_by(Reminder.due_at, Reminder.id)))


def reminders_for_visit(*, session: Session, visit_id: int) -> list[Reminder]:
    query = select(Reminder).where(Reminder.visit_id == visit_id)
    return list(session.scalars(query.order_by(Reminder.due_at, Reminder.id)))


def missed_between(*, session: Session, first: dt.datetime, last: dt.datetime) -> list[Reminder]:
    """Reminders that were due in [first, last) and never reached their officer (missed or failed)."""
    query = select(Reminder).where(
        Reminder.state.in_((MISSED, FAILED)), Reminder.due_at >= first, Reminder.due_at < last
    )
    return list(session.scalars(query.order_by(Reminder.due_at, Reminder.id)))


def count_pending(*, session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Reminder).where(Reminder.state == PENDING)) or 0


def claim_digest(*, session: Session, channel: str, scheduled_for: dt.datetime, posted_by: str) -> bool:
    """Take the digest due at ``scheduled_for`` for ``channel``; False when another process already has."""
    try:
        with session.begin_nested():
            session.add(
                DigestRun(channel=channel, scheduled_for=scheduled_for, posted_by=posted_by, posted_at=utcnow())
            )
        return True
    except IntegrityError:
        return False


def digest_failed(*, session: Session, channel: str, scheduled_for: dt.datetime, posted_by: str, reason: str) -> None:
    """The digest claimed for ``scheduled_for`` could not be posted: its run says so (and keeps others from posting it
    late)."""
    session.execute(
        update(DigestRun)
        .where(DigestRun.channel == channel, DigestRun.scheduled_for == scheduled_for)
        .values(posted_by=f"{posted_by} failed: {reason}"[:80], posted_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# A digest Slack could not take just now (429, 5xx, unreachable) waits for its next attempt in its run, written in
# the columns it has: ``posted_by`` reads "retry<attempts done> <worker>: <reason>" and ``posted_at`` is when it is
# tried again. Any process may take the retry when it is due (guarded, so one does); posted, ``posted_by`` is the
# process that posted it again.
_DIGEST_RETRY = re.compile(r"^retry(\d+) ")


@dataclass(frozen=True)
class DigestRetry:
    channel: str
    scheduled_for: dt.datetime
    attempts: int  # attempts made so far
    at: dt.datetime  # when it is tried again
    seen: str  # the run's posted_by as read: the retry is taken only if it is still this


def digest_retrying(
    *,
    session: Session,
    channel: str,
    scheduled_for: dt.datetime,
    posted_by: str,
    attempts: int,
    reason: str,
    next_attempt_at: dt.datetime,
) -> bool:
    """The digest ``posted_by`` claimed was not taken (``attempts`` made so far): try it again at
    ``next_attempt_at``. Only its claimer may say so."""
    result = cast(
        CursorResult[Any],
        session.execute(
            update(DigestRun)
            .where(
                DigestRun.channel == channel,
                DigestRun.scheduled_for == scheduled_for,
                DigestRun.posted_by == posted_by,
            )
            .values(posted_by=f"retry{attempts} {posted_by}: {reason}"[:80], posted_at=next_attempt_at)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


def digest_retries_due(*, session: Session, until: dt.datetime) -> list[DigestRetry]:
    """Digests waiting to be tried again at or before ``until``, soonest first."""
    query = select(DigestRun).where(DigestRun.posted_by.like("retry%"), DigestRun.posted_at <= until)
    found = []
    for run in session.scalars(query.order_by(DigestRun.posted_at)):
        matched = _DIGEST_RETRY.match(run.posted_by)
        if matched:
            found.append(DigestRetry(run.channel, run.scheduled_for, int(matched[1]), run.posted_at, run.posted_by))
    return found


def claim_digest_retry(*, session: Session, retry: DigestRetry, posted_by: str, now: dt.datetime) -> bool:
    """Take a digest's next attempt; of several processes exactly one gets True (commit right after)."""
    result = cast(
        CursorResult[Any],
        session.execute(
            update(DigestRun)
            .where(
                DigestRun.channel == retry.channel,
                DigestRun.scheduled_for == retry.scheduled_for,
                DigestRun.posted_by == retry.seen,
                DigestRun.posted_at <= now + dt.timedelta(seconds=1),
            )
            .values(posted_by=posted_by[:80], posted_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1
