"""Benchmark of reminder delivery: lateness of 1,000 reminders due in one minute (one and two bot processes), and
scheduler start time and memory with 100,000 pending reminders.

    .venv/bin/python scripts/bench_reminders.py               # the full run, about 3 minutes
    .venv/bin/python scripts/bench_reminders.py --count 100 --spread 10 --pending 10000   # a quick look

Runs against a fresh schema on PostgreSQL (IPSLO_TEST_POSTGRES_URL, default postgres@127.0.0.1/test), or a SQLite
file with --sqlite. Slack is the local stand-in; lateness is measured when the stand-in receives chat.postMessage.
The bot processes are real ``python -m bot scheduler`` processes with the default poll interval.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text

from bot.runtime import open_database
from bot.scheduler import ReminderScheduler
from bot.settings import Settings
from bot.slack_standin import ApiCall, SlackStandIn
from storage import reminders as store
from storage.db import make_engine, utcnow
from storage.reminders import Reminder

POSTGRES_URL = os.environ.get("IPSLO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OFFICER = "U0BENCH"
TEXT = re.compile(r"^Reminder: bench (\d+)")


class Arrivals:
    """When each reminder reached the stand-in, by its number."""

    def __init__(self) -> None:
        self.at: dict[int, float] = {}
        self.duplicates = 0
        self.lock = threading.Lock()

    def __call__(self, call: ApiCall) -> None:
        if call.method != "chat.postMessage":
            return
        match = TEXT.match(str(call.args.get("text", "")))
        if match:
            with self.lock:
                number = int(match[1])
                if number in self.at:
                    self.duplicates += 1
                else:
                    self.at[number] = time.time()


def fresh_database(use_sqlite: bool, workdir: Path) -> tuple[str, callable]:
    if use_sqlite:
        return f"sqlite:///{workdir / 'bench.db'}", lambda: None
    admin = make_engine(POSTGRES_URL)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}", drop


def start_worker(url: str, standin: SlackStandIn, workdir: Path, name: str) -> tuple[subprocess.Popen, Path]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy") and not k.startswith(("SLACK_", "IPSLO_"))
    }
    env.update(DATABASE_URL=url, SLACK_BOT_TOKEN=standin.bot_token, SLACK_API_URL=standin.api_url, PYTHONPATH=str(ROOT))
    log = workdir / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "scheduler"], cwd=workdir, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    return process, log


def wait_started(log: Path, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if "Scheduler" in log.read_text() and "started" in log.read_text():
            return
        time.sleep(0.05)
    raise RuntimeError(f"the scheduler did not start:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def lateness_run(
    *,
    url: str,
    database,
    standin: SlackStandIn,
    arrivals: Arrivals,
    workdir: Path,
    processes: int,
    count: int,
    spread: float,
    lead: float,
) -> dict[str, float]:
    """``count`` reminders due at random moments within ``spread`` seconds, starting ``lead`` seconds from now."""
    with arrivals.lock:
        arrivals.at.clear()
        arrivals.duplicates = 0
    workers = [start_worker(url, standin, workdir, f"worker-{processes}-{i}") for i in range(processes)]
    try:
        for _, log in workers:
            wait_started(log)
        base = utcnow() + dt.timedelta(seconds=lead)
        due: dict[int, dt.datetime] = {}
        with database.sessions.begin() as session:
            for number in range(count):
                due_at = base + dt.timedelta(seconds=random.uniform(0, spread))
                due[number] = due_at
                store.add_reminder(
                    session=session,
                    kind=store.ADHOC,
                    owner_user_id=OFFICER,
                    due_at=due_at,
                    text=f"bench {number}",
                    recorded_by=OFFICER,
                    nation_iso2="FJ",
                )
        deadline = time.time() + lead + spread + 60
        while len(arrivals.at) < count and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # any duplicate shows up
    finally:
        for process, _ in workers:
            stop(process)
    late = sorted(max(0.0, arrivals.at[n] - due[n].timestamp()) for n in arrivals.at)
    early = sum(1 for n in arrivals.at if arrivals.at[n] < due[n].timestamp() - 0.001)
    return {
        "delivered": len(arrivals.at),
        "duplicates": arrivals.duplicates,
        "early": early,
        "p50": statistics.median(late) if late else float("nan"),
        "p99": late[min(len(late) - 1, int(len(late) * 0.99))] if late else float("nan"),
        "max": late[-1] if late else float("nan"),
    }


def add_pending(database, count: int) -> float:
    """``count`` pending reminders spread over the next year, written in bulk; returns seconds taken."""
    started = time.perf_counter()
    now = utcnow()
    rows = []
    for number in range(count):
        rows.append(
            {
                "kind": store.ADHOC,
                "owner_user_id": OFFICER,
                "nation_iso2": "FJ",
                "text": f"pending {number}",
                "due_at": now + dt.timedelta(minutes=5, seconds=random.uniform(0, 365 * 86400)),
                "state": store.PENDING,
                "attempts": 0,
                "recorded_by": OFFICER,
                "recorded_at": now,
            }
        )
        if len(rows) == 10_000:
            with database.sessions.begin() as session:
                session.execute(insert(Reminder), rows)
            rows = []
    if rows:
        with database.sessions.begin() as session:
            session.execute(insert(Reminder), rows)
    return time.perf_counter() - started


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_measures(*, url: str, database, standin: SlackStandIn, workdir: Path) -> dict[str, float]:
    settings = Settings(database_url=url, slack_bot_token=standin.bot_token, slack_api_url=standin.api_url)
    began = time.perf_counter()
    scheduler = ReminderScheduler(settings=settings, database=database, name="bench").start()
    scheduler.started.wait(60)
    in_process = time.perf_counter() - began
    scheduler.stop()
    spawned = time.perf_counter()
    process, log = start_worker(url, standin, workdir, "worker-start")
    try:
        while "executed successfully" not in log.read_text():  # the first poll has run
            if time.perf_counter() - spawned > 60:
                raise RuntimeError(log.read_text())
            time.sleep(0.02)
        process_start = time.perf_counter() - spawned
        time.sleep(1)
        rss = rss_mib(process.pid)
    finally:
        stop(process)
    return {"in_process": in_process, "process": process_start, "rss": rss}


def main() -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))  # the first paragraph
    parser.add_argument("--count", type=int, default=1000, help="reminders due in the window (default 1000)")
    parser.add_argument("--spread", type=float, default=60, help="the window, seconds (default 60)")
    parser.add_argument(
        "--pending", type=int, default=100_000, help="pending reminders for the start test (default 100000)"
    )
    parser.add_argument("--sqlite", action="store_true", help="use a SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    for name in [k for k in os.environ if k.lower().endswith("_proxy")]:
        del os.environ[name]
    random.seed(7)
    import logging

    logging.basicConfig(level=logging.ERROR)

    lead = 12.0  # reminders are written 12 s ahead of the first one due (more than one poll interval)
    results = {}
    with tempfile.TemporaryDirectory() as tmp, SlackStandIn() as standin:
        workdir = Path(tmp)
        standin.add_user(OFFICER, name="bench", tz="Asia/Tokyo")
        arrivals = Arrivals()
        standin.on_call = arrivals
        url, drop = fresh_database(args.sqlite, workdir)
        database = open_database(Settings(database_url=url))
        try:
            for processes in (1, 2):
                print(
                    f"… {args.count} reminders due within {args.spread:.0f} s, {processes} process(es)", file=sys.stderr
                )
                results[processes] = lateness_run(
                    url=url,
                    database=database,
                    standin=standin,
                    arrivals=arrivals,
                    workdir=workdir,
                    processes=processes,
                    count=args.count,
                    spread=args.spread,
                    lead=lead,
                )
            print(f"… writing {args.pending:,} pending reminders", file=sys.stderr)
            written = add_pending(database, args.pending)
            with database.sessions() as session:
                pending = store.count_pending(session=session)
            start = start_measures(url=url, database=database, standin=standin, workdir=workdir)
        finally:
            database.engine.dispose()
            drop()

    backend = "SQLite" if args.sqlite else "PostgreSQL"
    print(
        f"\nReminder delivery ({backend}, Slack stand-in, poll interval 10 s, lateness = stand-in arrival - due time)\n"
    )
    print("| measure | 1 process | 2 processes |")
    print("|---|---|---|")
    print(f"| reminders due within {args.spread:.0f} s | {args.count} | {args.count} |")
    for key, label in (("delivered", "delivered"), ("duplicates", "delivered twice"), ("early", "delivered early")):
        print(f"| {label} | {results[1][key]} | {results[2][key]} |")
    for key in ("p50", "p99", "max"):
        print(f"| lateness {key} | {results[1][key] * 1000:.0f} ms | {results[2][key] * 1000:.0f} ms |")
    print(f"\nScheduler start with {pending:,} pending reminders (written in {written:.1f} s)\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| start() to first poll done, in process | {start['in_process'] * 1000:.0f} ms |")
    print(f"| `python -m bot scheduler` launch to first poll done | {start['process']:.2f} s |")
    print(f"| worker resident memory (RSS) after start | {start['rss']:.0f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
