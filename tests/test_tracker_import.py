"""Importing the team's tracker (CSV and .xlsx) as an operator does it; `/ipslo export all` reads back the same."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from bot.__main__ import main
from bot.runtime import Database, open_database
from bot.settings import Settings
from storage.nations import Assessment
from storage.notes import Note, NoteChange
from storage.tracker import ImportedRecord
from storage.visits import Visit
from tests.conftest import ADMIN, OFFICER, Workspace, postgres_schema_url, served

NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
BOB = "U0BOBSMITH"
KIM_EMAIL = "kim@example.mil"

VISITS_CSV = """\
Country,Start date,End date,Type,Purpose,POC,Status
Fiji,2027-01-12,2027-01-16,Country visit,Port facility visits,kim@example.mil,
Tonga,12 Feb 2027,14 Feb 2027,Capacity building,PFSO seminar,Bob Smith,
Fijji,2027-03-01,2027-03-02,Country visit,,,
Samoa,03/04/2027,,Country visit,,,
Palau,2027-05-10,2027-05-01,Country visit,,,
Fiji,2027-01-12,2027-01-16,Country visit,Port facility visits,kim@example.mil,
Vanuatu,2026-06-01,2026-06-03,Country visit,,Jane Doe,Cancelled
Nauru,,,Country visit,,,
Palau,5 Apr 2027,7 Apr 2027,Reciprocal visit,,,
"""


@pytest.fixture
def desk(settings, database, standin) -> Iterator[Workspace]:
    standin.add_user(OFFICER, name="kim", real_name="Lt Kim", tz="Asia/Tokyo", email=KIM_EMAIL)
    standin.add_user(BOB, name="bob", real_name="Bob Smith", tz="Asia/Singapore")
    with served(settings, database, standin, clock=lambda: NOW) as workspace:
        yield workspace


def run_import(workspace: Workspace, path: Path, monkeypatch, capsys, *args: str, url: str | None = None) -> str:
    """`python -m bot import` as an operator runs it, with Slack (the stand-in) answering who the leads are."""
    monkeypatch.setenv("DATABASE_URL", url or workspace.settings.database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", workspace.settings.slack_bot_token or "")
    monkeypatch.setenv("SLACK_API_URL", workspace.settings.slack_api_url)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    capsys.readouterr()
    code = main(["import", str(path), *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def rows(database: Database, model: type) -> list:
    with database.sessions() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def test_a_csv_dry_run_shows_what_it_would_add_match_and_refuse_and_writes_nothing(
    desk: Workspace, tmp_path: Path, monkeypatch, capsys
) -> None:
    desk.command("visit add palau 2027-04-05 to 2027-04-07 reciprocal visit")
    path = tmp_path / "visits.csv"
    path.write_text(VISITS_CSV, encoding="utf-8")
    out = run_import(desk, path, monkeypatch, capsys, "--dry-run")
    assert "visits.csv: Would add: 3 visits." in out
    assert "+ row 2: Fiji, Tue 12 Jan – Sat 16 Jan 2027, country visit “Port facility visits”, lead @Lt Kim" in out
    assert (
        "+ row 3: Tonga, Fri 12 Feb – Sun 14 Feb 2027, capacity building “PFSO seminar”, "
        "lead Bob Smith (Slack member U0BOBSMITH)" in out
    )
    assert "+ row 8: Vanuatu, Mon 1 Jun – Wed 3 Jun 2026, country visit, lead “Jane Doe” (as text) (cancelled)" in out
    assert "Already on record: 2 visits." in out
    assert "= row 7: Fiji, Tue 12 Jan – Sat 16 Jan 2027" in out and "the same as row 2 of this file" in out
    assert "= row 10: Palau" in out and "the same as visit #1" in out
    assert "Cannot read 4 rows:" in out
    assert "! row 4: unknown nation “Fijji” (closest: Fiji," in out
    assert "! row 5: start date: “03/04/2027” is ambiguous" in out
    assert "! row 6: end date 1 May 2027 is before the start date 10 May 2027" in out
    assert "! row 9: no start date" in out
    assert "“Jane Doe” (row 8)" in out
    assert "Dry run: nothing was written" in out
    assert len(rows(desk.database, Visit)) == 1
    assert desk.standin.calls_to("users.lookupByEmail")[0].args["email"] == KIM_EMAIL


def test_a_csv_import_writes_the_good_rows_once_with_where_they_came_from(
    desk: Workspace, tmp_path: Path, monkeypatch, capsys
) -> None:
    path = tmp_path / "visits.csv"
    path.write_text(VISITS_CSV, encoding="utf-8")
    out = run_import(desk, path, monkeypatch, capsys, "--user", ADMIN)
    assert "visits.csv: Added: 4 visits." in out and "Cannot read 4 rows:" in out
    visits = rows(desk.database, Visit)
    assert [(v.nation_iso2, v.starts_on, v.lead_user_id, v.status) for v in visits] == [
        ("FJ", dt.date(2027, 1, 12), OFFICER, "planned"),
        ("TO", dt.date(2027, 2, 12), BOB, "planned"),
        ("VU", dt.date(2026, 6, 1), ADMIN, "cancelled"),  # the lead Slack does not know stays as text
        ("PW", dt.date(2027, 4, 5), ADMIN, "planned"),  # no lead given: the importer
    ]
    assert all(v.recorded_by == ADMIN for v in visits)
    sources = {r.record_id: r for r in rows(desk.database, ImportedRecord)}
    assert [(sources[v.id].file_name, sources[v.id].row_number, sources[v.id].imported_by) for v in visits] == [
        ("visits.csv", 2, ADMIN),
        ("visits.csv", 3, ADMIN),
        ("visits.csv", 8, ADMIN),
        ("visits.csv", 10, ADMIN),
    ]
    assert sources[visits[2].id].lead_name == "Jane Doe"
    assert "Fiji" in desk.command("visits mine").text  # the lead sees it like any visit, with its reminders

    again = run_import(desk, path, monkeypatch, capsys, "--user", ADMIN)
    assert "visits.csv: Added: nothing." in again and "Already on record: 5 visits." in again
    assert len(rows(desk.database, Visit)) == 4


def tracker_workbook() -> bytes:
    book = openpyxl.Workbook()
    visits = book.active
    visits.title = "Visits"
    visits.append(["Nation", "Start", "End", "Kind", "Title", "Lead"])
    visits.append(
        ["Fiji", dt.date(2025, 3, 10), dt.date(2025, 3, 14), "country visit", "Suva and Lautoka", "Bob Smith"]
    )
    visits.append(["Narnia", dt.date(2025, 4, 1), None, "", "", ""])
    assessments = book.create_sheet("Assessments")
    assessments.append(["Country", "Assessment date", "Outcome", "Source"])
    assessments.append(["FJ", dt.datetime(2025, 3, 14), "Substantially implementing the ISPS Code", "TR 25-011"])
    assessments.append(["Fiji", dt.datetime(2025, 3, 14), "substantially implementing", "again"])
    assessments.append(["Tonga", "2025-02-30", "substantially implementing", ""])
    assessments.append(["Tonga", dt.date(2025, 2, 20), "great", ""])
    notes = book.create_sheet("Notes")
    notes.append(["Nation", "Date", "Note", "Tags", "Author", "Visit"])
    notes.append(
        ["Fiji", dt.date(2025, 3, 12), "Met the DA; PFSP for Suva pending", "pfsp, da", KIM_EMAIL, dt.date(2025, 3, 10)]
    )
    notes.append(["Fiji", dt.date(2025, 3, 13), "", "", "", None])
    notes.append(["Fiji", "12 Mar", "No year here", "", "", None])
    empty = book.create_sheet("Contacts")
    empty.append(["Name", "Phone"])
    empty.append(["Someone", "123"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_tracker_with_a_sheet_each_imports_good_rows_and_names_bad_ones(
    desk: Workspace, tmp_path: Path, monkeypatch, capsys
) -> None:
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(tracker_workbook())
    out = run_import(desk, path, monkeypatch, capsys, "--user", ADMIN)
    assert "tracker.xlsx: Added: 1 visit, 1 assessment, 1 note." in out
    assert "= Assessments row 3: Fiji, 14 Mar 2025, found substantially implementing the ISPS Code" in out
    assert "! Visits row 3: unknown nation “Narnia”" in out
    assert "! Assessments row 4: assessment date: “2025-02-30” isn't a real date" in out
    assert "! Assessments row 5: unknown outcome “great”" in out
    assert "! Notes row 3: no note text" in out
    assert "! Notes row 4: date “12 Mar” has no year" in out
    assert "! Contacts row 1: missing column: no nation column" in out
    [note] = rows(desk.database, Note)
    [visit] = rows(desk.database, Visit)
    assert (note.author_user_id, note.tag_list, note.visit_id) == (OFFICER, ["pfsp", "da"], visit.id)
    assert visit.lead_user_id == BOB
    assert [c.action for c in rows(desk.database, NoteChange)] == ["created", "imported"]
    history = desk.command(f"note history {note.id}").text
    assert "imported" in history
    [assessment] = rows(desk.database, Assessment)
    assert (assessment.outcome, assessment.source) == ("substantially implementing the ISPS Code", "TR 25-011")
    assert "Found substantially implementing the ISPS Code (14 Mar 2025)" in desk.command("status fiji").text

    again = run_import(desk, path, monkeypatch, capsys, "--user", ADMIN)
    assert "Added: nothing." in again and "Already on record: 1 visit, 2 assessments, 1 note." in again


def test_a_file_with_no_readable_columns_says_which_column_is_missing(
    desk: Workspace, tmp_path: Path, monkeypatch, capsys
) -> None:
    path = tmp_path / "visits.csv"
    path.write_text("Nation,Purpose\nFiji,Port visits\n", encoding="utf-8")
    out = run_import(desk, path, monkeypatch, capsys, "--dry-run")
    assert "! row 1: missing column: no “Start” or “Start Date” or “Starts” column" in out


def test_export_all_writes_the_team_workbook_and_it_imports_back_to_the_same_records(
    desk: Workspace, database_url: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    desk.command("visit add fiji 2027-01-12 to 2027-01-16 country visit Suva port facilities")
    desk.command("visit add tonga 2027-02-01 capacity building", user=ADMIN)
    desk.command("visit add samoa 2026-10-05 to 2026-10-08 bilateral meeting")
    desk.command("visit cancel 2", user=ADMIN)
    desk.command("assess samoa 2026-10-07 substantially implementing trip report 26-090", user=ADMIN)
    desk.command("assess fiji 2023-01-20 not maintaining", user=ADMIN)
    desk.command("note samoa Met the DA in Apia #da")
    desk.command("note fiji =SUM(A1) is how the tracker once broke; kept as text")

    assert "only admins" in desk.command("export all").text
    answer = desk.command("export all", user=ADMIN)
    assert "3 visits, 2 assessments and 2 notes, one sheet each" in answer.text
    assert desk.standin.wait_for(lambda: any(f["completed"] for f in desk.standin.uploaded_files.values()))
    [upload] = [f for f in desk.standin.uploaded_files.values() if f["completed"]]
    assert upload["filename"] == "ipslo-team-2026-11-25.xlsx" and upload["channel_id"] == f"D{ADMIN}"
    book = openpyxl.load_workbook(io.BytesIO(upload["content"]))
    assert book.sheetnames == ["Visits", "Assessments", "Notes"]
    path = tmp_path / upload["filename"]
    path.write_bytes(upload["content"])

    def records(database: Database) -> dict[str, list]:
        with database.sessions() as session:
            starts = {v.id: v.starts_on for v in session.scalars(select(Visit))}
            return {
                "visits": sorted(
                    (v.nation_iso2, v.starts_on, v.ends_on, v.kind, v.title, v.lead_user_id, v.status)
                    for v in session.scalars(select(Visit))
                ),
                "assessments": sorted(
                    (a.nation_iso2, a.assessed_on, a.outcome, a.source) for a in session.scalars(select(Assessment))
                ),
                "notes": sorted(
                    (n.nation_iso2, n.noted_on, n.text, n.tags, n.author_user_id, starts.get(n.visit_id))
                    for n in session.scalars(select(Note))
                ),
            }

    if database_url.startswith("sqlite"):
        schemas = iter([f"sqlite:///{tmp_path / 'empty.db'}"])
    else:
        schemas = postgres_schema_url()
    empty_url = next(schemas)
    try:
        out = run_import(desk, path, monkeypatch, capsys, "--user", ADMIN, url=empty_url)
        assert "Added: 3 visits, 2 assessments, 2 notes." in out and "Every row could be read." in out
        empty = open_database(Settings(database_url=empty_url))
        try:
            assert records(empty) == records(desk.database)
            again = run_import(desk, path, monkeypatch, capsys, "--user", ADMIN, url=empty_url)
            assert "Added: nothing." in again
        finally:
            empty.engine.dispose()
    finally:
        for _ in schemas:  # drops the PostgreSQL schema
            pass


def test_import_needs_to_know_who_imports_and_refuses_an_old_excel_file(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'ipslo.db'}")
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert main(["import", str(path)]) == 2
    assert "--user U0123ABCD" in capsys.readouterr().err
    assert main(["import", str(path), "--dry-run"]) == 2
    assert "save it as .xlsx" in capsys.readouterr().err


def test_a_trackers_type_is_read_as_the_command_reads_it(desk: Workspace, tmp_path: Path, monkeypatch, capsys) -> None:
    """ "Workshop" or "Seminar" in the tracker's Type column is capacity building, as `visit add ... workshop` is; a
    type we have no kind for stays in the title."""
    path = tmp_path / "types.csv"
    path.write_text(
        "Country,Start date,End date,Type,Purpose\n"
        "Fiji,2027-01-12,2027-01-13,Workshop,PFSP writing\n"
        "Tonga,2027-02-12,2027-02-13,Seminar,\n"
        "Samoa,2027-03-12,2027-03-13,Port call,\n",
        encoding="utf-8",
    )
    run_import(desk, path, monkeypatch, capsys, "--user", ADMIN)
    assert [(v.nation_iso2, v.kind) for v in rows(desk.database, Visit)] == [
        ("FJ", "capacity building"),
        ("TO", "capacity building"),
        ("WS", "other"),
    ]
    assert "Port call" in (rows(desk.database, Visit)[2].title or "")


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("empty.csv", b"", "empty.csv is empty: there is nothing to import."),
        ("blank.csv", b"\n\n  \n", "blank.csv is empty: there is nothing to import."),
        ("notes.xlsx", b"Nation,Date,Note\nFiji,2026-01-01,hello\n", "notes.xlsx is not an Excel workbook I can read"),
    ],
)
def test_a_file_with_nothing_to_read_says_so_and_imports_nothing(
    desk: Workspace, tmp_path: Path, monkeypatch, capsys, name: str, data: bytes, said: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    monkeypatch.setenv("DATABASE_URL", desk.settings.database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", desk.settings.slack_bot_token or "")
    monkeypatch.setenv("SLACK_API_URL", desk.settings.slack_api_url)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    capsys.readouterr()
    code = main(["import", str(path), "--dry-run", "--user", ADMIN])
    captured = capsys.readouterr()
    assert code != 0 and said in captured.out + captured.err
    assert "Every row could be read" not in captured.out + captured.err
    assert rows(desk.database, Visit) == [] and rows(desk.database, Note) == []
