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
    # Forms and their one-tap openers (bot/visits.py, bot/home.py); none may start with REMINDER's "reminder_".
    NATION = "nation_choice"  # every nation menu in a form: an external_select typed ahead by bot/options.py
    PLAN_VISIT = "visit_plan"  # value: a nation code or ""; opens the visit form
    EDIT_VISIT = "visit_edit"  # value: a visit id; opens the visit form filled in
    CANCEL_VISIT = "visit_cancel"  # value: a visit id; the button asks for confirmation first
    VISIT_MENU = "visit_menu"  # an App Home visit row's overflow menu; option values "<verb>:<visit id>" (VisitVerb)
    SET_REMINDER = "remind_open"  # value: a nation code, "visit:<id>" or ""; opens the reminder form
    ASK_QUESTION = "ask_open"  # opens the question form
    ASSESS = "assess_open"  # opens the assessment form (admins; App Home)
    COE_FORM = "coe_open"  # opens the COE and area form (admins; App Home, beside "last confirmed over 90 days ago")
    HOME_REMINDER = "home_remind_"  # Done and Snooze on App Home: HOME_REMINDER + ReminderVerb, value: reminder id
    SHARE = "reply_share"  # value: the /ipslo text that made the reply; posts the same answer for the channel
    RUN = "reply_run"  # value: an /ipslo text that only reads; its answer replaces the message ("Did you mean ...?")


class ReminderVerb(StrEnum):
    """What a reminder's buttons do (the part of the action id after ``Action.REMINDER``)."""

    DONE = "done"
    SNOOZE_HOUR = "snooze_hour"
    SNOOZE_TOMORROW = "snooze_tomorrow"
    SNOOZE_WEEK = "snooze_week"


class VisitVerb(StrEnum):
    """What an App Home visit row's overflow menu does (the part of the option value before ":<visit id>")."""

    EDIT = "edit"
    CANCEL = "cancel"
    NOTE = "note"
    REMIND = "remind"


class Form(StrEnum):
    """``callback_id`` of a modal."""

    NOTE = "note_form"
    COE = "coe_form"  # Conditions of Entry and the area (bot/coe.py): bare `/ipslo coe` opens it for admins
    COE_DONE = "coe_form_done"  # the COE form turned into what was recorded; nothing is submitted from it
    VISIT = "visit_form"
    CANCEL_VISIT = "visit_cancel_form"  # "Cancel this visit?" asked from an App Home menu (menus have no confirm)
    REMINDER = "reminder_form"
    ASSESS = "assess_form"
    ASK = "ask_form"
    IMPORT = "import_form"  # the tracker import (bot/import_form.py): bare `/ipslo import` opens it for admins
    IMPORT_PREVIEW = "import_preview"  # the import form turned into its preview; submitting it is Confirm import
    IMPORT_DONE = "import_done"  # the preview turned into what was written; nothing is submitted from it


class Shortcut(StrEnum):
    """``callback_id`` of a shortcut declared in manifest.yml."""

    SAVE_VISIT_NOTE = "save_visit_note"
    PLAN_VISIT = "plan_visit"  # global shortcut: the visit form
    SET_REMINDER = "set_reminder"  # global shortcut: the reminder form
