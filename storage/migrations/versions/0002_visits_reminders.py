"""visits, reminders, digest runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:59:30.187005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('digest_runs',
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posted_by', sa.String(length=80), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'scheduled_for', name=op.f('pk_digest_runs'))
    )
    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nation_iso2', sa.String(length=2), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('lead_user_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('recorded_by', sa.String(length=40), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['nation_iso2'], ['nations.iso2'], name=op.f('fk_visits_nation_iso2_nations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_lead_user_id'), ['lead_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_nation_iso2'), ['nation_iso2'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_starts_on'), ['starts_on'], unique=False)

    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('nation_iso2', sa.String(length=2), nullable=True),
    sa.Column('owner_user_id', sa.String(length=32), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('failure_reason', sa.String(length=300), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('recorded_by', sa.String(length=40), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['nation_iso2'], ['nations.iso2'], name=op.f('fk_reminders_nation_iso2_nations')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_reminders_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_owner_user_id'), ['owner_user_id'], unique=False)
        batch_op.create_index('ix_reminders_state_due_at', ['state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminders_visit_id'), ['visit_id'], unique=False)



def downgrade() -> None:

    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminders_visit_id'))
        batch_op.drop_index('ix_reminders_state_due_at')
        batch_op.drop_index(batch_op.f('ix_reminders_owner_user_id'))

    op.drop_table('reminders')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_starts_on'))
        batch_op.drop_index(batch_op.f('ix_visits_nation_iso2'))
        batch_op.drop_index(batch_op.f('ix_visits_lead_user_id'))

    op.drop_table('visits')
    op.drop_table('digest_runs')
