"""End to end over real HTTP: Slack-signed requests to the real app, Slack's Web API played by the stand-in."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from bot.slack_standin import sign
from tests.conftest import ADMIN, OFFICER


def test_status_is_answered_in_the_acknowledgement(workspace) -> None:
    answer = workspace.command("status fiji")
    assert answer.status == 200
    assert answer.ephemeral
    assert "Fiji (FJ)" in answer.text
    assert "Status: ❔ No assessment on record" in answer.text
    assert workspace.standin.responses == []  # nothing needed after the ack


def test_share_posts_the_status_for_the_channel(workspace) -> None:
    answer = workspace.command("status png share")
    assert answer.body["response_type"] == "in_channel"
    assert "Papua New Guinea (PG)" in answer.text
    assert "Share in channel" not in str(answer.body)  # it is shared already: no button to share it again


def test_request_with_a_bad_signature_is_refused(workspace) -> None:
    answer = workspace.command("status fiji", secret="not-the-signing-secret")
    assert answer.status == 401
    assert "Fiji" not in str(answer.body)


def test_request_older_than_five_minutes_is_refused(workspace) -> None:
    answer = workspace.command("status fiji", timestamp=int(time.time()) - 301)
    assert answer.status == 401


def test_unknown_subcommand_gets_the_closest_command_retyped_not_the_whole_help(workspace) -> None:
    answer = workspace.command("statsu fiji")
    assert answer.status == 200
    assert "I don't know the command “statsu”. Did you mean `/ipslo status fiji`?" in answer.text
    assert "e.g. `/ipslo status fiji`" in answer.text
    assert "/ipslo nations [coe|overdue|<region>]" not in answer.text  # one command's usage, not the whole list
    assert "`/ipslo help` lists every command." in answer.text


def test_unknown_word_with_no_close_command_lists_the_command_names_in_one_line(workspace) -> None:
    answer = workspace.command("frobnicate fiji")
    assert "I don't know the command “frobnicate”." in answer.text
    assert "Did you mean" not in answer.text
    assert "Commands: `status` `nations`" in answer.text
    assert "e.g. `/ipslo status fiji`" not in answer.text


def test_a_commands_second_word_typed_first_gets_the_commands_it_belongs_to(workspace) -> None:
    answer = workspace.command("history fiji")
    assert "“history” goes after the command it belongs to." in answer.text
    assert "Did you mean `/ipslo coe history fiji`?" in answer.text  # note history takes a note's number
    assert "`/ipslo note history 4`" in workspace.command("history 4").text
    cancel = workspace.command("cancel 3")
    assert "`/ipslo visit cancel 3` or `/ipslo reminder cancel 3`" in cancel.text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("cancel reminder 5", "/ipslo reminder cancel 5"),
        ("cancel reminders 5", "/ipslo reminder cancel 5"),
        ("cancel visit 3", "/ipslo visit cancel 3"),
        ("move visit 3 2027-01-19", "/ipslo visit move 3 2027-01-19"),
        ("history coe fiji", "/ipslo coe history fiji"),
        ("history note 4", "/ipslo note history 4"),
    ],
)
def test_a_second_word_typed_before_its_commands_name_gets_the_two_swapped(workspace, typed: str, meant: str) -> None:
    answer = workspace.command(typed)
    assert f"Did you mean `{meant}`?" in answer.text, answer.text
    assert " or `" not in answer.text


@pytest.mark.parametrize("space", ["\u00a0", "\u2007", "\u202f", "\u2009", "\u3000", "\u00a0\u00a0", "\t\u00a0"])
def test_a_command_with_unicode_spaces_pasted_from_outlook_or_word_is_read_as_with_spaces(
    workspace, space: str
) -> None:
    answer = workspace.command(f"status{space}fiji")
    assert "Fiji (FJ)" in answer.text and "I don't know the command" not in answer.text, answer.text
    assert "Papua New Guinea (PG)" in workspace.command(f"status{space}papua{space}new guinea").text
    looked_up = workspace.command(f"isps{space}A/16").text  # its own words follow: only the name's space is read
    assert "A/16" in looked_up and "I don't know" not in looked_up, looked_up


def test_the_commands_answered_before_the_general_listener_read_unicode_spaces_and_tabs_too(workspace) -> None:
    for typed in ("export\u00a0fiji", "export\tfiji"):
        before = len(workspace.standin.calls_to("files.completeUploadExternal"))
        answer = workspace.command(typed)
        assert "Export of Fiji" in answer.text, answer.text
        assert workspace.standin.wait_for(
            lambda before=before: len(workspace.standin.calls_to("files.completeUploadExternal")) > before, timeout=10
        ), f"{typed!r}: the files were not sent"


def note_text(workspace, number: int) -> str:
    with workspace.database.sessions() as session:
        return session.execute(text("SELECT text FROM notes WHERE id = :id"), {"id": number}).scalar_one()


def test_pasted_spaces_in_a_notes_text_stay_as_typed_and_only_the_commands_words_are_spaced(workspace) -> None:
    """Ideographic (U+3000), narrow no-break (U+202F) and no-break spaces and tabs in the text are the officer's;
    between the words that select the command ("note", the nation, "edit 1") they are read as spaces."""
    typed = "会議\u3000資料 and 10\u202f000 TEU at Suva\u00a0wharf\t(berth 2)"
    saved = workspace.command(f"note\u00a0fiji\u3000{typed}")
    assert "Saved note #1 under Fiji" in saved.text, saved.text
    assert note_text(workspace, 1) == typed
    edited = workspace.command("note\u202fedit\u00a01\u00a0Met the DA\u00a0in Suva\u3000会議\t2")
    assert "Note #1 updated." in edited.text, edited.text
    assert note_text(workspace, 1) == "Met the DA\u00a0in Suva\u3000会議\t2"
    workspace.command("note\tnew\u00a0zealand\tMet\tthe MNZ\u00a0team")  # a nation of two words, then its text
    assert note_text(workspace, 2) == "Met\tthe MNZ\u00a0team"
    workspace.command("note add\u00a0fiji 10\u202f000 TEU")
    assert note_text(workspace, 3) == "10\u202f000 TEU"


def test_a_reminder_cancelled_with_pasted_spaces_is_cancelled(workspace) -> None:
    set_ = workspace.command("remind fiji tomorrow 09:00 send the agenda")
    assert "I'll remind you" in set_.text, set_.text
    cancelled = workspace.command("reminders\u00a0cancel\u20071")
    assert "I don't know" not in cancelled.text and "Which reminder" not in cancelled.text, cancelled.text
    assert "cancel" in cancelled.text.lower()


def test_a_long_unknown_name_is_quoted_back_short(workspace) -> None:
    answer = workspace.command("status " + "x" * 3000)
    assert "I don't know a nation or territory called “" + "x" * 79 + "…”." in answer.text
    assert "x" * 100 not in answer.text


def test_a_nation_alone_shows_its_status(workspace) -> None:
    answer = workspace.command("fiji")
    assert answer.text.startswith("Fiji (FJ)"), answer.text
    korea = workspace.command("korea")  # a name of two places: status asks which, as it does itself
    assert "could mean more than one nation" in korea.text


def test_empty_command_and_help_list_every_subcommand_with_an_example(workspace) -> None:
    for typed in ("", "help"):
        answer = workspace.command(typed)
        assert "`/ipslo status <nation>`" in answer.text
        assert "e.g. `/ipslo status fiji`" in answer.text


def test_unknown_nation_gets_the_closest_three(workspace) -> None:
    answer = workspace.command("status guinea")
    assert "could mean more than one nation" in answer.text
    for name in ("Equatorial Guinea", "Guinea-Bissau", "Papua New Guinea"):
        assert name in answer.text


def test_admin_records_an_assessment_and_officers_see_it(workspace) -> None:
    refused = workspace.command("assess fiji 2026-10-03 substantially implementing", user=OFFICER)
    assert "only admins may run it" in refused.text
    recorded = workspace.command("assess fiji 2026-10-03 substantially implementing", user=ADMIN)
    assert "Recorded: Fiji found substantially implementing the ISPS Code on 3 Oct 2026." in recorded.text
    shown = workspace.command("status fiji", user=OFFICER)
    assert "substantially implementing the ISPS Code (3 Oct 2026)" in shown.text
    assert "recorded by @U0ADMIN" in shown.text  # a mention: Slack shows the admin's name


def test_bad_date_shows_the_accepted_forms(workspace) -> None:
    answer = workspace.command("assess fiji last spring substantially implementing", user=ADMIN)
    assert "I couldn't read “last” as a date." in answer.text
    assert "2027-01-12" in answer.text  # the accepted forms, with examples


def test_an_ambiguous_date_shows_both_readings_and_the_usage(workspace) -> None:
    answer = workspace.command("assess fiji 03/04/2026 substantially implementing", user=ADMIN)
    assert "could be 2026-03-04 (4 March) or 2026-04-03 (3 April)" in answer.text
    assert "Usage: `/ipslo assess" in answer.text and "Dates I understand" not in answer.text


def test_officer_time_zone_is_asked_of_slack_once(workspace) -> None:
    workspace.command("status fiji")
    workspace.command("status tonga")
    lookups = [c for c in workspace.standin.calls_to("users.info") if c.args.get("user") == OFFICER]
    assert len(lookups) == 1


def test_people_outside_the_officer_list_are_refused_politely(workspace, settings, database, standin) -> None:
    from dataclasses import replace

    from tests.conftest import served

    with served(replace(settings, officers=frozenset({ADMIN})), database, standin) as team:
        answer = team.command("status fiji", user=OFFICER)
        assert answer.status == 200
        assert "this bot is for the IPSLO team" in answer.text
        assert "Fiji" not in answer.text
        assert "Fiji (FJ)" in team.command("status fiji", user=ADMIN).text


def test_a_broken_database_gets_a_friendly_reply_not_a_stack_trace(workspace) -> None:
    with workspace.database.engine.begin() as connection:
        connection.execute(text("DROP TABLE assessments"))
    answer = workspace.command("status fiji")
    assert answer.status == 200
    assert "Something went wrong on our side and nothing was saved" in answer.text
    assert "Traceback" not in answer.text and "assessments" not in answer.text


def test_healthz_answers_when_the_database_does(workspace) -> None:
    import urllib.request

    with urllib.request.urlopen(workspace.url.replace("/slack/events", "/healthz"), timeout=5) as response:
        assert response.status == 200
        assert b'"database": "up"' in response.read()


def test_signature_helper_matches_what_bolt_verifies() -> None:
    from slack_sdk.signature import SignatureVerifier

    headers = sign("a=1", "secret", timestamp=int(time.time()))
    assert SignatureVerifier("secret").is_valid_request("a=1", headers)


def test_a_stale_profile_is_kept_when_slack_cannot_answer(workspace) -> None:
    import datetime as dt

    from storage.officers import Officer

    with workspace.database.sessions.begin() as session:
        session.add(
            Officer(
                user_id=OFFICER,
                name="Lt Kim",
                tz="America/New_York",
                fetched_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3),
            )
        )
    workspace.standin.fail_next("users.info", status=200, error="fatal_error")
    answer = workspace.command("remind fiji tomorrow 09:00 send agenda to the DA")
    assert "09:00 EST" in answer.text or "09:00 EDT" in answer.text  # the officer's own zone, not the team's


def test_slack_down_for_a_new_officer_falls_back_to_the_team_zone(workspace) -> None:
    workspace.standin.fail_next("users.info", status=200, error="fatal_error")
    answer = workspace.command("remind fiji tomorrow 09:00 send agenda to the DA")
    assert answer.status == 200
    assert "09:00 JST" in answer.text  # IPSLO_TEAM_TZ, Asia/Tokyo


def test_help_for_one_subcommand_either_way_round(workspace) -> None:
    for typed in ("help visit", "visit help"):
        answer = workspace.command(typed)
        assert "`/ipslo visit add|move|cancel …`" in answer.text
        assert "/ipslo status <nation>" not in answer.text  # just that one


def test_share_on_a_private_command_says_where_share_works(workspace) -> None:
    answer = workspace.command("reminders share")
    assert "`share` works with `status` and `nations`" in answer.text


def test_a_command_whose_text_says_payload_is_answered(workspace) -> None:
    """Bolt's own reading of a form takes any body with the word "payload" in it for an interaction's payload, and
    finds none: the bot hands Bolt the body it has read (bot/serve.py ``bolt_request``)."""
    answer = workspace.command("note fiji payload crane inspected before the port call")
    assert "Saved note #1" in answer.text
    assert "payload crane" in workspace.command("notes fiji").text


def test_slack_rate_limiting_who_an_officer_is_does_not_hold_the_answer(workspace) -> None:
    """users.info answered 429 with Retry-After 20: asked once, the team's zone used, the command answered at once."""
    workspace.standin.fail_next("users.info", status=429, retry_after=20)
    answer = workspace.command("remind fiji tomorrow 09:00 send agenda to the DA")
    assert answer.status == 200 and "09:00 JST" in answer.text
    assert len(workspace.standin.calls_to("users.info")) == 1
