"""The team's tracker spreadsheet in the officers' words: reading CSV and Excel (.xlsx) exports of visits, assessments
and notes, telling new rows from ones already on record and from rows that cannot be read, writing the good ones; and
the other way, the whole team's records as one workbook (``/ipslo export all``) that imports back to the same records.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from commands.language import (
    Caller,
    Caption,
    CommandError,
    Icon,
    Invocation,
    Reply,
    Section,
    Subcommand,
    Text,
    Typed,
    lines,
    plain_text,
    words,
)
from commands.lookup import nation_lookup, normalize
from commands.nations import NOT_MAINTAINING, OUTCOME_HINT, fmt_date, split_outcome
from commands.visits import KIND_WORDS, TITLE_KINDS, TITLE_LIMIT, dates_text, plan_reminders
from commands.when import WhenError, parse_date
from storage import nations as nation_store
from storage import notes as note_store
from storage import tracker as store
from storage import visits as visit_store
from storage.nations import Nation
from storage.officers import Officer

VISITS, ASSESSMENTS, NOTES = "visits", "assessments", "notes"
RECORD_OF = {VISITS: store.VISIT, ASSESSMENTS: store.ASSESSMENT, NOTES: store.NOTE}
SHEET_TITLES = {VISITS: "Visits", ASSESSMENTS: "Assessments", NOTES: "Notes"}

#: The columns an import reads, by field, with the names trackers give them (compared without case or punctuation).
COLUMNS: dict[str, tuple[str, ...]] = {
    "nation": (
        "nation",
        "country",
        "nation or territory",
        "nation territory",
        "country territory",
        "territory",
        "partner",
        "partner nation",
        "country name",
        "iso",
        "iso code",
        "iso2",
    ),
    "start": (
        "start",
        "start date",
        "starts",
        "starts on",
        "start on",
        "from",
        "begin",
        "begins",
        "date from",
        "first day",
        "arrival",
    ),
    "end": (
        "end",
        "end date",
        "ends",
        "ends on",
        "end on",
        "to",
        "until",
        "date to",
        "last day",
        "departure",
        "finish",
    ),
    "kind": ("kind", "type", "visit type", "engagement", "engagement type", "category", "activity"),
    "title": ("title", "purpose", "description", "subject", "event", "remarks"),
    "lead": (
        "lead",
        "poc",
        "lead officer",
        "lead ipslo",
        "ipslo",
        "officer",
        "point of contact",
        "lead poc",
        "poc email",
        "lead email",
        "lead e mail",
    ),
    "lead_id": ("lead id", "lead slack id", "lead member id"),
    "status": ("status", "state"),
    "date": (
        "date",
        "assessment date",
        "assessed",
        "assessed on",
        "date assessed",
        "date of assessment",
        "noted on",
        "note date",
        "day",
    ),
    "outcome": ("outcome", "result", "finding", "determination"),
    "source": ("source", "reference", "ref", "report", "trip report", "document"),
    "text": ("note", "notes", "text", "comment", "comments", "observation", "observations", "details"),
    "tags": ("tags", "tag", "keywords"),
    "author": ("author", "by", "written by", "officer", "poc"),
    "author_id": ("author id", "author slack id"),
    "visit": ("visit", "visit start", "visit start date"),
}
FIELDS = {
    VISITS: ("nation", "start", "end", "kind", "title", "lead", "lead_id", "status"),
    ASSESSMENTS: ("nation", "date", "outcome", "source"),
    NOTES: ("nation", "date", "text", "tags", "author", "author_id", "visit"),
}
REQUIRED = {VISITS: ("nation", "start"), ASSESSMENTS: ("nation", "date", "outcome"), NOTES: ("nation", "date", "text")}
CANCELLED_WORDS = ("cancelled", "canceled", "cancel", "called off")
MEMBER_ID = re.compile(r"^<?@?([UW][A-Z0-9]{6,})(?:\|[^>]*)?>?$")
EMAIL = re.compile(r"[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+")
YEAR = re.compile(r"\b\d{4}\b")
IMPORT_USAGE = words(Typed("python -m bot import FILE --dry-run"), " (then without ", Typed("--dry-run"), " to write)")


def column_names(name: str) -> str:
    """How a column is named in the README: its first name and two variants."""
    names = COLUMNS[name]
    return " or ".join(f"“{n.title()}”" for n in names[:3])


# --- reading the file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    sheet: str  # the sheet's name as the file gives it ("" for a CSV file)
    number: int  # as the spreadsheet numbers it: the header is row 1
    cells: dict[str, Any]

    def where(self) -> str:
        return f"{self.sheet} row {self.number}" if self.sheet else f"row {self.number}"


@dataclass(frozen=True)
class Problem:
    where: str
    reason: Text


@dataclass
class Sheet:
    name: str
    kind: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Tracker:
    """What was read from one file: its sheets of rows, and what could not be read at all."""

    file_name: str
    sheets: list[Sheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def header_key(text: Any) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text or "").lower()).strip()


def sheet_kind(name: str, headers: set[str]) -> str | None:
    key = header_key(name)
    for word, kind in (("visit", VISITS), ("assess", ASSESSMENTS), ("note", NOTES)):
        if word in key:
            return kind
    if headers & set(COLUMNS["outcome"]):
        return ASSESSMENTS
    if headers & set(COLUMNS["text"]):
        return NOTES
    if headers & set(COLUMNS["start"]):
        return VISITS
    return None


def read_rows(tracker: Tracker, sheet_name: str, rows: Iterable[tuple[Any, ...]], *, hint_kind: str | None) -> None:
    """One table (a CSV file or a worksheet): its header, its kind, and its rows keyed by field."""
    rows = iter(rows)
    header: tuple[Any, ...] | None = None
    number = 0
    for number, values in enumerate(rows, start=1):  # the header is the first row naming a nation column
        named = {header_key(v) for v in values if v not in (None, "")}
        if named & set(COLUMNS["nation"]):
            header = values
            break
        if number >= 10:
            break
    where = f"{sheet_name} row 1" if sheet_name else "row 1"
    if header is None:
        if number:  # an empty sheet says nothing
            tracker.problems.append(
                Problem(where, f"missing column: no nation column ({column_names('nation')}) in the first rows")
            )
        return
    keys = [header_key(v) for v in header]
    kind = sheet_kind(sheet_name, set(keys)) or hint_kind
    if kind is None:
        tracker.problems.append(
            Problem(
                where,
                "I can't tell whether this holds visits, assessments or notes: name the sheet (or file) after them, "
                f"or give a {column_names('start')}, {column_names('outcome')} or {column_names('text')} column",
            )
        )
        return
    positions: dict[str, int] = {}
    for name in FIELDS[kind]:
        for variant in COLUMNS[name]:
            if variant in keys and keys.index(variant) not in positions.values():
                positions[name] = keys.index(variant)
                break
    if kind == VISITS and "start" not in positions and "date" in keys:
        positions["start"] = keys.index("date")  # a one-day visit per row: "Date"
    header_where = f"{sheet_name} row {number}" if sheet_name else f"row {number}"
    missing = [name for name in REQUIRED[kind] if name not in positions]
    if missing:
        tracker.problems.append(
            Problem(
                header_where,
                "missing column: "
                + "; ".join(f"no {column_names(m)} column" for m in missing)
                + f", so none of its {SHEET_TITLES[kind].lower()} could be read",
            )
        )
        return
    sheet = Sheet(sheet_name, kind)
    for row_number, values in enumerate(rows, start=number + 1):
        cells = {name: values[i] if i < len(values) else None for name, i in positions.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        sheet.rows.append(Row(sheet_name, row_number, cells))
    tracker.sheets.append(sheet)


def kind_from_name(file_name: str) -> str | None:
    return sheet_kind(PurePath(file_name).stem, set())


def read_tracker(file_name: str, data: bytes) -> Tracker:
    """Read a CSV or .xlsx file (told apart by content, not only by name). Raises CommandError if it is neither."""
    tracker = Tracker(PurePath(file_name).name)
    if data[:4] == b"PK\x03\x04":  # .xlsx is a zip file
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:
            raise CommandError(
                f"{tracker.file_name} is not an Excel workbook I can read ({error.__class__.__name__}).",
                hint="Save it from Excel as .xlsx (Excel Workbook) or as CSV UTF-8.",
            ) from None
        try:
            for worksheet in book.worksheets:
                read_rows(tracker, worksheet.title, worksheet.iter_rows(values_only=True), hint_kind=None)
        finally:
            book.close()
        return tracker
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise CommandError(
            f"{tracker.file_name} is an old Excel file (.xls).",
            hint="Open it in Excel and save it as .xlsx (Excel Workbook) or CSV UTF-8, then import that.",
        )
    if PurePath(file_name).suffix.lower() in (".xlsx", ".xlsm"):
        # named as a workbook but not one: never read as CSV ("missing column" would blame the wrong thing)
        raise CommandError(
            f"{tracker.file_name} is not an Excel workbook I can read (it is named .xlsx but holds no workbook).",
            hint="Save it from Excel as .xlsx (Excel Workbook) or as CSV UTF-8.",
        )
    if not data.strip():
        raise CommandError(
            f"{tracker.file_name} is empty: there is nothing to import.",
            hint="Export the tracker from Excel as .xlsx (Excel Workbook) or CSV UTF-8, with a header row.",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV (Comma delimited)" on Windows
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [tuple(row) for row in csv.reader(io.StringIO(text), dialect)]
    read_rows(tracker, "", rows, hint_kind=kind_from_name(file_name))
    return tracker


# --- reading cells ------------------------------------------------------------------------------


class RowError(Exception):
    """Why a row cannot be read."""

    def __init__(self, reason: Text):
        super().__init__(plain_text(reason))
        self.reason = reason


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def cell_date(value: Any, what: str, *, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        raise RowError(
            f"{what} “{cell_text(value)}” is a number, not a date: format the column as dates or write 2027-01-12"
        )
    typed = cell_text(value)
    if not typed:
        raise RowError(f"no {what}")
    try:
        day = parse_date(typed, today=today)
    except WhenError as error:
        raise RowError(f"{what}: {error}") from None
    if not YEAR.search(typed):
        raise RowError(f"{what} “{typed}” has no year: write it as {day:%-d %b %Y} or {day.isoformat()}")
    return day


# --- the plan: what would be added, what is there already, what cannot be read -------------------


class Directory(Protocol):
    """Who a name or e-mail address in the tracker is, where Slack can say (bot/import_form.py asks Slack)."""

    def member_for(self, typed: str) -> str | None: ...


def member_id(typed: str) -> str | None:
    """A Slack member ID written as such ("U0123ABCD" or "<@U0123ABCD>")."""
    match = MEMBER_ID.match(typed.strip())
    return match[1] if match and any(c.isdigit() for c in match[1]) else None


def people_in(tracker: Tracker) -> set[str]:
    """Leads and authors written as names or e-mail addresses, to be looked up before planning."""
    found = set()
    for sheet in tracker.sheets:
        for row in sheet.rows:
            for name, id_name in (("lead", "lead_id"), ("author", "author_id")):
                typed = cell_text(row.cells.get(name))
                if typed and not member_id(typed) and not member_id(cell_text(row.cells.get(id_name))):
                    found.add(typed)
    return found


def resolve_people(typed: Iterable[str], directory: Directory | None) -> dict[str, str | None]:
    """Each name or address, and the member Slack says it is (None: kept as text)."""
    out: dict[str, str | None] = {}
    for text in typed:
        out[text] = None
        if directory is None:
            continue
        email = EMAIL.search(text)
        try:
            out[text] = directory.member_for(email[0] if email else text)
        except Exception:  # Slack cannot say: kept as text
            out[text] = None
    return out


@dataclass
class Planned:
    """A row that reads cleanly: what it would write, or the record it matches."""

    kind: str
    row: Row
    line: str
    values: dict[str, Any]
    matches: str | None = None  # "visit #3" or "row 4 of this file" when it is on record already


@dataclass
class Preview:
    file_name: str
    added: list[Planned] = field(default_factory=list)
    already: list[Planned] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    kept_as_text: dict[str, list[str]] = field(default_factory=dict)  # a lead or author, and where
    written: bool = False

    def count(self, items: list[Planned]) -> str:
        counts = [(kind, sum(1 for p in items if p.kind == kind)) for kind in (VISITS, ASSESSMENTS, NOTES)]
        said = [f"{n} {SHEET_TITLES[kind].lower()[:-1]}{'' if n == 1 else 's'}" for kind, n in counts if n]
        return ", ".join(said) or "nothing"

    def lines(
        self, *, dry_run: bool, limit: int | None = None, problem_limit: int | None = None, closing: Text | None = None
    ) -> list[Text]:
        def capped(items: list[Text]) -> list[Text]:
            if limit is None or len(items) <= limit:
                return items
            return [*items[:limit], f"  … and {len(items) - limit} more"]

        verb = "Would add" if dry_run else ("Added" if self.written else "To add")
        out: list[Text] = [f"{self.file_name}: {verb}: {self.count(self.added)}."]
        out += capped([f"  + {p.row.where()}: {p.line}" for p in self.added])
        out.append(f"Already on record: {self.count(self.already)}.")
        out += capped([f"  = {p.row.where()}: {p.line}: the same as {p.matches}" for p in self.already])
        if self.problems:
            out.append(f"Cannot read {len(self.problems)} row{'' if len(self.problems) == 1 else 's'}:")
            problems: list[Text] = [words(f"  ! {p.where}: ", p.reason) for p in self.problems]
            out += (
                problems
                if problem_limit is None or len(problems) <= problem_limit
                else [
                    *problems[:problem_limit],
                    words(
                        f"  … and {len(problems) - problem_limit} more: ",
                        Typed("python -m bot import FILE --dry-run"),
                        " lists all",
                    ),
                ]
            )
        else:
            out.append("Every row could be read.")
        if self.kept_as_text:
            out.append(
                "Kept as text (Slack has no member by that name or address; the records stay under the importer):"
            )
            out += capped([f"  ? “{who}” ({', '.join(where)})" for who, where in sorted(self.kept_as_text.items())])
        if closing is not None:
            out.append(closing)
        elif dry_run:
            out.append("Dry run: nothing was written. Run it again without --dry-run to write the rows to add.")
        return out

    def reply(self, *, dry_run: bool, limit: int = 15, closing: Text | None = None) -> Reply:
        said = self.lines(dry_run=dry_run, limit=limit, closing=closing)
        return Reply(said[0], parts=(Section(lines(said)),))


def nation_of(lookup: Any, typed: str) -> Nation:
    if not typed:
        raise RowError("no nation")
    nation = lookup.exact(typed)
    if nation is None:
        closest = ", ".join(n.name for _, n in lookup.ranked(typed))
        raise RowError(f"unknown nation “{typed}” (closest: {closest}); write its name or ISO code exactly")
    return nation


def visit_kind(typed: str) -> tuple[str, str | None]:
    """The visit kind, and the words kept in the title when the tracker's kind is not one of ours."""
    if not typed:
        return visit_store.COUNTRY_VISIT, None
    kind = KIND_WORDS.get(normalize(typed)) or TITLE_KINDS.get(normalize(typed))  # "Workshop": as the command reads it
    return (kind, None) if kind else (visit_store.OTHER, typed)


