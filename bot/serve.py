"""Serving the Bolt app to Slack: HTTP through gunicorn (``/slack/events``, ``/healthz``) or Socket Mode."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.runtime import Database
from bot.settings import Settings
from storage.db import ping

log = logging.getLogger("ipslo")

EVENTS_PATH = "/slack/events"


def wsgi_app(app: App, database: Database) -> Callable[..., Iterable[bytes]]:
    """Slack's requests at /slack/events, a database health check at /healthz, 404 elsewhere."""
    slack = SlackRequestHandler(app)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == EVENTS_PATH:
            return slack(environ, start_response)
        if path == "/healthz":
            healthy = ping(database.engine)
            body = json.dumps({"ok": healthy, "database": "up" if healthy else "down"}).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        body = b"Not found. Slack sends requests to /slack/events.\n"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return application


def run_gunicorn(
    application: Callable[..., Iterable[bytes]],
    *,
    port: int,
    post_fork: Callable[[], None] | None = None,
    worker_started: Callable[[], None] | None = None,
) -> None:
    """Serve a WSGI app with gunicorn in this process: one worker, threads answering in the request thread."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{port}")
            self.cfg.set("workers", 1)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", int(os.environ.get("WEB_THREADS", "8")))
            self.cfg.set("timeout", 30)
            self.cfg.set("accesslog", None)
            self.cfg.set("errorlog", "-")
            if post_fork is not None:
                self.cfg.set("post_fork", lambda server, worker: post_fork())
            if worker_started is not None:
                self.cfg.set("post_worker_init", lambda worker: worker_started())

        def load(self) -> Callable[..., Iterable[bytes]]:
            return application

    Server().run()


def serve_http(
    app: App, database: Database, settings: Settings, *, worker_started: Callable[[], None] | None = None
) -> None:
    """Slack's requests over HTTP on $PORT. One worker process; ``worker_started`` runs in it (the scheduler)."""
    log.info("Serving Slack requests on http://0.0.0.0:%s%s", settings.port, EVENTS_PATH)
    # The app was built before the fork: the worker opens its own database connections.
    run_gunicorn(
        wsgi_app(app, database),
        port=settings.port,
        post_fork=lambda: database.engine.dispose(close=False),
        worker_started=worker_started,
    )


def serve_socket_mode(app: App, settings: Settings) -> None:
    """Connect to Slack over a WebSocket (no public URL needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    log.info("Connecting to Slack in Socket Mode")
    SocketModeHandler(app, settings.slack_app_token).start()
