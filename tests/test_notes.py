"""Visit notes as officers write and use them in Slack: quick notes, the form, the message shortcut, lists, edits with
history, export; text kept exactly, never twice."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from storage.notes import Note, NoteChange, NoteFollowUp
from storage.reminders import Reminder
from tests.conftest import ADMIN, OFFICER, SIGNING_SECRET, Answer, Workspace, served

UTC = dt.UTC
#: Wednesday 25 Nov 2026, 12:00 in Tokyo (the officer's zone), 11:00 in Singapore (the admin's).
NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
AUTHOR = "U0AUTHOR"

#: Everything officers paste into notes: mrkdwn, emoji, mentions, links, channels, Japanese, Thai, Tongan.
MIXED = (
    "*Met the DA* _today_ ~not final~ `PFSP-0042` :ship: :flag-fj: <@U0ADMIN> has the "
    "<https://example.gov/psa?x=1&amp;y=2|PSA draft> "
    "(see <#C0STANDIN|ipslo-team>) &lt;draft&gt;\n"
    "日本語: 港湾施設の保安計画（PFSP）を確認しました。\n"
    "ภาษาไทย: ตรวจสอบท่าเรือแล้ว ผู้ตรวจการเห็นด้วย\n"
    "Tonga: ʻEua, Nukuʻalofa, Vavaʻu, Haʻapai; tāpuaki ē ī ō ū\n"
    "> quoted line\n• bullet 🚢⚓️👍🏽"
)


def written(slack_text: str) -> str:
    """What the officer wrote, as it is kept: from text as Slack sends it (``&amp;`` ``&lt;`` ``&gt;`` escaped), each
    person mentioned written as the officer's language writes a person (``<@U0ADMIN>`` is ``@U0ADMIN``)."""
    text = re.sub(r"<@([UW][A-Z0-9]+)(?:\|[^<>\n]*)?>", r"@\1", slack_text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.fixture
def desk(settings, database, standin) -> Iterator[Workspace]:
    """The real app over HTTP, its clock stopped at :data:`NOW`."""
    standin.add_user(AUTHOR, name="pat", real_name="Pat Author", tz="Pacific/Fiji")
    with served(settings, database, standin, clock=lambda: NOW) as workspace:
        yield workspace


def stored(workspace: Workspace) -> list[Note]:
    with workspace.database.sessions() as session:
        return list(session.scalars(select(Note).order_by(Note.id)))


def interact(workspace: Workspace, payload: dict, user: str = OFFICER) -> Answer:
    payload = {"user": {"id": user, "name": user.lower(), "team_id": workspace.standin.team_id}, **payload}
    body, headers = workspace.standin.interaction(payload, signing_secret=SIGNING_SECRET)
    return workspace.post(body, headers)


def press(workspace: Workspace, button: dict, user: str = OFFICER, **extra) -> Answer:
    """Click a button of a message the bot sent."""
    return interact(
        workspace,
        {
            "type": "block_actions",
            "channel": {"id": "C0STANDIN", "name": "ipslo-team"},
            "container": {"type": "message", "channel_id": "C0STANDIN", "is_ephemeral": True},
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": "b",
                    "value": button.get("value", ""),
                    "action_ts": "1700000000.1",
                }
            ],
            **extra,
        },
        user,
    )


