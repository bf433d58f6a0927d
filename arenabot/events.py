"""What happened in the arena, told to whoever subscribed (metrics, the shutdown notices).

The features report outcomes here explicitly instead of operators wrapping the store or the hub:
a battle started or voided, a leak flagged, a vote recorded, a completion finished or failed, a
leaderboard computed. A listener overrides only the hooks it needs; a failing listener is logged
and never breaks the battle that reported.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class ArenaListener:
    """Every hook does nothing by default."""

    def battle_started(self, battle_id: int) -> None: ...

    def battle_voided(self, battle_id: int, reason: str) -> None: ...

    def identity_leaked(self, battle_id: int) -> None: ...

    def vote_recorded(self, battle_id: int, status: str) -> None: ...

    def completion_finished(self, model: str, latency_s: float, first_token_s: float | None) -> None: ...

    def completion_failed(self, model: str, kind: str) -> None: ...

    def leaderboard_computed(self, seconds: float) -> None: ...

    def content_checked(self, where: str, result: str) -> None:
        """A prompt or reply checked by content moderation: flagged, passed, or unchecked (the
        endpoint failed and the battle went on)."""


class ArenaEvents(ArenaListener):
    """Fans each event out to the subscribed listeners."""

    def __init__(self) -> None:
        self._listeners: list[ArenaListener] = []

    def subscribe(self, listener: ArenaListener) -> None:
        self._listeners.append(listener)

    def _tell(self, hook: str, *args: object) -> None:
        for listener in self._listeners:
            try:
                getattr(listener, hook)(*args)
            except Exception:
                log.exception("event listener %r failed on %s", listener, hook)

    def battle_started(self, battle_id: int) -> None:
        self._tell("battle_started", battle_id)

    def battle_voided(self, battle_id: int, reason: str) -> None:
        self._tell("battle_voided", battle_id, reason)

    def identity_leaked(self, battle_id: int) -> None:
        self._tell("identity_leaked", battle_id)

    def vote_recorded(self, battle_id: int, status: str) -> None:
        self._tell("vote_recorded", battle_id, status)

    def completion_finished(self, model: str, latency_s: float, first_token_s: float | None) -> None:
        self._tell("completion_finished", model, latency_s, first_token_s)

    def completion_failed(self, model: str, kind: str) -> None:
        self._tell("completion_failed", model, kind)

    def leaderboard_computed(self, seconds: float) -> None:
        self._tell("leaderboard_computed", seconds)

    def content_checked(self, where: str, result: str) -> None:
        self._tell("content_checked", where, result)
