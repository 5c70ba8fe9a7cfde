"""Reminders in the officers' words: setting and listing them, the message a reminder brings (with its briefing), Done
and Snooze, and the weekly digest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from commands.coe import confirmation_overdue
from commands.ids import Action, ReminderVerb
from commands.language import (
    Aside,
    Button,
    Buttons,
    Caption,
    CommandError,
    Divider,
    FieldError,
    Icon,
    Invocation,
    Mention,
    Quote,
    Reply,
    Section,
    Strong,
    Subcommand,
    Text,
    Typed,
    bullets,
    parse_id,
    plain_text,
    words,
)
from commands.lookup import Ambiguous, Exact, Named, NationLookup, Unknown, named_nations, nation_lookup
from commands.nations import due_text, fmt_date, standing
from commands.visits import dates_text, find_visit, visit_line
from commands.when import WINDOW_YEARS, date_window, describe, split_when
from commands.when.display import fmt_date as fmt_day
from commands.when.errors import ReadButRefused, WhenError
from commands.when.grammar import MAX_WORDS, everyday, tokenize, words_of
from commands.when.moments import AssumedTime, assumed_time, part_compound, time_alone
from commands.when.places import near_place, read_place
from commands.when.times import PARTS_OF_DAY, PartOfDay, counted, local_to_utc, unread_time
from commands.when.zones import WrittenZone, check_in_force, read_zone
from storage import knowledge as knowledge_store
from storage import nations as nation_store
from storage import notes as note_store
from storage import reminders as store
from storage import submissions
from storage import visits as visit_store
from storage.reminders import Reminder

REMIND_SYNTAX = "/ipslo remind <nation or visit number> <when> <what>"
REMIND_USAGE = words(Typed(REMIND_SYNTAX))
REMIND_EXAMPLE = Typed("/ipslo remind fiji tomorrow 09:00 send agenda to the DA")
REMIND_EXAMPLES = words("e.g. ", REMIND_EXAMPLE, " or ", Typed("/ipslo remind 12 in 2 hours confirm transport"))
REMIND_HELP = words(REMIND_USAGE, ", ", REMIND_EXAMPLES)
LIST_REMINDERS = Typed("/ipslo reminders")
MORNING = dt.time(9, 0)
DIGEST_VISIT_DAYS = 14

STATE_WORDS: dict[str, Text] = {
    store.PENDING: (Icon.REMINDER, " due"),
    store.RETRYING: (Icon.RETRYING, " ", Strong("retrying"), " (Slack is not taking it yet), was due"),
    store.CLAIMED: (Icon.SENDING, " being sent"),
    store.SENT: (Icon.DELIVERED, " sent"),
    store.LATE: (Icon.LATE, " sent late, was due"),
    store.MISSED: (Icon.OVERDUE, " ", Strong("missed"), ", was due"),
    store.FAILED: (Icon.WARNING, " ", Strong("failed"), ", was due"),
    store.DONE: (Icon.OK, " done, was due"),
    store.CANCELLED: (Icon.CANCELLED, " cancelled, was due"),
}

DONE, SNOOZE_HOUR, SNOOZE_TOMORROW, SNOOZE_WEEK = ReminderVerb
ACTIONS = tuple(ReminderVerb)
ACTION_PREFIX = Action.REMINDER
MAX_TEXT = 1000  # characters of a reminder's text


# --- setting and listing -----------------------------------------------------------------------


#: Words officers put before what a reminder is about: "remind me about fiji ...", "remind me re visit 12 ...".
LEADING = ("me", "us")
ABOUT = ("about", "re", "regarding", "for", "on")


def remind(inv: Invocation, text: str) -> Reply:
    tokens = text.split()
    if tokens and tokens[0].lower() in LEADING:
        tokens = tokens[1:]
    if tokens and tokens[0].lower() in ABOUT:
        tokens = tokens[1:]
    if not tokens:
        raise CommandError("About which nation or visit, when, and what?", hint=REMIND_HELP)
    visit = None
    if tokens[0].lstrip("#").isdigit():
        visit = find_visit(inv, tokens[0], REMIND_USAGE)
        nation_iso2, rest = visit.nation_iso2, tokens[1:]
    else:
        lookup = nation_lookup(session=inv.session)
        named = lookup.index.split(tokens)[0]
        if (not isinstance(named, Exact) or _code_starting_a_moment(inv, named, tokens)) and (
            found := _when_first(inv, tokens, lookup)
        ) is not None:
            return found
        nation, rest = lookup.split_exact(tokens, nothing="no reminder was set", hint=REMIND_USAGE)
        nation_iso2 = nation.iso2
    if not rest:
        raise CommandError("When should I remind you?", hint=REMIND_HELP)
    when = when_in_zone(inv, rest, nation_lookup(session=inv.session), about=nation_iso2)
    what = " ".join(when.rest).strip()
    if not what:
        raise CommandError("What should I remind you of? Add it after the time.", hint=REMIND_HELP)
    return set_reminder(
        inv,
        nation_iso2=nation_iso2,
        visit_id=visit.id if visit else None,
        due_at=when.due_at,
        text=what,
        zone=when.zone,
        assumed=when.assumed,
        kept=when.kept,
    )


#: "<whose> time" that names no place: refused, saying whose clock to name ("local time" is the partner's).
VAGUE_TIMES = frozenset({"your", "their", "home", "standard", "daylight", "summer", "winter", "zone"})
#: "<whose> time" that is the officer's own: their zone, as with no zone at all.
OWN_TIME = frozenset({"my", "our"})
#: "0900Z", "21:30z": a time and UTC in one word, as in a date-time group.
ZULU = re.compile(r"(\d{3,4}|\d{1,2}:\d{2})z", re.I)
#: Words after the time that start with a quote are the reminder's, as typed, whatever they look like
#: ('tomorrow 9am "berthing time" for the cutter').
QUOTES = ('"', "“", "”", "'", "‘", "’")
#: The most words before "time" read as a place's name ("Ho Chi Minh City time").
PLACE_WORDS = 4


def names_a_clock(named: list[str], lookup: NationLookup) -> bool:
    """Whether words name a place or nation whose clock a reminder may be set by ("Nukualofa", "Suva", "Fiji")."""
    typed = " ".join(named)
    try:
        if read_place(typed) is not None:
            return True
    except CommandError:
        return True  # a place on several clocks: asked about, not kept as text
    found, after = lookup.index.split(named, max_words=3)
    return isinstance(found, Exact) and not after and not (len(found.typed) <= 3 and found.typed.islower())


#: Words "time" makes one thing with ("time off", "time sheet", "time check"): "<words> time off" is the reminder's
#: words, never a place's time.
TIME_COMPOUNDS = words_of(
    "off out sheet sheets check checks card cards frame frames line lines slot slots table tables keeping stamp stamps "
    "limit limits lapse span scale log logs record records entry entries zone tracking budget management allocation "
    "period window request requests in lieu sensitive critical"
)


class KeptPart(NamedTuple):
    """A part of the day kept in the reminder's words, where it makes one thing with the noun after it ("tomorrow
    night shift roster": about the night shift roster, at the day's 09:00), for the reply to say so."""

    typed: str  # "night shift"
    part: PartOfDay
    moment: str  # the moment as typed: "tomorrow"


