"""Nations in the officers' words: finding a nation from what was typed, its status, the area list, recording
assessments."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from commands.follow_ups import follow_ups
from commands.language import (
    Aside,
    Caption,
    CommandError,
    FieldError,
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
    joined,
    lines,
    words,
)
from commands.lookup import Guess, as_typed, nation_lookup, normalize
from commands.visits import last_and_next_lines
from commands.when import WhenError, parse_date
from storage import nations as store
from storage import repeats, submissions
from storage.db import REFERENCE_DATA
from storage.nations import Assessment, ConditionOfEntry, Nation, NationRecord

#: 46 U.S.C. 70108(d): reassess each country not less than once every 3 years.
REASSESS_EVERY = relativedelta(years=3)
DUE_SOON = relativedelta(months=6)

SUBSTANTIALLY_IMPLEMENTING = "substantially implementing the ISPS Code"
NOT_MAINTAINING = "not maintaining effective anti-terrorism measures"


#: The Code named short after "substantially implementing": read as the outcome's only where the outcome ends (the end
#: of the line, or punctuation after it), since a source may begin with them ("ISPS visit report 14", "the Code
#: review"); "ISPS Code" and "the ISPS Code" name it whole and are the outcome's wherever they are.
OUTCOME_ENDS_ONLY = (" the isps", " isps", " the code")


def outcome_words() -> dict[str, str]:
    """The outcomes as admins type them, each read whole: the bot's own wording, its usual shorter forms and
    abbreviations (normalized: "anti-terrorism" is "anti terrorism"), so nothing of the outcome is left for the
    source."""
    said: dict[str, str] = {}
    for code in ("", " the isps code", " isps code", *OUTCOME_ENDS_ONLY):
        for start in ("substantially implementing", "substantially implemented", "subst implementing"):
            said[start + code] = SUBSTANTIALLY_IMPLEMENTING
    for short in ("substantially", "implementing", "effective", "positive", "si"):
        said[short] = SUBSTANTIALLY_IMPLEMENTING
    measures = ("anti terrorism", "antiterrorism", "anti terror", "counter terrorism", "counterterrorism")
    for effective in ("", " effective"):
        for kind in ("", *(f" {m}" for m in measures)):
            for tail in ("", " measures", " measure"):
                said[f"not maintaining{effective}{kind}{tail}"] = NOT_MAINTAINING
        for short in (" at", " ct", " security"):  # an abbreviation alone could begin the source ("at Suva")
            said[f"not maintaining{effective}{short} measures"] = NOT_MAINTAINING
    for short in ("not effective", "ineffective", "negative", "nm"):
        said[short] = NOT_MAINTAINING
    assert all(normalize(k) == k for k in said), "keys are compared normalized"
    return said


OUTCOME_WORDS = outcome_words()
OUTCOME_LONGEST = max(len(k.split()) for k in OUTCOME_WORDS)  # in words; a typed token may hold two ("anti-terrorism")
OUTCOME_HINT = words(
    "Outcomes: ",
    Typed("substantially implementing"),
    " or ",
    Typed("not maintaining"),
    " (effective anti-terrorism measures).",
)


# --- status ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """A nation's status as of a day: the sentence, and whether reassessment is overdue or due soon."""

    summary: str  # plain words: "Under Conditions of Entry since 12 Apr 2019"
    detail: Text
    due: dt.date | None
    overdue: bool
    due_soon: bool
    under_coe: bool
    coe_pending: bool = False  # announced, not yet in force
    covered_by: str | None = None  # a place not assessed on its own: whose assessment covers it
    icon: Icon = Icon.UNKNOWN

    @property
    def said(self) -> Text:
        """The summary with its picture, for display."""
        return words(self.icon, " ", self.summary)


