"""The knowledge base on Slack: the "See also" buttons under an entry open the linked entry."""
from __future__ import annotations

import re
from typing import Any

from slack_bolt import App

from bot import views
from bot.app import Bot
from commands import knowledge


def register(app: App, bot: Bot) -> None:
    @app.action(re.compile("^" + re.escape(knowledge.SHOW_ENTRY)))
    def on_see_also(ack: Any, action: dict, context: Any, respond: Any) -> None:
        ack()
        reply = bot.run(lambda inv: knowledge.show_entry(inv, action.get("value", "")), context["caller"], "isps: see also")
        respond(**views.message(reply), replace_original=False)
