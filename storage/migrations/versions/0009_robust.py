"""robustness: reminders retried while Slack is down

Revision ID: 0009
Revises: 0009
Create Date: 2026-11-30 11:00:00

- ``reminders.next_attempt_at``: when a reminder Slack could not take is tried again (state ``retrying``).
- notes stored before Slack's escaping was undone on the way in: ``&amp;`` ``&lt;`` ``&gt;`` become ``&`` ``<`` ``>``
  (the change history keeps what was stored then), so notes read, export and search as the officer wrote them.
- ``command_replies``: each officer's latest write command and its reply, so a repeat is answered, not done twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "command_replies",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_command_replies")),
    )
    notes = sa.table("notes", sa.column("text", sa.Text()), sa.column("search_text", sa.Text()))

    def unescaped(column: sa.ColumnClause) -> sa.ColumnElement:
        return sa.func.replace(sa.func.replace(sa.func.replace(column, "&lt;", "<"), "&gt;", ">"), "&amp;", "&")

    op.execute(
        notes.update()
        .where(notes.c.text.like("%&%;%"))
        .values(text=unescaped(notes.c.text), search_text=unescaped(notes.c.search_text))
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_table("command_replies")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("next_attempt_at")
