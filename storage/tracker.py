"""The team's tracker spreadsheet: where each imported record came from (file, sheet, row, who), and the queries an
import needs to tell a new row from one already on record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Index, Integer, String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import Base, UTCDateTime, utcnow
from storage.nations import Assessment
from storage.notes import Note, NoteChange
from storage.visits import Visit

VISIT = "visit"
ASSESSMENT = "assessment"
NOTE = "note"

#: The note history's word for a note that came in from the tracker.
IMPORTED = "imported"


class ImportedRecord(Base):
    """One record written by an import: which file, sheet and row it came from, who imported it, and when.

    ``lead_name`` keeps a visit's lead (or a note's author) as the spreadsheet wrote it when Slack could not say who
    that is; the record is then kept under the officer who imported it.
    """

    __tablename__ = "imported_records"
    __table_args__ = (Index("ix_imported_records_record_record_id", "record", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record: Mapped[str] = mapped_column(String(12))
    record_id: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))
    sheet: Mapped[str | None] = mapped_column(String(80))
    row_number: Mapped[int] = mapped_column(Integer)
    lead_name: Mapped[str | None] = mapped_column(String(200))
    imported_by: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    @property
    def where(self) -> str:
        sheet = f", sheet {self.sheet}" if self.sheet else ""
        return f"{self.file_name}{sheet}, row {self.row_number}"


def record_import(
    *,
    session: Session,
    record: str,
    record_id: int,
    file_name: str,
    sheet: str | None,
    row_number: int,
    imported_by: str,
    lead_name: str | None = None,
) -> ImportedRecord:
    row = ImportedRecord(
        record=record,
        record_id=record_id,
        file_name=file_name[:200],
        sheet=sheet[:80] if sheet else None,
        row_number=row_number,
        lead_name=lead_name[:200] if lead_name else None,
        imported_by=imported_by,
        imported_at=utcnow(),
    )
    session.add(row)
    if record == NOTE:  # a note's history shows the import like any other change
        note = session.get(Note, record_id)
        if note is not None:
            after = note.snapshot() | {"imported_from": row.where}
            session.add(
                NoteChange(
                    note_id=note.id,
                    action=IMPORTED,
                    before=None,
                    after=after,
                    changed_by=imported_by,
                    changed_at=row.imported_at,
                )
            )
    session.flush()
    return row


def provenance(*, session: Session, record: str, ids: Iterable[int] | None = None) -> dict[int, ImportedRecord]:
    """Where records of one kind came from, by record id (only those that were imported)."""
    query = select(ImportedRecord).where(ImportedRecord.record == record)
    if ids is not None:
        wanted = list(ids)
        if not wanted:
            return {}
        query = query.where(ImportedRecord.record_id.in_(wanted))
    return {row.record_id: row for row in session.scalars(query.order_by(ImportedRecord.id))}


def hold_imports(*, session: Session) -> None:
    """Take the team's import lock for this transaction, before reading what is on record: two imports (a Confirm
    pressed twice, two admins with the same file) run one after the other, so the second finds the first's rows and
    adds nothing. PostgreSQL: a transaction advisory lock; SQLite: its write lock, taken by an empty update."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
    else:
        session.execute(text("UPDATE imported_records SET row_number = row_number WHERE 0 = 1"))


#: The advisory lock an import holds on PostgreSQL (any number the app uses for nothing else).
IMPORT_LOCK = 0x1B5_10_14


# --- matching a row to a record already there ---------------------------------------------------


def matching_visit(*, session: Session, nation_iso2: str, starts_on: dt.date, ends_on: dt.date) -> Visit | None:
    """A visit (planned or cancelled) to the same nation on the same dates."""
    query = select(Visit).where(
        Visit.nation_iso2 == nation_iso2, Visit.starts_on == starts_on, Visit.ends_on == ends_on
    )
    return session.scalars(query.order_by(Visit.id).limit(1)).first()


def visit_starting(*, session: Session, nation_iso2: str, starts_on: dt.date) -> Visit | None:
    """The visit to a nation that starts on a day (a note names its visit so in the workbook)."""
    query = select(Visit).where(Visit.nation_iso2 == nation_iso2, Visit.starts_on == starts_on)
    return session.scalars(query.order_by(Visit.status.desc(), Visit.id).limit(1)).first()


def matching_assessment(*, session: Session, nation_iso2: str, assessed_on: dt.date, outcome: str) -> Assessment | None:
    query = select(Assessment).where(
        Assessment.nation_iso2 == nation_iso2, Assessment.assessed_on == assessed_on, Assessment.outcome == outcome
    )
    return session.scalars(query.order_by(Assessment.id).limit(1)).first()


def matching_note(*, session: Session, nation_iso2: str, noted_on: dt.date, text: str) -> Note | None:
    """A note (even a deleted one: an import never brings back what an officer deleted) with the same words."""
    query = select(Note).where(Note.nation_iso2 == nation_iso2, Note.noted_on == noted_on, Note.text == text)
    return session.scalars(query.order_by(Note.id).limit(1)).first()


# --- the whole team's records, for the workbook -------------------------------------------------


def all_visits(*, session: Session) -> list[Visit]:
    return list(session.scalars(select(Visit).order_by(Visit.starts_on, Visit.id)))


def all_assessments(*, session: Session) -> list[Assessment]:
    return list(session.scalars(select(Assessment).order_by(Assessment.assessed_on, Assessment.id)))


def all_notes(*, session: Session) -> list[Note]:
    query = select(Note).where(Note.deleted_at.is_(None))
    return list(session.scalars(query.order_by(Note.noted_on, Note.id)))
