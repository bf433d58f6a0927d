"""Remembering recent Events API event ids, so a redelivered event has one effect in this process.

Slack redelivers an event (same `event_id`, header `X-Slack-Retry-Num`) when it missed our ack.
Votes are also deduplicated by the core in the database, which covers several HTTP-mode
processes behind one load balancer; this cache spares every process the repeated work.
"""

from __future__ import annotations

import time
from collections import OrderedDict


class RecentEvents:
    def __init__(self, ttl_seconds: float = 3600.0, max_size: int = 50_000):
        self._ttl = ttl_seconds
        self._max = max_size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        """True the first time `event_id` is seen within the TTL, False for a redelivery."""
        now = time.monotonic()
        while self._seen and (next(iter(self._seen.values())) < now or len(self._seen) >= self._max):
            self._seen.popitem(last=False)
        if event_id in self._seen:
            return False
        self._seen[event_id] = now + self._ttl
        return True
