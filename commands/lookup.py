"""Finding the nation an officer named: one outcome type per result (exact, a typo forgiven, several places, unknown).

Reads forgive a typo and say so; writes never guess (:func:`require_exact`). A name that means two places
("korea", "timor") is never picked silently: it asks which, offering each.
"""

from __future__ import annotations

import difflib
import re
import time
import unicodedata
from dataclasses import dataclass

from sqlalchemy.orm import Session

from commands.language import CommandError, Text, Typed, echoed, words
from storage import nations as store
from storage.knowledge import common_word
from storage.nations import Nation


def normalize(text: str) -> str:
    """Lower case, no accents or punctuation, single spaces, no leading "the"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return re.sub(r"^the ", "", text)


@dataclass(frozen=True)
class Named:
    """A nation as the index knows it: its code and the name to show."""

    iso2: str
    name: str


# --- the four outcomes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Exact:
    """Named exactly: a code, a name or an alias."""

    named: Named
    typed: str


@dataclass(frozen=True)
class Guess:
    """A typo forgiven ("fjii" -> Fiji): fine for a look-up, never for a write."""

    named: Named
    typed: str


@dataclass(frozen=True)
class Ambiguous:
    """A name that means several places ("korea", "timor", "guinea"): ask which."""

    typed: str
    choices: tuple[Named, ...]
    note: str = ""


@dataclass(frozen=True)
class Unknown:
    """No nation by that name; the closest (up to three) that are close enough to be what was meant."""

    typed: str
    closest: tuple[Named, ...]


Match = Exact | Guess | Ambiguous | Unknown

WHICH_NATION = "Which nation? Type its name, alias or ISO code."
NOT_KNOWN_HINT = words(
    "I know the partner nations and territories of our area and those under Conditions of Entry, by name, alias or ISO"
    " code: ",
    Typed("/ipslo nations"),
    " lists the area's.",
)


def as_typed(nation: Nation) -> str:
    """How a command we suggest names a nation: its name when that is one plain word ("tonga", not its code "to",
    which reads as a word: "/ipslo note to <text>"), else its code ("pg" for Papua New Guinea)."""
    return nation.name.lower() if nation.name.isalpha() else nation.iso2.lower()


def refusal(match: Ambiguous | Unknown) -> CommandError:
    """What to say when a name does not lead to one nation."""
    if isinstance(match, Ambiguous):
        names = [n.name for n in match.choices]
        return CommandError(
            f"“{echoed(match.typed)}” could mean more than one nation.",
            hint=match.note or None,
            suggestions=tuple(names),
        )
    if not match.typed:
        return CommandError(WHICH_NATION, hint=words("Example: ", Typed("/ipslo status fiji")))
    return CommandError(
        f"I don't know a nation or territory called “{echoed(match.typed)}”.",
        hint=None if match.closest else NOT_KNOWN_HINT,
        suggestions=tuple(n.name for n in match.closest),
    )


def offered_names(match: Match) -> tuple[str, ...]:
    """The nations to offer for a name: the one a typo was meant as, the places a name could mean, or those close
    enough to be what was meant (none for a word that is no nation's name, such as "search")."""
    if isinstance(match, Exact | Guess):
        return (match.named.name,)
    if isinstance(match, Ambiguous):
        return tuple(n.name for n in match.choices)
    return tuple(n.name for n in match.closest)


def require_exact(match: Match, *, nothing: str, hint: Text) -> Exact:
    """Writes never guess: a typo is refused naming the suggestion, and ``nothing`` says what was not done.

    ``nothing`` is the end of the sentence, e.g. "nothing was recorded"; ``hint`` says what to type.
    """
    if isinstance(match, Exact):
        return match
    if isinstance(match, Guess):
        raise CommandError(
            f"I'm not sure “{match.typed}” means {match.named.name}; {nothing}.",
            hint=words("Type the name or ISO code exactly. ", hint),
            suggestions=(match.named.name,),
        )
    error = refusal(match)
    error.hint = words(error.hint, " " if error.hint and hint else "", hint)
    raise error


# --- the index -----------------------------------------------------------------------------------


#: A typo is taken for a nation when its closest name scores at least GUESS_SCORE and the next nation's is at least
#: GUESS_MARGIN lower.
GUESS_SCORE, GUESS_MARGIN = 0.75, 0.08
#: Nations offered as "Did you mean" for a name we do not know score at least this ("fiiji" Fiji 0.89, "korea" 0.85):
#: below it the likeness is a few shared letters ("atlantis" Malaysia 0.5, "germany" Nigeria 0.57) and helps no one.
SUGGEST_SCORE = 0.7


class NationIndex:
    """Every way of naming each nation (codes, names, aliases), for exact and forgiving look-ups."""

    def __init__(self, nations: list[Nation], ambiguous: dict[str, store.AmbiguousName] | None = None):
        self.by_key: dict[str, Named] = {}
        #: Short names the team keeps as aliases ("png", "rok"): read in lower case too, where a bare code is not
        #: ("to", "in" and "ton" are words before they are Tonga or India).
        self.short_aliases: frozenset[str] = frozenset(
            normalize(alias) for nation in nations for alias in nation.aliases or [] if len(normalize(alias)) <= 3
        )
        for nation in nations:
            named = Named(nation.iso2, nation.name)
            for key in (nation.iso2, nation.iso3, nation.name, nation.official_name, *(nation.aliases or [])):
                self.by_key.setdefault(normalize(key), named)
        known = {n.iso2: Named(n.iso2, n.name) for n in nations}
        self.ambiguous: dict[str, Ambiguous] = {}
        for key, meaning in (store.ambiguous_names() if ambiguous is None else ambiguous).items():
            choices = tuple(known[code] for code in meaning.means if code in known)
            if len(choices) > 1:
                self.ambiguous[normalize(key)] = Ambiguous(key, choices, meaning.note)

    def exact(self, typed: str) -> Named | None:
        """The one nation ``typed`` names exactly; None for anything else, a name of several places included."""
        return self.exact_key(normalize(typed))

    def exact_key(self, key: str) -> Named | None:
        """:meth:`exact` for a name already normalized (:func:`normalize`)."""
        return None if key in self.ambiguous else self.by_key.get(key)

    def ranked(self, typed: str, limit: int = 3, floor: float = 0.0) -> list[tuple[float, Named]]:
        """The closest nations to what was typed, best first, one entry per nation; with a ``floor``, only those
        scoring at least that (the others are not compared in full, which is what makes it quick)."""
        query = normalize(typed)
        best: dict[str, tuple[float, Named]] = {}
        for key, named in self.by_key.items():
            if len(key) <= 3 and len(query) > 3:
                continue  # codes only match codes
            if len(query) >= 3 and key.startswith(query):
                score = 0.9
            elif len(query) >= 4 and f" {query}" in f" {key}":
                score = 0.85  # a whole word of a longer name: "guinea"
            else:
                score = 0.0
            matcher = difflib.SequenceMatcher(None, query, key)
            if score < floor and (matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor):
                continue  # cannot reach the floor: ratio() is at most these bounds
            score = max(score, matcher.ratio())
            if score >= floor and score > best.get(named.iso2, (0.0, named))[0]:
                best[named.iso2] = (score, named)
        return sorted(best.values(), key=lambda pair: (-pair[0], pair[1].name))[:limit]

    def guess(self, typed: str) -> Named | None:
        """The one nation a typo is close enough to (what :meth:`match` calls a Guess), or None; quicker than
        :meth:`match` since nations too far to matter are not compared in full."""
        typed = typed.strip()
        key = normalize(typed)
        if not typed or len(key) < 3 or key in self.ambiguous or key in self.by_key:
            return None
        ranked = self.ranked(typed, floor=GUESS_SCORE - GUESS_MARGIN)
        if not ranked:
            return None
        top_score, top = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        return top if top_score >= GUESS_SCORE and top_score - runner_up >= GUESS_MARGIN else None

    def named_within(self, typed: str, limit: int = 3) -> tuple[Named, ...]:
        """The nations a word of what was typed names ("niue island": Niue; "korea south": both Koreas)."""
        found: dict[str, Named] = {}
        for word in typed.split():
            key = normalize(word)
            if len(key) < 4:
                continue
            if key in self.ambiguous:
                for choice in self.ambiguous[key].choices:
                    found.setdefault(choice.iso2, choice)
            elif key in self.by_key:
                found.setdefault(self.by_key[key].iso2, self.by_key[key])
        return tuple(found.values())[:limit]

    def match(self, typed: str) -> Match:
        """What ``typed`` names: exactly one nation, a forgiven typo, several places, or none."""
        typed = typed.strip()
        key = normalize(typed)
        if key in self.ambiguous:
            return Ambiguous(typed, self.ambiguous[key].choices, self.ambiguous[key].note)
        named = self.by_key.get(key)
        if named is not None:
            return Exact(named, typed)
        if not typed:
            return Unknown("", ())
        ranked = self.ranked(typed)
        closest = self.named_within(typed) or tuple(n for score, n in ranked if score >= SUGGEST_SCORE)
        if ranked and len(key) >= 3:
            top_score, top = ranked[0]
            runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
            if top_score >= GUESS_SCORE and top_score - runner_up >= GUESS_MARGIN:
                return Guess(top, typed)
            if top_score >= GUESS_SCORE:
                return Ambiguous(typed, closest)
        return Unknown(typed, closest)

    def split(self, words: list[str], *, max_words: int = 4) -> tuple[Match, list[str]]:
        """The nation named by the first words (the longest exact name wins), and the words after it."""
        for size in range(min(max_words, len(words)), 0, -1):
            if not normalize(words[size - 1]):
                continue  # a word with no Latin letters or digits ("日本語") is never part of a nation's name
            typed = " ".join(words[:size])
            key = normalize(typed)
            if key in self.ambiguous or key in self.by_key:
                return self.match(typed), words[size:]
        if not words:
            return Unknown("", ()), []
        return self.match(words[0]), words[1:]


# --- bound to a session --------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A look-up's answer: the nation loaded from the session, what was typed, and whether it was named exactly."""

    nation: Nation
    typed: str
    exact: bool


class NationLookup:
    """The index bound to a session: what it finds comes back as nations loaded from that session."""

    def __init__(self, index: NationIndex, session: Session):
        self.index, self.session = index, session

    def load(self, named: Named) -> Nation:
        nation = store.get_nation(session=self.session, iso2=named.iso2)
        assert nation is not None, named  # the index is built from the same table
        return nation

    def exact(self, typed: str) -> Nation | None:
        """The one nation ``typed`` names exactly, or None."""
        named = self.index.exact(typed)
        return self.load(named) if named else None

    def read(self, match: Match) -> Found:
        """For look-ups: an exact name or a forgiven typo; several places or none are refused with suggestions."""
        if isinstance(match, Exact | Guess):
            return Found(self.load(match.named), match.typed, isinstance(match, Exact))
        raise refusal(match)

    def find(self, typed: str) -> Found:
        return self.read(self.index.match(typed))

    def identify(self, typed: str) -> Exact | Guess:
        """As :meth:`find`, without loading the nation: for a caller that reads it with more in one query."""
        match = self.index.match(typed)
        if isinstance(match, Exact | Guess):
            return match
        raise refusal(match)

    def split(self, words: list[str], *, max_words: int = 4) -> tuple[Found, list[str]]:
        """For look-ups: the nation named by the first words, and the words after it."""
        match, rest = self.index.split(words, max_words=max_words)
        return self.read(match), rest

    def split_exact(
        self, words: list[str], *, nothing: str, hint: Text, max_words: int = 4
    ) -> tuple[Nation, list[str]]:
        """For writes: the nation named exactly by the first words (see :func:`require_exact`), and the words after."""
        match, rest = self.index.split(words, max_words=max_words)
        return self.load(require_exact(match, nothing=nothing, hint=hint).named), rest

    def ranked(self, typed: str, limit: int = 3) -> list[tuple[float, Named]]:
        return self.index.ranked(typed, limit)


_indexes: dict[str, tuple[float, tuple, NationIndex]] = {}
RECHECK_SECONDS = 30.0  # names change only when reference data loads; look for changes this often


def nation_lookup(*, session: Session) -> NationLookup:
    """The index of names for this database (rebuilt only when the nations table changes), bound to the session.

    The index holds names and codes only; everything else about a nation is read from the session, so a change
    (the area, a listing) shows at once in every process.
    """
    url = str(session.get_bind().engine.url)
    checked, fingerprint, index = _indexes.get(url, (0.0, (), None))
    if index is None or time.monotonic() - checked > RECHECK_SECONDS:
        current = store.nations_fingerprint(session=session)
        if index is None or current != fingerprint:
            index = NationIndex(store.list_nations(session=session))
        _indexes[url] = (time.monotonic(), current, index)
    return NationLookup(index, session)


#: Short words that are also ISO codes ("in", "to", "my", "us"): a nation only when typed in capitals.
SHORT_NAME = 3
POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)


