"""Every id Slack sends back to us: buttons (action ids), forms (callback ids) and shortcuts, in one place.

Commands put them on the buttons of their replies; ``bot/`` routes Slack's payloads by them. A new button or form
gets its id here first, so a reader finds who sends it and who answers it by one name."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """``action_id`` of a button or menu."""

    ADD_NOTE = "note_add"  # value: a nation code, or "visit:<id>"; opens the note form (bot/notes.py)
    NOTES_MORE = "notes_more"  # the next page of a nation's notes
    SEARCH_MORE = "search_more"  # the next page of search results
    NOTE_NATION_PICKED = "note_nation_picked"  # the note form's nation menu: offers that nation's visits
    SHOW_ENTRY = (
        "knowledge_show_entry"  # a "See also" button; the action id is SHOW_ENTRY:<entry id>, unique per message
    )
    NOT_RIGHT = "knowledge_not_right"  # under a knowledge answer; value: JSON of the question, entry id, who asked
    MISS_FIXED = "knowledge_miss_fixed"  # under `ask misses`: MISS_FIXED:<number>, value: the miss's number (admins)
    REMINDER = "reminder_"  # a reminder's Done and Snooze buttons: REMINDER + verb (see Reminder)


class ReminderVerb(StrEnum):
    """What a reminder's buttons do (the part of the action id after ``Action.REMINDER``)."""

    DONE = "done"
    SNOOZE_HOUR = "snooze_hour"
    SNOOZE_TOMORROW = "snooze_tomorrow"
    SNOOZE_WEEK = "snooze_week"


class Form(StrEnum):
    """``callback_id`` of a modal."""

    NOTE = "note_form"
    COE = "coe_form"  # Conditions of Entry and the area (bot/coe.py): bare `/ipslo coe` opens it for admins
    COE_DONE = "coe_form_done"  # the COE form turned into what was recorded; nothing is submitted from it


class Shortcut(StrEnum):
    """``callback_id`` of a shortcut declared in manifest.yml."""

    SAVE_VISIT_NOTE = "save_visit_note"
