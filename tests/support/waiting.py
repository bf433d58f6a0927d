"""Waiting on a condition instead of sleeping for a guessed time: the wait ends as soon as the
condition holds, and only a generous timeout (a hung test, not a slow machine) makes it fail."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

GENEROUS = 30.0  # seconds; far beyond anything a loaded CI machine needs


async def until(condition: Callable[[], Any], *, what: str, timeout: float = GENEROUS) -> Any:
    """Poll `condition()` until it returns something truthy, and return that."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := condition()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.005)
    return value


async def until_async(condition: Callable[[], Awaitable[Any]], *, what: str, timeout: float = GENEROUS) -> Any:
    """`until` for a condition that has to be awaited (a database query, say)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := await condition()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.01)
    return value
