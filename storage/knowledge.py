"""The knowledge base: cited ISPS / SOLAS / MTSA entries, loaded from reference YAML, found by section key or by a
BM25 ranking of the officer's question; and the answers officers marked "Not right?"."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import JSON, Date, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import REFERENCE_DATA, Base, UTCDateTime, read_yaml, utcnow

if TYPE_CHECKING:  # bm25s, numpy, snowballstemmer and wordfreq are imported where used: only `ask` needs them
    import bm25s
    import numpy as np

#: libyaml's loader when PyYAML has it (ten times faster at start-up), else the pure-Python one: the same data.

KNOWLEDGE = Path(__file__).with_name("reference") / "knowledge"

T = TypeVar("T")

#: What kind of fact an entry states, so "how long", "who", "can" questions can prefer the entry stating that property.
KINDS = (
    "definition",
    "duty",
    "period",
    "threshold",
    "exception",
    "who",
    "where",
    "how",
    "scope",
    "fact",
    "overview",
)


class KnowledgeEntry(Base):
    """One cited fact officers are asked about: a paragraph's rule, a role, a definition, a dated list."""

    __tablename__ = "knowledge_entries"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    ref: Mapped[str] = mapped_column(String(300))
    keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    see_also: Mapped[list[str]] = mapped_column(JSON, default=list)
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    #: ref, keys, synonyms, tags, abbreviations spelled out: what the entry is called besides its title.
    search_terms: Mapped[str] = mapped_column(Text)
    #: One of :data:`KINDS`; None for entries written before kinds existed.
    kind: Mapped[str | None] = mapped_column(String(20))
    #: The direct answer in one sentence (yes/no, the number with its unit, who, where); None: the answer's first
    #: sentence.
    lead: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    @property
    def key(self) -> str:
        """What to type after ``/ipslo isps`` to see this entry."""
        return self.keys[0] if self.keys else self.id

    @property
    def direct_answer(self) -> str:
        """The answer an officer can repeat: the lead, else the answer's first sentence."""
        return self.lead or first_sentence(self.answer)

    @property
    def citations(self) -> list[str]:
        """The paragraphs the entry cites: "ISPS Code A/12; ISPS Code A/2.1.6" -> two."""
        return [part.strip() for part in self.ref.split(";") if part.strip()]


def first_sentence(text: str) -> str:
    """The first sentence of a text: up to the first full stop followed by a space and a capital (not "U.S. Code")."""
    match = re.search(r"(?<!\b[A-Z])(?<!\bU\.S)(?<!\bNo)(?<!\be\.g)(?<!\bi\.e)[.!?](?=\s+[A-Z(])", text)
    return text[: match.end()].strip() if match else text.strip()


# --- the officers' vocabulary ----------------------------------------------------------------------

#: The field's abbreviations, spelled out: the one curated list. A question and an entry match whether either writes
#: the short form or the long one.
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
    "pf": "port facility",
    "fso": "facility security officer",
    "csr": "continuous synopsis record",
    "marsec": "maritime security",
    "mtsa": "maritime transportation security act",
    "ndaa": "national defense authorization act",
    "ips": "international port security",
    "ipslo": "international port security liaison officer",
    "feact": "activities far east",
    "cotp": "captain of the port",
    "gisis": "global integrated shipping information system",
    "msci": "maritime security communications with industry",
    "psc": "port state control",
    "psco": "port state control officer",
    "uscg": "united states coast guard",
    "dhs": "department of homeland security",
    "vso": "vessel security officer",
    "sst": "state sponsor of terrorism",
    "sts": "ship to ship",
    "imo": "international maritime organization",
    "solas": "safety of life at sea",
    "locode": "location code",
    "aor": "area of responsibility",
    "fr": "federal register",
    "usc": "united states code",
    "gt": "gross tonnage",
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
    "twelve": "12",
    "eighteen": "18",
    "thirty": "30",
    "ninety": "90",
    "first": "1",
    "second": "2",
    "third": "3",
    "fifth": "5",
    "tenth": "10",
}

#: Words that carry no meaning for finding an entry. Kept short on purpose: "level", "port", "last" matter.
STOP_WORDS = frozenset(
    (  # noqa: SIM905 (words are easier to read as text)
        "a about above again all also am an and any are aren't as at be been being below between both but by "
        "can could did do does doing done during each else ever few for from further get gets got had has "
        "have having he her here hers him his how i i'd i'm if in into is isn't it it's its itself just let "
        "me more mine my myself need needs no nor not now of on once only or other our ours out over own "
        "please same say says she should so some such than that that's the their theirs them then there "
        "these they this those through to too under until up upon us very was wasn't we were what what's "
        "whats when where which while who whom whose why will with would you your yours like rule rules mean "
        "means meaning happen happens thing things kind sort exactly actually really may must shall might ok "
        "okay hi hello thanks know want anyone someone after before without whether since via onto toward "
        "towards across around among"
    ).split()
)
#: Words are read without their apostrophes ("don't" is "dont"): the stop words are kept in both spellings, and the
#: other negated auxiliaries too ("don't", "won't": the question's subject is what they are about). "Can't" is not
#: among them: it is the texts' "cannot" (INFORMAL).
STOP_WORDS = (
    STOP_WORDS
    | {w.replace("'", "") for w in STOP_WORDS}
    | frozenset(
        (  # noqa: SIM905 (words are easier to read as text)
            "dont doesnt didnt wont wouldnt shouldnt isnt arent wasnt werent hasnt havent hadnt itll theyll youll "
            "theyre youre weve theyve ive youve whos wheres hows whove whod wholl theyd youd hes shes thatll"
        ).split()
    )
)

#: Everyday short forms of general English words officers type in chat ("pls", "yrs", "govt"), read as the word. Not
#: the field's abbreviations (those are spelled out above, beside the short form): these are just spelling.
INFORMAL: dict[str, str] = {
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "yr": "year",
    "yrs": "years",
    "mo": "month",
    "mos": "months",
    "mth": "month",
    "mths": "months",
    "wk": "week",
    "wks": "weeks",
    "hr": "hour",
    "hrs": "hours",
    "govt": "government",
    "gov": "government",
    "govts": "governments",
    "dept": "department",
    "cert": "certificate",
    "id": "identity",
    "ids": "identities",
    "certs": "certificates",
    "max": "maximum",
    "min": "minimum",
    "info": "information",
    "req": "requirement",
    "reqs": "requirements",
    "comms": "communications",
    "ops": "operations",
    "org": "organization",
    "orgs": "organizations",
    "docs": "documents",
    "doc": "document",
    "regs": "regulations",
    "reg": "regulation",
    "mgmt": "management",
    "approx": "approximately",
    "admin": "administration",
    "cg": "uscg",
    "cant": "cannot",
    "couldnt": "cannot",
    "sec": "security",
    "lvl": "level",
    "lvls": "levels",
    "pax": "passengers",
    "vsl": "vessel",
    "vsls": "vessels",
    "reqd": "required",
    "mgr": "manager",
    "thru": "through",
    "ppl": "people",
    "msg": "message",
    "msgs": "messages",
    "intl": "international",
    "natl": "national",
    "w": "with",
    "b4": "before",
    "u": "you",
    "ur": "your",
    "r": "are",
    "1st": "first",
    "2nd": "second",
    "3rd": "third",
    "4th": "fourth",
}

#: Words that only carry the tone of a chat question ("stuff", "guy", "supposed to", "formally"), only say that a
#: definition is asked for ("define", read as the question's kind), or frame a claim to check ("partner says X -
#: true?"): never searched, and never counted against an answer. General English only; a word naming anything an
#: officer could ask about stays.
FILLER = frozenset(
    (  # noqa: SIM905 (words are easier to read as text)
        "anything anybody anyone anywhere everything everybody everyone something somebody somewhere nothing "
        "nobody stuff guy guys folks bit lot lots basically typically usually generally normally commonly "
        "automatically mostly formally formal officially technically literally simply still yet even ever already "
        "supposed meant gonna wanna gotta quick quickly quite pretty maybe perhaps probably sure "
        "wondering wonder remind curious thought think "
        "per according regarding re exactly precisely particular particularly specific specifically "
        "define defined definition definitions defn defns "
        "thinks believes believe saying claims claiming insists insisting true correct accurate exact typical roughly "
        "yesterday "
        # when in the officer's story, or how many, said loosely: "reflagged in june", "another couple of months"
        "january february march april june july august september october november december couple "
        # "security-wise", "time-wise": about what it is attached to, which is read on its own
        "wise "
        # asking leave, not what is asked about: "is that permitted?", "is he entitled to?"
        "allowed permitted permissible entitled acceptable ok okay legit "
        "thinking considering "
        # "SSP is only in Korean. problem?": whether it is allowed, asked
        "problem problems whole entire explain "
        # how the officer pictures the place, not what is asked: "a tiny launch", "an outer island wharf"
        "tiny little outer remote "
        # how strongly it is said, not what: "part B is totally optional", "definitely required?"
        "totally completely entirely absolutely truly definitely honestly seriously fully "
        # what is set aside, said before the question: "besides whenever the PFSO decides, when is the PFSP reviewed?"
        "besides whenever"
    ).split()
)

#: The field's everyday words for what the texts name otherwise: a question word also matches an entry using one of
#: these (one way: the question's word, then the texts' words). General maritime-security usage, one meaning each; a
#: word with two meanings in the field (drill / exercise, fine, cost) is not listed.
EVERYDAY_TERMS: dict[str, tuple[str, ...]] = {
    "vessel": ("ship",),
    "registry": ("flag",),  # "joins the Vanuatu registry": takes its flag
    # a plan or record kept on a device is kept in electronic form (A/9.6, A/10.3)
    **dict.fromkeys(
        ("laptop", "laptops", "tablet", "tablets", "pdf", "pdfs", "digital", "digitally", "softcopy", "usb"),
        ("electronic", "computer"),
    ),
    "register": ("flag",),
    "reflagged": ("flag", "transfer"),
    "reflagging": ("flag", "transfer"),
    "reflag": ("flag", "transfer"),
    "vessels": ("ships",),
    "ship": ("vessel",),
    "ships": ("vessels",),
    "boat": ("ship", "vessel"),
    "boats": ("ships", "vessels"),
    "coaster": ("ship",),
    "tanker": ("ship",),
    "bulker": ("ship",),
    # the trade's names for kinds of ship: each is a ship (a cargo ship where the texts say so)
    **dict.fromkeys(("reefer", "containership", "boxship", "roro", "ropax", "feeder"), ("ship", "cargo")),
    **dict.fromkeys(("tug", "tugboat", "towboat"), ("ship",)),
    **dict.fromkeys(("trawler", "longliner", "seiner"), ("fishing", "vessel")),
    **dict.fromkeys(("yacht", "superyacht", "megayacht"), ("pleasure", "yacht")),
    "passage": ("voyage",),  # "on passage to Apia"
    "exam": ("examination", "inspection"),  # "a routine PSC exam"
    "pc": ("computer", "electronic"),
    "ferry": ("passenger", "ship"),
    "ferries": ("passenger", "ships"),
    "wharf": ("port", "facility"),
    "wharves": ("port", "facilities"),
    "terminal": ("port", "facility"),
    "terminals": ("port", "facilities"),
    "berth": ("port", "facility"),
    "pier": ("port", "facility"),
    "quay": ("port", "facility"),
    "jetty": ("port", "facility"),
    "dock": ("port", "facility"),
    "country": ("state", "government"),
    "countries": ("states", "governments"),
    "nation": ("state", "government"),
    "flag": ("administration",),
    "captain": ("master",),
    "skipper": ("master",),
    "owner": ("company",),
    "shipowner": ("company",),
    "operator": ("company",),
    "audit": ("verification",),
    "audited": ("verified", "verification"),
    "auditor": ("verification",),
    "detain": ("detention",),
    "detained": ("detention",),
    "detaining": ("detention",),
    "expel": ("expulsion",),
    "expelled": ("expulsion",),
    "refuse": ("deny", "denial", "refusal"),
    "deny": ("refuse", "denial", "refusal"),
    "tell": ("inform", "notify"),
    "told": ("informed", "notified"),
    "inform": ("notify",),
    "notify": ("inform",),
    "advise": ("inform", "notify"),
    "allowed": ("permitted", "authorized"),
    "ok": ("permitted",),
    "okay": ("permitted",),
    "needed": ("required",),
    "mandatory": ("required", "compulsory"),
    "compulsory": ("required", "mandatory"),
    "obligatory": ("required", "mandatory"),
    "keep": ("retain", "kept"),
    "retain": ("keep", "kept"),
    "logs": ("records",),
    "log": ("record",),
    "alarm": ("alert",),
    "seafarers": ("crew",),
    "seafarer": ("crew",),
    "ask": ("request",),
    "asks": ("request",),
    "asked": ("requested",),
    "expires": ("expiry", "validity"),
    "expire": ("expiry", "validity"),
    "expired": ("expiry", "validity"),
    "consecutive": ("successive",),
    "gap": ("between", "interval"),
    # a certificate kept in force longer is extended: "the flag wants to stretch the interim ISSC"
    **dict.fromkeys(("stretch", "stretched", "stretching", "prolong", "prolonged"), ("extend", "extension")),
    # equipment put on board is fitted (A/19.4.2.3, XI-2/6.1)
    **dict.fromkeys(("install", "installed", "installing", "installation"), ("fitted",)),
    # a ship just built is new and delivered (A/19.4.1.1)
    **dict.fromkeys(("newbuild", "newbuilds", "newbuilding", "newbuildings"), ("new", "ship", "delivery")),
    "gaps": ("between", "intervals"),
    "successive": ("consecutive",),
    # everyday verbs and nouns for what the texts name otherwise
    # equipment put in place of what the plan lists is a change to it (A/9.5)
    **dict.fromkeys(("replace", "replaced", "replacing", "upgrade", "upgraded", "upgrading"), ("change", "amendment")),
    "redo": ("review", "update"),
    "redone": ("reviewed", "updated"),
    "redoing": ("review", "update"),
    "carveout": ("exemption", "exception"),
    "exempted": ("excluded", "exception"),
    "exemption": ("exception", "excluded"),
    "binding": ("mandatory",),
    "retention": ("retain", "keep", "kept"),  # "the minimum retention for the security log"
    # "can the CG conclude a port lacks effective measures?": find it so (70108(b), (e))
    **dict.fromkeys(("conclude", "concludes", "concluded"), ("find", "finding", "determine")),
    "expect": ("require",),  # "what does the Code expect of that setup?"
    # a ship's trip across a border is an international voyage: "a cross-border run", "runs to the next country"
    **dict.fromkeys(("border", "borders", "crossborder"), ("international", "voyage")),
    **dict.fromkeys(("run", "runs"), ("voyage", "voyages")),
    "trade": ("voyage", "international"),  # "trades between Lautoka and Nuku'alofa", "trading to Guam"
    **dict.fromkeys(("obey", "obeys", "follow", "follows"), ("comply", "compliance")),
    "advice": ("guidance", "recommendatory"),
    **dict.fromkeys(("revisit", "revisited", "revisiting", "revisits"), ("review", "reviewed")),
    "alongside": ("port",),  # "a ship alongside in Suva": in port
    "host": ("port", "government"),  # "the host govt": the port State's government
    **dict.fromkeys(("boarding", "boarded"), ("inspection", "control")),  # "read the SSP during a boarding"
    "board": (),  # "records kept on board": the ship, not a boarding
    **dict.fromkeys(("option", "options"), ()),  # "what options does a terminal have": choices, not "optional"
    # "the RSO finished the PFSA": completed it, carried it out
    **dict.fromkeys(("finish", "finished", "finishes", "finishing"), ("completed", "carried")),
    **dict.fromkeys(("workshop", "workshops", "course", "courses"), ("seminar", "training")),
    "overrule": ("override", "constrain"),
    "overrules": ("override", "constrain"),
    "overruled": ("overridden", "constrained"),
    "kit": ("equipment",),
    "gear": ("equipment",),
    "mou": ("agreement", "arrangement"),
    "moa": ("agreement", "arrangement"),
    "appoint": ("designate",),
    "appoints": ("designates",),
    "appointed": ("designated",),
    "hq": ("headquarters",),
    "inbound": ("arriving", "entering"),
    "unduly": ("undue",),
    "statute": ("law",),
    "statutory": ("law",),
    "ministry": ("government", "administration"),
    "ministries": ("governments", "administrations"),
    # the officers' word for the foreign government they work with
    # the Designated Authority acts for its government on the port facility side: where the texts say "the
    # Contracting Government" approves a PFSA, officers say "the DA"
    "da": ("government",),
    "partner": ("government", "contracting"),
    "partners": ("governments", "contracting"),
    "counterpart": ("government", "authority"),
    "counterparts": ("governments", "authorities"),
    "scope": ("apply", "application"),
    "covered": ("apply", "applies"),
    "compliant": ("comply", "compliance"),
    "comply": ("compliance", "apply"),
    "complies": ("compliance", "applies"),
    "navy": ("naval", "warships"),
    "onboard": ("board",),
    "aboard": ("board",),
    "gate": ("access",),
    "goal": ("objective", "purpose"),
    "goals": ("objectives", "purpose"),
    "danger": ("safety",),
    "endanger": ("safety",),
    "revoke": ("withdraw",),
    "revoked": ("withdrawn",),
    "pulled": ("withdrawn",),
    # any form of these is read the same (looked up by stem: "clashes", "freighters", "triggered")
    "optional": ("recommendatory", "guidance"),
    "shipboard": ("ship", "board"),
    "freighter": ("cargo", "ship"),
    "rig": ("mobile", "offshore", "drilling", "unit"),
    "clash": ("conflict",),
    "verify": ("confirm", "verification"),
    "trigger": ("activated",),
    "longest": ("maximum",),  # "the longest an interim ISSC can run", "the longest gap between exercises"
    "heading": ("arriving", "entering"),  # "heading to Honolulu", "the port it's heading into"
    "attack": ("incident",),  # an attack is a security incident in the texts' terms (XI-2/1.1.13)
    "push": ("activated",),  # "when the SSAS is pushed", "pressing the alert button"
    "press": ("activated",),
    "caught": ("apply", "applies"),
    # 46 U.S.C. 701xx gives its duties to "the Secretary" (of Homeland Security), who acts through the Coast Guard
    "uscg": ("secretary",),
}


