"""The knowledge base: cited ISPS / SOLAS / MTSA entries, loaded from reference YAML, found by section key or ranked full-text search."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import JSON, Date, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import REFERENCE_DATA, Base, UTCDateTime, utcnow

KNOWLEDGE = Path(__file__).with_name("reference") / "knowledge"


class KnowledgeEntry(Base):
    """One cited fact officers are asked about: a section, a role, a rule, a dated list."""

    __tablename__ = "knowledge_entries"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    ref: Mapped[str] = mapped_column(String(120))
    keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    see_also: Mapped[list[str]] = mapped_column(JSON, default=list)
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    #: What full-text search indexes besides title and answer: ref, keys, synonyms, tags, abbreviations spelled out.
    search_terms: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    @property
    def key(self) -> str:
        """What to type after ``/ipslo isps`` to see this entry."""
        return self.keys[0] if self.keys else self.id


# --- the officers' vocabulary ----------------------------------------------------------------------

#: Abbreviations officers use, spelled out. Both forms are searched.
ABBREVIATIONS: dict[str, str] = {
    "dos": "declaration of security",
    "pfsp": "port facility security plan",
    "pfsa": "port facility security assessment",
    "ssp": "ship security plan",
    "ssa": "ship security assessment",
    "ssas": "ship security alert system",
    "issc": "international ship security certificate",
    "coe": "conditions of entry",
    "da": "designated authority",
    "psa": "port security advisory",
    "rso": "recognized security organization",
    "cso": "company security officer",
    "sso": "ship security officer",
    "pfso": "port facility security officer",
    "fso": "facility security officer",
    "csr": "continuous synopsis record",
    "mtsa": "maritime transportation security act",
    "ndaa": "national defense authorization act",
    "ips": "international port security",
    "ipslo": "international port security liaison officer",
    "feact": "activities far east",
    "cotp": "captain of the port",
    "gisis": "global integrated shipping information system",
    "msci": "maritime security communications with industry",
    "psc": "port state control",
    "sst": "state sponsor of terrorism",
    "locode": "location code",
    "aor": "area of responsibility",
    "fr": "federal register",
    "usc": "united states code",
}

#: Everyday words officers use for what the entries call something else. Searched alongside the typed word.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "vessel": ("ship",),
    "vessels": ("ship",),
    "country": ("nation", "government"),
    "countries": ("nation", "government"),
    "nation": ("country",),
    "nations": ("country",),
    "often": ("frequency", "every"),
    "frequently": ("frequency", "every"),
    "expire": ("valid", "validity"),
    "expires": ("valid", "validity"),
    "expiry": ("valid", "validity"),
    "lasts": ("valid",),
    "temporary": ("interim",),
    "sign": ("signed",),
    "signs": ("signed",),
    "alarm": ("alert",),
    "panic": ("alert",),
    "sanction": ("conditions", "entry"),
    "sanctions": ("conditions", "entry"),
    "delist": ("lifted", "removed"),
    "delisted": ("lifted", "removed"),
    "removed": ("lifted",),
    "flag": ("administration",),
    "law": ("statute",),
    "legal": ("statute", "law"),
    "audit": ("verification",),
    "visit": ("visits",),
    "reassess": ("reassessment", "assess"),
    "reassessed": ("reassessment", "assess"),
    "gap": ("apart",),
    "max": ("most",),
    "maximum": ("most",),
    "ports": ("port",),
    "find": ("found", "finding"),
    "finds": ("found", "finding"),
    "exclude": ("except", "exempt"),
    "excluded": ("except", "exempt"),
    "exclusion": ("exception", "exempt"),
    "exempted": ("except", "exempt"),
    "good": ("valid",),
    "steps": ("process", "cycle"),
    "stages": ("process", "cycle"),
    "ask": ("request", "require"),
    "asks": ("request", "require"),
    "asked": ("request", "require"),
    "enter": ("entry",),
    "enters": ("entry",),
    "entering": ("entry",),
    "follow": ("comply", "act"),
    "follows": ("comply", "act"),
    "obey": ("comply", "act"),
}

NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eighteen": "18",
    "ninety": "90",
    "first": "1",
    "second": "2",
    "third": "3",
    "fifth": "5",
    "tenth": "10",
}

#: Words that carry no meaning for finding an entry. Kept short on purpose: "level", "port", "last" matter.
STOP_WORDS = frozenset(
    ["a", "about", "above", "again", "all", "also", "am", "an", "and", "any", "are", "aren't", "as", "at", "be", "been", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "done", "during", "each", "else", "ever", "few", "for", "from", "further", "get", "gets", "got", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "i'd", "i'm", "if", "in", "into", "is", "isn't", "it", "it's", "its", "itself", "just", "let", "me", "more", "mine", "my", "myself", "need", "needs", "no", "nor", "not", "now", "of", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "please", "same", "say", "says", "she", "should", "so", "some", "such", "tell", "than", "that", "that's", "the", "their", "theirs", "them", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "upon", "us", "very", "was", "wasn't", "we", "were", "what", "what's", "whats", "when", "where", "which", "while", "who", "whom", "whose", "why", "will", "with", "would", "you", "your", "yours", "like", "rule", "rules", "mean", "means", "meaning", "happen", "happens", "thing", "things", "kind", "sort", "exactly", "actually", "really"]
)

#: A section reference: "XI-2/6", "A/16", "B/18.5", "A/2.1.9-2.1.11". One word, so the "2" of "XI-2" is not "level 2".
SECTION = re.compile(r"\b(?:xi-?[12]|[ab])/\d+(?:\.\d+)*(?:-\d+(?:\.\d+)*)?")


def fold(text: str) -> str:
    """Lower case without accents; curly quotes straightened."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.lower().replace("’", "'").replace("‘", "'")


