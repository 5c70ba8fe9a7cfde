"""calendar feeds (hashed tokens) and where imported records came from

Revision ID: 0007
Revises: 0010
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("slack_link", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reset_by", sa.String(length=40), nullable=True),
        sa.Column("reset_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
        sa.UniqueConstraint("user_id", "scope", name="uq_calendar_feeds_user_id_scope"),
    )
    op.create_table(
        "imported_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record", sa.String(length=12), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sheet", sa.String(length=80), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("lead_name", sa.String(length=200), nullable=True),
        sa.Column("imported_by", sa.String(length=40), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_records")),
    )
    with op.batch_alter_table("imported_records", schema=None) as batch_op:
        batch_op.create_index("ix_imported_records_record_record_id", ["record", "record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("imported_records", schema=None) as batch_op:
        batch_op.drop_index("ix_imported_records_record_record_id")
    op.drop_table("imported_records")
    op.drop_table("calendar_feeds")
