"""Logs as an operator reads them: JSON a line with the request's fields, officer text cut out even of tracebacks."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot import observability


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """What the bot's loggers (``ipslo``, ``ipslo.http``, ...) write, through a JSON handler."""
    stream = io.StringIO()
    parent = logging.getLogger("ipslo")
    handler = observability.prepare_handler(logging.StreamHandler(stream), "json")
    parent.addHandler(handler)
    level, parent.propagate = parent.level, False
    parent.setLevel(logging.INFO)
    yield stream
    parent.removeHandler(handler)
    parent.setLevel(level)
    parent.propagate = True


def json_logger(stream: io.StringIO) -> logging.Logger:
    return logging.getLogger("ipslo.test")


def test_json_lines_carry_the_request_and_never_the_officers_words(stream: io.StringIO) -> None:
    logger = json_logger(stream)
    with observability.request_context() as context:
        context.kind, context.subcommand, context.user = "command", "note", "U0OFFICER"
        observability.keep_out_of_logs("Met the DA about the confidential PFSP gaps")
        try:
            raise ValueError("could not save 'Met the DA about the confidential PFSP gaps'")
        except ValueError:
            logger.exception("note by %s failed", "U0OFFICER")
        observability.note_outcome("failed")
        observability.log_request(context, 200)
    failure, line = (json.loads(text) for text in stream.getvalue().splitlines())
    assert failure["request_id"] == line["request_id"] == context.request_id
    assert failure["subcommand"] == "note" and failure["user"] == "U0OFFICER" and failure["level"] == "ERROR"
    assert "ValueError" in failure["exc_info"] and "[officer text]" in failure["exc_info"]
    assert line["outcome"] == "failed" and line["kind"] == "command" and isinstance(line["ms"], float)
    assert "confidential" not in stream.getvalue()


def test_outside_a_request_lines_are_left_alone(stream: io.StringIO) -> None:
    json_logger(stream).info("Scheduler %s started", "host:1")
    assert json.loads(stream.getvalue())["message"] == "Scheduler host:1 started"


def test_text_format_is_the_default(monkeypatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert observability.log_format() == "text"
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert observability.log_format() == "json"
