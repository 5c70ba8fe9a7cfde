"""Benchmark: the bot at scale beside bare Bolt apps, in one run and one table.

For each database (a temporary SQLite file; a new schema on the PostgreSQL server, dropped afterwards) it
seeds 50 nations' worth of data (5,000 visits, 100,000 notes, 100,000 pending reminders), starts the bot as an
operator does (``python -m bot run`` in HTTP mode: gunicorn, as bot/serve.py sets it up) and two bare Bolt apps
served the same way (``run_gunicorn``): one with Bolt's defaults (acknowledge, then run the listener in a
thread) and one inline (``process_before_response``, as the bot answers). This process sends Slack-signed
requests over HTTP at 1, 10 and 50 concurrent clients (threads, keep-alive connections) and prints p50, p99
and throughput for `status`, `note`, `search`, `ask` (``--commands`` chooses among these and `help`),
then start-up time (process start to the first answered command) and resident memory of the web process.
On SQLite the bot runs as one process with its scheduler (as the README says); on PostgreSQL as the Procfile's
``web`` (``IPSLO_SCHEDULER=off``). Timings are printed, never asserted.

    .venv/bin/python scripts/bench.py [--database sqlite|postgresql|both] [--quick] [--requests 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import logging
import multiprocessing
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_notes
import yaml
from sqlalchemy import insert, select, text

from bot.runtime import open_database
from bot.settings import Settings
from bot.slack_standin import SlackStandIn
from storage.db import make_engine, utcnow
from storage.nations import Nation
from storage.reminders import ADHOC, PENDING, Reminder
from storage.visits import PLANNED, Visit

SECRET = "bench-signing-secret"
OFFICER = "U0BENCH"
POSTGRES_URL = os.environ.get("IPSLO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CLIENTS = (1, 10, 50)
BARE = ("bare Bolt, default", "bare Bolt, inline")
QUESTIONS = ROOT / "tests" / "data" / "ask_questions.yaml"


# --- seeding ---------------------------------------------------------------------------------------------


def seed(database_url: str, *, notes: int, visits: int, reminders: int) -> dict[str, float]:
    """Migrate and load as a start does, then write the data in bulk; returns seconds per part."""
    took: dict[str, float] = {}
    started = time.perf_counter()
    database = open_database(Settings(database_url=database_url))
    took["migrate and load"] = time.perf_counter() - started
    rng = random.Random(3)
    with database.sessions() as session:
        nations = [n.iso2 for n in session.scalars(select(Nation).order_by(Nation.in_area.desc(), Nation.name))][:50]
    now = utcnow()
    started = time.perf_counter()
    rows = []
    for number in range(visits):
        starts = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 1400))
        rows.append(
            {
                "nation_iso2": nations[number % len(nations)],
                "starts_on": starts,
                "ends_on": starts + dt.timedelta(days=rng.randint(0, 6)),
                "kind": "country visit",
                "title": f"Bench visit {number}",
                "lead_user_id": rng.choice(bench_notes.AUTHORS),
                "status": PLANNED,
                "recorded_by": OFFICER,
                "recorded_at": now,
            }
        )
    with database.sessions.begin() as session:
        session.execute(insert(Visit), rows)
    took["visits"] = time.perf_counter() - started
    took["notes"] = bench_notes.generate(database, notes, settled=False)  # settled once, after the reminders
    started = time.perf_counter()
    for first in range(0, reminders, 10_000):
        batch = [
            {
                "kind": ADHOC,
                "nation_iso2": rng.choice(nations),
                "owner_user_id": rng.choice(bench_notes.AUTHORS),
                "due_at": now + dt.timedelta(days=30, minutes=rng.randint(0, 60 * 24 * 365)),
                "text": f"Bench reminder {number}: send the agenda to the DA",
                "state": PENDING,
                "attempts": 0,
                "recorded_by": OFFICER,
                "recorded_at": now,
            }
            for number in range(first, min(reminders, first + 10_000))
        ]
        with database.sessions.begin() as session:
            session.execute(insert(Reminder), batch)
    bench_notes.settle(database.engine)  # as years of use leave it: analyzed, vacuumed, written out
    took["reminders"] = time.perf_counter() - started
    database.engine.dispose()
    return took


# --- serving ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def web_env(database_url: str) -> dict[str, str]:
    """The environment the web processes get: SQLite serves one web process whatever WEB_CONCURRENCY says."""
    env = dict(os.environ)
    if database_url.startswith("sqlite"):
        env["WEB_CONCURRENCY"] = "1"
    return env


def serve_bare(kind: str, port: int, api_url: str, database_url: str) -> None:
    """A Bolt app that only acknowledges, served by the bot's own ``run_gunicorn`` with the bot's worker processes
    and threads for this database (in a child process)."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    from bot.serve import run_gunicorn, web_processes

    logging.disable(logging.WARNING)
    app = App(
        client=WebClient(token="xoxb-standin", base_url=api_url),
        signing_secret=SECRET,
        process_before_response=kind.endswith("inline"),
        token_verification_enabled=False,
    )

    @app.command("/ipslo")
    def bare(ack: Callable[..., None]) -> None:
        ack(text="ok")

    handler = SlackRequestHandler(app)
    workers, threads = web_processes(Settings(database_url=database_url), web_env(database_url))
    run_gunicorn(lambda environ, start: handler(environ, start), port=port, workers=workers, threads=threads)


