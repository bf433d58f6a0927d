"""Leases: a named row that one process holds until `expires_at`, so periodic work (the sweeper)
runs once per interval across every process sharing the database.

A claim is one atomic UPDATE ... WHERE expires_at <= now (or an INSERT for a lease never taken),
which behaves the same on SQLite (writes serialise under BEGIN IMMEDIATE) and PostgreSQL (the
second concurrent UPDATE re-checks the WHERE against the first one's new expiry and matches nothing).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, Table, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from .schema import REF, Base, UTCDateTime
from .sql import insert


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(REF))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


leases: Table = Lease.__table__  # type: ignore[assignment]


def claim(conn: Connection, name: str, holder: str, now: datetime, seconds: float) -> bool:
    """Take the lease `name` for `seconds` if nobody holds it now; True for exactly one claimant."""
    until = now + timedelta(seconds=seconds)
    taken = conn.execute(
        update(leases).where(leases.c.name == name, leases.c.expires_at <= now).values(holder=holder, expires_at=until)
    )
    if taken.rowcount == 1:
        return True
    first = (
        insert(conn, leases).values(name=name, holder=holder, expires_at=until).on_conflict_do_nothing(index_elements=["name"])
    )
    return conn.execute(first).rowcount == 1


def release(conn: Connection, name: str, holder: str, now: datetime) -> None:
    """Give the lease back early (on shutdown), if still ours, so another process can take over."""
    conn.execute(update(leases).where(leases.c.name == name, leases.c.holder == holder).values(expires_at=now))
