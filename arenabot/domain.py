"""Plain values shared by every layer: outcomes, scopes, the people who act, chat messages."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Outcome(str, enum.Enum):
    """A voter's verdict on a battle."""

    A = "a"  # Model A is better
    B = "b"  # Model B is better
    TIE = "tie"
    BOTH_BAD = "both_bad"

    @property
    def clean_battle_winner(self) -> str:
        """The Chatbot Arena `clean_battle` spelling of this outcome."""
        return {
            Outcome.A: "model_a",
            Outcome.B: "model_b",
            Outcome.TIE: "tie",
            Outcome.BOTH_BAD: "tie (bothbad)",
        }[self]

    @classmethod
    def from_clean_battle(cls, winner: str) -> Outcome:
        """Chatbot Arena's spellings, and `both_bad` as some newer logs write it."""
        for outcome in cls:
            if outcome.clean_battle_winner == winner or (outcome is Outcome.BOTH_BAD and winner == outcome.value):
                return outcome
        raise ValueError(f"unknown winner {winner!r}: expected model_a, model_b, tie, 'tie (bothbad)' or both_bad")


class Side(str, enum.Enum):
    A = "a"
    B = "b"


class BattleStatus(str, enum.Enum):
    OPEN = "open"  # blind: votes count
    CLOSED = "closed"  # names revealed: later votes are stored as not blind and never count
    VOID = "void"  # a side failed or a moderator voided it: its votes never count


@dataclass(frozen=True)
class Scope:
    """Where a battle lives: a platform plus its server (Discord guild) or workspace (Slack team)."""

    platform: str
    space: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.space}"

    @classmethod
    def parse(cls, key: str) -> Scope:
        platform, _, space = key.partition(":")
        return cls(platform, space)


@dataclass(frozen=True)
class Actor:
    """A person (or bot) acting on the platform, as the adapter saw them.

    `is_moderator` is decided by the adapter from platform roles and permissions (Discord Manage
    Server or a configured role, Slack workspace admin or a configured list); the core only reads it.
    """

    user_ref: str
    display_name: str = ""
    is_bot: bool = False
    is_moderator: bool = False
    # Facts for voter-quality rules, when the platform knows them (None: unknown). Discord: the
    # account's creation (from the user id) and when the member joined the server.
    account_created_at: datetime | None = None
    joined_at: datetime | None = None


@dataclass(frozen=True)
class Message:
    """One chat turn as a model sees it."""

    role: str  # "system" | "user" | "assistant"
    content: str