def person(row: Row, name: str, id_name: str, people: dict[str, str | None]) -> tuple[str | None, str | None]:
    """(member id, text kept when Slack cannot say who it is)."""
    given_id = member_id(cell_text(row.cells.get(id_name)))
    typed = cell_text(row.cells.get(name))
    if given_id:
        return given_id, None
    if not typed:
        return None, None
    found = member_id(typed) or people.get(typed)
    return (found, None) if found else (None, typed)


def who_is(row: Row, name: str, id_name: str, member: str | None, kept: str | None, names: dict[str, str]) -> str:
    """A lead or author as the preview shows them: the member Slack named, or the words kept as text."""
    if kept:
        return f"“{kept}” (as text)"
    if not member:
        return "the importer"
    if member in names:
        return f"@{names[member]}"
    typed = cell_text(row.cells.get(name))
    return f"{typed} (Slack member {member})" if typed and typed != member else f"@{member}"


def plan(*, session: Session, tracker: Tracker, people: dict[str, str | None], today: dt.date) -> Preview:
    """Read every row against the database: to add, already on record (or repeated in the file), or unreadable."""
    preview = Preview(tracker.file_name, problems=list(tracker.problems))
    lookup = nation_lookup(session=session)
    names = {o.user_id: o.name for o in session.scalars(select(Officer))}
    seen: dict[tuple, str] = {}
    for sheet in sorted(tracker.sheets, key=lambda s: (VISITS, ASSESSMENTS, NOTES).index(s.kind)):
        for row in sheet.rows:
            try:
                planned = plan_row(session, lookup, sheet.kind, row, people, names, today)
            except RowError as error:
                preview.problems.append(Problem(row.where(), error.reason))
                continue
            key = (sheet.kind, *planned.values["key"])
            if planned.matches is None and key in seen:
                planned.matches = seen[key]
            seen.setdefault(key, f"{row.where()} of this file")
            (preview.already if planned.matches else preview.added).append(planned)
            kept = planned.values.get("kept_as_text")
            if kept and not planned.matches:
                preview.kept_as_text.setdefault(kept, []).append(row.where())
    preview.problems.sort(key=lambda p: p.where)
    return preview


