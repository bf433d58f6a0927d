"""Imported Chatbot Arena records keep their own fields: battles.upstream holds the question_id,
category_tag, conv_metadata, dedup_tag and is_code a record carried, so an export gives them back
and style boards work on imported data. NULL (every existing battle) means "computed by arenabot".

Revision ID: 0011
Revises: 0010 (main's head when merged; first written on 0008)
Create Date: 2026-12-01 19:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of battles would cascade-delete its votes and turns on SQLite.
    op.add_column('battles', sa.Column('upstream', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('battles', 'upstream')  # SQLite 3.35+ drops a column in place: no table copy
