"""The knowledge base on Slack: "See also" buttons open the linked entry; "Not right?" records an answer officers
found wrong; an admin's "Fixed #N" under `/ipslo ask misses` marks one fixed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.runtime import Bot
from commands import knowledge
from commands.language import Invocation, Reply


def register(app: App, bot: Bot) -> None:
    def acknowledge(ack: Any) -> None:
        ack()

    def answer_presser(operation: Callable[[Invocation, str], Reply], what: str) -> Callable[..., None]:
        """After the ack (a lazy listener): run the button's operation and tell the presser only."""

        def lazy(action: dict, context: Any, respond: Any) -> None:
            value = action.get("value", "")
            reply = bot.run(lambda inv: operation(inv, value), context["caller"], what)  # a refusal is its reply
            respond(**{**bot.views.message(reply), "response_type": "ephemeral"}, replace_original=False)

        return lazy

    app.action(re.compile("^" + re.escape(knowledge.SHOW_ENTRY)))(
        ack=acknowledge, lazy=[answer_presser(knowledge.show_entry, "isps: see also")]
    )
    app.action(knowledge.NOT_RIGHT)(ack=acknowledge, lazy=[answer_presser(knowledge.not_right, "ask: not right")])
    app.action(re.compile("^" + re.escape(knowledge.MISS_FIXED)))(
        ack=acknowledge, lazy=[answer_presser(knowledge.miss_fixed, "ask: miss fixed")]
    )
