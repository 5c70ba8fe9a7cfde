"""The App Home tab: the officer's desk, published whenever they open it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import views
from bot.runtime import Bot
from commands.home import desk

log = logging.getLogger("ipslo")


def register(app: App, bot: Bot) -> None:
    def acknowledge(ack: Any) -> None:
        ack()

    def publish_desk(event: dict, context: Any) -> None:
        """After the ack (a lazy listener): build the desk and publish it to the officer's Home tab."""
        if event.get("tab") not in (None, "home") or "caller" not in context:
            return
        reply = bot.run(desk, context["caller"], "App Home")
        try:
            bot.client.views_publish(user_id=event["user"], view={"type": "home", "blocks": views.blocks(reply)[:100]})
        except SlackApiError as error:
            log.warning("views.publish failed for %s: %s", event["user"], error.response.get("error"))

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_desk])
