"""Named (side-by-side) battles and chatting on after the vote: battles remember whether they
were anonymous (a named battle counts on boards of its own, under "named/" scope keys), turns
remember whether they were chatted on after a vote or the reveal.

Existing battles were all blind, and no turn came after a vote, so the defaults are exact.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 16:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (with a constant default it needs no table copy on SQLite; a
    # batch copy would drop the battles table, and its votes and turns with it by cascade).
    op.add_column('battles', sa.Column('anony', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('turns', sa.Column('after_vote', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    # Named battles' pair counts live under "named/" scope keys no older version reads.
    op.execute(sa.text("DELETE FROM pair_counts WHERE scope_key LIKE 'named/%'"))
    op.execute(sa.text("DELETE FROM battle_patterns WHERE scope_key LIKE 'named/%'"))
    op.drop_column('turns', 'after_vote')  # SQLite 3.35+ drops a column in place: no table copy
    op.drop_column('battles', 'anony')