def plan_row(
    session: Session,
    lookup: Any,
    kind: str,
    row: Row,
    people: dict[str, str | None],
    names: dict[str, str],
    today: dt.date,
) -> Planned:
    cells = row.cells
    nation = nation_of(lookup, cell_text(cells.get("nation")))
    if kind == VISITS:
        starts_on = cell_date(cells.get("start"), "start date", today=today)
        ends_on = cell_date(cells["end"], "end date", today=today) if cell_text(cells.get("end")) else starts_on
        if ends_on < starts_on:
            raise RowError(f"end date {fmt_date(ends_on)} is before the start date {fmt_date(starts_on)}")
        visit_kind_, extra = visit_kind(cell_text(cells.get("kind")))
        title = cell_text(cells.get("title")) or None
        if extra:
            title = f"{extra}: {title}" if title else extra
        if title and len(title) > TITLE_LIMIT:
            raise RowError(f"the title is {len(title)} characters long; at most {TITLE_LIMIT} (put the rest in a note)")
        lead, kept = person(row, "lead", "lead_id", people)
        status = (
            visit_store.CANCELLED
            if normalize(cell_text(cells.get("status"))) in CANCELLED_WORDS
            else visit_store.PLANNED
        )
        who = who_is(row, "lead", "lead_id", lead, kept, names)
        days = dates_text(visit_store.Visit(starts_on=starts_on, ends_on=ends_on))
        line = f"{nation.name}, {days}, {visit_kind_}" + (f" “{title}”" if title else "") + f", lead {who}"
        if status == visit_store.CANCELLED:
            line += " (cancelled)"
        values = dict(
            key=(nation.iso2, starts_on, ends_on),
            nation=nation,
            starts_on=starts_on,
            ends_on=ends_on,
            kind=visit_kind_,
            title=title,
            lead=lead,
            kept_as_text=kept,
            status=status,
        )
        found = store.matching_visit(session=session, nation_iso2=nation.iso2, starts_on=starts_on, ends_on=ends_on)
        return Planned(kind, row, line, values, f"visit #{found.id}" if found else None)
    if kind == ASSESSMENTS:
        assessed_on = cell_date(cells.get("date"), "assessment date", today=today)
        if assessed_on > today:
            raise RowError(f"assessment date {fmt_date(assessed_on)} is in the future")
        typed = cell_text(cells.get("outcome"))
        if not typed:
            raise RowError(words("no outcome. ", OUTCOME_HINT))
        try:
            outcome, _rest = split_outcome(typed.split())
        except CommandError:
            raise RowError(words(f"unknown outcome “{typed}”. ", OUTCOME_HINT)) from None
        if outcome != NOT_MAINTAINING and normalize(typed).startswith("not "):
            raise RowError(words(f"unknown outcome “{typed}”. ", OUTCOME_HINT))
        source = cell_text(cells.get("source")) or None
        line = f"{nation.name}, {fmt_date(assessed_on)}, found {outcome}"
        values = dict(
            key=(nation.iso2, assessed_on, outcome),
            nation=nation,
            assessed_on=assessed_on,
            outcome=outcome,
            source=source[:300] if source else None,
        )
        assessed = store.matching_assessment(
            session=session, nation_iso2=nation.iso2, assessed_on=assessed_on, outcome=outcome
        )
        return Planned(kind, row, line, values, f"assessment of {fmt_date(assessed.assessed_on)}" if assessed else None)
    noted_on = cell_date(cells.get("date"), "date", today=today)
    text = cell_text(cells.get("text")).replace("\r\n", "\n")
    if not text:
        raise RowError("no note text")
    if len(text) > note_store.MAX_TEXT:
        raise RowError(f"the note is {len(text)} characters long; a note holds at most {note_store.MAX_TEXT}")
    author, kept = person(row, "author", "author_id", people)
    tags = note_store.normalize_tags([cell_text(cells.get("tags"))])
    visit_day = cells.get("visit")
    visit_start = cell_date(visit_day, "visit start date", today=today) if cell_text(visit_day) else None
    short = text if len(text) <= 60 else text[:59] + "…"
    line = f"{nation.name}, {fmt_date(noted_on)}: “{short}”"
    values = dict(
        key=(nation.iso2, noted_on, text),
        nation=nation,
        noted_on=noted_on,
        text=text,
        author=author,
        kept_as_text=kept,
        tags=tags,
        visit_start=visit_start,
    )
    noted = store.matching_note(session=session, nation_iso2=nation.iso2, noted_on=noted_on, text=text)
    return Planned(kind, row, line, values, f"note #{noted.id}" if noted else None)