def named_nations(question: str, index: NationIndex) -> list[tuple[str, Named]]:
    """Every nation a question names, with the words naming it, in the order typed (at each place the longest name
    wins); codes of 3 letters or fewer only when typed in capitals, short aliases the reference data keeps ("png",
    "rok") in any case."""
    raw = re.findall(r"[\w.'&-]+", question)
    typed = [POSSESSIVE.sub("", w).strip(".'") for w in raw]  # "Fiji's ports": Fiji
    found: list[tuple[str, Named]] = []
    start = 0
    while start < len(typed):
        for size in (4, 3, 2, 1):
            chunk = typed[start : start + size]
            if len(chunk) < size:
                continue
            phrase = " ".join(chunk)
            key = normalize(phrase)  # once: a question is read in up to four phrases a word
            if size > 1 and len(key) <= SHORT_NAME:
                continue  # "the ID" reads as "id": a code is one word, judged alone below
            short = size == 1 and len(key) <= SHORT_NAME
            if short and not phrase.isupper() and key not in index.short_aliases:
                continue
            if short and phrase != "US" and len(phrase) <= 2 and common_word(phrase.lower()):
                continue  # "verify the ID of visitors", "RE:", "TV": the word, not Indonesia, Réunion or Tuvalu
            named = index.exact_key(key)
            if named is not None:
                found.append((phrase, named))
                start += size
                break
        else:
            start += 1
    return found
