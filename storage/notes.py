"""Visit notes, their follow-ups and audit trail: tables, full-text search (SQLite FTS5 / PostgreSQL), and the writes
that never lose or duplicate a note."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, bindparam, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import Base, UTCDateTime, utcnow
from storage.nations import Nation

MAX_TEXT = 10_000

CREATED = "created"
EDITED = "edited"
DELETED = "deleted"
RESTORED = "restored"

#: Around a highlighted word in search results; private-use characters that never occur in a note.
MARK_START, MARK_STOP = "\ue000", "\ue001"

#: Apostrophes and the Tongan/Hawaiian ʻokina: "ʻEua", "'Eua" and "Eua" all search as "eua".
_APOSTROPHES = frozenset("'’‘ʻʼ`´")
_LATIN_END = "\u0250"  # Basic Latin, Latin-1, Latin Extended-A/B


class Note(Base):
    """What an officer wrote about a nation (and the visit in progress or just ended), stored exactly as written."""

    __tablename__ = "notes"
    __table_args__ = (
        Index("ix_notes_nation_noted_on", "nation_iso2", "noted_on", "id"),
        Index("ix_notes_noted_on", "noted_on", "id"),  # the notes since a day, for a search's mask
        # what search filters read, by id: checking a candidate's filters never reads its text
        Index("ix_notes_search_filters", "id", "deleted_at", "nation_iso2", "author_user_id", "noted_on", "tags"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nation_iso2: Mapped[str] = mapped_column(ForeignKey("nations.iso2"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    noted_on: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)  # the text folded for search (no accents or apostrophes)
    tags: Mapped[str] = mapped_column(String(400), default="")  # " da pfsp ": space-delimited, lower case
    author_user_id: Mapped[str] = mapped_column(String(32), index=True)
    source_permalink: Mapped[str | None] = mapped_column(String(500))
    message_author_id: Mapped[str | None] = mapped_column(String(32))  # who wrote the Slack message it came from
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    deleted_by: Mapped[str | None] = mapped_column(String(40))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def snapshot(self) -> dict[str, Any]:
        """What the audit trail keeps of a note before and after a change."""
        return {
            "text": self.text,
            "tags": self.tag_list,
            "visit_id": self.visit_id,
            "noted_on": self.noted_on.isoformat(),
            "deleted": self.deleted,
        }


class NoteFollowUp(Base):
    """An action promised in a note: what, who, by when; a reminder for its owner when one was scheduled."""

    __tablename__ = "note_follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_user_id: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[dt.date] = mapped_column(Date)
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id"))
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class NoteChange(Base):
    """One entry of a note's audit trail: who did what, when, and the note before and after."""

    __tablename__ = "note_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(40))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


# --- folding text for search -------------------------------------------------------------------


def fold_map(text: str) -> tuple[str, list[int]]:
    """Text as search sees it (lower case, no accents on Latin letters, no apostrophes), and where each character came
    from.

    Japanese and Thai keep their marks: only Latin letters lose accents, so が stays が and ā becomes a.
    """
    if text.isascii():  # most notes: lower case, apostrophes dropped, nothing else moves
        if "'" not in text and "`" not in text:
            return text.lower(), list(range(len(text)))
        kept = [i for i, char in enumerate(text) if char not in _APOSTROPHES]
        return "".join(text[i] for i in kept).lower(), kept
    distinct = set(text)
    folded_as = [_FOLDED.get(char) or _fold_char(char) for char in distinct]
    if all(folded is not _COMBINING for folded in folded_as) and all(ord(char) in _TRANSLATED for char in distinct):
        # Each character folds on its own (no accent typed apart from its letter): one translation, and where each
        # character came from is where it was, less the apostrophes: what the loop of _fold_map_by_character makes,
        # at C speed.
        folded_text = text.translate(_TRANSLATED)
        if len(folded_text) == len(text):
            return folded_text, list(range(len(text)))
        origin: list[int] = []
        start = 0
        for apostrophes in _APOSTROPHE_RE.finditer(text):
            origin.extend(range(start, apostrophes.start()))
            start = apostrophes.end()
        origin.extend(range(start, len(text)))
        return folded_text, origin
    return _fold_map_by_character(text)


