"""Nations and territories, their assessments and Conditions of Entry: tables, queries, the reference-data loader."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Select, String, Text, bindparam, case, func, select
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from storage.db import REFERENCE_DATA, Base, UTCDateTime, read_yaml, utcnow
from storage.visits import PLANNED, Visit

REFERENCE = Path(__file__).with_name("reference")

#: Kinds of place the program does not assess on their own: their sovereign's assessment covers them.
NOT_ASSESSED_ALONE = ("territory", "overseas_department")


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
    #: Who last put the nation in or out of our area (``/ipslo area``); the shipped file never changes it after.
    area_set_by: Mapped[str | None] = mapped_column(String(40))
    area_set_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    @property
    def covered_by(self) -> str | None:
        """The state whose assessment covers a place not assessed on its own (a dependent territory, an overseas
        department); None for a place assessed on its own."""
        return self.sovereign if self.kind in NOT_ASSESSED_ALONE else None


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

    @property
    def by_team(self) -> bool:
        """Recorded by an admin (``/ipslo coe``), not loaded from the shipped snapshot."""
        return self.recorded_by != REFERENCE_DATA

    def in_force(self, today: dt.date) -> bool:
        """Whether the conditions apply on ``today`` (a listing may be announced before it takes effect)."""
        started = self.effective_on is None or self.effective_on <= today
        return started and (self.lifted_on is None or self.lifted_on > today)

    def same_listing(self, other: ConditionOfEntry) -> bool:
        return (self.effective_on, self.lifted_on) == (other.effective_on, other.lifted_on)


class CoeException(Base):
    """A port facility a COE listing excepts, by IMO port facility number or name. Removed ones stay, marked."""

    __tablename__ = "coe_exceptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nation_iso2: Mapped[str] = mapped_column(ForeignKey("nations.iso2"), index=True)
    number: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    removed_by: Mapped[str | None] = mapped_column(String(40))
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    removed_source: Mapped[str | None] = mapped_column(String(300))

    @property
    def label(self) -> str:
        if self.name and self.number:
            return f"{self.name} ({self.number})"
        return self.name or self.number or "?"

    def is_named(self, typed: str) -> bool:
        """Whether ``typed`` is this facility's number or name (any case, spacing)."""
        wanted = _facility_key(typed)
        return wanted in (_facility_key(self.number or ""), _facility_key(self.name or ""))


