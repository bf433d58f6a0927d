"""Periodic work the features declare; the process supervisor runs it (arenabot/ops/scheduler.py).

A job names its lease: across every process sharing the database it runs at most once per
`interval_seconds` (whoever claims the lease runs it, the others skip that interval).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    lease: str  # e.g. "sweep:discord"
    interval_seconds: float
    run: Callable[[], Awaitable[object]]
