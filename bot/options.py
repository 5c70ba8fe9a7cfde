"""The nation type-ahead: every nation menu in a form is an ``external_select`` whose choices come from here.

Slack posts a ``block_suggestion`` payload to /slack/events with what the officer has typed so far; we answer with
at most 100 nations ranked by how well they match: a name, alias or ISO code exactly, then names that start with
it, then names with a word that starts with it, then typos (``fjii``, ``phillipines``). Nations in our area come
before others that match as well, and with nothing typed the menu lists our area first."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from sqlalchemy.orm import Session

from bot import views
from commands.ids import Action
from commands.lookup import normalize
from storage import nations as nation_store
from storage.nations import Nation

NATION_MENU = Action.NATION
MAX_OPTIONS = 100  # Slack shows at most 100 options from an external source
OPTION_CHARS = 75  # an option's text
EXACT, PREFIX, WORD_PREFIX, INSIDE = 4.0, 3.0, 2.0, 1.5
TYPO = 0.72  # the least close a typo may be (difflib ratio): "fjii" -> fiji is 0.75


@dataclass(frozen=True)
class Suggestion:
    """A nation offered for what was typed, and how well it matches (higher is better)."""

    iso2: str
    label: str
    score: float
    in_area: bool


_keys: dict[tuple[str, object], tuple[str, ...]] = {}


def keys_of(nation: Nation) -> tuple[str, ...]:
    """Every way an officer may name the nation, folded as the look-ups fold it (kept until the nation changes)."""
    cache_key = (nation.iso2, nation.recorded_at)
    keys = _keys.get(cache_key)
    if keys is None:
        names = [nation.iso2, nation.iso3, nation.name, nation.official_name, *(nation.aliases or [])]
        keys = _keys[cache_key] = tuple(k for k in dict.fromkeys(normalize(n) for n in names if n) if k)
    return keys


def score(query: str, key: str, matcher: difflib.SequenceMatcher) -> float:
    """How well one name of a nation matches what was typed so far (0 when it does not)."""
    if key == query:
        return EXACT
    if key.startswith(query):
        return PREFIX
    if f" {query}" in f" {key}":
        return WORD_PREFIX
    if len(query) >= 3 and query in key:
        return INSIDE
    if len(query) >= 3 and len(key) > 3:  # a typo of a name; codes match only exactly or by their start
        for candidate in (key[: len(query) + 1], key):
            matcher.set_seq1(candidate)  # the query is seq2, whose index the matcher keeps between keys
            if matcher.real_quick_ratio() >= TYPO and matcher.quick_ratio() >= TYPO and matcher.ratio() >= TYPO:
                return matcher.ratio()
    return 0.0


def label(nation: Nation) -> str:
    where = "" if nation.in_area else " · outside our area"
    return views.clip(f"{nation.name} ({nation.iso2}){where}", OPTION_CHARS)


def suggest(nations: list[Nation], typed: str, *, limit: int = MAX_OPTIONS) -> list[Suggestion]:
    """The nations to offer for ``typed``, best first; our area first among equals; nothing typed lists all."""
    query = normalize(typed)
    matcher = difflib.SequenceMatcher(None, "", query)
    found = []
    for nation in nations:
        best = max((score(query, key, matcher) for key in keys_of(nation)), default=0.0) if query else 1.0
        if best > 0:
            found.append(Suggestion(nation.iso2, label(nation), best, bool(nation.in_area)))
    found.sort(key=lambda s: (-s.score, not s.in_area, s.label))
    return found[:limit]


def nation_options(*, session: Session, typed: str) -> list[dict[str, Any]]:
    """Slack's options for the menu: ``[{"text": ..., "value": "FJ"}]``."""
    nations = nation_store.list_nations(session=session)
    return [option(s.label, s.iso2) for s in suggest(nations, typed)]


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": views.clip(text, OPTION_CHARS), "emoji": True}, "value": value}


def nation_select(*, session: Session, nation_iso2: str | None, placeholder: str = "Type a nation") -> dict[str, Any]:
    """A nation menu for an input block, typed ahead through :func:`answer`; ``nation_iso2`` pre-selects one."""
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": NATION_MENU,
        "placeholder": {"type": "plain_text", "text": placeholder},
        "min_query_length": 0,  # opening the menu lists our area before anything is typed
    }
    nation = nation_store.get_nation(session=session, iso2=nation_iso2) if nation_iso2 else None
    if nation is not None:
        element["initial_option"] = option(label(nation), nation.iso2)
    return element


def chosen_nation(values: dict[str, Any], block_id: str) -> str | None:
    """The nation code chosen in a submitted form's nation menu, if any."""
    element = (values.get(block_id) or {}).get(NATION_MENU) or {}
    return (element.get("selected_option") or {}).get("value")


def answer(ack: Ack, payload: dict, context: BoltContext) -> None:
    """A ``block_suggestion`` for a nation menu: the ranked nations, read in one short session."""
    bot = context["bot"]
    with bot.database.sessions() as session:
        options = nation_options(session=session, typed=payload.get("value") or "")
    ack(options=options)


def register(app: App) -> None:
    app.options(NATION_MENU)(answer)
    app.options(Action.NOTE_NATION_PICKED)(answer)  # the note form's menu, which also offers the nation's visits