class When(NamedTuple):
    """A reminder's moment as typed: when (UTC), the words after it, the zone written after the time (None: the
    officer's own), the time a part of the day was read as ("tomorrow evening": 18:00), and a part of the day kept in
    the words ("tomorrow night shift roster"), for the reply to say."""

    due_at: dt.datetime
    rest: list[str]
    zone: WrittenZone | None
    assumed: AssumedTime | None
    kept: KeptPart | None = None


def when_in_zone(inv: Invocation, words_typed: list[str], lookup: NationLookup, *, about: str | None = None) -> When:
    """The moment at the start of the words, the words after it, and the zone written after the time when there is
    one ("tomorrow 09:00 UTC", "9am Fiji time", "14:30 Pacific/Fiji", "21:00 UTC+12", "0900Z", "9am local time": the
    time of ``about``, the nation the reminder is about): the time is then read in that zone, not the officer's: on
    the officer's day ("tomorrow" is their tomorrow), or, for a time alone ("0900Z", "9am HST"), the next time the
    zone's clock shows it. Without one, the officer's zone.

    What follows the moment and looks like a time or a zone but is none we read ("930", "Pacific/Fijii", "Fijii time",
    "UTC+25") is refused with what to type, never taken for the first words of the reminder; so is an abbreviation
    not in use on that day where it names ("9am EDT" in December). So is any "<words> time" right after the time that
    names no zone or place we know ("9am Xyz time"), unless the words are everyday English ("lunch time with the DA"),
    "time" starts a compound ("Casey time off request", "time sheet"), or the words are in quotes. An abbreviation
    that is also a word ("WEST", "SGT") is read only right after a time written ("friday WEST gate" is text)."""
    words_typed = _zulu_split(inv, words_typed)
    due_at, rest = split_when(words_typed, now=inv.now, tz=inv.caller.tz, default_time=MORNING)
    moment = words_typed[: len(words_typed) - len(rest)]
    assumed = assumed_time(moment)
    timed = _gave_time(inv, moment, due_at)
    kept = None
    if not timed and part_compound(rest):  # "tomorrow night shift roster": the day's 09:00, about the night shift
        kept = KeptPart(" ".join(rest[:2]), PARTS_OF_DAY[tokenize(rest[0])[0]], " ".join(moment))
    if rest and rest[0].startswith(QUOTES):
        return When(due_at, rest, None, assumed, kept)
    zone = read_zone(rest)
    if zone is not None and zone.abbreviation is not None and not zone.abbreviation.any_case and not timed:
        zone = None  # "friday WEST gate check": a word, with no time for it to be the zone of
    if zone is not None and [word.lower() for word in rest[zone.used : zone.used + 1]] == ["time"]:
        zone = dataclasses.replace(zone, used=zone.used + 1)  # "9am UTC time", "0900 Zulu time"
    zone = zone or _place_time(inv, moment, rest, lookup, about)
    if zone is None:
        _refuse_unread(rest, moment, timed)
        return When(due_at, rest, None, assumed, kept)
    elsewhere = ZoneInfo("UTC") if inv.caller.tz.key != "UTC" else ZoneInfo("Asia/Tokyo")
    try:
        same_everywhere = split_when(moment, now=inv.now, tz=elsewhere, default_time=MORNING)[0] == due_at
    except CommandError:
        same_everywhere = False
    if same_everywhere:  # "in 3 hours UTC": a moment that is the same in every zone
        return When(due_at, rest[zone.used :], None, assumed)
    if time_alone(moment):  # "0900Z", "9am HST": the next 09:00 on that clock, today there if still to come
        due_at = split_when(moment, now=inv.now, tz=zone.tz, default_time=MORNING)[0]
    else:  # the day as the officer counts it ("tomorrow" is their tomorrow), the clock time in the zone written
        local = due_at.astimezone(inv.caller.tz)
        due_at = local_to_utc(local.date(), local.time(), zone.tz)
        if due_at <= inv.now:
            raise ReadButRefused(f"That time has already passed: {describe(due_at, inv.caller.tz)}.")
    zone = check_in_force(zone, due_at, " ".join(moment))
    return When(due_at, rest[zone.used :], zone, assumed)


def _gave_time(inv: Invocation, moment: list[str], due_at: dt.datetime) -> bool:
    """Whether the moment gave a time of its own ("tomorrow 9am", "tomorrow evening", "in 2 hours"), not the day's
    default ("tomorrow"): another default changes nothing."""
    try:
        return split_when(moment, now=inv.now, tz=inv.caller.tz, default_time=dt.time(10, 17))[0] == due_at
    except CommandError:
        return False


def _zulu_split(inv: Invocation, words_typed: list[str]) -> list[str]:
    """ "tomorrow 0900Z …" as "tomorrow 0900 Z …", when that is where the moment ends; the words as typed otherwise
    ("call at 0900Z" in the reminder's text stays as it is)."""
    for i, word in enumerate(words_typed[:MAX_WORDS]):
        m = ZULU.fullmatch(word.strip(".,;:"))
        if m:
            split = [*words_typed[:i], m[1], "Z", *words_typed[i + 1 :]]
            try:
                _, rest = split_when(split, now=inv.now, tz=inv.caller.tz, default_time=MORNING)
            except CommandError:
                return words_typed
            return split if len(split) - len(rest) == i + 1 else words_typed
    return words_typed


