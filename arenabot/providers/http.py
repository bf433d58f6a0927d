"""The one aiohttp session every backend shares, and a concurrency limit per API endpoint."""

from __future__ import annotations

import asyncio

import aiohttp


class HttpClient:
    """Created outside the event loop; the session itself is made on first use, inside it."""

    def __init__(self, user_agent: str = "arenabot") -> None:
        self._user_agent = user_agent
        self._session: aiohttp.ClientSession | None = None
        self._slots: dict[tuple[str, str], asyncio.Semaphore] = {}

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # Concurrency is bounded per endpoint by `slot`, so the pool itself is unlimited.
            connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self._user_agent},
                timeout=aiohttp.ClientTimeout(total=None),  # each call sets its own deadlines
            )
        return self._session

    def slot(self, endpoint: tuple[str, str], limit: int) -> asyncio.Semaphore:
        """The semaphore for one endpoint; its size is fixed by the first caller."""
        semaphore = self._slots.get(endpoint)
        if semaphore is None:
            semaphore = self._slots[endpoint] = asyncio.Semaphore(limit)
        return semaphore

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
