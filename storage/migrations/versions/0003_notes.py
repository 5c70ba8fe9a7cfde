"""notes, follow-ups, audit trail, full-text search (SQLite FTS5 / PostgreSQL tsvector, kept in sync by triggers)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:01:36.221916
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# Full-text search, written by hand: a table named "_fts" beside notes, filled by triggers, so every way of
# writing a note (ORM, bulk insert, SQL by hand) is searchable at once. notes.search_text is the text folded
# in Python (lower case, no accents on Latin letters, no apostrophes: ʻEua = Eua); the databases stem it.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE notes_fts USING fts5(search_text, content='notes', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN "
    "INSERT INTO notes_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN "
    "INSERT INTO notes_fts(notes_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER notes_fts_update AFTER UPDATE OF search_text ON notes BEGIN "
    "INSERT INTO notes_fts(notes_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO notes_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS notes_fts_update",
    "DROP TRIGGER IF EXISTS notes_fts_delete",
    "DROP TRIGGER IF EXISTS notes_fts_insert",
    "DROP TABLE IF EXISTS notes_fts",
]
# PostgreSQL: the 'english' configuration stems ("inspect" finds "inspections"); no unaccent extension needed.
POSTGRES_FTS = [
    "CREATE TABLE notes_fts (note_id INTEGER PRIMARY KEY REFERENCES notes (id) ON DELETE CASCADE, "
    "document TSVECTOR NOT NULL)",
    "CREATE INDEX notes_fts_document ON notes_fts USING GIN (document)",
    "CREATE FUNCTION notes_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO notes_fts (note_id, document) VALUES (NEW.id, to_tsvector('english', NEW.search_text)) "
    "ON CONFLICT (note_id) DO UPDATE SET document = EXCLUDED.document; RETURN NULL; END $$",
    "CREATE TRIGGER notes_fts_sync AFTER INSERT OR UPDATE OF search_text ON notes "
    "FOR EACH ROW EXECUTE FUNCTION notes_fts_sync()",
]
POSTGRES_FTS_DROP = [
    "DROP TRIGGER IF EXISTS notes_fts_sync ON notes",
    "DROP FUNCTION IF EXISTS notes_fts_sync()",
    "DROP TABLE IF EXISTS notes_fts",
]


def upgrade() -> None:
    op.create_table('notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nation_iso2', sa.String(length=2), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('tags', sa.String(length=400), nullable=False),
    sa.Column('author_user_id', sa.String(length=32), nullable=False),
    sa.Column('source_permalink', sa.String(length=500), nullable=True),
    sa.Column('message_author_id', sa.String(length=32), nullable=True),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by', sa.String(length=40), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['nation_iso2'], ['nations.iso2'], name=op.f('fk_notes_nation_iso2_nations')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_notes_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_notes_idempotency_key'))
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_author_user_id'), ['author_user_id'], unique=False)
        batch_op.create_index('ix_notes_nation_noted_on', ['nation_iso2', 'noted_on', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notes_visit_id'), ['visit_id'], unique=False)

    op.create_table('note_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('changed_by', sa.String(length=40), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_changes_note_id_notes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_changes'))
    )
    with op.batch_alter_table('note_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_changes_note_id'), ['note_id'], unique=False)

    op.create_table('note_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner_user_id', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=40), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_follow_ups_note_id_notes')),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'], name=op.f('fk_note_follow_ups_reminder_id_reminders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_follow_ups'))
    )
    with op.batch_alter_table('note_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_follow_ups_note_id'), ['note_id'], unique=False)

    for statement in POSTGRES_FTS if op.get_bind().dialect.name == "postgresql" else SQLITE_FTS:
        op.execute(statement)


def downgrade() -> None:
    for statement in POSTGRES_FTS_DROP if op.get_bind().dialect.name == "postgresql" else SQLITE_FTS_DROP:
        op.execute(statement)
    with op.batch_alter_table('note_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_follow_ups_note_id'))

    op.drop_table('note_follow_ups')
    with op.batch_alter_table('note_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_changes_note_id'))

    op.drop_table('note_changes')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_visit_id'))
        batch_op.drop_index('ix_notes_nation_noted_on')
        batch_op.drop_index(batch_op.f('ix_notes_author_user_id'))

    op.drop_table('notes')
