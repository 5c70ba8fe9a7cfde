"""Officers as Slack knows them: name and time zone, cached from ``users.info`` so replies need no Web API call."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import Base, UTCDateTime, utcnow

#: How long a cached profile is trusted before Slack is asked again.
FRESH_FOR = dt.timedelta(hours=24)


class Officer(Base):
    __tablename__ = "officers"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    tz: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


def is_fresh(officer: Officer) -> bool:
    return utcnow() - officer.fetched_at <= FRESH_FOR


def get_officer(*, session: Session, user_id: str, fresh: bool = True) -> Officer | None:
    """The cached profile; with ``fresh`` only when it is younger than :data:`FRESH_FOR`."""
    officer = session.get(Officer, user_id)
    if officer is None or (fresh and not is_fresh(officer)):
        return None
    return officer


def remember_officer(*, session: Session, user_id: str, name: str, tz: str) -> Officer:
    """Insert or refresh a profile; two requests looking up the same new officer at once both succeed."""
    officer = session.get(Officer, user_id)
    if officer is None:
        try:
            with session.begin_nested():
                officer = Officer(user_id=user_id, name=name, tz=tz, fetched_at=utcnow())
                session.add(officer)
            return officer
        except IntegrityError:  # another request stored it first: refresh that row instead
            officer = session.get(Officer, user_id, populate_existing=True)
            assert officer is not None, "the row that won the race is there"
    officer.name, officer.tz, officer.fetched_at = name, tz, utcnow()
    session.flush()
    return officer


def officer_named(*, session: Session, name: str) -> str | None:
    """The member ID of the one officer the bot knows by this name ("Kim Lee", or the last name "lee"), ignoring case;
    None when nobody, or more than one, goes by it."""
    wanted = " ".join(name.lower().replace("_", " ").split())
    if not wanted:
        return None
    found = {
        officer.user_id
        for officer in session.scalars(select(Officer))
        if officer.name.lower() == wanted or officer.name.lower().split()[-1:] == [wanted]
    }
    return found.pop() if len(found) == 1 else None
