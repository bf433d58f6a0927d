"""Metrics from the arena's events (arenabot/events.py): the supervisor subscribes a
`MetricsListener`, so nothing wraps the store, the hub or the leaderboard cache."""

from __future__ import annotations

from arenabot.events import ArenaListener
from arenabot.ops.metrics import Metrics, void_cause


class MetricsListener(ArenaListener):
    def __init__(self, metrics: Metrics):
        self._metrics = metrics

    def battle_started(self, battle_id: int) -> None:
        self._metrics.battles_started.inc()

    def battle_voided(self, battle_id: int, reason: str) -> None:
        self._metrics.battles_void.labels(void_cause(reason)).inc()

    def identity_leaked(self, battle_id: int) -> None:
        self._metrics.battles_leaked.inc()

    def vote_recorded(self, battle_id: int, status: str) -> None:
        self._metrics.votes.labels(status).inc()

    def completion_finished(self, model: str, latency_s: float, first_token_s: float | None) -> None:
        self._metrics.provider_latency.labels(model).observe(latency_s)
        if first_token_s is not None:
            self._metrics.first_token.labels(model).observe(first_token_s)

    def completion_failed(self, model: str, kind: str) -> None:
        self._metrics.provider_errors.labels(model, kind).inc()

    def leaderboard_computed(self, seconds: float) -> None:
        self._metrics.leaderboard_seconds.observe(seconds)

    def content_checked(self, where: str, result: str) -> None:
        self._metrics.content_checks.labels(where, result).inc()
