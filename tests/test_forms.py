"""Forms for every write, as an officer uses them in Slack: opened by a bare command, a button or a menu, filled in
with a type-ahead nation, refused beside the field at fault, and never written twice."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.visit_form import form_view, read_form
from storage.reminders import Reminder
from storage.visits import Visit
from tests.conftest import ADMIN, OFFICER, Answer, Workspace, served
from tests.interactions import (
    after_answer,
    buttons,
    filled,
    interact,
    labelled,
    opened_form,
    press,
    submit,
)

UTC = dt.UTC
#: Wednesday 25 Nov 2026, 12:00 in Tokyo (the officer's zone).
NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@pytest.fixture
def desk(settings, database, standin) -> Iterator[Workspace]:
    with served(settings, database, standin, clock=lambda: NOW) as workspace:
        yield workspace


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
    from bot.console import render

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
    assert (visit.starts_on, visit.ends_on, visit.title) == (dt.date(2027, 2, 2), dt.date(2027, 2, 5), "PFSO seminar, Lae")
    with desk.database.sessions() as session:
        due = sorted(r.due_at for r in session.scalars(select(Reminder)) if r.state == "pending")
    assert due[-1] == dt.datetime(2027, 2, 1, 0, 0, tzinfo=UTC)  # 09:00 Tokyo the day before the new start
    said = after_answer(desk, "chat.postEphemeral")[-1].args["text"]
    assert "Changed visit #1 to Papua New Guinea: dates (was Tue 12 Jan – Sat 16 Jan 2027), title." == said


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
