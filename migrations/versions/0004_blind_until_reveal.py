"""Blind until the reveal: open battles' votes leave the pair counts (they join at the close);
votes remember when their voter saw the names and what was asked after; battles remember when
a thread message named one of their models.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:30:00
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from arenabot.domain import Outcome
from arenabot.storage import tally

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_ADD = sa.text(
    "INSERT INTO pair_counts (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad)"
    " VALUES (:scope_key, :category, :model_a, :model_b, :wins_a, :wins_b, :ties, :both_bad)"
    " ON CONFLICT (scope_key, category, model_a, model_b) DO UPDATE SET"
    " wins_a = pair_counts.wins_a + excluded.wins_a, wins_b = pair_counts.wins_b + excluded.wins_b,"
    " ties = pair_counts.ties + excluded.ties, both_bad = pair_counts.both_bad + excluded.both_bad"
)


def _move_open_battles(sign: int) -> None:
    """Add (sign=+1) or take out (-1) the counted votes of open battles from the pair counts."""
    conn = op.get_bind()
    found = conn.execute(sa.text(
        # One row per vote (PostgreSQL cannot GROUP BY a json column); only open battles' votes.
        "SELECT b.scope_key, b.model_a, b.model_b, b.categories, v.outcome FROM votes v"
        " JOIN battles b ON b.id = v.battle_id WHERE b.status = 'open' AND v.counted AND v.outcome IS NOT NULL"
    )).all()
    deltas: list[dict[str, object]] = []
    for scope_key, model_a, model_b, categories, outcome in found:
        cats = json.loads(categories) if isinstance(categories, str) else (categories or [])
        deltas += tally.vote_deltas(scope_key, model_a, model_b, cats, {Outcome(outcome): sign})
    merged = tally.merge_deltas(deltas)
    if merged:
        conn.execute(_ADD, merged)


def upgrade() -> None:
    with op.batch_alter_table('battles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leaked_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names_seen_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('unblind_outcome', sa.String(length=16), nullable=True))
    _move_open_battles(-1)


def downgrade() -> None:
    _move_open_battles(+1)
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_column('unblind_outcome')
        batch_op.drop_column('names_seen_at')
    with op.batch_alter_table('battles', schema=None) as batch_op:
        batch_op.drop_column('leaked_at')