@lru_cache(maxsize=1)
def _everyday_by_stem() -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for word, meant in EVERYDAY_TERMS.items():
        found[stem(word)] = tuple(dict.fromkeys(found.get(stem(word), ()) + meant))
    return found


def everyday_terms(word: str) -> tuple[str, ...]:
    """The texts' words for an everyday word, in any of its forms ("berths" as "berth"); a form listed itself is read
    as listed ("board" is not "boarding", "options" not "optional")."""
    if word in EVERYDAY_TERMS:
        return EVERYDAY_TERMS[word]
    return _everyday_by_stem().get(stem(word), ())


#: Why the officer asks, said before the question: "for the intro slide at next week's seminar: what is the Code for?",
#: "for my brief to the DA tomorrow - who approves the PFSP?". What it is for is not what it asks.
PURPOSE = re.compile(
    r"^\s*(?:for|before|ahead of) (?:the|a|an|my|our|his|her|their|this|next|tomorrow'?s?)\b[^:?]{0,80}?(?::\s| - )"
    r"|^\s*(?:re|fwd?)\s*:\s*"  # a question pasted from an e-mail subject: "RE: is Tonga under COE?"
    # who is asking: "new to FEACT. what does an IPSLO do?", "new guy here at FEACT - ...", "new to the team: ..."
    r"|^\s*(?:i'?m |i am )?(?:a |the )?(?:brand )?new(?: [\w-]+)?(?: here)\s*(?:[.:!,]|\s-+)\s+"
    r"|^\s*(?:i'?m |i am )?(?:brand )?new(?: guy| here| to the (?:team|job|office|program))?(?: here)?"
    r"(?: (?:to|at|in|on) [^.?!:]{1,40}?)?\s*(?:[.:!]|\s-+)\s+"
)

#: Languages a plan or record may be written in, in the partner region and beyond: "the SSP is only in Korean" asks
#: about the plan's language (A/9.4), whichever language it names.
LANGUAGES = (
    *(  # noqa: SIM905 (words are easier to read as text)
        "english french spanish portuguese chinese mandarin cantonese japanese korean vietnamese thai khmer lao "
        "burmese malay indonesian bahasa tagalog filipino tetum hindi tamil bengali sinhala dhivehi urdu arabic farsi "
        "russian greek turkish bislama samoan tongan fijian"
    ).split(),
    "tok pisin",
)

#: Everyday phrases read as the words the texts use ("back to back" -> "consecutive"), before the words are taken.
#: Whether one thing is another: "is a 3-month full ISSC the same thing as an interim?", "should we treat it like an
#: interim cert?". The comparing words are not searched, and the question asks what the thing is (a definition).
SAME_AS = (
    r"\b(?:the )?same (?:thing )?as\b"
    r"|\b(?:treat|treats|treated|treating|count|counts|counted|regard|regarded) (?:it |that |this |them )?(?:as|like)\b"
)