# --- writing ------------------------------------------------------------------------------------


def note_key(values: dict[str, Any]) -> str:
    digest = hashlib.sha256(f"{values['nation'].iso2}|{values['noted_on']}|{values['text']}".encode()).hexdigest()
    return f"import:{digest[:60]}"


def apply(inv: Invocation, preview: Preview) -> Preview:
    """Write the rows to add (in the invocation's one transaction), each with where it came from and who imported it."""
    importer = inv.caller.user_id
    for planned in preview.added:
        values, row = planned.values, planned.row
        record_id: int
        if planned.kind == VISITS:
            visit = visit_store.add_visit(
                session=inv.session,
                nation_iso2=values["nation"].iso2,
                starts_on=values["starts_on"],
                ends_on=values["ends_on"],
                kind=values["kind"],
                title=values["title"],
                lead_user_id=values["lead"] or importer,
                recorded_by=importer,
            )
            if values["status"] == visit_store.CANCELLED:
                visit.status = visit_store.CANCELLED
            elif values["lead"] and visit.ends_on >= inv.today:
                plan_reminders(inv, visit, values["nation"].name)  # the lead hears of it like any visit planned
            record_id = visit.id
        elif planned.kind == ASSESSMENTS:
            record_id = nation_store.record_assessment(
                session=inv.session,
                nation=values["nation"],
                assessed_on=values["assessed_on"],
                outcome=values["outcome"],
                source=values["source"],
                recorded_by=importer,
            ).id
        else:
            visit_id = None
            if values["visit_start"]:
                found = store.visit_starting(
                    session=inv.session, nation_iso2=values["nation"].iso2, starts_on=values["visit_start"]
                )
                visit_id = found.id if found else None
            note, _created = note_store.add_note(
                session=inv.session,
                nation_iso2=values["nation"].iso2,
                text=values["text"],
                noted_on=values["noted_on"],
                author_user_id=values["author"] or importer,
                idempotency_key=note_key(values),
                visit_id=visit_id,
                tags=values["tags"],
            )
            record_id = note.id
        store.record_import(
            session=inv.session,
            record=RECORD_OF[planned.kind],
            record_id=record_id,
            file_name=preview.file_name,
            sheet=row.sheet or None,
            row_number=row.number,
            imported_by=importer,
            lead_name=values.get("kept_as_text"),
        )
    inv.session.flush()
    preview.written = True
    return preview