def standing(record: NationRecord, *, today: dt.date, tz: dt.tzinfo | None = None) -> Standing:
    """Where a nation stands on ``today``; ``tz``: the officer's zone, for the day a record was written (stored in
    UTC)."""
    assessment, coe, nation = record.assessment, record.coe, record.nation
    covered_by = nation.covered_by
    due = assessment.assessed_on + REASSESS_EVERY if assessment and not covered_by else None
    overdue = bool(due and due < today)
    due_soon = bool(due and not overdue and due <= today + DUE_SOON)
    under_coe = bool(coe and coe.in_force(today))
    pending = bool(coe and coe.effective_on and coe.effective_on > today and coe.lifted_on is None)
    if under_coe and coe is not None:
        since = f" since {fmt_date(coe.effective_on)}" if coe.effective_on else ""
        until = f", lifted from {fmt_date(coe.lifted_on)}" if coe.lifted_on else ""
        summary, icon = f"Under Conditions of Entry{since}{until}", Icon.BARRED
        detail: Text = words(f"Source: {coe.source} (", listing_origin(coe, tz), ")")
    elif pending and coe is not None:
        summary, icon = f"Conditions of Entry take effect {fmt_date(coe.effective_on)}", Icon.WARNING
        detail = words(f"Source: {coe.source} (", listing_origin(coe, tz), ")")
    elif covered_by:
        summary, icon = f"Not assessed on its own: covered by {covered_by}'s assessment", Icon.COVERED
        detail = ""
    elif assessment:
        icon = Icon.OK if assessment.outcome == SUBSTANTIALLY_IMPLEMENTING else Icon.WARNING
        summary = f"Found {assessment.outcome} ({fmt_date(assessment.assessed_on)})"
        detail = words(
            f"Source: {assessment.source or 'not given'}; recorded by ", Mention(assessment.recorded_by or "")
        )
    else:
        summary, icon = "No assessment on record", Icon.UNKNOWN
        detail = ""
    if coe and coe.lifted_on and not under_coe:
        detail = words(
            detail,
            "; " if detail else "",
            f"Conditions of Entry lifted {fmt_date(coe.lifted_on)} ({coe.source}; ",
            listing_origin(coe, tz),
            ")",
        )
    if (under_coe or pending) and assessment:
        detail = words(detail, f"; last assessment {fmt_date(assessment.assessed_on)}: {assessment.outcome}")
    return Standing(summary, detail, due, overdue, due_soon, under_coe, pending, covered_by, icon)


def listing_origin(coe: ConditionOfEntry, tz: dt.tzinfo | None = None) -> Text:
    """Where a listing comes from: the team's record (the day it was written, in the officer's zone ``tz``), or the
    shipped public snapshot and its date."""
    if coe.by_team:
        return words("recorded by ", Mention(coe.recorded_by), f" on {fmt_date(local_day(coe.recorded_at, tz))}")
    return f"public list as of {fmt_date(coe.as_of)}"


def local_day(moment: dt.datetime, tz: dt.tzinfo | None) -> dt.date:
    """The day a moment stored in UTC fell on in ``tz`` (in UTC without one)."""
    if tz is None:
        return moment.date()
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(tz).date()


def shipped_differs(record: NationRecord) -> Text:
    """When the shipped snapshot is newer than the team's record and says something else: say so."""
    theirs = record.shipped
    if theirs is None:
        return ""
    since = f" since {fmt_date(theirs.effective_on)}" if theirs.effective_on else ""
    said = f"lifted {fmt_date(theirs.lifted_on)}" if theirs.lifted_on else f"under Conditions of Entry{since}"
    return words(
        f"The shipped list (as of {fmt_date(theirs.as_of)}) differs: it says {said} ({theirs.source}). "
        "This status shows the team's record; ",
        Typed(f"/ipslo coe history {as_typed(record.nation)}"),
        " shows every change.",
    )


def exceptions_text(record: NationRecord) -> Text:
    if not record.exceptions:
        return ""
    names = "; ".join(e.label for e in record.exceptions)
    return words(Strong("Excepted port facilities"), f" (the conditions do not apply to calls there): {names}")


def due_text(state: Standing, *, today: dt.date) -> Text:
    if state.covered_by:
        return f"With {state.covered_by}'s assessment (not due on its own)"
    if state.due is None:
        return "Unknown: no assessment on record"
    if state.overdue:
        return words(
            Icon.OVERDUE, " ", Strong("Overdue"), f" since {fmt_date(state.due)} ({(today - state.due).days} days)"
        )
    if state.due_soon:
        return words(Icon.DUE_SOON, f" {fmt_date(state.due)} (within 6 months)")
    return fmt_date(state.due)


