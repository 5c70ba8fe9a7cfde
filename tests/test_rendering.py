"""Replies as meaning, drawn two ways: Slack's mrkdwn for Slack, plain text for the console. An officer sees the
same words in both; only Slack's markup differs, and nothing an officer wrote becomes markup."""

from __future__ import annotations

from bot.views import PlainStyle, SlackStyle, Views
from commands.language import (
    Aside,
    Button,
    Buttons,
    Caption,
    Icon,
    Link,
    Mention,
    Quote,
    Reply,
    Section,
    Strong,
    Typed,
    bullets,
    lines,
    plain_text,
    words,
)

SLACK = SlackStyle()
PLAIN = PlainStyle(name_of={"U0LEE": "Lee"}.get)


def test_slack_draws_meaning_as_mrkdwn() -> None:
    said = words(
        Icon.OVERDUE,
        " ",
        Strong("Overdue"),
        " since 3 Jan · led by ",
        Mention("U0LEE"),
        " · ",
        Aside("outside our area"),
    )
    assert SLACK.text(said) == ":red_circle: *Overdue* since 3 Jan · led by <@U0LEE> · _outside our area_"
    assert SLACK.text(words("Type ", Typed("/ipslo help"), ".")) == "Type `/ipslo help`."
    assert SLACK.text(Link("https://example.gov/psa", "the PSA")) == "<https://example.gov/psa|the PSA>"
    assert SLACK.text(words("Remind me:\n", Quote("send the agenda\nand the list"))) == (
        "Remind me:\n>send the agenda\n>and the list"
    )


def test_emphasis_keeps_its_marks_against_the_words() -> None:
    """Slack only bolds ``*x*`` when the marks touch words: spaces stay outside them."""
    assert SLACK.text(words("a", Strong(" due 3 Jan "), "b")) == "a *due 3 Jan* b"
    assert SLACK.text(Strong("")) == ""


def test_what_officers_wrote_never_becomes_markup_in_slack() -> None:
    written = "ask <!channel> & <!here> about a<b, then *ping* <@U0LEE>"
    shown = SLACK.text(words("Note: ", written))
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown and "&lt;!here&gt;" in shown
    assert "a&lt;b" in shown and "&amp;" in shown
    assert "<@U0LEE>" in shown  # a person the officer mentioned stays a mention
    assert SLACK.text(Typed("a`b")) == "`a'b`"  # a backtick inside cannot end the code span early


def test_the_console_draws_the_same_words_as_plain_text() -> None:
    said = words(Icon.BARRED, " Under Conditions of Entry · recorded by ", Mention("U0LEE"), " ", Strong("today"))
    assert PLAIN.text(said) == "⛔ Under Conditions of Entry · recorded by @Lee today"
    assert PLAIN.text(Mention("U0OTHER")) == "@U0OTHER"  # no name known: the member ID
    assert PLAIN.text(words("Type ", Typed("/ipslo help"))) == "Type `/ipslo help`"
    assert PLAIN.text(Link("https://example.gov", "the PSA")) == "the PSA (https://example.gov)"
    assert PLAIN.text(words("Remind me:\n", Quote("send it"))) == "Remind me:\n  │ send it"


def test_the_console_shows_what_officers_wrote_as_written_with_people_by_name() -> None:
    assert PLAIN.text("met <@U0LEE> re *PFSP* & a<b <!channel>") == "met @Lee re *PFSP* & a<b <!channel>"


def test_plain_words_leave_out_pictures_and_emphasis() -> None:
    assert plain_text(words(Icon.OK, " Found ", Strong("substantially implementing"))) == (
        "Found substantially implementing"
    )
    assert plain_text(words("Type ", Typed("/ipslo help"), " or ask ", Mention("U0LEE"))) == (
        "Type /ipslo help or ask @U0LEE"
    )


