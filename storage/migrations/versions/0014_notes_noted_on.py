"""notes: an index by day (noted_on, id), so a search since a recent day finds the notes since then from the index

Revision ID: 0014
Revises: 0013

On SQLite, a search since a day walks the notes with the words, newest first, through a mask of the notes since then
(storage/notes.py: _mask) when they are few; this index gives their ids, and counts them, without reading notes.
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index("ix_notes_noted_on", ["noted_on", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index("ix_notes_noted_on")
