"""officers' text keeps a person as @U123 (not Slack's <@U123|name>): notes, follow-ups, reminders, visit titles

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SLACK_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>\n]*)?>")
#: (table, its key, the columns officers write)
WRITTEN = (
    ("notes", "id", ("text",)),
    ("note_follow_ups", "id", ("text",)),
    ("reminders", "id", ("text",)),
    ("visits", "id", ("title",)),
)


def upgrade() -> None:
    from storage.notes import fold  # the same folding new notes get, so search finds the rewritten text

    bind = op.get_bind()
    for table, key, columns in WRITTEN:
        for column in columns:
            rows = bind.execute(
                sa.text(f"SELECT {key}, {column} FROM {table} WHERE {column} LIKE :mention"), {"mention": "%<@%"}
            ).all()
            for row_key, written in rows:
                rewritten = SLACK_MENTION.sub(lambda found: f"@{found[1]}", written)
                if rewritten == written:
                    continue
                values = {"value": rewritten, "key": row_key}
                extra = ""
                if table == "notes":
                    extra, values["folded"] = ", search_text = :folded", fold(rewritten)
                bind.execute(sa.text(f"UPDATE {table} SET {column} = :value{extra} WHERE {key} = :key"), values)


def downgrade() -> None:
    """Nothing to undo: ``@U123`` reads the same to people, and Slack is shown a mention either way."""
