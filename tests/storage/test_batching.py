"""`Batcher`: calls that arrive together go as one, and each caller still gets its own result or error."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from arenabot.storage.batching import Batcher


class Recorder:
    """A fake database: `many` fails the whole batch when any call in it is bad (as one
    statement would), `one` fails only the bad call."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.singles: list[int] = []
        self.release = asyncio.Event()

    async def one(self, x: int) -> int:
        self.singles.append(x)
        await self.release.wait()
        if x < 0:
            raise ValueError(f"bad {x}")
        return x * 10

    async def many(self, xs: list[int]) -> list[int]:
        self.batches.append(list(xs))
        await self.release.wait()
        if any(x < 0 for x in xs):
            raise ValueError("the batch failed")
        return [x * 10 for x in xs]


async def test_calls_that_arrive_while_others_are_on_the_wire_go_together() -> None:
    db = Recorder()
    batcher = Batcher(db.one, db.many, max_batch=4, max_in_flight=1)
    calls = [asyncio.ensure_future(batcher.submit(x)) for x in range(10)]
    await asyncio.sleep(0)  # let them all queue: the first sender starts after they are queued
    db.release.set()
    assert await asyncio.gather(*calls) == [x * 10 for x in range(10)]
    assert db.batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and db.singles == []


async def test_a_failed_batch_is_sent_again_call_by_call_and_only_the_bad_call_fails() -> None:
    db = Recorder()
    db.release.set()
    batcher = Batcher(db.one, db.many, max_batch=8, max_in_flight=1)
    results = await asyncio.gather(*(batcher.submit(x) for x in [1, 2, -3, 4]), return_exceptions=True)
    assert results[:2] == [10, 20] and results[3] == 40
    assert isinstance(results[2], ValueError) and str(results[2]) == "bad -3"
    assert db.batches == [[1, 2, -3, 4]] and db.singles == [1, 2, -3, 4]


async def test_a_caller_cancelled_before_its_batch_is_sent_gets_nothing_written() -> None:
    db = Recorder()
    batcher = Batcher(db.one, db.many, max_batch=8, max_in_flight=1)
    first = asyncio.ensure_future(batcher.submit(1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the first is on the wire (waiting for release)
    queued = [asyncio.ensure_future(batcher.submit(x)) for x in (2, 3)]
    await asyncio.sleep(0)
    queued[0].cancel()
    db.release.set()
    assert await first == 10 and await queued[1] == 30
    with pytest.raises(asyncio.CancelledError):
        await queued[0]
    assert 2 not in [x for batch in db.batches for x in batch] + db.singles


# ---- the batched battle paths, on both databases -----------------------------------------------


async def test_battles_created_together_each_get_their_own_id_and_row(store) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from .factories import T0, new_battle

    wanted = [
        dataclasses.replace(new_battle(f"m{k}", f"n{k}", creator_ref=f"c{k % 3}", categories=[f"cat{k}"]), prompt=f"p{k}")
        for k in range(40)
    ]
    made = await asyncio.gather(*(store.create_battle(w) for w in wanted))
    assert len({b.id for b in made}) == 40
    read = await asyncio.gather(*(store.get_battle(b.id) for b in made), store.get_battle(10**6))
    assert read[-1] is None  # an unknown id in the same batch as known ones
    for w, b, r in zip(wanted, made, read, strict=False):
        assert r is not None and r.id == b.id
        assert (r.prompt, r.model_a, r.model_b, r.categories, r.creator_ref) == (
            w.prompt,
            w.model_a,
            w.model_b,
            w.categories,
            w.creator_ref,
        )
    counts = await asyncio.gather(
        *(store.count_recent_battles("discord:guild1", f"c{k}", T0) for k in range(3)),
        store.count_recent_battles("discord:guild1", "c0", T0 + timedelta(seconds=1)),
        store.count_recent_battles("discord:other", "c0", T0),
    )
    assert counts == [14, 13, 13, 0, 0]


async def test_first_seen_together_keeps_each_members_first_time(store) -> None:  # type: ignore[no-untyped-def]
    from .factories import T0

    later = T0 + timedelta(days=3)
    assert await store.first_seen("s", "old", T0) == T0
    seen = await asyncio.gather(
        store.first_seen("s", "old", later),
        store.first_seen("s", "new", later),
        store.first_seen("s", "new", later + timedelta(hours=1)),  # the same member twice in one batch
        store.first_seen("other", "old", later),  # another scope: another member
    )
    assert seen == [T0, later, later, later]
    assert await store.first_seen("s", "new", later + timedelta(days=9)) == later


async def test_a_failed_batch_with_keys_is_sent_again_key_by_key_and_only_a_failing_key_one_by_one() -> None:
    db = Recorder()
    db.release.set()
    batcher = Batcher(db.one, db.many, max_batch=8, max_in_flight=1, key=lambda x: abs(x) // 10)
    results = await asyncio.gather(*(batcher.submit(x) for x in [1, 11, 2, -12]), return_exceptions=True)
    assert results[:3] == [10, 110, 20] and isinstance(results[3], ValueError)
    assert db.batches == [[1, 11, 2, -12], [1, 2], [11, -12]]  # key 0 together again, in order
    assert db.singles == [11, -12]  # key 1 failed again: its calls one by one
