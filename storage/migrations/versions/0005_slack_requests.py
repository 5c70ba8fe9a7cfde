"""slack requests already handled (Slack's retries are acknowledged, not redone)

Revision ID: 0010
Revises: 0004
Create Date: 2026-12-01 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'slack_requests',
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_by', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_slack_requests')),
    )
    with op.batch_alter_table('slack_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_requests_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('slack_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_requests_received_at'))
    op.drop_table('slack_requests')
