"""Measure `/ipslo ask` on the question set (tests/data/ask_questions.yaml): top-1 and top-3 accuracy per database, and the misses.

Each database is fresh: a temporary SQLite file, and a new schema on the PostgreSQL server (dropped afterwards).

    .venv/bin/python scripts/ask_accuracy.py [--database sqlite|postgresql|both] [--postgres URL] [--questions FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bot.runtime import open_database
from bot.settings import Settings
from commands.knowledge import understand
from commands.nations import NationIndex
from storage.db import make_engine
from storage.nations import list_nations

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "ask_questions.yaml"
POSTGRES_URL = os.environ.get("IPSLO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def measure(
    database_url: str, questions: list[dict], today: dt.date
) -> tuple[float, float, float, list[tuple[str, str, tuple]]]:
    """Top-1 and top-3 accuracy, milliseconds per question, and the misses."""
    database = open_database(Settings(database_url=database_url))
    top1 = top3 = 0
    misses = []
    started = time.perf_counter()
    try:
        with database.sessions() as session:
            index = NationIndex(list_nations(session=session))
            for item in questions:
                understood = understand(session=session, question=item["q"], today=today, index=index)
                top1 += understood.answers(item["expect"])
                top3 += understood.answers(item["expect"], within=3)
                if not understood.answers(item["expect"]):
                    misses.append((item["q"], item["expect"], understood.ranked[:3]))
        elapsed = time.perf_counter() - started
    finally:
        database.engine.dispose()
    return top1 / len(questions), top3 / len(questions), 1000 * elapsed / len(questions), misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres", default=POSTGRES_URL, help="PostgreSQL server (a fresh schema is made on it)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    args = parser.parse_args()
    questions = yaml.safe_load(args.questions.read_text(encoding="utf-8"))["questions"]
    today = dt.date.today()
    rows = []
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            rows.append(("SQLite (FTS5 bm25)", *measure(f"sqlite:///{folder}/ask.db", questions, today)))
    if args.database in ("postgresql", "both"):
        admin = make_engine(args.postgres)
        schema = f"ask_{uuid.uuid4().hex[:10]}"
        try:
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as error:
            admin.dispose()
            print(f"PostgreSQL not reachable at {args.postgres} ({error.__class__.__name__}); measuring SQLite only.\n")
            args.database = "sqlite"
    if args.database in ("postgresql", "both"):
        try:
            separator = "&" if "?" in args.postgres else "?"
            url = f"{args.postgres}{separator}options=-csearch_path%3D{schema}"
            rows.append(("PostgreSQL (ts_rank)", *measure(url, questions, today)))
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    print(f"{len(questions)} questions from {args.questions}\n")
    print(f"{'database':<22} {'top-1':>7} {'top-3':>7} {'misses':>7} {'ms/question':>12}")
    for name, top1, top3, ms, misses in rows:
        print(f"{name:<22} {top1:>7.1%} {top3:>7.1%} {len(misses):>7} {ms:>12.1f}")
    for name, _, _, _, misses in rows:
        if misses:
            print(f"\nMisses on {name} (question -> expected; answered):")
            for question, expected, got in misses:
                print(f"  {question} -> {expected}; {', '.join(got)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
