"""Visits in the officers' words: planning, moving and cancelling them, listing them, and the reminders each visit
brings."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import replace
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands.follow_ups import follow_ups
from commands.ids import Action
from commands.language import (
    MEMBER,
    Button,
    Buttons,
    Caption,
    CommandError,
    FieldError,
    Icon,
    Invocation,
    Mention,
    Reply,
    Section,
    Strong,
    Struck,
    Subcommand,
    Text,
    Typed,
    bullets,
    joined,
    parse_id,
    words,
)
from commands.lookup import Exact, Guess, nation_lookup, normalize
from commands.when import WhenError, date_window, describe, split_date_range
from storage import nations as nation_store
from storage import notes as note_store
from storage import officers, submissions
from storage import reminders as reminder_store
from storage import visits as store
from storage.nations import Nation
from storage.visits import KINDS, Visit

REMIND_AT = dt.time(9, 0)  # visit reminders arrive at 09:00 in the lead's zone
UPCOMING_DAYS = 90

KIND_WORDS: dict[str, str] = {
    **{kind: kind for kind in KINDS},
    "country": store.COUNTRY_VISIT,
    "country assessment": store.COUNTRY_VISIT,
    "assessment visit": store.COUNTRY_VISIT,
    "reciprocal": store.RECIPROCAL_VISIT,
    "capacity": store.CAPACITY_BUILDING,
    "capacity building seminar": store.CAPACITY_BUILDING,
    "bilateral": store.BILATERAL_MEETING,
    "meeting": store.BILATERAL_MEETING,
}
KINDS_HINT = words("Kinds: ", joined(Typed(k) for k in KINDS), " (country visit when none is given).")
ADD_SYNTAX = "/ipslo visit add <nation> <date> [to <date>] [kind] [title] [lead @someone]"
ADD_USAGE = words(Typed(ADD_SYNTAX))
ADD_EXAMPLES = words(
    "e.g. ",
    Typed("/ipslo visit add fiji 2027-01-12 to 2027-01-16 country visit"),
    " or ",
    Typed("/ipslo visit add png 12 Jan 2027 capacity building PFSO seminar in Port Moresby"),
)
ADD_HELP = words(ADD_USAGE, ", ", ADD_EXAMPLES, ". ", KINDS_HINT)
VISIT_USAGE = words(
    ADD_USAGE, ", ", Typed("/ipslo visit move <id> <date> [to <date>]"), ", ", Typed("/ipslo visit cancel <id>")
)
PLAN_ONE = Typed("/ipslo visit add fiji 2027-01-12 to 2027-01-16 country visit")
LIST_VISITS = Typed("/ipslo visits")
#: A hyphen joining words (as typed, or a phone's non-breaking one): "co-lead", "lead-in", "self-led" are words of the
#: title, never the lead words.
HYPHENS = "\\-\u2010\u2011"
#: The words that name a visit's lead: "lead", "leads", "lead by", "led by" (any case), then a space or a colon; not a
#: word joined to another by a hyphen ("co-lead", "self-led by").
LEAD_WORDS = rf"(?<![\w{HYPHENS}])(?i:lead(?:s)?(?:\s+by)?|led\s+by)(?:\s*:\s*|\s+)"
#: "lead @U0LEE": a person as the officer's language writes one (bot/ reads Slack's mention into this form); a member
#: ID is in capitals ("lead @wendy" is no ID).
LEAD = re.compile(LEAD_WORDS + r"@([UW][A-Z0-9]{2,})\b")
#: "lead @bob" typed without Slack's autocomplete, or "lead me" (after any of the lead words).
PLAIN_LEAD = re.compile(LEAD_WORDS + r"(@\S+|(?i:me|myself)\b)")
#: "lead" (or "lead by") followed by anything else, or by nothing, names a lead too ("lead Bob Smith" is no title);
#: "leads" and "led by" followed by plain words are left to the title ("led by the PFSO", "leads from the DA").
BARE_LEAD = re.compile(rf"(?<![\w{HYPHENS}])(?i:lead(?:\s+by)?)\b(?![{HYPHENS}])(?=[\s:]*(.*))", re.DOTALL)
#: Words after "lead" that make it a word of the title, not the visit's lead ("ISPS lead auditor course").
TITLE_LEADS = frozenset(
    {
        *("auditor", "auditors", "assessor", "assessors", "agency", "agencies", "instructor", "instructors"),
        *("inspector", "inspectors", "trainer", "trainers", "nation", "nations", "role", "roles", "time", "times"),
    }
)
#: A title in quotes ("lead auditor course", “Lead the way”, or “as a phone pairs them"): "lead" in it is a word of the
#: title.
QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")
QUOTE_MARK = re.compile(r"[\"“”]")
#: A person in the line: a member picked from Slack's list (``@U0KIM``, as bot/ writes it) or an @name typed as text.
PERSON = re.compile(r"(?<![\w@<&])@\w+(?:[.\-]\w+)*")
#: The words that join people, or a person to the title, in a line ("@kim and @lee", "@kim, @lee", "@kim & @lee",
#: "PFSO course, with @kim"): taken out with the person they join.
JOINING = re.compile(r"(?:\s*(?:[,;&+/]|\b(?i:and|or|with|plus)\b))*\s*").pattern
#: Where words naming a person were taken out of the line, until the words around it are tidied (:func:`tidied`).
GAP = "\ue000"
#: Taken-out words and the joining words on each side of them.
TAKEN_OUT = re.compile(f"(?P<before>{JOINING}){GAP}(?:{JOINING}{GAP})*(?P<after>{JOINING})")
LEAD_NAME_WORDS = 3  # "lead Kim Lee": a name typed as plain text is tried as its first three words, two, then one
TITLE_LIMIT = 200  # characters; longer detail belongs in a note
LONG_VISIT_DAYS = 31  # a longer visit is usually a mistyped end date


# --- reading what was typed --------------------------------------------------------------------


#: Words that say what the engagement is and also make a good title: "seminar" is capacity building, titled
#: "seminar" ("visit add png 12 Jan seminar" is not a country visit).
TITLE_KINDS: dict[str, str] = {
    "seminar": store.CAPACITY_BUILDING,
    "seminars": store.CAPACITY_BUILDING,
    "workshop": store.CAPACITY_BUILDING,
    "workshops": store.CAPACITY_BUILDING,
    "training": store.CAPACITY_BUILDING,
    "course": store.CAPACITY_BUILDING,
}


#: A kind's name mistyped ("contry visit", "reciprocol visit", "capcity building") is read as that kind, and said so.
KIND_CUTOFF = 0.85
MISTYPED_KIND_CHARS = 8  # shorter first words ("countr", "meting") are left to the title


def read_kind(tokens: list[str]) -> tuple[str | None, list[str], str | None]:
    """A visit kind named by the first words (longest first), the words after it, and the words typed when they were
    a kind's name mistyped ("contry visit"), else None; a word of the title that names a kind ("PFSO seminar in Lae",
    :data:`TITLE_KINDS`) gives the kind and stays in the title."""
    lowered = [normalize(w) for w in tokens]
    for size in range(min(4, len(tokens)), 0, -1):
        typed = " ".join(lowered[:size])
        kind = KIND_WORDS.get(typed)
        if kind:
            return kind, tokens[size:], None
        same_length = [k for k in KINDS if len(k.split()) == size]  # "capacity building PFSO" is no mistyped kind
        close = difflib.get_close_matches(typed, same_length, n=1, cutoff=KIND_CUTOFF)
        if close and len(typed) >= MISTYPED_KIND_CHARS:
            return close[0], tokens[size:], " ".join(tokens[:size])
    named = [TITLE_KINDS[w] for w in lowered if w in TITLE_KINDS]
    return (named[0], tokens, None) if named else (None, tokens, None)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    return [(found.start(), found.end()) for found in QUOTED.finditer(text)]


def outside(spans: list[tuple[int, int]], found: re.Match[str]) -> bool:
    return not any(a <= found.start() < b for a, b in spans)


def split_lead(inv: Invocation, text: str) -> tuple[str | None, str]:
    """``lead @U123`` anywhere in the text (outside a quoted title): the lead's user id, and the text without it.
    ``lead me`` is the caller; ``lead @kim`` or ``lead Kim Lee`` typed as plain text is the one officer the bot knows
    by that name. Any other ``lead`` followed by words that are no mention (or by nothing) is refused rather than
    kept in the title, unless the word after it makes "lead" a word of the title (:data:`TITLE_LEADS`); so are a
    quote mark left open (:func:`check_quotes`) and anyone named besides the lead (:func:`check_people`)."""
    check_quotes(text)
    lead, rest = read_lead(inv, text.replace(GAP, " "))
    check_people(inv, lead, rest)
    return lead, tidied(rest)


def tidied(text: str) -> str:
    """The line with the words naming people taken out (each a :data:`GAP`), as the officer would have typed it: no
    joining word or comma left dangling where they were ("PFSO course, with @kim" is "PFSO course", "lead @kim, @lee,
    PFSO seminar" is "PFSO seminar lead @kim"); words they were set between stay joined ("PFSO seminar, @kim, port
    visit" is "PFSO seminar, port visit")."""

    def closed(gap: re.Match[str]) -> str:
        joining = " ".join(gap["after"].split())
        between = gap["before"].strip() and joining
        if not between or not text[: gap.start()].strip() or not text[gap.end() :].replace(GAP, "").strip():
            return " "
        return f"{joining} " if joining[:1] in (",", ";") else f" {joining} "

    return " ".join(TAKEN_OUT.sub(closed, text).split())


def first_lead_words(text: str) -> re.Match[str] | None:
    """Where the words surely naming a lead start in ``text`` (outside quotes), if they do: ``lead`` before a
    mention or ``me`` ("lead a drill" may be words of a title)."""
    quoted = quoted_spans(text)
    found = [m for pattern in (LEAD, PLAIN_LEAD) for m in pattern.finditer(text) if outside(quoted, m)]
    return min(found, key=lambda m: m.start(), default=None)


def read_lead(inv: Invocation, text: str) -> tuple[str | None, str]:
    quoted = quoted_spans(text)

    def unquoted(pattern: re.Pattern[str]) -> re.Match[str] | None:
        return next((m for m in pattern.finditer(text) if outside(quoted, m)), None)

    match = unquoted(LEAD)
    if match:
        return match[1], f"{text[: match.start()]}{GAP}{text[match.end() :]}".strip()
    plain = unquoted(PLAIN_LEAD)
    if plain is not None and plain[1].lower() in ("me", "myself"):
        return inv.caller.user_id, f"{text[: plain.start()]}{GAP}{text[plain.end() :]}".strip()
    if plain is None:
        plain = next(
            (
                bare
                for bare in BARE_LEAD.finditer(text)
                if outside(quoted, bare) and normalize(next(iter(bare[1].split()), "")) not in TITLE_LEADS
            ),
            None,
        )
        if plain is None:
            return None, text
    after = text[plain.start(1) :].split()
    for size in range(min(LEAD_NAME_WORDS, len(after)), 0, -1):  # "Kim Lee", then "Kim"
        lead = officers.officer_named(session=inv.session, name=" ".join(after[:size]).lstrip("@"))
        if lead is not None:
            return lead, " ".join([text[: plain.start()].strip(), GAP, *after[size:]]).strip()
    raise lead_refused(after)


def check_quotes(text: str) -> None:
    """A quote mark left open (``"PFSO forum lead me``) or closed without opening is refused, nothing planned, with
    the line as meant: where the title ends is not guessed (``"how to lead a drill lead me``), and the mark is never
    kept in the title. The line offered closes the quote before ``lead @someone`` or ``lead me``, else at its end."""
    quoted = quoted_spans(text)
    stray = next((m for m in QUOTE_MARK.finditer(text) if outside(quoted, m)), None)
    if stray is None:
        return
    at, mark = stray.start(), stray[0]
    opens = mark == "“" or (mark == '"' and text[at + 1 : at + 2].strip() != "" and text[at - 1 : at].strip() == "")
    if opens:
        after = text[at + 1 :]
        leads = first_lead_words(after)
        title = after[: leads.start() if leads else len(after)].strip()
        rest = after[leads.start() :].strip() if leads else ""
        closing = "”" if mark == "“" else '"'
        fixed = f"{text[:at].rstrip()} {mark}{title}{closing} {rest}"
        said: Text = f"The quote mark before “{title}” is never closed, so I can't tell where the title ends"
    else:
        fixed = f"{text[:at]} {text[at + 1 :]}"
        before = text[:at].split()[-1:] or [""]
        said = f"The quote mark after “{before[0]}” closes nothing"
    line = " ".join(fixed.split())
    raise CommandError(
        words(said, "; nothing was planned."),
        suggestions=(f"/ipslo visit add {line}",),
        hint=words(
            "Quotes are needed only around a title with “lead” in it, and come in pairs: ",
            Typed('/ipslo visit add fiji 2027-01-12 "lead auditor course" lead me'),
            ". ",
            ADD_USAGE,
        ),
    )


def check_people(inv: Invocation, lead: str | None, rest: str) -> None:
    """One lead per visit: anyone else named outside a quoted title (``lead @kim and @lee``; ``@kim`` without
    ``lead``) is refused, nothing planned, with the line as it would plan the visit, rather than put in the title."""
    quoted = quoted_spans(rest)
    named = [m for m in PERSON.finditer(rest) if outside(quoted, m)]
    if lead is None:
        named = [m for m in named if MEMBER.fullmatch(m[0])]  # "with @dana" is words of the title; no one leads yet
    if not named:
        return

    def person(typed: str) -> Text:
        member = MEMBER.fullmatch(typed)
        return words(Mention(member[1])) if member else f"“{typed}”"

    others = list(dict.fromkeys(m[0] for m in named))
    gone = others  # whoever is taken out of the line: all but the lead
    if lead is None:  # the first one named is likely the lead meant: "lead" goes before them, for a joining word
        first = named[0]
        before = re.sub(f"{JOINING}$", " ", rest[: first.start()]) if rest[: first.start()].strip() else ""
        head, rest, lead_words = f"{before}lead {first[0]}", rest[first.end() :], ""
        leader, others = person(first[0]), others[1:]  # named again after that, they are taken out too
    else:
        head, lead_words = "", "lead me" if lead == inv.caller.user_id else f"lead @{lead}"
        leader = "you" if lead == inv.caller.user_id else words(Mention(lead))
    for other in gone:  # each time they are named outside a quoted title, with "lead" or a joining word before them
        said_at = re.compile(f"(?:{LEAD_WORDS})?{re.escape(other)}(?![\\w{HYPHENS}])")
        rest = said_at.sub(partial(taken_out, quoted_spans(rest)), rest)
    line = tidied(f"{head} {rest} {lead_words}")
    people = [leader, *(person(o) for o in others if not (lead and MEMBER.fullmatch(o) and o[1:] == lead))]
    if len(people) == 1 and lead is None:
        said = words(people[0], " is named, but not as the lead")
    elif len(people) == 1:
        said = words("One lead per visit: ", people[0], " is named more than once")
    else:
        said = words("One lead per visit: ", joined(people[:-1]), " and ", people[-1], " were named")
    if len(people) == 1 and lead is None:
        what = words("To have them lead it, put ", Typed("lead"), " before them")
    else:
        what = words("Name one lead: ", Typed("lead @"), " and pick them from Slack's list, or ", Typed("lead me"))
    raise CommandError(
        words(said, "; nothing was planned."),
        suggestions=(f"/ipslo visit add {line}",),
        hint=words(
            what,
            ". A title that names someone goes in quotes; others who go can be named in a note once it is planned. ",
            ADD_USAGE,
        ),
    )


def taken_out(quoted: list[tuple[int, int]], named: re.Match[str]) -> str:
    """A person named outside a quoted title leaves a :data:`GAP`; in it, they stay."""
    return GAP if outside(quoted, named) else named[0]


def lead_refused(after: list[str]) -> CommandError:
    """ "lead" followed by no mention: what to type instead, and how to keep "lead" in a title."""
    # the name as typed: a first and last name when nothing follows them, else the first word
    named = " ".join(after) if len(after) <= 2 else after[0]
    said = (
        f"“{named}” reached me as plain text and no officer I know goes by that name"
        if after
        else "nothing came after “lead”"
    )
    return CommandError(
        words(
            "The lead needs an @mention: ",
            said,
            "; nothing was planned. Please pick the lead from Slack's @-mention list: type ",
            Typed("lead @"),
            ", then choose the person as Slack suggests them, so Slack sends me their ID (or type ",
            Typed("lead me"),
            ").",
        ),
        hint=words(
            "If “lead” is a word of the title, put the title in quotes: ",
            Typed('/ipslo visit add fiji 2027-01-12 "lead auditor course"'),
            ". ",
            ADD_HELP,
        ),
    )


def visit_id(typed: str, usage: Text) -> int:
    return parse_id(typed, what="visit", hint=words("Visit numbers are shown as #12 in ", LIST_VISITS, ". ", usage))


def find_visit(inv: Invocation, typed: str, usage: Text) -> Visit:
    visit = store.get_visit(session=inv.session, visit_id=visit_id(typed, usage))
    if visit is None:
        raise CommandError(
            f"There is no visit #{typed.strip().lstrip('#')}.",
            hint=words(LIST_VISITS, " lists the planned visits with their numbers."),
        )
    return visit


def check_may_change(inv: Invocation, visit: Visit, verb: str) -> None:
    """Only the visit's lead or an admin may move or cancel it (its lead's reminders go with it)."""
    if inv.caller.user_id == visit.lead_user_id or inv.caller.is_admin:
        return
    lead = Mention(visit.lead_user_id)
    raise CommandError(
        words(f"Visit #{visit.id} is led by ", lead, f"; only its lead or an admin may {verb} it. Nothing changed."),
        hint=words(
            "Ask ", lead, f" or an admin to {verb} it; ", Typed("/ipslo visits mine"), " lists the visits you lead."
        ),
    )


def read_dates(tokens: list[str], inv: Invocation, usage: Text) -> tuple[dt.date, dt.date | None, list[str]]:
    """The dates at the start of the words; a date read but refused (no such day, in the past) says the usage of
    the command it was typed in ("visit move"), not another's."""
    if not tokens:
        raise CommandError("Which date?", hint=usage)
    try:
        return split_date_range(tokens, today=inv.today)
    except WhenError as error:
        if error.hint is None:
            error.hint = words("Usage: ", usage)
        raise


# --- showing visits ----------------------------------------------------------------------------


def dates_text(visit: Visit) -> str:
    start, end = visit.starts_on, visit.ends_on
    if start == end:
        return start.strftime("%a %-d %b %Y")
    if start.year == end.year:
        return f"{start:%a %-d %b} – {end:%a %-d %b %Y}"
    return f"{start:%a %-d %b %Y} – {end:%a %-d %b %Y}"


def visit_line(visit: Visit, nation_name: str, *, today: dt.date | None = None) -> Text:
    title = f" · “{visit.title}”" if visit.title else ""
    line = words(
        f"#{visit.id} ",
        Strong(nation_name),
        f" · {dates_text(visit)} · {visit.kind}{title} · lead ",
        Mention(visit.lead_user_id),
    )
    if visit.cancelled:
        return words(Struck(line), " (cancelled)")
    if today is not None and visit.ends_on < today:
        return words(line, " (past)")
    return line


def nation_names(inv: Invocation) -> dict[str, str]:
    return {nation.iso2: nation.name for nation in nation_store.list_nations(session=inv.session)}


# --- the reminders a visit brings --------------------------------------------------------------


def officer_zone(inv: Invocation, user_id: str) -> ZoneInfo:
    """An officer's Slack time zone from the cache (the bot looks up people mentioned in a command before it runs)."""
    if user_id == inv.caller.user_id:
        return inv.caller.tz
    officer = officers.get_officer(session=inv.session, user_id=user_id, fresh=False)
    if officer is not None:
        try:
            return ZoneInfo(officer.tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return inv.caller.tz


def reminder_time(visit: Visit, days_before: int, tz: ZoneInfo) -> dt.datetime:
    day = visit.starts_on - dt.timedelta(days=days_before)
    return dt.datetime.combine(day, REMIND_AT, tzinfo=tz).astimezone(dt.UTC)


def reminder_text(visit: Visit, nation_name: str, days_before: int) -> str:
    when = "tomorrow" if days_before == 1 else f"in {days_before} days"
    return f"{visit.kind.capitalize()} to {nation_name} starts {when} ({dates_text(visit)})"


def plan_reminders(inv: Invocation, visit: Visit, nation_name: str) -> list[reminder_store.Reminder]:
    """Bring the visit's reminders in line with what it is now: its dates, lead, nation, kind. For each reminder time
    (30, 7, 1 days before), the pending reminder moves to the new moment, with the new words, to the new lead, about
    the new nation; one whose new moment has passed is cancelled, not sent (moved back later, it comes again); a
    missing one is added. One the officer already had (sent, done, missed, failed) keeps its history, and a new one
    comes only when the visit moved later than it; one the officer cancelled stays cancelled.

    Returns the pending reminders, soonest first.
    """
    tz = officer_zone(inv, visit.lead_user_id)
    existing = reminder_store.reminders_for_visit(session=inv.session, visit_id=visit.id)
    by_offset: dict[int, list[reminder_store.Reminder]] = {}
    for reminder in existing:
        if reminder.kind == reminder_store.VISIT and reminder.offset_days is not None:
            by_offset.setdefault(reminder.offset_days, []).append(reminder)
    pending = []
    for days in sorted(set(inv.visit_reminders) | set(by_offset), reverse=True):
        due = reminder_time(visit, days, tz)
        text = reminder_text(visit, nation_name, days)
        mine = by_offset.get(days, [])
        waiting = [r for r in mine if r.state in reminder_store.WAITING]
        moved_past = [
            r for r in mine if r.state == reminder_store.CANCELLED and r.failure_reason == reminder_store.MOVED_PAST
        ]
        declined = any(r.state == reminder_store.CANCELLED and r not in moved_past for r in mine)
        had = [r.due_at for r in mine if r.state not in (*reminder_store.WAITING, reminder_store.CANCELLED)]
        # its moment is to come, and later than the one the officer already had for the dates it had then
        wanted = due > inv.now and (not had or due > max(had))
        if not waiting and wanted and not declined and days in inv.visit_reminders:
            waiting = moved_past[:1]  # a reminder its visit's move had cancelled comes again
        for reminder in waiting:  # one being sent right now (the update refused) is left to arrive as it was
            if not wanted:
                reminder_store.set_state(
                    session=inv.session,
                    reminder=reminder,
                    state=reminder_store.CANCELLED,
                    updated_by=inv.caller.user_id,
                    reason=reminder_store.MOVED_PAST,
                )
            elif reminder_store.reschedule(
                session=inv.session,
                reminder=reminder,
                due_at=due,
                text=text,
                owner_user_id=visit.lead_user_id,
                nation_iso2=visit.nation_iso2,
                updated_by=inv.caller.user_id,
            ):
                pending.append(reminder)
        if waiting or not wanted or declined or days not in inv.visit_reminders:
            continue  # moved above, not wanted, cancelled by the officer, or no longer a setting
        pending.append(
            reminder_store.add_reminder(
                session=inv.session,
                kind=reminder_store.VISIT,
                owner_user_id=visit.lead_user_id,
                due_at=due,
                text=text,
                recorded_by=inv.caller.user_id,
                nation_iso2=visit.nation_iso2,
                visit_id=visit.id,
                offset_days=days,
            )
        )
    return sorted(pending, key=lambda r: r.due_at)


def follow_nation(inv: Invocation, visit: Visit, was_iso2: str) -> int:
    """The visit's nation changed from ``was_iso2``: the reminders officers set about the visit (`remind 12 ...`) are
    about its new nation now; the follow-ups of its notes stay with their notes, filed under the nation they were
    written for. Returns how many notes stay there."""
    notes = [
        note
        for note in note_store.all_notes_for_nation(session=inv.session, nation_iso2=was_iso2)
        if note.visit_id == visit.id and not note.deleted
    ]
    of_notes = {f.reminder_id for note in notes for f in note_store.follow_ups(session=inv.session, note_id=note.id)}
    for reminder in reminder_store.reminders_for_visit(session=inv.session, visit_id=visit.id):
        if reminder.kind != reminder_store.VISIT and reminder.id not in of_notes and reminder.nation_iso2 == was_iso2:
            reminder_store.set_nation(
                session=inv.session, reminder=reminder, nation_iso2=visit.nation_iso2, updated_by=inv.caller.user_id
            )
    return len(notes)


def reminders_caption(pending: list[reminder_store.Reminder], tz: ZoneInfo, lead: str) -> Caption:
    if not pending:
        return Caption("No reminders: every reminder time for this visit has already passed.")
    times = ", ".join(describe(r.due_at, tz) for r in pending)
    return Caption(words("Reminders to ", Mention(lead), f" by direct message: {times}."), icon=Icon.REMINDER)


def visit_warnings(inv: Invocation, visit: Visit, nation: Nation | None = None) -> list[Text]:
    """What an officer should double-check about a visit just planned or moved (it is written all the same)."""
    warnings: list[Text] = []
    if nation is not None and nation.kind in ("us_territory", "us"):
        what = " a U.S. territory," if nation.kind == "us_territory" else ""
        warnings.append(f"{nation.name} is{what} not a partner nation in our area: check you meant it.")
    elif nation is not None and not nation.in_area:
        warnings.append(
            f"{nation.name} is not in our area (FEACT IPS, Maldives to French Polynesia): check you meant it."
        )
    name = nation.name if nation is not None else nation_names(inv).get(visit.nation_iso2, visit.nation_iso2)
    for other in store.visits_between(session=inv.session, first=visit.starts_on, last=visit.ends_on):
        if other.nation_iso2 == visit.nation_iso2 and other.id != visit.id:
            # who leads the other visit, as the officer typing reads it: "You" only when it is theirs
            who: Text = (
                "You already have"
                if other.lead_user_id == inv.caller.user_id
                else words(Mention(other.lead_user_id), " already leads")
            )
            warnings.append(
                words(
                    who,
                    f" #{other.id} to {name} on those dates ({other.kind}, {dates_text(other)}); "
                    "if one is a duplicate, ",
                    Typed("/ipslo visit cancel <id>"),
                    ".",
                )
            )
    days = (visit.ends_on - visit.starts_on).days + 1
    if days > LONG_VISIT_DAYS:
        warnings.append(
            words(
                f"That is {days} days long; check the end date (",
                Typed(f"/ipslo visit move {visit.id} <date> to <date>"),
                " fixes it).",
            )
        )
    return warnings


def check_title(title: str | None) -> None:
    if title is not None and len(title) > TITLE_LIMIT:
        raise FieldError(
            "title",
            words(
                f"That title is {len(title)} characters long; please keep it to {TITLE_LIMIT} or fewer. "
                "Put the details in a note (the ",
                Icon.NOTE,
                " Add note button on the visit) once it is planned; nothing was planned.",
            ),
            hint=ADD_HELP,
        )


# --- the subcommands ---------------------------------------------------------------------------


def add(inv: Invocation, text: str) -> Reply:
    lead, text = split_lead(inv, text)
    tokens = text.split()
    if not tokens:
        raise CommandError("Which nation and date?", hint=ADD_HELP)
    nation, rest = nation_lookup(session=inv.session).split_exact(tokens, nothing="nothing was planned", hint=ADD_USAGE)
    starts_on, ends_on, rest = read_dates(rest, inv, ADD_HELP)
    kind, rest, mistyped = read_kind(rest)
    title = unquoted_title(" ".join(rest).strip(" -–—:")) or None
    reply = plan_visit(
        inv, nation_iso2=nation.iso2, starts_on=starts_on, ends_on=ends_on, kind=kind, title=title, lead=lead
    )
    if mistyped is None:
        return reply
    read_as = Caption(f"Read “{mistyped}” as {kind}.")
    return replace(reply, parts=(*reply.parts[:1], read_as, *reply.parts[1:]))


def unquoted_title(title: str) -> str:
    """A title typed in quotes ("lead auditor course") without them: the reply shows it in quotes of its own."""
    whole = QUOTED.fullmatch(title)
    return title[1:-1].strip() if whole else title


def already(inv: Invocation, earlier: submissions.FormSubmission, what: str) -> Reply:
    """A form sent a second time: what the first one did, and nothing written again."""
    visit = store.get_visit(session=inv.session, visit_id=earlier.record_id) if earlier.record_id else None
    if visit is None:
        return Reply(f"That form was already sent; nothing was {what} again.")
    name = nation_names(inv).get(visit.nation_iso2, visit.nation_iso2)
    summary = f"Already {what}: visit #{visit.id} to {name}, {dates_text(visit)}; nothing was {what} twice."
    return Reply(summary, parts=(Section(visit_line(visit, name), icon=Icon.VISIT), Caption(summary)))


def check_lead(lead: str | None) -> None:
    """A form's lead is a member picked from Slack's list: anything else (a forged or garbled submission) is refused."""
    if lead is not None and not MEMBER.fullmatch(f"@{lead}"):
        raise FieldError("lead", "Choose the lead from the list of members.")


def known_nation(inv: Invocation, nation_iso2: str | None) -> Nation:
    nation = nation_store.get_nation(session=inv.session, iso2=nation_iso2) if nation_iso2 else None
    if nation is None:
        raise FieldError("nation", "Choose the nation from the list: type a few letters of its name or its code.")
    return nation


def check_visit(
    inv: Invocation,
    *,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    kind: str,
    allow_past: bool,
    was: dt.date | None,
) -> tuple[dt.date, dt.date]:
    """The dates and kind a form or command gives, refused field by field when they cannot be a visit."""
    if starts_on is None:
        raise FieldError("start", "When does the visit start?")
    ends_on = ends_on or starts_on
    if not allow_past and starts_on < inv.today and starts_on != was:
        raise FieldError("start", f"{starts_on:%-d %b %Y} has passed; choose today or later.")
    if ends_on < starts_on:
        raise FieldError("end", f"The end ({ends_on:%-d %b %Y}) is before the start ({starts_on:%-d %b %Y}).")
    first, last = date_window(inv.today)
    for field, day in (("start", starts_on), ("end", ends_on)):
        if not first <= day <= last:
            raise FieldError(
                field,
                f"{day:%-d %b %Y} is more than 10 years away; "
                f"choose a date from {first:%-d %b %Y} to {last:%-d %b %Y}.",
            )
    if kind not in KINDS:
        raise FieldError("kind", f"Choose one of the kinds: {', '.join(KINDS)}.")
    return starts_on, ends_on


def visit_buttons(visit: Visit) -> Buttons:
    """What an officer may do next with a visit: a note, a reminder, a change, or cancelling it (asked first)."""
    name = str(visit.id)
    return Buttons(
        (
            Button("Add note", Action.ADD_NOTE, f"visit:{visit.id}", icon=Icon.NOTE),  # the note form (bot/notes.py)
            Button("Remind me", Action.SET_REMINDER, f"visit:{visit.id}", icon=Icon.REMINDER),
            Button("Edit", Action.EDIT_VISIT, name, icon=Icon.EDIT),
            Button(
                "Cancel visit",
                Action.CANCEL_VISIT,
                name,
                style="danger",
                confirm=f"Cancel visit #{visit.id} ({dates_text(visit)})? Its reminders stop; it stays on record.",
                icon=Icon.CANCELLED,
            ),
        )
    )


def plan_visit(
    inv: Invocation,
    *,
    nation_iso2: str | None,
    starts_on: dt.date | None,
    ends_on: dt.date | None = None,
    kind: str | None = None,
    title: str | None = None,
    lead: str | None = None,
    allow_past: bool = True,
    idempotency_key: str | None = None,
) -> Reply:
    """Plan a visit: the one way in for `/ipslo visit add` and the visit form. Warns of overlaps, nations outside
    our area and visits over a month; ``idempotency_key`` (a form's view id) makes a second submission a no-op."""
    if idempotency_key:
        earlier = submissions.claim(
            session=inv.session, key=idempotency_key, form="visit", recorded_by=inv.caller.user_id
        )
        if earlier is not None:
            return already(inv, earlier, "planned")
    nation = known_nation(inv, nation_iso2)
    starts_on, ends_on = check_visit(
        inv, starts_on=starts_on, ends_on=ends_on, kind=kind or store.COUNTRY_VISIT, allow_past=allow_past, was=None
    )
    check_lead(lead)
    title = (title or "").strip() or None
    check_title(title)
    visit = store.add_visit(
        session=inv.session,
        nation_iso2=nation.iso2,
        starts_on=starts_on,
        ends_on=ends_on,
        kind=kind or store.COUNTRY_VISIT,
        title=title,
        lead_user_id=lead or inv.caller.user_id,
        recorded_by=inv.caller.user_id,
    )
    if idempotency_key:
        submissions.record(session=inv.session, key=idempotency_key, record_id=visit.id)
    pending = plan_reminders(inv, visit, nation.name)
    summary = f"Planned visit #{visit.id}: {visit.kind} to {nation.name}, {dates_text(visit)}."
    parts: list = [Section(visit_line(visit, nation.name), icon=Icon.VISIT)]
    parts += [Caption(warning, icon=Icon.WARNING) for warning in visit_warnings(inv, visit, nation)]
    if kind is None:
        parts.append(
            Caption(
                words(
                    f"Kind: {store.COUNTRY_VISIT} (default); kinds: {', '.join(KINDS)}. Name one straight after the "
                    "dates, e.g. ",
                    Typed(f"/ipslo visit add {nation.name.lower()} {starts_on:%-d %b %Y} reciprocal visit"),
                    ".",
                )
            )
        )
    if visit.ends_on < inv.today:
        parts.append(Caption("This visit is in the past: it is on record, and no reminders are sent."))
    else:
        parts.append(reminders_caption(pending, officer_zone(inv, visit.lead_user_id), visit.lead_user_id))
    parts.append(
        Caption(
            words(
                "Move it: ",
                Typed(f"/ipslo visit move {visit.id} <date>"),
                " · cancel it: ",
                Typed(f"/ipslo visit cancel {visit.id}"),
            )
        )
    )
    parts.append(visit_buttons(visit))
    return Reply(summary, parts=tuple(parts))


def move(inv: Invocation, text: str) -> Reply:
    usage = words(
        Typed("/ipslo visit move <id> <date> [to <date>]"),
        ", e.g. ",
        Typed("/ipslo visit move 12 2027-02-02 to 2027-02-05"),
    )
    tokens = text.split()
    if not tokens:
        raise CommandError("Which visit, and to when?", hint=usage)
    visit = find_visit(inv, tokens[0], usage)
    check_may_change(inv, visit, "move")
    if visit.cancelled:
        raise CommandError(
            words(f"Visit #{visit.id} was cancelled; plan a new one with ", Typed("/ipslo visit add"), ".")
        )
    when = tokens[1:]
    if when[:1] and when[0].lower() in ("to", "on"):  # "visit move 12 to 2027-02-02"
        when = when[1:]
    starts_on, ends_on, rest = read_dates(when, inv, usage)
    if rest:
        raise CommandError(f"I didn't understand “{' '.join(rest)}” after the dates.", hint=usage)
    ends_on = ends_on or starts_on + (visit.ends_on - visit.starts_on)
    if (starts_on, ends_on) == (visit.starts_on, visit.ends_on):
        raise CommandError(
            f"Visit #{visit.id} is already on those dates; nothing changed. It runs {dates_text(visit)}.", hint=usage
        )
    return edit_visit(
        inv,
        visit_id=visit.id,
        nation_iso2=visit.nation_iso2,
        starts_on=starts_on,
        ends_on=ends_on,
        kind=visit.kind,
        title=visit.title,
        lead=visit.lead_user_id,
    )


def edit_visit(
    inv: Invocation,
    *,
    visit_id: int,
    nation_iso2: str | None,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    kind: str,
    title: str | None,
    lead: str | None,
    allow_past: bool = True,
    idempotency_key: str | None = None,
) -> Reply:
    """Change a visit: the one way in for `/ipslo visit move` and the visit form's Edit. Its reminders follow the
    new dates and lead; the same warnings as planning."""
    if idempotency_key:
        earlier = submissions.claim(
            session=inv.session, key=idempotency_key, form="visit", recorded_by=inv.caller.user_id
        )
        if earlier is not None:
            return already(inv, earlier, "changed")
    visit = store.get_visit(session=inv.session, visit_id=visit_id)
    if visit is None:
        raise CommandError(f"There is no visit #{visit_id}.", hint=words(LIST_VISITS, " lists the planned visits."))
    check_may_change(inv, visit, "change")
    if visit.cancelled:
        raise CommandError(
            words(f"Visit #{visit.id} was cancelled; plan a new one with ", Typed("/ipslo visit add"), ".")
        )
    nation = known_nation(inv, nation_iso2)
    starts_on, ends_on = check_visit(
        inv, starts_on=starts_on, ends_on=ends_on, kind=kind, allow_past=allow_past, was=visit.starts_on
    )
    check_lead(lead)
    title = (title or "").strip() or None
    check_title(title)
    lead = lead or visit.lead_user_id
    before_dates, before_name = dates_text(visit), nation_names(inv).get(visit.nation_iso2, visit.nation_iso2)
    changed: list[Text] = []
    if nation.iso2 != visit.nation_iso2:
        changed.append(f"nation (was {before_name})")
    if (starts_on, ends_on) != (visit.starts_on, visit.ends_on):
        changed.append(f"dates (was {before_dates})")
    if kind != visit.kind:
        changed.append(f"kind (was {visit.kind})")
    if title != visit.title:
        changed.append("title")
    if lead != visit.lead_user_id:
        changed.append(words("lead (was ", Mention(visit.lead_user_id), ")"))
    if idempotency_key:
        submissions.record(session=inv.session, key=idempotency_key, record_id=visit.id)
    if not changed:
        unchanged = f"Visit #{visit.id} to {before_name} is unchanged: it runs {before_dates}."
        return Reply(unchanged, parts=(Section(visit_line(visit, before_name), icon=Icon.VISIT), Caption(unchanged)))
    was_iso2 = visit.nation_iso2
    store.update_visit(
        session=inv.session,
        visit=visit,
        nation_iso2=nation.iso2,
        kind=kind,
        title=title,
        lead_user_id=lead,
        updated_by=inv.caller.user_id,
    )
    if (starts_on, ends_on) != (visit.starts_on, visit.ends_on):
        store.move_visit(
            session=inv.session, visit=visit, starts_on=starts_on, ends_on=ends_on, updated_by=inv.caller.user_id
        )
    # everything in this one transaction: the visit and its reminders change together, or not at all
    pending = plan_reminders(inv, visit, nation.name)
    notes_kept = follow_nation(inv, visit, was_iso2) if nation.iso2 != was_iso2 else 0
    summary: Text
    if changed == [f"dates (was {before_dates})"]:
        summary = f"Moved visit #{visit.id} to {nation.name}: now {dates_text(visit)} (was {before_dates})."
        detail: Text = f"\nWas {before_dates}."
    else:
        summary = words(f"Changed visit #{visit.id} to {nation.name}: ", joined(changed), ".")
        detail = words("\nChanged: ", joined(changed), ".")
    return Reply(
        summary,
        parts=(
            Section(words(visit_line(visit, nation.name), detail), icon=Icon.VISIT),
            *(Caption(warning, icon=Icon.WARNING) for warning in visit_warnings(inv, visit, nation)),
            reminders_caption(pending, officer_zone(inv, visit.lead_user_id), visit.lead_user_id),
            *([Caption(notes_stay(notes_kept, before_name))] if notes_kept else []),
            visit_buttons(visit),
        ),
    )


def notes_stay(count: int, nation_name: str) -> Text:
    """The visit's nation changed: its notes say what was seen and stay filed under the nation they were written for."""
    which = "Its note stays" if count == 1 else f"Its {count} notes stay"
    return words(
        f"{which} filed under {nation_name}, as written; ",
        Typed(f"/ipslo notes {nation_name.lower()}"),
        " shows them.",
    )


def cancel(inv: Invocation, text: str) -> Reply:
    usage = words(Typed("/ipslo visit cancel <id>"), ", e.g. ", Typed("/ipslo visit cancel 12"))
    if not text.strip():
        raise CommandError("Which visit?", hint=usage)
    return cancel_visit(inv, visit_id=visit_id(text.split()[0], usage))


def cancel_visit(inv: Invocation, *, visit_id: int) -> Reply:
    """Cancel a visit and its pending reminders; it stays on record. `/ipslo visit cancel` and the Cancel buttons."""
    visit = store.get_visit(session=inv.session, visit_id=visit_id)
    if visit is None:
        raise CommandError(
            f"There is no visit #{visit_id}.", hint=words(LIST_VISITS, " lists the planned visits with their numbers.")
        )
    check_may_change(inv, visit, "cancel")
    name = nation_names(inv).get(visit.nation_iso2, visit.nation_iso2)
    if visit.cancelled:
        summary = f"Visit #{visit.id} to {name} ({dates_text(visit)}) was already cancelled; nothing changed."
        return Reply(
            summary, parts=(Section(summary), Caption(words("Plan it again with ", Typed("/ipslo visit add"), ".")))
        )
    store.cancel_visit(session=inv.session, visit=visit, updated_by=inv.caller.user_id)
    stopped, sending = 0, []
    for reminder in reminder_store.reminders_for_visit(session=inv.session, visit_id=visit.id):
        if reminder.state in (*reminder_store.WAITING, reminder_store.CLAIMED):
            if reminder_store.set_state(
                session=inv.session, reminder=reminder, state=reminder_store.CANCELLED, updated_by=inv.caller.user_id
            ):
                stopped += 1
            else:
                sending.append(f"#{reminder.id}")
    summary = f"Cancelled visit #{visit.id} to {name} ({dates_text(visit)})."
    caption = f"{stopped} pending reminder{'s' if stopped != 1 else ''} cancelled. The visit stays on record."
    if sending:
        caption += f" Reminder {', '.join(sending)} was being sent at that moment; ignore it."
    return Reply(summary, parts=(Section(summary, icon=Icon.CANCELLED), Caption(caption)))


VISIT_VERBS = {
    "add": add,
    "plan": add,
    "new": add,
    "move": move,
    "reschedule": move,
    "postpone": move,
    "cancel": cancel,
    "delete": cancel,
    "remove": cancel,
}
#: Verbs for changing a visit that the command has no form of its own for: its dates move; the rest is the Edit form.
EDIT_VERBS = frozenset({"edit", "change", "update", "modify", "amend"})


def edit_hint(text: str) -> CommandError:
    """ "visit edit 12": what changes a visit, rather than "I don't know /ipslo visit edit"."""
    number = next((w.lstrip("#") for w in text.split()[1:2] if w.lstrip("#").isdigit()), "<id>")
    return CommandError(
        words(
            "To change a visit's dates: ",
            Typed(f"/ipslo visit move {number} <date> [to <date>]"),
            ". Its kind, title or lead: press ✏️ Edit on the visit's reply or on App Home.",
        ),
        hint=words(LIST_VISITS, " lists yours with their numbers."),
    )


def visit(inv: Invocation, text: str) -> Reply:
    verb, _, rest = text.strip().partition(" ")
    operation = VISIT_VERBS.get(verb.lower())
    if operation is None and verb:
        found, after = nation_lookup(session=inv.session).index.split(text.split())
        if isinstance(found, Exact):  # "/ipslo visit tonga 2027-03-09": plan it, as "visit add" would
            return add(inv, text)
    if operation is None and verb.lower() in EDIT_VERBS:
        raise edit_hint(text)
    if operation is None:
        meant = difflib.get_close_matches(verb.lower(), VISIT_VERBS, n=1, cutoff=0.6)
        if not meant and verb and isinstance(found, Guess):  # "visit fjii 2027-03-09"
            meant, rest = ["add"], " ".join([found.named.name.lower(), *after])
        raise CommandError(
            words("I don't know ", Typed(f"/ipslo visit {verb}"), ".") if verb else "Add, move or cancel a visit?",
            hint=words(VISIT_USAGE, ". ", KINDS_HINT, " ", LIST_VISITS, " lists them."),
            suggestions=(f"/ipslo visit {meant[0]} {rest}".strip(),) if meant else (),
        )
    return operation(inv, rest)


def visits(inv: Invocation, text: str) -> Reply:
    choice = text.strip()
    names = nation_names(inv)
    nation_iso2 = ""
    if not choice:
        chosen = store.visits_between(
            session=inv.session, first=inv.today, last=inv.today + dt.timedelta(days=UPCOMING_DAYS)
        )
        title = f"Visits in the next {UPCOMING_DAYS} days"
    elif normalize(choice) in ("mine", "my", "me"):
        chosen = store.visits_led_by(session=inv.session, user_id=inv.caller.user_id, since=inv.today)
        title = "Visits you lead"
    else:
        match = nation_lookup(session=inv.session).find(choice)
        newest_first = store.visits_for_nation(session=inv.session, nation_iso2=match.nation.iso2)
        chosen = sorted(newest_first, key=lambda v: (v.starts_on, v.id))  # in date order, like the other lists
        title = f"Visits to {match.nation.name}"
        nation_iso2 = match.nation.iso2
    rows = [visit_line(v, names.get(v.nation_iso2, v.nation_iso2), today=inv.today) for v in chosen]
    parts: list = []
    for start in range(0, len(rows), 20):
        parts.append(Section(bullets(rows[start : start + 20])))
    if not rows:
        parts.append(Section("None on record."))
    # the example names the nation asked about, a month ahead ("visits tonga": "/ipslo visit add tonga ...")
    example = PLAN_ONE
    if nation_iso2:
        month_ahead = inv.today + dt.timedelta(days=30)
        example = Typed(f"/ipslo visit add {match.nation.name.lower()} {month_ahead.isoformat()} country visit")
    parts.append(
        Caption(
            words(
                "Plan one: ",
                example,
                " · ",
                Typed("/ipslo visits mine"),
                " · ",
                Typed("/ipslo visits <nation>"),
                " (past ones too)",
            )
        )
    )
    parts.append(follow_ups(f"visits {choice}".strip(), nation_iso2))
    header = f"{title} ({len(chosen)})"
    return Reply(header, header=header, parts=tuple(parts))


def last_and_next_lines(last: Visit | None, upcoming: Visit | None) -> tuple[tuple[str, Text], tuple[str, Text]]:
    """The "Last visit" and "Next visit" fields of a nation's status (``storage.visits.last_and_next_visit``)."""

    def line(v: Visit | None) -> Text:
        if v is None:
            return "None on record"
        return words(f"{dates_text(v)} · {v.kind} (#{v.id}, lead ", Mention(v.lead_user_id), ")")

    return ("Last visit", line(last)), ("Next visit", line(upcoming))


SUBCOMMANDS = (
    Subcommand(
        "visit",
        "visit add|move|cancel …",
        "Plan, move or cancel a visit (reminders follow); kinds: " + ", ".join(KINDS),
        "/ipslo visit add fiji 2027-01-12 to 2027-01-16 country visit",
        visit,
    ),
    Subcommand(
        "visits",
        "visits [mine|<nation>]",
        "Visits in the next 90 days, yours, or a nation's",
        "/ipslo visits fiji",
        visits,
        shareable=True,
        reads_only=True,
        aliases=("trips",),
    ),
)
