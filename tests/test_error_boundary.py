"""One error boundary: a refusal raised anywhere (a command, a date, a button) reaches the officer as a reply
that says what to type instead; only our own failures say "Something went wrong"."""

from __future__ import annotations

from sqlalchemy import delete

from storage.knowledge import KnowledgeEntry
from tests.conftest import OFFICER, SIGNING_SECRET
from tests.reading import render


def press(workspace, action_id: str, value: str) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": OFFICER, "name": "kim", "team_id": workspace.standin.team_id},
        "channel": {"id": "C0STANDIN", "name": "ipslo-team"},
        "container": {"type": "message", "channel_id": "C0STANDIN", "is_ephemeral": True},
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1700000000.1"}
        ],
    }
    body, headers = workspace.standin.interaction(payload, signing_secret=SIGNING_SECRET)
    assert workspace.post(body, headers).status == 200


def test_see_also_button_whose_entry_has_gone_says_so_instead_of_failing(workspace) -> None:
    answer = workspace.command("isps A/16")
    button = next(e for b in answer.body["blocks"] if b["type"] == "actions" for e in b["elements"])
    with workspace.database.sessions.begin() as session:  # the linked entry leaves the knowledge base
        session.execute(delete(KnowledgeEntry).where(KnowledgeEntry.id == button["value"]))
    press(workspace, button["action_id"], button["value"])
    assert workspace.standin.wait_for(lambda: len(workspace.standin.responses) == 1, timeout=5)
    shown = render(workspace.standin.responses[0].body)
    assert "no longer in the knowledge base" in shown and "/ipslo isps" in shown
    assert "Something went wrong" not in shown


def test_a_date_refusal_is_a_refusal_with_the_forms_we_read(workspace) -> None:
    answer = workspace.command("visit add fiji sometime in spring")
    assert "couldn't find a date" in answer.text and "Dates I understand" in answer.text
    assert "Something went wrong" not in answer.text


def test_an_ambiguous_numeric_date_says_both_readings_and_the_usage_not_every_form(workspace) -> None:
    answer = workspace.command("visit add fiji 03/04/2027")
    assert "2027-03-04 (4 March) or 2027-04-03 (3 April)" in answer.text and "YYYY-MM-DD" in answer.text
    assert "Usage:" in answer.text and "Dates I understand" not in answer.text
    assert "Something went wrong" not in answer.text


def test_a_day_that_does_not_exist_is_refused_with_the_reason_and_the_usage_not_every_form(workspace) -> None:
    answer = workspace.command("visit add fiji 31 feb 2027")
    assert "isn't a real date" in answer.text and "February 2027 has 28 days" in answer.text
    assert "Usage:" in answer.text and "/ipslo visit add" in answer.text
    assert "Dates I understand" not in answer.text  # the form was right; the day does not exist


def test_a_date_read_but_refused_for_what_it_is_says_why_and_the_usage_not_every_form(workspace) -> None:
    backwards = workspace.command("visit add fiji 2027-01-20 to 2027-01-18 country visit")
    assert "The end date (Mon 18 Jan 2027) is before the start date (Wed 20 Jan 2027)." in backwards.text
    past = workspace.command("remind fiji yesterday call the DA")
    assert "“yesterday” is in the past" in past.text
    for answer in (backwards, past):
        assert "Usage:" in answer.text and "Dates I understand" not in answer.text


def test_admin_only_refusal_comes_through_the_same_boundary(workspace) -> None:
    answer = workspace.command("assess fiji 2026-10-03 substantially implementing trip report 1")
    assert "only admins may run it" in answer.text and "IPSLO_ADMINS" in answer.text
