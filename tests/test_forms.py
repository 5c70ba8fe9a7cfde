"""Forms for every write, as an officer uses them in Slack: opened by a bare command, a button or a menu, filled in
with a type-ahead nation, refused beside the field at fault, and never written twice."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.visit_form import form_view, read_form
from storage.reminders import Reminder
from storage.visits import Visit
from tests.conftest import ADMIN, DESK_NOW, OFFICER, Answer, Workspace, served
from tests.interactions import (
    after_answer,
    buttons,
    filled,
    interact,
    labelled,
    opened_form,
    press,
    shortcut,
    submit,
)

UTC = dt.UTC
#: Wednesday 25 Nov 2026, 12:00 in Tokyo (the officer's zone).
NOW = DESK_NOW


def visits(workspace: Workspace) -> list[Visit]:
    with workspace.database.sessions() as session:
        return list(session.scalars(select(Visit).order_by(Visit.id)))


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


# --- the visit form, built and read directly ----------------------------------------------------


def test_the_visit_form_reads_back_what_was_chosen(database) -> None:
    with database.sessions() as session:
        view = form_view(session=session, officer=OFFICER, nation_iso2="FJ", metadata={"channel": "C1"})
    assert block(view, "nation")["element"]["type"] == "external_select"
    assert block(view, "nation")["element"]["initial_option"]["value"] == "FJ"
    assert block(view, "lead")["element"]["initial_user"] == OFFICER
    values = filled(view, start="2027-01-12", end="2027-01-16", kind="reciprocal visit", title="Suva port walk")
    form = read_form({**view, "id": "V1", "state": {"values": values}})
    assert (form.nation_iso2, form.starts_on, form.ends_on) == ("FJ", dt.date(2027, 1, 12), dt.date(2027, 1, 16))
    assert (form.kind, form.title, form.lead, form.visit_id) == ("reciprocal visit", "Suva port walk", OFFICER, None)
    assert form.idempotency_key == "view:V1"


# --- planning a visit -------------------------------------------------------------------------


def test_visit_alone_opens_the_form_and_planning_gives_the_commands_warnings(desk: Workspace) -> None:
    desk.command("visit add fiji 2027-01-12 to 2027-01-16")
    assert desk.command("visit").status == 200
    view = opened_form(desk)
    assert view["callback_id"] == "visit_form" and view["title"]["text"] == "Plan a visit"
    done = submit(desk, view, filled(view, nation="FJ", start="2027-01-14", end="2027-03-01", kind="other"))
    assert (done.status, done.body) == (200, {})  # the form closes
    planned = visits(desk)[-1]
    assert (planned.nation_iso2, planned.starts_on, planned.kind, planned.lead_user_id) == (
        "FJ",
        dt.date(2027, 1, 14),
        "other",
        OFFICER,
    )
    [said] = after_answer(desk, "chat.postEphemeral")
    assert said.args["channel"] == "C0STANDIN" and said.args["user"] == OFFICER
    text = said.args["text"]
    assert "Planned visit #2" in text
    from tests.reading import render

    shown = render(said.args)
    assert "You already have #1 to Fiji" in shown  # the overlap warning the command gives
    assert "47 days long" in shown  # and the one for a visit over a month


def test_the_form_points_at_the_field_at_fault_and_plans_nothing(desk: Workspace) -> None:
    desk.command("visit")
    view = opened_form(desk)
    cases = [
        ({"start": "2027-01-12"}, "nation", "Choose the nation"),
        ({"nation": "FJ", "start": "2026-11-01"}, "start", "has passed"),
        ({"nation": "FJ", "start": "2027-01-12", "end": "2027-01-10"}, "end", "is before the start"),
        ({"nation": "FJ", "start": "9999-12-31"}, "start", "more than 10 years away"),
        ({"nation": "FJ", "start": "2027-01-12", "title": "x" * 201}, "title", "201 characters"),
        ({"nation": "ZZ", "start": "2027-01-12"}, "nation", "Choose the nation"),  # a forged code
    ]
    for answers, field, words in cases:
        answer = submit(desk, view, filled(view, **answers))
        assert answer.body["response_action"] == "errors", answers
        assert list(answer.body["errors"]) == [field] and words in answer.body["errors"][field], answer.body
    assert visits(desk) == []


def test_a_double_submitted_form_plans_one_visit(desk: Workspace) -> None:
    desk.command("visit")
    view = opened_form(desk)
    values = filled(view, nation="TO", start="2027-02-01")
    assert submit(desk, view, values).body == {}
    assert submit(desk, view, values).body == {}
    assert len(visits(desk)) == 1
    said = [c.args["text"] for c in after_answer(desk, "chat.postEphemeral", 2)]
    assert "Planned visit #1" in said[0] and "Already planned: visit #1 to Tonga" in said[1]


def test_a_form_submitted_four_times_at_once_plans_one_visit(desk: Workspace) -> None:
    desk.command("visit")
    view = opened_form(desk)
    values = filled(view, nation="WS", start="2027-02-01")
    answers: list[Answer] = []
    threads = [threading.Thread(target=lambda: answers.append(submit(desk, view, values))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status for a in answers] == [200] * 4
    assert [v.nation_iso2 for v in visits(desk)] == ["WS"]
    with desk.database.sessions() as session:
        assert len(list(session.scalars(select(Reminder)))) == 3  # its reminders, once


def test_a_visit_led_by_someone_else_reminds_them(desk: Workspace) -> None:
    desk.command("status fiji", user=ADMIN)  # the bot knows the admin's zone (Singapore)
    desk.command("visit")
    view = opened_form(desk)
    submit(desk, view, filled(view, nation="FJ", start="2027-01-12", lead=ADMIN))
    [visit] = visits(desk)
    assert visit.lead_user_id == ADMIN
    with desk.database.sessions() as session:
        owners = {r.owner_user_id for r in session.scalars(select(Reminder))}
    assert owners == {ADMIN}


# --- editing and cancelling -------------------------------------------------------------------


def test_edit_on_a_visit_reply_opens_the_form_filled_in_and_saving_moves_its_reminders(desk: Workspace) -> None:
    planned = desk.command("visit add png 2027-01-12 to 2027-01-16 capacity building PFSO seminar")
    press(desk, labelled(planned.body, "Edit"))
    view = opened_form(desk)
    assert view["title"]["text"] == "Edit visit #1"
    assert block(view, "nation")["element"]["initial_option"]["value"] == "PG"
    assert block(view, "start")["element"]["initial_date"] == "2027-01-12"
    assert block(view, "title")["element"]["initial_value"] == "PFSO seminar"
    done = submit(desk, view, filled(view, start="2027-02-02", end="2027-02-05", title="PFSO seminar, Lae"))
    assert done.body == {}
    [visit] = visits(desk)
    assert (visit.starts_on, visit.ends_on, visit.title) == (
        dt.date(2027, 2, 2),
        dt.date(2027, 2, 5),
        "PFSO seminar, Lae",
    )
    with desk.database.sessions() as session:
        due = sorted(r.due_at for r in session.scalars(select(Reminder)) if r.state == "pending")
    assert due[-1] == dt.datetime(2027, 2, 1, 0, 0, tzinfo=UTC)  # 09:00 Tokyo the day before the new start
    said = after_answer(desk, "chat.postEphemeral")[-1].args["text"]
    assert said == "Changed visit #1 to Papua New Guinea: dates (was Tue 12 Jan – Sat 16 Jan 2027), title."


def test_cancel_on_a_visit_reply_asks_first_then_cancels_it(desk: Workspace) -> None:
    planned = desk.command("visit add fiji 2027-01-12")
    cancel = labelled(planned.body, "Cancel visit")
    assert cancel["confirm"]["confirm"]["text"] == "Cancel visit"  # Slack asks "Are you sure?" before sending it
    assert "Cancel visit #1" in cancel["confirm"]["text"]["text"]
    assert press(desk, cancel).status == 200
    assert desk.standin.wait_for(lambda: desk.standin.responses)
    assert "Cancelled visit #1 to Fiji" in desk.standin.responses[-1].body["text"]
    assert visits(desk)[0].cancelled
    press(desk, labelled(planned.body, "Edit"))  # an old reply's Edit on a cancelled visit says so
    assert desk.standin.wait_for(lambda: len(desk.standin.responses) == 2)
    assert "Visit #1 was cancelled, so it can't be edited" in desk.standin.responses[-1].body["text"]


def test_plan_a_visit_on_a_status_reply_opens_the_form_for_that_nation(desk: Workspace) -> None:
    status = desk.command("status samoa")
    press(desk, labelled(status.body, "Plan a visit"))
    view = opened_form(desk)
    assert block(view, "nation")["element"]["initial_option"]["value"] == "WS"


def test_the_form_opened_from_a_status_reply_answers_in_that_channel(desk: Workspace) -> None:
    status = desk.command("status samoa")
    press(desk, labelled(status.body, "Plan a visit"))
    view = opened_form(desk)
    submit(desk, view, filled(view, start="2027-03-01"))
    assert "Planned visit #1" in after_answer(desk, "chat.postEphemeral")[-1].args["text"]


def test_an_interactive_payload_from_someone_outside_the_team_writes_nothing(settings, database, standin) -> None:
    from dataclasses import replace

    with served(replace(settings, officers=frozenset({OFFICER})), database, standin, clock=lambda: NOW) as workspace:
        workspace.command("visit")
        view = opened_form(workspace)
        answer = submit(workspace, view, filled(view, nation="FJ", start="2027-01-12"), user="U0STRANGER")
        assert answer.status == 200
        assert visits(workspace) == []


def test_buttons_of_a_visits_list(desk: Workspace) -> None:
    desk.command("visit add fiji 2027-01-12")
    listed = desk.command("visits")
    labels = [b["text"]["text"] for b in buttons(listed.body)]
    assert any("Plan a visit" in label for label in labels)
    assert interact is not None


# --- the reminder form ------------------------------------------------------------------------


def reminders_of(workspace: Workspace, owner: str = OFFICER) -> list[Reminder]:
    with workspace.database.sessions() as session:
        return list(
            session.scalars(
                select(Reminder).where(Reminder.owner_user_id == owner, Reminder.kind == "adhoc").order_by(Reminder.id)
            )
        )


def test_remind_alone_opens_the_form_and_the_time_is_read_in_my_zone(desk: Workspace) -> None:
    desk.command("remind")
    view = opened_form(desk)
    assert view["callback_id"] == "reminder_form"
    assert block(view, "time")["label"]["text"] == "Time (Asia/Tokyo)"
    assert block(view, "date")["element"]["initial_date"] == "2026-11-26"  # tomorrow, in Tokyo
    done = submit(desk, view, filled(view, nation="FJ", time="14:30", text="Send the agenda to the DA"))
    assert done.body == {}
    [reminder] = reminders_of(desk)
    assert reminder.due_at == dt.datetime(2026, 11, 26, 5, 30, tzinfo=UTC)  # 14:30 in Tokyo
    assert (reminder.nation_iso2, reminder.text) == ("FJ", "Send the agenda to the DA")
    said = after_answer(desk, "chat.postEphemeral")[-1].args["text"]
    assert "I'll remind you Thu 26 Nov 2026 14:30 JST (17:30 in Fiji)" in said and "(17:30 in Fiji)" in said


def test_the_reminder_form_refuses_beside_the_field_and_sets_nothing(desk: Workspace) -> None:
    desk.command("remind")
    view = opened_form(desk)
    cases = [
        ({"text": "x"}, "nation", "Choose the nation"),
        ({"nation": "FJ", "date": "2026-11-25", "time": "08:00", "text": "x"}, "time", "has passed"),
        ({"nation": "FJ", "text": "x" * 1001}, "text", "1,001 characters"),
    ]
    for answers, field, words in cases:
        answer = submit(desk, view, filled(view, **answers))
        assert list(answer.body["errors"]) == [field] and words in answer.body["errors"][field], answer.body
    assert reminders_of(desk) == []


def test_remind_me_on_a_visit_reply_is_about_that_visit_and_set_once(desk: Workspace) -> None:
    planned = desk.command("visit add tonga 2027-01-12")
    press(desk, labelled(planned.body, "Remind me"))
    view = opened_form(desk)
    assert block(view, "visit")["element"]["initial_option"]["value"] == "1"
    values = filled(view, text="Book the boat to ʻEua")
    submit(desk, view, values)
    submit(desk, view, values)
    [reminder] = reminders_of(desk)
    assert (reminder.visit_id, reminder.nation_iso2) == (1, "TO")
    # each submission is answered after it is acknowledged, so the two replies may arrive in either order
    said = [c.args["text"] for c in after_answer(desk, "chat.postEphemeral", 2)]
    [again] = [text for text in said if "Already set reminder #4" in text]
    [first] = [text for text in said if text != again]
    assert "(visit #1)" in first, said


# --- the assessment form (admins) -------------------------------------------------------------


def test_assess_alone_opens_the_form_for_an_admin_and_records_the_outcome(desk: Workspace) -> None:
    desk.command("assess", user=ADMIN)
    view = opened_form(desk)
    assert view["callback_id"] == "assess_form"
    done = submit(
        desk,
        view,
        filled(
            view, nation="TO", date="2026-10-03", outcome="substantially implementing the ISPS Code", source="TR 26-041"
        ),
        user=ADMIN,
    )
    assert done.body == {}
    assert (
        "Recorded: Tonga found substantially implementing" in after_answer(desk, "chat.postEphemeral")[-1].args["text"]
    )
    assert "Found substantially implementing the ISPS Code (3 Oct 2026)" in desk.command("status tonga").text


def test_a_non_admin_is_told_why_and_a_forged_submission_records_nothing(desk: Workspace) -> None:
    refused = desk.command("assess")
    assert "only admins may do it" in refused.text and desk.standin.calls_to("views.open") == []
    desk.command("assess", user=ADMIN)
    view = opened_form(desk)
    values = filled(view, nation="TO", outcome="not maintaining effective anti-terrorism measures")
    forged = submit(desk, view, values, user=OFFICER)
    assert "only admins may do it" in forged.body["errors"]["nation"]
    assert "No assessment on record" in desk.command("status tonga").text


def test_an_assessment_in_the_future_is_refused_beside_its_date(desk: Workspace) -> None:
    desk.command("assess", user=ADMIN)
    view = opened_form(desk)
    answer = submit(
        desk,
        view,
        filled(view, nation="TO", date="2026-12-01", outcome="not maintaining effective anti-terrorism measures"),
        user=ADMIN,
    )
    assert "is in the future" in answer.body["errors"]["date"]


# --- one-tap follow-ups and shortcuts ----------------------------------------------------------


def test_share_in_channel_posts_the_same_answer_for_the_channel(desk: Workspace) -> None:
    status = desk.command("status fiji")
    assert status.ephemeral
    press(desk, labelled(status.body, "Share in channel"))
    assert desk.standin.wait_for(lambda: desk.standin.responses)
    shared = desk.standin.responses[-1].body
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    assert shared["text"] == status.body["text"]
    assert not [b for b in buttons(shared) if "Share" in b["text"]["text"]]  # no second Share in the channel


def test_did_you_mean_button_runs_the_command_it_names_in_place_of_the_question(desk: Workspace) -> None:
    asked = desk.command("statsu fiji")
    press(desk, labelled(asked.body, "/ipslo status fiji"))
    assert desk.standin.wait_for(lambda: desk.standin.responses)
    answered = desk.standin.responses[-1].body
    assert answered["replace_original"] is True
    assert answered["text"] == desk.command("status fiji").body["text"]


def test_did_you_mean_offers_no_button_for_a_command_still_missing_what_it_needs(desk: Workspace) -> None:
    """Typed "stauts" alone, a button would run "status" and be asked which nation: the usage and example say it."""
    asked = desk.command("stauts")
    assert "Did you mean `/ipslo status`?" in asked.text and "/ipslo status <nation>" in asked.text
    assert not [b for b in buttons(asked.body) if "/ipslo" in b["text"]["text"]]
    assert [b for b in buttons(desk.command("stauts fiji").body) if b["text"]["text"] == "/ipslo status fiji"]
    assert [b for b in buttons(desk.command("natoins").body) if b["text"]["text"] == "/ipslo nations"]  # needs nothing


def test_did_you_mean_offers_no_button_for_a_command_that_writes(desk: Workspace) -> None:
    asked = desk.command("vist add fiji 2027-01-12")
    assert "Did you mean `/ipslo visit add fiji 2027-01-12`?" in asked.text
    assert not [b for b in buttons(asked.body) if "/ipslo" in b["text"]["text"]]
    assert desk.command("visits fiji").text.count("#") == 0  # nothing was planned


def test_visits_replies_carry_share_plan_and_note(desk: Workspace) -> None:
    desk.command("visit add fiji 2027-01-12")
    listed = desk.command("visits fiji")
    labels = [b["text"]["text"] for b in buttons(listed.body)]
    assert labels == [":loudspeaker: Share in channel", ":calendar: Plan a visit", ":memo: Add note"]
    press(desk, labelled(listed.body, "Plan a visit"))
    assert block(opened_form(desk), "nation")["element"]["initial_option"]["value"] == "FJ"


@pytest.mark.parametrize(("callback", "form"), [("plan_visit", "visit_form"), ("set_reminder", "reminder_form")])
def test_global_shortcuts_open_their_forms(desk: Workspace, callback: str, form: str) -> None:
    assert shortcut(desk, callback).status == 200
    assert opened_form(desk)["callback_id"] == form


# --- App Home you can act from -----------------------------------------------------------------


def published_home(workspace: Workspace, user: str = OFFICER, *, after: int = 0) -> dict:
    """The newest desk published for ``user`` once there are more than ``after`` publishes for them."""

    def mine() -> list:
        return [c for c in workspace.standin.calls_to("views.publish") if c.args["user_id"] == user]

    assert workspace.standin.wait_for(lambda: len(mine()) > after, timeout=15), "the home tab was not published"
    workspace.standin.wait_for(lambda: False, timeout=0.3)  # let a publish already under way finish
    return mine()[-1].view()


def home_publishes(workspace: Workspace, user: str = OFFICER) -> int:
    return len([c for c in workspace.standin.calls_to("views.publish") if c.args["user_id"] == user])


def test_app_home_has_buttons_and_a_menu_on_each_of_my_visits(desk: Workspace) -> None:
    desk.command("visit add fiji 2026-12-10")
    home = published_home(desk)  # the desk is published after the change, without opening the tab
    labels = [(b.get("text") or {}).get("text") for b in buttons(home)]
    for wanted in (
        ":calendar: Plan a visit",
        ":memo: Add a note",
        ":alarm_clock: Set a reminder",
        ":mag: Ask a question",
    ):
        assert wanted in labels
    [menu] = [b for b in buttons(home) if b["type"] == "overflow"]
    assert [o["text"]["text"] for o in menu["options"]] == ["Edit", "Cancel visit", "Add note", "Remind me"]
    assert not [b for b in buttons(home) if "Record an assessment" in (b.get("text") or {}).get("text", "")]

    # Edit from the menu opens the form filled in; saving from App Home turns the form into its answer.
    edit = {**menu, "value": "edit:1", "text": {"type": "plain_text", "text": "Edit"}}
    press(desk, edit, view=home)
    view = opened_form(desk)
    assert view["title"]["text"] == "Edit visit #1"
    before = home_publishes(desk)
    answer = submit(desk, view, filled(view, kind="bilateral meeting"))
    assert answer.body["response_action"] == "update"
    assert "Changed: kind (was country visit)." in answer.body["view"]["blocks"][0]["text"]["text"]
    assert "bilateral meeting" in str(published_home(desk, after=before)["blocks"])


def test_cancel_from_the_app_home_menu_asks_first_and_the_tab_no_longer_shows_the_visit(desk: Workspace) -> None:
    desk.command("visit add fiji 2026-12-10")
    home = published_home(desk)
    [menu] = [b for b in buttons(home) if b["type"] == "overflow"]
    press(desk, {**menu, "value": "cancel:1", "text": {"type": "plain_text", "text": "Cancel visit"}}, view=home)
    question = opened_form(desk)
    assert question["submit"]["text"] == "Cancel visit" and question["close"]["text"] == "Keep it"
    assert not visits(desk)[0].cancelled  # nothing happens until the officer confirms
    before = home_publishes(desk)
    answer = submit(desk, question, {})
    assert "Cancelled visit #1 to Fiji" in answer.body["view"]["blocks"][0]["text"]["text"]
    assert visits(desk)[0].cancelled
    assert "None planned" in str(published_home(desk, after=before)["blocks"])


def test_done_on_app_home_marks_the_reminder_done_and_the_tab_refreshes(desk: Workspace) -> None:
    desk.command("remind fiji tomorrow 09:00 send the agenda")
    home = published_home(desk)
    done = next(b for b in buttons(home) if b["action_id"] == "home_remind_done")
    before = home_publishes(desk)
    assert press(desk, done, view=home).status == 200
    assert reminders_of(desk)[0].state == "done"
    assert "send the agenda" not in str(published_home(desk, after=before)["blocks"])


def test_an_admin_home_can_record_an_assessment(desk: Workspace) -> None:
    desk.command("assess tonga 2023-11-12 substantially implementing", user=ADMIN)
    home = published_home(desk, ADMIN)
    press(desk, labelled(home, "Record an assessment"), user=ADMIN, view=home)
    assert opened_form(desk)["callback_id"] == "assess_form"


def test_ask_a_question_from_app_home_answers_in_the_form(desk: Workspace) -> None:
    desk.command("visit add fiji 2026-12-10")
    home = published_home(desk)
    press(desk, labelled(home, "Ask a question"), view=home)
    view = opened_form(desk)
    answer = submit(
        desk, view, {"question": {"value": {"type": "plain_text_input", "value": "how long is an interim ISSC valid?"}}}
    )
    assert answer.body["response_action"] == "update"
    assert "6 months" in str(answer.body["view"]["blocks"])


def test_a_reading_command_does_not_publish_the_tab(desk: Workspace) -> None:
    desk.command("status fiji")
    desk.command("help")
    desk.standin.wait_for(lambda: False, timeout=0.5)
    assert home_publishes(desk) == 0


# --- the console shows forms too -----------------------------------------------------------------


def piped_console(tmp_path, lines: list[str], *args: str) -> str:
    from tests.test_entrypoints import bot

    result = bot("console", *args, cwd=tmp_path, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_console_asks_for_each_field_and_submits_the_form_as_slack_would(tmp_path) -> None:
    year = dt.date.today().year + 2  # ahead of today, within the 10 years dates may be
    out = piped_console(
        tmp_path,
        [
            "visit",  # the form opens
            "fjii",  # the nation menu types ahead: Fiji
            f"{year}-04-31",  # no such day: told why, asked again (Slack's calendar offers real days only)
            f"{year}-01-12",  # starts
            f"{year}-01-10",  # ends: before the start, refused beside the field and asked again
            "3",  # kind: capacity building
            "PFSO seminar",  # title
            "",  # lead: you (the default)
            f"16 jan {year}",  # ends, again: read as the commands read dates, the day Slack's calendar would send
            "visits",
        ],
    )
    assert "[form: Plan a visit]" in out
    assert "→ Fiji (FJ)" in out
    assert f"“{year}-04-31” isn't a real date: April {year} has 30 days." in out
    assert "3. Capacity building" in out and "Choose a number [Country visit]" in out
    assert f"⚠️ Ends (the start day if empty): The end (10 Jan {year}) is before the start (12 Jan {year})." in out
    assert f"→ {year}-01-16" in out
    start, end = dt.date(year, 1, 12), dt.date(year, 1, 16)
    dates = f"{start:%a %-d %b} – {end:%a %-d %b %Y}"
    assert f"#1 Fiji · {dates} · capacity building · “PFSO seminar” · lead @you" in out
    assert "(only you see it)" in out  # the form's answer is ephemeral, as in Slack, and the console says so


def test_today_and_tomorrow_in_a_console_form_are_the_officers(tmp_path) -> None:
    """The reminder form suggests tomorrow; "today" typed in it was read as that day, "tomorrow" as the day after."""
    today = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()
    out = piped_console(tmp_path, ["remind", "fiji", "", "today", "cancel", "remind", "fiji", "", "tomorrow", "cancel"])
    assert f"today\n  → {today.isoformat()}" in out, out
    assert f"tomorrow\n  → {(today + dt.timedelta(days=1)).isoformat()}" in out, out


def test_choosing_a_nation_in_a_console_form_lists_its_visits_as_slack_would(tmp_path) -> None:
    """The note form's nation dispatches its action: the app then lists that nation's visits. The console sent
    nothing, so Fiji's visit was never offered."""
    year = dt.date.today().year + 1
    out = piped_console(
        tmp_path, [f"visit add fiji {year}-01-12", f"visit add tonga {year}-02-12", "note", "fiji", "cancel"]
    )
    form = out[out.index("[form: Visit note]") :]
    assert f"#1 {dt.date(year, 1, 12):%a %-d %b %Y} · country visit" in form, form
    assert "#2" not in form  # Tonga's visit is not Fiji's
    assert form.count("[form: Visit note]") == 1  # the update is the same form going on, not a second one


