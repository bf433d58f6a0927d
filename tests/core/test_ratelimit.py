"""The shared rate limiter and the paced editor, on a clock the test moves by hand."""

from __future__ import annotations

import asyncio

import pytest

from arenabot.editpacing import PacedEditor
from arenabot.ratelimit import Limit, Quota, RateLimiter
from tests.support.faketime import FakeTime
from tests.support.waiting import until

ONE_PER_S = Limit(1, 1.0)


def limiter_on(time: FakeTime) -> RateLimiter:
    return RateLimiter(clock=time.clock, sleep=time.sleep)


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_window_holds_its_calls_until_period_after_each_call_ended():
    time = FakeTime()
    limiter = limiter_on(time)
    quota = [Quota("chat.update", Limit(2, 1.0))]
    first, second = await limiter.acquire(quota), await limiter.acquire(quota)
    third = asyncio.create_task(limiter.acquire(quota))
    await settle()
    assert not third.done()  # two in flight fill the window
    time.advance(0.5)
    limiter.release(first)  # ended at 100.5: its slot frees at 101.5, not 101.0
    await settle()
    time.advance(0.9)
    await settle()
    assert not third.done()
    time.advance(0.1)
    assert await asyncio.wait_for(third, 1) is not None
    limiter.release(second)
    limiter.release(third.result())


async def test_a_waiter_on_a_busy_channel_does_not_hold_up_another_channel():
    time = FakeTime()
    limiter = limiter_on(time)
    shared = Quota("global", Limit(10, 1.0))
    busy = [shared, Quota("messages:1", ONE_PER_S)]
    limiter.release(await limiter.acquire(busy))
    blocked = asyncio.create_task(limiter.acquire(busy))
    other = asyncio.create_task(limiter.acquire([shared, Quota("messages:2", ONE_PER_S)]))
    await settle()
    assert other.done() and not blocked.done()
    time.advance(1.0)
    await asyncio.wait_for(blocked, 1)


async def test_urgent_waiters_go_first_and_a_cancelled_waiter_gives_its_turn_away():
    time = FakeTime()
    limiter = limiter_on(time)
    quota = [Quota("chat.update", ONE_PER_S)]
    limiter.release(await limiter.acquire(quota))
    order: list[str] = []

    async def take(name: str, urgent: bool = False) -> None:
        limiter.release(await limiter.acquire(quota, urgent=urgent))
        order.append(name)

    preview = asyncio.create_task(take("preview"))
    dropped = asyncio.create_task(take("dropped"))
    await settle()
    final = asyncio.create_task(take("final", urgent=True))
    await settle()
    dropped.cancel()
    for _ in range(3):
        time.advance(1.0)
        await settle()
    assert order == ["final", "preview"]
    assert final.done() and preview.done() and dropped.cancelled()
    assert limiter.waiting == 0


async def test_a_prepaid_slot_covers_exactly_the_next_matching_call():
    time = FakeTime()
    limiter = limiter_on(time)
    quota = [Quota("chat.update", Limit(1, 1.0))]
    async with limiter.slot(quota, prepay=True):
        assert await limiter.acquire(quota) is None  # the transport's own check: already paid
        second = asyncio.create_task(limiter.acquire(quota))  # a second call in the block is not
        await settle()
        assert not second.done()
    await settle()
    time.advance(1.0)
    await asyncio.wait_for(second, 1)


def test_limits_must_make_sense():
    with pytest.raises(ValueError):
        Limit(0, 1.0)
    assert Limit(50, 60.0).faster(10) == Limit(50, 6.0)


async def test_the_editor_shows_only_the_newest_text_and_the_final_one_always():
    time = FakeTime()
    limiter = limiter_on(time)
    shown: list[tuple[str, float]] = []

    async def apply(text: str) -> None:
        shown.append((text, time.now))

    editor = PacedEditor(limiter, [Quota("edits", ONE_PER_S)], apply, min_interval=0.5, clock=time.clock, sleep=time.sleep)
    for i in range(50):
        editor.submit(f"text {i}")
    await until(lambda: shown, what="the first edit")
    assert shown == [("text 49", 100.0)]  # fifty updates before the first turn: one edit, the latest
    editor.submit("text 50")
    editor.submit("text 51")
    time.advance(1.0)
    await until(lambda: len(shown) > 1, what="the second edit")
    assert shown[1] == ("text 51", 101.0)
    editor.submit("text 52")  # waits for its turn at 102 ...
    await settle()
    finishing = asyncio.create_task(editor.finish("the whole reply"))
    await settle()
    time.advance(1.0)
    await asyncio.wait_for(finishing, 1)
    editor.submit("after the end")
    await settle()
    assert [text for text, _ in shown] == ["text 49", "text 51", "the whole reply"]  # ... and is dropped


async def test_replies_sharing_one_budget_take_turns_and_finals_jump_the_queue():
    time = FakeTime()
    limiter = limiter_on(time)
    budget = [Quota("chat.update", ONE_PER_S)]
    shown: list[str] = []

    def editor(name: str) -> PacedEditor:
        async def apply(text: str) -> None:
            shown.append(f"{name}:{text}")

        return PacedEditor(limiter, budget, apply, min_interval=0, clock=time.clock, sleep=time.sleep)

    a, b, c = editor("a"), editor("b"), editor("c")
    for step in range(1, 4):
        for name, e in (("a", a), ("b", b), ("c", c)):
            e.submit(f"{name}{step}")
        await settle()
    # a got the free slot at once; b and c queued in order and show their newest text when served.
    assert shown == ["a:a1"]
    time.advance(1.0)
    await settle()
    assert shown[-1] == "b:b3"
    done = asyncio.create_task(a.finish("A!"))
    await settle()
    time.advance(1.0)
    await settle()
    assert shown[-1] == "a:A!" and done.done()  # the final went before c's waiting preview
    time.advance(1.0)
    await settle()
    assert shown == ["a:a1", "b:b3", "a:A!", "c:c3"]