def test_lists_put_one_item_to_a_line() -> None:
    assert PLAIN.text(bullets(["Fiji", words(Strong("Tonga"), " (TO)")])) == "• Fiji\n• Tonga (TO)"
    assert SLACK.text(lines(["one", Strong("two")])) == "one\n*two*"


def test_a_reply_renders_as_block_kit_in_either_style() -> None:
    reply = Reply(
        words("Saved note ", Strong("#12")),
        header="Fiji (FJ)",
        parts=(
            Section(words("Saved note ", Strong("#12"), " by ", Mention("U0LEE")), icon=Icon.NOTE),
            Section(fields=(("Status", words(Icon.UNKNOWN, " No assessment on record")),)),
            Caption(words("Show it: ", Typed("/ipslo note 12"))),
            Buttons((Button("Add note", "note_add", "FJ", icon=Icon.NOTE),)),
        ),
    )
    slack = Views(SLACK).message(reply)
    assert slack["text"] == "Saved note *#12*"
    assert [b["type"] for b in slack["blocks"]] == ["header", "section", "section", "context", "actions"]
    assert slack["blocks"][1]["text"] == {"type": "mrkdwn", "text": ":memo: Saved note *#12* by <@U0LEE>"}
    assert slack["blocks"][2]["fields"][0]["text"] == "*Status*\n:grey_question: No assessment on record"
    assert slack["blocks"][4]["elements"][0]["text"]["text"] == ":memo: Add note"

    plain = Views(PLAIN).message(reply)
    assert plain["text"] == "Saved note #12"
    assert plain["blocks"][1]["text"] == {"type": "plain_text", "text": "📝 Saved note #12 by @Lee"}
    assert plain["blocks"][2]["fields"][0]["text"] == "Status\n❔ No assessment on record"
    assert plain["blocks"][3]["elements"][0]["text"] == "Show it: `/ipslo note 12`"
    assert plain["blocks"][4]["elements"][0]["text"]["text"] == "📝 Add note"


def test_every_icon_has_a_picture_in_both_styles() -> None:
    assert set(SlackStyle.ICONS) == set(Icon) == set(PlainStyle.ICONS)


def test_people_in_officers_words_are_mentions_in_slack_and_names_in_the_console() -> None:
    """Officers' text keeps a person as ``@U0LEE`` (bot/ reads Slack's ``<@U0LEE|lee>`` on the way in)."""
    written = "met @U0LEE and @U0OTHER; mail lee@U0LEE.gov; older record <@U0LEE|lee>"
    assert SLACK.text(written) == ("met <@U0LEE> and <@U0OTHER>; mail lee@U0LEE.gov; older record <@U0LEE|lee>")
    assert PLAIN.text(written) == "met @Lee and @U0OTHER; mail lee@U0LEE.gov; older record @Lee"


def test_a_reply_kept_for_a_repeated_command_comes_back_whole() -> None:
    from bot.runtime import reply_from_json, reply_to_json

    reply = Reply(
        words("Saved note ", Strong("#12")),
        parts=(
            Section(words("by ", Mention("U0LEE"), ": ", Quote("gate logs")), icon=Icon.NOTE),
            Caption(words("Show it: ", Typed("/ipslo note 12"), " · ", Link("https://x.gov", "PSA"), Aside("!"))),
            Buttons((Button("Edit", "note_edit", "12", icon=Icon.EDIT),)),
        ),
    )
    assert reply_from_json(reply_to_json(reply)) == reply
    older = '{"text": "Saved", "header": null, "public": false, "refused": false, "parts": [{"kind": "Section", '
    older += '"text": ":memo: Saved", "fields": [], "accessory": null}, {"kind": "Buttons", "buttons": [{"label": '
    older += '"Edit", "action_id": "note_edit", "value": "12", "style": null, "confirm": null}]}]}'
    assert reply_from_json(older) == Reply(
        "Saved", parts=(Section(":memo: Saved"), Buttons((Button("Edit", "note_edit", "12"),)))
    )
