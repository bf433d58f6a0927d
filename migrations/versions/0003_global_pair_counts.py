"""Global pair counts kept as scope "*": backfill them, and drop the category index the old
sum-over-scopes query needed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 00:40:00
"""
from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_pair_counts_category', table_name='pair_counts')
    op.execute(
        "INSERT INTO pair_counts (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad)"
        " SELECT '*', category, model_a, model_b, sum(wins_a), sum(wins_b), sum(ties), sum(both_bad)"
        " FROM pair_counts WHERE scope_key <> '*' GROUP BY category, model_a, model_b"
    )


def downgrade() -> None:
    op.execute("DELETE FROM pair_counts WHERE scope_key = '*'")
    op.create_index('ix_pair_counts_category', 'pair_counts', ['category'], unique=False)
