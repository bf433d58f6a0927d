"""Plain, frozen records the store hands out, so callers never touch sessions or ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from arenabot.config import ModelLimits, ModelSettings
from arenabot.domain import BattleStatus, Outcome, Side


class StorageError(Exception):
    """The database cannot be used as it is (schema too new or too old, bad URL)."""


class DuplicateModel(StorageError):
    """A model with that name is already registered."""


@dataclass(frozen=True)
class ModelRecord:
    name: str
    provider: str
    model_id: str
    base_url: str | None = None
    api_key_env: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    system_prompt: str | None = None
    weight: float = 1.0
    enabled: bool = True
    identity_words: list[str] = field(default_factory=list)
    vendor: str | None = None
    limits: dict[str, Any] | None = None  # None: the defaults
    show_reasoning: bool = False
    source: str | None = None  # "file" | "chat" | None (registered before this was kept)
    targets: list[str] = field(default_factory=list)  # preferred opponents when sampling

    def to_settings(self) -> ModelSettings:
        return ModelSettings(
            name=self.name,
            provider=self.provider,
            model_id=self.model_id,
            base_url=self.base_url,
            api_key_env=self.api_key_env,
            params=dict(self.params),
            system_prompt=self.system_prompt,
            weight=self.weight,
            enabled=self.enabled,
            identity_words=list(self.identity_words),
            vendor=self.vendor,
            show_reasoning=self.show_reasoning,
            limits=ModelLimits.model_validate(self.limits or {}),
            targets=list(self.targets),
        )


@dataclass(frozen=True)
class ModelSync:
    """What start-up did to the registry from the config file."""

    added: list[str] = field(default_factory=list)  # names newly registered
    changes: list[str] = field(default_factory=list)  # "name: field old -> new", one per changed field
    in_both: list[str] = field(default_factory=list)  # names a moderator added in chat that the file also defines


@dataclass(frozen=True)
class NewBattle:
    scope_key: str
    platform: str
    channel_ref: str
    creator_ref: str
    model_a: str
    model_b: str
    categories: list[str]
    language: str
    prompt: str
    created_at: datetime
    closes_at: datetime
    anony: bool = True  # False: a named (side-by-side) battle


@dataclass(frozen=True)
class BattleRecord:
    id: int
    scope_key: str
    platform: str
    channel_ref: str
    thread_ref: str | None
    header_ref: str | None
    creator_ref: str
    model_a: str
    model_b: str
    categories: list[str]
    language: str
    prompt: str
    status: BattleStatus
    identity_leak: bool
    void_reason: str | None
    turns: int
    created_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    counted_votes: int
    leaked_at: datetime | None = None  # a thread message named one of its models (votes after it do not count)
    anony: bool = True  # False: a named (side-by-side) battle, counted on the named boards only

    @property
    def is_open(self) -> bool:
        return self.status is BattleStatus.OPEN


@dataclass(frozen=True)
class TurnRecord:
    battle_id: int
    index: int
    side: Side
    prompt: str
    reply: str
    latency_s: float | None = None
    first_token_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    error: str | None = None
    after_vote: bool = False  # chatted on after a vote or the reveal


VoteStatus = Literal["counted", "changed", "withdrawn", "unchanged", "duplicate", "late", "void", "no_vote", "final"]
FinalWhy = Literal["names_seen", "thread_leak"]


@dataclass(frozen=True)
class VoteResult:
    """What `record_vote` did. `battle` is the battle as it is after the vote.

    status "final": the voter's earlier vote stays as it was and this change or withdrawal is
    stored as not blind and not counted; `why` says why, `repeat` that the voter was told before.
    `closed`: this vote reached close_after_votes and closed the battle in its own transaction
    (the caller reveals it)."""

    status: VoteStatus
    battle: BattleRecord
    previous: Outcome | None = None
    closed: bool = False
    why: FinalWhy | None = None
    repeat: bool = False


class PairCount(NamedTuple):
    """Aggregated outcomes of one pair, oriented so that model_a < model_b.

    A NamedTuple rather than a dataclass: a leaderboard reads thousands of them per request, and
    building frozen dataclasses was a measurable part of that."""

    model_a: str
    model_b: str
    wins_a: int = 0
    wins_b: int = 0
    ties: int = 0
    both_bad: int = 0

    @property
    def total(self) -> int:
        return self.wins_a + self.wins_b + self.ties + self.both_bad


class PatternCount(NamedTuple):
    """`battles` revealed battles of one pair (model_a < model_b) whose counted votes were exactly
    wins_a, wins_b, ties and both_bad: the input of intervals clustered by battle."""

    model_a: str
    model_b: str
    wins_a: int
    wins_b: int
    ties: int
    both_bad: int
    battles: int


@dataclass(frozen=True)
class Stats:
    battles: int
    open_battles: int
    void_battles: int
    leaked_battles: int
    votes: int  # current (not withdrawn) votes, blind or not
    counted_votes: int  # votes that count on the leaderboard
    voters: int  # distinct people with a current vote
    models: int  # distinct models that appeared in a battle


@dataclass(frozen=True)
class ImportReport:
    imported: int
    duplicates: int
    bad: list[str]
