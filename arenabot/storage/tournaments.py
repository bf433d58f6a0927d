"""Tournaments: a moderator's contest among chosen models, and which battles belong to it.

One running tournament per scope is enforced by the database, across processes: a running
tournament holds its scope key in `running_scope` (unique), which is cleared when it ends, and
ending is one conditional UPDATE, so exactly one process announces the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Table, Text, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from arenabot.domain import BattleStatus

from .schema import REF, Base, UTCDateTime
from .sql import battles, votes

RUNNING, FINISHED, STOPPED = "running", "finished", "stopped"


class Tournament(Base):
    __tablename__ = "tournaments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope_key: Mapped[str] = mapped_column(String(REF), index=True)
    # The scope key while running, NULL afterwards: unique, so one running tournament per scope.
    running_scope: Mapped[str | None] = mapped_column(String(REF), unique=True)
    platform: Mapped[str] = mapped_column(String(32))
    channel_ref: Mapped[str] = mapped_column(String(REF))  # where it was started; the result is posted there
    only_channel: Mapped[bool] = mapped_column(default=False)  # draw only battles started in that channel
    name: Mapped[str] = mapped_column(String(100))
    models: Mapped[list[str]] = mapped_column(JSON)
    target_votes: Mapped[int] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(REF))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_note: Mapped[str | None] = mapped_column(Text)


class TournamentBattle(Base):
    __tablename__ = "tournament_battles"

    battle_id: Mapped[int] = mapped_column(ForeignKey("battles.id", ondelete="CASCADE"), primary_key=True)
    tournament_id: Mapped[int] = mapped_column(ForeignKey("tournaments.id", ondelete="CASCADE"), index=True)


tournaments: Table = Tournament.__table__  # type: ignore[assignment]
entries: Table = TournamentBattle.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class TournamentRecord:
    id: int
    scope_key: str
    platform: str
    channel_ref: str
    only_channel: bool
    name: str
    models: list[str]
    target_votes: int
    category: str | None
    created_by: str
    started_at: datetime
    ends_at: datetime | None
    status: str
    ended_at: datetime | None

    @property
    def running(self) -> bool:
        return self.status == RUNNING


class TournamentRunning(Exception):
    """The scope already has a running tournament."""


def _record(row: Any) -> TournamentRecord:
    return TournamentRecord(
        id=row.id,
        scope_key=row.scope_key,
        platform=row.platform,
        channel_ref=row.channel_ref,
        only_channel=bool(row.only_channel),
        name=row.name,
        models=list(row.models),
        target_votes=row.target_votes,
        category=row.category,
        created_by=row.created_by,
        started_at=row.started_at,
        ends_at=row.ends_at,
        status=row.status,
        ended_at=row.ended_at,
    )


def start(conn: Connection, values: dict[str, Any]) -> TournamentRecord:
    """Insert a running tournament; TournamentRunning if its scope has one (in any process)."""
    values = {**values, "running_scope": values["scope_key"], "status": RUNNING, "ended_at": None}
    try:
        with conn.begin_nested():
            new_id = conn.execute(tournaments.insert().values(**values)).inserted_primary_key[0]  # type: ignore[index]
    except IntegrityError as exc:
        raise TournamentRunning(values["scope_key"]) from exc
    return _record(conn.execute(select(tournaments).where(tournaments.c.id == new_id)).one())


def running(conn: Connection, scope_key: str) -> TournamentRecord | None:
    row = conn.execute(select(tournaments).where(tournaments.c.running_scope == scope_key)).first()
    return _record(row) if row else None


def all_running(conn: Connection, platform: str) -> list[TournamentRecord]:
    stmt = select(tournaments).where(tournaments.c.status == RUNNING, tournaments.c.platform == platform)
    return [_record(r) for r in conn.execute(stmt.order_by(tournaments.c.id))]


def latest(conn: Connection, scope_key: str) -> TournamentRecord | None:
    stmt = select(tournaments).where(tournaments.c.scope_key == scope_key).order_by(tournaments.c.id.desc()).limit(1)
    row = conn.execute(stmt).first()
    return _record(row) if row else None


def end(conn: Connection, tournament_id: int, status: str, now: datetime, note: str) -> bool:
    """End a running tournament; True for exactly one caller across processes."""
    stmt = (
        update(tournaments)
        .where(tournaments.c.id == tournament_id, tournaments.c.status == RUNNING)
        .values(status=status, running_scope=None, ended_at=now, end_note=note)
    )
    return conn.execute(stmt).rowcount == 1


def enter(conn: Connection, tournament_id: int, battle_id: int) -> None:
    conn.execute(entries.insert().values(tournament_id=tournament_id, battle_id=battle_id))


def revealed_votes(conn: Connection, tournament_id: int) -> list[tuple[int, str, str, str, list[str], str]]:
    """(battle id, voter, model_a, model_b, categories, outcome) of every counted vote of the
    tournament's revealed battles: its standings count nothing an open battle holds."""
    stmt = (
        select(battles.c.id, votes.c.voter_ref, battles.c.model_a, battles.c.model_b, battles.c.categories, votes.c.outcome)
        .select_from(entries.join(battles, battles.c.id == entries.c.battle_id).join(votes, votes.c.battle_id == battles.c.id))
        .where(entries.c.tournament_id == tournament_id, battles.c.status == BattleStatus.CLOSED.value, votes.c.counted)
        .order_by(battles.c.id, votes.c.voter_ref)
    )
    return [(r[0], r[1], r[2], r[3], list(r[4] or []), r[5]) for r in conn.execute(stmt)]


def revealed_vote_count(conn: Connection, tournament_id: int) -> int:
    stmt = (
        select(func.coalesce(func.sum(battles.c.counted_votes), 0))
        .select_from(entries.join(battles, battles.c.id == entries.c.battle_id))
        .where(entries.c.tournament_id == tournament_id, battles.c.status == BattleStatus.CLOSED.value)
    )
    return int(conn.execute(stmt).scalar_one())
