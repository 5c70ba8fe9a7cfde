"""Finding notes on SQLite (FTS5) and PostgreSQL (full-text search) alike: word endings, case and accents ignored,
ranked, highlighted, filtered."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, text

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


def test_since_looks_back_however_it_is_said(noted: Workspace) -> None:
    today = dt.date.today()
    with noted.database.sessions.begin() as session:
        for note in session.scalars(select(Note)):  # notes 1-6 written 40, 20, 10, 5, 2 days ago and today
            note.noted_on = today - dt.timedelta(days=(40, 20, 10, 5, 2, 0)[note.id - 1])
    assert set(found(noted, "inspect since:2_weeks_ago")) == {3, 6}
    assert set(found(noted, "inspect since:2 weeks ago")) == {3, 6}  # typed with spaces, read as one filter
    assert set(found(noted, "since:last week")) == {4, 5, 6}
    assert set(found(noted, "since:3 days ago")) == {5, 6}
    assert set(found(noted, "since:yesterday")) == {6}
    assert set(found(noted, "since:a_month_ago")) == {2, 3, 4, 5, 6}


def test_a_misspelt_word_that_finds_nothing_gets_the_word_meant(noted: Workspace) -> None:
    answer = noted.command("search inspecton nation:fiji")
    assert "No notes match." in answer.text
    assert "Did you mean `/ipslo search inspection nation:fiji`?" in "\n".join(section_texts(answer.body))
    assert found(noted, "inspection nation:fiji") == [1]  # and the suggestion finds it
    listed = noted.command("notes fiji inspecton")
    assert "Did you mean `/ipslo notes fiji inspection`?" in "\n".join(section_texts(listed.body))
    nothing = noted.command("search xyzzy")
    assert "No notes match." in nothing.text and "Did you mean" not in "\n".join(section_texts(nothing.body))


def test_a_bad_filter_says_what_to_type(noted: Workspace) -> None:
    assert "since: I couldn't read" in noted.command("search pfsp since:someday").text
    assert "say how long ago in whole days" in noted.command("search pfsp since:2_fortnights_ago").text
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


# --- search gives what its definition says, whatever shape its SQL takes ------------------------

_VOCABULARY = [
    "pfsp",
    "drill",
    "inspection",
    "gate",
    "wharf",
    "fencing",
    "audit",
    "cctv",
    "berth",
    "tanker",
    "harbour",
    "seminar",
]
_SEEDED_NATIONS = ("FJ", "TO", "WS", "JP", "PG")
_SEEDED_AUTHORS = (OFFICER, ADMIN, "U0THIRD")


def _seed(database, count: int) -> None:
    """``count`` notes of a few words from a small vocabulary (repeated, so ranks differ), over five nations and three
    authors, on days out of order, some tagged, some with accents and okina, every tenth-ish deleted."""
    import random

    from sqlalchemy import insert

    from storage.db import utcnow

    rng = random.Random(5)
    now = utcnow()
    rows = []
    for number in range(count):
        words = [rng.choice(_VOCABULARY) for _ in range(rng.randint(3, 40))]
        if number % 7 == 0:
            words.insert(rng.randrange(len(words)), rng.choice(["Ōsaka", "ʻEua", "café", "Nukuʻalofa"]))
        text = " ".join(w.upper() if rng.random() < 0.1 else w for w in words) + "."
        tags = rng.sample(["pfsp", "da", "drills"], rng.randint(0, 2))
        rows.append(
            {
                "nation_iso2": rng.choice(_SEEDED_NATIONS),
                "visit_id": None,
                "noted_on": dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 300)),
                "text": text,
                "search_text": store.fold(text),
                "tags": f" {' '.join(tags)} " if tags else "",
                "author_user_id": rng.choice(_SEEDED_AUTHORS),
                "idempotency_key": f"seeded:{number}",
                "created_by": OFFICER,
                "created_at": now,
                "deleted_at": now if rng.random() < 0.08 else None,
                "deleted_by": OFFICER,
            }
        )
    with database.sessions.begin() as session:
        session.execute(insert(Note), rows)


def _by_definition(session, words, *, limit, offset=0, nation_iso2=None, author_user_id=None, since=None, tag=None):
    """What search returns, in the plainest SQL: (note id, rank, highlighted words, among_newest) per hit.

    The pool is the newest RANK_POOL notes with the words that pass the filters; without filters, the newest
    RANK_POOL with the words (deleted or not) of which the live ones are shown, unless too few are left for a page.
    """
    from sqlalchemy import text as sql

    postgres = session.get_bind().dialect.name == "postgresql"
    filters, params = [], {"pool": store.RANK_POOL}
    for column, value, test in (
        ("nation_iso2", nation_iso2, "= :nation"),
        ("author_user_id", author_user_id, "= :author"),
        ("noted_on", since, ">= :since"),
        ("tags", f"% {tag} %" if tag else None, "LIKE :tag"),
    ):
        if value is not None:
            name = test.split(":")[1]
            filters.append(f"n.{column} {test}")
            params[name] = value
    if postgres:
        params["q"] = " ".join(words)
        source = "notes_fts f JOIN notes n ON n.id = f.note_id WHERE f.document @@ plainto_tsquery('english', :q)"
        rank = "ts_rank(f.document, plainto_tsquery('english', :q))"
    else:
        params["q"] = " ".join(f'"{w}"' for w in words)
        source = "notes_fts JOIN notes n ON n.id = notes_fts.rowid WHERE notes_fts MATCH :q"
        rank = "-bm25(notes_fts)"

    def pool(live_only: bool) -> list:
        where = "".join(f" AND {f}" for f in filters + (["n.deleted_at IS NULL"] if live_only else []))
        statement = f"SELECT n.id, {rank} AS rank, n.deleted_at IS NULL AS live FROM {source}{where} "
        return session.execute(sql(statement + "ORDER BY n.id DESC LIMIT :pool"), params).all()

    rows = pool(live_only=bool(filters))
    capped = len(rows) >= store.RANK_POOL
    best = sorted(rows, key=lambda row: (-row.rank, -row.id))
    page = [row for row in best[: offset + limit + 50] if row.live][offset : offset + limit]
    if not filters and len(page) < limit and capped:
        rows = pool(live_only=True)
        capped = len(rows) >= store.RANK_POOL
        page = sorted(rows, key=lambda row: (-row.rank, -row.id))[offset : offset + limit]
    out = []
    for row in page:
        note = session.get(Note, row.id)
        if postgres:
            marked = session.execute(
                sql(
                    "SELECT ts_headline('english', search_text, plainto_tsquery('english', :q), :options) "
                    "FROM notes WHERE id = :id"
                ),
                {
                    "q": params["q"],
                    "id": row.id,
                    "options": f"HighlightAll=true, StartSel={store.MARK_START}, StopSel={store.MARK_STOP}",
                },
            ).scalar()
        else:
            marked = session.execute(
                sql("SELECT highlight(notes_fts, 0, :a, :b) FROM notes_fts WHERE notes_fts MATCH :q AND rowid = :id"),
                {"q": params["q"], "id": row.id, "a": store.MARK_START, "b": store.MARK_STOP},
            ).scalar()
        spans = store.highlight_spans(note.text, marked or "")
        out.append((row.id, float(row.rank), [note.text[a:b] for a, b in spans], store.RANK_POOL if capped else None))
    return out


@pytest.mark.parametrize("pool, read_across, mask_most", [(40, 0, 100), (500, 15_000, 5_000)])
def test_search_finds_ranks_and_highlights_as_defined(
    database, monkeypatch: pytest.MonkeyPatch, pool: int, read_across: int, mask_most: int
) -> None:
    # Every kind of search (a common word, two words, a rare word, each filter and some together, later pages),
    # compared with the plainest statement of what it returns: the pool, bm25/ts_rank order, highlights, the cap.
    # Whichever way SQLite is asked (highlights read across the page or note by note; a nation or day's notes
    # through a mask or not), the answer is the same.
    monkeypatch.setattr(store, "RANK_POOL", pool)
    monkeypatch.setattr(store, "READ_ACROSS", read_across)
    monkeypatch.setattr(store, "MASK_MOST", mask_most)
    _seed(database, 1200)
    searches = [
        {"words": ["pfsp"]},
        {"words": ["inspection", "gate"]},
        {"words": ["osaka"]},
        {"words": ["eua", "wharf"]},
        {"words": ["drill"], "nation_iso2": "TO"},
        {"words": ["harbour", "tanker"], "nation_iso2": "JP"},
        {"words": ["cctv"], "author_user_id": ADMIN},
        {"words": ["audit"], "since": dt.date(2026, 10, 1)},
        {"words": ["berth"], "since": dt.date(2026, 3, 1)},
        {"words": ["seminar"], "tag": "pfsp"},
        {"words": ["fencing"], "nation_iso2": "FJ", "author_user_id": OFFICER, "since": dt.date(2026, 2, 1)},
        {"words": ["gate"], "nation_iso2": "WS", "tag": "da"},
        {"words": ["nothing"], "nation_iso2": "WS"},
        {"words": ["pfsp"], "nation_iso2": "NZ"},  # no notes on it
        {"words": ["pfsp"], "since": dt.date(2027, 6, 1)},  # no notes since
    ]
    seen = []
    with database.sessions() as session:
        for search in searches:
            for offset in (0, 10):
                hits = store.search(session=session, limit=11, offset=offset, **search)
                got = [(h.note.id, h.rank, [h.note.text[a:b] for a, b in h.spans], h.among_newest) for h in hits]
                assert got == _by_definition(session, limit=11, offset=offset, **search), (search, offset)
                seen += got
    words_shown = {word for _, _, shown, _ in seen for word in shown}
    assert {"Ōsaka", "ʻEua"} <= words_shown and len(seen) > 150
    assert any(capped for *_, capped in seen)


def test_folding_a_whole_text_at_once_folds_as_character_by_character() -> None:
    # fold_map translates a text in one go unless an accent was typed apart from its letter; the character by
    # character loop is what it must give: the same folded text, each character from the same place.
    import random

    rng = random.Random(3)
    alphabet = "abcXYZ '’‘ʻʼ`´éÉŌōçÇİıßẞǅ\u0301\u0308あが港ÅﬁⅫ𝐀ǈᎠΣσςก\u0e48"
    for _ in range(20_000):
        typed = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert store.fold_map(typed) == store._fold_map_by_character(typed), typed
    for typed in ("Nukuʻalofa ʻʻEua", "Café résumé", "e\u0301te\u0301", "'quoted'", "ŌSAKA’s", ""):
        assert store.fold_map(typed) == store._fold_map_by_character(typed), typed


def test_searches_on_postgresql_are_planned_for_their_own_words_even_without_a_transaction(postgres_url: str) -> None:
    """A generic plan, settled on after five searches, reads every note holding a common word; read-only commands
    run in autocommit, where SET LOCAL does nothing, so the setting belongs to each connection."""
    from storage.db import make_engine, make_readers

    engine = make_engine(postgres_url)
    try:
        with make_readers(engine)() as session:
            plans = session.execute(text("SHOW plan_cache_mode")).scalar()
            workers = session.execute(text("SHOW max_parallel_workers_per_gather")).scalar()
        assert (plans, workers) == ("force_custom_plan", "0")
    finally:
        engine.dispose()
