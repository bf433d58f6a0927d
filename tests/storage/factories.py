"""Small builders for storage tests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from arenabot.storage import BattleRecord, NewBattle, Store

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def new_battle(
    model_a: str = "alpha",
    model_b: str = "beta",
    *,
    scope_key: str = "discord:guild1",
    creator_ref: str = "creator",
    categories: list[str] | None = None,
    created_at: datetime = T0,
    window: timedelta = timedelta(hours=6),
) -> NewBattle:
    return NewBattle(
        scope_key=scope_key,
        platform=scope_key.partition(":")[0],
        channel_ref="chan",
        creator_ref=creator_ref,
        model_a=model_a,
        model_b=model_b,
        categories=list(categories or []),
        language="en",
        prompt="Write a haiku about rain",
        created_at=created_at,
        closes_at=created_at + window,
    )


async def battle(store: Store, *args: object, **kwargs: object) -> BattleRecord:
    return await store.create_battle(new_battle(*args, **kwargs))  # type: ignore[arg-type]