def test_share_in_channel_in_the_console_says_where_the_card_went(tmp_path) -> None:
    out = piped_console(tmp_path, ["status fiji", "1"])  # button 1 of a status reply: Share in channel
    assert "[bot posted in the channel, for everyone in it]" in out, out
    assert out.count("Fiji (FJ)") == 2  # the card once for the officer, once for the channel
    typed = piped_console(tmp_path, ["status fiji share"])  # shared as typed: the same, and no Share button on it
    assert "[posted in the channel, for everyone in it]" in typed and "Share in channel" not in typed, typed


def test_a_form_sent_in_a_later_console_run_is_saved_not_taken_for_the_first(tmp_path) -> None:
    """The console keeps its database between runs; the first run's form must not make the second's look sent."""
    year = dt.date.today().year + 2
    first = piped_console(tmp_path, ["visit", "fiji", f"{year}-01-12", f"{year}-01-14", "", "", ""])
    second = piped_console(tmp_path, ["visit", "tonga", f"{year}-03-02", f"{year}-03-04", "", "", "", "visits"])
    assert "#1 Fiji" in first
    assert "#2 Tonga" in second and "nothing was planned twice" not in second


def test_the_console_home_tab_and_a_cancel_that_asks_first(tmp_path) -> None:
    out = piped_console(
        tmp_path,
        [
            f"visit add tonga {dt.date.today() + dt.timedelta(days=20):%Y-%m-%d}",
            "home",
            "click 6",
            "y",
            "visits mine",
            "remind",
            "",
            "2",
            "",
            "",
            "boat",
        ],
    )
    assert "[1 📅 Plan a visit]" in out and "[5 Edit]  [6 Cancel visit]" in out
    assert "Cancel visit? [y/N] y" in out and "Cancelled visit #1 to Tonga" in out
    assert "Visits you lead (0)" in out
    assert "[form: Set a reminder]" in out