def words(text: str) -> list[str]:
    """The words of a text, lower case; a section reference is one word: "XI-2/6" -> "xi_2_6"."""
    text = fold(text).replace("'s ", " ").replace("'", "")
    text = SECTION.sub(
        lambda m: re.sub(r"[^a-z0-9]+", "_", m.group(0).replace("xi2", "xi-2").replace("xi1", "xi-1")), text
    )
    return re.findall(r"[a-z0-9_]+", text)


SUFFIXES = tuple(
    sorted(
        ["izations", "ization", "ational", "fulness", "iveness", "ations", "ation", "ments", "ment", "ities", "ity", "ality", "ances", "ance", "ences", "ence", "ables", "able", "ibles", "ible", "ings", "ing", "ists", "ist", "isms", "ism", "ives", "ive", "ions", "ion", "ies", "ied", "ates", "ated", "ate", "izes", "ized", "ize", "ises", "ised", "ise", "ers", "er", "ed", "es", "al", "ly", "ic", "s", "e", "y"],
        key=len,
        reverse=True,
    )
)


def stem(word: str) -> str:
    """A suffix stripper in the spirit of Porter's, so "notified" and "notification", "apply" and "application" meet.

    Used for re-ranking and coverage; the databases stem for full-text search themselves.
    """
    word = NUMBER_WORDS.get(word, word)
    if len(word) <= 5 and re.fullmatch(r"[a-z]+ie[ds]", word):
        return word[:-1]  # "tied", "ties"
    for _ in range(3):
        for suffix in SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                if suffix == "s" and word[-2:] in ("ss", "us", "is"):
                    continue
                word = word[: -len(suffix)]
                if suffix in ("ing", "ed", "er") and word[-1] == word[-2] and word[-1] not in "lsz":
                    word = word[:-1]  # "planned", "getting"
                break
        else:
            break
    return word


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOP_WORDS]


# --- loading the reference files -----------------------------------------------------------------

FIELDS = ("ref", "keys", "title", "answer", "source", "tags", "synonyms", "see_also", "as_of")