def import_file(
    inv: Invocation, *, file_name: str, data: bytes, people: dict[str, str | None], dry_run: bool
) -> Preview:
    """Plan an import and, unless ``dry_run``, write it in the invocation's transaction."""
    tracker = read_tracker(file_name, data)
    preview = plan(session=inv.session, tracker=tracker, people=people, today=inv.today)
    return preview if dry_run else apply(inv, preview)


def importer_invocation(
    *, session: Session, user_id: str, now: dt.datetime, tz: Any, visit_reminders: tuple[int, ...]
) -> Invocation:
    """An invocation for an import run from the command line, by the officer named with ``--user``."""
    return Invocation(
        caller=Caller(user_id=user_id, tz=tz, is_admin=True), session=session, now=now, visit_reminders=visit_reminders
    )


# --- the whole team's records as one workbook ---------------------------------------------------

VISIT_HEADERS = (
    "ID",
    "Nation",
    "ISO",
    "Start",
    "End",
    "Kind",
    "Title",
    "Lead",
    "Lead ID",
    "Status",
    "Recorded by",
    "Recorded at (UTC)",
    "Imported from",
)
ASSESSMENT_HEADERS = (
    "ID",
    "Nation",
    "ISO",
    "Date",
    "Outcome",
    "Source",
    "Recorded by",
    "Recorded at (UTC)",
    "Imported from",
)
NOTE_HEADERS = (
    "ID",
    "Nation",
    "ISO",
    "Date",
    "Text",
    "Tags",
    "Author",
    "Author ID",
    "Visit start",
    "Recorded at (UTC)",
    "Imported from",
)


