"""The note form built and read directly: what an officer typed comes back exactly, however long."""

from __future__ import annotations

import datetime as dt

from bot.note_form import NO_VISIT, TEXT_CHARS, exact_pieces, form_view, read_form


def submitted(view: dict, values: dict) -> dict:
    """The view as Slack sends it back on submit: the same blocks, with the officer's values in state."""
    return {**view, "id": "V0NOTE", "state": {"values": values}}


def test_a_long_text_is_cut_into_boxes_that_join_back_exactly() -> None:
    text = ("Met the DA in Suva. " * 400) + "\nFollow-up: PFSP review."
    pieces = exact_pieces(text)
    assert "".join(pieces) == text
    assert all(len(p) <= TEXT_CHARS for p in pieces) and len(pieces) == 3


def test_the_form_offers_the_nation_and_reads_back_what_was_typed(database) -> None:
    text = "Q&A with the PFSO <b>not html</b> " * 150  # over one box
    with database.sessions() as session:
        view = form_view(
            session=session, nation_iso2="FJ", visit_id=None, today=dt.date(2026, 12, 1), text=text, metadata={}
        )
    assert view["callback_id"] == "note_form" and len(view["blocks"]) <= 100
    boxes = [b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("text_")]
    assert len(boxes) == 2
    values = {
        "nation": {"value": {"type": "static_select", "selected_option": {"value": "FJ"}}},
        "visit_FJ": {"value": {"type": "static_select", "selected_option": {"value": NO_VISIT}}},
        "date": {"value": {"type": "datepicker", "selected_date": "2026-11-30"}},
        "text_0": {"value": {"type": "plain_text_input", "value": exact_pieces(text)[0]}},
        "text_1": {"value": {"type": "plain_text_input", "value": exact_pieces(text)[1]}},
        "tags": {"value": {"type": "plain_text_input", "value": "pfsp"}},
    }
    form = read_form(submitted(view, values))
    assert form.text == text and form.nation_iso2 == "FJ" and form.visit_id is None
    assert form.noted_on == dt.date(2026, 11, 30) and form.tags == "pfsp"
    assert form.idempotency_key == "view:V0NOTE"
