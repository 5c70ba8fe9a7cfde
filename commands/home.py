"""The officer's desk on the App Home tab: my next visits, my reminders, and nations that need attention."""

from __future__ import annotations

import datetime as dt

from commands.coe import confirmation_overdue
from commands.ids import Action, ReminderVerb, VisitVerb
from commands.language import (
    Button,
    Buttons,
    Caption,
    Divider,
    Icon,
    Invocation,
    Menu,
    Part,
    Reply,
    Section,
    Strong,
    Text,
    Typed,
    bullets,
    words,
)
from commands.nations import coe_as_of, fmt_date, standing, without_due_date
from commands.reminders import LIST_REMINDERS, REMIND_EXAMPLE, about_text, reminder_line
from commands.visits import PLAN_ONE, visit_line
from storage import nations as nation_store
from storage import reminders as reminder_store
from storage import visits as visit_store

SHOW = 10


def desk(inv: Invocation) -> Reply:
    session, me, today = inv.session, inv.caller.user_id, inv.today
    all_nations = nation_store.list_nations(session=session)
    names = {n.iso2: n.name for n in all_nations}
    records = nation_store.nation_records(session=session, nations=all_nations)

    mine = [
        v
        for v in visit_store.visits_led_by(session=session, user_id=me, since=today)
        if v.starts_on <= today + dt.timedelta(days=90)
    ]
    visit_lines = [visit_line(v, names.get(v.nation_iso2, v.nation_iso2), today=today) for v in mine[:SHOW]]

    reminders = reminder_store.reminders_of(session=session, owner_user_id=me)
    reminder_lines = [reminder_line(r, inv.caller.tz, about_text(r, names)) for r in reminders[:SHOW]]

    watch: list[Text] = []
    under_coe = 0
    states = [(record, standing(record, today=today, tz=inv.caller.tz)) for record in records]
    for record, state in states:
        # places covered by their sovereign's assessment are never due
        under_coe += state.under_coe
        if record.nation.in_area and state.overdue:
            watch.append(words(Strong(record.nation.name), f": reassessment overdue since {fmt_date(state.due)}"))
        elif record.nation.in_area and state.due_soon:
            watch.append(words(Strong(record.nation.name), f": reassessment due {fmt_date(state.due)}"))
    stale = confirmation_overdue(session=session, today=today) if inv.caller.is_admin else ""

    parts: list[Part] = [
        Buttons(
            (
                Button("Plan a visit", Action.PLAN_VISIT, "", style="primary", icon=Icon.VISIT),
                Button("Add a note", Action.ADD_NOTE, "", icon=Icon.NOTE),
                Button("Set a reminder", Action.SET_REMINDER, "", icon=Icon.REMINDER),
                Button("Ask a question", Action.ASK_QUESTION, "", icon=Icon.SEARCH),
            )
        ),
        Section(
            words(
                Strong("Your visits, next 90 days"),
                None if visit_lines else words("\nNone planned. Plan one: ", PLAN_ONE),
            )
        ),
        *(Section(line, accessory=visit_menu(visit.id)) for line, visit in zip(visit_lines, mine, strict=False)),
        *more(len(mine), "visits", Typed("/ipslo visits mine")),
        Section(words(Strong("Your reminders"), None if reminder_lines else words("\nNone open. ", REMIND_EXAMPLE))),
        *(part for line, r in zip(reminder_lines, reminders, strict=False) for part in reminder_row(line, r.id)),
        *more(len(reminders), "reminders", LIST_REMINDERS),
        Divider(),
        Section(
            words(
                Strong("Reassessment watch"),
                " (46 U.S.C. 70108(d): at least every 3 years)\n",
                bullets(watch[:SHOW])
                if watch
                else "No nation in our area with an assessment on record is overdue or due within 6 months.",
                "\n",
                without_due_date(states),
            )
        ),
        Section(
            words(
                Strong("Conditions of Entry"),
                f": {under_coe} nations (",
                coe_as_of(inv),
                "). ",
                Typed("/ipslo nations coe"),
            )
        ),
        *(
            [Section(stale, icon=Icon.WARNING, accessory=Button("Update the list", Action.COE_FORM, ""))]
            if stale
            else []
        ),
        Caption(
            words(
                "Type ",
                Typed("/ipslo help"),
                f" in any channel for every command. Times are shown in your Slack time zone ({inv.caller.tz.key}).",
            )
        ),
    ]
    if inv.caller.is_admin:
        parts.insert(-1, Buttons((Button("Record an assessment", Action.ASSESS, "", icon=Icon.NOTE),)))
    return Reply("Your IPSLO desk", header="Your IPSLO desk", parts=tuple(parts))


def visit_menu(visit_id: int) -> Menu:
    """A visit row's menu (bot/visits.py answers it)."""
    return Menu(
        Action.VISIT_MENU,
        (
            ("Edit", f"{VisitVerb.EDIT}:{visit_id}"),
            ("Cancel visit", f"{VisitVerb.CANCEL}:{visit_id}"),
            ("Add note", f"{VisitVerb.NOTE}:{visit_id}"),
            ("Remind me", f"{VisitVerb.REMIND}:{visit_id}"),
        ),
    )


def reminder_row(line: Text, reminder_id: int) -> tuple[Section, Buttons]:
    """A reminder with Done and Snooze, as in its direct message (bot/forms.py answers them)."""
    value = str(reminder_id)
    return (
        Section(line),
        Buttons(
            (
                Button("Done", Action.HOME_REMINDER + ReminderVerb.DONE, value, style="primary"),
                Button("Snooze 1 hour", Action.HOME_REMINDER + ReminderVerb.SNOOZE_HOUR, value),
                Button("Tomorrow 09:00", Action.HOME_REMINDER + ReminderVerb.SNOOZE_TOMORROW, value),
                Button("Next week", Action.HOME_REMINDER + ReminderVerb.SNOOZE_WEEK, value),
            )
        ),
    )


def more(count: int, what: str, command: Typed) -> list[Caption]:
    return [Caption(words(f"…and {count - SHOW} more {what}: ", command))] if count > SHOW else []