EVERYDAY_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (PURPOSE.pattern, " "),  # first: "for my brief to the DA - who approves the PFSP?"
        # what the officer is working on, said first: "seminar slide prep, what are ...?", "prepping a brief for the
        # DA: ...", "drafting talking points - ..."
        (
            r"^\s*(?:(?:[\w'-]+ ){0,3}?(?:slides?|brief(?:ing)?|deck|presentation|read-?ahead|talking points|ppt)"
            r" (?:prep|prepping|drafting|work)|(?:prepp?ing|preparing|drafting|writing|building|making)"
            r" (?:a |an |my |the |our |some )?(?:[\w'-]+ ){0,3}?(?:slides?|brief(?:ing)?|deck|presentation"
            r"|read-?ahead|talking points|ppt|powerpoint)\b[^?:,]{0,60}?)\s*(?:[,:;]|\s-+)\s+",
            " ",
        ),
        (r"\b(?:(?:can|could|would) you )?(?:please )?tell me\b", " "),  # "tell me about": a way of asking
        # "can someone give me the rundown of ...": a way of asking
        (
            r"\b(?:can|could|would) (?:someone|somebody|anyone|anybody|you) (?:please )?(?:give|send|show) (?:me|us)\b",
            " ",
        ),
        (r"\bback[ -]to[ -]back\b", "consecutive"),
        # "one interim ISSC after another": each following the last
        (r"\bone ((?:[\w-]+ ){0,3}?)after (?:another|the other)\b", r"consecutive \1"),
        (r"\b(?:on top of|over and above|in addition to)\b", "additional"),  # "anything on top of the PFSP?"
        (r"\b(?:make|makes|making|made) (?:sure|certain)\b", "ensure"),
        (r"\bon the hook\b", "responsible"),
        # "SSO finds gaps during an internal audit": deficiencies found (A/12.2.5)
        (
            r"\b(?:find|finds|found|finding|spot|spots|spotted|identif(?:y|ies|ied))"
            r" (?:some |any |a few |several )?gaps?\b",
            "finds deficiency",
        ),
        # "how far back in a ship's port history does the COE look?": its last port calls
        (
            r"\b(?:port|call|calling|voyage) history\b",
            "last port calls",
        ),  # "is the master still on the hook for the ship's security?"
        # "how often should drills be held?", "exercises must be conducted": the verb says nothing more
        (
            r"\b(drills?|exercises?) (?:should |must |have to |has to |need to |needs to |to )?"
            r"(?:be |are |is |get |gets )?(?:held|run|conducted|done|carried out)\b",
            r"\1",
        ),
        # "how often should facilities hold drills?": how often there are drills; the verb says nothing more
        (r"\b(?:hold|holds|holding|held|run|runs|running|ran)\b(?= (?:[\w-]+ ){0,3}?(?:drills?|exercises?)\b)", " "),
        # "list pls", "bullets please": the shape of the answer asked for, not what it is about
        (r"\b(?:(?:list|bullets?|bullet points?) (?:pls|plz|please)|in a list|as a list|as bullets)\s*[?.!]*\s*$", " "),
        (r"\bat (?:that|this) (?:point|stage|moment)\b", " "),  # when, in the officer's story: said already
        (r"\b(?:right|straight) away\b|\bat once\b|\bwithout delay\b|\basap\b", "immediately"),
        # "a second interim ISSC", "a fresh interim cert": one interim certificate after another (A/19.4.5)
        (r"\b(?:second|another|fresh|repeat(?:ed)?|subsequent|follow[- ]on|2nd) interims?\b", "consecutive interim"),
        # "the SSP is only in Korean": a plan's or record's language, whichever it is
        (
            rf"\b(?:(?:written|drafted|kept|prepared|printed|available)(?: only| just| solely)? )?(?:only |just )?"
            rf"(?:in|into|to) (?:{'|'.join(LANGUAGES)})\b",
            "in a language",
        ),
        (r"\b(?:has|have|must|needs?) to be in place\b|\bmust be in place\b", "conditions"),
        (
            r"\b(?:switch|switches|switched|switching|turn|turns|turned|turning|set|sets|setting)"
            r" (?:it |them )?(?:on|off)\b(?! duty)",
            "activated",
        ),
        (r"\bre-?flag(?:s|ged|ging)?\b", "change of flag"),
        # "went from Panama flag to Marshall Islands flag", "switched flags", "changing registry": a change of flag
        (
            r"\b(?:went|go|goes|going|moved?|moves|moving|switch(?:ed|es|ing)?|transfer(?:s|red|ring)?)(?: over)?"
            r" from ((?:the |a |an )?(?:[\w-]+ ){0,2}?)(?:flag|registry|register) to\b",
            r"change of flag from \1 to",
        ),
        (
            r"\b(?:chang|switch|swapp?)(?:e|es|ed|ing)? (?:its |her |their |the )?(?:flags?|registry|registries)\b",
            "change of flag",
        ),
        (r"\bsign(?:s|ed|ing)?[ -]off\b", "approve"),
        # how two terms compare ("is MARSEC 1 the same as ISPS level 1?", "how do they line up with ..."): the two
        # terms are what is asked about, not the comparing words
        (
            SAME_AS + r"|\bequivalent (?:of|to)\b|\bcorrespond(?:s|ing)? (?:to|with)\b"
            r"|\blin(?:e|es|ed|ing) up with\b|\bmap(?:s|ped)? (?:on)?to\b",
            " ",
        ),
        (r"\blin(?:e|es|ed|ing) up\b", "arrange"),  # "who lines up the ship's audits?"
        (r"\b(?:check|checks|checked|checking|tick|ticks|ticked|ticking) off\b", "verified"),
        (r"\b(?:hang|hold|hangs|holds|hanging|holding) on ?to\b", "keep"),
        # "does PNG have to pass the ISSC info to Palau?", "send over the records": one government or party transmits
        # information to another (A/19.3.9, XI-2/9.2)
        (
            r"\b(?:pass|passes|passed|passing|send|sends|sent|sending|hand|hands|handed|handing|forward|forwards"
            r"|forwarded|forwarding|share|shares|shared|sharing)(?: on| along| over| across)?"
            r" (?:the |its |her |their |any |all |of )?(?:[\w-]+ ){0,2}?(?:info|information|records?|copies|documents?"
            r"|details|data|files?|paperwork|history)\b",
            "transmit information",
        ),
        # "hand out an interim ISSC", "give out certificates": issue them; "hand it off", "farm it out": delegate
        (r"\b(?:hand|hands|handed|handing|give|gives|gave|giving) out\b(?! to\b)", "issue"),
        (r"\b(?:hand|hands|handing|farm|farming)(?: it)? (?:off|out|over)\b", "delegate"),
        (r"\boutsourc(?:e|es|ed|ing)\b", "delegate"),
        (r"\bhand(?:s|ed|ing)?\b(?=(?: \w+){0,6} to\b)", "delegate"),  # "hand the job of X to an RSO"
        (r"\bkicks? in\b", "take effect"),
        (r"\b(?:run|runs|running|ran) out\b(?! of)", "expires"),  # not "runs out of Honiara": sails from there
        (r"\b(?:turn|turns|turned|turning)(?: (?:a|an|the|that|this|her|it|them)?\s?\w+)? away\b", "deny entry"),
        (r"\b(?:kick|kicks|kicked|kicking|throw|throws|thrown|throwing)(?: \w+){0,2} out\b", "expel"),
        (r"\b(?:kick|kicks|kicked|kicking) off\b", "initiate"),  # "can the PFSO kick off a DoS?": start it
        (r"\bsell(?:s|ing)? tickets\b|\bfare[- ]paying\b|\bpaying passengers\b", "commercial"),
        (r"\bfold(?:s|ed|ing)? (?:in|into)\b|\bmerged? (?:with|into)\b", "combined"),
        (r"\bgo(?:es|ing)? live\b", "implemented"),
        (r"\blet(?:s|ting)? (?:them |him |her |people )?in\b", "access"),
        (r"\b(?:shows?|showed|turns?|turned) up\b", "arrives"),
        (
            r"\b(?:swap|swaps|swapped|swapping|switch|switching|rotate|rotating) (?:out )?(?:the |of )?crew\b",
            "crew change",
        ),
        (r"\b(?:swap|swaps|swapped|swapping)(?: out)?\b", "change"),
        # "the Coast Guard" is ours; "Korea's coast guard", "the Philippine coast guard" are a partner's authority
        (r"(?:^|(?<=\bthe )|(?<=\bour )|(?<=\bus )|(?<=\bu s )|(?<=\bunited states ))coast ?guard\b", "uscg"),
        (r"\bcoast ?guard\b", "authority"),
        (r"\b(?:e\.g|i\.e|eg|ie|etc)\b\.?", " "),  # "e.g." is no word of the question
        (r"\bdefs? of\b", "definition of"),  # chat shorthand: "def of a DoS?"
        # what a plan or assessment holds: "what has to be in an SSA?", "what goes into the PFSP?"
        (
            r"\bwhat (?:has|have|needs?|must|should|ought) (?:to )?(?:be|go)"
            r" (?:covered |included |addressed |set out |stated |listed )?in(?:to|side)? (?!place\b|with\b)"
            r"|\bwhat (?:info(?:rmation)? |details |particulars |data )?(?:goes|go|belongs?) in(?:to|side)?\b"
            r"|\bwhat(?:'s| is| are) (?:in|inside) (?=(?:an?|the) )",
            "contents ",
        ),
        # who asked is the occasion, not the question: "partner DA asked whether a contractor could ..."
        (
            r"^[^?]{0,80}?\b(?:asked|asks|wants to know|wanted to know|queried)(?: me| us)?\b"
            r"(?= (?:what|whether|if|how|who|when|where|which|why)\b|  )",  # two spaces: "how often" read already
            " ",
        ),
        # whose claim is checked, said first: "partner says nothing counts as an incident unless ...", "DA counterpart
        # thinks level 3 means an attack happened": the claim is the question
        (
            r"^(?:[\w'-]+ ){1,5}(?:says|said|claims|claimed|thinks|reckons|insists|insisted|believes|argues|maintains"
            r"|told me|tells me|tells us|told us)(?: that)?\b",
            " ",
        ),
        # who asked, said after the question: "what are the Code's main goals? DA deputy asked what it's for"
        (r"(?<=\?)\s+[^?]{0,60}?\b(?:asked|asks|wants to know|wanted to know|queried)\b[^?]*$", " "),
        # "called at Nauru three ports ago", "a COE port 4 stops back": one of its last port calls
        (
            r"\b(?:one|two|three|four|five|[1-5]) (?:port calls?|ports?|stops?|calls?) (?:ago|back|earlier|before)\b",
            "in its last port calls",
        ),
        # a ship under another State's flag: "a ship flagged somewhere else", "not Japanese flagged", "foreign-flag"
        (
            r"\b(?:flagged|registered) (?:somewhere else|elsewhere|abroad|overseas"
            r"|in another (?:country|state|nation))\b"
            r"|\b(?:is ?n[o']?t|not) (?:\w+[- ])?flagged\b|\bforeign[- ]flag(?:ged)?\b",
            "foreign",
        ),
        (r"\bfall(?:s|ing)? (?:under|within|inside)\b", "apply"),  # "does a 300 GT ship fall under ISPS?": apply to
        # ships the Code excepts (A/3.3, XI-2/2.3), as officers name them
        (
            r"\b(?:(?:navy|naval|fleet|military)(?:'s)? (?:supply (?:ship|vessel|boat)|oiler|tanker|tender|transport"
            r"|replenishment (?:ship|vessel))|fleet oiler)s?\b",
            "naval auxiliary",
        ),
        (r"\b(?:patrol (?:boat|vessel|craft)|cutter)s?\b", "government ship"),
        # a jack-up or a semi-submersible is a mobile offshore drilling unit (XI-2/1.1.5, XI-2/2.1.1.3)
        (
            r"\b(?:jack[- ]?up|semi[- ]?sub(?:mersible)?)(?: (?:drilling )?rigs?)?\b|\b(?:drilling|oil) rigs?\b"
            r"|\bdrill ?ships?\b",
            "mobile offshore drilling unit",
        ),
        (r"\bgeneral cargo\b", "cargo"),  # a kind of cargo ship, not a general rule
        (r"\b(?:pull|pulls|pulled|pulling|bring|brings|brought|dig|digs|dug) up\b", "look up"),  # a list, a record
        (r"\b(?:can you )?walk (?:me|us) (?:through|thru)\b", " "),  # a way of asking
        # "before she comes alongside", "a ship going alongside the terminal": enters the port
        (r"\b(?:comes?|coming|came|go|goes|going|went|gets?|getting) alongside\b", "enters port"),
        (r"\bbound for\b", "arriving in"),  # "now bound for Guam"
        # "who gets the SSAS alert?", "who actually picks up the alert?": who receives it
        (
            r"\bwho (?:actually |really |then )?(?:gets|get|will get|would get|picks? up|ends? up with)\b(?! to\b)",
            "who receives",
        ),
        # "where does an SSAS alert actually go?", "where do the reports end up?": to whom it is sent, not a place
        (
            r"\bwhere (?:does|do|did|will|would|should) (?:the |an? |that |this |its |their )?((?:[\w-]+ ){1,3}?)"
            r"(?:actually |really |then )?(?:go|goes|end up|get sent|gets sent|land|get routed|gets routed)"
            r"\b(?! for\b)",
            r"who receives \1",
        ),
        # "does Part A give a number for how often ...", "does the Code put a figure on ...": asks for the period
        (
            r"\b(?:give|gives|put|puts|set|sets|state|states|specify|specifies|name|names) (?:a|any|an exact|a fixed) "
            r"(?:number|figure|frequency|interval)(?: on| for| to)?\b",
            " ",
        ),
        # "while the ship is alongside": in port, at the facility
        (r"\b(?:is|are|was|were|lying|sitting|stays?|stayed|while|whilst) alongside\b", "in port"),
        # "the port goes to level 3", "bumped up to MARSEC 2": is at that level
        (
            r"\b(?:goes|go|going|went|gone|moves?|moved|moving|bumped|jumps?|jumped|jumping)(?: up| down)? to"
            r"(?= (?:security |marsec |isps )?level\b| marsec\b| sl ?-?[123]\b)",
            "at",
        ),
        # "when it gets to the US", "once she gets into Apia": arrives; not "who gets to decide"
        (
            r"\b(it|she|they|ship|vessel|boat) (?:gets?|got) (?:in)?to\b"
            r"(?! (?:do|be|have|decide|choose|keep|make|go|see|use|know|say|pick|set|sign|approve|stay|skip)\b)",
            r"\1 arrives in",
        ),
        (r"\bstill (?:good|ok|okay|fine|in force)\b", "valid"),
        # "an ISSC good for only 4 months": valid for that long
        (
            r"\b(?:good|ok|okay)(?= for (?:only |just |about |around )?(?:\d+|one|two|three|four|five|six|a|an) )",
            "valid",
        ),
        # "a foreign ship maybe twice a year", "one cruise call a year": now and then, as A/3.2 and XI-2/2.2 say
        (
            r"\b(?:one|two|three|four|[1-4]|a (?:few|couple(?: of)?|handful of)) (?:\w+ ){0,3}?"
            r"(?:ships?|vessels?|calls?|visits?|arrivals?) (?:a|per|each) (?:year|yr)\b"
            r"|\b(?:ships?|vessels?|calls?|visits?|arrivals?) (?:\w+ ){0,3}?"
            r"(?:once|twice|(?:[2-4]|two|three|four) times) (?:a|per|each) (?:year|yr)\b"
            r"|\b(?:rarely|seldom|infrequently|every now and then|now and then|once in a while)\b",
            "occasionally",
        ),
        (r"\bmid[- ]?term\b", "intermediate"),
        # a country or port "looked at again", "assessed again": reassessed (46 U.S.C. 70108(d))
        (r"\b(?:look|looks|looked|looking) at (?:\w+ )?again\b|\bassess(?:ed)? (?:\w+ )?again\b", "reassessed"),
        # how long something "stays in place" is the period it applies for (A/2.1.11, B/4.9)
        (r"\b(?:stay|stays|stayed|remain|remains|remained) (?:in place|in force|in effect)\b", "applies period"),
        # "more than one facility", "multiple berths", "for all three wharves": several of them (A/17.1, A/15.6)
        (
            r"\bmore than (?:one|1)\b|\bmultiple\b|\btwo or more\b|\bfor all (?:three|four|five|[3-9]|of them)\b",
            "several",
        ),
        (
            r"\b(?:not|isn'?t|is not|isnt) (?:a )?part(?:y|ies) to solas\b|\bnon[- ]solas\b",
            "not a contracting government",
        ),
        (r"\b(?:keep|keeps|keeping|kept) up with\b", "met"),
        (r"\bfrom one (?:ship|vessel|boat) to another\b|\bship[- ]to[- ]ship\b", "ship to ship activity"),
        # letting an RSO decide or approve something is handing it the task
        (r"\blet(?:s|ting)?(?= (?:the |their |its |an? )?(?:rso|class society|recogni[sz]ed security))", "delegate"),
        (r"\b(?:stop|stops|stopped|stopping) being\b|\bno longer\b", "ceases to be"),
        (r"\bsen(?:d|ds|t|ding) (?:it |them )?in\b", "submit"),
        (r"\b(?:go|goes|going|went) (?:along )?with\b", "accompanied by"),
        (r"\bcarve[ -]outs?\b|\bcarv(?:ed|es|ing) out\b", "carveout"),
        # what is missing or wrong in a plan or its measures is a deficiency (A/12.2.5, A/9.4); a gap between drills
        # is a time
        (
            r"\bgaps? in (?:the |an? |its |his |her |their |our )?(?:\w+ )?(?:plan|plans|ssp|pfsp|security|measures"
            r"|procedures|training|compliance|implementation|arrangements|coverage)\b",
            "deficiency",
        ),
        (r"\bclass(?:ification)? societ(?:y|ies)\b", "rso"),
        (r"\ben[ -]route\b", "voyage"),
        (r"\b(?:trying|tries|try|meant|supposed|designed|intended|there) to (?:achieve|accomplish)\b", "objectives"),
        (r"\bwhat(?:'s| is) the point of\b", "objectives"),
        # how to answer, not what: "in plain English", "in one line", "in a nutshell", "for a slide"
        (
            r"\bin (?:plain|simple|layman'?s?|everyday) (?:english|terms|words|language)\b"
            r"|\bin (?:one|a) (?:line|sentence|nutshell|word)\b|\bin short\b|\bbriefly\b"
            r"|\bfor (?:a|my|the|our|an) (?:[\w-]+ )?(?:slide|brief|briefing|deck|presentation|powerpoint|ppt)\b"
            r"|\b(?:the )?(?:short|quick|simple|straight|brief|30[- ]second|one[- ]minute|(?:2|two)[- ]minute)"
            r" (?:answer|version|summary|explanation|rundown)\b|\btl ?;? ?dr\b|\belevator pitch(?: version)?\b"
            r"|\bone[- ]liner\b"
            # "explain COE like I'm a new O-3", "like I'm five": who the answer is for
            r"|\blike (?:i'?m|i am) (?:a |an )?(?:[\w-]+ ?){1,3}[?.!]*$|\beli5\b",
            " ",
        ),
        (r"\bday[- ]to[- ]day\b", "activities"),  # "what does an IPSLO do day to day?", "at level 1, day to day"
        # a ship on international voyages, in the trade's word: "a foreign-going ship", "foreign going trade"
        (r"\bforeign[- ]?going\b", "international voyage"),
        # "how long must records stay on board": be kept there; "keep an eye on the perimeter": monitor it
        (r"\b(?:stay|stays|stayed|remain|remains|remained)(?= (?:on ?board|aboard)\b)", "kept"),
        (r"\bkeep(?:s|ing)? an eye (?:on|out for)\b|\bkept an eye (?:on|out for)\b", "monitor"),
        # "a PSC officer demanding to read the SSP", "insists on seeing": what he wants to do is the question
        (r"\b(?:demand(?:s|ed|ing)?|insist(?:s|ed|ing)?(?: on)?) to\b", " "),
        # who showed the officer something is the occasion: "DA showed me an ISSC written only in Bahasa"
        (r"\b(?:show|shows|showed|shown) (?:me|us)\b", " "),
        # whose decision it is: "is that Tonga's call?", "whose call is it", "the flag's call, not ours"
        (
            r"\b(?:whose|[\w-]+'s|their|its|his|her|your|my|our) (?:call|decision)\b(?! (?:sign|at|to|from)\b)",
            " decide",
        ),
        (r"\b(?:apart|aside) from\b", " "),  # "apart from the PFSP measures, what else ...": set aside, read later
        (r"\bon (?:[\w-]+'s |(?:his|her|its|their|our|my|your) )?behalf(?: of)?\b", " for "),  # "on PNG's behalf"
        # the texts' words, said so: "in SOLAS-speak", "in ISPS terms": what is named is read, the manner is not
        (r"(?<=\w)[- ]speak\b", " "),
        (r"\bin ((?:[\w-]+ ){0,2}?[\w-]+) terms\b", r"\1"),
        # asking whether a claim holds: "part B is optional - is that right?"
        (r"\b(?:is|was) (?:that|this|it|he|she|they) (?:right|true|correct|accurate|so)\b", " "),
        # "who counts as the PFSO?", "does bunkering from a barge count?": what a term takes in, its definition
        (r"\b(?:counts?|counted|qualif(?:y|ies|ied)) as\b|\bcounts?(?= ?(?:[?,.]|$| or\b))", "definition"),
        (r"\bstood up\b|\bstand(?:s|ing)? up\b(?= (?:the|a|an|its|program))|\bstarted up\b", "established"),
        (r"\bsl ?-?([123])\b", r"security level \1"),
    )
)

#: A section reference: "XI-2/6", "A/16", "B/18.5", "A/2.1.9-2.1.11". One word, so the "2" of "XI-2" is not "level 2".
SECTION = re.compile(r"\b(?:xi-?[12]|[ab])/\d+(?:\.\d+)*(?:-\d+(?:\.\d+)*)?")
#: SOLAS chapter XI-1 or XI-2 named alone ("true under XI-2?"): one word, as in a section reference.
CHAPTER = re.compile(r"\bxi-?[12]\b(?![/_])")
#: A number written with its unit ("80gt", "3yrs", "24hr"): two words.
NUMBER_AND_UNIT = re.compile(
    r"\b(\d+)(gt|grt|nm|km|yrs?|years?|hrs?|hours?|days?|wks?|weeks?|mos?|mths?|months?|mins?|minutes?)\b"
)
#: "U.S." and "U.S.A." for the country (one word, "us"); "U.S.C." (the Code) is left alone.
US = re.compile(r"\bu\.s\.(?:a\.)?(?!c\b)")
#: A U.S. Code section with its subsections, "70110(a)(3)": one word too.
USC_SECTION = re.compile(r"\b701\d\d(?:\([a-z0-9]{1,4}\))*")


def fold(text: str) -> str:
    """Lower case without accents; curly quotes straightened."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.lower().replace("’", "'").replace("‘", "'")


def section_word(reference: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", reference.replace("xi2", "xi-2").replace("xi1", "xi-1")).strip("_")


def words(text: str) -> list[str]:
    """The words of a text, lower case; a section reference is one word: "XI-2/6" -> "xi_2_6", "70110(a)" ->
    "70110_a"."""
    text = fold(text).replace("'s ", " ").replace("'", "")
    text = US.sub("us ", text)  # "U.S. port": the country, not the letters "u" and "s"
    text = SECTION.sub(lambda m: " " + section_word(m.group(0)) + " ", text)
    text = USC_SECTION.sub(lambda m: " " + section_word(m.group(0)) + " ", text)
    text = CHAPTER.sub(lambda m: " " + section_word(m.group(0)) + " ", text)
    text = NUMBER_AND_UNIT.sub(r"\1 \2", text)
    return re.findall(r"[a-z0-9_]+", text)


@lru_cache(maxsize=1)
def stemmer() -> Any:
    """The English Snowball stemmer, made on first use."""
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter2) stem of a word: "inspections" -> "inspect"; number words as digits; section words
    kept."""
    word = NUMBER_WORDS.get(word, word)
    if "_" in word or not word.isalpha():
        return word
    return stemmer().stemWord(word)


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOP_WORDS]


def section_ancestors(word: str) -> list[str]:
    """The enclosing sections of a section word: "a_19_4_4" -> ["a_19_4", "a_19"], "70110_a_3" -> ["70110_a",
    "70110"]."""
    parts = word.split("_")
    start = 2 if parts[0] in ("a", "b", "xi") else 1
    start += parts[0] == "xi"
    return ["_".join(parts[:size]) for size in range(len(parts) - 1, start - 1, -1)]


# --- loading the reference files -----------------------------------------------------------------

FIELDS = ("ref", "keys", "title", "answer", "source", "tags", "synonyms", "see_also", "as_of", "kind", "lead")
REQUIRED = ("id", "ref", "title", "answer", "source")


