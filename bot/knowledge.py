"""The knowledge base on Slack: "See also" buttons open the linked entry; "Not right?" records an answer officers
found wrong; an admin's "Fixed #N" under `/ipslo ask misses` marks one fixed."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App

from bot import views
from bot.runtime import Bot
from commands import knowledge


def register(app: App, bot: Bot) -> None:
    def acknowledge(ack: Any) -> None:
        ack()

    def show_linked_entry(action: dict, context: Any, respond: Any) -> None:
        """After the ack (a lazy listener): the linked entry, posted to the button's response_url."""
        reply = bot.run(
            lambda inv: knowledge.show_entry(inv, action.get("value", "")), context["caller"], "isps: see also"
        )
        respond(**views.message(reply), replace_original=False)

    def record_not_right(action: dict, context: Any, respond: Any) -> None:
        """After the ack: record the answer as not right, and tell the presser it was (only them)."""
        reply = bot.run(lambda inv: knowledge.not_right(inv, action.get("value", "")), context["caller"], "ask: not right")
        respond(**views.message(reply), response_type="ephemeral", replace_original=False)

    def mark_fixed(action: dict, context: Any, respond: Any) -> None:
        """After the ack: mark a recorded miss fixed (admins; anyone else is told why not)."""
        reply = bot.run(
            lambda inv: knowledge.miss_fixed(inv, action.get("value", "")), context["caller"], "ask: miss fixed"
        )
        respond(**views.message(reply), response_type="ephemeral", replace_original=False)

    app.action(re.compile("^" + re.escape(knowledge.SHOW_ENTRY)))(ack=acknowledge, lazy=[show_linked_entry])
    app.action(knowledge.NOT_RIGHT)(ack=acknowledge, lazy=[record_not_right])
    app.action(re.compile("^" + re.escape(knowledge.MISS_FIXED)))(ack=acknowledge, lazy=[mark_fixed])