def fmt_date(day: dt.date | None) -> str:
    return day.strftime("%-d %b %Y") if day else "unknown date"


def area_text(nation: Nation) -> str:
    if nation.kind == "us_territory":
        return "No: a U.S. territory (domestic, not a partner)"
    if nation.kind == "us":
        return "No: the United States"
    return "Yes" if nation.in_area else "No"


def kind_text(nation: Nation) -> str:
    kinds = {
        "sovereign": "Independent state",
        "free_association": f"In free association with {nation.sovereign}",
        "territory": f"Territory of {nation.sovereign}" if nation.sovereign else "Territory",
        "overseas_department": f"Overseas department of {nation.sovereign}",
        "us_territory": "U.S. territory",
        "us": "United States",
    }
    return kinds.get(nation.kind, nation.kind.replace("_", " ").capitalize())


def status(inv: Invocation, text: str) -> Reply:
    match = nation_lookup(session=inv.session).identify(text)
    found = store.nation_status(session=inv.session, iso2=match.named.iso2, today=inv.today)
    assert found is not None, match  # the index is built from the same table
    record, nation = found.record, found.record.nation
    state = standing(record, today=inv.today, tz=inv.caller.tz)
    fields: tuple[tuple[str, Text], ...] = (
        ("Region", nation.region),
        ("In our area", area_text(nation)),
        ("Status", state.said),
        ("Reassessment due", due_text(state, today=inv.today)),
    )
    fields += last_and_next_lines(found.last_visit, found.next_visit)
    parts: list = [Section(words(Strong(nation.official_name), f" · {kind_text(nation)}"), fields=fields)]
    if record.exceptions and (state.under_coe or state.coe_pending):
        parts.append(Section(exceptions_text(record)))
    if state.covered_by:
        parts.append(Section(covering_text(inv, state.covered_by)))
    captions: list[Text] = [c for c in (shipped_differs(record), state.detail, nation.engagement) if c]
    if nation.kind != "us":
        captions.append("Reassessment at least every 3 years: 46 U.S.C. 70108(d)")
    if isinstance(match, Guess):
        captions.insert(0, f"Showing {nation.name} for “{match.typed}”.")
    if captions:
        parts.append(Caption(joined(captions, " · ")))
    header = f"{nation.name} ({nation.iso2})"
    parts.append(follow_ups(f"status {nation.iso2.lower()}", nation.iso2))
    return Reply(f"{header}: {state.summary}", header=header, parts=tuple(parts))


def covering_text(inv: Invocation, sovereign: str) -> Text:
    """What covers a place not assessed on its own: the sovereign's status when we keep it."""
    covering = store.nation_named(session=inv.session, name=sovereign)
    found = store.nation_status(session=inv.session, iso2=covering.iso2, today=inv.today) if covering else None
    if covering is None or found is None:
        return f"{sovereign}'s own assessment covers it; {sovereign} is not on our list."
    shown = standing(found.record, today=inv.today, tz=inv.caller.tz).summary
    return words(
        f"{sovereign}'s assessment covers it. {sovereign}: {shown} (",
        Typed(f"/ipslo status {as_typed(covering)}"),
        ").",
    )


# --- the area at a glance ----------------------------------------------------------------------

#: Everyday names for the regions in the reference data.
REGION_WORDS = {
    "pacific": "oceania",
    "pacific islands": "oceania",
    "asean": "southeast asia",
    "sea": "southeast asia",
    "indian ocean": "western indian ocean",
    "wio": "western indian ocean",
    "south pacific": "oceania",
}
NATIONS_HINT = words(
    "Try ",
    joined((Typed("/ipslo nations"), Typed("/ipslo nations coe"), Typed("/ipslo nations overdue"))),
    " or a region such as ",
    Typed("/ipslo nations oceania"),
    ".",
)


