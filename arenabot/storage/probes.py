"""Cheap read-only queries for health checks and metrics scrapes (run via `Store.run_read`)."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from arenabot.domain import BattleStatus

from .sql import battles


def ping(conn: Connection) -> None:
    """Raises if the database cannot answer a trivial query."""
    conn.execute(text("SELECT 1")).scalar_one()


def open_battles(conn: Connection) -> int:
    """Battles still open for votes (served by the status/closes_at index)."""
    return int(conn.execute(select(func.count()).where(battles.c.status == BattleStatus.OPEN.value)).scalar_one())
