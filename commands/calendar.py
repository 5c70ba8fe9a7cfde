"""Calendar feeds in the officers' words: ``/ipslo calendar`` (private subscription addresses) and the iCalendar
(RFC 5545) feeds themselves: an officer's visits and pending reminders, or every visit and reassessment deadline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commands.language import (
    Caption,
    CommandError,
    Icon,
    Invocation,
    Reply,
    Section,
    Strong,
    Subcommand,
    Text,
    Typed,
    lines,
    words,
)
from commands.nations import REASSESS_EVERY, fmt_date
from commands.when import describe
from storage import calendar as store
from storage import nations as nation_store
from storage import reminders as reminder_store
from storage import tracker as tracker_store
from storage.calendar import MINE, TEAM, CalendarFeed
from storage.nations import Assessment, Nation
from storage.officers import Officer
from storage.reminders import Reminder
from storage.visits import Visit

if TYPE_CHECKING:  # icalendar is imported where a feed is written, not at start-up
    from icalendar import Calendar, Event

PRODID = "-//USCG FEACT IPSLO//ipslo-bot//EN"
UID_DOMAIN = "ipslo-bot"
REMINDER_MINUTES = 15  # how long a reminder's event lasts in the calendar
REFRESH = dt.timedelta(hours=1)  # how often a calendar is asked to read the feed again

USAGE = words(
    Typed("/ipslo calendar"),
    " (your subscription addresses) · ",
    Typed("/ipslo calendar reset [mine|team]"),
    " (new addresses)",
)


def public_url_hint(user_id: str) -> Text:
    """How to serve the addresses, and meanwhile how to write the caller's own calendar to a file (their member ID
    filled in: the officer need not look it up)."""
    return words(
        "Set IPSLO_PUBLIC_URL to the web process's public address, the one Slack sends requests to without "
        "/slack/events (e.g. IPSLO_PUBLIC_URL=https://ipslo.example.org), and restart. Meanwhile ",
        Typed(f"python -m bot calendar --user {user_id} > my.ics"),
        " writes your calendar to a file.",
    )


HOW_TO_SUBSCRIBE = (
    "Outlook: Add calendar → Subscribe from web, paste the address. iPhone/iPad: Settings → Calendar → Accounts → "
    "Add Account → Other → Add Subscribed Calendar. Google Calendar (also on Android): Other calendars → + → "
    "From URL. Calendars read it again every few hours."
)
SCOPE_TITLES = {MINE: "Your visits and reminders", TEAM: "The team's visits and reassessment deadlines"}
SCOPE_WORDS = {"mine": MINE, "my": MINE, "me": MINE, "personal": MINE, "team": TEAM, "all": TEAM}


# --- /ipslo calendar ---------------------------------------------------------------------------


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/calendar/{token}.ics"


def calendar(inv: Invocation, text: str, *, public_url: str | None, slack_link: str | None = None) -> Reply:
    """The officer's private subscription addresses: made (and shown, once) the first time, or anew with ``reset``."""
    typed = text.lower().split()
    resetting = bool(typed) and typed[0] in ("reset", "new", "renew", "regenerate", "revoke")
    rest = typed[1:] if resetting else typed
    if rest and (len(rest) > 1 or rest[0] not in SCOPE_WORDS):
        raise CommandError(f"I don't know “{' '.join(rest)}” here.", hint=USAGE)
    if typed and not resetting and not rest:
        raise CommandError(f"I don't know “{text.strip()}” here.", hint=USAGE)
    if not public_url:
        raise CommandError(
            "Calendar addresses are served by the bot's web process, and I don't know its public address yet.",
            hint=public_url_hint(inv.caller.user_id),
        )
    scopes = [SCOPE_WORDS[rest[0]]] if rest else [MINE, TEAM]
    held = store.feeds_of(session=inv.session, user_id=inv.caller.user_id)
    made: dict[str, str] = {}
    for scope in scopes:
        if resetting or scope not in held:
            _feed, token = store.issue_token(
                session=inv.session,
                user_id=inv.caller.user_id,
                scope=scope,
                issued_by=inv.caller.user_id,
                slack_link=slack_link,
            )
            made[scope] = token
    parts: list = []
    if made:
        addresses = [
            words(Strong(SCOPE_TITLES[scope]), "\n", Typed(feed_url(public_url, token)))
            for scope, token in made.items()
        ]
        intro = "New calendar addresses" if resetting else "Your calendar addresses"
        parts.append(
            Section(
                lines([f"{intro} (private: anyone with an address can read that calendar)", *addresses]),
                icon=Icon.VISIT,
            )
        )
        if resetting:
            parts.append(Caption("The old addresses stopped working just now: subscribe again with these."))
        parts.append(Caption(HOW_TO_SUBSCRIBE))
        parts.append(Caption("I keep only a fingerprint of each address, so I can show it only now: copy it."))
    kept = [scope for scope in scopes if scope not in made]
    for scope in kept:
        feed = held[scope]
        since = feed.reset_at or feed.created_at
        read = (
            f"last read by a calendar {describe(feed.fetched_at, inv.caller.tz)}"
            if feed.fetched_at
            else "not read by any calendar yet"
        )
        parts.append(
            Section(
                words(
                    Strong(SCOPE_TITLES[scope]),
                    f": you have this address since {describe(since, inv.caller.tz)} ({read}). "
                    "I keep only a fingerprint of it, so I can't show it again.",
                ),
                icon=Icon.VISIT,
            )
        )
    if kept:
        parts.append(
            Caption(
                words(Typed("/ipslo calendar reset"), " gives you new addresses; the old ones stop working at once.")
            )
        )
    summary = (
        f"{'New c' if resetting else 'C'}alendar address{'es' if len(made) != 1 else ''} made: "
        + ", ".join(SCOPE_TITLES[s].lower() for s in made)
        if made
        else "You already have your calendar addresses."
    )
    return Reply(summary, parts=tuple(parts))