def nations(inv: Invocation, text: str) -> Reply:
    choice = normalize(text)
    all_nations = store.list_nations(session=inv.session)
    regions = sorted({n.region for n in all_nations})
    region_by_key = {normalize(r): r for r in regions}
    records = store.nation_records(session=inv.session, nations=all_nations)
    states = [(record, standing(record, today=inv.today, tz=inv.caller.tz)) for record in records]

    if choice in ("", "all", "area"):
        title, chosen = "Nations in our area", [(r, s) for r, s in states if r.nation.in_area]
    elif choice in ("coe", "conditions of entry"):
        title, chosen = "Under Conditions of Entry", [(r, s) for r, s in states if s.under_coe or s.coe_pending]
    elif choice in ("overdue", "due"):
        title = "Overdue for reassessment" if choice == "overdue" else "Reassessment overdue or due within 6 months"
        chosen = [(r, s) for r, s in states if r.nation.in_area and (s.overdue or (choice == "due" and s.due_soon))]
    elif choice in REGION_WORDS:
        return nations(inv, REGION_WORDS[choice])
    elif choice in region_by_key or any(key.startswith(choice) for key in region_by_key):
        region = region_by_key.get(choice) or next(r for k, r in region_by_key.items() if k.startswith(choice))
        title = f"Nations in {region}"
        chosen = [
            (r, s) for r, s in states if r.nation.region == region and r.nation.kind not in ("us", "us_territory")
        ]
    else:
        in_area_regions = sorted({n.region for n in all_nations if n.in_area})
        # offered from what the hint names: "asia" is east, south or southeast Asia, never Africa
        named = ["coe", "overdue", "due", *(normalize(r) for r in in_area_regions)]
        containing = [r for r in named if choice and choice in r.split()]
        close = containing or difflib.get_close_matches(choice, named, n=3, cutoff=0.6)
        raise CommandError(
            f"I can't list nations by “{text.strip()}”.",
            hint=words(
                "Choose ",
                joined((Typed("coe"), Typed("overdue"), Typed("due"))),
                " or a region: ",
                joined(Typed(r.lower()) for r in in_area_regions),
                ".",
            ),
            suggestions=tuple(f"/ipslo nations {c}" for c in dict.fromkeys(close)),
        )

    listed: list[Text] = []
    for record, state in chosen:
        due: Text = ""
        if state.overdue:
            due = words(" · ", Icon.OVERDUE, f" reassessment overdue since {fmt_date(state.due)}")
        elif state.due_soon:
            due = f" · reassessment due {fmt_date(state.due)}"
        outside = words(" · ", Aside("outside our area")) if not record.nation.in_area else ""
        listed.append(words(Strong(record.nation.name), f" ({record.nation.iso2}) · {state.summary}", due, outside))
    parts: list = []
    if listed:
        for start in range(0, len(listed), 25):  # Slack sections hold 3,000 characters
            parts.append(Section(bullets(listed[start : start + 25])))
    else:
        parts.append(Section("None right now."))
    captions: list[Text] = []
    if choice in ("", "all", "area"):
        captions.append(area_description())
    if choice in ("overdue", "due"):
        captions.append(without_due_date(states))
    if any(s.under_coe or s.coe_pending for _, s in chosen):
        captions.append(words("Conditions of Entry: ", coe_as_of(inv), "."))
    captions.append(NATIONS_HINT)
    parts.append(Caption(joined(captions, " ")))
    header = f"{title} ({len(chosen)})"
    return Reply(header, header=header, parts=tuple(parts))


def area_description() -> Text:
    """What "our area" means and the page its description comes from (no figure a source does not give)."""
    area = store.area_reference()
    return words(
        "Our area is the team's list (admins: ",
        Typed("/ipslo area add|remove <nation>"),
        f"). {area.page.capitalize()} speaks of “{area.description}”.",
    )


def coe_as_of(inv: Invocation) -> Text:
    """The list's "as of": the team's last confirmation against the advisory, or the shipped snapshot's date."""
    confirmed = store.last_confirmation(session=inv.session)
    if confirmed.by == REFERENCE_DATA:
        return f"public list as of {fmt_date(confirmed.on)}"
    return words(
        f"public list as of {fmt_date(confirmed.on)} (confirmed by ", Mention(confirmed.by), f": {confirmed.source})"
    )


