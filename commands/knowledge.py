"""Answering officers' questions: `/ipslo ask` (the knowledge base, or our own records for data questions) and
`/ipslo isps` (a section or term)."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from dataclasses import dataclass

from commands.ids import Action
from commands.language import (
    Button,
    Buttons,
    Caption,
    CommandError,
    Icon,
    Invocation,
    Mention,
    Reply,
    Section,
    Strong,
    Subcommand,
    Text,
    Typed,
    bullets,
    echoed,
    joined,
    parse_id,
    words,
)
from commands.lookup import POSSESSIVE, Named, NationIndex, named_nations, nation_lookup, normalize
from commands.nations import ASSESS_USAGE, Standing, coe_as_of, fmt_date, standing, without_due_date
from commands.visits import visit_line
from storage import knowledge as store
from storage import nations as nation_store
from storage import notes as note_store
from storage import visits as visit_store
from storage.knowledge import KnowledgeEntry, Search
from storage.nations import Nation, NationRecord

ASK_USAGE = "ask <question>"
ISPS_USAGE = "isps <section or term>"
ASK_EXAMPLES = (
    "/ipslo ask when is a declaration of security required?",
    "/ipslo ask when was Fiji last assessed?",
    "/ipslo ask which nations are overdue for reassessment?",
)
ISPS_EXAMPLES = ("A/16", "B/18.5", "XI-2/6", "70110", "DoS", "PFSO", "SSAS")

#: Data answers that give, from our records, the live version of a knowledge entry's facts.
DATA_TOPICS = {"coe": "coe-list"}
NOTES_SHOWN = 5
#: The action of the buttons that open a linked entry (see bot/knowledge.py); the value is the entry's id.
SHOW_ENTRY = Action.SHOW_ENTRY
NOT_RIGHT = Action.NOT_RIGHT
MISS_FIXED = Action.MISS_FIXED
BUTTON_VALUE_CHARS = 2000
RUNNER_UP_MARGIN = 0.3


# --- what is being asked ---------------------------------------------------------------------------

KNOWLEDGE = "knowledge"
NATION_STATUS = "nation status"
OVERDUE = "overdue"
COE = "coe"
VISITS = "visits"
NOTES = "notes"
POST_HOLDER = "post holder"


@dataclass(frozen=True)
class Intent:
    """What a question asks for: a knowledge entry, or one of the data answers (with the nation, subject or period it
    names)."""

    name: str
    nation: Nation | None = None
    nation_typed: str = ""  # set when the nation was recognised from a misspelling
    subject: str = ""
    period: tuple[dt.date, dt.date] | None = None
    period_name: str = ""
    coe_question: bool = False  # a yes/no question whether the nation is under Conditions of Entry
    place: str = ""  # where the post asked about is held, as typed: "in Suva", "for Fiji"
    named: frozenset[str] = frozenset()  # the words of every nation the question names (see :func:`case_words`)


NOTE_WORDS = re.compile(
    r"\b(notes?|noted|wrote|written|jotted|did (?:we|i|you|anyone) (?:write|record|jot)(?: down)?)\b"
)
NOTE_SUBJECT = re.compile(r"\b(?:about|on|for|regarding|re|from|in)\s+(.+)$", re.IGNORECASE)
VISIT_WORDS = re.compile(r"\b(visits?|trips?|engagements?|travel|seminars?)\b")
PLAN_WORDS = re.compile(
    r"\b(planned|scheduled|upcoming|coming up|booked|on the (?:calendar|books)|do we have|are there|any)\b"
)
#: How to do something, asked: a question for the knowledge base (or "I don't know"), never a list of visits.
HOW_TO = re.compile(
    r"\s*(?:how (?:do|can|should|would|could) (?:i|we|you|one)|how to|what do (?:i|we) (?:need|have) to)\b"
)
LAST_OR_NEXT = re.compile(r"\b(next|last|latest|previous|most recent|upcoming)\b")
#: "who is due for reassessment?", not a ship "due for its renewal audit" or an ISSC "due for renewal"
OVERDUE_WORDS = re.compile(
    r"\b(overdue|due (?:for (?!(?:its|her|the|a|an|their) )"
    r"(?!renewal|audit|verification|survey|inspection|drydock)|soon)|coming due|late for|behind on)"
)
DUE_SOON_WORDS = re.compile(r"\b(due soon|coming due|next six months|next 6 months)\b")
COE_WORDS = re.compile(r"\b(coe|conditions? of entry)\b")
#: Who is on a list: "who is under COE", "who's on the COE list", "who has COE"; not "who can guard the gangway under
#: the COE" or "who does the ship report its COE actions to", which ask what the advisory says.
WHO_WORDS = re.compile(
    r"\b(who(?:'s| is| are)? (?:now |currently |still )?(?:under|on|subject to|listed|has|have)\b|"
    r"which (?:countries|nations|states|ones)|what (?:countries|nations|states)|"
    r"list(?: of)? (?:the )?(?:countries|nations)|(?:countries|nations) (?:are )?(?:on|under|with|subject to))\b"
)
HISTORY_WORDS = re.compile(r"\b(added|removed|lifted|re added|relisted|delisted|taken off|get off|history|changes?)\b")
#: "due" for reassessment, not a ship due in port ("due in Honolulu Friday"); "how is Fiji doing", not a ferry "doing
#: short hops".
STATUS_WORDS = re.compile(
    r"\b(assess\w*|reassess\w*|status|stand(?:s|ing)?|due(?! (?:in|at|into|off|alongside|to arrive|to call)\b)|"
    r"overdue|last visited|visited|findings?|outcome|found|rated|how(?:'s| is| are)\b.{0,40}\bdoing|"
    r"look(?:ed)? at (?:\w+ )?again)\b"
)
#: What the law requires or allows, asked with a nation as the example ("could we use Australia's assessment of PNG's
#: ports instead of our own?", "do we have to assess North Korean ports first?"): the knowledge base answers it when it
#: can, not the nation's record.
RULE_WORDS = re.compile(
    r"\b(?:have to|has to|should|needs? to|required to|supposed to|instead of|what(?:'s| is) needed|allowed|"
    r"permitted|(?:can|could|may) (?:we|they|the cg|the "
    r"coast guard|uscg)|legal(?:ly)?|law|statute|statutory|treat(?:ed|ing)? (?:them |it )?as|"
    # what the rule excepts; a nation named as an example ("madagascar for ex", "e.g. Fiji") is the case, not the ask
    r"exempt(?:ed|ion|ions)?|excepted|exceptions?|carve[- ]?outs?|for (?:ex|eg|example|instance)|e\.?g|"
    # what the law asks of us ("does Congress need a heads up?"), or an agreement with a nation (70108(f))
    r"congress|mou|moa|agreements?|arrangements?|"
    # where to look it up is a source, not the record: "where can I pull up PNG's port facilities and plan status?"
    r"where (?:can|could|do|would|should) (?:i|we|one) (?:find|look|pull|get|see|check))\b"
)
#: A nation's own turn, the whole question: "must Palau be reassessed this year?", "is Tonga required to be assessed
#: again?", "does Fiji have to be reassessed soon?": its record says when, though the words are the law's.
OWN_TURN = re.compile(
    r"^(?:must|does|do|is|are|will|should|has|have)\s+(?:the\s+)?(?:[\w'-]+\s+){1,3}?"
    r"(?:have to |has to |need to |needs to |required to |due to |supposed to )?(?:be |get )?(?:re-?)?assessed"
    r"(?: again| soon| this year| next year| yet| now)?\s*\??$"
)
UNDER_COE = re.compile(
    r"^(?:is|are|has|have|was|were)\b.*\b(?:under|on|subject to)\b.*\b(?:coe|conditions? of entry)\b"
    r"|^(?:is|are)\b.*\b(?:a )?coe (?:country|nation|state)\b"
)

#: "Does Fiji have COE?": a yes/no question when the words between "does" and "have" name a nation.
HAS_COE = re.compile(r"^(?:does|do) (?P<nation>.{2,40}?) (?:still )?(?:have|face) (?:coe|conditions? of entry)\b")

#: Posts officers ask who holds ("who is the PFSO in Suva?"): a directory the knowledge base does not hold.
POSTS = (
    r"pfso|port facility security officers?|da|designated authority|cso|company security officers?|sso|"
    r"ship security officers?|fso|facility security officers?|rso|recognized security organi[sz]ation|cotp|"
    r"captain of the port|ipslo|liaison officer|harbou?r ?masters?|port (?:captain|manager|director)s?|"
    r"point of contact|poc|focal point|security (?:officer|manager|contact)s?|contact person|"
    r"commanding officers?|commanders?|directors?|chiefs?|heads?|co"
)
#: Posts that head an organisation ("the FEACT commanding officer"): who holds one is never in the knowledge base,
#: though it knows the organisation.
COMMAND_POSTS = re.compile(r"commanding officers?|commanders?|directors?|chiefs?|heads?|co", re.IGNORECASE)
HOLDER = re.compile(
    r"^(?:do (?:we|you) know |does anyone know |any idea )?(?:who(?:'?s|\s+is|\s+are|\s+was|\s+holds|"
    r"\s+serves as|\s+acts as)?|(?:what(?:'s|\s+is)\s+the\s+)?name\s+of)\s+(?:currently\s+|now\s+)?"
    r"(?:the\s+|our\s+|their\s+)?"
    r"(?:current\s+|new\s+|present\s+)?(?P<before>(?:[\w'&.-]+\s+){0,3}?)(?P<post>" + POSTS + r")"
    r"(?P<after>\s.*)?$",
    re.IGNORECASE,
)
#: How to reach a post's holder: "phone number for the current PFSO at Kings Wharf Suva?", "email for the Tonga DA",
#: "contact details of the PFSO in Lae", "can you give me the name and mobile of the PFSO at ...": the same directory
#: the bot does not keep.
CONTACT = re.compile(
    r"^(?:(?:(?:can|could|would) (?:you|someone|somebody|anyone|anybody) (?:please )?(?:give|send|get|find|share)"
    r" (?:me|us)|(?:pls|please) (?:send|give|share)(?: me| us)?|i need|what(?:'s| is)|whats|need|got|any)\s+)?"
    r"(?:the\s+|a\s+)?(?:(?:full\s+)?name\s+(?:and|&|\+|/)\s+(?:the\s+|their\s+|his\s+|her\s+)?)?"
    r"(?:(?:phone|telephone|mobile|cell|office|direct)"
    r"\s+(?:number|no|#)|phone|mobile|cell|number|e-?mail(?:\s+address)?|contact(?:\s+(?:details|info|information|number))?|"
    r"whatsapp|how\s+(?:do\s+i|can\s+i|to)\s+(?:reach|contact|call|email))\s+(?:for|of|at|to)?\s*(?:the\s+|our\s+|their\s+)?"
    r"(?:current\s+|new\s+|present\s+)?(?P<before>(?:[\w'&.-]+\s+){0,3}?)(?P<post>" + POSTS + r")(?P<after>\s.*)?$",
    re.IGNORECASE,
)
HOLDER_PLACE = re.compile(
    r"^\s*(?:(?:point of contact|poc|focal point|contact|person|officer|now|currently|right now)\s+)*"
    r"(?P<where>(?:in|at|of|for|from)\s+.+)$",
    re.IGNORECASE,
)


def find_nation(
    question: str, index: NationIndex, session, named: list[tuple[str, Named]] | None = None
) -> Nation | None:
    """The nation a question names: the longest name, the first typed of names as long (``named``: what
    :func:`named_nations` found in it, when already read)."""
    found = named_nations(question, index) if named is None else named
    if not found:
        return None
    longest = max(found, key=lambda item: len(item[0].split()))
    return nation_store.get_nation(session=session, iso2=longest[1].iso2)


#: Words that begin many nations' names: never read as a misspelt nation on their own.
NAME_PARTS = frozenset(
    [
        "north",
        "south",
        "east",
        "west",
        "new",
        "saint",
        "island",
        "islands",
        "republic",
        "united",
        "states",
        "french",
        "british",
        "federated",
        "democratic",
        "people",
        "kingdom",
    ]
)


def guess_nation(question: str, index: NationIndex, session) -> tuple[Nation, str] | None:
    """A nation a data question names with a typo ("Fijii", "Phillipines"), when only one nation is that close."""
    typed = [POSSESSIVE.sub("", w).strip(".'") for w in re.findall(r"[\w.'&-]+", question)]
    for size in (3, 2, 1):
        for start in range(len(typed) - size + 1):
            phrase = " ".join(typed[start : start + size])
            lowered = normalize(phrase)
            if (
                len(lowered) < 4
                or lowered in NAME_PARTS
                or (" " not in lowered and store.is_english(lowered))  # "boat" is a word, not a misspelt "BIOT"
                or any(w in store.STOP_WORDS for w in lowered.split())
                or STATUS_WORDS.search(lowered)
                or NOTE_WORDS.search(lowered)
                or VISIT_WORDS.search(lowered)
            ):
                continue
            guessed = index.guess(phrase)
            if guessed is not None:
                nation = nation_store.get_nation(session=session, iso2=guessed.iso2)
                if nation is not None:
                    return nation, re.sub(r"(?i)^the\s+", "", phrase)
    return None


def post_holder(question: str, *, session, index: NationIndex) -> Intent | None:
    """A question who holds a post at a place or nation ("who is the PFSO in Suva?", "who's the Fiji DA?"), or None.

    Only when the place is a nation, or a word the knowledge base never uses (a town, a company): "who is the PFSO
    of a port facility?" asks what the post is, and stays a knowledge question.
    """
    plain = " ".join(re.sub(r"[^\w'&.-]+", " ", question.replace("’", "'")).split()).strip(" .")
    match = HOLDER.match(plain) or CONTACT.match(plain)
    if match is None:
        return None
    before, after = match["before"].strip(), (match["after"] or "").strip()
    if re.search(r"(?:^|\s)(?:the|a|an|our|their|its|his|her)$", before, re.IGNORECASE):
        return None  # "who apoints the SSO", "who desginates the PFSO": a verb (misspelt) before the post, no place
    located = HOLDER_PLACE.match(after) if after else None
    if located is not None:
        where = re.sub(r"(?i)(?:\s+(?:is|are|was|now|currently|these days|right now))+$", "", located["where"])
        if " " not in where:  # "who is the PFSO in now?": no place named
            return None
        place = where.split(None, 1)[1]
    elif before and not after:
        place = re.sub(r"'s$", "", before)
        where = f"{'of' if COMMAND_POSTS.fullmatch(match['post']) else 'in'} {place}"
    else:
        return None
    nation = find_nation(place, index, session)
    vocab = store.knowledge_index(session=session)
    unknown = [w for w in store.content_words(place) if w.isalpha() and not vocab.knows(w)]
    # the head of a named organisation ("the FEACT commanding officer"), not of any ship ("the CO of a ship")
    heads_named = COMMAND_POSTS.fullmatch(match["post"]) and any(w[:1].isupper() for w in place.split())
    if nation is None and not unknown and not heads_named:
        return None
    post = match["post"]
    post = post.upper() if post.lower() in store.ABBREVIATIONS or post.lower() in ("co", "poc") else post.lower()
    return Intent(POST_HOLDER, nation=nation, subject=post, place=where)


def note_subject(question: str) -> str:
    """What a notes question is about, as the officer wrote it: "what did we note about Suva?" -> "Suva"."""
    plain = " ".join(re.sub(r"[^\w'&-]+", " ", question).split())
    note = NOTE_WORDS.search(plain.lower())
    subject = NOTE_SUBJECT.search(plain[note.end() :]) if note else None
    return subject[1].strip() if subject else ""


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def find_period(text: str, today: dt.date) -> tuple[tuple[dt.date, dt.date], str] | None:
    """A period a question names: next/this week or month, a month by name; None when it names none."""
    if re.search(r"\bnext month\b", text):
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        first, last = month_bounds(year, month)
        return (first, last), first.strftime("in %B %Y")
    if re.search(r"\bthis month\b", text):
        first, last = month_bounds(today.year, today.month)
        return (today, last), "for the rest of " + first.strftime("%B %Y")
    monday = today - dt.timedelta(days=today.weekday())
    if re.search(r"\bnext week\b", text):
        first = monday + dt.timedelta(days=7)
        return (first, first + dt.timedelta(days=6)), f"in the week of {fmt_date(first)}"
    if re.search(r"\bthis week\b", text):
        return (today, monday + dt.timedelta(days=6)), "for the rest of this week"
    for number, name in enumerate(calendar.month_name):
        if number and re.search(rf"\b(in|during|for) {name.lower()}\b", text):
            year = today.year + (1 if number < today.month else 0)
            first, last = month_bounds(year, number)
            return (first, last), first.strftime("in %B %Y")
    return None


def parse_intent(question: str, *, session, index: NationIndex, today: dt.date) -> Intent:
    """Which kind of answer a question wants. Data questions name our records; everything else is for the knowledge
    base."""
    text = normalize(store.PURPOSE.sub(" ", store.fold(question)))  # why it is asked is not what is asked
    found = named_nations(question, index)
    nation = find_nation(question, index, session, named=found)
    named = frozenset(w for phrase, _ in found for w in store.words(phrase))
    if NOTE_WORDS.search(text) and re.search(r"\b(we|i|our|my|you|team|anyone|somebody|someone)\b", text):
        return Intent(NOTES, nation=nation, subject=note_subject(question) or (nation.name if nation else ""))
    holder = post_holder(question, session=session, index=index)
    if holder is not None:
        return holder
    period = find_period(text, today)
    how_to = HOW_TO.match(text)  # "how do I get country clearance for a visit to Dili next month?": not which visits
    if VISIT_WORDS.search(text) and nation is not None and period is None and LAST_OR_NEXT.search(text) and not how_to:
        return Intent(VISITS, nation=nation)  # a nation's last and next visit
    if VISIT_WORDS.search(text) and (PLAN_WORDS.search(text) or period) and not how_to:
        if period is None:
            period = ((today, today + dt.timedelta(days=90)), "in the next 90 days")
        return Intent(VISITS, nation=nation, period=period[0], period_name=period[1])
    has_coe = HAS_COE.search(text)
    coe_question = bool(UNDER_COE.search(text) or (has_coe and index.exact(has_coe["nation"])))
    # The United States is where the ships are bound ("foreign ports ships sail from to the US"), not a nation the
    # program assesses: a question naming it asks about the law, not our records.
    home = nation is not None and nation.kind == "us"
    if (STATUS_WORDS.search(text) or coe_question) and not HISTORY_WORDS.search(text) and not home:
        # "when must Samoa be reassessed?" asks for its date, which its record holds
        rule = RULE_WORDS.search(text) and not text.startswith("when ") and not OWN_TURN.match(text)
        if rule:
            # what the law allows, asked with a nation as the example: the knowledge base answers, or says it does not
            # know and offers the nearest rules; a nation's record never says what the law allows
            return Intent(KNOWLEDGE, nation=nation, named=named)
        if nation is not None:
            return Intent(NATION_STATUS, nation=nation, coe_question=coe_question)
        guessed = guess_nation(question, index, session)
        if guessed is not None:
            return Intent(NATION_STATUS, nation=guessed[0], nation_typed=guessed[1], coe_question=coe_question)
        if coe_question and store.country_words(question):
            # "is France under COE?": a country we keep no record of is on no list we keep; the list itself answers
            # (never a rule that happens to begin "Yes")
            return Intent(COE)
    if OVERDUE_WORDS.search(text) and nation is None:
        return Intent(OVERDUE, subject="due soon" if DUE_SOON_WORDS.search(text) else "")
    if COE_WORDS.search(text) and WHO_WORDS.search(text) and nation is None and not HISTORY_WORDS.search(text):
        return Intent(COE)
    return Intent(KNOWLEDGE, nation=nation, named=named)


ABSTAIN = "abstain"


HOW_MANY = re.compile(r"\bhow many\b|\bnumber of\b")


def nation_words(nation: Nation | None) -> frozenset[str]:
    """The words naming the nation a question names, as ranking reads them ("papua", "new", "guinea", "png"): the case
    asked about, not what the rule is about."""
    if nation is None:
        return frozenset()
    names = [nation.name, nation.official_name or "", nation.iso2, nation.iso3 or "", *(nation.aliases or [])]
    return frozenset(w for name in names for w in store.words(name) if not w.isdigit())


def case_words(intent: Intent) -> frozenset[str]:
    """The words naming the case a rule question asks about: every nation it names ("a 450 GT ship trading between
    Samoa and Fiji"), not only the one the question is about."""
    return nation_words(intent.nation) | intent.named


def cites(entry: KnowledgeEntry, citation: str) -> bool:
    """Whether an entry's ref cites a paragraph or one of its sub-paragraphs: "ISPS Code A/19.4.4" cites "ISPS Code
    A/19.4"; "46 U.S.C. 70110(a)(3)" cites "46 U.S.C. 70110"; "Port Security Advisory (paragraph C)" cites "Port
    Security Advisory"; "ISPS Code A/1" does not cite "ISPS Code A/19". A citation of several paragraphs ("FY2024 NDAA
    sec. 5603; 46 U.S.C. 70108(g)(2)") is cited by an entry citing each of them."""
    wanted = " ".join(citation.split())
    if ";" in wanted:  # a ref naming several paragraphs, as an entry's ref does: that entry, or one citing them all
        return all(cites(entry, part) for part in wanted.split(";") if part.strip())
    for ref in entry.citations:
        ref = " ".join(ref.split())
        if ref == wanted or (ref.startswith(wanted) and ref[len(wanted) :].startswith((".", "(", " ("))):
            return True
    return False


@dataclass(frozen=True)
class Understanding:
    """A question as the bot reads it: the intent, and for knowledge questions what the search found."""

    intent: Intent
    search: Search | None = None

    @property
    def abstained(self) -> bool:
        """The bot says "I don't know" (no entry settles it; or who holds a post, which it does not keep)."""
        if self.intent.name == POST_HOLDER:
            return True
        return self.intent.name == KNOWLEDGE and self.search is not None and not self.search.confident

    @property
    def ranked(self) -> tuple[str, ...]:
        """What the bot would answer, best first: entry ids, "data:<intent>", or "don't know"."""
        if self.intent.name != KNOWLEDGE:
            return (f"data:{self.intent.name.replace(' ', '-')}",)
        assert self.search is not None
        ids = tuple(hit.entry.id for hit in self.search.hits)
        return ids if self.search.confident else ("don't know", *ids)

    def answers(self, expected: str | list[str], *, within: int = 1) -> bool:
        """Whether the expected answer is among the first ``within`` answers: an entry id, "data:<intent>", a list of
        entry ids and citations (that entry, or one citing a citation or a sub-paragraph of it), or "abstain"."""
        if expected == ABSTAIN:
            return self.abstained
        if isinstance(expected, list):
            if self.intent.name != KNOWLEDGE or self.search is None:
                return False
            shown = list(self.search.hits) if self.search.confident else [None, *self.search.hits]
            return any(
                hit is not None and any(hit.entry.id == c or cites(hit.entry, c) for c in expected)
                for hit in shown[:within]
            )
        for got in self.ranked[:within]:
            if got == expected or DATA_TOPICS.get(got.removeprefix("data:")) == expected:
                return True
        return False


#: A question is read up to this many words (issue 12: every question answers in milliseconds, however long).
MAX_QUESTION_WORDS = 80


def bounded(question: str) -> str:
    """The first MAX_QUESTION_WORDS words of a question."""
    found = question.split(None, MAX_QUESTION_WORDS)
    return " ".join(found[:MAX_QUESTION_WORDS])


def understand(*, session, question: str, today: dt.date, index: NationIndex | None = None) -> Understanding:
    question = bounded(question)
    index = index or nation_lookup(session=session).index  # built once per database, checked for changes
    intent = parse_intent(question, session=session, index=index, today=today)
    if intent.name != KNOWLEDGE:
        return Understanding(intent)
    # "how many port facilities does Indonesia have?": a nation's own count, how things stand there, not a rule
    counts = intent.nation is not None and bool(HOW_MANY.search(store.fold(question)))
    found = store.search(session=session, question=question, case=case_words(intent), live=counts)
    return Understanding(intent, found)


# --- showing an entry ------------------------------------------------------------------------------


def cite(entry: KnowledgeEntry) -> str:
    """Source, and "as of" for dated facts."""
    as_of = f" · as of {fmt_date(entry.as_of)}" if entry.as_of else ""
    return f"Source: {entry.source}{as_of}"


#: A button's label is cut to this many characters (Slack allows 75), at a word.
BUTTON_LABEL_CHARS = 40


def button_label(entry: KnowledgeEntry) -> str:
    """What a button opening an entry says: its section or term ("A/19.4.5"), else its title, cut at a word (never the
    entry's internal id)."""
    if entry.keys:
        return entry.key[:75]
    if len(entry.title) <= BUTTON_LABEL_CHARS:
        return entry.title
    return entry.title[:BUTTON_LABEL_CHARS].rsplit(" ", 1)[0].rstrip(",;:(") + "…"


def entry_link(entry: KnowledgeEntry) -> Text:
    return words(Typed(f"/ipslo isps {entry.key}"), f" {entry.title}")


def not_right_button(question: str, entry_id: str | None, asked_by: str) -> Button:
    """The "Not right?" button under a knowledge answer: it carries the question, the entry given and who asked."""
    question = " ".join(question.split())[: store.MISS_QUESTION_CHARS]
    value = json.dumps({"q": question, "e": entry_id or "", "by": asked_by}, ensure_ascii=False)
    while len(value) > BUTTON_VALUE_CHARS:  # Slack's limit on a button's value
        question = question[: len(question) - (len(value) - BUTTON_VALUE_CHARS) - 1]
        value = json.dumps({"q": question, "e": entry_id or "", "by": asked_by}, ensure_ascii=False)
    return Button("Not right?", NOT_RIGHT, value)


def entry_reply(
    inv: Invocation,
    entry: KnowledgeEntry,
    *,
    notes: tuple[str, ...] = (),
    others: tuple[KnowledgeEntry, ...] = (),
    question: str | None = None,
) -> Reply:
    """One entry, the direct answer first: the lead, then the rule, then the citation to the paragraph and the source
    ("as of" for dated facts), then its neighbours to look at next. An answer to a question (``question``) carries
    a "Not right?" button and leads with the answer; a section looked up is headed by its title."""
    lead = entry.direct_answer
    rule = entry.answer
    if not entry.lead and rule.startswith(lead):
        rule = rule[len(lead) :].strip()
    as_of = f" · as of {fmt_date(entry.as_of)}" if entry.as_of else ""
    parts: list = [Section(words(Strong(lead)), icon=Icon.KNOWLEDGE)]
    if rule:
        parts.append(Section(rule))
    citation = words(Strong(entry.ref), f" · Source: {entry.source}{as_of}")
    parts.append(Caption(citation if question is None else words(citation, f" · {entry.title}")))
    neighbours = store.get_entries(session=inv.session, ids=entry.see_also)
    if neighbours:
        parts.append(Section(words(Strong("See also"), "\n", bullets(entry_link(n) for n in neighbours))))
    buttons = [Button(button_label(n), f"{SHOW_ENTRY}:{n.id}", n.id) for n in neighbours[:5]]
    if question is not None:
        buttons.append(not_right_button(question, entry.id, inv.caller.user_id))
    if buttons:
        parts.append(Buttons(tuple(buttons)))
    extra = [o for o in others if o.id != entry.id and o.id not in entry.see_also]
    if extra:
        parts.append(Caption(words("Other entries that may help: ", joined((entry_link(o) for o in extra), " · "))))
    if notes:
        parts.append(Caption(" ".join(notes)))
    text = " ".join(p for p in (lead, rule) if p) + f" ({entry.ref}; {entry.source}{as_of.replace(' ·', ',')})"
    return Reply(text, header=entry.title if question is None else None, parts=tuple(parts))


#: An entry sharing no word with the question scores below this (closeness in meaning alone): it is not offered as
#: "nearest", and the reply says what the base holds instead.
NEAREST_FLOOR = 0.6
NOTHING_CLOSE = (
    "Nothing in it comes close. It holds the ISPS Code, SOLAS chapters XI-1 and XI-2, the U.S. law on foreign port "
    "assessments and Conditions of Entry (46 U.S.C. 70108-70110, the Port Security Advisory), the MARSEC terms and "
    "the IPS program."
)


def dont_know(search: Search, typed: str, *, asked_by: str | None = None) -> Reply:
    """Nothing answers well: say so plainly, and offer the nearest entries, those sharing a word with the question
    (and "Not right?" when asked)."""
    text = f"I don't know: nothing in the knowledge base answers “{echoed(typed, 200)}” well, and I won't guess."
    if search.live:
        text += (
            " It holds the rules and a few facts as of a date, not how things stand right now nor figures for a past"
            " year."
        )
    parts: list = [Section(text, icon=Icon.UNKNOWN)]
    near = [h for h in search.hits if h.score >= NEAREST_FLOOR]
    if near:
        parts.append(Section(words(Strong("Nearest entries"), "\n", bullets(entry_link(h.entry) for h in near))))
    else:
        parts.append(Section(NOTHING_CLOSE))
    parts.append(
        Caption(
            words(
                "Try other words, a section such as ",
                Typed("/ipslo isps A/16"),
                ", or ask about a nation: ",
                Typed("/ipslo ask when was Fiji last assessed?"),
            )
        )
    )
    if asked_by is not None:
        parts.append(Buttons((not_right_button(typed, None, asked_by),)))
    return Reply(text, parts=tuple(parts))


#: A section reference by its part alone ("A/", "XI-2/") or with a part the texts do not have ("Z/99", "C/4").
PART_ONLY = re.compile(r"\s*(?P<part>[a-z]{1,3}(?:-?\d)?)\s*/\s*(?P<number>[\d.]*)\s*", re.IGNORECASE)


def part_refusal(inv: Invocation, typed: str, match: re.Match[str]) -> CommandError:
    """What sections there are, for a part typed without a number or a part that does not exist."""
    family = match["part"].lower().replace("xi", "xi-").replace("--", "-") + "/"
    ranges = {}
    for key, (_name, prefix) in store.SECTION_FAMILIES.items():
        found = store.missing_section(session=inv.session, typed="70199" if key == "usc" else f"{prefix}999")
        if found is not None:
            ranges[key] = f"46 U.S.C. {found.first}–{found.last}" if key == "usc" else f"{found.first}–{found.last}"
    if family in ranges and not match["number"]:  # "A/": which numbers Part A has
        name = store.SECTION_FAMILIES[family][0]
        return CommandError(
            f"“{typed.strip()}” needs a section number: {name} entries run {ranges[family]}.",
            hint=words("e.g. ", Typed(f"/ipslo isps {ranges[family].split('–')[0]}")),
        )
    return CommandError(
        f"There is no part “{match['part']}”: the sections are {', '.join(ranges.values())}.",
        hint=words("e.g. ", joined(Typed(f"/ipslo isps {e}") for e in ISPS_EXAMPLES[:4])),
    )


#: How many of a section's paragraphs are listed, and how many get a button.
WITHIN_SHOWN, WITHIN_BUTTONS = 12, 5


def sections_within_reply(typed: str, within: list[tuple[str, KnowledgeEntry]]) -> Reply:
    """A section with no entry of its own whose paragraphs have one: the paragraphs, in the texts' order."""
    shown = within[:WITHIN_SHOWN]
    text = f"No entry for “{typed.strip()}” itself; the entries within it:"
    links = [words(Typed(f"/ipslo isps {key}"), f" {entry.title}") for key, entry in shown]
    parts: list = [
        Section(words(text, "\n", bullets(links)), icon=Icon.KNOWLEDGE),
        Buttons(tuple(Button(key[:75], f"{SHOW_ENTRY}:{entry.id}", entry.id) for key, entry in shown[:WITHIN_BUTTONS])),
    ]
    if len(within) > len(shown):
        parts.append(Caption(f"…and {len(within) - len(shown)} more; type one of them, or ask in words."))
    return Reply(f"{text} {', '.join(key for key, _ in within)}", parts=tuple(parts))


def missing_section_reply(missing: store.MissingSection) -> Reply:
    """A section number with no entry: say so, never show another section in its place, and offer the nearest three."""
    if missing.first == missing.last:
        text = f"There is no entry for {missing.shown}; the only {missing.family} entry is {missing.first}."
    else:
        text = f"There is no entry for {missing.shown}; {missing.family} entries run {missing.first}–{missing.last}."
    links = [words(Typed(f"/ipslo isps {key}"), f" {entry.title}") for key, entry in missing.nearest]
    parts = (
        Section(text, icon=Icon.UNKNOWN),
        Section(words(Strong("Nearest sections"), "\n", bullets(links))),
        Buttons(tuple(Button(key[:75], f"{SHOW_ENTRY}:{entry.id}", entry.id) for key, entry in missing.nearest)),
        Caption(words("Or ask in words: ", Typed("/ipslo ask who approves the PFSP?"))),
    )
    return Reply(text, parts=parts)


def spelling_note(search: Search) -> tuple[str, ...]:
    """Which typed words were read as others; only plain words (a section number is never corrected, nor shown as a
    key)."""
    fixed = ", ".join(
        f"“{typed}” as “{meant}”" for typed, meant in search.corrections.items() if typed.isalpha() and meant.isalpha()
    )
    return (f"Read {fixed}.",) if fixed else ()


# --- data answers (the same facts as /ipslo status and /ipslo nations) --------------------------------


def coe_verdict(inv: Invocation, record: NationRecord, state: Standing) -> str:
    """Yes or no first: whether a nation is under Conditions of Entry, dated and sourced (the facts of /ipslo
    status)."""
    name, coe = record.nation.name, record.coe
    if coe is not None and state.under_coe:
        since = (
            f"has been under Conditions of Entry since {fmt_date(coe.effective_on)}"
            if coe.effective_on
            else "is under Conditions of Entry"
        )
        return f"Yes: {name} {since} ({coe.source}; public list as of {fmt_date(coe.as_of)})."
    if coe is not None and state.coe_pending:
        return (
            f"Not yet: Conditions of Entry for {name} take effect {fmt_date(coe.effective_on)} "
            f"({coe.source}; public list as of {fmt_date(coe.as_of)})."
        )
    if coe is not None:
        return (
            f"No: {name} is no longer under Conditions of Entry; they were lifted on {fmt_date(coe.lifted_on)} "
            f"({coe.source}; public list as of {fmt_date(coe.as_of)})."
        )
    as_of = nation_store.last_confirmation(session=inv.session).on
    if as_of is None:
        return f"No: {name} is not under Conditions of Entry on our records."
    return f"No: {name} is not on the public Conditions of Entry list (as of {fmt_date(as_of)})."


def nation_status_answer(inv: Invocation, nation: Nation, *, typed: str = "", coe_question: bool = False) -> Reply:
    [record] = nation_store.nation_records(session=inv.session, nations=[nation])
    state = standing(record, today=inv.today, tz=inv.caller.tz)
    sentences = [coe_verdict(inv, record, state)] if coe_question else []
    if record.assessment:
        sentences.append(
            f"{nation.name} was last assessed on {fmt_date(record.assessment.assessed_on)}: "
            f"found {record.assessment.outcome}."
        )
        if state.overdue:
            sentences.append(f"Reassessment is overdue since {fmt_date(state.due)}.")
        else:
            sentences.append(f"Reassessment is due by {fmt_date(state.due)}.")
    else:
        sentences.append(f"No assessment of {nation.name} is on record.")
    if state.under_coe and not coe_question:
        sentences.append(f"{nation.name} is {state.summary[0].lower()}{state.summary[1:]}.")
    text = " ".join(sentences)
    parts: list = [Section(text)]
    # what the knowledge base holds of this nation beside the team's records ("FEACT held a country assessment in
    # Tuvalu on 12-18 December 2023"): dated and cited, and said to be from there, not from the records
    known = store.dated_entries_naming(session=inv.session, names=(nation.name, *(nation.aliases or ())))
    if known:
        parts.append(
            Section(
                words(
                    Strong("In the knowledge base"),
                    "\n",
                    bullets(words(e.direct_answer, f" ({e.ref}, as of {fmt_date(e.as_of)})") for e in known),
                )
            )
        )
        if not record.assessment and any("assess" in e.direct_answer.lower() for e in known):
            parts.append(Caption(words("Not in the team's records; to record an assessment: ", ASSESS_USAGE)))
        text += " In the knowledge base: " + " ".join(
            f"{e.direct_answer} ({e.ref}, as of {fmt_date(e.as_of)})" for e in known
        )
    captions: list[Text] = [
        c for c in (state.detail,) if c and not (coe_question and record.coe)
    ]  # the verdict cites the COE source
    if typed:
        captions.insert(0, f"Showing {nation.name} for “{typed}”.")
    captions.append(
        words(
            "Full status: ",
            Typed(f"/ipslo status {nation.name.lower()}"),
            " · reassessment at least every 3 years: 46 U.S.C. 70108(d)",
        )
    )
    parts.append(Caption(joined(captions, " · ")))
    if known:
        parts.append(Buttons(tuple(Button(button_label(e), f"{SHOW_ENTRY}:{e.id}", e.id) for e in known)))
    return Reply(text, parts=tuple(parts))


def post_holder_answer(inv: Invocation, intent: Intent) -> Reply:
    """Who holds a post is not in the knowledge base: say so plainly, offer our notes, and say what the post is,
    labelled as such."""
    post = intent.subject
    text = f"I don't know who the {post} {intent.place} is: the bot keeps no list of who holds which post."
    nation = intent.nation
    named = set(store.content_words(" ".join([nation.name, *(nation.aliases or [])]))) if nation else set()
    place_words = [w for w in store.content_words(intent.place) if w not in named]
    search = " ".join([post, *place_words])
    if nation is not None:
        search += f" nation:{nation.name.lower() if ' ' not in nation.name else nation.iso2.lower()}"
    parts: list = [
        Section(text, icon=Icon.UNKNOWN),
        Section(words("Our notes may say: ", Typed(f"/ipslo search {search}"))),
    ]
    spelled = {full: short for short, full in store.ABBREVIATIONS.items()}
    entry = store.find_by_key(
        session=inv.session, typed=spelled.get(post.rstrip("s"), post.rstrip("s")) if " " in post else post
    )
    if entry is not None:
        article = "an" if (post[0] in "AEFHILMNORSX" if post.isupper() else post[0] in "aeiou") else "a"
        parts.append(Section(words(Strong(f"What {article} {post} is:"), f" {entry.direct_answer}")))
        parts.append(Caption(words(f"{cite(entry)} · ", Typed(f"/ipslo isps {entry.key}"))))
    return Reply(text, parts=tuple(parts))


def overdue_answer(inv: Invocation, intent: Intent) -> Reply:
    in_area = nation_store.list_nations(session=inv.session, in_area=True)
    states = [
        (r, standing(r, today=inv.today, tz=inv.caller.tz))
        for r in nation_store.nation_records(session=inv.session, nations=in_area)
    ]
    overdue = [(r, s) for r, s in states if s.overdue]
    if overdue:
        names = ", ".join(f"{r.nation.name} (due {fmt_date(s.due)})" for r, s in overdue)
        text = f"{len(overdue)} nation{'s are' if len(overdue) != 1 else ' is'} overdue for reassessment: {names}."
    else:
        text = "No nation in our area is overdue for reassessment on our records."
    if intent.subject == "due soon":
        soon = [(r, s) for r, s in states if s.due_soon]
        names = ", ".join(f"{r.nation.name} (due {fmt_date(s.due)})" for r, s in soon) or "none"
        text += f" Due within 6 months: {names}."
    caption = words(
        without_due_date(states),
        " Reassessment at least every 3 years: 46 U.S.C. 70108(d). The list: ",
        Typed("/ipslo nations due"),
    )
    return Reply(text, parts=(Section(text), Caption(caption)))


def coe_answer(inv: Invocation) -> Reply:
    records = nation_store.nation_records(session=inv.session, nations=nation_store.list_nations(session=inv.session))
    listed = [(r, s) for r, s in ((r, standing(r, today=inv.today, tz=inv.caller.tz)) for r in records) if s.under_coe]
    names = ", ".join(r.nation.name + (" (in our area)" if r.nation.in_area else "") for r, _ in listed)
    text = (
        f"{len(listed)} nations are under Conditions of Entry: {names}."
        if listed
        else "No nation is under Conditions of Entry on our records."
    )
    captions: list[Text] = []
    if listed:
        sources = sorted({r.coe.source for r, _ in listed if r.coe})
        captions.append(words(f"Source: {'; '.join(sources)} · ", coe_as_of(inv)))
    captions.append(
        words(
            "46 U.S.C. 70110 · ",
            Typed("/ipslo nations coe"),
            " · what COE require: ",
            Typed("/ipslo isps COE requirements"),
        )
    )
    return Reply(text, parts=(Section(text), Caption(joined(captions, " · "))))


def visits_answer(inv: Invocation, intent: Intent) -> Reply:
    if intent.nation is not None and intent.period is None:
        return last_and_next_visit_answer(inv, intent.nation)
    first, last = intent.period or (inv.today, inv.today + dt.timedelta(days=90))
    chosen = visit_store.visits_between(session=inv.session, first=first, last=last)
    if intent.nation is not None:
        chosen = [v for v in chosen if v.nation_iso2 == intent.nation.iso2]
    names = {n.iso2: n.name for n in nation_store.list_nations(session=inv.session)}
    where = f" to {intent.nation.name}" if intent.nation else ""
    if not chosen:
        text = f"No visits{where} are planned {intent.period_name} ({fmt_date(first)} – {fmt_date(last)})."
        # the example plans one where and when the question looked: the nation asked about, in the period asked
        named = intent.nation.name.lower() if intent.nation else "fiji"
        day = max(first, inv.today + dt.timedelta(days=1))
        example = Typed(f"/ipslo visit add {named} {day.isoformat()} country visit")
        return Reply(text, parts=(Section(text), Caption(words("Plan one: ", example))))
    said_lines = [visit_line(v, names.get(v.nation_iso2, v.nation_iso2), today=inv.today) for v in chosen]
    text = f"{len(chosen)} visit{'s' if len(chosen) != 1 else ''}{where} planned {intent.period_name}."
    return Reply(
        text,
        parts=(
            Section(words(text, "\n", bullets(said_lines))),
            Caption(words("From our visit records · ", Typed("/ipslo visits"))),
        ),
    )


def last_and_next_visit_answer(inv: Invocation, nation: Nation) -> Reply:
    last, upcoming = visit_store.last_and_next_visit(session=inv.session, nation_iso2=nation.iso2, today=inv.today)
    said_lines = [
        words("Last: ", visit_line(last, nation.name, today=inv.today) if last else "none on record"),
        words("Next: ", visit_line(upcoming, nation.name, today=inv.today) if upcoming else "none planned"),
    ]
    text = (
        f"{nation.name}: last visit {fmt_date(last.starts_on) if last else 'none on record'}; "
        f"next visit {fmt_date(upcoming.starts_on) if upcoming else 'none planned'}."
    )
    return Reply(
        text,
        parts=(
            Section(words(text, "\n", bullets(said_lines))),
            Caption(words("From our visit records · ", Typed(f"/ipslo visits {nation.name.lower()}"))),
        ),
    )


def notes_answer(inv: Invocation, intent: Intent) -> Reply:
    """What officers noted about a place, a nation or a subject, newest or best first, from the notes themselves."""
    nation = intent.nation
    tokens = [w for w in note_store.search_words(intent.subject) if w not in store.STOP_WORDS]
    if nation is not None:
        named = set(note_store.search_words(" ".join([nation.name, *(nation.aliases or [])])))
        tokens = [w for w in tokens if w not in named]
    iso2 = nation.iso2 if nation else None
    if nation is not None and not tokens:
        found = note_store.notes_for_nation(session=inv.session, nation_iso2=nation.iso2, limit=NOTES_SHOWN)
    else:
        found = [
            hit.note
            for hit in note_store.search(session=inv.session, words=tokens, limit=NOTES_SHOWN, nation_iso2=iso2)
        ]
    if not found and len(tokens) > 1:  # no note has every word: those with most of them
        matched: dict[int, tuple[int, note_store.Note]] = {}
        for word in tokens:
            for hit in note_store.search(session=inv.session, words=[word], limit=NOTES_SHOWN, nation_iso2=iso2):
                count, _ = matched.get(hit.note.id, (0, hit.note))
                matched[hit.note.id] = (count + 1, hit.note)
        found = [note for _, note in sorted(matched.values(), key=lambda pair: -pair[0])][:NOTES_SHOWN]
    about = intent.subject or (nation.name if nation else "that")
    if not found:
        text = f"We have no notes about {about}."
        return Reply(
            text,
            parts=(
                Section(text),
                Caption(words("Write one: ", Typed("/ipslo note fiji met the DA about the PFSP review"))),
            ),
        )
    names = {n.iso2: n.name for n in nation_store.list_nations(session=inv.session)}
    said_lines = [
        words(
            Strong(names.get(n.nation_iso2, n.nation_iso2)),
            f" · {fmt_date(n.noted_on)} · ",
            Mention(n.author_user_id),
            ": ",
            n.text if len(n.text) <= 200 else n.text[:199] + "…",
        )
        for n in found
    ]
    more = f" (the first {NOTES_SHOWN})" if len(found) == NOTES_SHOWN else ""
    text = f"{len(found)} note{'s' if len(found) != 1 else ''} about {about}{more}."
    return Reply(
        text,
        parts=(
            Section(words(text, "\n", bullets(said_lines))),
            Caption(
                words("From our notes · more: ", Typed("/ipslo search <tokens>"), " · ", Typed("/ipslo notes <nation>"))
            ),
        ),
    )


# --- the subcommands -------------------------------------------------------------------------------


def ask(inv: Invocation, text: str) -> Reply:
    question = text.strip()
    if not question:
        raise CommandError(
            "What would you like to know?", hint=words("e.g. ", joined((Typed(e) for e in ASK_EXAMPLES), " · "))
        )
    wants_misses = MISSES.fullmatch(question)
    if wants_misses:
        return misses(inv, wants_misses["rest"] or "")
    question = bounded(question)
    understood = understand(session=inv.session, question=question, today=inv.today)
    intent = understood.intent
    if intent.name == NATION_STATUS:
        assert intent.nation is not None  # parse_intent names the nation of every status question
        return nation_status_answer(inv, intent.nation, typed=intent.nation_typed, coe_question=intent.coe_question)
    if intent.name == POST_HOLDER:
        return post_holder_answer(inv, intent)
    if intent.name == OVERDUE:
        return overdue_answer(inv, intent)
    if intent.name == COE:
        return coe_answer(inv)
    if intent.name == VISITS:
        return visits_answer(inv, intent)
    if intent.name == NOTES:
        return notes_answer(inv, intent)
    search = understood.search
    assert search is not None
    if search.best is None:
        for named in store.SECTION.finditer(store.fold(question)):  # "what does A/99 say?": no such section
            missing = store.missing_section(session=inv.session, typed=named[0])
            if missing is not None:
                return missing_section_reply(missing)
        return dont_know(search, question, asked_by=inv.caller.user_id)
    return entry_reply(
        inv, search.best, notes=spelling_note(search), others=close_runners_up(search), question=question
    )


def close_runners_up(search: Search) -> tuple[KnowledgeEntry, ...]:
    """Entries that scored nearly as well as the answer: worth a look too."""
    best = search.hits[0].score
    return tuple(hit.entry for hit in search.hits[1:] if hit.score >= best - RUNNER_UP_MARGIN)


def show_entry(inv: Invocation, entry_id: str) -> Reply:
    """The entry behind a "See also" button."""
    found = store.get_entries(session=inv.session, ids=[entry_id])
    if not found:
        raise CommandError(
            "That entry is no longer in the knowledge base.",
            hint=words("Try ", Typed("/ipslo isps <section or term>"), "."),
        )
    return entry_reply(inv, found[0])


def isps(inv: Invocation, text: str) -> Reply:
    typed = text.strip()
    if not typed:
        raise CommandError(
            "Which section or term?", hint=words("e.g. ", joined(Typed(f"/ipslo isps {e}") for e in ISPS_EXAMPLES))
        )
    entry = store.find_by_key(session=inv.session, typed=typed)
    if entry is not None:
        return entry_reply(inv, entry)
    within = store.sections_within(session=inv.session, typed=typed)
    if within:  # "A/19.3": no entry of its own, but its paragraphs have theirs
        return sections_within_reply(typed, within)
    parent = store.parent_key(typed)
    while parent is not None:  # "A/2.1.99" -> "A/2.1" -> "A/2"
        entry = store.find_by_key(session=inv.session, typed=parent)
        if entry is not None:
            return entry_reply(
                inv, entry, notes=(f"No entry for “{typed}” itself; this is the section it belongs to.",)
            )
        parent = store.parent_key(parent)
    missing = store.missing_section(session=inv.session, typed=typed)
    if missing is not None:
        return missing_section_reply(missing)
    unnumbered = PART_ONLY.fullmatch(typed)
    if unnumbered is not None:  # "A/", "xi-2/", "Z/99": a part with no section, or a part the texts do not have
        raise part_refusal(inv, typed, unnumbered)
    search = store.search(session=inv.session, question=typed)
    if search.best is None:
        return dont_know(search, typed)
    notes = (f"No section or term is called “{typed}”; this entry matches it best.", *spelling_note(search))
    return entry_reply(inv, search.best, notes=notes, others=close_runners_up(search))


# --- answers marked "Not right?" ------------------------------------------------------------------------

MISSES = re.compile(r"misses(?:\s+(?P<rest>.*))?", re.IGNORECASE | re.DOTALL)
MISSES_USAGE = joined(
    (Typed("/ipslo ask misses"), Typed("/ipslo ask misses all"), Typed("/ipslo ask misses fixed 12")), " · "
)
MISSES_SHOWN = 25


def not_right(inv: Invocation, value: str) -> Reply:
    """The "Not right?" button was pressed: record the question, the entry given, who asked and who pressed."""
    try:
        pressed = json.loads(value)
        question, entry_id, asked_by = str(pressed["q"]), str(pressed["e"]), str(pressed["by"])
    except (ValueError, KeyError, TypeError):
        raise CommandError(
            "That button is out of date, so nothing was recorded.",
            hint=words(
                "Ask again with ",
                Typed("/ipslo ask <question>"),
                " and press ",
                Strong("Not right?"),
                " under the new answer.",
            ),
        ) from None
    if not question.strip():
        raise CommandError("That button carries no question, so nothing was recorded.", hint="Ask again.")
    miss, created = store.record_miss(
        session=inv.session,
        question=question,
        entry_id=entry_id or None,
        asked_by=asked_by,
        recorded_by=inv.caller.user_id,
        now=inv.now,
    )
    given = Typed(miss.entry_ref) if miss.entry_ref else "“I don't know”"
    if not created:
        asked = echoed(miss.question, 200)
        text = words(f"Already recorded as #{miss.id}: “{asked}” answered with ", given, ". Thank you.")
    else:
        text = words(
            f"Recorded as #{miss.id}: “{echoed(miss.question, 200)}” answered with ",
            given,
            ". Thank you: an admin will look at it and fix the knowledge base.",
        )
    return Reply(text, parts=(Section(text, icon=Icon.NOTE),))


def require_admin(inv: Invocation) -> None:
    if not inv.caller.is_admin:
        raise CommandError(
            "Only admins can review answers marked “Not right?”.",
            hint=words(
                "To report a wrong answer, press ", Strong("Not right?"), " under it; admins are those in IPSLO_ADMINS."
            ),
        )


def misses(inv: Invocation, rest: str) -> Reply:
    """`/ipslo ask misses [all]` lists answers marked "Not right?" newest first; `misses fixed N` marks one fixed."""
    require_admin(inv)
    tokens = rest.split()
    if not tokens or [w.lower() for w in tokens] == ["all"]:
        return misses_list(inv, include_fixed=bool(tokens))
    if tokens[0].lower() == "fixed" and len(tokens) == 2:
        return miss_fixed(inv, tokens[1])
    raise CommandError(f"I can't read “misses {rest.strip()}”.", hint=MISSES_USAGE)


def miss_line(inv: Invocation, miss: store.AskMiss) -> Text:
    def day(moment: dt.datetime) -> str:
        return fmt_date(moment.astimezone(inv.caller.tz).date())

    given = Typed(miss.entry_ref) if miss.entry_ref else "“I don't know”"
    return words(
        Strong(f"#{miss.id}"),
        f" · {day(miss.recorded_at)} · ",
        Mention(miss.asked_by),
        f" asked “{echoed(miss.question, 200)}” → ",
        given,
        words(" (marked by ", Mention(miss.recorded_by), ")") if miss.recorded_by != miss.asked_by else None,
        words(" · fixed by ", Mention(miss.fixed_by or ""), f" on {day(miss.fixed_at)}") if miss.fixed_at else None,
    )


def misses_list(inv: Invocation, *, include_fixed: bool) -> Reply:
    found = store.list_misses(session=inv.session, include_fixed=include_fixed, limit=MISSES_SHOWN)
    still_open = store.count_misses(session=inv.session, open_only=True)
    if not found:
        text = "No answers are marked “Not right?”." if include_fixed else "No open answers marked “Not right?”."
        return Reply(text, parts=(Section(text), Caption(MISSES_USAGE)))
    what = "answers marked “Not right?”" if include_fixed else "open answers marked “Not right?”"
    text = f"{still_open} open; the {what}, newest first" + (
        f" (the newest {MISSES_SHOWN})." if len(found) == MISSES_SHOWN else "."
    )
    parts: list = [Section(words(text, "\n", bullets(miss_line(inv, m) for m in found)))]
    to_fix = [m for m in found if m.fixed_at is None][:5]
    if to_fix:
        parts.append(Buttons(tuple(Button(f"Fixed #{m.id}", f"{MISS_FIXED}:{m.id}", str(m.id)) for m in to_fix)))
    parts.append(Caption(MISSES_USAGE))
    return Reply(text, parts=tuple(parts))


def miss_fixed(inv: Invocation, typed: str) -> Reply:
    """Mark a recorded miss fixed, with who and when (admins)."""
    require_admin(inv)
    number = parse_id(typed, what="miss", hint=MISSES_USAGE)
    miss = store.get_miss(session=inv.session, miss_id=number)
    if miss is None:
        raise CommandError(
            f"There is no miss #{number}.", hint=words("See them with ", Typed("/ipslo ask misses all"), ".")
        )
    if not store.mark_miss_fixed(session=inv.session, miss=miss, fixed_by=inv.caller.user_id, now=inv.now):
        when = fmt_date(miss.fixed_at.astimezone(inv.caller.tz).date()) if miss.fixed_at else ""
        text: Text = words(
            f"#{miss.id} was already marked fixed by ", Mention(miss.fixed_by or ""), f" on {when}; nothing changed."
        )
    else:
        text = f"Marked #{miss.id} fixed: “{echoed(miss.question, 200)}”."
    return Reply(text, parts=(Section(text, icon=Icon.OK), Caption(MISSES_USAGE)))


SUBCOMMANDS = (
    Subcommand(
        "ask",
        ASK_USAGE,
        "Ask about the ISPS Code, SOLAS XI-2, COE or a nation; answers cite their source",
        ASK_EXAMPLES[0],
        ask,
        shareable=True,
        repeatable=True,  # reads, but "ask misses fixed 12" (admins) writes
        aliases=("q", "question"),
    ),
    Subcommand(
        "isps",
        ISPS_USAGE,
        "Look up an ISPS / SOLAS / MTSA section or term, with related entries",
        "/ipslo isps A/16",
        isps,
        shareable=True,
        reads_only=True,
        aliases=("code", "section", "lookup"),
    ),
)