def start_bot(
    database_url: str, standin: SlackStandIn, port: int, folder: Path, *, scheduler: bool
) -> subprocess.Popen:
    env = {
        k: v
        for k, v in web_env(database_url).items()
        if not k.lower().endswith("_proxy") and not k.startswith("IPSLO_")
    }
    env.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=standin.bot_token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=standin.api_url,
        PORT=str(port),
        IPSLO_SCHEDULER="on" if scheduler else "off",
    )
    env.pop("SLACK_APP_TOKEN", None)
    log = open(folder / f"bot-{port}.log", "w")  # noqa: SIM115 (the child writes to it while it runs)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def resident_mb(pid: int) -> dict[int, float]:
    """Resident memory (MB) of a process and its children, by pid."""
    found = {}
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                found[current] = int(line.split()[1]) / 1024
        pids += [int(c) for c in children]
    return found


def post(connection: http.client.HTTPConnection, body: str, headers: dict[str, str]) -> tuple[int, bytes]:
    connection.request("POST", "/slack/events", body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def wait_answering(port: int, standin: SlackStandIn, deadline: float) -> None:
    body, headers = standin.slash_command(command="/ipslo", text="help", user_id=OFFICER, signing_secret=SECRET)
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            status, _ = post(connection, body, headers)
            connection.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"the app on port {port} did not answer")


# --- measuring -------------------------------------------------------------------------------------------


def measure(
    port: int, requests: list[tuple[str, dict[str, str]]], clients: int
) -> tuple[list[float], float, list[str]]:
    """Send the signed requests over ``clients`` threads; latencies in ms, wall seconds, and any failures."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    batches = [requests[i::clients] for i in range(clients)]

    def client(batch: list[tuple[str, dict[str, str]]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, wrong = [], []
        for body, headers in batch:
            started = time.perf_counter()
            status, raw = post(connection, body, headers)
            mine.append((time.perf_counter() - started) * 1000)
            if status != 200 or b"Something went wrong" in raw:
                wrong.append(f"HTTP {status}: {raw[:200]!r}")
        connection.close()
        with lock:
            latencies.extend(mine)
            failures.extend(wrong)

    threads = [threading.Thread(target=client, args=(batch,)) for batch in batches]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, failures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


#: What officers type into a form's nation menu, as the type-ahead (``block_suggestion``) is asked it.
TYPED = ["", "f", "fi", "fij", "fjii", "png", "east timor", "korea", "phillipines", "sol", "micro", "TO", "vanatu"]


def suggestion(typed: str) -> dict[str, Any]:
    """The nation type-ahead's request, as Slack sends it while an officer types in the visit form."""
    return {
        "type": "block_suggestion",
        "user": {"id": OFFICER},
        "action_id": "nation_choice",
        "block_id": "nation",
        "value": typed,
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "modal", "callback_id": "visit_form"},
    }