def _place_time(
    inv: Invocation, moment: list[str], rest: list[str], lookup: NationLookup, about: str | None
) -> WrittenZone | None:
    """ "<place> time" after the moment: a nation ("9am Fiji time"), a place ("9am Tokyo time", "9am Suva time",
    "New York time"), "local time": the time of the nation the reminder is about; "local" may come between ("9am Fiji
    local time"). A misspelt nation or place, or whose time it is left unsaid ("my time"), is refused with what to
    type, and so is any other "<words> time" unless the words are everyday English ("lunch time", "in time"); None when
    the words are no "<place> time"."""
    lowered = [word.lower() for word in rest[: PLACE_WORDS + 1]]
    if "time" not in lowered[1:]:
        return None
    size = lowered.index("time", 1)  # the words before "time"
    following = rest[size + 1].strip(".,;:!?()").lower() if len(rest) > size + 1 else ""
    if following in TIME_COMPOUNDS and (len(rest) <= size + 2 or not names_a_clock(rest[:size], lookup)):
        # "Casey time off request", "Davis time sheet", "Fiji time off": "time off", never a zone's time; but a place
        # or nation we read as a clock, with the text going on after the pair, is one ("9am Nukualofa time check
        # agenda": Nuku'alofa's 9am, then "check agenda")
        return None
    if any(word[-1:] in ",;:!?" for word in rest[:size]):  # "call the DA, time tbc": no place
        return None
    if size == 1 and lowered[0] in OWN_TIME:  # "9am my time": not Malaysia's ("MY")
        return WrittenZone(inv.caller.tz, "your time", 2)
    named_words = rest[: size - 1] if size > 1 and lowered[size - 1] == "local" else rest[:size]  # "Fiji local time"
    named, after = lookup.index.split(named_words, max_words=3)
    if (
        isinstance(named, Exact)
        and len(named.typed) <= 3
        and named.typed.islower()
        and everyday(named.typed, at_least=4.5)
    ):
        named = Unknown(named.typed, ())  # "in time", "no time": a word, not India's or Norway's code ("png time" is)
    if isinstance(named, Exact) and not after:  # "9am Fiji time"
        try:
            return WrittenZone(ZoneInfo(lookup.load(named.named).tz), f"{named.named.name} time", size + 1)
        except (ZoneInfoNotFoundError, ValueError):
            return None
    typed = " ".join(named_words)
    if typed.lower() in ("local", "host", "partner"):  # the time where the reminder's nation is
        nation = nation_store.get_nation(session=inv.session, iso2=about) if about else None
        if nation is None:
            raise ReadButRefused(
                "Whose local time? Name the nation first (“/ipslo remind fiji tomorrow 9am local time …” is 9am in "
                "Fiji), or write the zone: “9am Fiji time”, “9am UTC+12”."
            )
        try:
            return WrittenZone(ZoneInfo(nation.tz), f"local time in {nation.name}", 2)
        except (ZoneInfoNotFoundError, ValueError):
            return None
    place = read_place(typed, size + 1)
    if place is not None:
        return place
    if isinstance(named, Ambiguous) and named.choices and not after:
        which = " or ".join(choice.name for choice in named.choices[:3])
        raise ReadButRefused(f"“{typed} time”: which one, {which}? Type e.g. “9am {named.choices[0].name} time”.")
    if typed.lower() in VAGUE_TIMES:
        raise ReadButRefused(
            f"“{typed} time” does not say which clock: write the time in your own zone (no zone), in UTC (“09:00 "
            "UTC”), or with a place (“9am Fiji time”, “9am Tokyo time”)."
        )
    if _everyday_words(named_words):  # "lunch time with the DA", "in time for the brief": the reminder's words
        return None
    guess = lookup.index.guess(typed)
    meant = guess.name if guess is not None else near_place(typed)
    if meant is not None:
        raise WhenError(
            f"I don't know “{typed} time”: did you mean {meant} time?", correction=(typed, meant), forms=False
        )
    written = " ".join(rest[: size + 1])
    raise ReadButRefused(
        f"I don't know “{written}”: write the zone (“Pacific/Fiji”), an offset (“UTC+12”), a nation (“Fiji time”) or "
        f"its capital (“Suva time”). If “{written}” is part of the reminder, put it in quotes: "
        f'“{" ".join(moment)} "{written}" …”.'
    )


def _everyday_words(words_typed: list[str]) -> bool:
    """Whether the words before "time" are everyday English, the reminder's own ("lunch time", "confirm the time"),
    rather than a name ("Xyz time", "Port Xyz time", "Xyz City time")."""
    plain = [word.strip(".,;:!?()'\"“”‘’") for word in words_typed]
    if not plain or not plain[-1] or not everyday(plain[-1]):
        return False
    capitalised = len(plain) > 1 and all(word[:1].isupper() for word in plain)
    return not capitalised or all(everyday(word) for word in plain)


def _refuse_unread(rest: list[str], moment: list[str], timed: bool) -> None:
    """Refuse the word after the moment when it looks like a time (and the moment gave none: "tomorrow 930") but is none
    we read; the reminder's words are never taken for a time we could not read. A number that counts what follows
    ("friday 500 copies", "150 pax manifest") or a number of hours ("96hr NOA") is the reminder's."""
    if not rest or timed or (len(rest) > 1 and counted(rest[0], rest[1])):
        return
    refusal = unread_time(rest[0].strip(",;:()"))
    if refusal is not None:
        word = rest[0]
        raise ReadButRefused(
            f"{refusal.message} If “{word}” is part of the reminder, give the time before it: "
            f"“{' '.join(moment)} 09:00 {word} …”."
        )


