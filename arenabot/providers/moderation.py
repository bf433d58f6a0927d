"""A client for any OpenAI-compatible moderation endpoint (`POST <base_url>/moderations`).

Request `{"input": [texts...], "model": ...}`; answer `{"results": [{"flagged": bool,
"categories": {name: bool}, "category_scores": {name: float}}, ...]}`, one result per input.
Every failure (timeout, refused connection, an HTTP error, a body of the wrong shape) is one
`ModerationUnavailable` whose text names the endpoint and what went wrong, never the key.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from arenabot.config import ModerationSettings
from arenabot.providers.http import HttpClient

_BODY_SHOWN = 200  # characters of an unexpected body quoted in the error


@dataclass(frozen=True)
class Verdict:
    flagged: bool
    categories: tuple[str, ...] = ()  # the categories the endpoint flagged, e.g. ("harassment",)


class ModerationUnavailable(Exception):
    """The endpoint gave no usable verdict. `kind` is short, for counters: timeout, unreachable,
    http_<status>, bad_response."""

    def __init__(self, kind: str, text: str):
        self.kind = kind
        super().__init__(text)


def _verdict(result: Any) -> Verdict:
    if not isinstance(result, dict) or not isinstance(result.get("flagged"), bool):
        raise ValueError("a result without a boolean `flagged`")
    categories = result.get("categories") or {}
    if not isinstance(categories, dict):
        raise ValueError("`categories` is not an object")
    return Verdict(result["flagged"], tuple(sorted(str(name) for name, on in categories.items() if on is True)))


def parse_results(body: bytes, expected: int) -> list[Verdict]:
    """The verdicts in a response body; ValueError naming what is wrong with it."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"not JSON: {body[:_BODY_SHOWN].decode('utf-8', 'replace')!r}") from None
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        raise ValueError("no `results` list in the answer")
    if len(results) != expected:
        raise ValueError(f"{len(results)} results for {expected} inputs")
    return [_verdict(r) for r in results]


class ModerationClient:
    def __init__(self, settings: ModerationSettings, api_key: str | None, http: HttpClient | None = None):
        if not settings.base_url:
            raise ValueError("moderation.base_url is not set")
        self.url = settings.base_url + "/moderations"
        self.model = settings.model
        self.timeout_s = settings.timeout_seconds
        self._api_key = api_key
        self._http = http or HttpClient()

    async def check(self, texts: Sequence[str]) -> list[Verdict]:
        """One verdict per text, in order. Raises ModerationUnavailable."""
        body: dict[str, Any] = {"input": list(texts)}
        if self.model:
            body["model"] = self.model
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            async with asyncio.timeout(self.timeout_s):
                async with self._http.session.post(self.url, json=body, headers=headers) as response:
                    raw = await response.read()
                    status = response.status
        except TimeoutError:
            raise ModerationUnavailable("timeout", f"{self.url} gave no verdict within {self.timeout_s:g} s") from None
        except aiohttp.ClientError as exc:
            raise ModerationUnavailable("unreachable", f"{self.url} could not be reached ({type(exc).__name__})") from None
        if status != 200:
            if status in (401, 403):  # the body may quote the key: not repeated
                detail = "the key was refused; check the variable moderation.api_key_env names"
            else:
                detail = raw[:_BODY_SHOWN].decode("utf-8", "replace").replace("\n", " ")
            raise ModerationUnavailable(f"http_{status}", f"{self.url} answered HTTP {status}: {detail}")
        try:
            return parse_results(raw, len(texts))
        except ValueError as exc:
            raise ModerationUnavailable("bad_response", f"{self.url} answered something unreadable: {exc}") from None

    async def close(self) -> None:
        await self._http.close()
