"""Benchmark: the nation type-ahead (block_suggestion) through the full Slack path: a Slack-signed request over
HTTP to the real app (wsgi, one thread per request), answered with the ranked nations. Prints p50/p95/p99.

    .venv/bin/python scripts/bench_options.py [--requests 500] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.runtime import open_database
from bot.settings import Settings
from tests.conftest import SIGNING_SECRET, served
from tests.standin import CheckedSlack

TYPED = [
    "",
    "f",
    "fi",
    "fij",
    "fjii",
    "png",
    "PNG",
    "east timor",
    "korea",
    "phillipines",
    "sol",
    "micro",
    "TO",
    "vanatu",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, CheckedSlack() as standin:
        url = (
            f"sqlite:///{folder}/ipslo.db"
            if args.database == "sqlite"
            else "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        standin.add_user("U0OFFICER", name="kim", tz="Asia/Tokyo")
        settings = Settings(
            database_url=url,
            slack_bot_token=standin.bot_token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=standin.api_url,
        )
        database = open_database(settings)
        with served(settings, database, standin) as workspace:
            timings = []
            for number in range(args.requests + 20):
                payload = {
                    "type": "block_suggestion",
                    "user": {"id": "U0OFFICER"},
                    "action_id": "nation_choice",
                    "block_id": "nation",
                    "value": TYPED[number % len(TYPED)],
                    "container": {"type": "view", "view_id": "V1"},
                    "view": {"id": "V1", "type": "modal", "callback_id": "visit_form"},
                }
                body, headers = standin.interaction(payload, signing_secret=SIGNING_SECRET)
                request = urllib.request.Request(workspace.url, data=body.encode(), headers=headers, method="POST")
                started = time.perf_counter()
                with urllib.request.urlopen(request, timeout=10) as response:
                    assert json.loads(response.read())["options"] is not None
                if number >= 20:  # warmed up: the officer's profile and the index are cached
                    timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))]  # noqa: E731
        print(
            f"type-ahead ({args.database}, {len(timings)} requests): p50 {statistics.median(timings):.1f} ms, "
            f"p95 {p(0.95):.1f} ms, p99 {p(0.99):.1f} ms, max {timings[-1]:.1f} ms"
        )


if __name__ == "__main__":
    main()
