"""Visits to partner nations (country visits, reciprocal visits, seminars, meetings): the table and its queries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import Base, UTCDateTime, utcnow

PLANNED = "planned"
CANCELLED = "cancelled"

COUNTRY_VISIT = "country visit"
RECIPROCAL_VISIT = "reciprocal visit"
CAPACITY_BUILDING = "capacity building"
BILATERAL_MEETING = "bilateral meeting"
OTHER = "other"
KINDS = (COUNTRY_VISIT, RECIPROCAL_VISIT, CAPACITY_BUILDING, BILATERAL_MEETING, OTHER)


class Visit(Base):
    """One planned engagement with a nation, over one or more days, led by one officer."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nation_iso2: Mapped[str] = mapped_column(ForeignKey("nations.iso2"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date, index=True)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(String(300))
    lead_user_id: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(20), default=PLANNED)
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED


def add_visit(
    *,
    session: Session,
    nation_iso2: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    kind: str,
    title: str | None,
    lead_user_id: str,
    recorded_by: str,
) -> Visit:
    visit = Visit(
        nation_iso2=nation_iso2,
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        kind=kind,
        title=title,
        lead_user_id=lead_user_id,
        status=PLANNED,
        recorded_by=recorded_by,
        recorded_at=utcnow(),
    )
    session.add(visit)
    session.flush()
    return visit


def get_visit(*, session: Session, visit_id: int) -> Visit | None:
    return session.get(Visit, visit_id)


def move_visit(
    *, session: Session, visit: Visit, starts_on: dt.date, ends_on: dt.date | None, updated_by: str
) -> Visit:
    length = visit.ends_on - visit.starts_on
    visit.starts_on = starts_on
    visit.ends_on = ends_on or starts_on + length
    visit.updated_by, visit.updated_at = updated_by, utcnow()
    session.flush()
    return visit


def update_visit(
    *,
    session: Session,
    visit: Visit,
    nation_iso2: str,
    kind: str,
    title: str | None,
    lead_user_id: str,
    updated_by: str,
) -> Visit:
    """Change what a visit is (its dates move with :func:`move_visit`)."""
    visit.nation_iso2, visit.kind, visit.title, visit.lead_user_id = nation_iso2, kind, title, lead_user_id
    visit.updated_by, visit.updated_at = updated_by, utcnow()
    session.flush()
    return visit


def cancel_visit(*, session: Session, visit: Visit, updated_by: str) -> Visit:
    visit.status = CANCELLED
    visit.updated_by, visit.updated_at = updated_by, utcnow()
    session.flush()
    return visit


def visits_between(*, session: Session, first: dt.date, last: dt.date, include_cancelled: bool = False) -> list[Visit]:
    """Visits under way at any time from ``first`` to ``last`` (inclusive), soonest first."""
    query = select(Visit).where(Visit.ends_on >= first, Visit.starts_on <= last)
    if not include_cancelled:
        query = query.where(Visit.status == PLANNED)
    return list(session.scalars(query.order_by(Visit.starts_on, Visit.id)))


def visits_for_nation(*, session: Session, nation_iso2: str, include_cancelled: bool = True) -> list[Visit]:
    """Every visit to a nation, past and planned, newest first."""
    query = select(Visit).where(Visit.nation_iso2 == nation_iso2)
    if not include_cancelled:
        query = query.where(Visit.status == PLANNED)
    return list(session.scalars(query.order_by(Visit.starts_on.desc(), Visit.id.desc())))


def visits_led_by(*, session: Session, user_id: str, since: dt.date) -> list[Visit]:
    """Planned visits an officer leads that end on or after ``since``, soonest first."""
    query = select(Visit).where(Visit.lead_user_id == user_id, Visit.status == PLANNED, Visit.ends_on >= since)
    return list(session.scalars(query.order_by(Visit.starts_on, Visit.id)))


def last_and_next_visit(*, session: Session, nation_iso2: str, today: dt.date) -> tuple[Visit | None, Visit | None]:
    """The latest planned visit that has started by ``today``, and the next one that starts after it."""
    base = select(Visit).where(Visit.nation_iso2 == nation_iso2, Visit.status == PLANNED)
    last = session.scalars(
        base.where(Visit.starts_on <= today).order_by(Visit.starts_on.desc(), Visit.id.desc()).limit(1)
    ).first()
    upcoming = session.scalars(base.where(Visit.starts_on > today).order_by(Visit.starts_on, Visit.id).limit(1)).first()
    return last, upcoming


def current_or_recent_visit(
    *, session: Session, nation_iso2: str, today: dt.date, within_days: int = 14
) -> Visit | None:
    """The planned visit to a nation under way today, or the one that ended most recently within ``within_days``.

    Notes written during or just after a visit belong to it.
    """
    query = (
        select(Visit)
        .where(
            Visit.nation_iso2 == nation_iso2,
            Visit.status == PLANNED,
            Visit.starts_on <= today,
            Visit.ends_on >= today - dt.timedelta(days=within_days),
        )
        .order_by(Visit.starts_on.desc(), Visit.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()
