"""ask answers: knowledge entries gain a kind and a lead (the direct answer); answers marked "Not right?" are kept;
the databases' own full-text index of the knowledge base is dropped (ranking is one in-memory BM25 index now)

Revision ID: 0006
Revises: 0010 (written on 0004; re-chained after ops merged)
Create Date: 2026-11-30 11:00:00

The FTS triggers on ``knowledge_entries`` are dropped first, so SQLite's batch rebuild of the table loses nothing.
The triggers and tables 0004 made for ``knowledge_fts`` are dropped: nothing reads them, and every load wrote them.
Downgrade puts them back and fills them from the entries.
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS knowledge_fts_insert",
    "DROP TRIGGER IF EXISTS knowledge_fts_update",
    "DROP TRIGGER IF EXISTS knowledge_fts_delete",
    "DROP TABLE IF EXISTS knowledge_fts",
]
POSTGRESQL_FTS_DROP = [
    "DROP TRIGGER IF EXISTS knowledge_fts_refresh ON knowledge_entries",
    "DROP FUNCTION IF EXISTS knowledge_fts_refresh()",
    "DROP TABLE IF EXISTS knowledge_fts",
]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_FTS_DROP if postgresql else SQLITE_FTS_DROP:
        op.execute(statement)
    with op.batch_alter_table("knowledge_entries") as batch:  # SQLite rebuilds the table: its FTS triggers are gone
        batch.add_column(sa.Column("kind", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("lead", sa.Text(), nullable=True))
        batch.alter_column("ref", type_=sa.String(length=300), existing_type=sa.String(length=120), nullable=False)
    op.create_table(
        "ask_misses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.String(length=80), nullable=True),
        sa.Column("entry_ref", sa.String(length=300), nullable=True),
        sa.Column("asked_by", sa.String(length=40), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fixed_by", sa.String(length=40), nullable=True),
        sa.Column("fixed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ask_misses")),
    )
    op.create_index(op.f("ix_ask_misses_recorded_at"), "ask_misses", ["recorded_at"], unique=False)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_index(op.f("ix_ask_misses_recorded_at"), table_name="ask_misses")
    op.drop_table("ask_misses")
    with op.batch_alter_table("knowledge_entries") as batch:
        batch.drop_column("lead")
        batch.drop_column("kind")
        batch.alter_column("ref", type_=sa.String(length=120), existing_type=sa.String(length=300), nullable=False)
    knowledge = importlib.import_module("storage.migrations.versions.0004_knowledge")
    for statement in knowledge.POSTGRESQL_FTS if postgresql else knowledge.SQLITE_FTS:
        op.execute(statement)
    if postgresql:
        op.execute("UPDATE knowledge_entries SET id = id")  # the trigger fills the index
    else:
        op.execute(
            "INSERT INTO knowledge_fts (entry_id, title, terms, answer) "
            "SELECT id, title, search_terms, answer FROM knowledge_entries"
        )
