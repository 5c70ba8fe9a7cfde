"""Benchmark: `/ipslo notes` and `/ipslo search` over 100,000 notes on 50 nations, through the full Slack path, on
SQLite and PostgreSQL.

Each database is fresh (a temporary SQLite file; a new schema on the PostgreSQL server, dropped afterwards) and
filled with generated notes. The real app is served over HTTP; this process sends Slack-signed slash commands
one at a time and times each answer, end to end. Prints p50/p95 per command and database.

    .venv/bin/python scripts/bench_notes.py [--count 100000] [--requests 100] [--database sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text

from bot.app import create_app
from bot.runtime import open_database, slack_client
from bot.serve import wsgi_app
from bot.settings import Settings
from bot.slack_standin import SlackStandIn
from storage.db import make_engine, utcnow
from storage.nations import Nation
from storage.notes import Note, _matching_ids, fold

SECRET = "bench-signing-secret"
OFFICER = "U0BENCH"
POSTGRES_URL = os.environ.get("IPSLO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AUTHORS = ["U0BENCH", "U0KIM", "U0LEE", "U0PARK", "U0SMITH"]
TAGS = ["pfsp", "da", "drills", "pfsa", "coe", "training", "audit", "legislation"]
PLACES = [
    "Suva",
    "Lautoka",
    "Nukuʻalofa",
    "ʻEua",
    "Vavaʻu",
    "Apia",
    "Port Moresby",
    "Lae",
    "Honiara",
    "Port Vila",
    "Ōsaka",
    "Kōbe",
    "Busan",
    "Laem Chabang",
    "São Tomé",
    "Tarawa",
    "Majuro",
    "Koror",
    "Dili",
    "Malé",
]
#: What officers write after a meeting or a port visit (some words in several languages and scripts).
FIELD = [
    "Inspections of the {place} gates, lighting and fencing were satisfactory.",
    "The PFSO at {place} inspected the access control points with us; CCTV coverage is still partial.",
    "The Designated Authority promised a revised PFSP for {place} before the next visit.",
    "Drill records at {place} were incomplete; follow up with the harbour master.",
    "Met the DA at the ministry; a reciprocal visit was agreed in principle.",
    "Café meeting with the ports authority in {place}: résumé of the training needs.",
    "Seminar on PFSA methodology for {place} officers; twenty attended.",
    "Declaration of Security practice at {place} is inconsistent for tankers at the outer berth.",
    "Legislation amendments on recognised security organisations are before parliament.",
    "港湾施設の保安計画を{place}で確認しました。",
    "ตรวจสอบท่าเรือ {place} แล้ว",
    "Fishing vessels and small craft moor next to the cruise terminal at {place}.",
]
SEARCHES = [
    "inspect",
    "pfsp review",
    "drill records",
    "harbour master",
    "fencing lighting",
    "ʻeua",
    "cafe resume",
    "designated authority promised",
    "tanker berth",
    "security",
    "port facility",
    "inspect tag:pfsp",
    "drills since:2026-06-01",
    "pfsp nation:fiji",
    "seminar by:<@U0KIM|kim>",
    "港湾施設の保安計画を",
    "lorem",
]
KNOWLEDGE = Path(__file__).resolve().parents[1] / "storage" / "reference" / "knowledge"


def prose() -> list[str]:
    """The words of the knowledge base's answers, in order: real port-security English to cut notes from."""
    import yaml

    words: list[str] = []
    for path in sorted(KNOWLEDGE.glob("*.yaml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("entries", []):
            words += str(entry.get("answer") or "").split()
    return words


def note_text(rng: random.Random, words: list[str]) -> str:
    """One or two field sentences and a few stretches of prose, 20 to 150 words."""
    parts = [rng.choice(FIELD).format(place=rng.choice(PLACES)) for _ in range(rng.randint(1, 2))]
    for _ in range(rng.randint(1, 3)):
        start = rng.randrange(len(words) - 50)
        parts.append(" ".join(words[start : start + rng.randint(8, 45)]))
    rng.shuffle(parts)
    return " ".join(parts)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def generate(database, count: int, seed: int = 7, *, settled: bool = True) -> float:
    """``count`` notes over 50 nations, then the database :func:`settle`d (unless the caller writes more and settles
    once after); returns the seconds it took."""
    rng = random.Random(seed)
    started = time.perf_counter()
    with database.sessions.begin() as session:
        nations = [
            n.iso2 for n in session.scalars(select(Nation).where(Nation.in_area.is_(True)).order_by(Nation.name))
        ]
        nations = (nations + [n.iso2 for n in session.scalars(select(Nation).order_by(Nation.name))])[:50]
        nations = list(dict.fromkeys(nations))
    corpus = prose()
    now = utcnow()
    first_day = dt.date(2024, 1, 1)
    postgres = database.engine.dialect.name == "postgresql"
    if postgres:  # load as a restore would: the search table filled in one statement, its index built once
        with database.engine.begin() as connection:
            connection.execute(text("ALTER TABLE notes DISABLE TRIGGER notes_fts_sync"))
            connection.execute(text("DROP INDEX notes_fts_document"))
    batch: list[dict] = []
    for number in range(count):
        note = note_text(rng, corpus)
        tags = rng.sample(TAGS, rng.randint(0, 2))
        batch.append(
            {
                "nation_iso2": nations[number % len(nations)],
                "visit_id": None,
                "noted_on": first_day + dt.timedelta(days=rng.randint(0, 1050)),
                "text": note,
                "search_text": fold(note),
                "tags": f" {' '.join(tags)} " if tags else "",
                "author_user_id": rng.choice(AUTHORS),
                "source_permalink": None,
                "message_author_id": None,
                "idempotency_key": f"bench:{number}",
                "created_by": OFFICER,
                "created_at": now,
            }
        )
        if len(batch) == 5000:
            with database.sessions.begin() as session:
                session.execute(insert(Note), batch)
            batch = []
    if batch:
        with database.sessions.begin() as session:
            session.execute(insert(Note), batch)
    if postgres:
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO notes_fts (note_id, document) "
                    "SELECT id, to_tsvector('english', search_text) FROM notes"
                )
            )
            connection.execute(text("CREATE INDEX notes_fts_document ON notes_fts USING GIN (document)"))
            connection.execute(text("ALTER TABLE notes ENABLE TRIGGER notes_fts_sync"))
    if settled:
        settle(database.engine)
    return time.perf_counter() - started


