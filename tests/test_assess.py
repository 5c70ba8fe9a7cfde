"""`/ipslo assess` as an admin types it: the outcome read whole (the rest is the source), the same assessment never
recorded twice, and what is said of a nation outside our area."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.nations import Assessment
from tests.conftest import ADMIN, Workspace
from tests.interactions import after_answer, filled, opened_form, submit


def assessments(desk: Workspace) -> int:
    with desk.database.sessions() as session:
        return session.scalar(select(func.count()).select_from(Assessment)) or 0


@pytest.mark.parametrize(
    ("typed", "outcome", "source"),
    [
        (
            "not maintaining effective anti-terrorism measures TR 22-11",
            "not maintaining effective anti-terrorism measures",
            "TR 22-11",
        ),
        ("Not Maintaining Effective Antiterrorism Measures TR 22-11", "not maintaining effective", "TR 22-11"),
        ("not maintaining effective AT measures TR 22-11", "not maintaining effective", "TR 22-11"),
        ("not maintaining effective anti-terrorism TR 22-11", "not maintaining effective", "TR 22-11"),
        ("not maintaining effective TR 22-11", "not maintaining effective", "TR 22-11"),
        ("not maintaining at Nuku'alofa TR 22-11", "not maintaining effective", "at Nuku'alofa TR 22-11"),
        ("NM TR 22-11", "not maintaining effective", "TR 22-11"),
        (
            "substantially implementing the ISPS Code trip report 22-11",
            "substantially implementing the ISPS Code",
            "trip report 22-11",
        ),
        ("substantially implementing ISPS Code TR 22-11", "substantially implementing the ISPS Code", "TR 22-11"),
        ("substantially implementing - TR 22-11", "substantially implementing the ISPS Code", "TR 22-11"),
        ("SI TR 22-11", "substantially implementing the ISPS Code", "TR 22-11"),
        # a source that begins with the Code's name keeps it: only the whole name ("ISPS Code") is the outcome's
        ("substantially implementing ISPS visit report 14", "substantially implementing the", "ISPS visit report 14"),
        ("substantially implementing ISPS assessment 2022", "substantially implementing the", "ISPS assessment 2022"),
        ("substantially implemented ISPS trip report 9", "substantially implementing the", "ISPS trip report 9"),
        (
            "substantially implementing the ISPS visit report 14",
            "substantially implementing the",
            "the ISPS visit report 14",
        ),
        ("substantially implementing the Code review 2022", "substantially implementing the", "the Code review 2022"),
        ("substantially implementing trip report 14", "substantially implementing the", "trip report 14"),
        (
            "substantially implementing the ISPS Code visit report 14",
            "substantially implementing the",
            "visit report 14",
        ),
        (
            "substantially implementing ISPS Code ISPS visit report 14",
            "substantially implementing the",
            "ISPS visit report 14",
        ),
        ("substantially implementing ISPS, visit report 14", "substantially implementing the", "visit report 14"),
        ("substantially implementing ISPS - trip report 9", "substantially implementing the", "trip report 9"),
        ("substantially implementing the Code (letter 22-4)", "substantially implementing the", "(letter 22-4)"),
        (
            "not maintaining effective anti-terrorism measures ISPS visit report 3",
            "not maintaining",
            "ISPS visit report 3",
        ),
    ],
)
def test_the_outcome_is_read_whole_and_the_rest_is_the_source(
    desk: Workspace, typed: str, outcome: str, source: str
) -> None:
    recorded = desk.command(f"assess tonga 2022-05-01 {typed}", user=ADMIN)
    assert f"Recorded: Tonga found {outcome}" in recorded.text, recorded.text
    assert f"Source: {source} · recorded by" in recorded.text, recorded.text
    assert f"Source: {source}; recorded by" in desk.command("status tonga").text


@pytest.mark.parametrize("typed", ["ISPS", "the ISPS", "the Code", "ISPS Code", "the ISPS Code"])
def test_the_codes_name_ending_the_line_is_the_outcomes_not_a_source(desk: Workspace, typed: str) -> None:
    recorded = desk.command(f"assess tonga 2022-05-01 substantially implementing {typed}", user=ADMIN)
    assert "Recorded: Tonga found substantially implementing the ISPS Code" in recorded.text, recorded.text
    assert "Source: not given · recorded by" in recorded.text, recorded.text


def test_the_same_assessment_again_is_not_recorded_twice_and_keeps_its_source(desk: Workspace) -> None:
    desk.command("assess samoa 2025-04-03 substantially TR 1", user=ADMIN)
    again = desk.command("assess samoa 2025-04-03 substantially implementing", user=ADMIN)
    assert (
        "Already on record: Samoa found substantially implementing the ISPS Code on 3 Apr 2025; "
        "nothing was recorded again." in again.text
    ), again.text
    assert "Source: TR 1 · recorded by @U0ADMIN" in again.text
    assert "Recorded:" not in again.text
    same_source = desk.command("assess samoa 3 Apr 2025 SI tr 1", user=ADMIN)
    assert "Already on record" in same_source.text and "Source: TR 1 ·" in same_source.text
    status = desk.command("status samoa").text
    assert "Found substantially implementing the ISPS Code (3 Apr 2025)" in status
    assert "Source: TR 1; recorded by @U0ADMIN" in status and "not given" not in status
    assert assessments(desk) == 1


def test_the_same_assessment_with_a_source_gives_the_one_on_record_its_source(desk: Workspace) -> None:
    desk.command("assess fiji 2025-01-02 substantially implementing", user=ADMIN)
    resent = desk.command("assess fiji 2025-01-02 substantially implementing", user=ADMIN)  # a double Enter
    assert "Recorded: Fiji found" in resent.text and "nothing was done twice" in resent.text
    unsourced = desk.command("assess fiji 2 Jan 2025 substantially implementing", user=ADMIN)
    assert "Already on record" in unsourced.text and "Source: not given" in unsourced.text
    assert "To add its source: `/ipslo assess fiji 2025-01-02 substantially implementing <source>`" in unsourced.text
    added = desk.command("assess fiji 2025-01-02 substantially implementing TR 9", user=ADMIN)
    assert (
        "Already on record: Fiji found substantially implementing the ISPS Code on 2 Jan 2025, without a source. "
        "Added its source “TR 9”; nothing was recorded twice." in added.text
    ), added.text
    other = desk.command("assess fiji 2025-01-02 substantially implementing letter 25-3", user=ADMIN)
    assert "with the source “TR 9”. Added “letter 25-3” beside it" in other.text, other.text
    assert "Source: TR 9 + letter 25-3; recorded by @U0ADMIN" in desk.command("status fiji").text
    assert assessments(desk) == 1


def test_another_outcome_for_the_same_day_is_the_status_and_the_earlier_one_is_kept(desk: Workspace) -> None:
    desk.command("assess fiji 2025-01-02 substantially implementing TR 9", user=ADMIN)
    corrected = desk.command("assess fiji 2025-01-02 not maintaining TR 10", user=ADMIN)
    assert "Recorded: Fiji found not maintaining effective anti-terrorism measures on 2 Jan 2025." in corrected.text
    assert (
        "Before this, Fiji was on record for that day as found substantially implementing the ISPS Code "
        "(source: TR 9; recorded by @U0ADMIN). Both stay on record; this newer one is its status." in corrected.text
    ), corrected.text
    assert "Found not maintaining effective anti-terrorism measures (2 Jan 2025)" in desk.command("status fiji").text
    back = desk.command("assess fiji 2025-01-02 substantially implementing", user=ADMIN)
    assert "Recorded: Fiji found substantially implementing" in back.text  # the status again, with its source
    assert "Its source, from the earlier record of this outcome for that day: TR 9." in back.text
    status = desk.command("status fiji").text
    assert "Found substantially implementing the ISPS Code (2 Jan 2025)" in status and "Source: TR 9;" in status
    assert assessments(desk) == 3


def test_the_form_sending_an_assessment_on_record_says_so(desk: Workspace) -> None:
    desk.command("assess tonga 2026-10-03 substantially implementing TR 26-041", user=ADMIN)
    desk.command("assess", user=ADMIN)
    view = opened_form(desk)
    values = filled(view, nation="TO", date="2026-10-03", outcome="substantially implementing the ISPS Code")
    submit(desk, view, values, user=ADMIN)
    said = after_answer(desk, "chat.postEphemeral")[-1].args["text"]
    assert "Already on record: Tonga found substantially implementing the ISPS Code on 3 Oct 2026" in said, said
    assert "Source: TR 26-041; recorded by" in desk.command("status tonga").text
    assert assessments(desk) == 1


def test_a_nation_outside_our_area_is_said_in_words(desk: Workspace) -> None:
    recorded = desk.command("assess nigeria 2025-01-01 substantially implementing", user=ADMIN)
    assert (
        "Nigeria is outside our area; the assessment is recorded all the same "
        "(`/ipslo area add nigeria` adds it to our area)." in recorded.text
    ), recorded.text
    assert "(No)" not in recorded.text
    guam = desk.command("assess guam 2025-01-01 substantially implementing", user=ADMIN)
    assert "Guam is outside our area: a U.S. territory (domestic, not a partner)." in guam.text, guam.text