def _fold_map_by_character(text: str) -> tuple[str, list[int]]:
    """:func:`fold_map` one character at a time: an accent typed apart from its letter goes with the letter before."""
    out: list[str] = []
    origin: list[int] = []
    previous_latin = False
    for i, char in enumerate(text):
        folded = _FOLDED.get(char) or _fold_char(char)
        if folded is _APOSTROPHE:
            continue
        if folded is _COMBINING:
            if previous_latin:
                continue  # an accent typed separately after a Latin letter
            out.append(char)
            origin.append(i)
            continue
        out.append(folded[0])
        origin.append(i)
        previous_latin = folded[1]
    return "".join(out), origin


#: What :func:`fold_map` makes of each character it has met: (the folded character, whether it is Latin), or one of
#: the two markers below.
_FOLDED: dict[str, tuple[str, bool]] = {}
_APOSTROPHE = ("'", False)
_COMBINING = ("\u0301", False)


#: The same as a table for str.translate: each character met, by code point, to what it folds to (None: dropped).
_TRANSLATED: dict[int, str | None] = {}
_APOSTROPHE_RE = re.compile(f"[{''.join(sorted(_APOSTROPHES))}]+")


def _fold_char(original: str) -> tuple[str, bool]:
    char = original
    if char in _APOSTROPHES:
        folded = _APOSTROPHE
    elif unicodedata.combining(char):
        folded = _COMBINING
    else:
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[0]
        if len(decomposed) > 1 and base < _LATIN_END and all(unicodedata.combining(c) for c in decomposed[1:]):
            char = base
        lower = char.lower()
        if len(lower) != 1:
            lower = char
        folded = (lower, char < _LATIN_END or "\u1e00" <= char <= "\u1eff")
    if len(_FOLDED) < 100_000:  # every character officers write, once
        _FOLDED[original] = folded
        _TRANSLATED[ord(original)] = None if folded is _APOSTROPHE else folded[0]
    return folded


def fold(text: str) -> str:
    return fold_map(text)[0]


#: A spelling suggestion for a search that found nothing reads the words of this many of the newest notes.
SUGGEST_FROM = 2000
#: ... read again at most this often per database: a suggestion only offers a word, the search it offers decides.
SUGGEST_FRESH_SECONDS = 60.0
_vocabularies: dict[str, tuple[float, dict[tuple[str, int], list[str]]]] = {}


def _vocabulary(session: Session) -> dict[tuple[str, int], list[str]]:
    """The words of the newest notes, by first letter and length."""
    key = str(session.get_bind().engine.url)
    cached = _vocabularies.get(key)
    if cached is not None and time.monotonic() - cached[0] < SUGGEST_FRESH_SECONDS:
        return cached[1]
    query = select(Note.search_text).where(Note.deleted_at.is_(None)).order_by(Note.id.desc()).limit(SUGGEST_FROM)
    known = {w for folded in session.scalars(query) for w in re.findall(r"[^\W\d_]{4,}", folded)}
    by_start: dict[tuple[str, int], list[str]] = {}
    for word in sorted(known):
        by_start.setdefault((word[0], len(word)), []).append(word)
    _vocabularies[key] = (time.monotonic(), by_start)
    return by_start


def close_words(*, session: Session, words: Sequence[str]) -> dict[str, str]:
    """For each searched word that no note has, the word of the newest notes it was most likely meant as ("drils" ->
    "drills"; difflib among words of the same first letter and about its length, four letters or more): for "did you
    mean" when a search finds nothing."""
    # a word some note has is spelt as the notes spell it: the filters found nothing, not the word (one look-up each).
    # A search, not `SELECT 1 ... LIMIT 1` on the index: PostgreSQL plans that as a scan of every note (35 ms p95).
    wanted = [w for w in words if len(w) >= 4 and w.isalpha() and not search(session=session, words=[w], limit=1)]
    if not wanted:
        return {}
    vocabulary = _vocabulary(session)
    found = {}
    for word in wanted:
        near = [w for size in range(len(word) - 2, len(word) + 3) for w in vocabulary.get((word[0], size), ())]
        close = difflib.get_close_matches(word, near, n=1, cutoff=0.8)
        if close:
            found[word] = close[0]
    return found