# --- recording an assessment -------------------------------------------------------------------

ASSESS_USAGE = words(
    Typed("/ipslo assess <nation> <date> <outcome> [source]"),
    ", e.g. ",
    Typed("/ipslo assess fiji 2026-10-03 substantially implementing trip report 26-041"),
)


def split_date(tokens: list[str], *, today: dt.date) -> tuple[dt.date, list[str]]:
    """A date named by the first tokens (the longest that reads as a date), and the tokens after it."""
    for size in range(min(4, len(tokens)), 0, -1):
        try:
            return parse_date(" ".join(tokens[:size]), today=today), tokens[size:]
        except WhenError as error:
            last_error = error
    if not tokens:
        raise CommandError("Which date?", hint=ASSESS_USAGE)
    raise CommandError(str(last_error), hint=last_error.hint)


def split_outcome(tokens: list[str]) -> tuple[str, list[str]]:
    """The outcome named by the first tokens, read whole (the longest wording that names one), and the rest."""
    if not tokens:
        raise CommandError("Which outcome?", hint=words(OUTCOME_HINT, " ", ASSESS_USAGE))
    found: tuple[str, int] | None = None
    for size in range(1, min(OUTCOME_LONGEST, len(tokens)) + 1):
        said = normalize(" ".join(tokens[:size]))
        outcome = OUTCOME_WORDS.get(said)
        if outcome and (not said.endswith(OUTCOME_ENDS_ONLY) or ends_there(tokens, size)):
            found = (outcome, size)
    if found:
        return found[0], tokens[found[1] :]
    typed = " ".join(tokens[:3]) or "nothing"
    raise CommandError(f"I don't know the outcome “{typed}”.", hint=words(OUTCOME_HINT, " ", ASSESS_USAGE))


def ends_there(tokens: list[str], size: int) -> bool:
    """Whether the first ``size`` tokens end a phrase: nothing follows, or punctuation parts them from what does
    ("…ISPS, TR 9", "…ISPS — TR 9", "…ISPS (TR 9)")."""
    return size == len(tokens) or not tokens[size - 1][-1].isalnum() or tokens[size][0] in OPENING_MARKS


OPENING_MARKS = "([{\"'“‘«-–—"


def assess(inv: Invocation, text: str) -> Reply:
    tokens = text.split()
    if not tokens:
        raise CommandError("Which nation, date and outcome?", hint=ASSESS_USAGE)
    nation, rest = nation_lookup(session=inv.session).split_exact(
        tokens, nothing="nothing was recorded", hint=ASSESS_USAGE
    )
    if nation.covered_by:
        covered_by(nation)
    assessed_on, rest = split_date(rest, today=inv.today)
    if assessed_on > inv.today:
        raise CommandError(
            f"{fmt_date(assessed_on)} is in the future; record an assessment once it has happened.", hint=ASSESS_USAGE
        )
    outcome, rest = split_outcome(rest)
    return record_assessment(
        inv, nation_iso2=nation.iso2, assessed_on=assessed_on, outcome=outcome, source=" ".join(rest) or None
    )


def without_due_date(states: list[tuple[NationRecord, Standing]]) -> str:
    """How many places in our area have no due date, and why: no assessment on record, or a territory its
    sovereign's assessment covers. The one sentence `nations overdue` and `ask which nations are overdue` show."""
    unknown = sum(1 for r, s in states if r.nation.in_area and s.due is None and not s.covered_by)
    covered = sum(1 for r, s in states if r.nation.in_area and s.covered_by)
    return (
        f"{unknown} nations in our area have no assessment on record, so no due date is known; "
        f"{covered} territories are covered by their sovereign's assessment."
    )


def covered_by(nation: Nation) -> None:
    """A place whose sovereign's assessment covers it is never assessed on its own."""
    raise FieldError(
        "nation",
        f"{nation.name} is not assessed on its own: {nation.covered_by}'s assessment covers it; nothing was recorded.",
        hint=words(f"Record the assessment for {nation.covered_by} if we keep it. ", ASSESS_USAGE),
    )


