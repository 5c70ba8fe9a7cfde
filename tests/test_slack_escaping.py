"""Slack's escaping: command text arrives with ``&amp;`` ``&lt;`` ``&gt;``; the bot stores what the officer wrote,
escapes it again for Slack on the way out, exports the real characters, never lets officer text ping a channel, and
a migration fixes notes stored escaped."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from storage.db import make_engine, make_sessions, migrate
from storage.nations import load_reference
from storage.notes import Note
from tests.conftest import ADMIN, Workspace, served
from tests.test_notes import after_answer, section_texts

NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
#: "note fiji Q&A with the PFSO <draft> ..." as Slack sends it in a slash command's text.
AS_SLACK_SENDS = (
    f"Q&amp;A with the PFSO &lt;draft&gt; a&gt;b, ask <@{ADMIN}|lee> in <#C0STANDIN|ipslo-team> "
    "about <https://example.gov/psa?x=1&amp;y=2|the PSA &amp; co>"
)
#: ... as stored: what the officer wrote, a person mentioned kept as the officer's language writes one (``@U…``).
WRITTEN = (
    f"Q&A with the PFSO <draft> a>b, ask @{ADMIN} in <#C0STANDIN|ipslo-team> "
    "about <https://example.gov/psa?x=1&y=2|the PSA & co>"
)


@pytest.fixture
def desk(settings, database, standin) -> Iterator[Workspace]:
    with served(settings, database, standin, clock=lambda: NOW) as workspace:
        yield workspace


def notes(workspace: Workspace) -> list[str]:
    with workspace.database.sessions() as session:
        return list(session.scalars(select(Note.text).order_by(Note.id)))


def test_a_note_is_stored_as_the_officer_wrote_it_and_shown_escaped_for_slack(desk: Workspace) -> None:
    assert "Saved note #1" in desk.command("note fiji " + AS_SLACK_SENDS).text
    assert notes(desk) == [WRITTEN]
    [shown] = section_texts(desk.command("note 1").body)[:1]
    # Slack's own escaping, the mention, the channel and the link as Slack reads them
    assert shown == AS_SLACK_SENDS.replace(f"<@{ADMIN}|lee>", f"<@{ADMIN}>")


def test_the_export_has_the_real_characters(desk: Workspace) -> None:
    desk.command("note fiji " + AS_SLACK_SENDS)
    desk.command("export fiji")
    after_answer(desk, "files.completeUploadExternal")
    files = {f["filename"]: f["content"].decode("utf-8") for f in desk.standin.uploaded_files.values()}
    rows = list(csv.DictReader(io.StringIO(files["fj-2026-11-25.csv"])))
    assert rows[-1]["text"] == WRITTEN
    assert "Q&A with the PFSO <draft>" in files["fj-briefing-2026-11-25.md"]


def test_a_search_highlights_the_words_not_the_escapes(desk: Workspace) -> None:
    desk.command("note fiji " + AS_SLACK_SENDS)
    found = json.dumps(desk.command("search PFSO").body)
    assert "Q&amp;amp;A" not in found and "Q&amp;A" in found


@pytest.mark.parametrize("ping", ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S0TEAM|@ipslo>"])
def test_shared_text_never_pings_the_channel(desk: Workspace, ping: str) -> None:
    desk.command(f"note fiji Heads up {ping}: drill moved; ask <@{ADMIN}>")
    assert notes(desk) == [f"Heads up {ping}: drill moved; ask @{ADMIN}"]  # kept as written
    for shown in (desk.command("note 1"), desk.command("notes fiji")):
        posted = json.dumps(shown.body)
        assert ping not in posted and f"<@{ADMIN}>" in posted  # neutralised; the person's mention stays one
        assert ping.replace("<", "&lt;").replace(">", "&gt;") in posted  # shown as typed


def test_the_migration_fixes_notes_stored_escaped(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, "0004")
        with make_sessions(engine).begin() as session:
            # The nation row as the 0004 schema has it (today's loaders write today's schema).
            session.execute(
                text(
                    "INSERT INTO nations (iso2, iso3, name, official_name, region, kind, tz, in_area, aliases,"
                    " recorded_by, recorded_at) VALUES ('FJ', 'FJI', 'Fiji', 'Republic of Fiji', 'Oceania',"
                    " 'state', 'Pacific/Fiji', :yes, '[]', 'reference-data', :at)"
                ),
                {"yes": True, "at": NOW.replace(tzinfo=None)},
            )
            session.execute(
                text(
                    "INSERT INTO notes (nation_iso2, noted_on, text, search_text, tags, author_user_id,"
                    " idempotency_key, created_by, created_at)"
                    " VALUES ('FJ', :day, :text, :text, '', 'U0OFFICER', 'k1', 'U0OFFICER', :at)"
                ),
                {"day": dt.date(2026, 11, 1), "text": "Q&amp;A &lt;draft&gt; &amp;lt;", "at": NOW.replace(tzinfo=None)},
            )
        migrate(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT text FROM notes")).scalar_one() == "Q&A <draft> &lt;"
    finally:
        engine.dispose()


def test_the_migration_keeps_people_mentioned_in_stored_text_as_the_officers_language_writes_them(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, "0011")
        with make_sessions(engine).begin() as session:
            load_reference(session=session)  # the nations (the 0011 schema's tables are today's)
            session.execute(
                text(
                    "INSERT INTO notes (nation_iso2, noted_on, text, search_text, tags, author_user_id,"
                    " idempotency_key, created_by, created_at)"
                    " VALUES ('FJ', :day, :text, :text, '', 'U0OFFICER', 'k1', 'U0OFFICER', :at)"
                ),
                {"day": dt.date(2026, 11, 1), "text": "met <@U0LEE|lee> and <@U0KIM>; mail a@b", "at": NOW},
            )
        migrate(engine)
        with engine.connect() as connection:
            written, folded = connection.execute(text("SELECT text, search_text FROM notes")).one()
        assert written == "met @U0LEE and @U0KIM; mail a@b"
        assert "<" not in folded and "u0lee" in folded.lower()
    finally:
        engine.dispose()