def search_words(text: str) -> list[str]:
    """The words of a search, folded as the notes were (scripts without spaces: the runs between spaces)."""
    folded = fold(text)
    if UNSPACED.search(folded):
        return [w for w in (part.strip(PUNCTUATION) for part in folded.split()) if w]
    return re.findall(r"\w+", folded)


PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~、。・：；！？「」『』（）【】"


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Tags in lower case, without '#' or accents, each once, in the order given; words joined by a hyphen whether
    written with one or an underscore (#access_control and "access control" on the form are one tag)."""
    out: list[str] = []
    for tag in tags:
        for word in re.split(r"[\s,]+", tag):
            word = re.sub(r"[^\w-]", "", fold(word.lstrip("#"))).replace("_", "-")
            if word and word not in out:
                out.append(word[:40])
    return out


def _tags_column(tags: Iterable[str]) -> str:
    found = normalize_tags(tags)
    return f" {' '.join(found)} " if found else ""


# --- writing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    text: str
    owner_user_id: str
    due_on: dt.date


def find_by_key(*, session: Session, idempotency_key: str) -> Note | None:
    return session.scalars(select(Note).where(Note.idempotency_key == idempotency_key)).first()


def add_note(
    *,
    session: Session,
    nation_iso2: str,
    text: str,
    noted_on: dt.date,
    author_user_id: str,
    idempotency_key: str,
    visit_id: int | None = None,
    tags: Sequence[str] = (),
    source_permalink: str | None = None,
    message_author_id: str | None = None,
    also_known_as: Sequence[str] = (),
) -> tuple[Note, bool]:
    """Save a note once: a second call with the same key (or one of ``also_known_as``) returns the first note.

    Returns (note, created). The insert itself skips a duplicate key, so two requests racing each other still make one
    note.
    """
    for key in (idempotency_key, *also_known_as):
        existing = find_by_key(session=session, idempotency_key=key)
        if existing is not None:
            return existing, False
    if len(text) > MAX_TEXT:
        raise ValueError(f"a note holds at most {MAX_TEXT} characters")
    now = utcnow()
    values = dict(
        nation_iso2=nation_iso2,
        visit_id=visit_id,
        noted_on=noted_on,
        text=text,
        search_text=fold(text),
        tags=_tags_column(tags),
        author_user_id=author_user_id,
        source_permalink=source_permalink,
        message_author_id=message_author_id,
        idempotency_key=idempotency_key,
        created_by=author_user_id,
        created_at=now,
    )
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(Note).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(Note.id)
    )
    note_id = session.execute(statement).scalar()
    if note_id is None:  # another request saved it first
        note = find_by_key(session=session, idempotency_key=idempotency_key)
        assert note is not None
        return note, False
    note = session.get(Note, note_id)
    assert note is not None
    _record(session=session, note=note, action=CREATED, before=None, changed_by=author_user_id, at=now)
    return note, True