def read_entries(folder: Path = KNOWLEDGE) -> list[dict[str, Any]]:
    """Every entry of every knowledge file, checked: the fields present, a known kind, unique ids, see-also links that
    resolve. Raises ValueError naming the file and entry."""
    entries: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        items = (read_yaml(path) or {}).get("entries") or []
        for item in items:
            missing = [name for name in REQUIRED if not item.get(name)]
            if missing:
                raise ValueError(f"{path.name}: knowledge entry {item.get('id', '?')} has no {', '.join(missing)}")
            if item.get("kind") is not None and item["kind"] not in KINDS:
                raise ValueError(
                    f"{path.name}: knowledge entry {item['id']} has kind {item['kind']!r}; "
                    f"use one of {', '.join(KINDS)}"
                )
        entries += items
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
    spelled = [ABBREVIATIONS[w] for phrase in phrases for w in words(str(phrase)) if w in ABBREVIATIONS]
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
        for name in ("answer", "lead", "title", "ref", "source"):
            if values[name] is not None:
                values[name] = " ".join(str(values[name]).split())
        values["lead"] = values["lead"] or None
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


@lru_cache(maxsize=65536)  # every look-up puts every entry's keys, titles and refs in this form
def key_form(typed: str) -> str:
    """A section or term as typed, in one canonical form: "isps a 16" -> "a/16", "SOLAS XI-2 reg 6" -> "xi-2/6",
    "46 USC 70110" -> "70110"."""
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
    for entry in entries:  # an entry without keys is typed by its id (what its See-also button shows)
        index.setdefault(key_form(entry.id), entry)
    return index


def find_by_key(*, session: Session, typed: str) -> KnowledgeEntry | None:
    """The entry a section number, abbreviation or title names exactly, e.g. "A/16", "XI-2/6", "70110", "DoS"."""
    entry_id = _built(session, "keys", lambda entries: {form: e.id for form, e in key_index(entries).items()}).get(
        key_form(typed)
    )
    return session.get(KnowledgeEntry, entry_id) if entry_id is not None else None


#: The numbered families of sections, by how their keys begin in :func:`key_form`: what to call them and how to show a
#: number.
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
    """A section reference in :func:`key_form` as its family and numbers: "a/19.4" -> ("a/", (19, 4)),
    "70108(d)" -> ("usc", (70108, 4))."""
    match = SECTION_FORM.fullmatch(form)
    if match is None:
        return None
    if match["usc"]:
        return "usc", (int(match["usc"]),) + ((ord(match["letter"]) - ord("a") + 1,) if match["letter"] else ())
    return match["family"], tuple(int(n) for n in match["numbers"].split("."))


@dataclass(frozen=True)
class MissingSection:
    """A section reference with no entry: how to show it, the range its family's entries cover, and the nearest real
    ones."""

    shown: str  # "A/99", "46 U.S.C. 70199"
    family: str  # "Part A"
    first: str  # "A/2"
    last: str  # "A/19"; "70110" for 46 U.S.C.
    nearest: tuple[tuple[str, KnowledgeEntry], ...]  # (the key to type, its entry), nearest first


def missing_section(*, session: Session, typed: str, limit: int = 3) -> MissingSection | None:
    """When ``typed`` is a section number the knowledge base has no entry for: what to say about it, with the nearest
    real sections (the same depth first: A/19, A/18, A/17 for A/99). None when it is no section number, or one that
    exists."""
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
        return (len(other) != len(numbers), [abs(a - b) for a, b in zip(*padded, strict=True)], other)

    nearest: list[tuple[str, KnowledgeEntry]] = []
    for _, key, entry in sorted(known.values(), key=distance):
        if all(entry.id != e.id for _, e in nearest):
            nearest.append((key, entry))
    shown = f"46 U.S.C. {form}" if family == "usc" else prefix + form.removeprefix(family)
    return MissingSection(shown, name, f"{prefix}{tops[0]}", f"{prefix}{tops[-1]}", tuple(nearest[:limit]))


def sections_within(*, session: Session, typed: str) -> list[tuple[str, KnowledgeEntry]]:
    """The entries numbered within a section that has none of its own ("A/19.3": A/19.3.1, A/19.3.5 ...), as (the key
    to type, its entry), in the texts' order; empty when ``typed`` is no section number or has no entries within."""
    wanted = section_numbers(key_form(typed))
    if wanted is None:
        return []
    family, numbers = wanted
    found: dict[str, tuple[tuple[int, ...], str, KnowledgeEntry]] = {}
    for entry in list_entries(session=session):
        for key in entry.keys:
            section = section_numbers(key_form(key))
            if (
                section is not None
                and section[0] == family
                and len(section[1]) > len(numbers)
                and section[1][: len(numbers)] == numbers
                and not re.search(r"\d-\d", key)
            ):
                found.setdefault(entry.id, (section[1], key, entry))
    return [(key, entry) for _, key, entry in sorted(found.values(), key=lambda item: item[0])]


def parent_key(typed: str) -> str | None:
    """The enclosing section of a sub-section: "a/16.3" -> "a/16", "70108(d)" -> "70108"."""
    form = key_form(typed)
    if re.search(r"\.\d+$", form):
        return form.rsplit(".", 1)[0]
    if re.search(r"\([a-z]\)$", form):
        return form[: form.index("(")]
    return None


# --- ranking: one BM25 index over the entries, in memory --------------------------------------------
#
# The same index on SQLite and PostgreSQL (so both give the same answers), built from the entries with a Snowball
# stemmer and bm25s, rebuilt when the entries change. Each field is a BM25 index of its own; a question's score is
# the weighted sum over the fields, re-ranked by how much of the question the entry covers, by its names found whole
# in the question, and by whether the entry states the kind of fact the question asks for.

#: How much a question's words count when found in each field of an entry.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 2.0,
    "synonyms": 2.0,
    "lead": 1.5,
    "keys": 1.5,
    "within": 0.5,
    "answer": 1.0,
    "tags": 0.5,
}

#: At most this many distinct meaningful words of a question are considered, the first ones (issue 12).
MAX_WORDS = 24
#: An entry's name is matched whole in a question up to this many terms long (the longest names are 17).
MAX_PHRASE = 20
#: Spelling is corrected for at most this many words of a question, each against words of about its length.
MAX_CORRECTIONS = 8

#: What a question asks for, read from how it is phrased, and the kinds of entry that state it. The first match wins.
QUESTION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "how does Part A define an SSP?", "the meaning of PFSO": a definition, whatever question word comes first
    (
        "definition",
        re.compile(
            r"\bhow (?:does|do|is|are) .{0,40}\bdefined?\b|\b(?:exact|formal|legal) meaning\b"
            r"|\b(?:what|who|which \w+) (?:counts?|qualif(?:y|ies)) as\b"
            r"|\b(?:definition|defn|defs?) of\b|\b(?:definition|defn)$"
            # whether one thing is another asks what it is: "is a 3-month full ISSC the same thing as an interim?",
            # "should we treat it like an interim cert?"
            rf"|{SAME_AS}"
        ),
    ),
    (
        "condition",
        re.compile(
            r"^(?:when|in (?:what|which) (?:cases|situations|circumstances)|under what (?:conditions|circumstances))\b"
            r".*\b(?:required|needed|necessary|mandatory|compulsory|apply|applies|allowed|permitted|issued|requested)\b"
            r"|^when (?:can|could|may|might)\b"  # "when can a port State expel a ship?": in what circumstances
        ),
    ),
    (
        "precondition",
        re.compile(
            r"\b(?:preconditions?|prerequisites?|conditions (?:for|of(?! entry)|to|before))\b"
            r"|\bwhat (?:has|have|needs?|must) to (?:be )?"
            r"(?:in place|done|met|happen|verified|checked|true|satisfied)\b"
            r"|\b(?:before|prior to) .*\b(?:issues?|issued|issuing|grants?|granted|approves?|approved|certif\w*)\b"
        ),
    ),
    # what someone must do: "what does the ship have to do before it enters?", "what must the PFSO do?"
    (
        "duty",
        re.compile(
            r"\bwhat (?:does|do|must|should|shall|did) (?:(?:the|a|an|its|their|our|her|his|that|this) )?"
            r"(?:[\w'-]+ ){1,3}(?:(?:have|has|need|needs|got) to |supposed to |meant to )?do\b(?! with\b)"
        ),
    ),
    (
        "period",
        re.compile(
            r"\bhow (?:long|often|soon|frequently|quickly|many (?:days|weeks|months|years|hours|times))\b"
            r"|\b(?:deadline|time limit|how much time|by when|what period|validity period|within what)\b"
            # "when does it expire?"; not "when X is sent, what goes with it?" (asks what), nor "when the Code says
            # 'ship', does that cover rigs?" (a condition, then the question)
            r"|^when(?:'s| (?:is|are|was|were|does|do|did|must|should|shall|can|could|will|would|has|have|had|may|"
            r"might|needs?)\b)(?!.*\b(?:what|who|whom|which|where)\b)"
            r"|\bat what (?:interval|frequency)\b"
        ),
    ),
    (
        "threshold",
        re.compile(
            r"\bhow (?:many|much(?! of)|big|large)\b"  # "how much of the Code applies" asks for scope, not an amount
            r"|\bwhat (?:tonnage|percentage|percent|proportion|share|size|number)\b"
            r"|\b(?:tonnage|percentage|minimum number|maximum number)\b"
        ),
    ),
    (
        "who",
        re.compile(
            r"^(?:and |so )?(?:who|whom|whose)\b(?!['’](?:ve|d|ll)\b)|\bby whom\b"  # not "who've never drilled"
            # after the case it is asked about: "if an RSO ran the PFSA who has to sign off on it?"
            r"|^(?:if|when|once|after|where|since)\b[^?]{3,80}?\s(?:who|whom) "
            r"(?:has|have|must|should|needs?|is|are|does|do|can|may|will|would|gets?)\b"
            r"|\b(?:which|what) (?:body|bodies|authority|authorities|"
            r"organi[sz]ations?|persons?|people|officers?|officials?|party|parties|governments?)\b"
        ),
    ),
    # a place ("where on the ship is the alert activated?"), not where a text says something ("where's the bit saying
    # ...", "where does the Code say ...", "which part of the Code")
    (
        "where",
        re.compile(
            # not "a port where the host government went to level 3": a place described, not a question where
            r"(?<!\bport )(?<!\bports )(?<!\bcountry )(?<!\bcountries )(?<!\bstate )(?<!\bfacility )"
            r"(?<!\bterminal )(?<!\bplace )(?<!\bnation )(?<!\barea )(?<!\bcase )(?<!\bcases )"
            r"(?<!\bsituation )(?<!\bharbour )(?<!\bharbor )(?<!\bberth )"
            r"\bwhere\b(?!(?:'s| is) (?:the )?(?:bit|part|rule|line|paragraph|section|clause|reg)"
            r"| (?:does|do|is|in) (?:it|the (?:code|text|law|statute|act|solas|isps|regs?|regulations?|cfr"
            r"|part [ab]))\b)"
            r"|\b(?:which|what) (?:location|place|position)\b"
            r"|\b(?:which|what) part\b(?! (?:[ab]|of (?:the )?(?:code|isps|solas|law|statute|act|cfr|regs?))\b)"
        ),
    ),
    (
        "how",
        re.compile(
            r"\bhow (?:to|do|does|is|are|can|should|must|would|will)\b|\bwhat (?:steps|procedure|process|method)\b"
            r"|\b(?:contain|include|consist|cover)s?\b"
            # what a plan or assessment holds: "what has to be in an SSA?", "what goes into the PFSP?"
            r"|\bwhat (?:has|have|needs?|must|should|ought) (?:to )?(?:be|go) in(?:to|side)? (?!place\b|with\b)"
            r"|\bwhat (?:goes|go|belongs?) in(?:to|side)?\b"
        ),
    ),
    (
        "yes/no",
        re.compile(
            r"^(?:can|could|may|might|must|is|are|was|were|does|do|did|should|shall|has|have|will|need|needs)\b"
            # a chat question's last clause alone: "... - allowed?", "... - covered or too small?"
            r"|^(?:(?:is )?(?:that |it |this )?(?:allowed|permitted|possible|legal|ok|okay|required|mandatory|needed|"
            r"covered|exempt|in scope|out of scope)\b[\w\s]{0,20})$"
        ),
    ),
    # "what is a PFSO?", "what's a DoS": a term; "what are the baseline things a ship must do at level 1" asks for
    # what the rule requires, not what a term means
    (
        "definition",
        re.compile(
            r"^(?:what(?:'s| is| are)|whats)(?:\s+\S+){1,5}$|^(?:define|definition|defn|def of|meaning)\b|\bstand for\b"
            # "explain the DoS (like I'm a new ensign)": what it is; not "explain how / why / when ..."
            r"|^(?:(?:pls|please|can you|could you) )?explain "
            r"(?!how\b|why\b|when\b|what\b|who\b|where\b|whether\b|if\b)"
            r"(?:\S+\s*){1,4}(?:like (?:i'?m|i am) .{1,30})?$"
        ),
    ),
)
KIND_PREFERENCE: dict[str, frozenset[str]] = {
    "condition": frozenset({"duty", "scope", "exception"}),
    "precondition": frozenset({"how", "duty", "scope"}),
    "period": frozenset({"period"}),
    "threshold": frozenset({"threshold"}),
    "who": frozenset({"who"}),
    "where": frozenset({"where"}),
    "how": frozenset({"how"}),
    "duty": frozenset({"duty", "how"}),
    "yes/no": frozenset({"duty", "exception", "scope", "threshold", "period"}),
    "definition": frozenset({"definition"}),
}
#: Telling someone: "who does the ship have to notify?" is answered by the duty to notify, which names whom.
TELLS = re.compile(r"\b(?:notif(?:y|ies|ied)|tell|tells|told|inform|informs|informed|report|reports|alert)\b")
#: Words that only say which kind of fact is asked ("how long", "how often"): read as the kind, not searched.
QUESTION_FORM = re.compile(
    r"\bhow (?:long|often|soon|frequently|quickly|many|much)\b"
    r"|\b(?:under|in) (?:what|which) (?:conditions|circumstances|cases|situations)\b(?! of entry)"
)
#: An entry states a number or a period: it can answer "how long" and "how many" questions.
STATES_A_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|once|twice|annual(?:ly)?|yearly|monthly|weekly|"
    r"daily|immediately|without delay|no fixed|not fix|does not set|sets no|periodic(?:ally)?|intervals?|before|"
    r"prior to|left to the|not specified|does not (?:specify|fix)|(?:as|where) (?:the )?(?:government|administration) "
    r"(?:decides|sets|determines|requires|specifies))\b"
)
#: References are not numbers an entry states: a section or regulation ("A/19.1.2", "XI-2/6", "70110(b)", "Pub. L.
#: 109-347", "MSC/Circ.1074", "regulation 9.1.3").
REFERENCE = re.compile(
    r"\b(?:xi-?[12]|[ab])/[\d.()a-z-]+|\bxi-[12]\b|\b701\d\d(?:\([a-z0-9]+\))*|\bpub\. ?l\. ?[\d-]+"
    r"|\bmsc[./][\w()/.]+|\b(?:regulation|section|paragraph|paragraphs|sec\.)\s+[\d.()a-z-]+"
)


def states_a_number(text: str) -> bool:
    """Whether a text states a number or a period ("3 years", "annually", "before entry", "periodically"), not
    merely a reference to a section or document that has digits in it."""
    return bool(STATES_A_NUMBER.search(REFERENCE.sub(" ", fold(text))))


