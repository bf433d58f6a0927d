"""Metrics observed at the core's boundaries, without touching the core's code.

`ObservedStore` and `ObservedHub` stand in front of the real store and provider hub: every call
goes through unchanged, and the few that matter to operators (a battle created or voided, a vote
recorded, a completion finished or failed) also update `Metrics`. Observing at the store catches
every path to an outcome (a failed side, a moderator, a shutdown) in one place.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from arenabot.ops.metrics import Metrics, void_cause
from arenabot.providers import ProviderError

VoidListener = Callable[[int, str], None]


class _Proxy:
    def __init__(self, inner: Any):
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class ObservedStore(_Proxy):
    def __init__(self, store: Any, metrics: Metrics):
        super().__init__(store)
        self._metrics = metrics
        self._void_listeners: list[VoidListener] = []

    def on_void(self, listener: VoidListener) -> None:
        """Call `listener(battle_id, reason)` whenever a battle becomes void."""
        self._void_listeners.append(listener)

    async def create_battle(self, new: Any) -> Any:
        record = await self._inner.create_battle(new)
        self._metrics.battles_started.inc()
        return record

    async def void_battle(self, battle_id: int, reason: str) -> bool:
        changed = await self._inner.void_battle(battle_id, reason)
        if changed:
            self._metrics.battles_void.labels(void_cause(reason)).inc()
            for listener in self._void_listeners:
                listener(battle_id, reason)
        return changed

    async def flag_identity_leak(self, battle_id: int) -> bool:
        flagged = await self._inner.flag_identity_leak(battle_id)
        if flagged:
            self._metrics.battles_leaked.inc()
        return flagged

    async def record_vote(self, *args: Any, **kwargs: Any) -> Any:
        result = await self._inner.record_vote(*args, **kwargs)
        self._metrics.votes.labels(result.status).inc()
        return result


class ObservedHub(_Proxy):
    def __init__(self, hub: Any, metrics: Metrics):
        super().__init__(hub)
        self._metrics = metrics

    async def complete(self, model: Any, messages: Sequence[Any], on_delta: Any = None) -> Any:
        try:
            completion = await self._inner.complete(model, messages, on_delta)
        except ProviderError as error:
            self._metrics.provider_errors.labels(model.name, error.kind).inc()
            raise
        except Exception:
            self._metrics.provider_errors.labels(model.name, "unexpected").inc()
            raise
        self._metrics.provider_latency.labels(model.name).observe(completion.latency_s)
        if completion.first_token_s is not None:
            self._metrics.first_token.labels(model.name).observe(completion.first_token_s)
        return completion


class TimedLeaderboards(_Proxy):
    def __init__(self, cache: Any, metrics: Metrics):
        super().__init__(cache)
        self._metrics = metrics

    def board(self, counts: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._inner.board(counts, **kwargs)
        finally:
            self._metrics.leaderboard_seconds.observe(time.perf_counter() - started)


def instrument(service: Any, metrics: Metrics) -> ObservedStore:
    """Put the observers in front of the service's store, hub and leaderboard cache."""
    store = ObservedStore(service.store, metrics)
    service.store = store
    service.hub = ObservedHub(service.hub, metrics)
    service.leaderboards = TimedLeaderboards(service.leaderboards, metrics)
    return store