def read_entries(folder: Path = KNOWLEDGE) -> list[dict[str, Any]]:
    """Every entry of every knowledge file, checked: unique ids, see-also links that resolve."""
    entries: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            entries += (yaml.safe_load(handle) or {}).get("entries") or []
    ids = [e["id"] for e in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"knowledge entries with the same id: {duplicates}")
    known = set(ids)
    for entry in entries:
        missing = [i for i in entry.get("see_also") or [] if i not in known]
        if missing:
            raise ValueError(f"knowledge entry {entry['id']} links to unknown entries {missing}")
    return entries


def search_terms(item: dict[str, Any]) -> str:
    """The ref, keys, synonyms and tags of an entry, with every abbreviation in them also spelled out."""
    phrases = [
        item.get("ref") or "",
        *(item.get("keys") or []),
        *(item.get("synonyms") or []),
        *(item.get("tags") or []),
    ]
    spelled = [ABBREVIATIONS[w] for phrase in phrases for w in words(phrase) if w in ABBREVIATIONS]
    return " ; ".join(str(p) for p in [*phrases, *dict.fromkeys(spelled)])


def load_knowledge(*, session: Session, folder: Path = KNOWLEDGE) -> dict[str, int]:
    """Bring the knowledge table in line with the reference files. Idempotent; returns rows added, updated, removed."""
    counts = {"added": 0, "updated": 0, "removed": 0}
    now = utcnow()
    existing = {e.id: e for e in session.scalars(select(KnowledgeEntry))}
    items = read_entries(folder)
    for item in items:
        values = {name: item.get(name) for name in FIELDS}
        for name in ("keys", "tags", "synonyms", "see_also"):
            values[name] = [str(v) for v in values[name] or []]
        values["answer"] = " ".join(str(values["answer"]).split())
        values["search_terms"] = search_terms(item)
        entry = existing.get(item["id"])
        if entry is None:
            session.add(KnowledgeEntry(id=item["id"], recorded_by=REFERENCE_DATA, recorded_at=now, **values))
            counts["added"] += 1
        elif any(getattr(entry, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(entry, key, value)
            entry.recorded_at = now
            counts["updated"] += 1
    shipped = {item["id"] for item in items}
    for entry_id, entry in existing.items():
        if entry_id not in shipped and entry.recorded_by == REFERENCE_DATA:
            session.delete(entry)
            counts["removed"] += 1
    session.flush()
    return counts


# --- queries -------------------------------------------------------------------------------------


def list_entries(*, session: Session) -> list[KnowledgeEntry]:
    return list(session.scalars(select(KnowledgeEntry).order_by(KnowledgeEntry.id)))


def get_entries(*, session: Session, ids: list[str]) -> list[KnowledgeEntry]:
    """The entries with these ids, in the order given (unknown ids are skipped)."""
    found = {e.id: e for e in session.scalars(select(KnowledgeEntry).where(KnowledgeEntry.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def key_form(typed: str) -> str:
    """A section or term as typed, in one canonical form: "isps a 16" -> "a/16", "SOLAS XI-2 reg 6" -> "xi-2/6", "46 USC 70110" -> "70110"."""
    form = " ".join(fold(typed).replace("§", " ").split()).strip(" .?")
    form = re.sub(r"^(?:(?:the|isps|code|solas|section|sec\.?|regulation|reg\.?|chapter|ch\.?)\s+)+", "", form)
    match = re.fullmatch(r"(?:part\s*)?([ab])\s*[/ .-]?\s*(\d+(?:\.\d+)*(?:-\d+(?:\.\d+)*)?)", form)
    if match:
        return f"{match[1]}/{match[2]}"
    match = re.fullmatch(r"(xi|11)\s*-?\s*([12])(?:\s*(?:/|\s|reg\.?|regulation)+\s*(\d+(?:\.\d+)*))?", form)
    if match:
        return f"xi-{match[2]}" + (f"/{match[3]}" if match[3] else "")
    match = re.fullmatch(r"(?:46\s*)?(?:u\.?\s?s\.?\s?c\.?\s*)?(701\d\d)\s*(\([a-z]\))?", form)
    if match:
        return match[1] + (match[2] or "")
    return form


def key_index(entries: list[KnowledgeEntry]) -> dict[str, KnowledgeEntry]:
    """Each entry by its keys (first), then by its title, ref and synonyms, all in :func:`key_form`."""
    index: dict[str, KnowledgeEntry] = {}
    for entry in entries:
        for key in entry.keys:
            index.setdefault(key_form(key), entry)
    for entry in entries:
        for name in [entry.title, entry.ref, *entry.synonyms]:
            index.setdefault(key_form(name), entry)
    return index


def find_by_key(*, session: Session, typed: str) -> KnowledgeEntry | None:
    """The entry a section number, abbreviation or title names exactly, e.g. "A/16", "XI-2/6", "70110", "DoS"."""
    return key_index(list_entries(session=session)).get(key_form(typed))


#: The numbered families of sections, by how their keys begin in :func:`key_form`: what to call them and how to show a number.
SECTION_FAMILIES: dict[str, tuple[str, str]] = {
    "a/": ("Part A", "A/"),
    "b/": ("Part B", "B/"),
    "xi-1/": ("SOLAS XI-1", "XI-1/"),
    "xi-2/": ("SOLAS XI-2", "XI-2/"),
    "usc": ("46 U.S.C.", ""),
}
SECTION_FORM = re.compile(
    r"(?P<family>[ab]/|xi-[12]/)(?P<numbers>\d+(?:\.\d+)*)(?:-[\d.]+)?|(?P<usc>701\d\d)(?:\((?P<letter>[a-z])\))?"
)


def section_numbers(form: str) -> tuple[str, tuple[int, ...]] | None:
    """A section reference in :func:`key_form` as its family and numbers: "a/19.4" -> ("a/", (19, 4)), "70108(d)" -> ("usc", (70108, 4))."""
    match = SECTION_FORM.fullmatch(form)
    if match is None:
        return None
    if match["usc"]:
        return "usc", (int(match["usc"]),) + ((ord(match["letter"]) - ord("a") + 1,) if match["letter"] else ())
    return match["family"], tuple(int(n) for n in match["numbers"].split("."))


@dataclass(frozen=True)
class MissingSection:
    """A section reference with no entry: how to show it, the range its family's entries cover, and the nearest real ones."""

    shown: str  # "A/99", "46 U.S.C. 70199"
    family: str  # "Part A"
    first: str  # "A/2"
    last: str  # "A/19"; "70110" for 46 U.S.C.
    nearest: tuple[tuple[str, KnowledgeEntry], ...]  # (the key to type, its entry), nearest first


def missing_section(*, session: Session, typed: str, limit: int = 3) -> MissingSection | None:
    """When ``typed`` is a section number the knowledge base has no entry for: what to say about it, with the nearest real
    sections (the same depth first: A/19, A/18, A/17 for A/99). None when it is no section number, or one that exists."""
    form = key_form(typed)
    wanted = section_numbers(form)
    if wanted is None or wanted[0] not in SECTION_FAMILIES or find_by_key(session=session, typed=typed) is not None:
        return None
    family, numbers = wanted
    name, prefix = SECTION_FAMILIES[family]
    known: dict[str, tuple[tuple[int, ...], str, KnowledgeEntry]] = {}
    for entry in list_entries(session=session):
        for key in entry.keys:
            found = section_numbers(key_form(key))
            if found is not None and found[0] == family and not re.search(r"\d-\d", key):  # no ranges
                known.setdefault(key_form(key), (found[1], key, entry))
    if not known:
        return None
    tops = sorted({n[0] for n, _, _ in known.values()})

    def distance(item: tuple[tuple[int, ...], str, KnowledgeEntry]) -> tuple:
        other = item[0]
        size = max(len(other), len(numbers))
        padded = [(other + (0,) * size)[:size], (numbers + (0,) * size)[:size]]
        return (len(other) != len(numbers), [abs(a - b) for a, b in zip(*padded)], other)

    nearest: list[tuple[str, KnowledgeEntry]] = []
    for _, key, entry in sorted(known.values(), key=distance):
        if all(entry.id != e.id for _, e in nearest):
            nearest.append((key, entry))
    shown = f"46 U.S.C. {form}" if family == "usc" else prefix + form.removeprefix(family)
    return MissingSection(shown, name, f"{prefix}{tops[0]}", f"{prefix}{tops[-1]}", tuple(nearest[:limit]))


def parent_key(typed: str) -> str | None:
    """The enclosing section of a sub-section: "a/16.3" -> "a/16", "70108(d)" -> "70108"."""
    form = key_form(typed)
    if re.search(r"\.\d+$", form):
        return form.rsplit(".", 1)[0]
    if re.search(r"\([a-z]\)$", form):
        return form[: form.index("(")]
    return None


# --- ranked full-text search ---------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    entry: KnowledgeEntry
    score: float


@dataclass(frozen=True)
class Search:
    """What a question found: the entries, best first, and whether the best one answers it well enough to show."""

    question: str
    terms: tuple[str, ...]  # the words searched, after spelling fixes and expansion
    hits: tuple[Hit, ...]
    confident: bool
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def best(self) -> KnowledgeEntry | None:
        return self.hits[0].entry if self.hits and self.confident else None


#: How much of the question's meaningful words the best entry must contain before we answer with it.
MIN_COVERAGE = 0.5
CANDIDATES = 30


@dataclass
class Vocabulary:
    """The words the knowledge base knows: for spelling fixes, how rare each word is, and what each entry is named."""

    words: frozenset[str]
    stems: frozenset[str]
    idf: dict[str, float]  # by stem: rarer words weigh more
    entry_stems: dict[str, frozenset[str]]  # everything an entry says
    name_stems: dict[str, frozenset[str]]  # what an entry is about: its title, keys, synonyms and tags
    phrases: dict[str, tuple[tuple[str, ...], ...]]  # its title, keys and synonyms, whole

    def weight(self, stem_: str) -> float:
        return self.idf.get(stem_, self.unknown_weight)

    #: A word the knowledge base never uses ("goes", "tie", "weather") weighs like a common one: questions are
    #: phrased in everyday words, and a question made only of unknown words still covers nothing.
    unknown_weight: float = 1.0


def entry_text(entry: KnowledgeEntry) -> str:
    return " ".join([entry.title, entry.search_terms, entry.answer, entry.source])


def phrase_stems(phrase: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in content_words(phrase))


_VOCABULARY: dict[tuple, Vocabulary] = {}


def vocabulary(entries: list[KnowledgeEntry]) -> Vocabulary:
    """The knowledge base's words (cached while the entries stay the same)."""
    signature = tuple((e.id, e.recorded_at.isoformat()) for e in entries)
    cached = _VOCABULARY.get(signature)
    if cached is not None:
        return cached
    all_words: set[str] = set()
    entry_stems: dict[str, frozenset[str]] = {}
    name_stems: dict[str, frozenset[str]] = {}
    phrases: dict[str, tuple[tuple[str, ...], ...]] = {}
    for entry in entries:
        text_words = words(entry_text(entry))
        all_words.update(text_words)
        entry_stems[entry.id] = frozenset(stem(w) for w in text_words)
        names = [entry.title, *entry.keys, *entry.synonyms]
        names += [ABBREVIATIONS[fold(n)] for n in names if fold(n) in ABBREVIATIONS]
        name_stems[entry.id] = frozenset(stem(w) for w in words(" ".join(names)))
        phrases[entry.id] = tuple(p for p in dict.fromkeys(phrase_stems(n) for n in names) if p)
    count = len(entries)
    frequency: dict[str, int] = {}
    for stems in entry_stems.values():
        for item in stems:
            frequency[item] = frequency.get(item, 0) + 1
    idf = {item: math.log(1 + count / n) for item, n in frequency.items()}
    vocab = Vocabulary(
        frozenset(all_words), frozenset(stem(w) for w in all_words), idf, entry_stems, name_stems, phrases
    )
    _VOCABULARY.clear()
    _VOCABULARY[signature] = vocab
    return vocab


def question_words(question: str, vocab: Vocabulary) -> tuple[list[str], dict[str, str]]:
    """The question's meaningful words, misspellings fixed against the knowledge base's words."""
    corrections: dict[str, str] = {}
    found: list[str] = []
    for word in content_words(question):
        if word not in vocab.words and len(word) >= 4 and word.isalpha():  # never a section number: "A/99" is not "A/9"
            close = difflib.get_close_matches(word, vocab.words, n=1, cutoff=0.85)
            if close and (stem(word) not in vocab.stems or stem(close[0]) != stem(word)):
                corrections[word] = close[0]
                word = close[0]
        found.append(word)
    return found, corrections


def alternatives(word: str) -> list[str]:
    """A word and what else it may be written as: its abbreviation spelled out, synonyms, number forms."""
    forms = [word]
    if word in ABBREVIATIONS:
        forms += content_words(ABBREVIATIONS[word])
    forms += SYNONYMS.get(word, ())
    if word in NUMBER_WORDS:
        forms.append(NUMBER_WORDS[word])
    return forms


def expand(found: list[str]) -> list[str]:
    """The words to search: each word with its alternatives."""
    return list(dict.fromkeys(t for word in found for t in alternatives(word) if t))


def mentions(word: str, stems: frozenset[str]) -> bool:
    """Whether an entry's words include a question word: itself, a synonym, its number form, or its abbreviation
    spelled out in full ("PFSO" is mentioned by "port facility security officer", not by "port")."""
    if stem(word) in stems or any(stem(form) in stems for form in SYNONYMS.get(word, ())):
        return True
    if word in NUMBER_WORDS and NUMBER_WORDS[word] in stems:
        return True
    spelled = content_words(ABBREVIATIONS.get(word, ""))
    return bool(spelled) and all(stem(w) in stems for w in spelled)


def coverage(found: list[str], stems: frozenset[str], vocab: Vocabulary) -> float:
    """How much of the question (rare words weighing more) an entry's words cover, from 0 to 1."""
    total = covered = 0.0
    for word in dict.fromkeys(found):
        weight = vocab.weight(stem(word))
        total += weight
        if mentions(word, stems):
            covered += weight
    return covered / total if total else 0.0


def answers_well(found: list[str], stems: frozenset[str], vocab: Vocabulary) -> bool:
    """Whether an entry speaks to the question: it covers at least half of it (rare words weighing more), and
    more than one of its words unless the question has only one ("reset my password" shares only "reset" with
    the SSAS entry: not an answer)."""
    if not found or coverage(found, stems, vocab) < MIN_COVERAGE:
        return False
    shared = {stem(form) for word in found for form in alternatives(word) if stem(form) in stems}
    return len(shared) >= 2 or len(set(found)) == 1


def fts_scores(*, session: Session, terms: list[str]) -> dict[str, float]:
    """Full-text scores of the entries matching any of the terms (higher is better): FTS5 bm25 or PostgreSQL ts_rank."""
    if not terms:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        query = " | ".join(terms)
        rows = session.execute(
            text(
                "SELECT entry_id, ts_rank('{0.2, 0.4, 0.7, 1.0}', document, to_tsquery('english', :query)) AS score "
                "FROM knowledge_fts WHERE document @@ to_tsquery('english', :query) "
                "ORDER BY score DESC, entry_id LIMIT :limit"
            ),
            {"query": query, "limit": CANDIDATES},
        )
    else:
        query = " OR ".join(f'"{t}"' for t in terms)
        rows = session.execute(
            text(
                "SELECT entry_id, -bm25(knowledge_fts, 0.0, 6.0, 3.0, 1.0) AS score "
                "FROM knowledge_fts WHERE knowledge_fts MATCH :query "
                "ORDER BY score DESC, entry_id LIMIT :limit"
            ),
            {"query": query, "limit": CANDIDATES},
        )
    return {entry_id: float(score) for entry_id, score in rows}


def contains(sequence: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(sequence[i : i + size] == phrase for i in range(len(sequence) - size + 1))


#: How the signals add up: the full-text rank (scaled so the best candidate scores 1), how much of the question
#: the entry's names cover and its whole text covers, and the longest name of the entry found whole in the question.
FTS_WEIGHT, NAME_WEIGHT, TEXT_WEIGHT, PHRASE_WEIGHT = 0.5, 1.0, 1.0, 0.1


def search(*, session: Session, question: str, limit: int = 3) -> Search:
    """The entries that best answer a question in plain English, best first; always ``limit`` of them when there are that many.

    Full-text search (FTS5 bm25 on SQLite, ts_rank on PostgreSQL) over the title, terms and answer finds the
    candidates; they are re-ranked by how much of the question (rare words weighing more) their names and text
    cover, and by names found whole in the question. ``confident`` says whether the best entry covers enough of
    the question to be shown as its answer.
    """
    entries = list_entries(session=session)
    by_id = {e.id: e for e in entries}
    vocab = vocabulary(entries)
    found, corrections = question_words(question, vocab)
    terms = expand(found)
    searched = [part for term in terms for part in term.split("_")]  # the databases index "XI-2/6" as "xi", "2", "6"
    scores = fts_scores(
        session=session, terms=list(dict.fromkeys(t for t in searched if re.fullmatch(r"[a-z0-9]+", t)))
    )
    top = max(scores.values(), default=0.0) or 1.0
    sequence = tuple(stem(w) for w in found)
    spelled = tuple(stem(w) for w in content_words(" ".join(ABBREVIATIONS.get(w, w) for w in found)))
    ranked: list[Hit] = []
    text_coverage: dict[str, float] = {}
    for entry_id, score in scores.items():
        longest = max(
            (
                len(p)
                for p in vocab.phrases.get(entry_id, ())
                if len(p) > 1 and (contains(sequence, p) or contains(spelled, p))
            ),
            default=0,
        )
        text_coverage[entry_id] = coverage(found, vocab.entry_stems[entry_id], vocab)
        total = (
            FTS_WEIGHT * score / top
            + NAME_WEIGHT * coverage(found, vocab.name_stems[entry_id], vocab)
            + TEXT_WEIGHT * text_coverage[entry_id]
            + PHRASE_WEIGHT * min(longest, 4)
        )
        ranked.append(Hit(by_id[entry_id], total))
    ranked.sort(key=lambda hit: (-hit.score, hit.entry.id))
    confident = bool(ranked) and answers_well(found, vocab.entry_stems[ranked[0].entry.id], vocab)
    if len(ranked) < limit:
        ranked += nearest_by_title(entries, question, exclude={h.entry.id for h in ranked}, limit=limit - len(ranked))
    return Search(question, tuple(terms), tuple(ranked[:limit]), confident, corrections)


def nearest_by_title(entries: list[KnowledgeEntry], question: str, *, exclude: set[str], limit: int) -> list[Hit]:
    """When full-text search finds too little: the entries whose titles look most like what was typed."""
    typed = fold(question)
    scored = [
        Hit(e, 0.01 * difflib.SequenceMatcher(None, typed, fold(e.title)).ratio())
        for e in entries
        if e.id not in exclude
    ]
    scored.sort(key=lambda hit: (-hit.score, hit.entry.id))
    return scored[:limit]
