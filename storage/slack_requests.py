"""Slack requests already handled, so that Slack's own retries (``X-Slack-Retry-Num``) are acknowledged, not redone.

A request is known by Slack's own id for it: ``event_id`` for an event, ``trigger_id`` for an interaction, else a
hash of its body. The row is written when the request first arrives (before it is handled), in every process that
shares the database, and forgotten when handling it failed on our side so that Slack's retry is handled. Rows
older than an hour are pruned: Slack retries within minutes. Not team data: backups leave this table out.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import Base, UTCDateTime

#: How long a request is remembered.
KEPT_FOR = dt.timedelta(hours=1)


class SlackRequest(Base):
    __tablename__ = "slack_requests"
    __table_args__ = {"info": {"backup": False}}

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    received_by: Mapped[str] = mapped_column(String(80))  # host:pid of the process that handled it


def first_arrival(*, session: Session, key: str, now: dt.datetime, received_by: str) -> bool:
    """Record the request; False when it was recorded before (by any process): a retry of something handled."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(SlackRequest)
        .values(key=key[:120], received_at=now, received_by=received_by[:80])
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(SlackRequest.key)
    )
    return session.execute(statement).first() is not None


def forget(*, session: Session, key: str) -> None:
    """Handling failed on our side: Slack's retry should be handled, not skipped."""
    session.execute(delete(SlackRequest).where(SlackRequest.key == key[:120]))


def prune(*, session: Session, now: dt.datetime) -> int:
    result = session.execute(delete(SlackRequest).where(SlackRequest.received_at < now - KEPT_FOR))
    return int(getattr(result, "rowcount", 0) or 0)
