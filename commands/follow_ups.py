"""The one-tap next steps under a `status` or `visits` reply: share the same answer in the channel, plan a visit,
add a note. Each button's listener is in bot/ (bot/forms.py, bot/visits.py, bot/notes.py)."""

from __future__ import annotations

from commands.ids import Action
from commands.language import Button, Buttons, Icon


def follow_ups(typed: str, nation_iso2: str = "") -> Buttons:
    """``typed`` is the `/ipslo` text that made the reply (Share runs it again for the channel); ``nation_iso2`` is
    the nation the form opens with, if the reply is about one."""
    return Buttons(
        (
            Button("Share in channel", Action.SHARE, typed, icon=Icon.SHARE),
            Button("Plan a visit", Action.PLAN_VISIT, nation_iso2, icon=Icon.VISIT),
            Button("Add note", Action.ADD_NOTE, nation_iso2, icon=Icon.NOTE),
        )
    )
