"""Finding notes on SQLite (FTS5) and PostgreSQL (full-text search) alike: word endings, case and accents ignored,
ranked, highlighted, filtered."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from storage import notes as store
from storage.notes import Note
from tests.conftest import ADMIN, OFFICER, Workspace


def found(workspace: Workspace, query: str, user: str = OFFICER) -> list[int]:
    """The note numbers a search shows, in order."""
    answer = workspace.command(f"search {query}", user=user)
    assert answer.status == 200
    return [int(n) for n in re.findall(r"^\*#(\d+)\*", "\n".join(section_texts(answer.body)), re.M)]


def section_texts(body: dict) -> list[str]:
    return [b["text"]["text"] for b in body["blocks"] if b["type"] == "section" and "text" in b]


@pytest.fixture
def noted(workspace: Workspace) -> Workspace:
    """Six notes an officer and an admin wrote about Fiji, Tonga and Japan."""
    for user, line in [
        (OFFICER, "note fiji Inspections of the Suva container terminal are due in March"),  # 1
        (OFFICER, "note tonga Met the DA at the ʻAtenisi café in Nukuʻalofa; PFSP for Vavaʻu pending #pfsp"),  # 2
        (ADMIN, "note japan ŌSAKA port facility: the PFSO INSPECTED the gates"),  # 3
        (ADMIN, "note fiji Lunch with the embassy team"),  # 4
        (OFFICER, "note japan 港湾施設 visit; Résumé of the Kōbe drills #drills"),  # 5
        (ADMIN, "note tonga ʻEua wharf fencing, inspection next year #pfsp"),  # 6
    ]:
        assert "Saved note" in workspace.command(line, user=user).text
    return workspace


def test_search_matches_word_endings(noted: Workspace) -> None:
    assert set(found(noted, "inspect")) == {1, 3, 6}
    assert set(found(noted, "inspecting")) == {1, 3, 6}
    assert found(noted, "drill") == [5]


def test_search_ignores_case_and_accents(noted: Workspace) -> None:
    assert found(noted, "osaka") == [3]
    assert found(noted, "Ōsaka") == [3]
    assert found(noted, "CAFE") == [2]
    assert found(noted, "resume kobe") == [5]
    assert found(noted, "embassy") == found(noted, "EMBASSY") == [4]


def test_tongan_okina_and_apostrophes_do_not_matter(noted: Workspace) -> None:
    for typed in ("atenisi", "ʻAtenisi", "'atenisi", "nukualofa", "Nukuʻalofa", "Nuku'alofa", "vavau"):
        assert found(noted, typed) == [2], typed
    assert found(noted, "eua") == found(noted, "ʻEua") == [6]


def test_japanese_is_found_as_written(noted: Workspace) -> None:
    assert found(noted, "港湾施設") == [5]


def test_matched_words_are_in_bold_in_the_text_as_written(noted: Workspace) -> None:
    text = "\n".join(
        section_texts(noted.command("search cafe atenisi").body)
        + section_texts(noted.command("search osaka inspect").body)
    )
    assert "*ʻAtenisi*" in text and "*café*" in text
    assert "*ŌSAKA*" in text and "*INSPECTED*" in text


def test_every_word_must_match_and_better_matches_come_first(workspace: Workspace) -> None:
    workspace.command("note fiji PFSP review: the PFSP for Suva, PFSP annexes and the PFSP drills")  # 1
    workspace.command("note fiji A word about the PFSP")  # 2
    workspace.command("note fiji Suva harbour only")  # 3
    assert found(workspace, "pfsp") == [1, 2]
    assert found(workspace, "pfsp suva") == [1]


def test_filters_by_author_date_tag_and_nation(noted: Workspace) -> None:
    with noted.database.sessions.begin() as session:
        for note in session.scalars(select(Note)):
            note.noted_on = dt.date(2026, 1, note.id)  # note n is about 2026-01-0n
    assert set(found(noted, "inspect by:me")) == {1}
    assert set(found(noted, f"inspect by:<@{ADMIN}|lee>")) == {3, 6}
    assert set(found(noted, "inspect since:2026-01-03")) == {3, 6}
    assert set(found(noted, "tag:pfsp")) == {2, 6}
    assert set(found(noted, "inspect nation:tonga")) == {6}
    assert found(noted, "tag:#PFSP nation:to by:me") == [2]


def test_a_bad_filter_says_what_to_type(noted: Workspace) -> None:
    assert "since: I couldn't read" in noted.command("search pfsp since:someday").text
    assert "I don't know a nation or territory called “atlantis”" in noted.command("search pfsp nation:atlantis").text
    assert "Search for what?" in noted.command("search").text


def test_results_come_a_page_at_a_time(workspace: Workspace) -> None:
    for n in range(13):
        workspace.command(f"note fiji Inspection number {n}")
    first = workspace.command("search inspection")
    assert len(re.findall(r"^\*#\d+\*", "\n".join(section_texts(first.body)), re.M)) == 10
    [more] = [e for b in first.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    body, headers = workspace.standin.interaction(
        {
            "type": "block_actions",
            "user": {"id": OFFICER},
            "actions": [
                {
                    "type": "button",
                    "action_id": more["action_id"],
                    "value": more["value"],
                    "block_id": "b",
                    "action_ts": "1",
                }
            ],
        },
        signing_secret="test-signing-secret",
    )
    assert workspace.post(body, headers).status == 200
    assert workspace.standin.wait_for(lambda: workspace.standin.responses)
    [page_two] = workspace.standin.responses
    assert len(re.findall(r"^\*#\d+\*", "\n".join(section_texts(page_two.body)), re.M)) == 3


def test_edited_text_is_searched_and_the_old_text_is_not(noted: Workspace) -> None:
    noted.command("note edit 4 Dinner with the harbour master", user=ADMIN)
    assert found(noted, "embassy") == []
    assert found(noted, "harbour master") == [4]


def test_notes_written_outside_the_orm_are_searchable_too(database) -> None:
    # The index is kept by database triggers: whatever writes a note, search sees it.
    with database.sessions.begin() as session:
        store.add_note(
            session=session,
            nation_iso2="FJ",
            text="Façade of the Lautoka gatehouse",
            noted_on=dt.date(2026, 1, 1),
            author_user_id=OFFICER,
            idempotency_key="k1",
        )
    with database.sessions() as session:
        [hit] = store.search(session=session, words=store.search_words("facade lautoka"), limit=5)
        assert [hit.note.text[a:b] for a, b in hit.spans] == ["Façade", "Lautoka"]


def test_a_word_in_many_notes_still_lists_just_that_nations_notes_with_it(workspace: Workspace) -> None:
    with workspace.database.sessions.begin() as session:
        for n in range(store.PROBE_ABOVE + 200):
            nation = ("FJ", "TO", "WS")[n % 3]
            words = "inspection of the wharf" if n % 2 else "meeting with the DA"
            store.add_note(
                session=session,
                nation_iso2=nation,
                text=f"{words} number {n}",
                noted_on=dt.date(2026, 1, 1),
                author_user_id=OFFICER,
                idempotency_key=f"many:{n}",
            )
    answer = workspace.command("notes tonga inspect")
    numbers = [
        int(n) for n in re.findall(r"inspection of the wharf number (\d+)", "\n".join(section_texts(answer.body)))
    ]
    assert len(numbers) == 10 and all(n % 3 == 1 and n % 2 == 1 for n in numbers)
    assert numbers == sorted(numbers, reverse=True)  # newest first


def test_a_word_in_very_many_notes_ranks_the_newest_and_says_so(workspace: Workspace) -> None:
    with workspace.database.sessions.begin() as session:
        for n in range(store.RANK_POOL + 20):
            text = (
                "inspection of the wharf, inspection of the gate" if n == 5 else f"inspection number {n} of the wharf"
            )
            store.add_note(
                session=session,
                nation_iso2="FJ" if n % 2 else "TO",
                text=text,
                noted_on=dt.date(2026, 1, 1),
                author_user_id=OFFICER,
                idempotency_key=f"many:{n}",
            )
        store.add_note(
            session=session,
            nation_iso2="FJ",
            text="inspection of the gate, inspection of the wharf",
            noted_on=dt.date(2026, 1, 1),
            author_user_id=OFFICER,
            idempotency_key="newest",
        )
    answer = workspace.command("search inspection")
    assert f"among the newest {store.RANK_POOL:,} notes with these words" in answer.text
    numbers = found(workspace, "inspection")
    assert (
        numbers[0] == store.RANK_POOL + 21
    )  # the newest note that says it twice ranks first; note 6, as old, is not ranked
    assert 6 not in numbers
    # Narrowed by a filter to fewer notes than that, every matching note is ranked, the old one too, and nothing is
    # said about the newest; a filter that still leaves too many ranks the newest of those and says so.
    narrowed = workspace.command("search inspection nation:fiji")
    assert "among the newest" not in narrowed.text
    assert 6 in found(workspace, "inspection nation:fiji")[:2]
    assert "among the newest" not in workspace.command("search gate").text
    wide = workspace.command("search inspection by:me")
    assert f"among the newest {store.RANK_POOL:,} notes with these words" in wide.text
    assert found(workspace, "inspection by:me")[0] == store.RANK_POOL + 21 and 6 not in found(
        workspace, "inspection by:me"
    )


def test_japanese_and_thai_notes_are_found_by_a_part_of_their_text(workspace) -> None:
    workspace.command("note fiji 日本語のメモ：港湾保安計画の確認 🚢")
    workspace.command("note tonga ประชุมกับเจ้าหน้าที่ท่าเรือ")
    workspace.command("note fiji plain english note")
    assert "日本語のメモ：*港湾保安*計画の確認" in workspace.command("search 港湾保安").text  # highlighted
    assert "ประชุมกับเจ้าหน้าที่ท่าเรือ" in workspace.command("search ท่าเรือ").text
    only = workspace.command("notes fiji 日本語")
    assert "Notes on Fiji matching “日本語”" in only.text
    assert "plain english note" not in only.text
    none = workspace.command("notes fiji 存在しない")
    assert "No notes on Fiji match" in none.text