#: What a question counts: "how much sea time does a CSO need?" asks for an amount of sea time, "how many drills a
#: year?" for a number of drills. An entry that names none of it does not give that amount, whatever else it shares
#: with the question ("the Company designates a CSO" is no answer to how much sea time one needs). Units ("how many
#: days") and "time" / "times" say only that a number is asked.
MEASURED = re.compile(r"\bhow (?:much|many) (?!of\b)((?:[a-z][a-z'-]* ?){1,3})")
MEASURE_UNITS = frozenset(
    (  # noqa: SIM905 (words are easier to read as text)
        "time times day days week weeks month months year years hour hours minute minutes people persons person "
        "ones extra additional more further prior previous past max maximum min minimum total separate different "
        "individual"
    ).split()
)


#: What a question asks the value of: "what is the maximum speed of a container ship?", "what's the fine in the
#: Philippines for a false alert?". An entry naming none of it ("speed", "fine") does not state that value.
ATTRIBUTE = re.compile(
    r"\bwhat(?:'s| is| are| was| were)? (?:the|a|an|their|its) (?:(?:maximum|minimum|max|min|typical|usual|average|"
    r"exact|current|standard|normal) )?([a-z][a-z-]*) (?:of|for|in|on|to)\b"
)
#: Words naming a kind of answer rather than a value: "what is the purpose of", "the role of", "the rule for".
ANY_VALUE = frozenset(
    (  # noqa: SIM905 (words are easier to read as text)
        "purpose point role meaning definition difference scope status rule rules requirement requirements "
        "deadline period timeline frequency limit process procedure procedures basis reason reasons objective "
        "objectives aim aims goal goals idea story deal position situation answer threshold trigger triggers "
        "consequence consequences effect effects penalty result outcome list number duty duties job responsibility "
        "responsibilities function task tasks time date term validity window timeframe timeline span interval gap "
        "cutoff frequency schedule length duration amount extent level degree kind kinds type types category"
    ).split()
)


#: Words that make a "how much" question ask for a price: the entry must name a cost, fee or payment.
MONEY = frozenset(
    (  # noqa: SIM905 (words are easier to read as text)
        "cost costs charge charges charged fee fees price prices pay paid payment budget funding dollars usd money"
    ).split()
)


def measured_stems(question: str) -> frozenset[str]:
    """The stems of what a "how much / how many" question counts (see MEASURED): the words after it up to the first
    stop word, units left out; or of the value a "what is the X of" question asks (see ATTRIBUTE)."""
    folded = fold(question)
    if re.search(r"\bhow much\b|\bwhat (?:does|do|did|would|will)\b", folded):  # "how much does an RSO charge?"
        money = [stem(w) for w in re.findall(r"[a-z]+", folded) if w in MONEY]
        if money:
            return frozenset(money)
    found = MEASURED.search(folded)
    if found is None:
        value = ATTRIBUTE.search(folded)
        word = value.group(1) if value is not None else ""
        if not word or word in ANY_VALUE or word in STOP_WORDS or word in FILLER:
            return frozenset()
        return frozenset({stem(INFORMAL.get(word, word))})
    counted: list[str] = []
    for word in found.group(1).split():
        if word in STOP_WORDS or word in FILLER:
            break
        word = INFORMAL.get(word, word)
        if word not in ABBREVIATIONS and word.endswith("s") and word[:-1] in ABBREVIATIONS:
            word = word[:-1]  # "how many PFSOs"
        if word not in MEASURE_UNITS:
            counted.append(stem(word))
    return frozenset(counted)


def question_kind(question: str) -> str | None:
    """What a question asks for: "condition" (when is X required), "precondition" (what must hold before X), "period",
    "threshold", "who", "where", "how", "yes/no", "definition"; None when its phrasing does not say."""
    text = " ".join(fold(question).replace("?", " ").split())
    # "interim runs out next week - can the flag extend it?": the question is often the last clause, after a dash.
    clauses = [text, *(" ".join(c.split()) for c in CLAUSE_BREAK.split(text) if c.strip())]
    if re.match(r"when\b.+\b(?:what|who|whom|which|where)\b", text):  # "when X is sent in, what goes with it?"
        clauses = [c for c in clauses if c == text or not c.startswith("when ")]
    for kind, pattern in QUESTION_KINDS:
        if any(pattern.search(clause) for clause in clauses):
            return kind
    return None


#: A question about how things stand right now: a level set today, a list as it is this month, a rate this year.
#: The base states rules and a few facts as of a date; only a dated entry can answer such a question.
LIVE = re.compile(
    r"\b(?:right now|today|tonight|currently|at the moment|at present|presently|these days|nowadays|as of now|"
    r"this (?:week|month|year)|so far this)\b(?!'s)"  # "asked in today's meeting" is the occasion, not the question
)

#: A figure for a past period ("how many ships were detained last fiscal year?", "what was the detention rate last
#: year?") is a statistic, not a rule: like a question about now, only a dated entry can answer it.
PAST_FIGURE = re.compile(
    r"^(?:how (?:many|much)|what (?:was|were)|which)\b.*\b(?:last|past|previous) (?:fiscal |calendar )?year\b"
)


#: Where a chat question's clauses part: a dash between spaces, a comma, semicolon, colon or full stop.
CLAUSE_BREAK = re.compile(r"\s[-–—]+\s|[,;:.!]\s")


def analyse(text: str) -> list[str]:
    """The index terms of a text: its meaningful words stemmed, each abbreviation also spelled out."""
    terms: list[str] = []
    for word in content_words(text):
        terms.append(stem(word))
        if word in ABBREVIATIONS:
            terms += [stem(w) for w in content_words(ABBREVIATIONS[word])]
    return terms


@lru_cache(maxsize=16_384)  # each name is read twice (as written and spelled out), and again for every index built
def as_asked(text: str) -> str:
    """A name read as a question is: its everyday phrases in the texts' words ("coe right away" -> "coe immediately"),
    so that a question has the name whole however either writes it."""
    plain = fold(text)
    for pattern, replacement in EVERYDAY_PHRASES:
        plain = pattern.sub(replacement, plain)
    return plain


def plain_stems(text: str) -> tuple[str, ...]:
    """A name's meaningful words stemmed, as written: "interim ISSC" -> ("interim", "issc"); informal spellings and
    everyday phrases read as a question's are ("can't" is "cannot", "right away" "immediately")."""
    return tuple(stem(INFORMAL.get(w, w)) for w in content_words(as_asked(text)))


def spelled_stems(text: str) -> tuple[str, ...]:
    """A name's meaningful words stemmed, abbreviations spelled out in their place."""
    return tuple(
        stem(s) for w in content_words(as_asked(text)) for s in content_words(ABBREVIATIONS.get(INFORMAL.get(w, w), w))
    )


def entry_fields(entry: KnowledgeEntry) -> dict[str, list[str]]:
    """An entry's index terms, field by field."""
    keys = " ".join([entry.ref, *entry.keys])
    cited = words(keys)
    within = [a for w in cited if "_" in w for a in section_ancestors(w)]
    return {
        "title": analyse(entry.title),
        "synonyms": analyse(" ; ".join(entry.synonyms)),
        "lead": analyse(entry.lead or ""),
        "keys": analyse(keys),
        "within": within,
        "answer": analyse(entry.answer),
        "tags": analyse(" ; ".join([*entry.tags, entry.source, *part_described(cited)])),
    }


def part_described(sections: list[str]) -> tuple[str, ...]:
    """What an entry citing only ISPS Code Part B paragraphs is, in the word officers use for that Part (SOLAS
    XI-2/1.1.12): "guidance" ("what interval does the guidance give for terminal drills?")."""
    cited = {s[:2] for s in sections if "_" in s}
    return ("guidance",) if cited == {"b_"} else ()


@dataclass(frozen=True)
class Indexed:
    """What ranking needs of one entry."""

    id: str
    kind: str | None
    stems: frozenset[str]  # every term, in any field
    names: frozenset[str]  # the terms of what it states: its title, keys, synonyms and lead
    phrases: tuple[tuple[str, ...], ...]  # its title, keys and synonyms, whole
    states_a_number: bool
    sections: frozenset[str] = frozenset()  # the section words of its keys and ref: "a_19", "70110"
    dated: bool = False  # a fact as of a date (a list, a figure), not a rule
    titled: frozenset[str] = frozenset()  # the terms of its title and keys: what it is about, in its own words
    domestic: bool = False  # a U.S. domestic rule (33 CFR, 46 U.S.C. 70101-70107), not the international one
    sided: frozenset[str] = frozenset()  # the sides of the Code its title names (see :func:`sides`)


@dataclass(frozen=True)
class Word:
    """One meaningful word of a question, as searched."""

    typed: str  # as read (after a spelling fix)
    stem: str
    spelled: tuple[str, ...]  # an abbreviation's words spelled out, stemmed
    alternatives: tuple[str, ...] = ()  # the texts' words for an everyday word (EVERYDAY_TERMS), stemmed
    case: bool = False  # names the case asked about (a nation), not the rule: weighs like a number the base lacks

    def __hash__(self) -> int:
        """Worked out once: ranking looks a word's weight up for every candidate entry (a dataclass hashes its
        fields again on every lookup)."""
        found: int | None = self.__dict__.get("_hash")
        if found is None:
            found = hash((self.typed, self.stem, self.spelled, self.alternatives, self.case))
            object.__setattr__(self, "_hash", found)
        return found

    def found_in(self, stems: frozenset[str]) -> bool:
        """The entry has the word, or all of its abbreviation spelled out ("PFSO" is not found by "port" alone), or one
        of the texts' words for it ("vessel" for "ship")."""
        return (
            self.stem in stems
            or (bool(self.spelled) and all(s in stems for s in self.spelled))
            or any(s in stems for s in self.alternatives)
        )


@dataclass(frozen=True)
class Question:
    """A question as ranking reads it."""

    words: tuple[Word, ...]
    kind: str | None
    corrections: dict[str, str]
    considered: int  # distinct meaningful words considered (at most MAX_WORDS)
    terms: tuple[str, ...]  # what is searched
    live: bool = False  # asks how things stand right now ("today", "at the moment"), see LIVE
    measured: tuple[Word, ...] = ()  # what a "how much / how many" question counts ("sea time"), see MEASURED

    @property
    def sequence(self) -> tuple[str, ...]:
        return tuple(w.stem for w in self.words)

    @property
    def spelled_sequence(self) -> tuple[str, ...]:
        return tuple(s for w in self.words for s in (w.spelled or (w.stem,)))

    @cached_property
    def phrases(self) -> dict[tuple[str, ...], int]:
        """Every run of the question's terms, as typed (stems) and with abbreviations spelled out, by how many of the
        question's words it spans: as typed, its length; spelled out, the words it spans, and only when more than
        one ("PFSO" alone is one word the question shares with every entry naming the PFSO, which coverage already
        counts)."""
        runs: dict[tuple[str, ...], int] = {}
        sequence = self.sequence
        for start in range(len(sequence)):
            for end in range(start + 2, min(len(sequence), start + MAX_PHRASE) + 1):
                runs[sequence[start:end]] = end - start
        spelled = [(s, k) for k, w in enumerate(self.words) for s in (w.spelled or (w.stem,))]
        for start in range(len(spelled)):
            for end in range(start + 2, min(len(spelled), start + MAX_PHRASE) + 1):
                span = len({k for _, k in spelled[start:end]})
                phrase = tuple(s for s, _ in spelled[start:end])
                if span > 1 and span > runs.get(phrase, 0):
                    runs[phrase] = span
        return runs

    def phrase_length(self, phrase: tuple[str, ...]) -> int:
        """How many of the question's words a name of an entry spans where the question has it whole (see
        :attr:`phrases`); 0 when the question does not have it."""
        return self.phrases.get(phrase, 0)


