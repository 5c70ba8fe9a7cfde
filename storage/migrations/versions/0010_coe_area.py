"""conditions of entry and the area kept by the team: excepted port facilities, confirmations, change history

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 09:00:00

Adds who last set each nation's place in our area (``nations.area_set_by``/``area_set_at``: the shipped file never
changes it after), the port facilities a listing excepts (``coe_exceptions``; removed ones stay, marked), the team's
confirmations that the whole list is current (``coe_confirmations``) and every change with who, when, before and after
(``reference_changes``). Nothing already recorded is changed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area_set_by", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("area_set_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "coe_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nation_iso2", sa.String(length=2), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by", sa.String(length=40), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_source", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["nation_iso2"], ["nations.iso2"], name=op.f("fk_coe_exceptions_nation_iso2_nations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coe_exceptions")),
    )
    with op.batch_alter_table("coe_exceptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coe_exceptions_nation_iso2"), ["nation_iso2"], unique=False)

    op.create_table(
        "coe_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("confirmed_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coe_confirmations")),
    )

    op.create_table(
        "reference_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=20), nullable=False),
        sa.Column("nation_iso2", sa.String(length=2), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nation_iso2"], ["nations.iso2"], name=op.f("fk_reference_changes_nation_iso2_nations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_changes")),
    )
    with op.batch_alter_table("reference_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reference_changes_nation_iso2"), ["nation_iso2"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reference_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_changes_nation_iso2"))
    op.drop_table("reference_changes")
    op.drop_table("coe_confirmations")
    with op.batch_alter_table("coe_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coe_exceptions_nation_iso2"))
    op.drop_table("coe_exceptions")
    with op.batch_alter_table("nations", schema=None) as batch_op:
        batch_op.drop_column("area_set_at")
        batch_op.drop_column("area_set_by")
