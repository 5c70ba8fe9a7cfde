"""The Slack stand-in as the tests use it: the console's stand-in (bot/slack_standin.py) plus what only tests need.

- Every call is checked against Slack's published Web API description (tests/data/slack_web_openapi_v2.json,
  MIT licence beside it): an unknown or retired method, or a missing required argument, is recorded in
  ``violations`` and refused, so a test fails where real Slack would refuse the call.
- ``fail_next`` makes Slack answer 429, 5xx or an error for the next calls to a method (outages, rate limits).
- ``wait_for`` waits for work the app does after its answer (lazy listeners, the scheduler).
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.slack_standin import ApiCall, SlackStandIn, _Reply

SPEC_FILE = Path(__file__).with_name("data") / "slack_web_openapi_v2.json"

# Methods newer than the 2020 spec that slack_sdk's files_upload_v2 uses, with their required arguments
# (from Slack's method docs).
EXTRA_METHODS: dict[str, frozenset[str]] = {
    "files.getUploadURLExternal": frozenset({"filename", "length"}),
    "files.completeUploadExternal": frozenset({"files"}),
}

# Methods in the 2020 spec that Slack has since switched off.
RETIRED_METHODS: dict[str, str] = {
    "files.upload": "files.upload was sunset on 2025-11-12; use files_upload_v2 "
    "(files.getUploadURLExternal + files.completeUploadExternal)",
}


@functools.cache
def spec_required_params() -> dict[str, frozenset[str]]:
    """method -> required non-token params, from the OpenAPI file (loaded once per process), plus the allowed extras."""
    spec = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    out: dict[str, frozenset[str]] = {}
    for path, ops in spec.get("paths", {}).items():
        required: set[str] = set()
        for op in ops.values():
            if not isinstance(op, dict):
                continue
            for param in op.get("parameters", []):
                if param.get("required") and param.get("name") != "token":
                    required.add(param["name"])
        out[path.lstrip("/")] = frozenset(required)
    out.update(EXTRA_METHODS)
    return out


@dataclass
class _Failure:
    status: int
    error: str | None
    retry_after: int
    remaining: int
    accepted: bool = False  # Slack carries the call out, but its answer is lost


def stop_serving(server: socketserver.BaseServer) -> None:
    """``server.shutdown()`` at once. The server's thread looks whether to stop only when a connection comes or its
    ``poll_interval`` runs out, so connections are made until it has stopped: it stops at the first without
    answering it (one made just before it was asked to stop gets an empty request, which it ignores). Stopping
    therefore waits for no poll, and the thread need not look often (it woke every 5 ms for nothing, a few seconds
    of CPU over the suite)."""
    stopping = threading.Thread(target=server.shutdown, name="stopping", daemon=True)
    stopping.start()
    address = server.server_address[:2]
    while stopping.is_alive():
        with contextlib.suppress(OSError), socket.create_connection(address, timeout=1):
            pass
        stopping.join(0.005)


def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Wait until ``predicate()`` holds (work the app does after its answer), at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


class CheckedSlack(SlackStandIn):
    """The stand-in that checks every call against Slack's API description and can play an outage."""

    poll_interval = 0.5  # how often the server's thread looks whether to stop: stop() wakes it at once instead

    def stop(self) -> None:
        if self._server is not None:
            stop_serving(self._server)
        super().stop()

    def __init__(self, **options: Any) -> None:
        self._failures: dict[str, list[_Failure]] = {}
        super().__init__(**options)

    def start(self, port: int = 0) -> CheckedSlack:
        spec_required_params()  # load the description before the first request
        super().start(port)
        return self

    @contextlib.contextmanager
    def unreachable(self) -> Iterator[None]:
        """Slack cannot be reached (connections refused) until the block ends; then it answers at the same address.
        The port is kept meanwhile by a socket bound to it but not listening (connections to it are refused): another
        test's server, given a free port by the system, cannot take it before Slack comes back."""
        port = self.port
        self.stop()
        holder: socket.socket | None = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            holder.bind(("127.0.0.1", port or 0))
        except OSError:
            holder.close()
            holder = None
        try:
            yield
        finally:
            if holder is not None:
                holder.close()
            self.start(port or 0)

    def __enter__(self) -> CheckedSlack:
        return self.start()

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        error: str | None = None,
        retry_after: int = 1,
        times: int = 1,
        accepted: bool = False,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail: 429 (ratelimited + Retry-After), 5xx (an HTML body), or
        200 {"ok": false, "error": error}. ``accepted``: Slack carries the call out but its answer is lost (a 5xx
        after the message was posted)."""
        if status == 200 and not error:
            raise ValueError("fail_next(status=200) needs error=..., e.g. 'channel_not_found'")
        with self._lock:
            self._failures.setdefault(method, []).append(_Failure(status, error, retry_after, times, accepted))

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        return eventually(predicate, timeout)

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self._failures.clear()

    def _refusal(self, call: ApiCall) -> _Reply | None:
        method = call.method
        spec = spec_required_params()
        if method in RETIRED_METHODS:
            return self._violation(call, RETIRED_METHODS[method])
        if method not in spec:
            return self._violation(call, "unknown method (not in Slack's Web API spec)")
        missing = sorted(p for p in spec[method] if call.args.get(p) in (None, ""))
        if missing:
            return self._violation(call, f"missing required argument(s): {', '.join(missing)}")
        queue = self._failures.get(method)
        if queue:
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.pop(0)
            if failure.accepted and call.token == self.bot_token:
                handler = getattr(self, "_m_" + method.replace(".", "_"), None)
                if handler is not None:
                    handler(call.args)
            return self._failure_reply(failure)
        return None

    @staticmethod
    def _failure_reply(f: _Failure) -> _Reply:
        if f.status == 429:
            return _Reply(429, {"ok": False, "error": f.error or "ratelimited"}, {"Retry-After": str(f.retry_after)})
        if f.status >= 500:
            if f.error:
                return _Reply(f.status, f.error.encode(), {"Content-Type": "text/html; charset=utf-8"})
            html = f"<html><head><title>{f.status}</title></head><body>Slack is having trouble</body></html>"
            return _Reply(f.status, html.encode(), {"Content-Type": "text/html; charset=utf-8"})
        return _Reply(f.status, {"ok": False, "error": f.error or "invalid_request"})
