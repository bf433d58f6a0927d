"""Cool-down for a model that keeps failing: out of sampling for a while, then back by itself.

After `failure_threshold` failures in a row a model cools down for `cooldown_s`. When that ends
it is sampled again on probation: one more failure sends it straight back, for twice as long
(up to `max_cooldown_s`); one success clears its record.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Record:
    failures: int = 0
    cooldowns: int = 0
    until: float = 0.0
    last_error: str = ""


class ModelHealth:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        failure_threshold: int = 3,
        cooldown_s: float = 60.0,
        max_cooldown_s: float = 900.0,
    ) -> None:
        self._clock = clock
        self._threshold = failure_threshold
        self._cooldown_s = cooldown_s
        self._max_cooldown_s = max_cooldown_s
        self._records: dict[str, _Record] = {}

    def success(self, model: str) -> None:
        self._records.pop(model, None)

    def failure(self, model: str, kind: str) -> None:
        record = self._records.setdefault(model, _Record())
        record.failures += 1
        record.last_error = kind
        on_probation = record.cooldowns > 0 and record.until <= self._clock()
        if record.failures >= self._threshold or on_probation:
            length = min(self._cooldown_s * 2**record.cooldowns, self._max_cooldown_s)
            record.cooldowns += 1
            record.until = self._clock() + length

    def available(self, model: str) -> bool:
        record = self._records.get(model)
        return record is None or record.until <= self._clock()

    def describe(self, model: str) -> str | None:
        """None while the model is sampled normally; else why and for how long it is out."""
        record = self._records.get(model)
        if record is None:
            return None
        left = record.until - self._clock()
        if left > 0:
            return f"cooling down for {_duration(left)} after {record.failures} failures in a row (last: {record.last_error})"
        if record.cooldowns:
            return f"back on probation after a cool-down (last failure: {record.last_error})"
        return None


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.999)
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"