def _facility_key(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


class CoeConfirmation(Base):
    """The team checked the whole COE list against the current advisory and found nothing changed."""

    __tablename__ = "coe_confirmations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    confirmed_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ReferenceChange(Base):
    """One change to the reference data (a listing, an exception, a confirmation, the area): who, when, what."""

    __tablename__ = "reference_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(20))
    nation_iso2: Mapped[str | None] = mapped_column(ForeignKey("nations.iso2"), index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


#: What a ReferenceChange is about.
LISTING, EXCEPTION, CONFIRMED, AREA = "listing", "exception", "confirmed", "area"


@dataclass(frozen=True)
class NationRecord:
    """What we know of one nation, read in one go: the nation, its newest assessment and its COE listing.

    ``coe`` is the team's newest record when there is one, else the shipped snapshot's; ``shipped`` is the
    shipped snapshot's listing when it is newer than the team's record and says something else.
    """

    nation: Nation
    assessment: Assessment | None
    coe: ConditionOfEntry | None
    exceptions: tuple[CoeException, ...] = ()
    shipped: ConditionOfEntry | None = None


# --- queries ---------------------------------------------------------------------------------


def list_nations(*, session: Session, in_area: bool | None = None) -> list[Nation]:
    query = select(Nation).order_by(Nation.name)
    if in_area is not None:
        query = query.where(Nation.in_area.is_(in_area))
    return list(session.scalars(query))


def get_nation(*, session: Session, iso2: str) -> Nation | None:
    return session.get(Nation, iso2.upper())


def nation_named(*, session: Session, name: str) -> Nation | None:
    """The nation whose name (not an alias or code) is exactly ``name``."""
    return session.scalars(select(Nation).where(Nation.name == name).order_by(Nation.iso2).limit(1)).first()


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
    """Each nation's (or one nation's) current COE listing: the team's newest record when there is one (what the
    team recorded always wins over the shipped snapshot), else the shipped one (active before lifted, then newest)."""
    team, shipped = _listings(session=session, iso2=iso2)
    return {**shipped, **team}


def _listings(*, session: Session, iso2: str | None) -> tuple[dict[str, ConditionOfEntry], dict[str, ConditionOfEntry]]:
    """(the team's newest record, the shipped snapshot's listing) per nation."""
    team: dict[str, ConditionOfEntry] = {}
    shipped: dict[str, ConditionOfEntry] = {}
    query = select(ConditionOfEntry).order_by(ConditionOfEntry.id)
    if iso2 is not None:
        query = query.where(ConditionOfEntry.nation_iso2 == iso2)
    for row in session.scalars(query):
        if row.by_team:
            team[row.nation_iso2] = row
            continue
        held = shipped.get(row.nation_iso2)
        if held is None or _coe_rank(row) >= _coe_rank(held):
            shipped[row.nation_iso2] = row
    return team, shipped


def _coe_rank(row: ConditionOfEntry) -> tuple[bool, dt.date]:
    return (row.active, row.lifted_on or row.effective_on or dt.date.min)


def coe_exceptions(*, session: Session, iso2: str | None = None) -> dict[str, list[CoeException]]:
    """The port facilities each listing excepts now (removed ones left out), in the order they were added."""
    query = select(CoeException).where(CoeException.removed_at.is_(None)).order_by(CoeException.id)
    if iso2 is not None:
        query = query.where(CoeException.nation_iso2 == iso2)
    found: dict[str, list[CoeException]] = {}
    for row in session.scalars(query):
        found.setdefault(row.nation_iso2, []).append(row)
    return found


def nation_records(*, session: Session, nations: list[Nation]) -> list[NationRecord]:
    only = nations[0].iso2 if len(nations) == 1 else None
    assessments = latest_assessments(session=session, iso2=only)
    team, shipped = _listings(session=session, iso2=only)
    exceptions = coe_exceptions(session=session, iso2=only)
    records = []
    for n in nations:
        ours, theirs = team.get(n.iso2), shipped.get(n.iso2)
        records.append(
            NationRecord(
                n,
                assessments.get(n.iso2),
                ours or theirs,
                exceptions=tuple(exceptions.get(n.iso2, ())),
                shipped=_differs(ours, theirs),
            )
        )
    return records


def _differs(ours: ConditionOfEntry | None, theirs: ConditionOfEntry | None) -> ConditionOfEntry | None:
    """The shipped listing when it is newer than the team's record and says something else (else None)."""
    if ours is None or theirs is None:
        return None
    return theirs if theirs.as_of > ours.recorded_at.date() and not theirs.same_listing(ours) else None


@dataclass(frozen=True)
class NationStatus:
    """What ``/ipslo status`` shows of one nation: its record, and its last and next planned visits."""

    record: NationRecord
    last_visit: Visit | None
    next_visit: Visit | None


@functools.cache
def _status_query() -> Select:
    """One nation (``:iso2``) as of a day (``:today``): the nation, its newest assessment, the team's newest COE
    record, the shipped snapshot's listing (as :func:`coe_listings` picks them) and the last and next planned
    visits, each joined by the id its own ordered ``LIMIT 1`` subquery picks; then its excepted port facilities, a
    row each (one row with none when there are none). Built once; every request reads the database afresh."""
    iso2, today = bindparam("iso2", type_=String), bindparam("today", type_=Date)
    team, shipped = aliased(ConditionOfEntry, name="team_coe"), aliased(ConditionOfEntry, name="shipped_coe")
    last, upcoming = aliased(Visit, name="last_visit"), aliased(Visit, name="next_visit")

    def first(column: Any, *where: Any, order: tuple) -> Any:
        return select(column).where(*where).order_by(*order).limit(1).scalar_subquery()

    newest_assessment = first(
        Assessment.id, Assessment.nation_iso2 == iso2, order=(Assessment.assessed_on.desc(), Assessment.id.desc())
    )
    coe = ConditionOfEntry
    team_listing = first(coe.id, coe.nation_iso2 == iso2, coe.recorded_by != REFERENCE_DATA, order=(coe.id.desc(),))
    # _coe_rank, highest first (active before lifted, then the latest date; no date is the lowest), then the newest
    shipped_listing = first(
        coe.id,
        coe.nation_iso2 == iso2,
        coe.recorded_by == REFERENCE_DATA,
        order=(
            case((coe.lifted_on.is_(None), 1), else_=0).desc(),
            func.coalesce(coe.lifted_on, coe.effective_on).desc().nulls_last(),
            coe.id.desc(),
        ),
    )
    planned = (Visit.nation_iso2 == iso2, Visit.status == PLANNED)
    last_visit = first(Visit.id, *planned, Visit.starts_on <= today, order=(Visit.starts_on.desc(), Visit.id.desc()))
    next_visit = first(Visit.id, *planned, Visit.starts_on > today, order=(Visit.starts_on, Visit.id))
    return (
        select(Nation, Assessment, team, shipped, last, upcoming, CoeException)
        .select_from(Nation)
        .outerjoin(Assessment, Assessment.id == newest_assessment)
        .outerjoin(team, team.id == team_listing)
        .outerjoin(shipped, shipped.id == shipped_listing)
        .outerjoin(last, last.id == last_visit)
        .outerjoin(upcoming, upcoming.id == next_visit)
        .outerjoin(CoeException, (CoeException.nation_iso2 == iso2) & CoeException.removed_at.is_(None))
        .where(Nation.iso2 == iso2)
        .order_by(CoeException.id)
    )


def nation_status(*, session: Session, iso2: str, today: dt.date) -> NationStatus | None:
    """One nation's record and its last and next planned visits, as :func:`nation_records` and
    ``storage.visits.last_and_next_visit`` give them, in one query (a row per excepted port facility). None for an
    unknown code."""
    rows = session.execute(_status_query(), {"iso2": iso2.upper(), "today": today}).all()
    if not rows:
        return None
    nation, assessment, ours, theirs, last, upcoming, _ = rows[0]
    exceptions = tuple(row[-1] for row in rows if row[-1] is not None)
    record = NationRecord(nation, assessment, ours or theirs, exceptions, _differs(ours, theirs))
    return NationStatus(record, last, upcoming)


@dataclass(frozen=True)
class Confirmation:
    """When the COE list was last checked whole, by whom and against what (the shipped snapshot's date if never)."""

    on: dt.date | None
    source: str
    by: str


def last_confirmation(*, session: Session) -> Confirmation:
    row = session.scalars(
        select(CoeConfirmation).order_by(CoeConfirmation.confirmed_on.desc(), CoeConfirmation.id.desc()).limit(1)
    ).first()
    shipped = session.scalar(
        select(func.max(ConditionOfEntry.as_of)).where(ConditionOfEntry.recorded_by == REFERENCE_DATA)
    )
    if row is not None and (shipped is None or row.confirmed_on >= shipped):
        return Confirmation(row.confirmed_on, row.source, row.recorded_by)
    return Confirmation(shipped, "the shipped snapshot", REFERENCE_DATA)


# --- the team's changes to the reference data: every one kept, with who, when, before and after -----------------


def record_change(
    *,
    session: Session,
    subject: str,
    nation_iso2: str | None,
    before: str | None,
    after: str | None,
    source: str | None,
    recorded_by: str,
) -> ReferenceChange:
    change = ReferenceChange(
        subject=subject,
        nation_iso2=nation_iso2,
        before=before,
        after=after,
        source=source,
        recorded_by=recorded_by,
        recorded_at=utcnow(),
    )
    session.add(change)
    session.flush()
    return change


def record_listing(
    *,
    session: Session,
    nation: Nation,
    effective_on: dt.date | None,
    lifted_on: dt.date | None,
    source: str,
    recorded_by: str,
    as_of: dt.date,
    note: str | None = None,
) -> ConditionOfEntry:
    """A new listing record for the nation (earlier ones are kept); the newest team record is the current one."""
    row = ConditionOfEntry(
        nation_iso2=nation.iso2,
        effective_on=effective_on,
        lifted_on=lifted_on,
        source=source,
        note=note,
        as_of=as_of,
        recorded_by=recorded_by,
        recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def add_exception(
    *, session: Session, nation: Nation, number: str | None, name: str | None, source: str, recorded_by: str
) -> CoeException:
    row = CoeException(
        nation_iso2=nation.iso2, number=number, name=name, source=source, recorded_by=recorded_by, recorded_at=utcnow()
    )
    session.add(row)
    session.flush()
    return row


def remove_exception(*, session: Session, exception: CoeException, source: str, removed_by: str) -> None:
    """Mark it removed; the row stays, so history and the shipped loader both still see it."""
    exception.removed_by, exception.removed_at, exception.removed_source = removed_by, utcnow(), source
    session.flush()


def confirm_list(*, session: Session, confirmed_on: dt.date, source: str, recorded_by: str) -> CoeConfirmation:
    row = CoeConfirmation(confirmed_on=confirmed_on, source=source, recorded_by=recorded_by, recorded_at=utcnow())
    session.add(row)
    session.flush()
    return row


def set_in_area(*, session: Session, nation: Nation, in_area: bool, set_by: str) -> None:
    nation.in_area, nation.area_set_by, nation.area_set_at = in_area, set_by, utcnow()
    session.flush()


def reference_history(*, session: Session, iso2: str | None = None) -> list[ReferenceChange]:
    """Every change to the reference data (or one nation's), oldest first."""
    query = select(ReferenceChange).order_by(ReferenceChange.recorded_at, ReferenceChange.id)
    if iso2 is not None:
        query = query.where(ReferenceChange.nation_iso2 == iso2)
    return list(session.scalars(query))


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


def assessments_on(*, session: Session, nation_iso2: str, assessed_on: dt.date) -> list[Assessment]:
    """A nation's assessments of one day, oldest record first (the newest is its status for that day)."""
    query = select(Assessment).where(Assessment.nation_iso2 == nation_iso2, Assessment.assessed_on == assessed_on)
    return list(session.scalars(query.order_by(Assessment.id)))


def set_assessment_source(*, session: Session, assessment: Assessment, source: str) -> Assessment:
    """Give an assessment on record its source (one it lacked, or another beside the one it has)."""
    assessment.source = source
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
    return read_yaml(REFERENCE / name)


@dataclass(frozen=True)
class AmbiguousName:
    """A name officers type that means several places ("korea"): the ISO codes it may mean, and a note."""

    means: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class AreaReference:
    """The shipped description of our area, and the page it quotes."""

    page: str
    description: str


@functools.cache
def area_reference() -> AreaReference:
    area = read_reference("nations.yaml")["area"]
    return AreaReference(area["page"], area["description"])


@functools.cache
def ambiguous_names() -> dict[str, AmbiguousName]:
    """Names that mean several places, from the shipped nations file (never picked silently)."""
    listed = read_reference("nations.yaml").get("ambiguous") or {}
    return {
        str(name).lower(): AmbiguousName(tuple(item["means"]), item.get("note") or "") for name, item in listed.items()
    }


def load_reference(*, session: Session) -> dict[str, int]:
    """Load the shipped nations, COE snapshot and excepted port facilities. Idempotent; what the team recorded is
    never touched: their listings, exceptions (added or removed) and the area (``/ipslo area``).

    Returns how many rows were added and updated. A change to a database that already held the snapshot is kept in
    the history, by ``reference-data``.
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
            continue
        if nation.area_set_by is not None:
            values.pop("in_area")  # the team decides the area
        if nation.recorded_by == REFERENCE_DATA and any(getattr(nation, k) != v for k, v in values.items()):
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
    first_load = not shipped
    listed = set()
    for item in snapshot["records"]:
        listed.add(item["iso2"])
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
            if not first_load:
                _shipped_change(session, LISTING, item["iso2"], None, _listing_words(values), values["source"])
        elif any(getattr(row, k) != v for k, v in values.items()):
            before = _listing_words(vars(row))
            for key, value in values.items():
                setattr(row, key, value)
            row.recorded_at = now
            counts["updated"] += 1
            if before != _listing_words(values):
                _shipped_change(session, LISTING, item["iso2"], before, _listing_words(values), values["source"])
        _load_exceptions(session, item, item.get("exceptions_source") or values["source"], first_load, counts)
    session.flush()
    return counts


def _load_exceptions(session: Session, item: dict[str, Any], source: str, first_load: bool, counts: dict) -> None:
    """The shipped excepted facilities of one listing: new ones added, dropped ones marked removed. A facility the
    team added or removed is never touched (it is found by number or name, removed or not)."""
    rows = list(session.scalars(select(CoeException).where(CoeException.nation_iso2 == item["iso2"])))
    wanted = item.get("exceptions") or []
    for facility in wanted:
        number, name = facility.get("number"), facility.get("name")
        if any(row.is_named(number or "") or row.is_named(name or "") for row in rows):
            continue
        row = CoeException(
            nation_iso2=item["iso2"],
            number=number,
            name=name,
            source=facility.get("source") or source,
            recorded_by=REFERENCE_DATA,
            recorded_at=utcnow(),
        )
        session.add(row)
        counts["added"] += 1
        if not first_load:
            _shipped_change(session, EXCEPTION, item["iso2"], None, f"Excepts {row.label}", row.source)
    for row in rows:
        still = any(row.is_named(f.get("number") or "") or row.is_named(f.get("name") or "") for f in wanted)
        if row.recorded_by == REFERENCE_DATA and row.removed_at is None and not still:
            remove_exception(
                session=session, exception=row, source="dropped from the shipped list", removed_by=REFERENCE_DATA
            )
            counts["updated"] += 1
            _shipped_change(session, EXCEPTION, item["iso2"], f"Excepts {row.label}", None, "the shipped list")


def _listing_words(values: dict[str, Any]) -> str:
    effective, lifted = values.get("effective_on"), values.get("lifted_on")
    since = f" since {effective:%Y-%m-%d}" if effective else ""
    if lifted:
        return f"Conditions of Entry{since}, lifted {lifted:%Y-%m-%d}"
    return f"Under Conditions of Entry{since}"


def _shipped_change(
    session: Session, subject: str, iso2: str, before: str | None, after: str | None, source: str | None
) -> None:
    record_change(
        session=session,
        subject=subject,
        nation_iso2=iso2,
        before=before,
        after=after,
        source=source,
        recorded_by=REFERENCE_DATA,
    )
