"""Calendar subscriptions: each officer's private feed addresses (their own, the team's), kept only as token hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import Base, UTCDateTime, utcnow

MINE = "mine"  # the officer's visits and pending reminders
TEAM = "team"  # every visit and the reassessment deadlines
SCOPES = (MINE, TEAM)

#: Bytes of randomness in a feed token (``secrets.token_urlsafe``: 43 URL-safe characters).
TOKEN_BYTES = 32


class CalendarFeed(Base):
    """One subscription address an officer holds. The token itself is shown once and never stored, only its hash."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (UniqueConstraint("user_id", "scope", name="uq_calendar_feeds_user_id_scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    slack_link: Mapped[str | None] = mapped_column(String(300))  # opens the bot in the officer's workspace
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reset_by: Mapped[str | None] = mapped_column(String(40))
    reset_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def feeds_of(*, session: Session, user_id: str) -> dict[str, CalendarFeed]:
    """An officer's feeds by scope."""
    rows = session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == user_id))
    return {row.scope: row for row in rows}


def issue_token(
    *, session: Session, user_id: str, scope: str, issued_by: str, slack_link: str | None = None
) -> tuple[CalendarFeed, str]:
    """A new token for an officer's feed: the feed is made, or its old token replaced (the old address stops at once).

    Returns the feed and the token, which is not kept anywhere: the caller shows it once.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown calendar scope {scope!r}")
    token = new_token()
    now = utcnow()
    feed = session.scalars(
        select(CalendarFeed).where(CalendarFeed.user_id == user_id, CalendarFeed.scope == scope)
    ).first()
    if feed is None:
        try:
            with session.begin_nested():
                feed = CalendarFeed(
                    user_id=user_id,
                    scope=scope,
                    token_hash=hash_token(token),
                    slack_link=slack_link,
                    created_by=issued_by,
                    created_at=now,
                )
                session.add(feed)
            return feed, token
        except IntegrityError:  # the same officer asked twice at once: replace the token the other request made
            feed = session.scalars(
                select(CalendarFeed).where(CalendarFeed.user_id == user_id, CalendarFeed.scope == scope)
            ).one()
    feed.token_hash = hash_token(token)
    feed.reset_by, feed.reset_at = issued_by, now
    if slack_link:
        feed.slack_link = slack_link
    session.flush()
    return feed, token


def find_feed(*, session: Session, token: str) -> CalendarFeed | None:
    """The feed a token opens, or None (a wrong, replaced or malformed token alike)."""
    if not token or len(token) > 200:
        return None
    return session.scalars(select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token))).first()


def mark_fetched(*, session: Session, feed: CalendarFeed, at: dt.datetime) -> None:
    """When a calendar last read the feed (shown to the officer, so they can tell whether their subscription works)."""
    if feed.fetched_at is None or at - feed.fetched_at > dt.timedelta(minutes=5):
        feed.fetched_at = at
        session.flush()
