"""Tournaments: a moderator's contest among chosen models, and the battles that belong to it.

New tables only; battles are untouched (a tournament's battles are ordinary battles).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tournaments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_key", sa.String(length=255), nullable=False),
        sa.Column("running_scope", sa.String(length=255), nullable=True),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("channel_ref", sa.String(length=255), nullable=False),
        sa.Column("only_channel", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("target_votes", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tournaments")),
        sa.UniqueConstraint("running_scope", name=op.f("uq_tournaments_running_scope")),
    )
    op.create_index(op.f("ix_tournaments_scope_key"), "tournaments", ["scope_key"], unique=False)
    op.create_table(
        "tournament_battles",
        sa.Column("battle_id", sa.Integer(), nullable=False),
        sa.Column("tournament_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["battle_id"], ["battles.id"], name=op.f("fk_tournament_battles_battle_id_battles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tournament_id"],
            ["tournaments.id"],
            name=op.f("fk_tournament_battles_tournament_id_tournaments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("battle_id", name=op.f("pk_tournament_battles")),
    )
    op.create_index(op.f("ix_tournament_battles_tournament_id"), "tournament_battles", ["tournament_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tournament_battles_tournament_id"), table_name="tournament_battles")
    op.drop_table("tournament_battles")
    op.drop_index(op.f("ix_tournaments_scope_key"), table_name="tournaments")
    op.drop_table("tournaments")