def _when_first(inv: Invocation, tokens: list[str], lookup: NationLookup) -> Reply | None:
    """ "remind me tomorrow 9am call the DA about fiji": when first, the nation named at the end after "about" (or
    "re", "for"). Sets the reminder; refuses, saying to name the nation first, when none is named there; None when
    the words do not start with a date or time (the nation look-up then says what it could not find), unless they end
    with "about <nation>": then the date is what was mistyped ("remind me tomorow about tonga"), and its refusal says
    so. Once the words start with a moment, what follows it is checked as after any moment ("9am EDT" in December is
    refused for what it is, not taken for a nation that is not there)."""
    about = _about_nation(tokens, lookup)
    try:
        split_when(_zulu_split(inv, tokens), now=inv.now, tz=inv.caller.tz, default_time=MORNING)
    except CommandError:
        if about is not None:
            raise
        return None
    moment = when_in_zone(inv, tokens, lookup, about=about[0].iso2 if about else None)
    rest = moment.rest
    found = _about_nation(rest, lookup)
    if found is not None:
        named, start = found
        what = " ".join(rest[: start - 1]).strip()
        if not what:
            when = " ".join(tokens[: len(tokens) - len(rest)])
            raise CommandError(
                f"What should I remind you of about {named.name}? Add it after the time.",
                hint=words("e.g. ", Typed(f"/ipslo remind {named.name.lower()} {when} send the agenda to the DA")),
            )
        nation = lookup.load(named)
        return set_reminder(
            inv,
            nation_iso2=nation.iso2,
            visit_id=None,
            due_at=moment.due_at,
            text=what,
            zone=moment.zone,
            assumed=moment.assumed,
            kept=moment.kept,
        )
    typed = " ".join(tokens)
    # a nation named in what to remind of ("call the Tonga DA") is offered first, never filed on a guess
    mentioned = list(dict.fromkeys(named.name for _, named in named_nations(" ".join(rest), lookup.index)))
    raise CommandError(
        "Which nation or visit is this reminder about? Name it first.",
        suggestions=tuple(f"/ipslo remind {name.lower()} {typed}" for name in mentioned[:2]),
        hint=words("Or name a visit by its number: ", Typed(f"/ipslo remind 12 {typed}"))
        if mentioned
        else words("e.g. ", Typed(f"/ipslo remind fiji {typed}"), " or ", Typed(f"/ipslo remind 12 {typed}")),
    )


def _code_starting_a_moment(inv: Invocation, named: Exact, tokens: list[str]) -> bool:
    """Whether a nation's two-letter code that is also a word starts a moment: "remind me in 3 days about samoa" is
    about Samoa in three days, not about India ("IN") "3 days" from now."""
    if len(named.typed) != 2 or named.typed.lower() != named.named.iso2.lower():
        return False
    try:
        _, rest = split_when(tokens, now=inv.now, tz=inv.caller.tz, default_time=MORNING)
    except CommandError:
        return False
    return len(tokens) - len(rest) >= 2


def _about_nation(tokens: list[str], lookup: NationLookup) -> tuple[Named, int] | None:
    """The nation named exactly at the end after "about" (or "re", "for"), and where its name starts."""
    for start in range(len(tokens) - 1, 0, -1):
        if tokens[start - 1].lower() in ABOUT:
            named, after = lookup.index.split(tokens[start:])
            if isinstance(named, Exact) and not after:
                return named.named, start
    return None


def set_reminder(
    inv: Invocation,
    *,
    nation_iso2: str | None,
    visit_id: int | None,
    due_at: dt.datetime | None,
    text: str,
    idempotency_key: str | None = None,
    zone: WrittenZone | None = None,
    assumed: AssumedTime | None = None,
    kept: KeptPart | None = None,
) -> Reply:
    """Set a reminder for the caller: the one way in for `/ipslo remind` and the reminder form. It is about a
    nation or a visit (the visit's nation then); ``idempotency_key`` (a form's view id) makes a resend a no-op.
    ``zone``: the zone the officer wrote the time in, when not their own: the reply says the time in it too.
    ``assumed``: the time a part of the day was read as ("tomorrow evening": 18:00): the reply says so. ``kept``: a
    part of the day kept in the words ("tomorrow night shift roster"): the reply says so, and what to type for it."""
    if idempotency_key:
        earlier = submissions.claim(
            session=inv.session, key=idempotency_key, form="reminder", recorded_by=inv.caller.user_id
        )
        if earlier is not None:
            found = store.get_reminder(session=inv.session, reminder_id=earlier.record_id or 0)
            what = f"reminder #{found.id}: {found.text}" if found else "that reminder"
            return Reply(f"Already set {what}; nothing was set twice.")
    visit = visit_store.get_visit(session=inv.session, visit_id=visit_id) if visit_id else None
    if visit_id and visit is None:
        raise FieldError("visit", f"There is no visit #{visit_id}; choose one of yours or a nation.")
    if visit is not None and visit.cancelled:
        raise FieldError(
            "visit",
            f"Visit #{visit.id} was cancelled; no reminder was set. Remind about its nation instead, or a visit still"
            " planned.",
        )
    if visit is not None:
        nation_iso2, about = visit.nation_iso2, f"visit #{visit.id}"
    nation = nation_store.get_nation(session=inv.session, iso2=nation_iso2) if nation_iso2 else None
    if nation is None:
        raise FieldError("nation", "Choose the nation (or one of your visits) this reminder is about.")
    if visit is None:
        about = nation.name
    if due_at is None:
        raise FieldError("date", "When should I remind you? Choose a date and a time.")
    last = date_window(inv.today)[1]
    if due_at.date() > last:  # in UTC: the far end of the calendar has no room for a zone
        raise FieldError(
            "date", f"That is more than {WINDOW_YEARS} years ahead; choose a date up to {last.isoformat()}."
        )
    if due_at <= inv.now:
        day = due_at.astimezone(inv.caller.tz).date()
        if day < inv.today:  # the day itself has gone: the date is what to change, not the time
            raise FieldError(
                "date", f"{fmt_day(day)} is in the past; choose today ({fmt_day(inv.today)}) or a later date."
            )
        raise FieldError(
            "time", f"{describe(due_at, inv.caller.tz)} has passed; choose a later time (in {inv.caller.tz.key})."
        )
    what = text.strip()
    if not what:
        raise FieldError("text", "What should I remind you of?")
    if len(what) > MAX_TEXT:
        raise FieldError(
            "text",
            f"That reminder is {len(what):,} characters; keep it under {MAX_TEXT:,}.",
            hint=words(
                "Put the detail in a note (", Typed("/ipslo note <nation> <text>"), ") and remind yourself of it."
            ),
        )
    reminder = store.add_reminder(
        session=inv.session,
        kind=store.ADHOC,
        owner_user_id=inv.caller.user_id,
        due_at=due_at,
        text=what,
        recorded_by=inv.caller.user_id,
        nation_iso2=nation.iso2,
        visit_id=visit.id if visit else None,
    )
    if idempotency_key:
        submissions.record(session=inv.session, key=idempotency_key, record_id=reminder.id)
    when = describe(due_at, inv.caller.tz) + (typed_time(inv, zone, due_at) or partner_time(inv, nation.iso2, due_at))
    summary = f"I'll remind you {when} ({about}): {what}"
    read_as: tuple = ()
    if assumed is not None:  # "tomorrow evening": the hour it was read as, and how to choose another
        again = f"/ipslo remind {visit.id if visit is not None else nation.name.lower()} {assumed.instead} …"
        read_as = (
            Caption(
                words(
                    f"I read “{assumed.typed}” as {assumed.time:%H:%M}",
                    f" {zone.label}" if zone is not None else "",
                    "; for another time, write it: ",
                    Typed(again),
                )
            ),
        )
    if kept is not None:  # "tomorrow night shift roster": the words kept, and how to be reminded in the night
        local = due_at.astimezone(inv.caller.tz)
        other = kept.part.at if kept.part.at != local.time() else dt.time(10, 30)
        who = visit.id if visit is not None else nation.name.lower()
        again = f"/ipslo remind {who} {kept.moment} {other:%H:%M} {what}"
        read_as = (
            Caption(
                words(
                    f"“{kept.typed}” is part of the reminder, not when: I set it for {local:%H:%M}. ",
                    f"To be reminded in the {kept.part.name} ({other:%H:%M}), write the time: "
                    if other == kept.part.at
                    else "For another time, write it: ",
                    Typed(again),
                )
            ),
        )
    return Reply(
        summary,
        parts=(
            Section(
                words("I'll remind you ", Strong(when), f" by direct message ({about}):\n", Quote(what)),
                icon=Icon.REMINDER,
            ),
            *read_as,
            Caption(
                words(
                    f"Reminder #{reminder.id} · cancel it: ",
                    Typed(f"/ipslo reminder cancel {reminder.id}"),
                    " · all yours: ",
                    LIST_REMINDERS,
                )
            ),
        ),
    )