OUTCOMES = (SUBSTANTIALLY_IMPLEMENTING, NOT_MAINTAINING)
SOURCE_LIMIT = 300  # characters: a trip report number, a notice, a letter
SOURCES_JOINED = " + "  # an assessment's sources, when it was recorded again with another


def record_assessment(
    inv: Invocation,
    *,
    nation_iso2: str | None,
    assessed_on: dt.date | None,
    outcome: str | None,
    source: str | None,
    idempotency_key: str | None = None,
) -> Reply:
    """Record an assessment outcome: the one way in for `/ipslo assess` and the assessment form. Admins only, checked
    here too, so a forged form is refused; ``idempotency_key`` (a form's view id) makes a resend a no-op."""
    if not inv.caller.is_admin:
        raise CommandError(
            "Recording an assessment sets a nation's official status, so only admins may do it; nothing was recorded.",
            hint="Ask an admin (IPSLO_ADMINS) to record it, or to add you.",
        )
    if idempotency_key:
        earlier = submissions.claim(
            session=inv.session, key=idempotency_key, form="assessment", recorded_by=inv.caller.user_id
        )
        if earlier is not None:
            return Reply("Already recorded; that form was sent twice and nothing was recorded again.")
    nation = store.get_nation(session=inv.session, iso2=nation_iso2) if nation_iso2 else None
    if nation is None:
        raise FieldError("nation", "Choose the nation that was assessed.")
    if nation.covered_by:
        covered_by(nation)
    if assessed_on is None:
        raise FieldError("date", "When was it assessed?")
    if assessed_on > inv.today:
        raise FieldError(
            "date", f"{fmt_date(assessed_on)} is in the future; record an assessment once it has happened."
        )
    if outcome not in OUTCOMES:
        raise FieldError("outcome", words("Choose the outcome. ", OUTCOME_HINT))
    source = (source or "").strip() or None
    if source and len(source) > SOURCE_LIMIT:
        raise FieldError("source", f"The source is {len(source)} characters; keep it to {SOURCE_LIMIT}.")
    day = store.assessments_on(session=inv.session, nation_iso2=nation.iso2, assessed_on=assessed_on)
    if day and day[-1].outcome == outcome:  # the day's status says this already: the same assessment
        assessment, reply = same_assessment(inv, nation, day[-1], source)
        if idempotency_key:
            submissions.record(session=inv.session, key=idempotency_key, record_id=assessment.id)
        return reply
    notes: list[Text] = []
    if day:  # the same day with another outcome: a correction; the earlier record stays
        replaced = day[-1]
        notes.append(
            words(
                f"Before this, {nation.name} was on record for that day as found {replaced.outcome} (source: "
                f"{replaced.source or 'not given'}; recorded by ",
                Mention(replaced.recorded_by),
                "). Both stay on record; this newer one is its status.",
            )
        )
        sourced = [a.source for a in day if a.outcome == outcome and a.source]
        if source is None and sourced:  # recorded before for that day with its source: the source is kept
            source = sourced[-1]
            notes.append(f"Its source, from the earlier record of this outcome for that day: {source}.")
    assessment = store.record_assessment(
        session=inv.session,
        nation=nation,
        assessed_on=assessed_on,
        outcome=outcome,
        source=source,
        recorded_by=inv.caller.user_id,
    )
    if idempotency_key:
        submissions.record(session=inv.session, key=idempotency_key, record_id=assessment.id)
    due = assessed_on + REASSESS_EVERY
    text_line = f"Recorded: {nation.name} found {outcome} on {fmt_date(assessed_on)}."
    [record] = store.nation_records(session=inv.session, nations=[nation])
    if record.coe and record.coe.in_force(inv.today):
        notes.append(
            words(
                f"{nation.name} stays under Conditions of Entry until they are lifted by public notice "
                "(46 U.S.C. 70110); ",
                Typed(f"/ipslo status {as_typed(nation)}"),
                " shows both.",
            )
        )
    if not nation.in_area:
        notes.append(outside_area(nation))
    return Reply(
        text_line,
        parts=(
            Section(
                lines([text_line, words("Reassessment due by ", Strong(fmt_date(due)), "."), *notes]), icon=Icon.NOTE
            ),
            Caption(words(f"Source: {source or 'not given'} · recorded by ", Mention(inv.caller.user_id))),
        ),
    )


