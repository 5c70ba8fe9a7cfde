"""Measure `/ipslo ask` on the question sets: top-1, top-3 and abstention, per set and per database, in one table.

The DEVELOPMENT sets are what the ranking is tuned on: ``dev`` (tests/data/ask_questions.yaml), and ``seen``,
``seen2`` to ``seen19`` (tests/data/ask_dev_seen.yaml, ask_dev_seen_v2.yaml ... ask_dev_seen_v19.yaml: the former
held-out sets v1 to v19), each read only after it was measured once: checks against over-fitting ``dev``. The HELD-OUT
set ``heldout`` (tests/data/ask_heldout_v20.yaml, written blind before the tuning that followed v19's measurement) is
measured and reported, never tuned on: its misses are not printed unless asked for. While tuning, name only the
development sets
(``--sets dev,seen,seen2,seen3,seen4,seen5,seen6,seen7,seen8,seen9,seen10,seen11,seen12,seen13,seen14,seen15,seen16,
seen17,seen18,seen19``)
so the held-out file is never read. Each question has ``q``, ``expect`` (an entry id, ``data:<answer>``, a list of
citations such as ["ISPS Code A/19.4.4"], or ``abstain`` (or an empty list, with ``kind: unanswerable``)) and
optionally ``kind``.

- top-1 / top-3: of the answerable questions, the right answer first / among the first three.
- abstained: of the questions marked ``expect: abstain``, how many got "I don't know".
- false "don't know": of the answerable knowledge questions, how many got "I don't know".
- ms/q, p95 ms: the mean and 95th-percentile time to understand one question, in process.

Each database is fresh: a temporary SQLite file, and a new schema on the PostgreSQL server (dropped afterwards).

    .venv/bin/python scripts/ask_accuracy.py
        [--sets dev,seen,seen2,...,seen19,heldout]
        [--database sqlite|postgresql|both] [--misses]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bot.runtime import open_database
from bot.settings import Settings
from commands.knowledge import ABSTAIN, KNOWLEDGE, understand
from commands.lookup import NationIndex
from storage.db import make_engine
from storage.knowledge import load_knowledge
from storage.nations import list_nations

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SETS = {
    "dev": DATA / "ask_questions.yaml",
    "seen": DATA / "ask_dev_seen.yaml",
    "seen2": DATA / "ask_dev_seen_v2.yaml",
    "seen3": DATA / "ask_dev_seen_v3.yaml",
    "seen4": DATA / "ask_dev_seen_v4.yaml",
    "seen5": DATA / "ask_dev_seen_v5.yaml",
    "seen6": DATA / "ask_dev_seen_v6.yaml",
    "seen7": DATA / "ask_dev_seen_v7.yaml",
    "seen8": DATA / "ask_dev_seen_v8.yaml",
    "seen9": DATA / "ask_dev_seen_v9.yaml",
    "seen10": DATA / "ask_dev_seen_v10.yaml",
    "seen11": DATA / "ask_dev_seen_v11.yaml",
    "seen12": DATA / "ask_dev_seen_v12.yaml",
    "seen13": DATA / "ask_dev_seen_v13.yaml",
    "seen14": DATA / "ask_dev_seen_v14.yaml",
    "seen15": DATA / "ask_dev_seen_v15.yaml",
    "seen16": DATA / "ask_dev_seen_v16.yaml",
    "seen17": DATA / "ask_dev_seen_v17.yaml",
    "seen18": DATA / "ask_dev_seen_v18.yaml",
    "seen19": DATA / "ask_dev_seen_v19.yaml",
    "heldout": DATA / "ask_heldout_v20.yaml",
}
#: The sets whose misses are always listed: development data, read and tuned on.
DEVELOPMENT = (
    "dev",
    "seen",
    "seen2",
    "seen3",
    "seen4",
    "seen5",
    "seen6",
    "seen7",
    "seen8",
    "seen9",
    "seen10",
    "seen11",
    "seen12",
    "seen13",
    "seen14",
    "seen15",
    "seen16",
    "seen17",
    "seen18",
    "seen19",
)
POSTGRES_URL = os.environ.get("IPSLO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class Score:
    """One set on one database."""

    answerable: int = 0
    top1: int = 0
    top3: int = 0
    knowledge: int = 0  # answerable questions meant for the knowledge base
    false_abstentions: int = 0
    unanswerable: int = 0
    abstained: int = 0
    seconds: float = 0.0
    timings: list[float] = field(default_factory=list)  # seconds per question
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [right first, asked]
    misses: list[tuple[str, object, tuple[str, ...]]] = field(default_factory=list)

    @property
    def questions(self) -> int:
        return self.answerable + self.unanswerable

    @property
    def p95_ms(self) -> float:
        """The 95th percentile of the time to understand one question, in milliseconds."""
        if not self.timings:
            return 0.0
        ordered = sorted(self.timings)
        return 1000 * ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def rate(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def load(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def measure(database_url: str, questions: list[dict], today: dt.date, knowledge: Path | None = None) -> Score:
    database = open_database(Settings(database_url=database_url))
    score = Score()
    try:
        if knowledge is not None:
            with database.sessions.begin() as session:
                load_knowledge(session=session, folder=knowledge)
        with database.sessions() as session:
            index = NationIndex(list_nations(session=session))
            understand(session=session, question="warm up the index", today=today, index=index)
            started = time.perf_counter()
            for item in questions:
                expected = item["expect"]
                if expected == [] or item.get("kind") == "unanswerable":
                    expected = ABSTAIN  # "nothing in the base answers it" written as an empty list (held-out v3)
                asked = time.perf_counter()
                understood = understand(session=session, question=item["q"], today=today, index=index)
                score.timings.append(time.perf_counter() - asked)
                right = understood.answers(expected)
                kind = item.get("kind") or ("abstain" if expected == ABSTAIN else "")
                if kind:
                    tally = score.by_kind.setdefault(kind, [0, 0])
                    tally[0] += right
                    tally[1] += 1
                if expected == ABSTAIN:
                    score.unanswerable += 1
                    score.abstained += right
                else:
                    score.answerable += 1
                    score.top1 += right
                    score.top3 += understood.answers(expected, within=3)
                    if not (isinstance(expected, str) and expected.startswith("data:")):
                        score.knowledge += 1
                        score.false_abstentions += understood.intent.name == KNOWLEDGE and understood.abstained
                if not right:
                    score.misses.append((item["q"], expected, understood.ranked[:3]))
            score.seconds = time.perf_counter() - started
    finally:
        database.engine.dispose()
    return score


@contextmanager
def postgres_schema(server: str) -> Iterator[str | None]:
    """A database URL on a fresh schema of the server (dropped afterwards), or None when the server is not there."""
    admin = make_engine(server)
    schema = f"ask_{uuid.uuid4().hex[:10]}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:
        admin.dispose()
        print(f"PostgreSQL not reachable at {server} ({error.__class__.__name__}); measuring SQLite only.\n")
        yield None
        return
    try:
        separator = "&" if "?" in server else "?"
        yield f"{server}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets",
        default="dev,seen,seen2,seen3,seen4,seen5,seen6,seen7,seen8,seen9,seen10,seen11,seen12,seen13,seen14,seen15,"
        "seen16,seen17,seen18,seen19,heldout",
        help="which sets, comma-separated: dev, seen, seen2 to seen19 (development data), heldout (never read "
        "while tuning)",
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres", default=POSTGRES_URL, help="PostgreSQL server (a fresh schema is made on it)")
    parser.add_argument("--dev", type=Path, default=SETS["dev"], help="the development set")
    parser.add_argument("--misses", action="store_true", help="also list the held-out set's misses")
    parser.add_argument(
        "--knowledge", type=Path, help="measure on the entries in this folder instead of the shipped ones"
    )
    args = parser.parse_args()
    paths = {**SETS, "dev": args.dev}
    chosen = {}
    for name in (n.strip() for n in args.sets.split(",")):
        if name not in paths:
            parser.error(f"unknown set {name!r}: use {', '.join(paths)}")
        if paths[name].exists():
            chosen[name] = load(paths[name])
        elif name == "heldout":
            print(f"Held-out set not present ({paths[name]} is missing); measured the development sets only.")
        else:
            print(f"No {name} set at {paths[name]}; skipped.")
    today = dt.date.today()
    rows: list[tuple[str, str, Score]] = []
    if args.database in ("sqlite", "both"):
        for name, questions in chosen.items():
            with tempfile.TemporaryDirectory() as folder:
                rows.append((name, "SQLite", measure(f"sqlite:///{folder}/ask.db", questions, today, args.knowledge)))
    if args.database in ("postgresql", "both"):
        for name, questions in chosen.items():
            with postgres_schema(args.postgres) as url:
                if url is None:
                    break
                rows.append((name, "PostgreSQL", measure(url, questions, today, args.knowledge)))

    print(
        f"{'set':<8} {'database':<11} {'questions':>9} {'top-1':>7} {'top-3':>7} {'abstained':>11} "
        f"{'false dont-know':>15} {'ms/q':>6} {'p95 ms':>6}"
    )
    for name, database, s in rows:
        abstained = f"{rate(s.abstained, s.unanswerable)} of {s.unanswerable}"
        print(
            f"{name:<8} {database:<11} {s.questions:>9} {rate(s.top1, s.answerable):>7} "
            f"{rate(s.top3, s.answerable):>7} "
            f"{abstained:>11} {rate(s.false_abstentions, s.knowledge):>15} {1000 * s.seconds / s.questions:>6.1f} "
            f"{s.p95_ms:>6.1f}"
        )
    for name, database, s in rows:
        if s.by_kind:
            kinds = ", ".join(f"{k} {r}/{n}" for k, (r, n) in sorted(s.by_kind.items()))
            print(f"\nRight first by kind, {name} on {database}: {kinds}")
    for name, database, s in rows:
        if s.misses and (name in DEVELOPMENT or args.misses):
            print(f"\nMisses, {name} on {database} (question -> expected; answered):")
            for question, expected, got in s.misses:
                print(f"  {question} -> {expected}; {', '.join(got)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