def test_quit_typed_in_a_console_form_closes_it_and_sends_nothing(tmp_path) -> None:
    out = piped_console(tmp_path, ["remind", "tonga", "quit", "reminders"])
    assert "[form closed: Set a reminder was not sent]" in out
    assert "is not one of the choices" not in out
    assert "You have no reminders waiting." in out  # the console went on to the next command


# --- the manifest declares what the app uses --------------------------------------------------


def test_the_manifest_declares_the_shortcuts_the_options_url_and_the_home_tab() -> None:
    from pathlib import Path

    import yaml

    from commands.ids import Shortcut

    manifest = yaml.safe_load((Path(__file__).parents[1] / "manifest.yml").read_text())
    features, settings = manifest["features"], manifest["settings"]
    assert {s["callback_id"] for s in features["shortcuts"]} == {str(s) for s in Shortcut}
    assert features["app_home"]["home_tab_enabled"] is True
    interactivity = settings["interactivity"]
    assert interactivity["is_enabled"] is True
    assert interactivity["message_menu_options_url"] == interactivity["request_url"]  # one endpoint, /slack/events
    assert settings["event_subscriptions"]["bot_events"][0] == "app_home_opened"
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert {"commands", "chat:write", "im:write", "users:read", "files:write"} <= set(scopes)


