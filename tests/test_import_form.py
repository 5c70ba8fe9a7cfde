"""The import form in Slack, as an admin uses it: bare `/ipslo import` opens a file field; the attached tracker is
fetched from Slack with the bot token, previewed (nothing written) and written once when the admin presses Confirm
import.
Signed slash commands and view submissions over HTTP to the real app; Slack's files.info and file download answered by
the stand-in; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.runtime import Database
from storage.tracker import ImportedRecord
from storage.visits import Visit
from tests.conftest import ADMIN, OFFICER, SIGNING_SECRET, Answer, Workspace, served
from tests.reading import render
from tests.test_tracker_import import BOB, KIM_EMAIL, NOW, VISITS_CSV

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def desk(settings, database, standin) -> Iterator[Workspace]:
    standin.add_user(OFFICER, name="kim", real_name="Lt Kim", tz="Asia/Tokyo", email=KIM_EMAIL)
    standin.add_user(BOB, name="bob", real_name="Bob Smith", tz="Asia/Singapore")
    with served(settings, database, standin, clock=lambda: NOW) as workspace:
        yield workspace


def interact(workspace: Workspace, payload: dict, user: str) -> Answer:
    payload = {"user": {"id": user, "name": user.lower(), "team_id": workspace.standin.team_id}, **payload}
    body, headers = workspace.standin.interaction(payload, signing_secret=SIGNING_SECRET)
    return workspace.post(body, headers)


def opened_form(workspace: Workspace) -> dict:
    answer = workspace.command("import", user=ADMIN)
    assert answer.status == 200 and answer.text == ""
    call = workspace.standin.calls_to("views.open")[-1]
    assert call.response["ok"], call.response
    return workspace.standin.views[call.response["view"]["id"]]


def attach(workspace: Workspace, form: dict, *files: dict, user: str = ADMIN) -> Answer:
    """Submit the form with the files in its file field, the state shaped as Slack sends it."""
    values = {"file": {"file": workspace.standin.file_input_state(*files)}}
    return interact(workspace, {"type": "view_submission", "view": {**form, "state": {"values": values}}}, user)


def previewed(workspace: Workspace, form: dict, *files: dict) -> dict:
    """Submit the form with the files: Slack has its answer at once (the form says it is reading the file), then the
    form shows what came of it (``views.update`` after the answer): the preview, or the field again with the problem."""
    before = len(workspace.standin.calls_to("views.update"))
    answer = attach(workspace, form, *files)
    assert answer.body["response_action"] == "update" and "Reading the file…" in shown(answer.body["view"])
    assert not answer.body["view"].get("submit")  # nothing to press while it reads
    assert workspace.standin.wait_for(lambda: len(results(workspace, before)) == 1)
    call = workspace.standin.calls_to("views.update")[-1]
    assert call.args["view_id"] == form["id"] and call.response["ok"], call.response
    return workspace.standin.views[form["id"]]


def confirm(workspace: Workspace, preview: dict, user: str = ADMIN) -> Answer:
    return interact(workspace, {"type": "view_submission", "view": preview}, user)


def results(workspace: Workspace, since: int) -> list[str]:
    """What the form showed once the import was written (``views.update`` after the answer), oldest first."""
    return [shown(call.view() or {"blocks": []}) for call in workspace.standin.calls_to("views.update")[since:]]


def confirmed(workspace: Workspace, preview: dict) -> str:
    """Press Confirm import: the form says it is importing, then shows what was written."""
    before = len(workspace.standin.calls_to("views.update"))
    answer = confirm(workspace, preview)
    assert answer.body["response_action"] == "update" and "Importing…" in shown(answer.body["view"])
    assert workspace.standin.wait_for(lambda: len(results(workspace, before)) == 1)
    assert workspace.standin.calls_to("views.update")[-1].args["view_id"] == preview["id"]
    return results(workspace, before)[0]


def shown(view: dict) -> str:
    return render({"blocks": view["blocks"]})


def visits(database: Database) -> list[Visit]:
    with database.sessions() as session:
        return list(session.scalars(select(Visit).order_by(Visit.id)))


def imported(database: Database) -> list[ImportedRecord]:
    with database.sessions() as session:
        return list(session.scalars(select(ImportedRecord).order_by(ImportedRecord.id)))


def test_an_admin_previews_the_file_then_confirms_and_it_is_written_once(desk: Workspace) -> None:
    desk.command("visit add palau 2027-04-05 to 2027-04-07 reciprocal visit")
    form = opened_form(desk)
    field = form["blocks"][0]
    assert field["element"] == {"type": "file_input", "action_id": "file", "filetypes": ["csv", "xlsx"], "max_files": 1}
    upload = desk.standin.add_file("visits.csv", VISITS_CSV.encode(), user=ADMIN)

    preview = previewed(desk, form, upload)
    text = shown(preview)
    assert "visits.csv: Would add: 3 visits." in text
    assert "+ row 2: Fiji, Tue 12 Jan – Sat 16 Jan 2027, country visit “Port facility visits”, lead @Lt Kim" in text
    assert "Already on record: 2 visits." in text and "= row 10: Palau" in text
    assert "Cannot read 4 rows:" in text
    assert "! row 4: unknown nation “Fijji” (closest: Fiji," in text
    assert "! row 5: start date: “03/04/2027” is ambiguous" in text
    assert "! row 6: end date 1 May 2027 is before the start date 10 May 2027" in text
    assert "! row 9: no start date" in text
    assert "Nothing is written until you press Confirm import." in text
    assert preview["submit"]["text"] == "Confirm import"
    assert len(visits(desk.database)) == 1  # the preview wrote nothing
    assert desk.standin.calls_to("files.info")[-1].args["file"] == upload["id"]
    assert desk.standin.downloads and all(with_token for _, with_token in desk.standin.downloads)

    text = confirmed(desk, preview)
    assert "visits.csv: Added: 3 visits." in text and f"Imported by @{ADMIN}" in text
    assert not desk.standin.views[preview["id"]]["submit"]  # nothing more to press
    assert len(visits(desk.database)) == 4
    assert {(r.file_name, r.row_number, r.imported_by) for r in imported(desk.database)} == {
        ("visits.csv", 2, ADMIN),
        ("visits.csv", 3, ADMIN),
        ("visits.csv", 8, ADMIN),
    }
    assert "Fiji" in desk.command("visits mine").text  # the lead sees it like any visit

    again = confirmed(desk, preview)  # Confirm pressed again (the same file, the same form)
    assert "Added: nothing." in again and "Nothing added" in again
    assert len(visits(desk.database)) == 4


def test_two_confirms_at_once_write_once(desk: Workspace) -> None:
    form = opened_form(desk)
    preview = previewed(desk, form, desk.standin.add_file("visits.csv", VISITS_CSV.encode(), user=ADMIN))
    before = len(desk.standin.calls_to("views.update"))
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: confirm(desk, preview), range(2)))
    assert all("Importing…" in shown(a.body["view"]) for a in answers)
    assert desk.standin.wait_for(lambda: len(results(desk, before)) == 2)
    said = sorted(text.splitlines()[0] for text in results(desk, before))
    assert said == ["visits.csv: Added: 4 visits.", "visits.csv: Added: nothing."]
    assert len(visits(desk.database)) == 4 and len(imported(desk.database)) == 4


def test_the_sample_workbook_imports_through_the_form(desk: Workspace) -> None:
    form = opened_form(desk)
    upload = desk.standin.add_file("tracker.xlsx", (EXAMPLES / "tracker.xlsx").read_bytes(), user=ADMIN)
    preview = previewed(desk, form, upload)
    assert "tracker.xlsx: Would add:" in shown(preview)
    assert "tracker.xlsx: Added:" in confirmed(desk, preview)
    assert imported(desk.database) and all(r.imported_by == ADMIN for r in imported(desk.database))
    assert {r.sheet for r in imported(desk.database)} >= {"Visits"}


def test_officers_are_told_why_and_a_forged_submission_writes_nothing(desk: Workspace) -> None:
    answer = desk.command("import", user=OFFICER)
    assert answer.ephemeral and "Only admins may import the tracker" in answer.text
    assert desk.standin.calls_to("views.open") == []

    form = opened_form(desk)  # an admin's form, submitted by an officer
    upload = desk.standin.add_file("visits.csv", VISITS_CSV.encode(), user=OFFICER)
    refused = attach(desk, form, upload, user=OFFICER)
    assert refused.body["response_action"] == "errors"
    assert "Only admins may import the tracker" in refused.body["errors"]["file"]
    assert desk.standin.calls_to("files.info") == []

    preview = previewed(desk, form, upload)
    forged = confirm(desk, preview, user=OFFICER)
    assert "Only admins may import the tracker" in shown(forged.body["view"])
    assert "Nothing was written." in shown(forged.body["view"])
    assert visits(desk.database) == [] and imported(desk.database) == []


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("briefing.pdf", b"%PDF-1.7 ...", "briefing.pdf is not a CSV or .xlsx file."),
        ("tracker.xlsx", b"PK\x03\x04 not really a workbook", "tracker.xlsx is not an Excel workbook I can read"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "old.xls is not a CSV or .xlsx file."),
        ("huge.csv", b"Nation,Start\n" + b"Fiji,2027-01-12\n" * 400_000, "huge.csv is 6.1 MB; the form takes files of"),
    ],
)
def test_a_file_it_cannot_take_is_said_on_the_form_with_the_field_offered_again(
    desk: Workspace, name: str, content: bytes, said: str
):
    form = opened_form(desk)
    again = previewed(desk, form, desk.standin.add_file(name, content, user=ADMIN))
    assert said in shown(again).splitlines()[0]  # the problem first, above the field
    assert [b["element"]["type"] for b in again["blocks"] if b["type"] == "input"] == ["file_input"]
    assert again["submit"]["text"] == "Preview"  # attach another file and preview it
    assert visits(desk.database) == []


def test_no_file_attached_says_what_to_attach(desk: Workspace) -> None:
    answer = attach(desk, opened_form(desk))
    assert answer.body == {
        "response_action": "errors",
        "errors": {"file": "Attach the tracker: one CSV or .xlsx file."},
    }


def test_the_standin_answers_files_info_and_downloads_as_slack_does(desk: Workspace) -> None:
    import urllib.request

    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    upload = desk.standin.add_file("my tracker.csv", b"Nation,Start\nFiji,2027-01-12\n", user=ADMIN)
    client = WebClient(token=desk.standin.bot_token, base_url=desk.standin.api_url)
    info = client.files_info(file=upload["id"])
    assert info["file"]["filetype"] == "csv" and info["file"]["size"] == 29 and info["comments"] == []
    url = info["file"]["url_private_download"]
    with urllib.request.urlopen(urllib.request.Request(url)) as anonymous:  # no token: Slack's sign-in page
        assert anonymous.headers["Content-Type"].startswith("text/html")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {desk.standin.bot_token}"})
    with urllib.request.urlopen(request) as response:
        assert response.read() == b"Nation,Start\nFiji,2027-01-12\n"
    with pytest.raises(SlackApiError) as missing:
        client.files_info(file="F0NOTHERE")
    assert missing.value.response["error"] == "file_not_found"


def test_the_console_form_asks_for_a_file_path_then_confirms(tmp_path: Path) -> None:
    from tests.test_entrypoints import bot

    path = tmp_path / "visits.csv"
    path.write_text(VISITS_CSV, encoding="utf-8")
    lines = ["import", str(tmp_path / "nothere.csv"), str(path), "y", "visits"]
    result = bot("console", "--admin", cwd=tmp_path, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[form: Import the tracker]" in out and "(a file path)" in out
    assert "No file at" in out
    assert "visits.csv: Would add: 4 visits." in out and "! row 4: unknown nation “Fijji”" in out
    assert "Confirm import? [y/N]" in out
    assert "visits.csv: Added: 4 visits." in out
    assert "Traceback" not in out + result.stderr
