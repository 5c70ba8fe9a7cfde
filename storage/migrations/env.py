"""Alembic environment: migrates the engine handed over by ``storage.db.migrate`` (or DATABASE_URL on the command
line)."""

from __future__ import annotations

import os
from typing import Any

from alembic import context

import storage.models  # noqa: F401  (every table, for autogenerate)
from storage.db import Base, UTCDateTime, make_engine

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):
    # Full-text search tables are created by hand in migrations; autogenerate does not know them.
    return not (type_ == "table" and "_fts" in (name or ""))


def render_item(type_, obj, autogen_context):
    # Migrations speak plain SQLAlchemy: UTC timestamps are timezone-aware DateTime columns.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


OPTIONS: dict[str, Any] = dict(
    target_metadata=target_metadata, include_object=include_object, render_item=render_item, render_as_batch=True
)


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = config.attributes.get("engine") or make_engine(os.environ.get("DATABASE_URL", "sqlite:///data/ipslo.db"))
    with engine.connect() as connection:
        context.configure(connection=connection, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()


run()
