"""Persistence: the only package that speaks SQL. Use `await Store.open(url)`."""

from . import leases as _leases  # noqa: F401  (registers the leases table with the ORM metadata)
from . import publications as _publications  # noqa: F401  (registers the publication tables)
from . import tournaments as _tournaments  # noqa: F401  (and the tournaments tables)
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
from .tally import MODES as BOARD_MODES

__all__ = [
    "BOARD_MODES",
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