class KnowledgeIndex:
    """The knowledge base's words and one BM25 index per field, built from the entries."""

    def __init__(self, entries: list[KnowledgeEntry]) -> None:
        self.size = len(entries)
        self.entries: list[Indexed] = []
        known_words: set[str] = set()
        tokens: dict[str, list[list[str]]] = {name: [] for name in FIELD_WEIGHTS}
        frequency: dict[str, int] = {}
        for entry in entries:
            fields = entry_fields(entry)
            for name, terms in fields.items():
                tokens[name].append(terms)
            stems = frozenset(t for terms in fields.values() for t in terms)
            for term in stems:
                frequency[term] = frequency.get(term, 0) + 1
            texts = [entry.title, entry.lead or "", entry.answer, entry.ref, *entry.keys, *entry.synonyms, *entry.tags]
            known_words.update(w for text in texts for w in words(text))
            names = [entry.title, *entry.keys, *entry.synonyms]
            forms = [form for n in names for form in (plain_stems(n), spelled_stems(n))]
            phrases = tuple(p for p in dict.fromkeys(forms) if len(p) > 1)
            sections = frozenset(w for w in words(" ".join([entry.ref, *entry.keys])) if "_" in w or w.isdigit())
            self.entries.append(
                Indexed(
                    entry.id,
                    entry.kind,
                    stems,
                    frozenset(fields["title"] + fields["keys"] + fields["synonyms"] + fields["lead"]),
                    phrases,
                    states_a_number(f"{entry.lead or ''} {entry.answer}"),
                    sections,
                    entry.as_of is not None,
                    frozenset(fields["title"] + fields["keys"]),
                    bool(DOMESTIC_REF.match(entry.ref)),
                    section_side(sections) or sides(spelled_words(entry.title)),
                )
            )
        self.titles = [(entry.id, fold(entry.title)) for entry in entries]  # for nearest_by_title
        # the entries whose title says they state what must hold first: "Conditions that must be verified before ..."
        self.preconditions = frozenset(i for i, (_, title) in enumerate(self.titles) if STATES_CONDITIONS.search(title))
        # what each dated fact states first (its direct answer): for dated_entries_naming
        self.dated_subjects = [(entry.id, fold(entry.direct_answer)) for entry in entries if entry.as_of is not None]
        self.words = frozenset(known_words)
        self.stems = frozenset(frequency)
        self.idf = {term: math.log(1 + self.size / n) for term, n in frequency.items()}
        self.by_start: dict[str, list[str]] = {}
        for word in sorted(self.words):
            if word.isalpha() and len(word) >= 3:
                self.by_start.setdefault(word[0], []).append(word)
        import bm25s

        self.fields: dict[str, bm25s.BM25] = {}
        for name, corpus in tokens.items():
            if self.size and any(corpus):
                retriever = bm25s.BM25()
                retriever.index([terms or [""] for terms in corpus], show_progress=False)
                self.fields[name] = retriever
        self._corrections: dict[str, str | None] = {}
        self._weights: dict[Word, float] = {}
        # what each entry states, as a vector of meaning: found however the question words it
        self.vectors = embed([fold(f"{e.title}. {e.lead or ''} {' '.join(e.synonyms)}") for e in entries])

    def knows(self, word: str) -> bool:
        """Whether the knowledge base uses a word, in any form."""
        return word in self.words or stem(word) in self.stems

    def weight(self, word: Word) -> float:
        """How much a question word matters: rare words in the base more, up to a cap that a word the base never
        uses weighs too; the cap is lower for words common in everyday English (:func:`everyday_share`), which say
        little about which rule is asked, whether or not the base happens to use them. Worked out once per word:
        ranking asks it for every candidate entry."""
        found = self._weights.get(word)
        if found is None:
            found = self._weight(word)
            if len(self._weights) > 50_000:
                self._weights.clear()
            self._weights[word] = found
        return found

    def _weight(self, word: Word) -> float:
        cap = UNKNOWN_WEIGHT * math.log(1 + self.size) * everyday_share(word.typed)
        if word.case:  # the nation named is the case asked about, whether or not some entry mentions it
            return min(self.idf.get(word.stem, cap), cap * CASE_SHARE)
        if word.stem in self.idf:
            return min(self.idf[word.stem], cap)
        known = [self.idf[s] for s in word.spelled or word.alternatives if s in self.idf]
        if known:
            return min(sum(known) / len(known), cap)
        if word.stem.isdigit():
            return cap * EVERYDAY_FLOOR  # "a 350 GT ship": the case asked about, compared with the rule's "500"
        return cap * ABSENT_WEIGHT

    def correct(self, word: str) -> str | None:
        """The knowledge base's word a misspelt word was meant as, or None. Plain words only: never a section number."""
        if word in self._corrections:
            return self._corrections[word]
        close = [w for w in self.by_start.get(word[0], ()) if abs(len(w) - len(word)) <= 2]
        found = difflib.get_close_matches(word, close, n=1, cutoff=0.85)
        meant = found[0] if found else None
        if len(self._corrections) < 10_000:
            self._corrections[word] = meant
        return meant

    def read(self, question: str, case: frozenset[str] = frozenset()) -> Question:
        """The question's meaningful words (the first MAX_WORDS distinct ones), misspellings fixed, and what it asks
        for."""
        kind = question_kind(question)
        plain = QUESTION_FORM.sub(" ", fold(question))
        for pattern, replacement in EVERYDAY_PHRASES:
            plain = pattern.sub(replacement, plain)
        found: list[Word] = []
        seen: set[str] = set()
        corrections: dict[str, str] = {}
        for typed in content_words(plain):
            typed = INFORMAL.get(typed, typed)
            if typed not in ABBREVIATIONS and typed.endswith("s") and typed[:-1] in ABBREVIATIONS:
                typed = typed[:-1]  # "RSOs" is the plural of "RSO"
            if typed in seen or typed in STOP_WORDS or typed in FILLER or stem(typed) in quiet_stems():
                continue
            seen.add(typed)
            if len(seen) > MAX_WORDS:
                break
            word = typed
            if (
                typed not in self.words
                and typed not in ABBREVIATIONS
                and not everyday_terms(typed)  # "reefer" is a ship, not a misspelt "refer"
                and typed.isalpha()
                and len(typed) >= 5
                and stem(typed) not in self.stems
                and len(corrections) < MAX_CORRECTIONS
            ):
                meant = self.correct(typed)
                # an English word is not a misspelling ("drone" is not "done"), but a British spelling is the same word
                if meant is not None and (not is_english(typed) or american(typed) == meant):
                    corrections[typed] = word = meant
            spelled = tuple(stem(w) for w in content_words(ABBREVIATIONS.get(word, "")))
            alternatives = tuple(stem(w) for w in everyday_terms(word))
            found.append(Word(word, stem(word), spelled, alternatives, typed in case))
        unique = list(dict.fromkeys(found))
        terms = [t for w in unique for t in (w.stem, *w.spelled, *w.alternatives)]
        terms += [a for w in unique if "_" in w.stem for a in section_ancestors(w.stem)]
        # "now" in the sentence that asks; not in the one that sets the scene ("We can't get a visit in this year.
        # Can the CG still find ...?")
        asking = fold(asked_sentence(question) or question)
        live = bool(LIVE.search(asking) or PAST_FIGURE.search(asking))
        counted = measured_stems(question)
        measured = tuple(w for w in unique if w.stem in counted)
        return Question(
            tuple(unique), kind, corrections, min(len(seen), MAX_WORDS), tuple(dict.fromkeys(terms)), live, measured
        )

    def meaning(self, question: str) -> np.ndarray:
        """How close each entry's statement is in meaning to the question (cosine similarity, -1 to 1)."""
        import numpy as np

        if not self.size:
            return np.zeros(0)
        return self.vectors @ embed([fold(question)])[0]  # folded both sides: "dos" is "DoS"

    def bm25(self, terms: tuple[str, ...]) -> np.ndarray:
        """Every entry's weighted BM25 score for the terms."""
        import numpy as np

        total = np.zeros(self.size)
        if not terms:
            return total
        for name, retriever in self.fields.items():
            # "" is bm25s' stand-in for an entry without words in a field, not a word: "_" alone must not reach it
            known = [t for t in terms if t and t in retriever.vocab_dict]
            if known:
                total += FIELD_WEIGHTS[name] * np.asarray(retriever.get_scores(known), dtype=float)
        return total

    def coverage(self, question: Question, stems: frozenset[str]) -> float:
        """How much of the question (rare words weighing more) an entry's terms cover, from 0 to 1. The words naming
        the case asked about (the nations named: "a ship trading between Samoa and Fiji") weigh as one word, the
        heaviest of them, however many names and words there are."""
        total = covered = 0.0
        case_weight, case_found = 0.0, False
        for word in question.words:
            weight = self.weight(word)
            if word.case:
                case_weight = max(case_weight, weight)
                case_found = case_found or word.found_in(stems)
                continue
            total += weight
            if word.found_in(stems):
                covered += weight
        total += case_weight
        covered += case_weight * case_found
        return covered / total if total else 0.0


@lru_cache(maxsize=1)
def _embedder() -> Any:
    """WordLlama's small English model (256 dimensions), shipped inside the package: loaded from there, never
    downloaded."""
    import wordllama

    return wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