def team_workbook(*, session: Session) -> tuple[bytes, dict[str, int]]:
    """Every visit, assessment and (undeleted) note, a sheet each, in the columns ``import`` reads back."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    names = {o.user_id: o.name for o in session.scalars(select(Officer))}
    nations = {n.iso2: n.name for n in nation_store.list_nations(session=session)}
    visits = store.all_visits(session=session)
    assessments = store.all_assessments(session=session)
    notes = store.all_notes(session=session)
    visit_from = store.provenance(session=session, record=store.VISIT)
    assessment_from = store.provenance(session=session, record=store.ASSESSMENT)
    note_from = store.provenance(session=session, record=store.NOTE)
    visit_starts = {v.id: v.starts_on for v in visits}

    def naive(moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)

    book = openpyxl.Workbook()
    book.remove(book.active)

    def sheet(title: str, headers: tuple[str, ...], rows: list[list[Any]]) -> None:
        ws = book.create_sheet(title)
        ws.append(list(headers))
        for values in rows:
            ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
        for cells in ws.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # words that begin with "=" are text, never a formula
                elif isinstance(cell.value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        for number, header in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(number)].width = 60 if header == "Text" else max(12, len(header) + 2)
        ws.freeze_panes = "A2"

    sheet(
        "Visits",
        VISIT_HEADERS,
        [
            [
                v.id,
                nations.get(v.nation_iso2, v.nation_iso2),
                v.nation_iso2,
                v.starts_on,
                v.ends_on,
                v.kind,
                v.title or "",
                (
                    visit_from[v.id].lead_name
                    if v.id in visit_from and visit_from[v.id].lead_name
                    else names.get(v.lead_user_id, v.lead_user_id)
                ),
                "" if v.id in visit_from and visit_from[v.id].lead_name else v.lead_user_id,
                v.status,
                v.recorded_by,
                naive(v.recorded_at),
                visit_from[v.id].where if v.id in visit_from else "",
            ]
            for v in visits
        ],
    )
    sheet(
        "Assessments",
        ASSESSMENT_HEADERS,
        [
            [
                a.id,
                nations.get(a.nation_iso2, a.nation_iso2),
                a.nation_iso2,
                a.assessed_on,
                a.outcome,
                a.source or "",
                a.recorded_by,
                naive(a.recorded_at),
                assessment_from[a.id].where if a.id in assessment_from else "",
            ]
            for a in assessments
        ],
    )
    sheet(
        "Notes",
        NOTE_HEADERS,
        [
            [
                n.id,
                nations.get(n.nation_iso2, n.nation_iso2),
                n.nation_iso2,
                n.noted_on,
                n.text,
                " ".join(n.tag_list),
                (
                    note_from[n.id].lead_name
                    if n.id in note_from and note_from[n.id].lead_name
                    else names.get(n.author_user_id, n.author_user_id)
                ),
                "" if n.id in note_from and note_from[n.id].lead_name else n.author_user_id,
                visit_starts.get(n.visit_id) if n.visit_id else None,
                naive(n.created_at),
                note_from[n.id].where if n.id in note_from else "",
            ]
            for n in notes
        ],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), {VISITS: len(visits), ASSESSMENTS: len(assessments), NOTES: len(notes)}


@dataclass(frozen=True)
class Workbook:
    """What ``/ipslo export all`` answers: the reply, and the workbook sent to the officer's direct message."""

    reply: Reply
    filename: str
    title: str
    content: bytes


