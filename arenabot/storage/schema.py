"""ORM tables. The Alembic migrations in migrations/versions reproduce these exactly (a test checks it)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

REF = 255  # platform ids, refs, scope keys


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out; SQLite has no time zones, so store UTC and re-attach it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware UTC datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Model(Base):
    """The model registry. Models defined in the config file follow it (updated at every start);
    models added in chat are the moderators'."""

    __tablename__ = "models"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    model_id: Mapped[str] = mapped_column(String(REF))
    base_url: Mapped[str | None] = mapped_column(Text)
    api_key_env: Mapped[str | None] = mapped_column(String(REF))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    system_prompt: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(Float)
    enabled: Mapped[bool] = mapped_column(Boolean)
    identity_words: Mapped[list[str]] = mapped_column(JSON)
    vendor: Mapped[str | None] = mapped_column(String(100))
    # Timeouts, retries and concurrency (ModelLimits as a dict); NULL = the defaults.
    limits: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    show_reasoning: Mapped[bool | None] = mapped_column(Boolean)  # NULL = hidden
    # "file": defined in arenabot.toml (updated from it at start-up); "chat": added by a
    # moderator; NULL: registered before arenabot kept track.
    source: Mapped[str | None] = mapped_column(String(16))
    targets: Mapped[list[str] | None] = mapped_column(JSON)  # preferred opponents; NULL = none
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Battle(Base):
    __tablename__ = "battles"
    __table_args__ = (
        # Sweeper: open battles whose window has passed.
        Index("ix_battles_status_closes_at", "status", "closes_at"),
        # Rate limit: a creator's recent battles in a scope.
        Index("ix_battles_scope_creator_created", "scope_key", "creator_ref", "created_at"),
        # Follow-ups arrive by thread.
        Index("ix_battles_platform_thread", "platform", "thread_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope_key: Mapped[str] = mapped_column(String(REF))
    platform: Mapped[str] = mapped_column(String(32))
    channel_ref: Mapped[str] = mapped_column(String(REF))
    thread_ref: Mapped[str | None] = mapped_column(String(REF))
    header_ref: Mapped[str | None] = mapped_column(String(REF))
    creator_ref: Mapped[str] = mapped_column(String(REF))
    model_a: Mapped[str] = mapped_column(String(100))
    model_b: Mapped[str] = mapped_column(String(100))
    categories: Mapped[list[str]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(16))
    prompt: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    identity_leak: Mapped[bool] = mapped_column(Boolean)
    void_reason: Mapped[str | None] = mapped_column(Text)
    turn_count: Mapped[int] = mapped_column(Integer)
    counted_votes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a message in the thread (not the creator's prompt) named one of this battle's models:
    # votes cast from then on do not count, earlier ones still do.
    leaked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # False for a named (side-by-side) battle: names shown from the start, its own board.
    anony: Mapped[bool] = mapped_column(Boolean, server_default=sa_true())
    # The Chatbot Arena fields an imported record carried (question_id, category_tag,
    # conv_metadata, dedup_tag, is_code), exported back as they came; NULL for the bot's own battles.
    upstream: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class BattleMessage(Base):
    """Every message of a battle a reaction may land on (header, replies, ballot)."""

    __tablename__ = "battle_messages"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_ref: Mapped[str] = mapped_column(String(REF), primary_key=True)
    battle_id: Mapped[int] = mapped_column(ForeignKey("battles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))


class Turn(Base):
    __tablename__ = "turns"

    battle_id: Mapped[int] = mapped_column(ForeignKey("battles.id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str] = mapped_column(String(1), primary_key=True)
    prompt: Mapped[str] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text)
    latency_s: Mapped[float | None] = mapped_column(Float)
    first_token_s: Mapped[float | None] = mapped_column(Float)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    finish_reason: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Chatted on after a vote or the reveal: kept with the conversation, never judged by a vote.
    after_vote: Mapped[bool] = mapped_column(Boolean, server_default=sa_false())


class Vote(Base):
    """One row per battle and voter; outcome NULL means withdrawn.

    `counted` says whether this vote counts for its battle; pair_counts hold the counted votes of
    revealed (closed) battles only, so the aggregate can always be checked against (and rebuilt
    from) the votes.

    `names_seen_at`: when the voter was told both names privately; from then on the vote is final.
    `unblind_outcome`: what such a voter (or a voter after a thread leak) asked for afterwards,
    kept for the record and never counted ("" = asked to withdraw).
    """

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("battle_id", "voter_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    battle_id: Mapped[int] = mapped_column(ForeignKey("battles.id", ondelete="CASCADE"))
    voter_ref: Mapped[str] = mapped_column(String(REF))
    outcome: Mapped[str | None] = mapped_column(String(16))
    blind: Mapped[bool] = mapped_column(Boolean)
    counted: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    names_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unblind_outcome: Mapped[str | None] = mapped_column(String(16))


class PairCountRow(Base):
    """Aggregated outcomes per scope, category ('' = overall) and pair (model_a < model_b).

    Scope "*" holds the global totals, so every leaderboard is one primary-key range read."""

    __tablename__ = "pair_counts"

    scope_key: Mapped[str] = mapped_column(String(REF), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_a: Mapped[str] = mapped_column(String(100), primary_key=True)
    model_b: Mapped[str] = mapped_column(String(100), primary_key=True)
    wins_a: Mapped[int] = mapped_column(Integer)
    wins_b: Mapped[int] = mapped_column(Integer)
    ties: Mapped[int] = mapped_column(Integer)
    both_bad: Mapped[int] = mapped_column(Integer)


class BoardVersion(Base):
    """One row per board scope (as battle_patterns spells it: "*", "named/...", ...): bumped by
    every transaction that changes that scope's battle patterns, before it touches them. The row
    lock orders the writers, so versions follow commit order, and "has this board changed?" is
    one tiny read, exact across processes."""

    __tablename__ = "board_versions"

    scope_key: Mapped[str] = mapped_column(String(REF), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class BattlePatternRow(Base):
    """How many revealed battles of a pair got exactly these counted votes (model_a < model_b),
    per scope and category like pair_counts; kept in the same transactions. Intervals clustered
    by battle need it: several votes on one battle are not independent (issue 11)."""

    __tablename__ = "battle_patterns"
    # A warm board reads only the rows changed since the version it last saw.
    __table_args__ = (Index("ix_battle_patterns_scope_category_version", "scope_key", "category", "version"),)

    scope_key: Mapped[str] = mapped_column(String(REF), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_a: Mapped[str] = mapped_column(String(100), primary_key=True)
    model_b: Mapped[str] = mapped_column(String(100), primary_key=True)
    wins_a: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    wins_b: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ties: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    both_bad: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    battles: Mapped[int] = mapped_column(Integer)
    # The scope's `BoardVersion` of the transaction that last changed this row.
    version: Mapped[int] = mapped_column(BigInteger, server_default="0")


class FirstSeen(Base):
    """When the bot first saw a user in a scope: membership age where the platform has none (Slack)."""

    __tablename__ = "first_seen"

    scope_key: Mapped[str] = mapped_column(String(REF), primary_key=True)
    user_ref: Mapped[str] = mapped_column(String(REF), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Ban(Base):
    __tablename__ = "bans"

    scope_key: Mapped[str] = mapped_column(String(REF), primary_key=True)
    user_ref: Mapped[str] = mapped_column(String(REF), primary_key=True)
    by_ref: Mapped[str] = mapped_column(String(REF))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ScopeSetting(Base):
    __tablename__ = "scope_settings"

    scope_key: Mapped[str] = mapped_column(String(REF), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessedEvent(Base):
    """Idempotency keys: a platform event id (or an import record's digest) seen once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(REF), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