# --- submissions holding what Slack's pickers never send ------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "user", "answers", "field"),
    [
        ("visit", OFFICER, {"nation": "FJ", "start": "2027-13-01"}, "start"),
        ("visit", OFFICER, {"nation": "FJ", "start": "2027-01-12", "end": "12/01/2027"}, "end"),
        ("remind", OFFICER, {"nation": "FJ", "date": "2027-02-30", "time": "09:00", "text": "x"}, "date"),
        ("remind", OFFICER, {"nation": "FJ", "date": "2027-02-01", "time": "25:99", "text": "x"}, "time"),
        (
            "assess",
            ADMIN,
            {"nation": "TO", "date": "soon", "outcome": "substantially implementing the ISPS Code"},
            "date",
        ),
    ],
)
def test_a_damaged_or_forged_date_is_refused_beside_its_field_and_nothing_is_written(
    desk: Workspace, caplog: pytest.LogCaptureFixture, opening: str, user: str, answers: dict, field: str
) -> None:
    desk.command(opening, user=user)
    view = opened_form(desk)
    answer = submit(desk, view, filled(view, **answers), user=user)
    assert answer.status == 200 and answer.body["response_action"] == "errors", answer.body
    assert list(answer.body["errors"]) == [field] and "pick one from" in answer.body["errors"][field]
    assert "Traceback" not in caplog.text and "Unhandled error" not in caplog.text
    assert visits(desk) == [] and reminders_of(desk) == []
    assert "No assessment on record" in desk.command("status tonga").text


def test_a_form_whose_hidden_state_was_tampered_with_is_asked_to_be_opened_again(desk: Workspace) -> None:
    desk.command("visit")
    view = opened_form(desk)
    damaged = {**view, "private_metadata": '{"visit_id": "seven"}'}
    answer = submit(desk, damaged, filled(view, nation="FJ", start="2027-01-12"))
    assert answer.body["response_action"] == "errors"
    assert "came back damaged" in answer.body["errors"]["nation"]
    assert visits(desk) == []