def add_follow_up(
    *, session: Session, note: Note, follow_up: FollowUp, recorded_by: str, reminder_id: int | None = None
) -> NoteFollowUp:
    row = NoteFollowUp(
        note_id=note.id,
        text=follow_up.text,
        owner_user_id=follow_up.owner_user_id,
        due_on=follow_up.due_on,
        reminder_id=reminder_id,
        recorded_by=recorded_by,
        recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _record(
    *, session: Session, note: Note, action: str, before: dict | None, changed_by: str, at: dt.datetime | None = None
) -> NoteChange:
    change = NoteChange(
        note_id=note.id,
        action=action,
        before=before,
        after=note.snapshot(),
        changed_by=changed_by,
        changed_at=at or utcnow(),
    )
    session.add(change)
    session.flush()
    return change


def edit_note(
    *,
    session: Session,
    note: Note,
    changed_by: str,
    text: str | None = None,
    tags: Sequence[str] | None = None,
    visit_id: int | bool | None = False,
    noted_on: dt.date | None = None,
) -> bool:
    """Change a note and keep its former self in the audit trail. ``visit_id=False`` leaves the visit alone. Returns
    whether anything changed."""
    before = note.snapshot()
    if text is not None:
        if len(text) > MAX_TEXT:
            raise ValueError(f"a note holds at most {MAX_TEXT} characters")
        note.text, note.search_text = text, fold(text)
    if tags is not None:
        note.tags = _tags_column(tags)
    if visit_id is not False:
        note.visit_id = visit_id
    if noted_on is not None:
        note.noted_on = noted_on
    if note.snapshot() == before:
        return False
    note.updated_by, note.updated_at = changed_by, utcnow()
    _record(session=session, note=note, action=EDITED, before=before, changed_by=changed_by, at=note.updated_at)
    return True


def delete_note(*, session: Session, note: Note, changed_by: str) -> None:
    """Hide a note from lists and search; it stays in the database and an admin can restore it."""
    before = note.snapshot()
    note.deleted_by, note.deleted_at = changed_by, utcnow()
    _record(session=session, note=note, action=DELETED, before=before, changed_by=changed_by, at=note.deleted_at)


def restore_note(*, session: Session, note: Note, changed_by: str) -> None:
    before = note.snapshot()
    note.deleted_by = note.deleted_at = None
    note.updated_by, note.updated_at = changed_by, utcnow()
    _record(session=session, note=note, action=RESTORED, before=before, changed_by=changed_by, at=note.updated_at)


# --- reading -----------------------------------------------------------------------------------


def get_note(*, session: Session, note_id: int) -> Note | None:
    return session.get(Note, note_id)


def history(*, session: Session, note_id: int) -> list[NoteChange]:
    query = select(NoteChange).where(NoteChange.note_id == note_id).order_by(NoteChange.changed_at, NoteChange.id)
    return list(session.scalars(query))


def follow_ups(*, session: Session, note_id: int) -> list[NoteFollowUp]:
    query = select(NoteFollowUp).where(NoteFollowUp.note_id == note_id).order_by(NoteFollowUp.due_on, NoteFollowUp.id)
    return list(session.scalars(query))


def notes_for_nation(
    *,
    session: Session,
    nation_iso2: str,
    limit: int,
    words: Sequence[str] = (),
    before: tuple[dt.date, int] | None = None,
) -> list[Note]:
    """A nation's notes, newest first (by the day they are about), optionally only those matching ``words``; ``before``
    pages on."""
    query = select(Note).where(Note.nation_iso2 == nation_iso2, Note.deleted_at.is_(None))
    if words and unspaced(words):
        for word in words:
            query = query.where(Note.search_text.contains(word, autoescape=True))
    elif words and not _is_postgres(session) and _fts5_count(session, words) > PROBE_ABOVE:
        # A common word: walk the nation's notes newest first and ask the index about each, rather than
        # gathering every note in the database that has the word.
        query = query.where(
            text("EXISTS (SELECT 1 FROM notes_fts WHERE notes_fts MATCH :q AND notes_fts.rowid = notes.id)").bindparams(
                q=_fts5_query(words)
            )
        )
    elif words:
        query = query.where(Note.id.in_(_matching_ids(session, words)))
    if before is not None:
        day, note_id = before
        query = query.where((Note.noted_on < day) | ((Note.noted_on == day) & (Note.id < note_id)))
    query = query.order_by(Note.noted_on.desc(), Note.id.desc()).limit(limit)
    return list(session.scalars(query))


def all_notes_for_nation(*, session: Session, nation_iso2: str) -> list[Note]:
    query = select(Note).where(Note.nation_iso2 == nation_iso2, Note.deleted_at.is_(None))
    return list(session.scalars(query.order_by(Note.noted_on.desc(), Note.id.desc())))


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


#: On SQLite, a word in more notes than this is looked up note by note when listing one nation's notes.
PROBE_ABOVE = 1_000


#: Scripts written without spaces between words (Thai, Chinese, Japanese): the word index cannot split them, so
#: a search for them looks for the characters anywhere in the text instead.
UNSPACED = re.compile(r"[\u0E00-\u0E7F\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF66-\uFF9F]")


def unspaced(words: Sequence[str]) -> bool:
    return any(UNSPACED.search(word) for word in words)


def _fts5_count(session: Session, words: Sequence[str]) -> int:
    return (
        session.execute(
            text("SELECT count(*) FROM notes_fts WHERE notes_fts MATCH :q"), {"q": _fts5_query(words)}
        ).scalar()
        or 0
    )


def _fts5_query(words: Sequence[str]) -> str:
    return " ".join(f'"{w}"' for w in words)


def _matching_ids(session: Session, words: Sequence[str]) -> Any:
    """A subquery of the ids of notes whose text has all of ``words`` (stemmed: "inspect" finds "inspections")."""
    if _is_postgres(session):
        return (
            text("SELECT note_id FROM notes_fts WHERE document @@ plainto_tsquery('english', :q)")
            .bindparams(q=" ".join(words))
            .columns(note_id=Integer)
        )
    return (
        text("SELECT rowid FROM notes_fts WHERE notes_fts MATCH :q")
        .bindparams(q=_fts5_query(words))
        .columns(rowid=Integer)
    )


@dataclass(frozen=True)
class Hit:
    """A note found by search, its rank (higher is better) and where in its text the matched words are."""

    note: Note
    rank: float
    spans: tuple[tuple[int, int], ...]
    among_newest: int | None = (
        None  # set when the words are in so many notes that only the newest this many were ranked
    )
    nation: Nation | None = None  # loaded with the note (and so kept in the session for whoever names it)


#: A search whose words (and filters) leave more notes than this ranks only the newest this many written, and says
#: so: ranking every note with a common word is what takes the time (each ranked note costs a look-up of its length
#: and its matches, about 8 µs on SQLite; 2,000 made a search of a common word over 100,000 notes take 15-30 ms).
RANK_POOL = 500


def search(
    *,
    session: Session,
    words: Sequence[str],
    limit: int,
    offset: int = 0,
    nation_iso2: str | None = None,
    author_user_id: str | None = None,
    since: dt.date | None = None,
    tag: str | None = None,
) -> list[Hit]:
    """Notes matching every one of ``words``, best first (bm25 on SQLite, ts_rank on PostgreSQL), with highlights.

    With no words, the notes the filters leave, newest first. When the words and filters leave more than
    :data:`RANK_POOL` notes, only the newest that many written are ranked (``Hit.among_newest`` says so).
    Scripts written without spaces (Japanese, Thai) are found by their characters anywhere in the text,
    newest first, among the newest :data:`RANK_POOL` written that have them.
    """
    filters = ["n.deleted_at IS NULL"]
    params: dict[str, Any] = {"limit": limit, "offset": offset, "pool": RANK_POOL, "best": offset + limit + 50}
    if nation_iso2:
        filters.append("n.nation_iso2 = :nation")
        params["nation"] = nation_iso2
    if author_user_id:
        filters.append("n.author_user_id = :author")
        params["author"] = author_user_id
    if since:
        filters.append("n.noted_on >= :since")
        params["since"] = since
    if tag:
        # the tag as written now (access-control), or as saved before tags were written with hyphens only
        # (access_control); "_" is a wildcard in LIKE, so it is escaped
        filters.append("(n.tags LIKE :tag ESCAPE '\\' OR n.tags LIKE :tag_before ESCAPE '\\')")
        params["tag"] = f"% {tag} %"
        params["tag_before"] = f"% {tag.replace('-', chr(92) + '_')} %"
    by_characters = bool(words) and unspaced(words)
    postgres = _is_postgres(session)
    if by_characters:  # the characters anywhere in the folded text (both are folded: no case to ignore)
        find = "strpos" if postgres else "instr"
        for number, word in enumerate(words):
            filters.append(f"{find}(n.search_text, :part{number}) > 0")
            params[f"part{number}"] = word
    where = " AND ".join(filters)
    if not words:
        sql = (
            f"SELECT n.id, 0.0 AS rank, 0 AS pool FROM notes n WHERE {where} "
            "ORDER BY n.noted_on DESC, n.id DESC LIMIT :limit OFFSET :offset"
        )
    elif by_characters:  # newest first, among the newest written that have the characters
        newest = f"SELECT n.id, n.noted_on FROM notes n WHERE {where} ORDER BY n.id DESC LIMIT :pool"
        sql = (
            f"SELECT id, 0.0 AS rank, count(*) OVER () AS pool FROM ({newest}) AS newest "
            "ORDER BY noted_on DESC, id DESC LIMIT :limit OFFSET :offset"
        )
    else:
        params["q"] = " ".join(words) if postgres else _fts5_query(words)
        if not postgres and (nation_iso2 or since):
            mask = _mask(session, nation_iso2=nation_iso2, since=since)
            if mask == b"":
                return []  # no notes on the nation, or since the day
            if mask is not None:
                params["among"] = mask
        sql = _best_first_sql(postgres, where if len(filters) > 1 else None, masked="among" in params)
    # On PostgreSQL each search is planned for its own words, without parallel workers: storage/db.py sets both for
    # every connection (SET LOCAL here did nothing once searches ran without a transaction).
    rows = session.execute(text(sql), params).all()
    ranked = [(row.id, float(row.rank)) for row in rows]
    capped = bool(words) and any(row.pool >= RANK_POOL for row in rows)
    if words and not by_characters and len(filters) == 1 and len(ranked) < limit and capped:
        # The newest notes with the words were ranked before dropping deleted ones: should too many of the best
        # have been deleted, rank again with the deleted ones left out first (slower, and as rare as that).
        rows = session.execute(text(_best_first_sql(postgres, where)), params).all()
        ranked = [(row.id, float(row.rank)) for row in rows]
        capped = any(row.pool >= RANK_POOL for row in rows)
    if not ranked:
        return []
    ids = [note_id for note_id, _ in ranked]
    found = {
        note.id: (note, nation)
        for note, nation in session.execute(
            select(Note, Nation).outerjoin(Nation, Nation.iso2 == Note.nation_iso2).where(Note.id.in_(ids))
        )
    }
    hits = []
    if by_characters or not words:
        marked: dict[int, str] = {}
    else:
        marked = _marked(session, ids, words, among_newest=len(filters) == 1)
    for note_id, rank in ranked:
        note, nation = found[note_id]
        if by_characters:
            spans = _spans_of(note.text, words)
        else:
            spans = highlight_spans(note.text, marked.get(note_id, "")) if words else ()
        hits.append(Hit(note, rank, spans, RANK_POOL if capped else None, nation))
    return hits


def _spans_of(original: str, words: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """Where each word stands in the text as written (for scripts searched by characters)."""
    spans = []
    for word in words:
        start = original.find(word)
        while start >= 0:
            spans.append((start, start + len(word)))
            start = original.find(word, start + len(word))
    return tuple(sorted(spans))


#: On SQLite, a search on one nation, or since a day, walks the notes with the words through a mask of the notes that
#: nation or day leaves when they are at most this many (see :func:`_mask`); more, and the walk is short anyway.
MASK_MOST = 5_000


def _mask(session: Session, *, nation_iso2: str | None, since: dt.date | None) -> bytes | None:
    """A byte per note id up to the newest, 1 for the notes on the nation (else since the day): b"" when there are
    none, None when there are more than MASK_MOST.

    A filtered search walks the notes with the words newest first until it has RANK_POOL that pass the filters: for a
    common word and one nation's share of the notes (2% among 50 nations), or the last few weeks, that is 25,000
    notes or more. Looking each one up in notes costs about 0.16 µs; reading its byte of this mask (bound as a blob)
    a fifth of that, and only the notes it lets through are looked up. The ids come from an index alone
    (ix_notes_nation_noted_on, ix_notes_noted_on): 0.35 ms for 2,000 notes.
    """
    params: dict[str, Any]
    if nation_iso2:
        chosen, params = "nation_iso2 = :value", {"value": nation_iso2}
    else:
        chosen, params = "noted_on >= :value", {"value": since}
        beyond = session.execute(
            text(f"SELECT 1 FROM notes WHERE {chosen} ORDER BY noted_on LIMIT 1 OFFSET :most"),
            {**params, "most": MASK_MOST},
        ).first()
        if beyond is not None:  # a day long ago: counted on the index, without fetching the ids
            return None
    joined = session.execute(
        text(f"SELECT group_concat(id) FROM (SELECT id FROM notes WHERE {chosen} LIMIT :most)"),
        {**params, "most": MASK_MOST + 1},
    ).scalar()
    if not joined:
        return b""
    ids = [int(note_id) for note_id in joined.split(",")]  # one row rather than thousands: a third of the time
    if len(ids) > MASK_MOST:
        return None
    mask = bytearray(max(ids) + 1)
    for note_id in ids:
        mask[note_id] = 1
    return bytes(mask)


def _best_first_sql(postgres: bool, where: str | None, masked: bool = False) -> str:
    """The best page of the newest RANK_POOL notes with the words: ``id``, ``rank`` and ``pool`` (how many ranked).

    With ``where`` (filters; deleted notes left out), the pool is exactly the newest notes that pass them. Without,
    the pool is taken from the search index alone (no look-up in notes per candidate) and deleted notes are dropped
    from the best few afterwards. ``masked`` (SQLite): ``:among`` is a :func:`_mask` of the notes on the nation (or
    since the day) filtered on, read before the filters are looked up.

    On SQLite, bm25 first counts every note with each word (its weight): 0.5-1.2 ms for a word in 25-60% of 100,000
    notes, whatever the pool; each note ranked then adds about 0.75 µs.
    """
    if postgres:
        if where and ":nation" in where:
            # One nation's notes are few: walk them newest first and look each up in the search table (the planner
            # would otherwise test every note's words to join them; the LIMIT inside keeps the look-up per note).
            newest = (
                f"SELECT c.id AS note_id, x.document FROM (SELECT n.id FROM notes n WHERE {where} ORDER BY n.id DESC) "
                "AS c CROSS JOIN LATERAL (SELECT f.document FROM notes_fts f WHERE f.note_id = c.id "
                "AND f.document @@ plainto_tsquery('english', :q) LIMIT 1) AS x ORDER BY c.id DESC LIMIT :pool"
            )
        elif where:
            newest = (
                "SELECT f.note_id, f.document FROM notes_fts f JOIN notes n ON n.id = f.note_id "
                f"WHERE f.document @@ plainto_tsquery('english', :q) AND {where} ORDER BY f.note_id DESC LIMIT :pool"
            )
        else:
            newest = (
                "SELECT note_id, document FROM notes_fts WHERE document @@ plainto_tsquery('english', :q) "
                "ORDER BY note_id DESC LIMIT :pool"
            )
        pool = (
            "SELECT note_id AS id, ts_rank(document, plainto_tsquery('english', :q)) AS rank, count(*) OVER () AS pool "
            f"FROM ({newest}) AS newest"
        )
    else:
        if where:
            among = "AND substr(:among, notes_fts.rowid + 1, 1) = x'01' " if masked else ""
            newest = (
                "SELECT notes_fts.rowid AS id, -bm25(notes_fts) AS rank FROM notes_fts JOIN notes n "
                f"ON n.id = notes_fts.rowid WHERE notes_fts MATCH :q {among}AND {where} "
                "ORDER BY notes_fts.rowid DESC LIMIT :pool"
            )
        else:
            newest = (
                "SELECT rowid AS id, -bm25(notes_fts) AS rank FROM notes_fts WHERE notes_fts MATCH :q "
                "ORDER BY rowid DESC LIMIT :pool"
            )
        pool = f"SELECT id, rank, count(*) OVER () AS pool FROM ({newest}) AS newest"
    if where:
        return f"SELECT id, rank, pool FROM ({pool}) AS f ORDER BY rank DESC, id DESC LIMIT :limit OFFSET :offset"
    return (
        f"SELECT n.id, f.rank, f.pool FROM ({pool} ORDER BY rank DESC, id DESC LIMIT :best) AS f "
        "JOIN notes n ON n.id = f.id WHERE n.deleted_at IS NULL "
        "ORDER BY f.rank DESC, n.id DESC LIMIT :limit OFFSET :offset"
    )


#: On SQLite, the matched words of a page of notes whose ids are at most this far apart (or all among the newest
#: RANK_POOL with the words) are found in one pass over the index between them, and each note is looked up alone
#: otherwise. Each entry passed costs 0.05-0.1 µs and each look-up 35-130 µs: 15,000 entries (a word in every note)
#: cost about what looking up a page does, and a filtered search's page is usually some 12,000 ids wide, of which a
#: word in a quarter of the notes has 3,000 (0.3-0.4 ms rather than 0.8-1.5).
READ_ACROSS = 15_000


def _marked(session: Session, ids: list[int], words: Sequence[str], *, among_newest: bool = False) -> dict[int, str]:
    """Each note's folded text with the matched words between MARK_START and MARK_STOP, as the database sees them.

    ``among_newest``: the notes are among the newest RANK_POOL with the words (a search without filters), so at most
    that many notes with the words lie between them.
    """
    params: dict[str, Any]
    if _is_postgres(session):
        sql = text(
            "SELECT id, ts_headline('english', search_text, plainto_tsquery('english', :q), :options) AS marked "
            "FROM notes WHERE id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        params = {
            "q": " ".join(words),
            "ids": ids,
            "options": f"HighlightAll=true, StartSel={MARK_START}, StopSel={MARK_STOP}",
        }
    else:
        params = {"q": _fts5_query(words), "ids": ids, "start": MARK_START, "stop": MARK_STOP}
        if among_newest or max(ids) - min(ids) <= READ_ACROSS:
            # The page's notes are close together: one pass over the index between the first and the last (at most
            # RANK_POOL entries without filters, READ_ACROSS with), rather than a look-up per note. The unary + keeps
            # SQLite from handing the list to the index as look-ups.
            sql = text(
                "SELECT rowid AS id, highlight(notes_fts, 0, :start, :stop) AS marked FROM notes_fts "
                "WHERE notes_fts MATCH :q AND rowid BETWEEN :low AND :high AND +rowid IN :ids"
            ).bindparams(bindparam("ids", expanding=True))
            params["low"], params["high"] = min(ids), max(ids)
        else:
            sql = text(
                "SELECT rowid AS id, highlight(notes_fts, 0, :start, :stop) AS marked FROM notes_fts "
                "WHERE notes_fts MATCH :q AND rowid IN :ids"
            ).bindparams(bindparam("ids", expanding=True))
    return {row.id: row.marked for row in session.execute(sql, params)}


def highlight_spans(original: str, marked: str) -> tuple[tuple[int, int], ...]:
    """Where the database's highlights fall in the text as written (it marked the folded text)."""
    folded, origin = fold_map(original)
    spans: list[tuple[int, int]] = []
    plain: list[str] = []
    length = 0  # of the text read so far, without the marks
    start = None
    for piece in _MARKS.split(marked):  # the text between marks, and each mark alone
        if piece == MARK_START:
            start = length
        elif piece == MARK_STOP:
            if start is not None and length > start:
                begin = origin[start]
                while begin > 0 and original[begin - 1] in _APOSTROPHES:
                    begin -= 1  # "ʻAtenisi" is one word, okina and all
                spans.append((begin, origin[length - 1] + 1))
            start = None
        else:
            plain.append(piece)
            length += len(piece)
    if "".join(plain) != folded:
        return ()  # the database rewrote the text: show it without highlights rather than in the wrong place
    return tuple(spans)


_MARKS = re.compile(f"([{MARK_START}{MARK_STOP}])")


#: A nation's newest notes, for briefings (reminders): the same list as :func:`notes_for_nation`, under the name they
#: use.
latest_notes = notes_for_nation


def open_follow_ups(*, session: Session, nation_iso2: str) -> list[NoteFollowUp]:
    """Follow-ups promised in a nation's notes that are not done or cancelled, soonest due first."""
    from storage.reminders import CANCELLED, DONE, Reminder

    query = (
        select(NoteFollowUp)
        .join(Note, Note.id == NoteFollowUp.note_id)
        .outerjoin(Reminder, Reminder.id == NoteFollowUp.reminder_id)
        .where(Note.nation_iso2 == nation_iso2, Note.deleted_at.is_(None))
        .where((Reminder.id.is_(None)) | (Reminder.state.not_in((DONE, CANCELLED))))
        .order_by(NoteFollowUp.due_on, NoteFollowUp.id)
    )
    return list(session.scalars(query))