def buttons(answer_or_body: Answer | dict) -> list[dict]:
    body = answer_or_body.body if isinstance(answer_or_body, Answer) else answer_or_body
    return [e for b in body.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def after_answer(workspace: Workspace, method: str, count: int = 1) -> list:
    """The bot's calls to ``method`` made after it answered Slack (lazily), once there are ``count`` of them."""
    assert workspace.standin.wait_for(lambda: len(workspace.standin.calls_to(method)) >= count), f"no {method}"
    return workspace.standin.calls_to(method)


def opened_form(workspace: Workspace) -> dict:
    call = after_answer(workspace, "views.open")[-1]
    assert call.response["ok"], call.response
    return workspace.standin.views[call.response["view"]["id"]]


def filled(view: dict, **answers) -> dict:
    """The form's state as Slack sends it: what the officer typed in ``answers`` (by block id), the initial values
    elsewhere."""
    values: dict = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        answer = answers.get(block_id)
        kind = element["type"]
        if kind in ("static_select", "external_select"):
            chosen = answer if answer is not None else (element.get("initial_option") or {}).get("value")
            state = {
                "selected_option": {"text": {"type": "plain_text", "text": chosen or ""}, "value": chosen}
                if chosen
                else None
            }
        elif kind == "datepicker":
            state = {"selected_date": answer if answer is not None else element.get("initial_date")}
        elif kind == "users_select":
            state = {"selected_user": answer}
        else:
            state = {"value": answer if answer is not None else element.get("initial_value")}
        values[block_id] = {element["action_id"]: {"type": kind, **state}}
    return values


def submit(workspace: Workspace, view: dict, values: dict, user: str = OFFICER) -> Answer:
    return interact(workspace, {"type": "view_submission", "view": {**view, "state": {"values": values}}}, user)


def section_texts(body: dict) -> list[str]:
    return [b["text"]["text"] for b in body["blocks"] if b["type"] == "section" and "text" in b]


def check_block_kit_limits(body: dict) -> None:
    assert len(body["blocks"]) <= 50
    for block in body["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000


# --- quick notes -------------------------------------------------------------------------------


def test_a_quick_note_is_filed_under_the_nation_and_the_visit_that_just_ended(desk: Workspace) -> None:
    desk.command("visit add fiji 2026-11-16 to 2026-11-20 country visit")
    answer = desk.command("note fiji Met the DA; PFSP review for Suva still pending")
    assert answer.status == 200 and answer.ephemeral
    assert "Saved note #1 under Fiji, visit #1 (country visit, Mon 16 Nov – Fri 20 Nov 2026)." in answer.text
    [note] = stored(desk)
    assert (note.nation_iso2, note.visit_id, note.author_user_id) == ("FJ", 1, OFFICER)
    assert note.text == "Met the DA; PFSP review for Suva still pending"
    assert note.noted_on == dt.date(2026, 11, 25)


def test_a_note_long_after_a_visit_is_filed_under_the_nation_only(desk: Workspace) -> None:
    desk.command("visit add tonga 2026-10-01 to 2026-10-03 country visit")
    answer = desk.command("note tonga Call with the Ports Authority")
    assert "Saved note #1 under Tonga." in answer.text
    assert stored(desk)[0].visit_id is None


def test_mrkdwn_emoji_mentions_links_japanese_thai_and_tongan_come_back_exactly(desk: Workspace) -> None:
    answer = desk.command("note fiji " + MIXED)
    assert "Saved note #1" in answer.text
    assert stored(desk)[0].text == written(MIXED)
    shown = desk.command("note 1")
    assert section_texts(shown.body)[0] == MIXED
    assert "Note #1 · Fiji" in shown.text


@pytest.mark.parametrize("text", ["港湾施設の保安計画を確認", "— PFSO absent", "ʻEua: wharf fencing", "ภาษาไทย ok"])
def test_a_note_may_start_with_any_script_or_sign(desk: Workspace, text: str) -> None:
    assert "Saved note #1 under Tonga." in desk.command(f"note tonga {text}").text
    assert stored(desk)[0].text == written(text)


def test_a_ten_thousand_character_note_is_stored_whole_and_shown_within_block_kit_limits(desk: Workspace) -> None:
    paragraph = (
        MIXED + "\n\n" + "The PFSO walked us through the access control points at the container terminal. " * 3 + "\n"
    )
    text = (paragraph * 30)[:10_000].rstrip() + "。"
    text = text[:10_000]
    assert len(text) == 10_000
    assert "Saved note #1" in desk.command("note fiji " + text).text
    assert stored(desk)[0].text == written(text)

    shown = desk.command("note 1")
    check_block_kit_limits(shown.body)
    pieces = section_texts(shown.body)
    assert len(pieces) >= 4
    # Cut only at line breaks or spaces, nothing lost: the pieces hold every character, in order.
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_a_note_over_ten_thousand_characters_is_refused_and_nothing_is_saved(desk: Workspace) -> None:
    answer = desk.command("note fiji " + "x" * 10_001)
    assert "A note holds up to 10,000 characters; this one has 10,001." in answer.text
    assert stored(desk) == []


def test_the_same_request_twice_makes_one_note(desk: Workspace) -> None:
    first = desk.command("note fiji Agreed to a drill in March")
    again = desk.command("note fiji Agreed to a drill in March")
    assert "Saved note #1" in first.text
    assert "already saved as note #1" in again.text
    assert len(stored(desk)) == 1
    # A different note, or the same words from someone else, is a new note.
    desk.command("note fiji Agreed to a drill in April")
    desk.command("note fiji Agreed to a drill in March", user=ADMIN)
    assert len(stored(desk)) == 3


def test_a_note_needs_a_nation_it_can_name(desk: Workspace) -> None:
    answer = desk.command("note Met the DA yesterday")
    assert "Which nation is this note about?" in answer.text
    answer = desk.command("note fijji Met the DA")
    assert "Fiji" in answer.text and "Which nation" in answer.text
    assert stored(desk) == []


def test_note_add_is_read_as_note_and_new_zealand_stays_a_nation(desk: Workspace) -> None:
    answer = desk.command("note add fiji Met the DA about the PFSP review")
    assert "Saved note" in answer.text and "Fiji" in answer.text
    answer = desk.command("note new zealand Port visit planned for March")
    assert "Saved note" in answer.text and "New Zealand" in answer.text
    answer = desk.command("note add narnia met the DA")
    assert "“narnia” isn't one I know" in answer.text  # the nation typed is named, not the verb
    assert [n.text for n in stored(desk)] == ["Met the DA about the PFSP review", "Port visit planned for March"]


def test_a_mistyped_verb_before_a_note_number_is_told_not_guessed(desk: Workspace) -> None:
    answer = desk.command("note edt 1 Met the DA again")
    assert "Did you mean `/ipslo note edit 1 Met the DA again`?" in answer.text
    answer = desk.command("note delet 1")
    assert "Did you mean `/ipslo note delete 1`?" in answer.text
    assert stored(desk) == []  # nothing written, nothing deleted on a guess


def test_note_search_is_pointed_to_the_search_and_a_word_is_offered_no_nations(desk: Workspace) -> None:
    answer = desk.command("note search pfsp review")
    assert "/ipslo search pfsp review" in answer.text  # the line to send instead
    answer = desk.command("note atlantis met the DA")
    assert "Which nation is this note about?" in answer.text and "Did you mean" not in answer.text
    assert stored(desk) == []


# --- the form ----------------------------------------------------------------------------------


def test_note_alone_opens_the_form_and_its_submission_saves_the_note_with_follow_up_reminders(desk: Workspace) -> None:
    desk.command("status fiji", user=ADMIN)  # the bot now knows the admin's zone (Singapore)
    desk.command("visit add fiji 2026-11-23 to 2026-11-27 country visit")
    answer = desk.command("note")
    assert answer.status == 200
    view = opened_form(desk)
    assert view["callback_id"] == "note_form" and view["title"]["text"] == "Visit note"

    # The officer picks the nation: the form offers that nation's visits, the current one chosen.
    picked = interact(
        desk,
        {
            "type": "block_actions",
            "view": {**view, "state": {"values": filled(view, nation="FJ")}},
            "actions": [
                {
                    "type": "static_select",
                    "action_id": "note_nation_picked",
                    "block_id": "nation",
                    "selected_option": {"value": "FJ"},
                    "action_ts": "1",
                }
            ],
        },
    )
    assert picked.status == 200
    after_answer(desk, "views.update")
    view = desk.standin.views[view["id"]]
    visit_block = next(b for b in view["blocks"] if b.get("block_id", "").startswith("visit_"))
    assert visit_block["element"]["initial_option"]["value"] == "1"

    values = filled(
        view,
        nation="FJ",
        text_0="Line one\nLine two with <@U0ADMIN>",
        tags="PFSP, #DA drills",
        follow_up_1="Send the PFSP template",
        follow_up_1_owner=ADMIN,
        follow_up_1_due="2026-12-01",
        follow_up_2="Book the reciprocal visit",
        follow_up_2_due="2026-12-10",
    )
    done = submit(desk, view, values)
    assert done.status == 200 and done.body == {}  # the form closes
    [note] = stored(desk)
    assert note.text == "Line one\nLine two with <@U0ADMIN>"
    assert (note.visit_id, note.tag_list) == (1, ["pfsp", "da", "drills"])
    with desk.database.sessions() as session:
        follow = list(session.scalars(select(NoteFollowUp).order_by(NoteFollowUp.id)))
        reminders = {r.id: r for r in session.scalars(select(Reminder).where(Reminder.text.like("Follow-up%")))}
    assert [(f.text, f.owner_user_id, f.due_on) for f in follow] == [
        ("Send the PFSP template", ADMIN, dt.date(2026, 12, 1)),
        ("Book the reciprocal visit", OFFICER, dt.date(2026, 12, 10)),
    ]
    admin_reminder, own_reminder = reminders[follow[0].reminder_id], reminders[follow[1].reminder_id]
    assert admin_reminder.owner_user_id == ADMIN
    assert admin_reminder.due_at == dt.datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Singapore
    assert own_reminder.due_at == dt.datetime(2026, 12, 10, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    assert admin_reminder.text == "Follow-up from note #1 (Fiji): Send the PFSP template"

    [confirmation] = after_answer(desk, "chat.postEphemeral")
    assert confirmation.args["user"] == OFFICER and confirmation.args["channel"] == "C0STANDIN"
    assert "Saved note #1 under Fiji, visit #1" in confirmation.args["text"]


def test_a_tag_of_several_words_on_the_form_is_kept_as_one(desk: Workspace) -> None:
    """Typed "pfsp, Port Moresby": two tags, the place as one (port-moresby), found again by tag:port-moresby."""
    desk.command("note")
    view = opened_form(desk)
    done = submit(desk, view, filled(view, nation="PG", text_0="Gate logs checked", tags="pfsp, Port Moresby"))
    assert (done.status, done.body) == (200, {})
    [note] = stored(desk)
    assert note.tag_list == ["pfsp", "port-moresby"]
    assert "Gate logs checked" in desk.command("search gate tag:port-moresby").text


def test_a_form_saved_while_slack_refuses_the_confirmation_still_just_closes(desk: Workspace) -> None:
    desk.command("note")
    view = opened_form(desk)
    desk.standin.fail_next("chat.postEphemeral", status=200, error="channel_not_found")
    desk.standin.fail_next("chat.postMessage", status=200, error="channel_not_found")
    done = submit(desk, view, filled(view, nation="FJ", text_0="Suva: gate logs checked"))
    assert (done.status, done.body) == (200, {})  # the form closes; a view submission never gets a message back
    after_answer(desk, "chat.postMessage")  # the confirmation was tried after the answer, and its failure only logged
    assert [n.text for n in stored(desk)] == ["Suva: gate logs checked"]


def test_the_form_closes_before_the_confirmation_is_sent(desk: Workspace) -> None:
    desk.command("note")
    view = opened_form(desk)
    desk.standin.fail_next("chat.postEphemeral", status=429, retry_after=1)  # Slack is slow to take the confirmation

    def confirmed() -> list:
        return [c for c in desk.standin.calls_to("chat.postEphemeral") if (c.response or {}).get("ok")]

    done = submit(desk, view, filled(view, nation="FJ", text_0="Suva: gate logs checked"))
    assert (done.status, done.body) == (200, {})
    assert confirmed() == []  # Slack had its answer (within its 3 seconds) before the bot waited on its own message
    assert desk.standin.wait_for(confirmed)
    assert "Saved note #1 under Fiji" in confirmed()[0].args["text"]


def test_a_double_submitted_form_makes_one_note(desk: Workspace) -> None:
    desk.command("note")
    view = opened_form(desk)
    values = filled(view, nation="TO", text_0="ʻEua wharf: new fencing")
    assert submit(desk, view, values).status == 200
    assert submit(desk, view, values).status == 200
    assert len(stored(desk)) == 1
    replies = [c.args["text"] for c in after_answer(desk, "chat.postEphemeral", 2)]
    assert "Saved note #1" in replies[0] and "Already saved as note #1" in replies[1]


def test_a_form_submitted_twice_at_the_same_moment_makes_one_note(desk: Workspace) -> None:
    desk.command("note")
    view = opened_form(desk)
    values = filled(view, nation="WS", text_0="Apia: PFSO training agreed")
    answers: list[Answer] = []
    threads = [threading.Thread(target=lambda: answers.append(submit(desk, view, values))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(a.status == 200 for a in answers)
    assert [n.text for n in stored(desk)] == ["Apia: PFSO training agreed"]


def test_the_form_points_at_what_is_missing_and_saves_nothing(desk: Workspace) -> None:
    desk.command("note")
    view = opened_form(desk)
    answer = submit(desk, view, filled(view, text_0="No nation chosen"))
    assert answer.body == {"response_action": "errors", "errors": {"nation": "Choose the nation this note is about."}}
    answer = submit(desk, view, filled(view, nation="FJ", text_0="x", follow_up_1="Call the PFSO"))
    assert answer.body["errors"] == {"follow_up_1_due": "When is it due?"}
    answer = submit(desk, view, filled(view, nation="FJ", text_0="x", follow_up_1="Call", follow_up_1_due="2026-11-01"))
    assert answer.body["errors"] == {"follow_up_1_due": "That date has passed; choose today or later."}
    assert stored(desk) == []


def test_add_note_on_a_status_reply_opens_the_form_for_that_nation(desk: Workspace) -> None:
    status = desk.command("status tonga")
    [add] = [b for b in buttons(status) if b["action_id"] == "note_add"]
    assert add["text"]["text"] == ":memo: Add note"
    assert press(desk, add).status == 200
    view = opened_form(desk)
    nation = next(b for b in view["blocks"] if b.get("block_id", "") == "nation")
    assert nation["element"]["initial_option"]["value"] == "TO"


def test_add_note_on_a_visit_reply_opens_the_form_for_that_visit(desk: Workspace) -> None:
    planned = desk.command("visit add png 2027-01-12 to 2027-01-16 capacity building")
    [add] = [b for b in buttons(planned) if b["action_id"] == "note_add"]
    press(desk, add)
    view = opened_form(desk)
    visit_block = next(b for b in view["blocks"] if b.get("block_id", "").startswith("visit_"))
    assert visit_block["element"]["initial_option"]["value"] == "1"
    submit(desk, view, filled(view, text_0="Seminar agenda agreed with PNG Ports"))
    assert (stored(desk)[0].nation_iso2, stored(desk)[0].visit_id) == ("PG", 1)


# --- the message shortcut ----------------------------------------------------------------------


def test_save_as_visit_note_keeps_the_message_exactly_its_author_and_a_permalink(desk: Workspace) -> None:
    long_text = ("Samoa " + MIXED + "\n") * 40
    long_text = long_text[:7_500].rstrip()
    interact(
        desk,
        {
            "type": "message_action",
            "callback_id": "save_visit_note",
            "channel": {"id": "C0STANDIN", "name": "ipslo-team"},
            "message_ts": "1700000000.000200",
            "message": {"type": "message", "user": AUTHOR, "ts": "1700000000.000200", "text": long_text},
        },
    )
    view = opened_form(desk)
    boxes = [b["element"] for b in view["blocks"] if b.get("block_id", "").startswith("text_")]
    assert all(len(box["initial_value"]) <= 3000 and box["max_length"] == 3000 for box in boxes)
    assert "".join(box["initial_value"] for box in boxes) == written(long_text)
    nation = next(b for b in view["blocks"] if b.get("block_id", "") == "nation")
    assert nation["element"]["initial_option"]["value"] == "WS"  # named in the message

    submit(desk, view, filled(view))
    [note] = stored(desk)
    assert note.text == written(long_text)
    assert note.message_author_id == AUTHOR
    assert note.source_permalink == "https://standin.slack.local/archives/C0STANDIN/p1700000000000200"
    shown = desk.command("note 1")
    assert (
        "by @U0AUTHOR" in shown.text
        and "https://standin.slack.local/archives/C0STANDIN/p1700000000000200" in json.dumps(shown.body)
    )
    check_block_kit_limits(shown.body)


# --- lists -------------------------------------------------------------------------------------


def test_notes_come_newest_first_a_page_at_a_time_with_more(desk: Workspace) -> None:
    for day in range(1, 13):
        desk.command(f"note fiji Note of November {day}")
        with desk.database.sessions.begin() as session:  # back-date it, as the form's date field would
            session.get(Note, day).noted_on = dt.date(2026, 11, day)
    first = desk.command("notes fiji")
    days = [int(d) for d in re.findall(r"Note of November (\d+)", "\n".join(section_texts(first.body)))]
    assert days == [12, 11, 10, 9, 8, 7, 6, 5, 4, 3]
    [more] = [b for b in buttons(first) if b["action_id"] == "notes_more"]
    assert press(desk, more).status == 200
    assert desk.standin.wait_for(lambda: desk.standin.responses)
    [page_two] = desk.standin.responses
    days = [int(d) for d in re.findall(r"Note of November (\d+)", "\n".join(section_texts(page_two.body)))]
    assert days == [2, 1]
    assert page_two.body.get("replace_original") is False
    assert buttons(page_two.body) == []


def test_notes_of_a_nation_can_be_narrowed_by_words(desk: Workspace) -> None:
    desk.command("note fiji Inspections at Suva went well")
    desk.command("note fiji Lunch with the embassy")
    texts = "\n".join(section_texts(desk.command("notes fiji inspect").body))
    assert "Suva" in texts and "Lunch" not in texts


# --- edit, delete, restore, history ------------------------------------------------------------


def test_only_the_author_or_an_admin_edits_and_every_change_is_kept(desk: Workspace) -> None:
    desk.command("note fiji DA agreed to the visit dates")
    refused = desk.command("note edit 1 Something else", user="U0OTHER")
    assert "Only the author (<@U0OFFICER>) or an admin may edit note #1." in refused.body["blocks"][0]["text"]["text"]
    assert "updated" in desk.command("note edit 1 DA agreed to the visit dates: 12-16 Jan").text
    assert "updated" in desk.command("note edit 1 DA agreed: 12–16 Jan 2027 ʻEua too", user=ADMIN).text
    assert stored(desk)[0].text == "DA agreed: 12–16 Jan 2027 ʻEua too"

    history = desk.command("note history 1").text
    assert history.index("created") < history.index("edited")
    assert "> DA agreed to the visit dates\n" in history
    assert "> DA agreed: 12–16 Jan 2027 ʻEua too" in history
    with desk.database.sessions() as session:
        changes = list(session.scalars(select(NoteChange).order_by(NoteChange.id)))
    assert [(c.action, c.changed_by) for c in changes] == [("created", OFFICER), ("edited", OFFICER), ("edited", ADMIN)]
    assert changes[2].before["text"] == "DA agreed to the visit dates: 12-16 Jan"


def test_editing_a_hashtag_out_of_a_note_removes_that_tag_but_keeps_tags_chosen_on_the_form(desk: Workspace) -> None:
    desk.command("note fiji #PFSP review for Suva, #drills next month")
    assert stored(desk)[0].tag_list == ["pfsp", "drills"]
    desk.command("note edit 1 Review for Suva done, #drills next month")
    assert stored(desk)[0].tag_list == ["drills"]
    assert "pfsp" not in desk.command("search tag:pfsp").text.lower().replace("tag:pfsp", "")

    desk.command("note")
    view = opened_form(desk)
    submit(desk, view, filled(view, nation="TO", text_0="Nukuʻalofa #audit", tags="ports"))
    assert stored(desk)[1].tag_list == ["ports", "audit"]
    desk.command("note edit 2 Nukuʻalofa audit closed #closed")
    assert stored(desk)[1].tag_list == ["ports", "closed"]
    history = desk.command("note history 2").text
    assert "tags: #ports #audit → #ports #closed" in history


@pytest.mark.parametrize(
    ("typed", "usage"),
    [
        ("note delete abc", "/ipslo note delete 12"),
        ("note remove abc", "/ipslo note delete 12"),
        ("note edit abc Met the DA", "/ipslo note edit <number> <new text>"),
        ("note history abc", "/ipslo note history 12"),
        ("note restore abc", "/ipslo note restore 12"),
        ("note undelete abc", "/ipslo note restore 12"),
        ("note show abc", "/ipslo note 12"),
    ],
)
def test_a_word_where_a_note_number_goes_is_said_to_be_no_note_number_with_what_to_type(
    desk: Workspace, typed: str, usage: str
) -> None:
    desk.command("note fiji Inspection of the Lautoka terminal")
    answer = desk.command(typed, user=ADMIN)
    assert "“abc” is not a note number." in answer.text
    assert f"`{usage}" in answer.text
    assert "Which nation" not in answer.text and "<nation> <text>" not in answer.text
    assert [(n.text, n.deleted) for n in stored(desk)] == [("Inspection of the Lautoka terminal", False)]


@pytest.mark.parametrize("verb", ["edit", "delete", "history", "restore", "show"])
def test_a_note_verb_without_a_number_asks_which_note_with_that_verbs_usage(desk: Workspace, verb: str) -> None:
    answer = desk.command(f"note {verb}", user=ADMIN)
    assert "Which note?" in answer.text
    assert f"`/ipslo note {verb} " in answer.text or (verb == "show" and "`/ipslo note <number>`" in answer.text)
    assert "<nation> <text>" not in answer.text


def test_an_edit_without_new_text_or_by_someone_else_says_note_edits_usage_not_another_commands(
    desk: Workspace,
) -> None:
    desk.command("note fiji Met the DA #pfsp")
    empty = desk.command("note edit 1")
    assert "Note #1 needs its new text after the number; nothing changed." in empty.text
    assert "`/ipslo note edit <number> <new text>`" in empty.text
    assert "<nation> <text>" not in empty.text and "The note is empty" not in empty.text

    refused = desk.command("note edit 1 hijack", user="U0OTHER")
    assert "Only the author (@U0OFFICER) or an admin may edit note #1." in refused.text
    assert "<nation> <text>" not in refused.text
    deleting = desk.command("note delete 1", user="U0OTHER")
    assert "Only the author (@U0OFFICER) or an admin may delete note #1." in deleting.text
    assert "<nation> <text>" not in deleting.text
    assert [(n.text, n.deleted) for n in stored(desk)] == [("Met the DA #pfsp", False)]


def test_an_edit_says_which_tags_it_removed_or_added_and_history_shows_them_as_tags(desk: Workspace) -> None:
    desk.command("note fiji Met the DA #pfsp")
    edited = desk.command("note edit 1 Met the DA; PFSP review done")
    assert "Note #1 updated. Tags: #pfsp removed." in edited.text
    assert "`/ipslo note edit 1 Met the DA; PFSP review done #pfsp`" in edited.text  # how to keep it, ready to send
    assert stored(desk)[0].tag_list == []

    added = desk.command("note edit 1 Met the DA; PFSP review done #pfsp #drills")
    assert "Note #1 updated. Tags: #pfsp #drills added." in added.text
    same_tags = desk.command("note edit 1 Met the DA; PFSP review done, #pfsp and #drills")
    assert "Note #1 updated." in same_tags.text and "Tags:" not in same_tags.text

    history = desk.command("note history 1").text
    assert "tags: #pfsp → none" in history
    assert "tags: none → #pfsp #drills" in history
    assert "[" not in history and "]" not in history

    desk.command("note fiji Lautoka #audit\nSecond line")
    multi_line = desk.command("note edit 2 Lautoka audit closed\nSecond line")
    assert "Tags: #audit removed." in multi_line.text
    assert "`/ipslo note edit 2 <text> #audit`" in multi_line.text  # text that would not read back as typed


@pytest.mark.parametrize(
    "typed",
    [
        "note 999999999999999999999999",
        "note ²",
        "note #１２",
        "note edit 99999999999999999999 x",
        "note history ²",
        "note delete #1234567890",
        "note restore 999999999999999999999",
    ],
)
def test_absurd_or_odd_note_numbers_are_refused_kindly(desk: Workspace, typed: str) -> None:
    desk.command("note fiji Inspection of the Lautoka terminal")
    answer = desk.command(typed, user=ADMIN)
    assert answer.status == 200
    assert "is not a note number" in answer.text and "Something went wrong" not in answer.text
    assert "Note numbers are shown as #12" in answer.text
    assert [n.text for n in stored(desk)] == ["Inspection of the Lautoka terminal"]


def test_note_numbers_may_be_written_with_a_hash(desk: Workspace) -> None:
    desk.command("note fiji Inspection of the Lautoka terminal")
    assert "Note #1 · Fiji" in desk.command("note #1").text
    assert "Note #1 updated." in desk.command("note edit #1 Inspection of the Lautoka terminal: passed").text
    assert "There is no note #2." in desk.command("note #2").text


def test_only_admins_read_a_deleted_notes_history(desk: Workspace) -> None:
    desk.command("note fiji Confidential: PFSO replaced at Lautoka")
    desk.command("note edit 1 Confidential: PFSO replaced at Lautoka by the deputy")  # history quotes edited text
    desk.command("note delete 1")
    refused = desk.command("note history 1")
    assert "There is no note #1 (it was deleted)." in refused.text
    assert "Confidential" not in json.dumps(refused.body)
    assert "Confidential" in json.dumps(desk.command("note history 1", user=ADMIN).body)


def test_a_deleted_note_disappears_until_an_admin_restores_it(desk: Workspace) -> None:
    desk.command("note fiji Inspection of the Lautoka terminal")
    assert "Only the author" in desk.command("note delete 1", user="U0OTHER").text
    assert "Note #1 deleted." in desk.command("note delete 1").text
    assert "No notes match" in desk.command("search lautoka").text
    assert "No notes yet" in desk.command("notes fiji").text
    assert "There is no note #1 (it was deleted)." in desk.command("note 1").text
    assert "Only an admin may restore" in desk.command("note restore 1").text
    assert "Note #1 restored." in desk.command("note restore 1", user=ADMIN).text
    assert "Lautoka" in desk.command("search lautoka").text
    history = desk.command("note history 1", user=ADMIN).text
    assert [w for w in re.findall(r"^(created|edited|deleted|restored)", history, re.M)] == [
        "created",
        "deleted",
        "restored",
    ]
    assert len(stored(desk)) == 1  # deleting never removes the row


# --- export ------------------------------------------------------------------------------------


def test_export_sends_a_markdown_briefing_and_a_csv_with_the_notes_exactly_to_the_officer_alone(
    desk: Workspace,
) -> None:
    desk.command("visit add fiji 2026-11-16 to 2026-11-20 country visit")
    desk.command("note fiji " + MIXED)
    answer = desk.command("export fiji")
    assert answer.ephemeral
    assert (
        "Export of Fiji: 1 visit and 1 note. Sending the files to you in a direct message from the bot." in answer.text
    )
    assert "`/ipslo export fiji share`" in answer.text
    [complete] = after_answer(desk, "files.completeUploadExternal")
    assert complete.args["channel_id"] == f"D{OFFICER}"  # not the channel: notes are for officers only
    files = {f["filename"]: f["content"].decode("utf-8") for f in desk.standin.uploaded_files.values()}
    markdown = files["fj-briefing-2026-11-25.md"]
    assert markdown.startswith("# Fiji (FJ): briefing of 25 Nov 2026")
    assert "## Visits (1)" in markdown and "## Notes (1)" in markdown and "日本語: 港湾施設の保安計画" in markdown
    rows = list(csv.DictReader(io.StringIO(files["fj-2026-11-25.csv"])))
    assert [r["record"] for r in rows] == ["status", "visit", "note"]
    assert rows[2]["text"] == written(MIXED)


def test_a_command_typed_with_tabs_between_its_words_is_read_as_with_spaces(desk: Workspace) -> None:
    answer = desk.command("note\tfiji\tMet the DA")  # pasted from a spreadsheet
    assert "Saved note #1 under Fiji" in answer.text, answer.text


def test_a_note_starting_like_a_formula_is_exported_as_text_not_a_formula(desk: Workspace) -> None:
    """Opened in Excel, "=HYPERLINK(...)" or "+61 2 555 0100" in a cell would run or be read as a formula."""
    desk.command('note fiji =HYPERLINK("http://x.example","click") the DA asked')
    desk.command("note fiji +61 2 5550 0100 is the DA's desk")
    desk.command("export fiji")
    after_answer(desk, "files.completeUploadExternal")
    files = {f["filename"]: f["content"].decode("utf-8") for f in desk.standin.uploaded_files.values()}
    rows = list(csv.DictReader(io.StringIO(files["fj-2026-11-25.csv"])))
    texts = {r["text"] for r in rows if r["record"] == "note"}
    assert texts == {'\'=HYPERLINK("http://x.example","click") the DA asked', "'+61 2 5550 0100 is the DA's desk"}
    markdown = files["fj-briefing-2026-11-25.md"]  # the briefing shows the notes as written
    assert '=HYPERLINK("http://x.example","click") the DA asked' in markdown


def test_export_with_share_posts_the_files_in_the_channel(desk: Workspace) -> None:
    desk.command("note fiji Met the DA")
    answer = desk.command("export fiji share")
    assert "Export of Fiji: 0 visits and 1 note. Posting the files in this channel" in answer.text
    [complete] = after_answer(desk, "files.completeUploadExternal")
    assert complete.args["channel_id"] == "C0STANDIN"
    assert "export <nation> [share]" in desk.command("help").text


def test_export_with_share_where_the_bot_cannot_post_goes_to_the_officer_and_says_so(desk: Workspace) -> None:
    desk.command("note fiji Met the DA")
    desk.standin.fail_next("files.completeUploadExternal", status=200, error="not_in_channel")
    desk.command("export fiji share")
    completed = after_answer(desk, "files.completeUploadExternal", 2)
    assert completed[-1].args["channel_id"] == f"D{OFFICER}"
    assert desk.standin.wait_for(lambda: desk.standin.responses)
    assert "your direct messages" in desk.standin.responses[0].body["text"]


def test_export_of_an_unclear_nation_is_refused_with_suggestions_and_nothing_uploaded(desk: Workspace) -> None:
    answer = desk.command("export guinea")
    assert "could mean more than one nation" in answer.text and "Papua New Guinea" in answer.text
    assert "I don't know a nation or territory called “narnia”" in desk.command("export narnia").text
    assert desk.standin.calls_to("files.getUploadURLExternal") == []


def test_sending_a_deleted_notes_text_again_at_once_says_what_happened(workspace) -> None:
    first = workspace.command("note fiji Met the harbour master")
    note_id = first.text.split("#")[1].split()[0]
    workspace.command(f"note delete {note_id}")
    again = workspace.command("note fiji Met the harbour master")
    assert f"saved as note #{note_id} a moment ago and then deleted" in again.text
    assert f"/ipslo note restore {note_id}" in again.text


def test_a_suggested_command_names_the_nation_as_officers_type_it(desk: Workspace) -> None:
    """Tonga's code "to" is a word: "/ipslo note to <text>" reads as something else. A one-word name is suggested;
    a longer one by its code."""
    tonga = desk.command("notes tonga").text
    assert "/ipslo note tonga <text>" in tonga and "/ipslo note to " not in tonga
    assert "/ipslo note pg <text>" in desk.command("notes papua new guinea").text


def test_a_tag_written_with_an_underscore_or_words_on_the_form_is_one_tag(desk: Workspace) -> None:
    """#access_control in a quick note and "access control" between commas on the form are the same tag, found by either
    spelling."""
    desk.command("note fiji Gate logs checked #access_control")
    desk.command("note")
    view = opened_form(desk)
    submit(desk, view, filled(view, nation="FJ", text_0="Badge readers down", tags="access control, wharf"))
    assert [note.tag_list for note in stored(desk)] == [["access-control"], ["access-control", "wharf"]]
    for typed in ("search tag:access-control", "search tag:access_control", "search tag:Access-Control"):
        found = desk.command(typed).text
        assert "Gate logs checked" in found and "Badge readers down" in found, typed


def test_tag_search_finds_the_tag_not_two_tags_that_spell_it(desk: Workspace) -> None:
    """#access #control are two tags: tag:access-control does not find them; a note saved before tags were written
    with hyphens (access_control) is still found."""
    desk.command("note fiji Two tags here #access #control")
    desk.command("note fiji Saved long ago #access-control")
    with desk.database.sessions.begin() as session:
        session.execute(text("UPDATE notes SET tags = ' access_control ' WHERE text LIKE 'Saved long ago%'"))
    found = desk.command("search tag:access-control").text
    assert "Saved long ago" in found and "Two tags here" not in found