def workloads(database_url: str) -> dict[str, Callable[[random.Random], str | dict[str, Any]]]:
    """The command lines officers type, varied: any nation, any search, any question from the question set; and the
    nation type-ahead of every form (``options``), with what officers type into it."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        names = [row[0] for row in connection.execute(text("SELECT name FROM nations ORDER BY name"))][:50]
    engine.dispose()
    questions = [q["q"] for q in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]]
    corpus = bench_notes.prose()
    written = iter(range(10**9))
    return {
        "status": lambda rng: f"status {rng.choice(names)}",
        "help": lambda rng: "help",
        "note": lambda rng: (
            f"note {rng.choice(names)} Bench note {next(written)}: {bench_notes.note_text(rng, corpus)}"
        ),
        "search": lambda rng: f"search {rng.choice(bench_notes.SEARCHES)}",
        "ask": lambda rng: f"ask {rng.choice(questions)}",
        "options": lambda rng: suggestion(rng.choice(TYPED)),
    }


def signed(standin: SlackStandIn, lines: list[str | dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    """Each a Slack-signed request: a slash command's text, or an interaction's payload."""
    return [
        standin.interaction(line, signing_secret=SECRET)
        if isinstance(line, dict)
        else standin.slash_command(command="/ipslo", text=line, user_id=OFFICER, signing_secret=SECRET)
        for line in lines
    ]


def bench_database(name: str, database_url: str, args: argparse.Namespace, folder: Path) -> tuple[list[tuple], list]:
    rows: list[tuple] = []
    notes = []
    started = time.perf_counter()
    took = seed(database_url, notes=args.notes, visits=args.visits, reminders=args.reminders)
    notes.append(
        f"{name}: seeded {args.visits:,} visits, {args.notes:,} notes, {args.reminders:,} reminders in "
        f"{time.perf_counter() - started:.0f} s ({', '.join(f'{k} {v:.1f} s' for k, v in took.items())})"
    )
    print(notes[-1], file=sys.stderr)
    rng = random.Random(11)
    with SlackStandIn() as standin:
        standin.add_user(OFFICER, name="bench", tz="Asia/Tokyo")
        for kind in BARE:
            port = free_port()
            process = multiprocessing.get_context("spawn").Process(
                target=serve_bare, args=(kind, port, standin.api_url, database_url), daemon=True
            )
            process.start()
            try:
                wait_answering(port, standin, time.monotonic() + 60)
                for clients in CLIENTS:
                    requests = signed(standin, ["help"] * args.requests)
                    measure(port, requests[: 5 * clients], clients)  # warm up every connection
                    latencies, wall, failures = measure(port, requests, clients)
                    rows.append((name, kind, "ack only", clients, latencies, wall, failures))
            finally:
                process.terminate()
                process.join(10)

        port = free_port()
        launched = time.perf_counter()
        bot = start_bot(database_url, standin, port, folder, scheduler=name.startswith("SQLite"))
        try:
            wait_answering(port, standin, time.monotonic() + 120)
            startup = time.perf_counter() - launched
            lines = workloads(database_url)
            for command, line in lines.items():
                if command not in args.commands:
                    continue
                for clients in CLIENTS:
                    measure(port, signed(standin, [line(rng) for _ in range(5 * clients)]), clients)  # warm up
                    requests = signed(standin, [line(rng) for _ in range(args.requests)])
                    latencies, wall, failures = measure(port, requests, clients)
                    rows.append((name, "ipslo-bot", command, clients, latencies, wall, failures))
                    print(f"{name}: {command} at {clients} clients done", file=sys.stderr)
            memory = resident_mb(bot.pid)
            notes.append(
                f"{name}: start-up to the first answer {startup:.2f} s (migrations checked, reference data loaded); "
                f"resident memory {' + '.join(f'{mb:.0f}' for mb in memory.values())} MB "
                f"(gunicorn master + worker; {sum(memory.values()):.0f} MB in all)"
            )
        finally:
            bot.terminate()
            try:
                bot.wait(15)
            except subprocess.TimeoutExpired:
                bot.kill()
        refused = getattr(standin, "violations", [])
        if refused:
            notes.append(f"{name}: calls Slack would refuse: {refused[:3]}")
    return rows, notes


def ratios(rows: list[tuple]) -> list[str]:
    """The issue's aims as ratios from the same run: each command's p50 at 1 client over the inline bare app's, and at
    10 clients over the default bare app's (to two decimals: the table's tenths hide a 1.75x from a 2.25x)."""
    p50 = {(row[0], row[1], row[2], row[3]): statistics.median(row[4]) for row in rows}
    lines = []
    for (database, app, command, clients), value in p50.items():
        if app != "ipslo-bot" or clients not in (1, 10):
            continue
        bare = ("bare Bolt, inline", 1) if clients == 1 else ("bare Bolt, default", 10)
        floor = p50.get((database, bare[0], "ack only", bare[1]))
        if floor:
            lines.append(
                f"{database}: {command} at {clients} client{'s' if clients > 1 else ''}: p50 {value:.2f} ms, "
                f"{value / floor:.2f}x the {bare[0]} app ({floor:.2f} ms)"
            )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="a smaller run: 10,000 notes and reminders, 60 requests")
    parser.add_argument("--requests", type=int, help="requests per row (default 300; 60 with --quick)")
    parser.add_argument(
        "--commands",
        default="status,note,search,ask,options",
        help="what to measure, comma-separated, of the commands status, help, note, search, ask and the nation "
        "type-ahead options (default status,note,search,ask,options)",
    )
    parser.add_argument("--postgres", default=POSTGRES_URL, help="PostgreSQL server (a fresh schema is made on it)")
    args = parser.parse_args()
    args.commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    unknown = set(args.commands) - {"status", "help", "note", "search", "ask", "options"}
    if unknown:
        parser.error(f"unknown commands: {', '.join(sorted(unknown))}")
    args.notes = args.reminders = 10_000 if args.quick else 100_000
    args.visits = 500 if args.quick else 5_000
    args.requests = args.requests or (60 if args.quick else 300)
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(variable, None)  # slack_sdk would send the stand-in's calls through a proxy
    logging.disable(logging.WARNING)
    started = time.perf_counter()
    rows: list[tuple] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ipslo-bench-") as tmp:
        folder = Path(tmp)
        if args.database in ("sqlite", "both"):
            more_rows, more_notes = bench_database("SQLite", f"sqlite:///{folder}/bench.db", args, folder)
            rows, notes = rows + more_rows, notes + more_notes
        if args.database in ("postgresql", "both"):
            admin = make_engine(args.postgres)
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            separator = "&" if "?" in args.postgres else "?"
            try:
                more_rows, more_notes = bench_database(
                    "PostgreSQL", f"{args.postgres}{separator}options=-csearch_path%3D{schema}", args, folder
                )
                rows, notes = rows + more_rows, notes + more_notes
            finally:
                with admin.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()

    print(
        f"\nSigned slash commands over HTTP, {args.requests} per row; {os.cpu_count()} CPUs, "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        f"WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', 'unset')}, "
        f"WEB_THREADS={os.environ.get('WEB_THREADS', 'unset')}\n"
    )
    print("| database | app | command | clients | p50 ms | p99 ms | requests/s |")
    print("|---|---|---|---:|---:|---:|---:|")
    for name, kind, command, clients, latencies, wall, failures in rows:
        flag = f" ({len(failures)} failed)" if failures else ""
        print(
            f"| {name} | {kind} | {command} | {clients} | {statistics.median(latencies):.1f} | "
            f"{percentile(latencies, 0.99):.1f} | {len(latencies) / wall:.0f}{flag} |"
        )
    print()
    for line in ratios(rows):
        print(line)
    print()
    for line in notes:
        print(line)
    failed = [f for row in rows for f in row[6]]
    if failed:
        print(f"\n{len(failed)} requests failed, e.g. {failed[0]}")
    print(f"\nThe run took {time.perf_counter() - started:.0f} s.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
