"""Nations and territories, their assessments and Conditions of Entry: tables, queries, and the reference-data loader."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import REFERENCE_DATA, Base, UTCDateTime, utcnow

REFERENCE = Path(__file__).with_name("reference")


class Nation(Base):
    __tablename__ = "nations"

    iso2: Mapped[str] = mapped_column(String(2), primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(80))
    official_name: Mapped[str] = mapped_column(String(160))
    region: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    sovereign: Mapped[str | None] = mapped_column(String(80))
    tz: Mapped[str] = mapped_column(String(64))
    in_area: Mapped[bool] = mapped_column(Boolean)
    engagement: Mapped[str | None] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Assessment(Base):
    """An assessment outcome an officer recorded for a nation."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nation_iso2: Mapped[str] = mapped_column(ForeignKey("nations.iso2"), index=True)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(80))
    source: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ConditionOfEntry(Base):
    """A dated, sourced listing of a nation under Conditions of Entry (46 U.S.C. 70110)."""

    __tablename__ = "conditions_of_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nation_iso2: Mapped[str] = mapped_column(ForeignKey("nations.iso2"), index=True)
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    lifted_on: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    as_of: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    @property
    def active(self) -> bool:
        return self.lifted_on is None


@dataclass(frozen=True)
class NationRecord:
    """What we know of one nation, read in one go: the nation, its newest assessment and its COE listing."""

    nation: Nation
    assessment: Assessment | None
    coe: ConditionOfEntry | None


# --- queries ---------------------------------------------------------------------------------


def list_nations(*, session: Session, in_area: bool | None = None) -> list[Nation]:
    query = select(Nation).order_by(Nation.name)
    if in_area is not None:
        query = query.where(Nation.in_area.is_(in_area))
    return list(session.scalars(query))


def get_nation(*, session: Session, iso2: str) -> Nation | None:
    return session.get(Nation, iso2.upper())


def nations_fingerprint(*, session: Session) -> tuple[int, Any]:
    """Changes whenever a nation is added or updated: how many there are, and the newest write."""
    count, newest = session.execute(select(func.count(), func.max(Nation.recorded_at))).one()
    return count, newest


def latest_assessments(*, session: Session, iso2: str | None = None) -> dict[str, Assessment]:
    """The newest assessment of every nation that has one (or of one nation), by ISO code."""
    latest: dict[str, Assessment] = {}
    query = select(Assessment).order_by(Assessment.assessed_on, Assessment.id)
    if iso2 is not None:
        query = query.where(Assessment.nation_iso2 == iso2)
    for assessment in session.scalars(query):
        latest[assessment.nation_iso2] = assessment
    return latest


def coe_listings(*, session: Session, iso2: str | None = None) -> dict[str, ConditionOfEntry]:
    """Each nation's (or one nation's) current COE listing: an active one before a lifted one, then the newest."""
    listings: dict[str, ConditionOfEntry] = {}
    query = select(ConditionOfEntry).order_by(ConditionOfEntry.id)
    if iso2 is not None:
        query = query.where(ConditionOfEntry.nation_iso2 == iso2)
    rows = session.scalars(query)
    for row in rows:
        held = listings.get(row.nation_iso2)
        if held is None or _coe_rank(row) >= _coe_rank(held):
            listings[row.nation_iso2] = row
    return listings


def _coe_rank(row: ConditionOfEntry) -> tuple[bool, dt.date]:
    return (row.active, row.lifted_on or row.effective_on or dt.date.min)


def nation_records(*, session: Session, nations: list[Nation]) -> list[NationRecord]:
    only = nations[0].iso2 if len(nations) == 1 else None
    assessments = latest_assessments(session=session, iso2=only)
    listings = coe_listings(session=session, iso2=only)
    return [NationRecord(n, assessments.get(n.iso2), listings.get(n.iso2)) for n in nations]


def record_assessment(
    *, session: Session, nation: Nation, assessed_on: dt.date, outcome: str, source: str | None, recorded_by: str
) -> Assessment:
    assessment = Assessment(
        nation_iso2=nation.iso2,
        assessed_on=assessed_on,
        outcome=outcome,
        source=source,
        recorded_by=recorded_by,
        recorded_at=utcnow(),
    )
    session.add(assessment)
    session.flush()
    return assessment


# --- reference data --------------------------------------------------------------------------

NATION_FIELDS = (
    "iso3",
    "name",
    "official_name",
    "region",
    "kind",
    "sovereign",
    "tz",
    "in_area",
    "engagement",
    "aliases",
)


def read_reference(name: str) -> dict[str, Any]:
    with (REFERENCE / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass(frozen=True)
class AmbiguousName:
    """A name officers type that means several places ("korea"): the ISO codes it may mean, and a note."""

    means: tuple[str, ...]
    note: str = ""


@functools.cache
def ambiguous_names() -> dict[str, AmbiguousName]:
    """Names that mean several places, from the shipped nations file (never picked silently)."""
    listed = read_reference("nations.yaml").get("ambiguous") or {}
    return {
        str(name).lower(): AmbiguousName(tuple(item["means"]), item.get("note") or "") for name, item in listed.items()
    }


def load_reference(*, session: Session) -> dict[str, int]:
    """Load the shipped nations and COE snapshot. Idempotent; rows an officer recorded are never touched.

    Returns how many rows were added and updated.
    """
    counts = {"added": 0, "updated": 0}
    now = utcnow()
    existing = {n.iso2: n for n in session.scalars(select(Nation))}
    for item in read_reference("nations.yaml")["nations"]:
        values = {field: item.get(field) for field in NATION_FIELDS}
        values["aliases"] = [str(a).lower() for a in values["aliases"] or []]
        nation = existing.get(item["iso2"])
        if nation is None:
            session.add(Nation(iso2=item["iso2"], recorded_by=REFERENCE_DATA, recorded_at=now, **values))
            counts["added"] += 1
        elif nation.recorded_by == REFERENCE_DATA and any(getattr(nation, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(nation, key, value)
            nation.recorded_at = now
            counts["updated"] += 1
    session.flush()

    snapshot = read_reference("conditions_of_entry.yaml")
    as_of = snapshot["as_of"]
    shipped = {
        row.nation_iso2: row
        for row in session.scalars(select(ConditionOfEntry).where(ConditionOfEntry.recorded_by == REFERENCE_DATA))
    }
    for item in snapshot["records"]:
        values = {
            "effective_on": item.get("effective_on"),
            "lifted_on": item.get("lifted_on"),
            "source": item.get("source") or snapshot.get("source"),
            "note": item.get("note"),
            "as_of": item.get("as_of") or as_of,
        }
        row = shipped.get(item["iso2"])
        if row is None:
            session.add(
                ConditionOfEntry(nation_iso2=item["iso2"], recorded_by=REFERENCE_DATA, recorded_at=now, **values)
            )
            counts["added"] += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.recorded_at = now
            counts["updated"] += 1
    session.flush()
    return counts
