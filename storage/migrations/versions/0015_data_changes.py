"""data_changes: one number the database raises whenever what status and nations show changes

Revision ID: 0015
Revises: 0014

The web processes keep the replies of ``/ipslo status`` and ``/ipslo nations`` (bot/runtime.py: ReplyCache) and
ask this number before each one: a reply is used again only while the number is the one it was drawn under. The
triggers raise it in the same transaction as the change, so every process, on SQLite or PostgreSQL, sees the new
number from the moment the change is committed, however it was written (a command, a form, an import, a restore,
SQL by hand).

PostgreSQL: the triggers are constraint triggers deferred to the commit, so the number's row is locked only while a
transaction commits, after every other lock it takes (two writers cannot deadlock on it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: The tables whose rows status and nations replies are drawn from (storage/db.py: CHANGE_TRACKED, as of this
#: revision; a later revision that tracks another table adds its triggers itself).
TRACKED = ("nations", "assessments", "conditions_of_entry", "coe_exceptions", "coe_confirmations", "visits")
BUMP = "UPDATE data_changes SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "data_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_changes")),
    )
    op.execute("INSERT INTO data_changes (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION data_changes_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{BUMP}; RETURN NULL; END $$"
        )
        for table in TRACKED:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_changes_bump()"
            )
    else:
        for table in TRACKED:
            for action in ("insert", "update", "delete"):
                op.execute(f"CREATE TRIGGER {table}_{action}_changed AFTER {action.upper()} ON {table} BEGIN {BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TRACKED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS data_changes_bump()")
    else:
        for table in TRACKED:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{action}_changed")
    op.drop_table("data_changes")
