"""Benchmark: /ipslo status and help latency through the full Slack path, beside bare Bolt apps served the same way.

Each app runs under gunicorn (one gthread worker, as in production) in its own process; clients send
Slack-signed slash commands over HTTP from this process. Prints a table of p50/p99 latency and throughput
at 1 and 10 concurrent clients.

    .venv/bin/python scripts/bench_commands.py [--requests 400] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.slack_standin import SlackStandIn

SECRET = "bench-signing-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(kind: str, port: int, api_url: str, database_url: str) -> None:
    """Run one app under gunicorn (in a child process)."""
    import logging

    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.serve import run_gunicorn, wsgi_app

    logging.disable(logging.WARNING)
    if kind == "ipslo-bot":
        from bot.app import create_app
        from bot.runtime import open_database, slack_client
        from bot.settings import Settings

        settings = Settings(
            database_url=database_url,
            slack_bot_token="xoxb-standin",
            slack_signing_secret=SECRET,
            slack_api_url=api_url,
        )
        database = open_database(settings)
        app = create_app(settings=settings, database=database, client=slack_client(settings))
        run_gunicorn(wsgi_app(app, database), port=port, post_fork=lambda: database.engine.dispose(close=False))
        return
    inline = kind == "bare Bolt, inline"
    app = App(
        client=WebClient(token="xoxb-standin", base_url=api_url),
        signing_secret=SECRET,
        process_before_response=inline,
        token_verification_enabled=False,
    )

    @app.command("/ipslo")
    def bare(ack):
        ack(text="ok")

    from slack_bolt.adapter.wsgi import SlackRequestHandler

    handler = SlackRequestHandler(app)
    run_gunicorn(lambda environ, start: handler(environ, start), port=port)


def wait_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on {port} did not start")


def measure(port: int, standin: SlackStandIn, text: str, *, clients: int, requests: int) -> tuple[list[float], float]:
    """Latencies in ms of `requests` commands spread over `clients` threads (keep-alive connections), and wall time."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = max(1, requests // clients)
    # Pre-build signed requests (Slack's side of the work is not ours to time).
    prepared = [
        [
            standin.slash_command(command="/ipslo", text=text, user_id="U0BENCH", signing_secret=SECRET)
            for _ in range(per_client)
        ]
        for _ in range(clients)
    ]

    def client(batch: list[tuple[str, dict[str, str]]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        for body, headers in batch:
            started = time.perf_counter()
            connection.request("POST", "/slack/events", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise SystemExit(f"HTTP {response.status}")
        connection.close()
        with lock:
            latencies.extend(mine)

    for batch in prepared:  # warm up: first auth.test, officer lookup, connections
        client(batch[:5])
    latencies.clear()
    threads = [threading.Thread(target=client, args=(batch,)) for batch in prepared]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per measurement (default 400)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)

    tmp = tempfile.mkdtemp(prefix="ipslo-bench-")
    database_url = (
        f"sqlite:///{tmp}/bench.db"
        if args.database == "sqlite"
        else os.environ.get("IPSLO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    )
    rows = []
    with SlackStandIn() as standin:
        standin.add_user("U0BENCH", name="bench", tz="Asia/Tokyo")
        for kind in ("bare Bolt, default", "bare Bolt, inline", "ipslo-bot"):
            port = free_port()
            process = multiprocessing.get_context("spawn").Process(
                target=serve, args=(kind, port, standin.api_url, database_url), daemon=True
            )
            process.start()
            try:
                wait_up(port)
                texts = {"help": "help"} if kind.startswith("bare") else {"status": "status fiji", "help": "help"}
                for label, text in texts.items():
                    for clients in (1, 10):
                        latencies, wall = measure(port, standin, text, clients=clients, requests=args.requests)
                        rows.append(
                            (
                                kind,
                                label if not kind.startswith("bare") else "ack only",
                                clients,
                                percentile(latencies, 50),
                                percentile(latencies, 99),
                                len(latencies) / wall,
                            )
                        )
            finally:
                process.terminate()
                process.join(10)
        violations = list(standin.violations)

    print(
        f"\n/ipslo latency through signed HTTP -> gunicorn (1 gthread worker) -> Bolt; database: {args.database}; "
        f"{args.requests} requests per row; {os.cpu_count()} CPUs\n"
    )
    print("| app | command | clients | p50 ms | p99 ms | requests/s |")
    print("|---|---|---:|---:|---:|---:|")
    for kind, label, clients, p50, p99, rate in rows:
        print(f"| {kind} | {label} | {clients} | {p50:.2f} | {p99:.2f} | {rate:.0f} |")
    if violations:
        print("\nStand-in violations:", violations)


if __name__ == "__main__":
    main()