def elsewhere(inv: Invocation, moment: dt.datetime, zone: dt.tzinfo, label: str) -> str:
    """The same moment on another clock, when it differs from the officer's: " (13:00 in Fiji)"; "" otherwise."""
    there, here = moment.astimezone(zone), moment.astimezone(inv.caller.tz)
    if there.utcoffset() == here.utcoffset():
        return ""
    day = "" if there.date() == here.date() else f" {there:%a}"
    return f" ({there:%H:%M}{day} {label})"


def typed_time(inv: Invocation, zone: WrittenZone | None, moment: dt.datetime) -> str:
    """The moment in the zone the officer wrote the time in, when it is not theirs, named as they wrote it:
    " (09:00 UTC, as you wrote)", " (09:00 EDT, as you wrote)", " (21:00 UTC+12, as you wrote)"."""
    if zone is None:
        return ""
    return elsewhere(inv, moment, zone.tz, f"{zone.label}, as you wrote")


def partner_time(inv: Invocation, nation_iso2: str | None, moment: dt.datetime) -> str:
    """The same moment on the partner's clock, when it differs from the officer's: " (13:00 in Fiji)"."""
    nation = nation_store.get_nation(session=inv.session, iso2=nation_iso2) if nation_iso2 else None
    if nation is None:
        return ""
    try:
        zone = ZoneInfo(nation.tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    return elsewhere(inv, moment, zone, f"in {nation.name}")


def reminder_line(reminder: Reminder, tz: ZoneInfo, about: str) -> Text:
    line = words(
        f"#{reminder.id} ",
        STATE_WORDS.get(reminder.state, reminder.state),
        f" {describe(reminder.due_at, tz)} · {about}: {reminder.text}",
    )
    remark = None
    if reminder.state == store.FAILED and reminder.failure_reason:
        reason = reminder.failure_reason
        remark = reason if reason == store.STOPPED_WHILE_SENDING else f"Slack refused it: {reason}"
    elif reminder.state == store.RETRYING and reminder.next_attempt_at:
        reason = reminder.failure_reason or "Slack did not take it"
        remark = f"{reason}; trying again {describe(reminder.next_attempt_at, tz)}"
    elif reminder.state == store.MISSED and reminder.failure_reason:
        remark = f"never sent: {reminder.failure_reason} until it was too late"
    return words(line, "\n      ", Aside(remark)) if remark else line


def about_text(reminder: Reminder, names: dict[str, str]) -> str:
    if reminder.visit_id:
        return f"visit #{reminder.visit_id} ({names.get(reminder.nation_iso2 or '', reminder.nation_iso2)})"
    return names.get(reminder.nation_iso2 or "", "") or "no nation"


def at_most(items: list[Text], limit: int, more: Text | Typed | None = None) -> list[Text]:
    """The first ``limit`` lines, and how many more there are (and what to type to see them), so a cut list never
    looks complete."""
    if len(items) <= limit:
        return items
    return [*items[:limit], words(f"…and {len(items) - limit} more", *((": ", more) if more else ()))]


def names_of(session: Session) -> dict[str, str]:
    return {n.iso2: n.name for n in nation_store.list_nations(session=session)}


#: Reminders a page of `/ipslo reminders` lists: those that need attention, and those coming up.
PAGE_TROUBLE, PAGE_COMING = 20, 40
REMINDERS_USAGE = words(
    Typed("/ipslo reminders"),
    ", ",
    Typed("/ipslo reminders fiji"),
    " (one nation's) or ",
    Typed("/ipslo reminders page 2"),
)


#: Words for every nation's reminders, as without any ("reminders all").
ALL_WORDS = frozenset({"all", "every", "everything", "mine", "my"})
PAGE_WORDS = frozenset({"page", "pg", "p"})


def _listing_asked(text: str) -> tuple[list[str], int | None]:
    """What `/ipslo reminders` was asked for: the nation's words (none: every nation's, as "all" is), and the page:
    "page 2", "2" or "page2" (None: "page" with no number, to ask which)."""
    typed = text.split()
    while typed and typed[0].lower() in ALL_WORDS:  # "reminders all", "reminders all fiji"
        typed = typed[1:]
    page: int | None = 1
    last = typed[-1].lower() if typed else ""
    if len(typed) >= 2 and typed[-2].lower() in PAGE_WORDS:  # "page 2", "fiji page 2"
        page, typed = parse_id(typed[-1], what="page", hint=REMINDERS_USAGE), typed[:-2]
    elif m := re.fullmatch(r"(?:page|pg|p)?#?(\d{1,6})", last):  # "reminders 2", "reminders page2"
        page, typed = int(m[1]), typed[:-1]
    elif last in PAGE_WORDS | {"pages"}:  # "reminders page": which?
        page, typed = None, typed[:-1]
    if page is not None and page < 1:
        raise CommandError("Pages start at 1.", hint=REMINDERS_USAGE)
    while typed and typed[-1].lower() in ALL_WORDS:  # "reminders fiji all"
        typed = typed[:-1]
    return typed, page


def reminders(inv: Invocation, text: str) -> Reply:
    """My open reminders, those that need attention first; ``text``: a nation to list only its reminders ("fiji";
    "all", or nothing, for every nation's), and the page ("page 2", "2") when they are more than a page holds."""
    typed, page = _listing_asked(text)
    nation = nation_lookup(session=inv.session).find(" ".join(typed)).nation if typed else None
    mine = store.reminders_of(session=inv.session, owner_user_id=inv.caller.user_id)
    if nation is not None:
        mine = [r for r in mine if r.nation_iso2 == nation.iso2]
    names = names_of(inv.session)
    waiting = [r for r in mine if r.state == store.PENDING]
    trouble = [r for r in mine if r.state != store.PENDING]
    pages = max(-(-len(trouble) // PAGE_TROUBLE), -(-len(waiting) // PAGE_COMING), 1)
    if page is None:  # "reminders page": which one?
        about = f" {nation.name.lower()}" if nation is not None else ""
        raise CommandError(
            f"Which page? Your reminders{' about ' + nation.name if nation else ''} fill {pages} "
            f"page{'s' if pages != 1 else ''}.",
            hint=words(
                "Type ",
                Typed(f"/ipslo reminders{about}"),
                " for the first",
                *((" or ", Typed(f"/ipslo reminders{about} page 2"), " for the next") if pages > 1 else ()),
                ".",
            ),
        )
    if page > pages:
        raise CommandError(
            f"There is no page {page}: your reminders{' about ' + nation.name if nation else ''} fill {pages} "
            f"page{'s' if pages != 1 else ''}.",
            hint=REMINDERS_USAGE,
        )
    about = f" {nation.name.lower()}" if nation is not None else ""
    next_page = Typed(f"/ipslo reminders{about} page {page + 1}") if page < pages else None
    parts: list = []
    shown_trouble = trouble[(page - 1) * PAGE_TROUBLE :]
    if shown_trouble:
        rows = [reminder_line(r, inv.caller.tz, about_text(r, names)) for r in shown_trouble]
        parts.append(
            Section(words(Strong("Need your attention"), "\n", bullets(at_most(rows, PAGE_TROUBLE, next_page))))
        )
    shown_waiting = waiting[(page - 1) * PAGE_COMING :]
    if shown_waiting:
        rows = [reminder_line(r, inv.caller.tz, about_text(r, names)) for r in shown_waiting]
        parts.append(Section(words(Strong("Coming up"), "\n", bullets(at_most(rows, PAGE_COMING, next_page)))))
    if not mine:
        parts.append(
            Section(
                f"You have no reminders about {nation.name} waiting." if nation else "You have no reminders waiting."
            )
        )
    if next_page is not None:
        parts.append(Buttons((Button(f"Page {page + 1}", Action.RUN, next_page.text.removeprefix("/ipslo ")),)))
    parts.append(
        Caption(
            words(
                "Set one: ",
                REMIND_EXAMPLE,
                " · cancel: ",
                Typed("/ipslo reminder cancel <number>"),
                " · one nation's: ",
                Typed("/ipslo reminders fiji"),
                ". Visits bring their own reminders.",
            )
        )
    )
    header = (
        f"Your reminders{' about ' + nation.name if nation else ''} ({len(waiting)} coming up"
        + (f", {len(trouble)} need attention)" if trouble else ")")
        + (f" · page {page} of {pages}" if pages > 1 else "")
    )
    return Reply(header, header=header, parts=tuple(parts))


def find_own(inv: Invocation, typed: str, usage: Text) -> Reminder:
    number = parse_id(
        typed, what="reminder", hint=words(LIST_REMINDERS, " shows the numbers.", " " if usage else "", usage)
    )
    reminder = store.get_reminder(session=inv.session, reminder_id=number)
    if reminder is None or (reminder.owner_user_id != inv.caller.user_id and not inv.caller.is_admin):
        raise CommandError(f"You have no reminder #{number}.", hint=words(LIST_REMINDERS, " lists yours."))
    return reminder


CANCEL_VERBS = ("cancel", "delete", "remove", "stop")


def reminder(inv: Invocation, text: str) -> Reply:
    usage = words(Typed("/ipslo reminder cancel <number>"), ", e.g. ", Typed("/ipslo reminder cancel 7"))
    verb, _, rest = text.strip().partition(" ")
    if verb.lower() not in CANCEL_VERBS:
        raise CommandError(
            "Cancel which reminder?" if not verb else words("I don't know ", Typed(f"/ipslo reminder {verb}"), "."),
            hint=usage,
        )
    if not rest.strip():
        raise CommandError("Which reminder?", hint=usage)
    if len(rest.split()) > 1:  # "reminder cancel 32 33": one at a time, never one of them silently
        raise CommandError(
            f"One reminder at a time: “{rest.strip()}” names more than one; nothing was cancelled.",
            hint=usage,
        )
    found = find_own(inv, rest.split()[0], usage)
    if found.state in (store.DONE, store.CANCELLED):
        return Reply(f"Reminder #{found.id} is already {found.state}.")
    if not store.set_state(session=inv.session, reminder=found, state=store.CANCELLED, updated_by=inv.caller.user_id):
        raise busy(found, inv.caller.tz)
    summary = f"Cancelled reminder #{found.id}: {found.text}"
    return Reply(summary, parts=(Section(summary, icon=Icon.CANCELLED),))


def busy(found: Reminder, tz: ZoneInfo) -> CommandError:
    """The reminder changed under the officer's hand (the scheduler is sending it, or another press came first)."""
    if found.state == store.CLAIMED:
        return CommandError(f"Reminder #{found.id} is being sent right now; press Done on it when it arrives.")
    return CommandError(
        words(
            f"Reminder #{found.id} changed just now (",
            STATE_WORDS.get(found.state, found.state),
            f" {describe(found.due_at, tz)}); nothing was changed.",
        ),
        hint=words(LIST_REMINDERS, " shows it as it is."),
    )


# --- the reminder message ----------------------------------------------------------------------


def briefing(session: Session, nation_iso2: str | None, *, today: dt.date) -> list:
    """A nation's status in a few lines, for the officer about to engage it."""
    if not nation_iso2:
        return []
    nation = nation_store.get_nation(session=session, iso2=nation_iso2)
    if nation is None:
        return []
    [record] = nation_store.nation_records(session=session, nations=[nation])
    state = standing(record, today=today)
    last, upcoming = visit_store.last_and_next_visit(session=session, nation_iso2=nation_iso2, today=today)
    fields: list[tuple[str, Text]] = [("Status", state.said), ("Reassessment due", due_text(state, today=today))]
    if last:
        fields.append(("Last visit", f"{dates_text(last)} · {last.kind}"))
    if upcoming:
        fields.append(("Next visit", f"{dates_text(upcoming)} · {upcoming.kind} (#{upcoming.id})"))
    parts: list = [Section(words(Strong(f"{nation.name} briefing")), fields=tuple(fields))]
    parts += notes_briefing(session, nation_iso2)
    return parts


def notes_briefing(session: Session, nation_iso2: str) -> list:
    """The latest notes' first lines and the open follow-ups, for an officer about to engage the nation."""
    latest = note_store.latest_notes(session=session, nation_iso2=nation_iso2, limit=3)
    follow_ups = note_store.open_follow_ups(session=session, nation_iso2=nation_iso2)
    parts: list = []
    if latest:
        noted = [f"{fmt_date(note.noted_on)}: {first_line(note.text)}" for note in latest]
        parts.append(Section(words(Strong("Latest notes"), "\n", bullets(noted))))
    if follow_ups:
        owed: list[Text] = [
            words(f"{first_line(item.text)} · ", Mention(item.owner_user_id), f" by {fmt_date(item.due_on)}")
            for item in follow_ups
        ]
        parts.append(Section(words(Strong("Open follow-ups"), "\n", bullets(at_most(owed, 10)))))
    return parts


def first_line(text: str, limit: int = 200) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def buttons(reminder: Reminder) -> Buttons:
    value = str(reminder.id)
    return Buttons(
        (
            Button("Done", ACTION_PREFIX + DONE, value, style="primary"),
            Button("Snooze 1 hour", ACTION_PREFIX + SNOOZE_HOUR, value),
            Button("Tomorrow 09:00", ACTION_PREFIX + SNOOZE_TOMORROW, value),
            Button("Next week", ACTION_PREFIX + SNOOZE_WEEK, value),
        )
    )


def reminder_message(
    *,
    session: Session,
    reminder: Reminder,
    tz: ZoneInfo,
    now: dt.datetime,
    late: bool = False,
    outcome: Text | None = None,
) -> Reply:
    """The direct message a reminder brings; ``outcome`` (done, snoozed) replaces the buttons once pressed."""
    today = now.astimezone(tz).date()
    visit = visit_store.get_visit(session=session, visit_id=reminder.visit_id) if reminder.visit_id else None
    names = names_of(session)
    name = names.get(reminder.nation_iso2 or "", "")
    parts: list = []
    if reminder.kind == store.VISIT and visit is not None:
        header = f"Reminder: {reminder.text}"
        parts.append(Section(visit_line(visit, name, today=today), icon=Icon.DELIVERED))
    else:
        header = "Reminder" + (f" · {name}" if name else "")
        parts.append(Section(reminder.text, icon=Icon.DELIVERED))
        if visit is not None:
            parts.append(Caption(words("About ", visit_line(visit, name, today=today))))
    parts += briefing(session, reminder.nation_iso2, today=today)
    due = describe(reminder.due_at, tz)
    if late:
        parts.append(Caption(f"Late: this was due {due}; the bot could not send it then.", icon=Icon.LATE))
    else:
        parts.append(Caption(f"Due {due} · reminder #{reminder.id}"))
    parts.append(Divider())
    if outcome:
        parts.append(Section(outcome))
    else:
        parts.append(buttons(reminder))
    summary = f"Reminder: {reminder.text}" + (f" ({name})" if name and reminder.kind != store.VISIT else "")
    return Reply(summary, header=header, parts=tuple(parts))


def snooze_until(action: str, now: dt.datetime, tz: ZoneInfo, *, due_at: dt.datetime | None = None) -> dt.datetime:
    """When a snoozed reminder comes again: an hour, tomorrow 09:00 or a week on, counted from now, or from its time
    when that is still to come (a snooze never brings a reminder earlier)."""
    start = max(now, due_at) if due_at is not None else now
    if action == SNOOZE_HOUR:
        return start + dt.timedelta(hours=1)
    local_day = start.astimezone(tz).date()
    days = 1 if action == SNOOZE_TOMORROW else 7
    return dt.datetime.combine(local_day + dt.timedelta(days=days), MORNING, tzinfo=tz).astimezone(dt.UTC)


def press(inv: Invocation, reminder_id: str, action: str) -> Reply:
    """Done or Snooze pressed on a reminder message: the message as it should now read."""
    _, message, outcome = _pressed(inv, reminder_id, action)
    return Reply(message.text, header=message.header, parts=(*message.parts[:-1], Section(outcome)))


def press_on_home(inv: Invocation, reminder_id: str, action: str) -> Reply:
    """Done or Snooze pressed on App Home: what became of the reminder, said in a few words (the tab is then drawn
    again)."""
    found, _, outcome = _pressed(inv, reminder_id, action)
    return Reply(
        plain_text(outcome).strip(),
        parts=(Section(outcome), Caption(words(f"Reminder #{found.id}: {first_line(found.text)} · ", LIST_REMINDERS))),
    )


def _pressed(inv: Invocation, reminder_id: str, action: str) -> tuple[Reminder, Reply, Text]:
    """Done or Snooze done: the reminder, its message as it read before the press (buttons last), and what became of
    it."""
    if action not in ACTIONS:
        raise CommandError(words("That button is not one I know; try ", LIST_REMINDERS, "."))
    found = find_own(inv, reminder_id, "")
    late = found.state == store.LATE
    message = reminder_message(session=inv.session, reminder=found, tz=inv.caller.tz, now=inv.now, late=late)
    outcome: Text
    if found.state in (store.CANCELLED,):
        outcome = (Icon.CANCELLED, " This reminder was cancelled.")
    elif action == DONE:
        if found.state != store.DONE and not store.set_state(
            session=inv.session, reminder=found, state=store.DONE, updated_by=inv.caller.user_id, arrived=True
        ):
            raise busy(found, inv.caller.tz)
        outcome = words(
            Icon.OK, " Done · marked by ", Mention(inv.caller.user_id), f" {describe(inv.now, inv.caller.tz)}"
        )
    else:
        due_at = found.due_at
        until = snooze_until(action, inv.now, inv.caller.tz, due_at=due_at)
        if not store.reschedule(
            session=inv.session, reminder=found, due_at=until, updated_by=inv.caller.user_id, arrived=True
        ):
            raise busy(found, inv.caller.tz)
        again = describe(until, inv.caller.tz)
        said = f" Snoozed: I'll remind you again {again} (reminder #{found.id})."
        if due_at > inv.now:  # not due yet: snoozed from its time, never brought forward
            said = (
                f" Snoozed from its time, {describe(due_at, inv.caller.tz)}, which is still to come: I'll remind you"
                f" {again} (reminder #{found.id})."
            )
        outcome = words(Icon.SNOOZED, said)
    return found, message, outcome


# --- the weekly digest -------------------------------------------------------------------------


def digest(*, session: Session, now: dt.datetime, tz: ZoneInfo) -> Reply:
    """The team's week: visits in the next 14 days, reassessments overdue or due within 6 months, reminders missed last
    week."""
    today = now.astimezone(tz).date()
    names = names_of(session)
    coming = visit_store.visits_between(session=session, first=today, last=today + dt.timedelta(days=DIGEST_VISIT_DAYS))
    nations = nation_store.list_nations(session=session, in_area=True)
    records = nation_store.nation_records(session=session, nations=nations)
    due = []
    for record in records:
        state = standing(record, today=today)
        if state.overdue or state.due_soon:
            due.append((state.due, record.nation.name, without_icon(due_text(state, today=today))))
    missed = store.missed_between(session=session, first=now - dt.timedelta(days=7), last=now)
    visit_rows = [visit_line(v, names.get(v.nation_iso2, v.nation_iso2)) for v in coming]
    due_rows: list[Text] = [words(Strong(name), " · ", text) for _, name, text in sorted(due, key=lambda d: d[:2])]
    missed_rows: list[Text] = [
        words(
            Mention(r.owner_user_id),
            f" · {describe(r.due_at, tz)} · {r.text}",
            f" ({r.failure_reason})" if r.failure_reason else "",
        )
        for r in missed
    ]
    parts: list = [
        Section(
            words(
                Strong(f"Visits in the next {DIGEST_VISIT_DAYS} days"),
                "\n",
                bullets(at_most(visit_rows, 25)) or "None planned.",
            )
        ),
        Section(
            words(
                Strong("Reassessment overdue or due within 6 months"), "\n", bullets(at_most(due_rows, 40)) or "None."
            )
        ),
        Section(
            words(
                Strong("Reminders missed last week"),
                "\n",
                bullets(at_most(missed_rows, 25)) or "None: every reminder arrived.",
            )
        ),
        Section(words(Strong("Answers marked “Not right?” last week"), "\n", not_right_text(session, now))),
        Caption(
            words(
                f"Weekly digest for the week of {fmt_date(today)} · ",
                Typed("/ipslo visits"),
                " · ",
                Typed("/ipslo nations overdue"),
            )
        ),
    ]
    stale = confirmation_overdue(session=session, today=today)
    if stale:
        parts.insert(-1, Section(words(Strong("Conditions of Entry list"), "\n", stale)))
    header = f"IPSLO week ahead: {len(coming)} visit{'s' if len(coming) != 1 else ''}, {len(due)} reassessments due"
    return Reply(header, header=header, parts=tuple(parts), public=True)


def without_icon(text: Text) -> Text:
    """The text without the picture before it (the digest's lines carry none)."""
    if not (isinstance(text, tuple) and text and isinstance(text[0], Icon)):
        return text
    rest = list(text[1:])
    if rest and isinstance(rest[0], str):
        rest[0] = rest[0].lstrip()
    return words(*rest)


def not_right_text(session: Session, now: dt.datetime) -> Text:
    """How many answers officers marked "Not right?" in the last 7 days, for the digest."""
    count = knowledge_store.count_misses(session=session, since=now - dt.timedelta(days=7))
    if not count:
        return "None."
    return words(f"{count} new: an admin can review them with ", Typed("/ipslo ask misses"), ".")


SUBCOMMANDS = (
    Subcommand(
        "remind",
        "remind <nation|visit id> <when> <what>",
        "A reminder by direct message",
        "/ipslo remind fiji tomorrow 09:00 send agenda to the DA",
        remind,
        reads_share=True,  # "share" at the end is part of the reminder's text
    ),
    Subcommand(
        "reminders",
        "reminders [nation] [page N]",
        "Your reminders: coming up, late, missed, failed (one nation's, a page at a time)",
        "/ipslo reminders",
        reminders,
        reads_only=True,
    ),
    Subcommand(
        "reminder", "reminder cancel <id>", "Cancel one of your reminders", "/ipslo reminder cancel 7", reminder
    ),
)
