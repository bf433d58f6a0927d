"""A database with published boards, for the CLI and web page tests: imported (revealed)
battles in an overall and a coding board, published twice a week apart."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

from arenabot.app import build_core
from arenabot.config import settings_from_dict
from arenabot.domain import Scope
from tests.support.fake_platform import FakePlatform

SCOPE = Scope("fake", "guild-1")
FIRST = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
SECOND = datetime(2026, 1, 8, 12, 0, tzinfo=timezone.utc)
EVIL = "<b>evil</b>&co"  # a model name that must be escaped everywhere on a page
_judges = itertools.count()


def _records(winner: str, loser: str, n: int, category: str | None = None) -> list[dict]:
    tags = {"category_tag": {category: True}} if category else {}
    return [{"model_a": winner, "model_b": loser, "winner": "model_a", "judge": f"p{next(_judges)}", **tags} for _ in range(n)]


async def publish_two_boards(db_url: str) -> None:
    """alpha leads the first board; beta overtakes it by the second. Coding: gamma vs alpha."""
    clock = [FIRST]
    settings = settings_from_dict({"database": {"url": db_url}})
    async with build_core(settings, clock=lambda: clock[0]) as service:
        platform = FakePlatform()

        async def add(*records: list[dict]) -> None:
            for batch in records:
                await service.store.import_clean_battles(batch, SCOPE.key, clock[0])

        await add(_records("alpha", "beta", 30), _records("beta", "alpha", 2), _records(EVIL, "alpha", 3), _records("alpha", EVIL, 3))
        await add(_records("gamma", "alpha", 12, "coding"), _records("alpha", "gamma", 2, "coding"))
        for category in (None, "coding"):
            assert (await service.publishing.publish_now(SCOPE, platform, "c", category)).ok
        clock[0] = SECOND
        await add(_records("beta", "alpha", 200))
        for category in (None, "coding"):
            assert (await service.publishing.publish_now(SCOPE, platform, "c", category)).ok
