"""Published boards: publication schedules per scope, category and mode (the next due time is
stored, so a restart neither skips nor repeats one), and the snapshot of the board each
publication posted, one row per model (`leaderboard as_of`, rating history). New tables only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("scope_key", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("channel_ref", sa.String(length=255), nullable=False),
        sa.Column("every", sa.String(length=8), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope_key", "category", "mode", name=op.f("pk_publications")),
    )
    op.create_index("ix_publications_next_due_at", "publications", ["next_due_at"], unique=False)
    op.create_table(
        "board_snapshots",
        sa.Column("scope_key", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Float(), nullable=False),
        sa.Column("ci_lower", sa.Float(), nullable=False),
        sa.Column("ci_upper", sa.Float(), nullable=False),
        sa.Column("battles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope_key", "category", "mode", "taken_at", "model", name=op.f("pk_board_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("board_snapshots")
    op.drop_index("ix_publications_next_due_at", table_name="publications")
    op.drop_table("publications")
