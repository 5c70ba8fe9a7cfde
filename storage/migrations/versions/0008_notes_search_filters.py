"""notes: a slim index of the columns search filters read (deleted, nation, author, day, tags), by note id

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-27 11:30:00

A filtered search walks the newest notes with the words (by id, from the search index) and checks each one's
filters. Read from the notes table, every check reads past the note's text; this index holds just what the
filters read, so the check is one small look-up (an index-only scan on PostgreSQL, a covering index on SQLite).
"""
from __future__ import annotations

from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(
            'ix_notes_search_filters',
            ['id', 'deleted_at', 'nation_iso2', 'author_user_id', 'noted_on', 'tags'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index('ix_notes_search_filters')
