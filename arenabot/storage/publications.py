"""Published boards: the publication schedules (one row per scope, category and mode) and the
snapshot every publication stores (one row per model), so old boards can be shown again and
ratings followed over time.

A publication is claimed by moving the schedule's `next_due_at` forward with a compare-and-set
UPDATE (... WHERE next_due_at = the value read), in the same transaction as the snapshot it
stores: of several processes that found the schedule due, exactly one publishes. The new due
time is the first one after now, so after downtime a schedule publishes once, not once per
missed interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, Index, Integer, String, Table, delete, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from .schema import REF, Base, UTCDateTime
from .sql import insert


class PublicationRow(Base):
    __tablename__ = "publications"
    __table_args__ = (Index("ix_publications_next_due_at", "next_due_at"),)

    scope_key: Mapped[str] = mapped_column(String(REF), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)  # "" = overall
    mode: Mapped[str] = mapped_column(String(16), primary_key=True)  # anonymous | named
    platform: Mapped[str] = mapped_column(String(32))
    channel_ref: Mapped[str] = mapped_column(String(REF))
    every: Mapped[str] = mapped_column(String(8))  # day | week | month
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))  # "chat" (a moderator) or "file" (arenabot.toml)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BoardSnapshotRow(Base):
    __tablename__ = "board_snapshots"

    scope_key: Mapped[str] = mapped_column(String(REF), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    rating: Mapped[float] = mapped_column(Float)
    ci_lower: Mapped[float] = mapped_column(Float)
    ci_upper: Mapped[float] = mapped_column(Float)
    battles: Mapped[int] = mapped_column(Integer)


publications: Table = PublicationRow.__table__  # type: ignore[assignment]
snapshots: Table = BoardSnapshotRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Schedule:
    scope_key: str
    category: str  # "" = overall
    mode: str
    platform: str
    channel_ref: str
    every: str
    next_due_at: datetime
    last_published_at: datetime | None
    source: str


@dataclass(frozen=True)
class SnapshotRow:
    model: str
    rank: int
    rating: float
    ci_lower: float
    ci_upper: float
    battles: int


@dataclass(frozen=True)
class Snapshot:
    taken_at: datetime
    rows: list[SnapshotRow]  # best first


def _schedule(row: object) -> Schedule:
    return Schedule(**{name: getattr(row, name) for name in Schedule.__dataclass_fields__})


def _key(table: Table, scope_key: str, category: str, mode: str) -> list:
    return [table.c.scope_key == scope_key, table.c.category == category, table.c.mode == mode]


# ----- schedules ------------------------------------------------------------------------------


def upsert_schedule(conn: Connection, schedule: Schedule, now: datetime, keep_due: bool) -> None:
    """Create or replace a schedule. `keep_due`: an unchanged existing schedule keeps its stored
    due time (a restart re-reading arenabot.toml must not publish again)."""
    values = {name: getattr(schedule, name) for name in Schedule.__dataclass_fields__}
    values["updated_at"] = now
    keys = ["scope_key", "category", "mode"]
    changing = {k: v for k, v in values.items() if k not in keys}
    if keep_due:
        changing = {k: v for k, v in changing.items() if k not in ("next_due_at", "last_published_at")}
    conn.execute(insert(conn, publications).values(**values).on_conflict_do_update(index_elements=keys, set_=changing))


def delete_schedules(conn: Connection, scope_key: str, category: str | None = None) -> int:
    where = [publications.c.scope_key == scope_key]
    if category is not None:
        where.append(publications.c.category == category)
    return conn.execute(delete(publications).where(*where)).rowcount


def schedules(conn: Connection, scope_key: str | None = None) -> list[Schedule]:
    stmt = select(publications).order_by(publications.c.scope_key, publications.c.category, publications.c.mode)
    if scope_key is not None:
        stmt = stmt.where(publications.c.scope_key == scope_key)
    return [_schedule(row) for row in conn.execute(stmt)]


def due_schedules(conn: Connection, platform: str, now: datetime) -> list[Schedule]:
    stmt = (
        select(publications)
        .where(publications.c.platform == platform, publications.c.next_due_at <= now)
        .order_by(publications.c.next_due_at)
    )
    return [_schedule(row) for row in conn.execute(stmt)]


def claim(conn: Connection, schedule: Schedule, next_due_at: datetime, now: datetime) -> bool:
    """Move the due time on if nobody else has since: True for exactly one claimant."""
    moved = conn.execute(
        update(publications)
        .where(*_key(publications, schedule.scope_key, schedule.category, schedule.mode))
        .where(publications.c.next_due_at == schedule.next_due_at)
        .values(next_due_at=next_due_at, last_published_at=now, updated_at=now)
    )
    return moved.rowcount == 1


def publish(
    conn: Connection, schedule: Schedule, next_due_at: datetime, now: datetime, rows: Sequence[SnapshotRow]
) -> tuple[bool, Snapshot | None]:
    """Claim the publication and store its snapshot in one transaction. Returns (won, the
    previous snapshot, for rank movement)."""
    if not claim(conn, schedule, next_due_at, now):
        return False, None
    previous = snapshot_at(conn, schedule.scope_key, schedule.category, schedule.mode, now, before=True)
    add_snapshot(conn, schedule.scope_key, schedule.category, schedule.mode, now, rows)
    return True, previous


def publish_unscheduled(
    conn: Connection, scope_key: str, category: str, mode: str, now: datetime, rows: Sequence[SnapshotRow]
) -> Snapshot | None:
    """`publish now`: store the snapshot without touching any schedule; returns the previous one."""
    previous = snapshot_at(conn, scope_key, category, mode, now, before=True)
    add_snapshot(conn, scope_key, category, mode, now, rows)
    return previous


# ----- snapshots ------------------------------------------------------------------------------


def add_snapshot(
    conn: Connection, scope_key: str, category: str, mode: str, taken_at: datetime, rows: Sequence[SnapshotRow]
) -> None:
    if rows:  # a second publication in the same instant (`publish now` twice) adds nothing
        conn.execute(
            insert(conn, snapshots).on_conflict_do_nothing(),
            [{"scope_key": scope_key, "category": category, "mode": mode, "taken_at": taken_at, **row.__dict__} for row in rows],
        )


def snapshot_at(
    conn: Connection, scope_key: str, category: str, mode: str, at: datetime, before: bool = False
) -> Snapshot | None:
    """The latest snapshot taken at or before `at` (strictly before with `before`)."""
    when = snapshots.c.taken_at < at if before else snapshots.c.taken_at <= at
    taken = conn.execute(select(func.max(snapshots.c.taken_at)).where(*_key(snapshots, scope_key, category, mode), when)).scalar()
    if taken is None:
        return None
    rows = conn.execute(
        select(
            snapshots.c.model,
            snapshots.c.rank,
            snapshots.c.rating,
            snapshots.c.ci_lower,
            snapshots.c.ci_upper,
            snapshots.c.battles,
        )
        .where(*_key(snapshots, scope_key, category, mode), snapshots.c.taken_at == taken)
        .order_by(snapshots.c.rating.desc(), snapshots.c.model)
    )
    return Snapshot(taken_at=taken, rows=[SnapshotRow(*row) for row in rows])


def history(conn: Connection, scope_key: str, category: str, mode: str, model: str) -> list[tuple[datetime, SnapshotRow]]:
    """One model's row in every snapshot, oldest first."""
    stmt = (
        select(
            snapshots.c.taken_at,
            snapshots.c.model,
            snapshots.c.rank,
            snapshots.c.rating,
            snapshots.c.ci_lower,
            snapshots.c.ci_upper,
            snapshots.c.battles,
        )
        .where(*_key(snapshots, scope_key, category, mode), snapshots.c.model == model)
        .order_by(snapshots.c.taken_at)
    )
    return [(row[0], SnapshotRow(*row[1:])) for row in conn.execute(stmt)]


def snapshot_scopes(conn: Connection) -> list[str]:
    return [row[0] for row in conn.execute(select(snapshots.c.scope_key).distinct().order_by(snapshots.c.scope_key))]


def snapshot_keys(conn: Connection, scope_key: str) -> list[tuple[str, str]]:
    """(category, mode) pairs that have snapshots in this scope."""
    stmt = (
        select(snapshots.c.category, snapshots.c.mode)
        .where(snapshots.c.scope_key == scope_key)
        .distinct()
        .order_by(snapshots.c.mode, snapshots.c.category)
    )
    return [(row[0], row[1]) for row in conn.execute(stmt)]


def snapshot_times(conn: Connection, scope_key: str, category: str, mode: str) -> list[datetime]:
    stmt = (
        select(snapshots.c.taken_at).where(*_key(snapshots, scope_key, category, mode)).distinct().order_by(snapshots.c.taken_at)
    )
    return [row[0] for row in conn.execute(stmt)]