def settle(engine: Any) -> None:
    """Leave the database as years of use leave it, not as a bulk load just did: statistics gathered, rows marked
    visible to all, and the load's pages written out (on PostgreSQL, VACUUM ANALYZE and a CHECKPOINT, which
    autovacuum and the checkpointer do in the background; measured right after a load, reads paid for setting hint
    bits and for the checkpoint's I/O, 5 to 40 ms per search). SQLite: ANALYZE and a WAL checkpoint."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("VACUUM ANALYZE"))
            connection.execute(text("CHECKPOINT"))
        else:
            connection.execute(text("ANALYZE"))
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(name: str, database_url: str, count: int, requests: int) -> list[tuple]:
    database = open_database(Settings(database_url=database_url))
    seconds = generate(database, count)
    print(f"{name}: {count:,} notes written in {seconds:.1f} s", file=sys.stderr)
    rows = []
    with SlackStandIn() as standin:
        standin.add_user(OFFICER, name="bench", tz="Asia/Tokyo")
        settings = Settings(
            database_url=database_url,
            slack_bot_token=standin.bot_token,
            slack_signing_secret=SECRET,
            slack_api_url=standin.api_url,
        )
        app = create_app(settings=settings, database=database, client=slack_client(settings))
        server = make_server("127.0.0.1", 0, wsgi_app(app, database), server_class=_Server, handler_class=_Quiet)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
        corpus = prose()
        with database.sessions() as session:
            nations = [row[0] for row in session.execute(text("SELECT DISTINCT nation_iso2 FROM notes"))]
            names = {n.iso2: n.name for n in session.scalars(select(Nation))}

        def ask(line: str) -> tuple[float, dict]:
            body, headers = standin.slash_command(command="/ipslo", text=line, user_id=OFFICER, signing_secret=SECRET)
            request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.loads(response.read())
            return (time.perf_counter() - started) * 1000, answer

        ask("notes fiji")  # warm up: users.info, the nation index, connections
        with database.sessions() as session:
            for words in (["inspect"], ["security"], ["pfsp", "review"], ["tanker", "berth"]):
                matching = session.scalar(select(func.count()).select_from(_matching_ids(session, words).subquery()))
                print(f"{name}: “{' '.join(words)}” is in {matching:,} notes ({matching / count:.0%})", file=sys.stderr)
        rng = random.Random(11)
        written = iter(range(10**9))
        workloads = {
            "/ipslo note <nation> <text>": lambda: (
                f"note {names[rng.choice(nations)]} Bench note {next(written)}: " + note_text(rng, corpus)
            ),
            "/ipslo notes <nation>": lambda: f"notes {names[rng.choice(nations)]}",
            "/ipslo notes <nation> <word>": lambda: (
                f"notes {names[rng.choice(nations)]} {rng.choice(['pfsp', 'inspect', 'harbour'])}"
            ),
            "/ipslo search <words> [filters]": lambda: f"search {rng.choice(SEARCHES)}",
        }
        for label, line in workloads.items():
            timings = []
            for _ in range(requests):
                typed = line()
                took, answer = ask(typed)
                assert "Something went wrong" not in json.dumps(answer), (typed, answer)
                timings.append(took)
            rows.append((name, label, statistics.median(timings), percentile(timings, 0.95), max(timings)))
        server.shutdown()
        server.server_close()
    database.engine.dispose()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))  # the first paragraph
    parser.add_argument("--count", type=int, default=100_000, help="notes to generate (default 100,000)")
    parser.add_argument("--requests", type=int, default=100, help="requests per command (default 100)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres", default=POSTGRES_URL, help="PostgreSQL server (a fresh schema is made on it)")
    args = parser.parse_args()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(name, None)  # slack_sdk would send the stand-in's calls through a proxy
    import logging

    logging.disable(logging.WARNING)
    rows: list[tuple] = []
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            rows += measure("SQLite (FTS5)", f"sqlite:///{folder}/bench.db", args.count, args.requests)
    if args.database in ("postgresql", "both"):
        admin = make_engine(args.postgres)
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            separator = "&" if "?" in args.postgres else "?"
            rows += measure(
                "PostgreSQL (tsvector)",
                f"{args.postgres}{separator}options=-csearch_path%3D{schema}",
                args.count,
                args.requests,
            )
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    print(
        f"\n{args.count:,} notes over 50 nations; {args.requests} signed requests per command, one at a time, "
        "timed from request to Slack's answer\n"
    )
    print(f"{'database':<22} {'command':<34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, label, p50, p95, worst in rows:
        print(f"{name:<22} {label:<34} {p50:>8.1f} {p95:>8.1f} {worst:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
