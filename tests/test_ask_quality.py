"""The officer-visible quality bar of /ipslo ask on the DEVELOPMENT set (tests/data/ask_questions.yaml): the first
answer is the right one at least 9 times in 10, and questions the base cannot answer get "I don't know", on SQLite
and PostgreSQL.

Only the development set is asserted here: the held-out set (tests/data/ask_heldout.yaml) is measured and reported by
`scripts/ask_accuracy.py`, never tuned on. The misses are listed when a bar is not met.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from commands.knowledge import ABSTAIN, understand
from commands.lookup import NationIndex
from storage.knowledge import KINDS, read_entries
from storage.nations import list_nations

QUESTIONS = Path(__file__).with_name("data") / "ask_questions.yaml"
TOP_1_BAR = 0.9
ABSTAIN_BAR = 0.8


def load_questions() -> list[dict]:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]


def test_question_set_is_large_enough_and_names_real_entries_or_citations() -> None:
    questions = load_questions()
    entries = read_entries()
    known = {entry["id"] for entry in entries}
    refs = {part.strip() for entry in entries for part in entry["ref"].split(";")}
    assert len(questions) >= 40
    assert len({q["q"] for q in questions}) == len(questions)
    assert sum(q["expect"] == ABSTAIN for q in questions) >= 10
    for question in questions:
        expected = question["expect"]
        if isinstance(expected, list):  # ids, or citations some entry cites (or a sub-paragraph of)
            for citation in expected:
                cited = any(r == citation or r.startswith((citation + ".", citation + "(")) for r in refs)
                assert citation in known or cited, question
        else:
            assert expected in known or expected.startswith("data:") or expected == ABSTAIN, question
        assert question.get("kind") in (None, ABSTAIN, "yes/no", "no fixed value", *KINDS), question


def test_top_1_accuracy_is_at_least_90_percent_and_unanswerable_questions_are_abstained(database) -> None:
    questions = load_questions()
    today = dt.date(2026, 11, 25)
    with database.sessions() as session:
        index = NationIndex(list_nations(session=session))
        misses, abstained, answerable, unanswerable = [], 0, 0, 0
        for item in questions:
            understood = understand(session=session, question=item["q"], today=today, index=index)
            right = understood.answers(item["expect"])
            if item["expect"] == ABSTAIN:
                unanswerable += 1
                abstained += right
            else:
                answerable += 1
            if not right:
                misses.append(f"{item['q']} -> expected {item['expect']}, answered {', '.join(understood.ranked[:3])}")
    top1 = 1 - (len(misses) - (unanswerable - abstained)) / answerable
    if top1 < TOP_1_BAR or abstained / unanswerable < ABSTAIN_BAR:
        pytest.fail(
            f"top-1 {top1:.1%} (bar {TOP_1_BAR:.0%}), abstained {abstained / unanswerable:.1%} (bar {ABSTAIN_BAR:.0%});"
            " misses:\n" + "\n".join(misses)
        )