_EMBED_LOCK = threading.Lock()


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors of meaning for texts: texts saying the same in other words lie close. One at a time: the web
    threads share the model and its tokenizer."""
    import numpy as np

    if not texts:
        return np.zeros((0, 256))
    with _EMBED_LOCK:
        missing = list(dict.fromkeys(t for t in texts if t not in _VECTORS))
        if missing:
            if len(_VECTORS) > VECTORS_KEPT:
                _VECTORS.clear()
            for text, vector in zip(missing, _embedder().embed(missing, norm=True), strict=True):
                _VECTORS[text] = np.asarray(vector, dtype=float)
        return np.stack([_VECTORS[t] for t in texts])


#: Vectors already made, by text: an entry's statement is embedded once per process, however many databases (or
#: rebuilt indexes after an edit) hold it; questions asked again are not embedded again.
_VECTORS: dict[str, Any] = {}
VECTORS_KEPT = 20_000


#: Everyday English, by wordfreq's Zipf scale (log10 of a word's frequency per billion words): a question word more
#: common than EVERYDAY_FROM ("still", "back", "job", "guy") weighs less, down to EVERYDAY_FLOOR of its weight at
#: EVERYDAY_TO ("go", "back"). The field's words are rarer than that in general English ("interim", "verification",
#: "drill" are near 4), so this does not touch them; an everyday word of the base ("ship", "security") is frequent
#: in the base, so its weight is low anyway.
EVERYDAY_FROM, EVERYDAY_TO, EVERYDAY_FLOOR = 5.0, 6.0, 0.2
#: A word of the nation a question names ("who approves the PFSP in Tonga?") weighs this share of the cap: the rules
#: are the same for every government, so the nation is the case asked about; a question about a nation's own facts
#: still needs its other words covered. (On the development sets 0.3 to 0.7 answer the same.)
CASE_SHARE = 0.5
#: A word no entry uses and that is not everyday English ("marpol", "lifeboats", "abandon") is most likely what the
#: question is about: it weighs this much more than the cap, so a question on a subject the base does not hold is not
#: answered from the words it shares with an entry ("ship", "ISSC").
ABSENT_WEIGHT = 1.25


#: A word at least this common in English (wordfreq's Zipf scale: "drone" 4.0, "ballast" 3.2) is a word, not a
#: misspelling: it is never "corrected" into a word of the base ("drone" is not "done"). Common misspellings sit below
#: it ("recieve" 2.8, "goverment" 2.7, "assesment" 1.8).
ENGLISH_FROM = 3.0


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How common a word is in English, on wordfreq's Zipf scale ("the" 7.7, "drone" 4.0, "assesment" 1.8)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def is_english(word: str) -> bool:
    """Whether a word is an English word in its own right, so no spelling fix applies to it."""
    return zipf(word) >= ENGLISH_FROM


#: As common as this in English ("id" 4.6, "to" 7.4; "pg" 3.9, "fj" 2.6 on wordfreq's Zipf scale), a word typed in
#: capitals is more likely the word than a code ("ID" is an identity document, not Indonesia).
COMMON_FROM = 4.5


def common_word(word: str) -> bool:
    return zipf(word) >= COMMON_FROM


def american(word: str) -> str:
    """A British spelling as the texts' American one: "authorised" -> "authorized", "harbour" -> "harbor",
    "centre" -> "center"."""
    word = re.sub(r"(?<=[a-z]{2})is(e|ed|es|ing|ation|ations)$", r"iz\1", word)
    word = re.sub(r"(?<=[a-z]{2})our(s|ed|ing)?$", r"or\1", word)
    return re.sub(r"(?<=[a-z]{3})re(s)?$", r"er\1", word)


@lru_cache(maxsize=1)
def quiet_stems() -> frozenset[str]:
    """The stop words longer than three letters that are their own stem ("want", "need", "tell"): their other forms
    ("wants", "needs", "tells") are as quiet."""
    return frozenset(w for w in STOP_WORDS if w.isalpha() and len(w) > 3 and stem(w) == w)


@lru_cache(maxsize=65536)
def everyday_share(word: str) -> float:
    """The share of its weight a question word keeps for how common it is in everyday English: 1 for all but the most
    common words."""
    if not word.isalpha():
        return 1.0
    common = zipf(word)
    if common <= EVERYDAY_FROM:
        return 1.0
    return max(EVERYDAY_FLOOR, 1.0 - (1.0 - EVERYDAY_FLOOR) * (common - EVERYDAY_FROM) / (EVERYDAY_TO - EVERYDAY_FROM))


#: A word the knowledge base never uses ("goes", "weather") weighs this share of the weight of a word only one entry
#: uses, and no word weighs more: questions are phrased in everyday words ("big", "due"), yet a question about
#: something the base never mentions must not be answered.
UNKNOWN_WEIGHT = 0.75

#: (database, what) -> (the entries' signature, what was built from them): the search index, the entries by key.
_INDEXES: dict[tuple[str, str], tuple[tuple, Any]] = {}
_INDEX_LOCK = threading.Lock()


def _built(session: Session, what: str, build: Callable[[list[KnowledgeEntry]], T]) -> T:
    """What ``build`` makes of the entries in this database, made once and again when an entry is added, changed or
    removed (their count or newest change differs)."""
    count, latest = session.execute(select(func.count(), func.max(KnowledgeEntry.recorded_at))).one()
    key = (str(session.get_bind().engine.url), what)
    signature = (count, latest)
    with _INDEX_LOCK:
        cached = _INDEXES.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1]
    built = build(list_entries(session=session))
    with _INDEX_LOCK:
        if len(_INDEXES) > 32:
            _INDEXES.clear()
        _INDEXES[key] = (signature, built)
    return built


def knowledge_index(*, session: Session) -> KnowledgeIndex:
    """The index of the entries in this database, built once and rebuilt when an entry is added, changed or removed."""
    return _built(session, "search", KnowledgeIndex)


@dataclass(frozen=True)
class Hit:
    entry: KnowledgeEntry
    score: float


@dataclass(frozen=True)
class Search:
    """What a question found: the entries, best first, and whether the best one answers it well enough to show."""

    question: str
    terms: tuple[str, ...]  # the terms searched, after spelling fixes and abbreviations spelled out
    hits: tuple[Hit, ...]
    confident: bool
    corrections: dict[str, str] = field(default_factory=dict)
    kind: str | None = None  # what the question asks for (see QUESTION_KINDS)
    considered: int = 0  # distinct meaningful words of the question considered
    live: bool = False  # the question asks how things stand right now (see LIVE)

    @property
    def best(self) -> KnowledgeEntry | None:
        return self.hits[0].entry if self.hits and self.confident else None


#: How much of the question's meaningful words the best entry must cover before we answer with it (calibrated on the
#: development question set, tests/data/ask_questions.yaml).
MIN_COVERAGE = 0.5
#: A question told in the officer's own scene ("padlocking doors that are escape routes", "its sister company") covers
#: less of the entry's words: the entry still settles it when it is also the entry nearest in meaning, by at least
#: this cosine, and covers at least SETTLED_COVERAGE of the question (every other check still holds: another
#: instrument, how things stand today, a number asked for).
SETTLED_MEANING, SETTLED_COVERAGE = 0.5, 0.35
CANDIDATES = 40
#: Entries closest in meaning (see :func:`embed`) are candidates too, whatever words they share with the question, and
#: closeness in meaning (cosine, -1 to 1) adds to the score with this weight: words the texts do not use still count
#: ("what is the Code trying to achieve?" is close to "the Code's objectives"). Chosen on the development sets
#: (0.3 to 0.7 all gave the same gain; 0.5 the middle).
MEANING_CANDIDATES = 10
MEANING_WEIGHT = 0.5
#: How the signals add up: BM25 (scaled so the best candidate scores 1), how much of the question the entry covers and
#: how much its statement (title, lead, keys, synonyms) covers, the longest name of the entry found whole in the
#: question, and a bonus for the kind of fact asked for, given only among candidates within KIND_MARGIN of the best.
BM25_WEIGHT, COVER_WEIGHT, NAME_WEIGHT, PHRASE_WEIGHT, KIND_BONUS, KIND_MARGIN = 1.0, 1.0, 0.5, 0.1, 0.15, 0.35
#: A whole section in brief answers "tell me about A/19", not a question about one of its rules ("can an interim ISSC
#: be extended?" is settled by A/19.4.4, not by the A/19.4 overview): it weighs less unless the question names it.
OVERVIEW_PENALTY = 0.2
#: A question asking for one kind of fact (who, where, how long, how many) is answered by the paragraph stating it,
#: not by its section in brief: the overview loses this much more.
SPECIFIC_ASIDE = 0.2
SPECIFIC_KINDS = frozenset({"who", "where", "period", "threshold", "yes/no", "precondition", "condition"})
#: A question for a period or a number is answered by an entry of that kind among the first STATING_WITHIN that
#: score within STATING_MARGIN of the best, when the best states none.
STATING_WITHIN, STATING_MARGIN = 3, 0.2
#: Coverages closer than this are the same (a paragraph must cover more of the question than its section's entry).
COVERAGE_TIE = 0.01


def depth(entry: Indexed) -> int:
    """How far down its text an entry's citation goes, by its broadest section: "A/19" 1, "A/19.4.4" 3, "70108" 0,
    "70108(b)" 1; an entry on a regulation and one of its paragraphs counts as the regulation."""
    return min((section.count("_") for section in entry.sections if "_" in section), default=0)


def breadth_penalty(entry: Indexed, named: frozenset[str], narrower_covers_more: bool = False) -> float:
    """What a broad entry loses against the paragraphs that each state one rule, unless the question names its section
    ("what is 70110?"): OVERVIEW_PENALTY for a whole section in brief; the same for any entry citing a whole section
    (a role, a regulation) when an entry on one of its paragraphs covers more of the question ("who approves the
    SSP?" is settled by A/9.1, not by the A/9 entry or the Administration's role)."""
    if entry.sections & named:
        return 0.0
    if entry.kind == "overview":
        return OVERVIEW_PENALTY * (2 if narrower_covers_more else 1)
    return OVERVIEW_PENALTY if narrower_covers_more else 0.0


def narrower_covering_more(order: list[int], index: KnowledgeIndex, covered: dict[int, float]) -> set[int]:
    """The candidates citing a section that another candidate's paragraph falls within ("A/9" for "A/9.1"), where that
    paragraph's entry covers more of the question."""
    within: dict[str, float] = {}  # an enclosing section -> the best coverage of a candidate within it
    for i in order:
        for section in index.entries[i].sections:
            if "_" in section:
                for ancestor in section_ancestors(section):
                    within[ancestor] = max(within.get(ancestor, 0.0), covered[i])
    return {
        i
        for i in order
        if any(
            within.get(section, 0.0) > covered[i] + COVERAGE_TIE
            or (index.entries[i].kind == "overview" and within.get(section, 0.0) >= covered[i] - COVERAGE_TIE)
            for section in index.entries[i].sections
        )
    }


#: The U.S. domestic rules (33 CFR subchapter H, 46 U.S.C. 70101-70107) answer a question about the United States;
#: officers ask mostly about the international rules partner nations apply, which the same words find first otherwise.
DOMESTIC_PENALTY = 0.3
DOMESTIC_REF = re.compile(r"33 CFR|46 U\.S\.C\. 7010[0-7]\b")
US_WORDS = re.compile(
    r"\b(?:u\.? ?s\.?(?: ports?| facilit\w+| flag| coast guard| law| regs?| regulations?| rules?| terms?)|usa|"
    r"united states|americans?|stateside|in the u\.? ?s\.?|in the states|domestic|cfr|marsec|cotp|"
    r"captain of the port|mtsa|fso|vso|tsi|ams|area maritime|"
    r"10[1-6]\.\d{2,3})\b"  # a section of 33 CFR parts 101-106 ("101.505")
)


def asks_about_us(question: str) -> bool:
    """Whether a question is about the U.S. domestic regime ("MARSEC", "a U.S. facility", "33 CFR", "101.505"); not
    any number of three digits ("a 350 GT ship" asks about the international rule)."""
    return bool(US_WORDS.search(fold(question)))


#: A question naming one Part of the ISPS Code ("how often does Part A require port facility drills?") asks what that
#: Part says: an entry citing only the other Part's paragraphs weighs this much less (Part B's guidance on drills is
#: not Part A's rule).
OTHER_PART_PENALTY = 0.6
PART_NAMED = re.compile(r"\b(?:part|pt\.?)[ -]?([ab])\b")
#: Part A is the Code's mandatory part and Part B its guidance (SOLAS XI-2/1.1.12): "under the mandatory part",
#: "what does the guidance recommend" name a Part without its letter.
PART_DESCRIBED = (
    ("a", re.compile(r"\b(?<!non[ -])(?:mandatory|binding|compulsory|obligatory)\b")),
    ("b", re.compile(r"\b(?:guidance|guidelines?|recommend(?:s|ed|ation|ations)?|advisory|non[ -]mandatory)\b")),
)


#: A question naming neither Part asks what the rule is: Part B's guidance on the same point comes after Part A's
#: paragraph when both answer it as well.
GUIDANCE_ASIDE = 0.05
RULES_PART = frozenset({"a"})


def parts_named(question: str) -> frozenset[str]:
    """The Parts of the ISPS Code a question names, by letter or as the mandatory part and the guidance: {"a"},
    {"b"}, both or none. A description counts only when no letter is named and the other description is absent."""
    text = fold(question)
    named = frozenset(m.group(1) for m in PART_NAMED.finditer(text))
    if named:
        return named
    described = frozenset(part for part, pattern in PART_DESCRIBED if pattern.search(text))
    return described if len(described) == 1 else frozenset()


def other_part_only(entry: Indexed, parts: frozenset[str]) -> bool:
    """Whether an entry cites only paragraphs of the ISPS Code's Part the question does not name."""
    if len(parts) != 1:
        return False
    isps = [s for s in entry.sections if s[:2] in ("a_", "b_")]
    return bool(isps) and len(isps) == len(entry.sections) and all(s[0] not in parts for s in isps)


#: The two sides of the Code: the ship (its plan, officers, crew; Part A sections 7 to 13) and the port facility
#: (sections 14 to 18). A question on one side only ("how long must ships keep a DoS?", "how often are shipboard
#: drills held?") is not answered first by the same rule for the other side: an entry whose title is about the
#: other side only weighs this much less.
OTHER_SIDE_PENALTY = 0.3
SHIP_SIDE = frozenset(stem(w) for w in ("ship", "ships", "vessel", "shipboard", "onboard", "crew", "master"))
FACILITY_SIDE = frozenset(stem(w) for w in ("facility", "facilities", "terminal", "berth", "wharf"))


#: Words that share a side's stem but name no side: "shipping" is the trade (GISIS, the Global Integrated Shipping
#: Information System, is no ship's matter).
NO_SIDE = frozenset({"shipping"})


def spelled_words(text: str) -> list[str]:
    """A text's meaningful words as a question reads them, each abbreviation also spelled out."""
    found = []
    for word in content_words(as_asked(text)):
        word = INFORMAL.get(word, word)
        found += [word, *content_words(ABBREVIATIONS.get(word, ""))]
    return found


def sides(words: Iterable[str]) -> frozenset[str]:
    """Which sides ("ship", "facility") some words name."""
    found = {stem(w) for w in words if w not in NO_SIDE}
    return frozenset(side for side, terms in (("ship", SHIP_SIDE), ("facility", FACILITY_SIDE)) if found & terms)


#: The ISPS Code's own division: sections 7 to 13 are the ship's (A/7.7: the ship tells the PFSO), 14 to 18 the port
#: facility's, in Part A and in the Part B guidance on them.
SHIP_SECTIONS, FACILITY_SECTIONS = range(7, 14), range(14, 19)
ISPS_SECTION = re.compile(r"[ab]_(\d+)")


def section_side(sections: Iterable[str]) -> frozenset[str]:
    """The side of the Code an entry's ISPS paragraphs are on, when they are all on one: "ship" for A/7.7,
    "facility" for B/16.59; none for A/5 (the DoS, both sides), SOLAS or the U.S. law (read from the title then)."""
    found: set[str] = set()
    for section in (s for s in sections if "_" in s):
        match = ISPS_SECTION.match(section)
        if match is None:
            return frozenset()
        number = int(match.group(1))
        found.add("ship" if number in SHIP_SECTIONS else "facility" if number in FACILITY_SECTIONS else "neither")
    return frozenset(found) if len(found) == 1 and "neither" not in found else frozenset()


def question_sides(question: Question) -> frozenset[str]:
    """The sides a question names, its abbreviations spelled out ("SSO": the ship; "PFSO": the port facility)."""
    return sides(
        s
        for w in question.words
        for s in (w.typed, *content_words(ABBREVIATIONS.get(w.typed, "")), *everyday_terms(w.typed))
    )


#: ... and an entry whose title is about the side the question names gains this much ("what must the ship do under
#: COE?" is settled by what a vessel must do, not by what Conditions of Entry are).
SAME_SIDE_BONUS = 0.1


def same_side(entry: Indexed, asked: frozenset[str]) -> bool:
    """Whether an entry's title is about the one side of the Code the question names."""
    return len(asked) == 1 and entry.sided == asked


def other_side_only(entry: Indexed, asked: frozenset[str]) -> bool:
    """Whether an entry's title is about the side of the Code the question does not name, when it names one only."""
    return len(asked) == 1 and bool(entry.sided) and not (entry.sided & asked)


#: What the entry that defines the term asked about gains ("what is a DoS?" is settled by the definition of a
#: Declaration of Security, not by the entry that mentions DoS most).
DEFINES_BONUS = 0.3


def defines(question: Question, entry: Indexed) -> bool:
    """Whether the entry is the definition of what a "what is ..." question names: a definition, or the overview of
    a section (there is no definition of an interim ISSC; A/19.4 says what it is), whose title or keys hold every
    meaningful word of the question."""
    return (
        question.kind == "definition"
        and entry.kind in ("definition", "overview")
        and bool(question.words)
        and all(w.found_in(entry.titled) for w in question.words)
    )


#: What a definition loses when the question asks more than what its term means (see :func:`defined_only`).
DEFINITION_ASIDE = 0.2


#: "What has to happen before the flag can issue an interim ISSC?" asks what must hold first: an entry whose title says
#: it states that ("Conditions that must be verified before an interim ISSC is issued") comes before one that says when
#: the certificate may be issued at all.
STATES_CONDITIONS = re.compile(
    r"\b(?:conditions?(?! of entry)|preconditions?|prerequisites?|requirements? (?:for|before))\b|\bbefore\b"
    r"|\bmust (?:first|hold)\b"
)
PRECONDITION_BONUS = 0.3


def defined_only(question: Question, entry: Indexed) -> bool:
    """Whether a definition is offered for a question that is not asking what a term means and says more than its
    term: "what must a ship do at level 1?" is settled by the duties at level 1, not by what level 1 is."""
    if entry.kind != "definition" or question.kind == "definition":
        return False
    # "what does a ship have to do at level 1?" asks for duties, whatever words the definition's title shares
    return question.kind == "duty" or sum(not w.found_in(entry.titled) for w in question.words if not w.case) >= 2


def contains(sequence: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(sequence[i : i + size] == phrase for i in range(len(sequence) - size + 1))


#: Other instruments of the maritime field, outside the base (the ISM Code, the MLC, MARPOL, STCW, the COLREGs, LRIT and
#: AIS under SOLAS V, the FAL Convention, ILO conventions, the Ballast Water Convention, the Jones Act): a question
#: naming one asks about that instrument, so only an entry whose statement (title, keys, synonyms, lead) holds every
#: word asked answers ("what does the ISM Code say about the DPA?" is not settled by the ISPS definition of a Company,
#: which mentions the ISM Code in passing; "is the ISPS company the same as the ISM company?" is).
OTHER_INSTRUMENTS = frozenset(
    (  # noqa: SIM905 (words are easier to read as text)
        "ism mlc marpol stcw colreg colregs lrit ais fal ilo bwm jones iso "
        # dangerous goods and bulk cargo codes, piracy guidance, the other transport and customs regimes, the SUA
        # Convention
        "imdg imsbc igc ibc igf bmp bmp5 pcasp twic ctpat tpat csi wco icao sua"
    ).split()
)
#: Words this common in the base ("ISPS", "Code", "ship") weigh less than this: they are not what such a question asks.
OWN_WORD_WEIGHT = 1.0


def answers_well(
    question: Question, entry: Indexed, index: KnowledgeIndex, *, min_coverage: float = MIN_COVERAGE
) -> bool:
    """Whether an entry settles the question: it covers enough of it (rare words weighing more), shares more than one
    of its words unless the question has only one or the one is what the entry is about, and (entries with a kind)
    states a number or period when one is asked for."""
    if not question.words or index.coverage(question, entry.stems) < min_coverage:
        return False
    shared = [w for w in question.words if w.found_in(entry.stems)]
    if len(shared) < 2 and len(question.words) > 1 and not shared[0].found_in(entry.names):
        return False  # one word in common, and not what the entry is about: "reset my password" is no SSAS question
    if any(w.typed in OTHER_INSTRUMENTS for w in question.words) and not all(
        w.found_in(entry.names) for w in question.words if index.weight(w) >= OWN_WORD_WEIGHT
    ):
        return False  # about another instrument: only an entry stating all that is asked about it answers
    if question.live and not entry.dated:
        return False  # "what level is Singapore at today?": the base holds rules, not how things stand right now
    if question.measured and not any(w.found_in(entry.stems) for w in question.measured):
        return False  # "how much sea time before appointing a CSO?": an entry not naming sea time gives no amount of it
    if question.kind in ("period", "threshold") and entry.kind is not None:
        return entry.kind in ("period", "threshold") or entry.states_a_number
    return True


#: A capitalised word the base never uses is a name: of a port, a city, a ship or a person ("a PSC officer in Busan",
#: "alongside in Malabo"), the case asked about rather than the rule. At the start of a sentence, where every word is
#: capitalised, only one rarer than this in English is read so ("Busan raises the port to level 2", not "Container").
NAME_AT_START_BELOW = 3.5
#: "a Liberian-flag ship", "Panamanian-flagged", "Samoa-registered": a nation joined to what it says of the ship.
FLAG_OF = re.compile(r"(?:flag|flagged|registered|owned|based|operated|crewed)\b", re.IGNORECASE)
SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\s[-–—]+\s)$")


def proper_names(question: str, index: KnowledgeIndex) -> frozenset[str]:
    """The words of a question that name a place or person rather than ask about a rule (see NAME_AT_START_BELOW):
    capitalised, not in capitals throughout (an abbreviation is a subject: "MARPOL"), and never used by the base."""
    found: set[str] = set()
    for match in re.finditer(r"[A-Za-z][a-z]+(?:['’][a-z]+)*", question):  # "Nuku'alofa" is one name
        typed = match.group(0)
        joined = match.end() < len(question) and question[match.end()] in "-/"
        if not typed[0].isupper() or (joined and not FLAG_OF.match(question, match.end() + 1)):
            continue
        word = re.sub(r"'s$", "", fold(typed)).replace("'", "")
        if index.knows(word) or word in STOP_WORDS:
            continue
        if SENTENCE_START.search(question[: match.start()]) and zipf(word) >= NAME_AT_START_BELOW:
            continue
        found.add(word)
    return frozenset(found)


@lru_cache(maxsize=1)
def _countries() -> re.Pattern[str]:
    """Every country's short name (ISO 3166, from pycountry): "Panama", "Marshall Islands", "Korea", "Viet Nam",
    "Vietnam". The United States is left out: the base's own law is named by it."""
    import pycountry

    names: set[str] = set()
    for country in pycountry.countries:
        if country.alpha_2 == "US":
            continue
        for name in (country.name, getattr(country, "common_name", None)):
            if name:
                names.add(fold(name.split(",")[0]).strip())
    ordered = sorted(names, key=len, reverse=True)  # "Papua New Guinea" before "Guinea"
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in ordered) + r")\b")


#: Nationality words that do not follow from the country's name by the usual endings (see :func:`_nationalities`).
OTHER_NATIONALITIES = (
    *(  # noqa: SIM905 (words are easier to read as text)
        "filipino filipina thai lao burmese timorese ni-vanuatu i-kiribati kiwi dutch french british greek swiss "
        "turkish spanish portuguese norwegian swedish danish finnish irish belgian peruvian cypriot emirati saudi "
        "maldivian mauritian seychellois comorian malagasy bruneian macanese bahamian barbadian"
    ).split(),
    "solomon islander",
)


def _endings(word: str) -> set[str]:
    """The usual ways a nationality is made from a country's name: Japan-ese, Fiji-an, Korea-n, Panama-nian, Chin-ese,
    Canad-ian, Mexic-an, Oman-i, German-y."""
    found = {word + "an", word + "ian", word + "ese"}
    if word.endswith("a"):
        found |= {word + "n", word[:-1] + "ese", word + "nian", word[:-1] + "ian"}
    if word[-1] in "eoy":
        found |= {word[:-1] + "an", word[:-1] + "ian"}
    if word.endswith("y"):
        found.add(word[:-1])  # German-y
    if word[-1] not in "aeiouy":
        found.add(word + "i")
    return found


@lru_cache(maxsize=1)
def _nationalities() -> re.Pattern[str]:
    """Every country's nationality word, in lower case as officers type it in chat ("a japanese-flag ship", "the
    marshallese registry", "sri lankan authorities"): made from the ISO 3166 names by the usual endings, with the
    irregular ones listed. The United States is left out, as in :func:`_countries`."""
    import pycountry

    forms: set[str] = set()
    for country in pycountry.countries:
        if country.alpha_2 == "US":
            continue
        for name in (country.name, getattr(country, "common_name", None)):
            if not name or "(" in name:
                continue
            parts = fold(name.split(",")[0]).split()
            if len(parts) > 1 and parts[-1] in ("islands", "island"):
                parts = parts[:-1]  # the Marshall Islands: marshallese
            forms |= {" ".join([*parts[:-1], ending]) for ending in _endings(parts[-1])}
    forms |= {" ".join(w.split("-")) for w in OTHER_NATIONALITIES} | set(OTHER_NATIONALITIES)
    ordered = sorted(forms, key=len, reverse=True)  # "papua new guinean" before "guinean"
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in ordered) + r")s?\b")


