"""Battle patterns: per scope, category and pair, how many revealed battles got exactly which
counted votes (intervals clustered by battle, issue 11); filled from the votes already stored.
Models get their preferred opponents (`targets`) for sampling; `first_seen` records when the bot
first saw a user in a scope (membership age where the platform has none).

Revision ID: 0006
Revises: 0005_models
Create Date: 2026-12-01 16:40:00
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict

import sqlalchemy as sa
from alembic import op

from arenabot.domain import Outcome
from arenabot.storage import tally

revision = '0006'
down_revision = '0005_models'
branch_labels = None
depends_on = None

_ADD = sa.text(
    "INSERT INTO battle_patterns (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad, battles)"
    " VALUES (:scope_key, :category, :model_a, :model_b, :wins_a, :wins_b, :ties, :both_bad, :battles)"
)


def _fill() -> None:
    """Every revealed battle's counted votes, as pair_counts hold them (one row per vote, read in
    battle order; PostgreSQL cannot GROUP BY a json column)."""
    conn = op.get_bind()
    found = conn.execute(sa.text(
        "SELECT b.id, b.scope_key, b.model_a, b.model_b, b.categories, v.outcome FROM votes v"
        " JOIN battles b ON b.id = v.battle_id WHERE b.status = 'closed' AND v.counted AND v.outcome IS NOT NULL"
    )).all()
    per_battle: dict[int, Counter[Outcome]] = defaultdict(Counter)
    battle_of: dict[int, tuple] = {}
    for battle_id, scope_key, model_a, model_b, categories, outcome in found:
        per_battle[battle_id][Outcome(outcome)] += 1
        cats = json.loads(categories) if isinstance(categories, str) else (categories or [])
        battle_of[battle_id] = (scope_key, model_a, model_b, cats)
    rows: list[dict[str, object]] = []
    for battle_id, counted in per_battle.items():
        rows += tally.pattern_deltas(*battle_of[battle_id], counted, 1)
    merged = tally.merge_patterns(rows)
    if merged:
        conn.execute(_ADD, merged)


def upgrade() -> None:
    op.create_table(
        'battle_patterns',
        sa.Column('scope_key', sa.String(length=255), nullable=False),
        sa.Column('category', sa.String(length=64), nullable=False),
        sa.Column('model_a', sa.String(length=100), nullable=False),
        sa.Column('model_b', sa.String(length=100), nullable=False),
        sa.Column('wins_a', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('wins_b', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('ties', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('both_bad', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('battles', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('scope_key', 'category', 'model_a', 'model_b', 'wins_a', 'wins_b', 'ties', 'both_bad'),
    )
    with op.batch_alter_table('models', schema=None) as batch_op:
        batch_op.add_column(sa.Column('targets', sa.JSON(), nullable=True))
    op.create_table(
        'first_seen',
        sa.Column('scope_key', sa.String(length=255), nullable=False),
        sa.Column('user_ref', sa.String(length=255), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('scope_key', 'user_ref'),
    )
    _fill()


def downgrade() -> None:
    op.drop_table('first_seen')
    with op.batch_alter_table('models', schema=None) as batch_op:
        batch_op.drop_column('targets')
    op.drop_table('battle_patterns')
