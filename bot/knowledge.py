"""The knowledge base on Slack: the "See also" buttons under an entry open the linked entry."""

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

    app.action(re.compile("^" + re.escape(knowledge.SHOW_ENTRY)))(ack=acknowledge, lazy=[show_linked_entry])
