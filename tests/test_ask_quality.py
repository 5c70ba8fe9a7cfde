"""The officer-visible quality bar of /ipslo ask on the DEVELOPMENT sets, on SQLite and PostgreSQL: on the project's
own questions (tests/data/ask_questions.yaml) the first answer is the right one at least 9 times in 10; on the former
held-out sets, written blind in officers' language and read after each was measured once (tests/data/ask_dev_seen.yaml,
v1; ask_dev_seen_v2.yaml ... ask_dev_seen_v19.yaml, v2 to v19), floors that keep everyday wording answered; on all,
questions the base cannot answer get "I don't know".

Only development sets are asserted here: the held-out set (tests/data/ask_heldout_v20.yaml) is measured and reported by
`scripts/ask_accuracy.py`, never tuned on and never read here. The misses are listed when a bar is not met.
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
SEEN = Path(__file__).with_name("data") / "ask_dev_seen.yaml"
SEEN_V2 = Path(__file__).with_name("data") / "ask_dev_seen_v2.yaml"
SEEN_V3 = Path(__file__).with_name("data") / "ask_dev_seen_v3.yaml"
SEEN_V4 = Path(__file__).with_name("data") / "ask_dev_seen_v4.yaml"
SEEN_V5 = Path(__file__).with_name("data") / "ask_dev_seen_v5.yaml"
SEEN_V6 = Path(__file__).with_name("data") / "ask_dev_seen_v6.yaml"
SEEN_V7 = Path(__file__).with_name("data") / "ask_dev_seen_v7.yaml"
SEEN_V8 = Path(__file__).with_name("data") / "ask_dev_seen_v8.yaml"
SEEN_V9 = Path(__file__).with_name("data") / "ask_dev_seen_v9.yaml"
SEEN_V10 = Path(__file__).with_name("data") / "ask_dev_seen_v10.yaml"
SEEN_V11 = Path(__file__).with_name("data") / "ask_dev_seen_v11.yaml"
SEEN_V12 = Path(__file__).with_name("data") / "ask_dev_seen_v12.yaml"
SEEN_V13 = Path(__file__).with_name("data") / "ask_dev_seen_v13.yaml"
SEEN_V14 = Path(__file__).with_name("data") / "ask_dev_seen_v14.yaml"
SEEN_V15 = Path(__file__).with_name("data") / "ask_dev_seen_v15.yaml"
SEEN_V16 = Path(__file__).with_name("data") / "ask_dev_seen_v16.yaml"
SEEN_V17 = Path(__file__).with_name("data") / "ask_dev_seen_v17.yaml"
SEEN_V18 = Path(__file__).with_name("data") / "ask_dev_seen_v18.yaml"
SEEN_V19 = Path(__file__).with_name("data") / "ask_dev_seen_v19.yaml"
TOP_1_BAR = 0.9
ABSTAIN_BAR = 0.9
#: The former held-out sets and their floors (top-1 at least, off-topic abstained at least, answerable questions
#: wrongly "I don't know" at most). v1 was measured at 48.0% top-1 with 27.6% wrongly "I don't know" before everyday
#: wording was read as such; v2 at 60.9% top-1, 92.0% abstained, 12.7% wrongly "I don't know". After the paragraph
#: entries and ranking changes read from their misses: v1 72.4% / 96.7% / 11.8%, v2 77.3% / 92.0% / 8.2%. v3 was
#: measured once at 43.5% / 77.4% / 31.3%. With everyday synonyms on the paragraph entries (2026-11-30): v1 79.5% /
#: 96.7% / 4.7%, v2 85.5% / 92.0% / 3.6%, v3 68.7% / 90.3% / 13.0%. v4 was measured once at 61.8% / 90.0% / 16.8%,
#: v5 at 64.1% / 86.7% / 17.2%, v6 at 77.5% / 93.3% / 13.4%, v7 at 74.5% / 100% / 14.5%, v8 at 61.4% / 100% /
#: 22.1%, v9 at 66.7% / 96.7% / 18.1% (74.6% / 96.7% / 10.1% after its round), v10 at 66.4% / 93.3% / 11.7%.
#: After the sixth round (2026-12-01): v3 75.7%, v4 77.1%, v5 76.0%, v7 85.5%, v8 70.7%, v9 76.8%, v10 72.3% top-1.
#: v11 was measured once at 82.1% / 93.3% / 7.1%. After the seventh round: v1 85.8%, v2 92.7%, v4 79.4%, v6 86.6%,
#: v7 89.0%, v10 75.9%, v11 87.9% top-1. v12 was measured once at 62.1% / 100% / 17.1%. After the eighth round
#: (2026-12-01): v1 88.2%, v2 95.5%, v3 83.5%, v4 83.2%, v5 80.8%, v6 87.3%, v7 89.0%, v8 81.4%, v9 84.8%, v10 84.7%,
#: v11 92.1%, v12 74.3% top-1. v13 was measured once at 87.1% / 96.7% / 2.9%; after its misses were read, 92.1% /
#: 100% / 2.1% (v1 90.6%). v14 was measured once at 84.3% / 100% / 5.7%; after the ninth round (its misses read),
#: 89.3% / 100% / 2.1% (v2 96.4%, v3 84.3%, v8 84.3%, v9 85.5%, v11 93.6%, v12 77.9%). v15 was measured once at
#: 84.3% / 96.7% / 3.6%; after the tenth round (its misses read), 91.4% / 100% / 1.4% (v13 95.0%, v14 90.0%).
#: v16 was measured once at 79.3% / 90.0% / 6.4%; after the eleventh round's first half (its misses read), 85.7% /
#: 93.3% / 2.9%. v17 was measured once at 89.3% / 86.7% / 4.3%; after the second half (its misses read), 94.3% / 93.3%
#: / 0.7% (v16 86.4%, v13 95.7%, v11 94.3%). v18 was measured once at 87.1% / 96.7% / 5.0%; after the twelfth
#: round (its misses read), 90.0% / 100% / 1.4%. v19 was measured once at 85.7% / 96.7% / 2.1%;
#: after the twelfth round's second half (its misses read), 88.6% / 100% / 0.7%.
#: The floors keep what was gained from coming back.
FORMER_HELD_OUT = {
    "v1": (SEEN, 0.88, 0.95, 0.08),
    "v2": (SEEN_V2, 0.94, 0.92, 0.06),
    "v3": (SEEN_V3, 0.82, 0.87, 0.16),
    "v4": (SEEN_V4, 0.8, 0.9, 0.2),
    "v5": (SEEN_V5, 0.78, 0.93, 0.2),
    "v6": (SEEN_V6, 0.85, 0.93, 0.12),
    "v7": (SEEN_V7, 0.87, 0.96, 0.13),
    "v8": (SEEN_V8, 0.81, 0.96, 0.24),
    "v9": (SEEN_V9, 0.83, 0.93, 0.12),
    # the entry nearest in meaning settles a question told in the officer's scene (SETTLED_MEANING): "an abandon ship /
    # lifeboat drill" comes that near to the drill after a crew change, so v10 gave up one off-topic question
    "v10": (SEEN_V10, 0.82, 0.9, 0.1),
    "v11": (SEEN_V11, 0.91, 0.9, 0.07),
    "v12": (SEEN_V12, 0.75, 0.96, 0.12),
    "v13": (SEEN_V13, 0.93, 0.96, 0.04),
    "v14": (SEEN_V14, 0.88, 0.96, 0.04),
    "v15": (SEEN_V15, 0.89, 0.96, 0.03),
    "v16": (SEEN_V16, 0.84, 0.9, 0.04),
    "v17": (SEEN_V17, 0.92, 0.9, 0.02),
    "v18": (SEEN_V18, 0.88, 0.96, 0.03),
    "v19": (SEEN_V19, 0.86, 0.96, 0.02),
}


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


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


#: The former held-out sets are asked on SQLite only: ranking reads the same entries on both databases and ranks them
#: in Python, and tests/test_knowledge.py asserts that both give the same answers (the development set above is asked
#: on both too); asking 2,400 questions twice took a third of the suite's time.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("version", sorted(FORMER_HELD_OUT))
def test_former_held_out_questions_in_everyday_wording_are_answered_and_off_topic_ones_abstained(
    database, version: str
) -> None:
    path, top1_bar, abstain_bar, dont_know_bar = FORMER_HELD_OUT[version]
    questions = load_questions(path)
    today = dt.date(2026, 11, 25)
    right = answerable = abstained = unanswerable = false_dont_know = 0
    misses = []
    with database.sessions() as session:
        index = NationIndex(list_nations(session=session))
        for item in questions:
            if item["expect"] == [] or item.get("kind") == "unanswerable":
                item["expect"] = ABSTAIN  # v3 marks a question nothing in the base answers with an empty list
            understood = understand(session=session, question=item["q"], today=today, index=index)
            correct = understood.answers(item["expect"])
            if item["expect"] == ABSTAIN:
                unanswerable += 1
                abstained += correct
            else:
                answerable += 1
                right += correct
                false_dont_know += understood.abstained
            if not correct:
                misses.append(f"{item['q']} -> expected {item['expect']}, answered {', '.join(understood.ranked[:3])}")
    top1, abstain, dont_know = right / answerable, abstained / unanswerable, false_dont_know / answerable
    if top1 < top1_bar or abstain < abstain_bar or dont_know > dont_know_bar:
        pytest.fail(
            f"top-1 {top1:.1%} (bar {top1_bar:.0%}), abstained {abstain:.1%} (bar {abstain_bar:.0%}), "
            f"false 'I don't know' {dont_know:.1%} (bar {dont_know_bar:.0%}); misses:\n" + "\n".join(misses)
        )