def same_assessment(
    inv: Invocation, nation: Nation, on_record: Assessment, source: str | None
) -> tuple[Assessment, Reply]:
    """An assessment already on record (same nation, day and outcome) is never recorded twice: a source it lacked is
    added to it, another source is added beside its own, and otherwise it is said to be on record already."""
    said = f"{nation.name} found {on_record.outcome} on {fmt_date(on_record.assessed_on)}"
    kept = on_record.source
    known = {normalize(part) for part in (kept or "").split(SOURCES_JOINED)} | {normalize(kept or "")}
    if source is None or normalize(source) in known:
        # asked to record, as any write is: the same line sent again within minutes (a double Enter) is given its
        # first answer, as every write command's is (bot/runtime.py, storage/repeats.py)
        inv.session.info[repeats.WROTE] = True
        text_line = f"Already on record: {said}; nothing was recorded again."
        more: Text = (
            ""
            if kept
            else words(
                "To add its source: ",
                Typed(
                    f"/ipslo assess {as_typed(nation)} {on_record.assessed_on.isoformat()} "
                    f"{short_outcome(on_record.outcome)} <source>"
                ),
            )
        )
        parts: list = [Section(lines([text_line, more] if more else [text_line]), icon=Icon.NOTE)]
        parts.append(Caption(words(f"Source: {kept or 'not given'} · recorded by ", Mention(on_record.recorded_by))))
        return on_record, Reply(text_line, parts=tuple(parts))
    if kept:
        combined = f"{kept}{SOURCES_JOINED}{source}"
        if len(combined) > SOURCE_LIMIT:
            raise FieldError(
                "source",
                f"{said} is on record already with the source “{kept}”; with “{source}” beside it the source would "
                f"be {len(combined)} characters, over {SOURCE_LIMIT}. Nothing was changed.",
            )
        text_line = (
            f"Already on record: {said}, with the source “{kept}”. Added “{source}” beside it; "
            "nothing was recorded twice."
        )
    else:
        combined = source
        text_line = (
            f"Already on record: {said}, without a source. Added its source “{source}”; nothing was recorded twice."
        )
    store.set_assessment_source(session=inv.session, assessment=on_record, source=combined)
    caption = words(
        f"Source: {combined} · recorded by ",
        Mention(on_record.recorded_by),
        " · source added by ",
        Mention(inv.caller.user_id),
    )
    return on_record, Reply(text_line, parts=(Section(text_line, icon=Icon.NOTE), Caption(caption)))


def short_outcome(outcome: str) -> str:
    """An outcome as it is typed: ``substantially implementing``, ``not maintaining``."""
    return "not maintaining" if outcome == NOT_MAINTAINING else "substantially implementing"


def outside_area(nation: Nation) -> Text:
    """The line after recording an assessment of a place outside our area."""
    if nation.kind in ("us", "us_territory"):
        return f"{nation.name} is outside our area: {area_text(nation).removeprefix('No: ')}."
    return words(
        f"{nation.name} is outside our area; the assessment is recorded all the same (",
        Typed(f"/ipslo area add {as_typed(nation)}"),
        " adds it to our area).",
    )


SUBCOMMANDS = (
    Subcommand(
        "status",
        "status <nation>",
        "A nation's assessment status, COE and reassessment date",
        "/ipslo status fiji",
        status,
        shareable=True,
        reads_only=True,
        kept=True,
        aliases=("s", "nation"),
    ),
    Subcommand(
        "nations",
        "nations [coe|overdue|<region>]",
        "The area's nations at a glance",
        "/ipslo nations overdue",
        nations,
        shareable=True,
        reads_only=True,
        kept=True,
        aliases=("list",),
    ),
    Subcommand(
        "assess",
        "assess <nation> <date> <outcome> [source]",
        "Record an assessment outcome (admins)",
        "/ipslo assess fiji 2026-10-03 substantially implementing",
        assess,
        admin_only=True,
    ),
)