def export_all(inv: Invocation) -> Workbook:
    if not inv.caller.is_admin:
        raise CommandError(
            words(Typed("/ipslo export all"), " holds every note of the team, so only admins may run it."),
            hint=words(
                Typed("/ipslo export <nation>"),
                " exports one nation; ask an admin (IPSLO_ADMINS) for the whole team's.",
            ),
        )
    content, counts = team_workbook(session=inv.session)
    day = inv.today.isoformat()
    filename = f"ipslo-team-{day}.xlsx"
    summary = (
        f"Export of the whole team: {counts[VISITS]} visits, {counts[ASSESSMENTS]} assessments and {counts[NOTES]} "
        "notes, one sheet each. Sending the workbook to you in a direct message from the bot."
    )
    reply = Reply(
        summary,
        parts=(
            Section(summary, icon=Icon.FILE),
            Caption(
                words(
                    f"File: {filename} · ",
                    Typed(f"python -m bot import {filename}"),
                    " reads it back to the same records.",
                )
            ),
        ),
    )
    return Workbook(reply, filename, f"IPSLO team records {day}", content)


def import_help(inv: Invocation, text: str) -> Reply:
    raise CommandError(
        words(Typed("/ipslo import"), " takes no words after it: it opens a form where you attach the tracker file."),
        hint=words(
            "Type ",
            Typed("/ipslo import"),
            " alone, or on the bot's server ",
            IMPORT_USAGE,
            ". The README lists the columns it reads; ",
            Typed("/ipslo export all"),
            " (admins) writes the team's records as a workbook that imports back.",
        ),
    )


