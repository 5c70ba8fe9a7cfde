"""Keeping the Conditions of Entry list and our area current: admins record listings, exceptions, confirmations
and the area (`/ipslo coe`, `/ipslo area`); everyone reads every change with who, when, before and after."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from commands.language import (
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
    joined,
    lines,
    words,
)
from commands.lookup import as_typed, nation_lookup
from commands.nations import fmt_date, standing
from commands.when import WhenError, describe, parse_date
from storage import nations as store
from storage.db import REFERENCE_DATA
from storage.nations import CoeException, Nation, NationRecord

#: The list is checked against the current advisory at least this often; older, App Home and the digest say so.
CONFIRM_EVERY = dt.timedelta(days=90)

COE_FORMS = (
    "/ipslo coe <nation> imposed|lifted <date> <source>",
    "/ipslo coe <nation> exception [remove] <facility number or “name”> <source>",
    "/ipslo coe confirmed <date> <source>",
    "/ipslo coe history [nation]",
)
COE_USAGE = joined((Typed(form) for form in COE_FORMS), " · ")
COE_EXAMPLE = "/ipslo coe nigeria lifted 2027-03-01 PSA 1-27"
AREA_USAGE = words(Typed("/ipslo area add <nation> [source]"), " or ", Typed("/ipslo area remove <nation> [source]"))
FACILITY_NUMBER = re.compile(r"^[A-Za-z]{2}[A-Za-z0-9]{3}-\d{4}(?:/\d{4})?$")  # CMDLA-0005, CM394-0001
QUOTED = re.compile(r"^[\"“”'‘’](?P<name>[^\"“”'‘’]+)[\"“”'‘’]\s*(?P<rest>.*)$")
ADMINS_ONLY = words(
    "Ask an admin (IPSLO_ADMINS) to record it, or to add you. Every change is kept: ", Typed("/ipslo coe history"), "."
)


class Refusal(CommandError):
    """A refusal tied to one field of the form (the nation, the date, the facility or the source)."""

    def __init__(self, message: Text, *, field: str, hint: Text | None = None, suggestions: tuple[str, ...] = ()):
        super().__init__(message, hint=hint, suggestions=suggestions)
        self.field = field


# --- the words for a listing, an exception, the area -------------------------------------------


def listing_words(record: NationRecord | None) -> str:
    coe = record.coe if record else None
    if coe is None:
        return "Not under Conditions of Entry on our records"
    since = f" since {fmt_date(coe.effective_on)}" if coe.effective_on else ""
    if coe.lifted_on:
        return f"Conditions of Entry{since}, lifted {fmt_date(coe.lifted_on)} ({coe.source})"
    return f"Under Conditions of Entry{since} ({coe.source})"


def area_words(in_area: bool) -> str:
    return "In our area" if in_area else "Outside our area"


def record_of(inv: Invocation, nation: Nation) -> NationRecord:
    [record] = store.nation_records(session=inv.session, nations=[nation])
    return record


def need_source(source: str, usage: Text) -> str:
    source = source.strip()
    if not source:
        raise Refusal(
            words(
                "Which source? Name the notice or advisory (e.g. ",
                Typed("PSA 1-27"),
                ", ",
                Typed("90 FR 12752"),
                "); nothing was recorded.",
            ),
            field="source",
            hint=usage,
        )
    if len(source) > 300:
        raise Refusal(f"Keep the source to 300 characters (this one has {len(source)}).", field="source", hint=usage)
    return source


def check_date(on: dt.date, inv: Invocation, *, future_ok: bool) -> None:
    if not future_ok and on > inv.today:
        raise Refusal(f"{fmt_date(on)} is in the future; record it once it has happened.", field="date", hint=COE_USAGE)
    if on > inv.today + relativedelta(years=1):
        raise Refusal(f"{fmt_date(on)} is more than a year ahead; check the date.", field="date", hint=COE_USAGE)


def recorded(inv: Invocation, text: str, nation: Nation | None, source: str) -> Reply:
    shown = [Section(text, icon=Icon.NOTE)]
    if nation is not None:
        state = standing(record_of(inv, nation), today=inv.today, tz=inv.caller.tz)
        shown.append(Section(words(Typed(f"/ipslo status {as_typed(nation)}"), f" now says: {state.summary}")))
    captions = words(
        f"Source: {source} · recorded by ",
        Mention(inv.caller.user_id),
        " · every change: ",
        Typed("/ipslo coe history"),
    )
    return Reply(text, parts=(*shown, Caption(captions)))


# --- the operations (the text command and the form both call these) ----------------------------


def impose(inv: Invocation, nation: Nation, on: dt.date, source: str) -> Reply:
    check_date(on, inv, future_ok=True)
    record = record_of(inv, nation)
    coe = record.coe
    if coe is not None and coe.lifted_on is None and coe.effective_on == on:
        raise Refusal(
            f"{nation.name} is already recorded under Conditions of Entry since {fmt_date(on)}; nothing changed.",
            field="date",
            hint=words(Typed(f"/ipslo coe history {as_typed(nation)}"), " shows every change."),
        )
    before = listing_words(record)
    store.record_listing(
        session=inv.session,
        nation=nation,
        effective_on=on,
        lifted_on=None,
        source=source,
        recorded_by=inv.caller.user_id,
        as_of=inv.today,
    )
    after = listing_words(record_of(inv, nation))
    store.record_change(
        session=inv.session,
        subject=store.LISTING,
        nation_iso2=nation.iso2,
        before=before,
        after=after,
        source=source,
        recorded_by=inv.caller.user_id,
    )
    when = "take effect" if on > inv.today else "in force since"
    return recorded(inv, f"Recorded: Conditions of Entry for {nation.name}, {when} {fmt_date(on)}.", nation, source)


def lift(inv: Invocation, nation: Nation, on: dt.date, source: str) -> Reply:
    check_date(on, inv, future_ok=True)
    record = record_of(inv, nation)
    coe = record.coe
    if coe is None:
        raise Refusal(
            f"{nation.name} is not under Conditions of Entry on our records; nothing was recorded.",
            field="nation",
            hint=words("To record a listing: ", Typed(f"/ipslo coe {as_typed(nation)} imposed <date> <source>"), "."),
        )
    if coe.lifted_on == on:
        raise Refusal(
            f"{nation.name}'s Conditions of Entry are already recorded as lifted on {fmt_date(on)}; nothing changed.",
            field="date",
        )
    if coe.effective_on and on < coe.effective_on:
        raise Refusal(
            f"{fmt_date(on)} is before the listing took effect ({fmt_date(coe.effective_on)}); nothing was recorded.",
            field="date",
            hint=COE_USAGE,
        )
    before = listing_words(record)
    store.record_listing(
        session=inv.session,
        nation=nation,
        effective_on=coe.effective_on,
        lifted_on=on,
        source=source,
        recorded_by=inv.caller.user_id,
        as_of=inv.today,
        note=coe.note,
    )
    store.record_change(
        session=inv.session,
        subject=store.LISTING,
        nation_iso2=nation.iso2,
        before=before,
        after=listing_words(record_of(inv, nation)),
        source=source,
        recorded_by=inv.caller.user_id,
    )
    return recorded(inv, f"Recorded: Conditions of Entry for {nation.name} lifted {fmt_date(on)}.", nation, source)


@dataclass(frozen=True)
class Facility:
    """A port facility as typed: its IMO port facility number, or its name."""

    number: str | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        return self.number or self.name or ""

    @staticmethod
    def read(typed: str) -> Facility:
        typed = typed.strip().strip("\"“”'‘’").strip()
        if FACILITY_NUMBER.match(typed):
            return Facility(number=typed.upper())
        return Facility(name=typed)


def split_facility(tokens: list[str]) -> tuple[Facility, str]:
    """The facility (a number, a quoted name, or a name before `;`) and the source after it."""
    text = " ".join(tokens).strip()
    if not text:
        raise Refusal("Which port facility?", field="facility", hint=COE_USAGE)
    if FACILITY_NUMBER.match(tokens[0]):
        return Facility.read(tokens[0]), " ".join(tokens[1:])
    quoted = QUOTED.match(text)
    if quoted:
        return Facility.read(quoted["name"]), quoted["rest"]
    if ";" in text:
        name, _, source = text.partition(";")
        return Facility.read(name), source
    raise Refusal(
        f"Where does the facility's name end in “{text[:60]}”?",
        field="facility",
        hint=words(
            "Give its IMO port facility number (",
            Typed("CMDLA-0005 PSA 1-17"),
            "), or its name in quotes (",
            Typed("“Al Maqal Terminal 14” PSA 1-18"),
            ") or before a semicolon (",
            Typed("Toamasina; PSA 10-09"),
            ").",
        ),
    )


def add_exception(inv: Invocation, nation: Nation, facility: Facility, source: str) -> Reply:
    record = record_of(inv, nation)
    if record.coe is None:
        raise Refusal(
            f"{nation.name} is not under Conditions of Entry on our records, so no facility is excepted; "
            "nothing was recorded.",
            field="nation",
            hint=words(
                "Record the listing first: ", Typed(f"/ipslo coe {as_typed(nation)} imposed <date> <source>"), "."
            ),
        )
    if not facility.label or len(facility.label) > 200:
        raise Refusal("Name the port facility in up to 200 characters.", field="facility", hint=COE_USAGE)
    held = next((e for e in record.exceptions if e.is_named(facility.label)), None)
    if held is not None:
        raise Refusal(f"{held.label} is already excepted for {nation.name}; nothing changed.", field="facility")
    row = store.add_exception(
        session=inv.session,
        nation=nation,
        number=facility.number,
        name=facility.name,
        source=source,
        recorded_by=inv.caller.user_id,
    )
    store.record_change(
        session=inv.session,
        subject=store.EXCEPTION,
        nation_iso2=nation.iso2,
        before=None,
        after=f"Excepts {row.label}",
        source=source,
        recorded_by=inv.caller.user_id,
    )
    return recorded(inv, f"Recorded: {nation.name}'s listing excepts {row.label}.", None, source)


def remove_exception(inv: Invocation, nation: Nation, typed: str, source: str) -> Reply:
    record = record_of(inv, nation)
    held: CoeException | None = next((e for e in record.exceptions if e.is_named(typed)), None)
    if held is None:
        listed = tuple(e.number or e.name or "" for e in record.exceptions)
        raise Refusal(
            f"{nation.name}'s listing excepts no facility “{typed}”; nothing was removed.",
            field="facility",
            hint=words(
                "Type its IMO port facility number or its whole name as listed by ",
                Typed(f"/ipslo status {as_typed(nation)}"),
                ".",
            )
            if listed
            else f"{nation.name}'s listing excepts no facility.",
            suggestions=listed[:5],
        )
    store.remove_exception(session=inv.session, exception=held, source=source, removed_by=inv.caller.user_id)
    store.record_change(
        session=inv.session,
        subject=store.EXCEPTION,
        nation_iso2=nation.iso2,
        before=f"Excepts {held.label}",
        after=None,
        source=source,
        recorded_by=inv.caller.user_id,
    )
    return recorded(inv, f"Recorded: {held.label} is no longer excepted from {nation.name}'s listing.", None, source)


def confirm(inv: Invocation, on: dt.date, source: str) -> Reply:
    check_date(on, inv, future_ok=False)
    last = store.last_confirmation(session=inv.session)
    if last.on is not None and on < last.on:
        raise Refusal(
            f"The list was already confirmed as of {fmt_date(last.on)}, later than {fmt_date(on)}; "
            "nothing was recorded.",
            field="date",
        )
    store.confirm_list(session=inv.session, confirmed_on=on, source=source, recorded_by=inv.caller.user_id)
    store.record_change(
        session=inv.session,
        subject=store.CONFIRMED,
        nation_iso2=None,
        before=f"List as of {fmt_date(last.on)} ({confirmed_by(last)})",
        after=f"List as of {fmt_date(on)}",
        source=source,
        recorded_by=inv.caller.user_id,
    )
    return recorded(
        inv,
        f"Recorded: the Conditions of Entry list is confirmed as of {fmt_date(on)}; nothing else changed.",
        None,
        source,
    )


def set_area(inv: Invocation, nation: Nation, in_area: bool, source: str) -> Reply:
    if nation.kind in ("us", "us_territory"):
        raise Refusal(
            f"{nation.name} is domestic (the United States), never a partner in our area; nothing changed.",
            field="nation",
        )
    if nation.in_area == in_area:
        raise Refusal(f"{nation.name} is already {area_words(in_area).lower()}; nothing changed.", field="nation")
    before = area_words(nation.in_area)
    store.set_in_area(session=inv.session, nation=nation, in_area=in_area, set_by=inv.caller.user_id)
    store.record_change(
        session=inv.session,
        subject=store.AREA,
        nation_iso2=nation.iso2,
        before=before,
        after=area_words(in_area),
        source=source or None,
        recorded_by=inv.caller.user_id,
    )
    text = f"Recorded: {nation.name} is now {area_words(in_area).lower()}."
    shown = Section(
        words(
            f"{text} ",
            joined((Typed("/ipslo nations"), Typed("due"), Typed("overdue"))),
            ", App Home and the digest follow it at once.",
        ),
        icon=Icon.NOTE,
    )
    caption = words(
        f"Source: {source or 'not given'} · recorded by ",
        Mention(inv.caller.user_id),
        " · ",
        Typed("/ipslo coe history"),
    )
    return Reply(text, parts=(shown, Caption(caption)))


def confirmed_by(confirmation: store.Confirmation) -> Text:
    if confirmation.by == REFERENCE_DATA:
        return "the shipped snapshot"
    return words("confirmed by ", Mention(confirmation.by), f": {confirmation.source}")


# --- history ---------------------------------------------------------------------------------------

SUBJECTS = {
    store.LISTING: "Listing",
    store.EXCEPTION: "Excepted facility",
    store.CONFIRMED: "List confirmed",
    store.AREA: "Area",
}


def history(inv: Invocation, text: str) -> Reply:
    nation = nation_lookup(session=inv.session).find(text).nation if text.strip() else None
    names = {n.iso2: n.name for n in store.list_nations(session=inv.session)}
    changes = store.reference_history(session=inv.session, iso2=nation.iso2 if nation else None)
    said_lines: list[Text] = []
    for change in changes:
        who = "the shipped snapshot" if change.recorded_by == REFERENCE_DATA else Mention(change.recorded_by)
        about = f" · {names.get(change.nation_iso2, change.nation_iso2)}" if change.nation_iso2 else ""
        when = describe(change.recorded_at, inv.caller.tz)
        line = words(
            Strong(SUBJECTS.get(change.subject, change.subject)),
            f"{about} · {when} by ",
            who,
            f"\nbefore: {change.before or 'nothing'}\nafter: {change.after or 'nothing'}",
            f"\nsource: {change.source}" if change.source else "",
        )
        said_lines.append(line)
    whose = f" for {nation.name}" if nation else ""
    header = f"Changes to Conditions of Entry and the area{whose}"
    shown = said_lines[-40:]
    parts: list = [Section(line) for line in shown]
    if not said_lines:
        last = store.last_confirmation(session=inv.session)
        parts.append(
            Section(f"No changes recorded since the shipped snapshot (public list as of {fmt_date(last.on)}).")
        )
    more = f"The newest 40 of {len(said_lines)}. " if len(said_lines) > 40 else ""
    parts.append(Caption(words(f"{more}Oldest first; nothing is ever deleted. Admins: ", COE_USAGE)))
    return Reply(header, header=header[:150], parts=tuple(parts))


# --- the text commands -----------------------------------------------------------------------------

LISTING_VERBS = {"imposed": "imposed", "impose": "imposed", "added": "imposed", "lifted": "lifted", "lift": "lifted"}
EXCEPTION_VERBS = ("exception", "exceptions", "except")


def refuse_officers(inv: Invocation, what: str) -> None:
    if not inv.caller.is_admin:
        raise CommandError(
            words(Typed(f"/ipslo coe {what}"), " records official status, so only admins may run it."), hint=ADMINS_ONLY
        )


def split_date(tokens: list[str], inv: Invocation) -> tuple[dt.date, list[str]]:
    """A date named by the first words (the longest that reads as one), and the tokens after it."""
    last_error: WhenError | None = None
    for size in range(min(4, len(tokens)), 0, -1):
        try:
            return parse_date(" ".join(tokens[:size]), today=inv.today), tokens[size:]
        except WhenError as error:
            last_error = error
    if last_error is None:
        raise Refusal("Which date?", field="date", hint=COE_USAGE)
    raise Refusal(str(last_error), field="date", hint=last_error.hint)


def coe(inv: Invocation, text: str) -> Reply:
    tokens = text.split()
    if not tokens:
        return Reply(
            "Keep the Conditions of Entry list current",
            parts=(
                Section(
                    words(
                        Strong("Keep the Conditions of Entry list current"),
                        " (admins; in Slack, ",
                        Typed("/ipslo coe"),
                        " alone opens a form)",
                    )
                ),
                Section(lines(Typed(form) for form in COE_FORMS)),
                Caption(words("e.g. ", Typed(COE_EXAMPLE), " · the area: ", AREA_USAGE)),
            ),
        )
    verb = tokens[0].lower()
    if verb == "history":
        return history(inv, " ".join(tokens[1:]))
    refuse_officers(inv, " ".join(tokens[:3]))
    if verb in ("confirmed", "confirm"):
        on, rest = split_date(tokens[1:], inv)
        return confirm(inv, on, need_source(" ".join(rest), COE_USAGE))
    if verb in LISTING_VERBS or verb in EXCEPTION_VERBS:  # the verb first: `/ipslo coe lifted nigeria ...`
        rest_words = tokens[1:]
        nation, after = nation_lookup(session=inv.session).split_exact(
            rest_words, nothing="nothing was recorded", hint=COE_USAGE
        )
        return listing_verb(inv, nation, [tokens[0], *after])
    lookup = nation_lookup(session=inv.session)
    nation, rest = lookup.split_exact(tokens, nothing="nothing was recorded", hint=COE_USAGE)
    return listing_verb(inv, nation, rest)


def listing_verb(inv: Invocation, nation: Nation, rest: list[str]) -> Reply:
    verb = rest[0].lower() if rest else ""
    if verb in LISTING_VERBS:
        on, after = split_date(rest[1:], inv)
        source = need_source(" ".join(after), COE_USAGE)
        return (impose if LISTING_VERBS[verb] == "imposed" else lift)(inv, nation, on, source)
    if verb in EXCEPTION_VERBS:
        if len(rest) > 1 and rest[1].lower() in ("remove", "delete", "drop"):
            facility, source = split_facility(rest[2:])
            return remove_exception(inv, nation, facility.label, need_source(source, COE_USAGE))
        facility, source = split_facility(rest[1:])
        return add_exception(inv, nation, facility, need_source(source, COE_USAGE))
    typed = " ".join(rest[:2]) or "nothing"
    raise CommandError(
        f"What happened to {nation.name}'s listing? I don't know “{typed}”.",
        hint=words(COE_USAGE, ". To read it: ", Typed(f"/ipslo status {as_typed(nation)}"), "."),
    )


def area(inv: Invocation, text: str) -> Reply:
    tokens = text.split()
    verb = tokens[0].lower() if tokens else ""
    if verb not in ("add", "remove"):
        raise CommandError(
            "Add or remove which nation?" if not tokens else f"I don't know “{tokens[0]}” for the area.",
            hint=AREA_USAGE,
        )
    nation, rest = nation_lookup(session=inv.session).split_exact(
        tokens[1:], nothing="nothing changed", hint=AREA_USAGE
    )
    return set_area(inv, nation, verb == "add", " ".join(rest).strip()[:300])


# --- the form (bot/coe.py shows it; this reads and saves it) ---------------------------------------

IMPOSED, LIFTED, EXCEPTION_ADD, EXCEPTION_REMOVE, CONFIRMED, AREA_ADD, AREA_REMOVE = (
    "imposed",
    "lifted",
    "exception_add",
    "exception_remove",
    "confirmed",
    "area_add",
    "area_remove",
)
FORM_ACTIONS = {
    IMPOSED: "Conditions of Entry imposed",
    LIFTED: "Conditions of Entry lifted",
    EXCEPTION_ADD: "Port facility excepted",
    EXCEPTION_REMOVE: "Port facility no longer excepted",
    CONFIRMED: "Whole list confirmed, nothing changed",
    AREA_ADD: "Add to our area",
    AREA_REMOVE: "Remove from our area",
}
NEEDS_DATE = (IMPOSED, LIFTED, CONFIRMED)
NEEDS_FACILITY = (EXCEPTION_ADD, EXCEPTION_REMOVE)


@dataclass(frozen=True)
class CoeForm:
    """What an admin filled in on the form: the change, the nation, the date, the facility and the source."""

    action: str | None
    nation_iso2: str | None = None
    on: dt.date | None = None
    facility: str = ""
    source: str = ""


def save_form(inv: Invocation, form: CoeForm) -> Reply:
    """Check the form and record it through the same operations as the text commands; refusals name their field."""
    if not inv.caller.is_admin:
        raise Refusal("Only admins may change the Conditions of Entry list or the area.", field="action")
    if form.action not in FORM_ACTIONS:
        raise Refusal("Choose what changed.", field="action")
    nation = None
    if form.action != CONFIRMED:
        nation = store.get_nation(session=inv.session, iso2=form.nation_iso2 or "")
        if nation is None:
            raise Refusal("Choose the nation.", field="nation")
    if form.action in NEEDS_DATE and form.on is None:
        raise Refusal("Choose the date the change takes effect.", field="date")
    if form.action in NEEDS_FACILITY and not form.facility.strip():
        raise Refusal("Give the port facility's IMO number or name.", field="facility")
    source = form.source.strip()
    if form.action not in (AREA_ADD, AREA_REMOVE):
        source = need_source(
            source, words("Name the notice or advisory, e.g. ", Typed("PSA 1-27"), " or ", Typed("90 FR 12752"), ".")
        )
    if form.action == CONFIRMED:
        assert form.on is not None
        return confirm(inv, form.on, source)
    assert nation is not None
    if form.action in (AREA_ADD, AREA_REMOVE):
        return set_area(inv, nation, form.action == AREA_ADD, source[:300])
    if form.action == EXCEPTION_ADD:
        return add_exception(inv, nation, Facility.read(form.facility), source)
    if form.action == EXCEPTION_REMOVE:
        return remove_exception(inv, nation, form.facility.strip(), source)
    assert form.on is not None
    return (impose if form.action == IMPOSED else lift)(inv, nation, form.on, source)


# --- overdue confirmation, for App Home and the digest ---------------------------------------------


def confirmation_overdue(*, session: Session, today: dt.date) -> Text:
    """A sentence when the list was last confirmed more than 90 days ago; empty otherwise."""
    last = store.last_confirmation(session=session)
    if last.on is not None and today - last.on <= CONFIRM_EVERY:
        return ""
    since = fmt_date(last.on) if last.on else "never"
    return words(
        f"The Conditions of Entry list was last confirmed {since} (",
        confirmed_by(last),
        "), over 90 days ago: check it against the current Port Security Advisory, then ",
        Typed("/ipslo coe confirmed <date> <source>"),
        " or record the changes.",
    )


SUBCOMMANDS = (
    Subcommand(
        "coe",
        "coe <nation> imposed|lifted|exception … · coe confirmed … · coe history [nation]",
        "Keep the Conditions of Entry list current (admins); every change with who and when",
        COE_EXAMPLE,
        coe,
    ),
    Subcommand(
        "area",
        "area add|remove <nation> [source]",
        "What “in our area” means for nations, due, overdue, App Home and the digest (admins)",
        "/ipslo area add mauritius",
        area,
        admin_only=True,
    ),
)
