"""The App Home tab: an officer opening it sees their desk, published through views.publish."""

from __future__ import annotations

import datetime as dt
import json
import time

from bot.slack_standin import sign
from tests.conftest import ADMIN, OFFICER, SIGNING_SECRET


def open_home(workspace, user: str) -> dict:
    body = json.dumps(
        {
            "token": "deprecated",
            "team_id": workspace.standin.team_id,
            "api_app_id": workspace.standin.app_id,
            "type": "event_callback",
            "event_id": f"Ev{time.time_ns()}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": "D0HOME",
                "tab": "home",
                "event_ts": str(time.time()),
            },
        }
    )

    def mine() -> list:  # a change an officer made publishes their desk too (bot/home.py), perhaps just now
        return [c for c in workspace.standin.calls_to("views.publish") if c.args["user_id"] == user]

    before = len(mine())
    answer = workspace.post(body, sign(body, SIGNING_SECRET))
    assert answer.status == 200
    # The desk is built after Slack's request is acknowledged (a lazy listener).
    assert workspace.standin.wait_for(lambda: len(mine()) > before, timeout=10), "the home tab was not published"
    return mine()[-1].view()


def home_text(view: dict) -> str:
    from tests.reading import render

    return render({"blocks": view["blocks"]})


def test_home_tab_shows_the_desk_with_nations_needing_attention(workspace) -> None:
    workspace.command("assess tonga 2023-11-12 substantially implementing", user=ADMIN)
    text = home_text(open_home(workspace, OFFICER))
    assert "Your IPSLO desk" in text
    assert "Tonga: reassessment overdue since" in text
    assert "Conditions of Entry: 22 nations (public list as of 30 Sep 2025)" in text
    assert "Asia/Tokyo" in text  # the officer's own zone, from users.info


def test_home_tab_lists_my_visits(workspace) -> None:
    start = dt.date.today() + dt.timedelta(days=40)
    workspace.command(f"visit add fiji {start:%Y-%m-%d} country visit", user=OFFICER)
    text = home_text(open_home(workspace, OFFICER))
    assert "Fiji" in text and f"{start:%-d %b}" in text
    other = home_text(open_home(workspace, ADMIN))
    assert "None planned" in other


def test_home_on_a_fresh_database_says_how_many_nations_have_no_assessment_as_nations_overdue_does(workspace) -> None:
    overdue = workspace.command("nations overdue").text
    said = "41 nations in our area have no assessment on record, so no due date is known"
    assert said in overdue
    text = home_text(open_home(workspace, OFFICER))
    assert "No nation in our area with an assessment on record is overdue or due within 6 months." in text
    assert said in text and "No nation in our area is overdue" not in text
    sentence = next(line for line in text.splitlines() if said in line)
    assert sentence.strip() in overdue  # the same sentence, from the same function
    workspace.command("assess tonga 2023-11-12 substantially implementing", user=ADMIN)
    text = home_text(open_home(workspace, OFFICER))
    assert "Tonga: reassessment overdue since" in text
    assert "40 nations in our area have no assessment on record" in text