# --- the import form in Slack (bot/import_form.py): a file, its preview, and the write once confirmed ----------

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_TYPES = ("csv", "xlsx")
NOT_ADMIN = CommandError(
    "Only admins may import the tracker: an import writes visits, assessments and notes for the whole team.",
    hint=words(
        "Ask an admin (IPSLO_ADMINS) to import it, or to add you. ",
        Typed("/ipslo export all"),
        " is admins' too; ",
        Typed("/ipslo export <nation>"),
        " exports one nation.",
    ),
)
PREVIEW_CLOSING = "Nothing is written until you press Confirm import. Importing the same file again adds nothing."


def check_upload(*, file_name: str, filetype: str, size: int) -> None:
    """A file attached to the form, before it is fetched: a CSV or .xlsx file of at most 5 MB."""
    kind = (filetype or PurePath(file_name).suffix.lstrip(".")).lower()
    if kind not in UPLOAD_TYPES and PurePath(file_name).suffix.lower() not in (".csv", ".xlsx"):
        raise CommandError(
            f"{file_name} is not a CSV or .xlsx file.",
            hint="Attach the tracker saved from Excel as .xlsx (Excel Workbook) or as CSV UTF-8.",
        )
    if size > MAX_UPLOAD_BYTES:
        raise CommandError(
            f"{file_name} is {size / 1024 / 1024:.1f} MB; the form takes files of at most "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB.",
            hint=words("Split it into a file per sheet, or on the bot's server run ", IMPORT_USAGE, "."),
        )


def preview_upload(inv: Invocation, *, tracker: Tracker, people: dict[str, str | None]) -> Preview:
    """The form's preview: what the file would add, what is on record already, every row it cannot read."""
    if not inv.caller.is_admin:
        raise NOT_ADMIN
    return plan(session=inv.session, tracker=tracker, people=people, today=inv.today)


def confirm_upload(inv: Invocation, *, tracker: Tracker, people: dict[str, str | None]) -> Preview:
    """Confirm pressed: the plan made again under the team's import lock and written, imported by the caller. A second
    press (or a second admin with the same file) waits for the first and finds its rows on record: it adds nothing."""
    if not inv.caller.is_admin:
        raise NOT_ADMIN
    store.hold_imports(session=inv.session)
    preview = plan(session=inv.session, tracker=tracker, people=people, today=inv.today)
    return apply(inv, preview)


SUBCOMMANDS = (
    Subcommand(
        "import",
        "import",
        "Bring in the team's tracker spreadsheet (admins; “export all” writes the team's records as one workbook)",
        "python -m bot import tracker.xlsx --dry-run",
        import_help,
        admin_only=True,
    ),
)