def country_words(question: str) -> frozenset[str]:
    """The words of the countries a question names, partner or not ("a tanker that went from Panama flag to the
    Marshall Islands flag", "a japanese-flag bulker"): the case asked about, not the rule, like a nation the bot keeps
    a record of."""
    folded = fold(question)
    found = _countries().findall(folded) + _nationalities().findall(folded)
    return frozenset(w for name in found for w in words(name))


#: A word in capitals, not a chapter's number ("XI-2", "VI/5").
ABBREVIATION = re.compile(r"\b([A-Z]{2,})s?\b(?![-/]\d)")


def unknown_abbreviations(question: str, index: KnowledgeIndex, case: frozenset[str] = frozenset()) -> list[str]:
    """The abbreviations of a question the base never uses nor spells out ("how long is a TWIC card valid?", "what
    does ICAO require?"), other than the nations named: a subject it holds nothing on, however close the rest of the
    question comes to one of its rules."""
    found = []
    for match in ABBREVIATION.finditer(question):
        word = fold(match.group(1))
        if word in ABBREVIATIONS or word in EVERYDAY_TERMS or word in case or index.knows(word):
            continue
        found.append(match.group(1))
    return found


SENTENCES = re.compile(r"(?:[^.?!]|[.?!](?=[\w/]))+[.?!]*")  # "A/19.4.4" and "e.g." stay inside their sentence


def asked_sentence(question: str) -> str | None:
    """The one sentence of a question that asks, when the rest says why or for whom ("what are the objectives of the
    ISPS Code? briefing PNG's new DA next week"): the only sentence ending in a question mark. None otherwise."""
    sentences = [m.group(0).strip() for m in SENTENCES.finditer(question) if m.group(0).strip()]
    asking = [s for s in sentences if s.endswith("?")]
    return asking[0] if len(sentences) > 1 and len(asking) == 1 else None


#: A task asked of the bot rather than a question ("can you translate this into Korean for me?", "please draft an
#: email to the DA"): the base holds answers, not a translator or a secretary.
ASKS_A_TASK = re.compile(
    r"^(?:(?:can|could|would|will) you (?:please )?|please |pls )"
    r"(?:translate|draft|write|send|e-?mail|book|print|fax|call|phone|forward|proofread|summari[sz]e|reply)\b"
    r"|^(?:translate|draft|proofread|book|fax|print)\b"
)

#: What will happen to a listing or a nation is a forecast, which no rule or dated fact states: "will Timor-Leste come
#: off the COE list next year?", "is Nauru likely to be added?", "what are the chances the COE are lifted?"
FORECAST = re.compile(
    r"\bwill (?:\S+ ){0,6}?(?:come|get|go|be (?:taken|put|moved|dropped))"
    r" (?:off|on|onto|back on)\b(?= (?:the |a |that )?(?:coe |conditions of entry |port security advisory |psa )?list)"
    r"|\bwill (?:\S+ ){0,6}?be (?:lifted|removed|delisted|added|listed|relisted)\b"
    r"(?=.*\b(?:next|soon|this|by|before|in 20\d\d|ever)\b)"
    r"|\b(?:likely|unlikely|expected|going) to be (?:lifted|removed|delisted|added|listed|relisted)\b"
    r"|\b(?:what are the|any) (?:chances?|odds|likelihood)\b"
)


#: The time somewhere, or between two places: "what time is it in Honolulu when it's 0900 in Singapore?", "time
#: difference Tokyo to Suva?". A clock, not a rule.
CLOCK = re.compile(
    r"\bwhat time is it\b|\bwhat(?:'s| is) the time (?:in|at|now)\b|\btime (?:difference|diff|zone difference)\b"
    r"|\bhow many hours (?:ahead|behind)\b"
)


def search(
    *, session: Session, question: str, limit: int = 3, case: frozenset[str] = frozenset(), live: bool = False
) -> Search:
    """The entries that best answer a question in plain English, best first; always ``limit`` of them when there are
    that many. ``confident`` says whether the best one settles the question well enough to be shown as its answer.
    ``case``: words that name the case asked about rather than the rule (the nation named: "who approves the PFSP in
    Tonga?" is answered by the rule for every government). ``live``: the question asks how things stand now even
    without saying so (see :data:`LIVE`), so only a dated fact answers it."""
    import numpy as np

    index = knowledge_index(session=session)
    asked = index.read(question, case=case | proper_names(question, index) | country_words(question))
    if live and not asked.live:
        asked = replace(asked, live=True)
    parts = parts_named(question)
    scores = index.bm25(asked.terms)
    meant = index.meaning(question)
    order = [int(i) for i in np.argsort(-scores, kind="stable")[:CANDIDATES] if scores[i] > 0]
    order += [int(i) for i in np.argsort(-meant, kind="stable")[:MEANING_CANDIDATES] if int(i) not in order]
    top = float(scores[order[0]]) if order and scores[order[0]] > 0 else 1.0
    base: dict[int, float] = {}
    covered: dict[int, float] = {}
    for i in order:
        entry = index.entries[i]
        longest = max((asked.phrase_length(p) for p in entry.phrases), default=0)
        covered[i] = index.coverage(asked, entry.stems)
        base[i] = (
            BM25_WEIGHT * float(scores[i]) / top
            + COVER_WEIGHT * covered[i]
            + NAME_WEIGHT * index.coverage(asked, entry.names)
            + PHRASE_WEIGHT * min(longest, 4)
            + MEANING_WEIGHT * float(meant[i])
        )
    preferred = KIND_PREFERENCE.get(asked.kind or "", frozenset())
    folded = fold(question)
    told = TELLS.search(folded) if asked.kind == "who" else None
    if told is not None:
        # "who must the ship notify?": the duty to notify names whom, and an entry saying who acts does not; "who gets
        # the alert?" may be either
        preferred = frozenset({"duty"}) if told.group(0) != "alert" else preferred | {"duty"}
    named = frozenset(asked.sequence)
    broader = narrower_covering_more(order, index, covered)
    side = question_sides(asked)
    domestic_aside = 0.0 if asks_about_us(question) else DOMESTIC_PENALTY  # read once, not once per candidate
    base = {
        i: v
        - breadth_penalty(index.entries[i], named, i in broader)
        - SPECIFIC_ASIDE * (index.entries[i].kind == "overview" and asked.kind in SPECIFIC_KINDS)
        + DEFINES_BONUS * defines(asked, index.entries[i])
        + PRECONDITION_BONUS * (asked.kind == "precondition" and i in index.preconditions)
        - DEFINITION_ASIDE * defined_only(asked, index.entries[i])
        - domestic_aside * index.entries[i].domestic
        - OTHER_PART_PENALTY * other_part_only(index.entries[i], parts)
        - GUIDANCE_ASIDE * (not parts and other_part_only(index.entries[i], RULES_PART))
        - OTHER_SIDE_PENALTY * other_side_only(index.entries[i], side)
        + SAME_SIDE_BONUS * same_side(index.entries[i], side)
        for i, v in base.items()
    }
    best_base = max(base.values(), default=0.0)
    final = {
        i: score + (KIND_BONUS if index.entries[i].kind in preferred and score >= best_base - KIND_MARGIN else 0.0)
        for i, score in base.items()
    }
    # on a tie the narrower entry first: the paragraph before the regulation or section it falls within
    ranked = sorted(final, key=lambda i: (-final[i], -depth(index.entries[i]), index.entries[i].id))
    confident = bool(ranked) and answers_well(asked, index.entries[ranked[0]], index)
    if (
        ranked
        and not confident
        and meant[ranked[0]] >= max(SETTLED_MEANING, float(meant.max()))
        and not unknown_abbreviations(question, index, case)
    ):
        confident = answers_well(asked, index.entries[ranked[0]], index, min_coverage=SETTLED_COVERAGE)
    if ranked and not confident and asked.kind in ("period", "threshold"):
        # "how often are drills due?": the first entry that states a number or period answers it, when it scores
        # nearly as well as one that only explains the subject (the purpose of drills)
        for i in ranked[1:STATING_WITHIN]:
            entry = index.entries[i]
            if (
                entry.kind in ("period", "threshold")
                and final[i] >= final[ranked[0]] - STATING_MARGIN
                and answers_well(asked, entry, index)
            ):
                ranked.remove(i)
                ranked.insert(0, i)
                confident = True
                break
    sentence = asked_sentence(question) if ranked and not confident else None
    if sentence is not None:
        # the context around the question ("The PFSO in Honiara says once a year is fine") is not what must be covered
        alone = index.read(sentence, case=case | proper_names(sentence, index) | country_words(sentence))
        confident = len(alone.words) > 1 and answers_well(
            replace(alone, live=asked.live), index.entries[ranked[0]], index
        )
        if not confident and len(alone.words) > 1:
            # nor what ranks the entries: "what are the objectives of the ISPS Code? briefing PNG's new DA next week"
            # is the first sentence, asked alone, when that settles it
            found = search(session=session, question=sentence, limit=limit, case=case, live=live or asked.live)
            if found.confident:
                return replace(found, question=question)
    if ASKS_A_TASK.search(folded) or FORECAST.search(folded) or CLOCK.search(folded):
        # "can you translate this paragraph into Korean?": a task, not a question the base answers; "will Tonga come off
        # the list next year?": a forecast, which the base never states
        confident = False
    chosen = [index.entries[i].id for i in ranked[:limit]]
    entries = get_entries(session=session, ids=chosen)
    hits = [Hit(e, final[ranked[chosen.index(e.id)]]) for e in entries]
    if len(hits) < limit:
        shown = " ".join(w.typed for w in asked.words) or folded[:200]
        hits += nearest_by_title(session, index, shown, exclude={h.entry.id for h in hits}, limit=limit - len(hits))
    return Search(
        question, asked.terms, tuple(hits), confident, asked.corrections, asked.kind, asked.considered, asked.live
    )


def dated_entries_naming(*, session: Session, names: Iterable[str], limit: int = 2) -> list[KnowledgeEntry]:
    """The dated facts of the base whose direct answer names a place by one of its names ("FEACT's IPS team held a
    country assessment in Tuvalu on 12-18 December 2023 ..."), newest first: what the base knows of a nation beside
    the team's records."""
    index = knowledge_index(session=session)
    wanted = [re.compile(rf"\b{re.escape(fold(n))}\b") for n in names if len(n) > SHORT_NAME_CHARS]
    ids = [entry_id for entry_id, subject in index.dated_subjects if any(n.search(subject) for n in wanted)]
    found = get_entries(session=session, ids=ids)
    return sorted(found, key=lambda e: e.as_of or dt.date.min, reverse=True)[:limit]


#: Names this short ("US", "PNG" aside) are ambiguous as words of a title: not looked for there.
SHORT_NAME_CHARS = 3


def nearest_by_title(
    session: Session, index: KnowledgeIndex, question: str, *, exclude: set[str], limit: int
) -> list[Hit]:
    """When the ranking finds too little: the entries whose titles look most like what was typed (difflib's ratio).
    Titles are tried best bound first (``quick_ratio`` is never below the ratio), so most are never compared in full."""
    typed = fold(question)[:200]
    matcher = difflib.SequenceMatcher(None)
    matcher.set_seq2(typed)  # the typed text is the side difflib indexes, once
    bounds = []
    for entry_id, title in index.titles:
        if entry_id not in exclude:
            matcher.set_seq1(title)
            bounds.append((matcher.quick_ratio(), entry_id, title))
    bounds.sort(key=lambda b: (-b[0], b[1]))
    best: list[tuple[float, str]] = []
    for bound, entry_id, title in bounds:
        if len(best) >= limit and bound < best[limit - 1][0]:
            break
        matcher.set_seq1(title)
        best.append((matcher.ratio(), entry_id))
        best.sort(key=lambda b: (-b[0], b[1]))
    chosen = best[:limit]
    entries = {e.id: e for e in get_entries(session=session, ids=[entry_id for _, entry_id in chosen])}
    return [Hit(entries[entry_id], 0.01 * ratio) for ratio, entry_id in chosen if entry_id in entries]


# --- answers marked "Not right?" ---------------------------------------------------------------------


class AskMiss(Base):
    """An answer an officer marked "Not right?": the question, the entry given (none for "I don't know"), who asked,
    who pressed and when; and who marked it fixed, when."""

    __tablename__ = "ask_misses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[str | None] = mapped_column(String(80))  # no foreign key: entries come and go with the files
    entry_ref: Mapped[str | None] = mapped_column(String(300))  # the citation given, kept if the entry goes
    asked_by: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    fixed_by: Mapped[str | None] = mapped_column(String(40))
    fixed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


#: A question is kept up to this many characters.
MISS_QUESTION_CHARS = 1000


def record_miss(
    *, session: Session, question: str, entry_id: str | None, asked_by: str, recorded_by: str, now: dt.datetime
) -> tuple[AskMiss, bool]:
    """Record an answer marked "Not right?"; the same press again (same question, entry and presser, still open)
    returns the first record and False."""
    question = " ".join(question.split())[:MISS_QUESTION_CHARS]
    entry_id = entry_id or None
    same = session.scalars(
        select(AskMiss)
        .where(
            AskMiss.question == question,
            AskMiss.entry_id.is_(None) if entry_id is None else AskMiss.entry_id == entry_id,
            AskMiss.recorded_by == recorded_by,
            AskMiss.fixed_at.is_(None),
        )
        .order_by(AskMiss.id)
        .limit(1)
    ).first()
    if same is not None:
        return same, False
    entry = session.get(KnowledgeEntry, entry_id) if entry_id else None
    miss = AskMiss(
        question=question,
        entry_id=entry_id,
        entry_ref=entry.ref if entry else None,
        asked_by=asked_by,
        recorded_by=recorded_by,
        recorded_at=now,
    )
    session.add(miss)
    session.flush()
    return miss, True


def list_misses(*, session: Session, include_fixed: bool = False, limit: int = 25) -> list[AskMiss]:
    """Recorded misses, newest first; open ones only unless ``include_fixed``."""
    query = select(AskMiss).order_by(AskMiss.recorded_at.desc(), AskMiss.id.desc()).limit(limit)
    if not include_fixed:
        query = query.where(AskMiss.fixed_at.is_(None))
    return list(session.scalars(query))


def count_misses(*, session: Session, since: dt.datetime | None = None, open_only: bool = False) -> int:
    """How many misses were recorded (since a moment; only those not yet fixed)."""
    query = select(func.count()).select_from(AskMiss)
    if since is not None:
        query = query.where(AskMiss.recorded_at >= since)
    if open_only:
        query = query.where(AskMiss.fixed_at.is_(None))
    return int(session.execute(query).scalar_one())


def get_miss(*, session: Session, miss_id: int) -> AskMiss | None:
    return session.get(AskMiss, miss_id)


def mark_miss_fixed(*, session: Session, miss: AskMiss, fixed_by: str, now: dt.datetime) -> bool:
    """Mark a miss fixed, with who and when; False when it already was (nothing changes)."""
    if miss.fixed_at is not None:
        return False
    miss.fixed_by, miss.fixed_at = fixed_by, now
    session.flush()
    return True