# --- the feed ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedContext:
    nations: dict[str, Nation]
    names: dict[str, str]  # officers' names by member id
    imported: dict[int, tracker_store.ImportedRecord]
    slack_link: str | None


def changes(created: dt.datetime, updated: dt.datetime | None) -> int:
    """SEQUENCE: 0 as made, then the seconds from the record's creation to its last change (at least 1)."""
    return max(1, int((updated - created).total_seconds())) if updated else 0


def visit_event(visit: Visit, ctx: FeedContext, *, busy: bool) -> Event:
    from icalendar import Event

    nation = ctx.nations.get(visit.nation_iso2)
    nation_name = nation.name if nation else visit.nation_iso2
    imported = ctx.imported.get(visit.id)
    lead = ctx.names.get(visit.lead_user_id, visit.lead_user_id)
    if imported and imported.lead_name:
        lead = f"{imported.lead_name} (as written in the tracker; kept under {lead})"
    title = f" – {visit.title}" if visit.title else ""
    event = Event()
    event.add("uid", f"visit-{visit.id}@{UID_DOMAIN}")
    event.add("dtstamp", visit.updated_at or visit.recorded_at)
    event.add("created", visit.recorded_at)
    event.add("last-modified", visit.updated_at or visit.recorded_at)
    event.add("sequence", changes(visit.recorded_at, visit.updated_at))
    event.add("summary", f"{nation_name}: {visit.kind}{title}" + (" (cancelled)" if visit.cancelled else ""))
    event.add("dtstart", visit.starts_on)
    event.add("dtend", visit.ends_on + dt.timedelta(days=1))  # all-day events end the day after (exclusive)
    event.add("status", "CANCELLED" if visit.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE" if busy and not visit.cancelled else "TRANSPARENT")
    event.add("location", nation.official_name if nation else nation_name)
    event.add("categories", ["IPSLO", visit.kind])
    lines = [
        f"{visit.kind.capitalize()} to {nation_name} (visit #{visit.id}).",
        f"Nation: {nation_name}" + (f" ({nation.official_name}, {nation.iso2})" if nation else ""),
        f"Kind: {visit.kind}",
        f"Lead: {lead}",
    ]
    if nation:
        lines.append(f"Dates are {nation_name}'s own ({nation.tz}).")
    if visit.cancelled:
        lines.append("Cancelled.")
    if imported:
        lines.append(f"Imported from {imported.where}.")
    lines.append(f"In Slack: /ipslo visits {nation_name.lower() if nation else visit.nation_iso2.lower()}")
    if ctx.slack_link:
        lines.append(ctx.slack_link)
        event.add("url", ctx.slack_link)
    event.add("description", "\n".join(lines))
    return event


def reminder_event(reminder: Reminder, ctx: FeedContext) -> Event:
    from icalendar import Alarm, Event

    first = reminder.text.strip().splitlines()[0] if reminder.text.strip() else "Reminder"
    event = Event()
    event.add("uid", f"reminder-{reminder.id}@{UID_DOMAIN}")
    event.add("dtstamp", reminder.updated_at or reminder.recorded_at)
    event.add("created", reminder.recorded_at)
    event.add("last-modified", reminder.updated_at or reminder.recorded_at)
    event.add("sequence", changes(reminder.recorded_at, reminder.updated_at))
    event.add("summary", f"Reminder: {first[:120]}")
    event.add("dtstart", reminder.due_at)
    event.add("duration", dt.timedelta(minutes=REMINDER_MINUTES))
    event.add("transp", "TRANSPARENT")
    nation = ctx.nations.get(reminder.nation_iso2 or "")
    if nation:
        event.add("location", nation.name)
    lines = [
        reminder.text,
        "",
        f"The bot sends it to you as a direct message (reminder #{reminder.id}).",
        "In Slack: /ipslo reminders",
    ]
    if ctx.slack_link:
        lines.append(ctx.slack_link)
        event.add("url", ctx.slack_link)
    event.add("description", "\n".join(lines))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", dt.timedelta(0))
    alarm.add("description", f"Reminder: {first[:120]}")
    event.add_component(alarm)
    return event


def reassessment_events(session: Session, ctx: FeedContext) -> list[Event]:
    """Each area nation's reassessment deadline (3 years after its newest assessment, 46 U.S.C. 70108(d))."""
    from icalendar import Event

    latest = nation_store.latest_assessments(session=session)
    changed = {
        row.nation_iso2: (row.newest_id, row.newest_at)
        for row in session.execute(
            select(
                Assessment.nation_iso2,
                func.max(Assessment.id).label("newest_id"),
                func.max(Assessment.recorded_at).label("newest_at"),
            ).group_by(Assessment.nation_iso2)
        )
    }
    events = []
    for iso2, assessment in sorted(latest.items()):
        nation = ctx.nations.get(iso2)
        if nation is None or not nation.in_area:
            continue
        due = assessment.assessed_on + REASSESS_EVERY
        newest_id, newest_at = changed[iso2]
        newest_at = newest_at if newest_at.tzinfo else newest_at.replace(tzinfo=dt.UTC)  # max() skips the column type
        event = Event()
        event.add("uid", f"reassessment-{iso2.lower()}@{UID_DOMAIN}")
        event.add("dtstamp", newest_at)
        event.add("last-modified", newest_at)
        event.add("sequence", newest_id)  # grows with every assessment recorded for the nation
        event.add("summary", f"Reassessment due: {nation.name}")
        event.add("dtstart", due)
        event.add("dtend", due + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("categories", ["IPSLO", "reassessment"])
        lines = [
            f"{nation.name} is due for reassessment by {fmt_date(due)}: 3 years after its last assessment "
            "(46 U.S.C. 70108(d)).",
            f"Last assessment: {fmt_date(assessment.assessed_on)}, found {assessment.outcome}.",
            f"In Slack: /ipslo status {nation.name.lower()}",
        ]
        if ctx.slack_link:
            lines.append(ctx.slack_link)
            event.add("url", ctx.slack_link)
        event.add("description", "\n".join(lines))
        events.append(event)
    return events


def feed_calendar(*, session: Session, feed: CalendarFeed, now: dt.datetime) -> Calendar:
    """The calendar a feed serves, read from the database as it is now."""
    from icalendar import Calendar

    nations = {n.iso2: n for n in nation_store.list_nations(session=session)}
    names = {o.user_id: o.name for o in session.scalars(select(Officer))}
    owner = names.get(feed.user_id, feed.user_id)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    if feed.scope == MINE:
        visits = list(
            session.scalars(select(Visit).where(Visit.lead_user_id == feed.user_id).order_by(Visit.starts_on, Visit.id))
        )
        cal.add("x-wr-calname", f"IPSLO: {owner}'s visits and reminders")
        cal.add("name", f"IPSLO: {owner}'s visits and reminders")
    else:
        visits = tracker_store.all_visits(session=session)
        cal.add("x-wr-calname", "IPSLO team: visits and reassessments")
        cal.add("name", "IPSLO team: visits and reassessments")
    imported = tracker_store.provenance(session=session, record=tracker_store.VISIT, ids=[v.id for v in visits])
    ctx = FeedContext(nations, names, imported, feed.slack_link)
    for visit in visits:
        cal.add_component(visit_event(visit, ctx, busy=feed.scope == MINE))
    if feed.scope == MINE:
        pending = session.scalars(
            select(Reminder)
            .where(Reminder.owner_user_id == feed.user_id, Reminder.state == reminder_store.PENDING)
            .order_by(Reminder.due_at, Reminder.id)
        )
        for reminder in pending:
            cal.add_component(reminder_event(reminder, ctx))
    else:
        for event in reassessment_events(session, ctx):
            cal.add_component(event)
    return cal


def feed_bytes(*, session: Session, feed: CalendarFeed, now: dt.datetime) -> bytes:
    return feed_calendar(session=session, feed=feed, now=now).to_ical()


SUBCOMMANDS = (
    # In Slack (and the console), bot/calendar.py answers `/ipslo calendar` itself, with IPSLO_PUBLIC_URL.
    Subcommand(
        "calendar",
        "calendar [reset [mine|team]]",
        "Private addresses to subscribe to your visits and reminders, and the team's, from Outlook or a phone",
        "/ipslo calendar",
        lambda inv, text: calendar(inv, text, public_url=None),
        aliases=("ical", "ics"),
    ),
)
