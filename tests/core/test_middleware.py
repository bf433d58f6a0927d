"""The middleware chain around start_battle, follow_up, vote and unvote: a feature adds its
check without touching the core, sees who calls what, and may answer instead of the core."""

from __future__ import annotations

from arenabot.domain import Outcome
from arenabot.events import ArenaListener
from arenabot.middleware import Call, Next
from arenabot.replies import Reply, refuse
from tests.core.conftest import ALICE, BOB, CAROL, SCOPE, battle


class Recorder:
    def __init__(self) -> None:
        self.calls: list[Call] = []

    async def __call__(self, call: Call, next: Next) -> Reply | None:
        self.calls.append(call)
        return await next()


class NoVotesFrom:
    """What a voter-quality check looks like: it refuses some voters' votes before they are stored."""

    def __init__(self, user_ref: str) -> None:
        self.user_ref = user_ref

    async def __call__(self, call: Call, next: Next) -> Reply | None:
        if call.entry == "vote" and call.actor.user_ref == self.user_ref:
            return refuse("Your votes are on hold.")
        return await next()


class Events(ArenaListener):
    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    def battle_started(self, battle_id: int) -> None:
        self.seen.append(("started", battle_id))

    def vote_recorded(self, battle_id: int, status: str) -> None:
        self.seen.append(("vote", status))

    def completion_finished(self, model: str, latency_s: float, first_token_s: float | None) -> None:
        self.seen.append(("completion", model))


async def test_a_middleware_sees_every_entry_point_and_can_refuse(core, platform):
    recorder, events = Recorder(), Events()
    async with core(reveal_to_voter=False, max_turns=3) as service:
        service.middleware.add(recorder)
        service.middleware.add(NoVotesFrom("carol"))
        service.events.subscribe(events)
        _, thread, record = await battle(service, platform)
        assert (await service.follow_up(platform, thread, ALICE, "And then?")).ok
        ballot = platform.ballot(thread)
        refused = await service.vote(platform, ballot, CAROL, Outcome.A, "e1")
        assert not refused.ok and refused.text == "Your votes are on hold."
        assert not await service.store.has_votes(record.id)  # refused before anything was stored
        assert (await service.vote(platform, ballot, BOB, Outcome.B, "e2")).ok
        await service.unvote(platform, ballot, BOB, Outcome.B, "e3")

    assert [c.entry for c in recorder.calls] == ["start_battle", "follow_up", "vote", "vote", "unvote"]
    assert all(c.scope_key == SCOPE.key for c in recorder.calls)
    assert [c.battle_id for c in recorder.calls[1:]] == [record.id] * 4
    assert [c.actor.user_ref for c in recorder.calls] == ["alice", "alice", "carol", "bob", "bob"]
    # The store reported what happened; the refused vote never reached it.
    assert ("started", record.id) in events.seen
    assert [s for kind, s in events.seen if kind == "vote"] == ["counted", "withdrawn"]
    assert sum(kind == "completion" for kind, _ in events.seen) == 4  # two sides, two turns


async def test_a_middleware_added_first_runs_before_bans_and_rate_limits(core, platform):
    order: list[str] = []

    class Named:
        def __init__(self, name: str) -> None:
            self.name = name

        async def __call__(self, call: Call, next: Next) -> Reply | None:
            order.append(self.name)
            return await next()

    async with core() as service:
        service.middleware.add(Named("last"))
        service.middleware.add(Named("first"), first=True)
        assert [type(m).__name__ for m in service.middleware][1:3] == ["BanCheck", "RateLimit"]
        await service.start_battle(platform, SCOPE, "channel-1", ALICE, "Hello")
    assert order == ["first", "last"]
