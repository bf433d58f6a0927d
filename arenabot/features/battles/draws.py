"""Draw rules: another feature (a tournament) may narrow which models a new battle is drawn from.

The battles feature asks each rule before sampling; the first that answers decides. A rule knows
nothing about sampling, and battles know nothing about tournaments.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Draw:
    models: frozenset[str]  # only these may be drawn
    board: Any  # the board the active sampler pairs them by (revealed battles only)
    category: str | None  # tagged on every battle drawn under this rule
    note: str  # one line for the battle header
    enter: Callable[[int], Awaitable[None]]  # records a new battle as drawn under this rule


# (scope key, channel ref) -> a Draw, or None when the rule does not apply there.
DrawRule = Callable[[str, str], Awaitable[Draw | None]]
