"""Counting requests in sliding windows, as a rate limit sees them."""

from __future__ import annotations


def busiest(times: list[float], period: float) -> int:
    """The most of `times` that fall within any `period` seconds."""
    times, most, first = sorted(times), 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= period:
            first += 1
        most = max(most, last - first + 1)
    return most
