"""Persistence: the only package that speaks SQL. Use `await Store.open(url)`."""

from . import leases as _leases  # noqa: F401  (registers the leases table with the ORM metadata)
from .records import (
    BattleRecord,
    DuplicateModel,
    ImportReport,
    ModelRecord,
    ModelSync,
    NewBattle,
    PairCount,
    PatternCount,
    Stats,
    StorageError,
    TurnRecord,
    VoteResult,
    VoteStatus,
)
from .store import Store

__all__ = [
    "BattleRecord",
    "DuplicateModel",
    "ImportReport",
    "ModelRecord",
    "ModelSync",
    "NewBattle",
    "PairCount",
    "PatternCount",
    "Stats",
    "StorageError",
    "Store",
    "TurnRecord",
    "VoteResult",
    "VoteStatus",
]
