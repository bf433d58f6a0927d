"""Vote semantics, idempotency and the close claim, on SQLite and PostgreSQL (the `store` fixture)."""
from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest

from arenabot.domain import BattleStatus, Outcome
from arenabot.storage import PairCount, Store

from .factories import T0, battle
from .recount import assert_consistent


async def vote(store: Store, battle_id: int, voter: str, outcome: Outcome | None, event: str | None = None):
    return await store.record_vote(battle_id, voter, outcome, event_id=event, now=T0)


async def test_vote_change_withdraw_and_pair_counts(store: Store) -> None:
    # beta < gamma? no: sides are (gamma, beta), so the pair is stored as (beta, gamma) with A/B swapped.
    b = await battle(store, "gamma", "beta", categories=["coding"])
    first = await vote(store, b.id, "u1", Outcome.A)
    assert (first.status, first.previous, first.battle.counted_votes) == ("counted", None, 1)
    assert await store.pair_counts("discord:guild1", None) == []  # open: nothing on the boards yet

    changed = await vote(store, b.id, "u1", Outcome.B)
    assert (changed.status, changed.previous, changed.battle.counted_votes) == ("changed", Outcome.A, 1)
    assert await store.pair_counts("discord:guild1", "coding") == []

    same = await vote(store, b.id, "u1", Outcome.B)
    assert (same.status, same.previous) == ("unchanged", Outcome.B)

    await vote(store, b.id, "u2", Outcome.TIE)
    await vote(store, b.id, "u3", Outcome.BOTH_BAD)
    withdrawn = await vote(store, b.id, "u1", None)
    assert (withdrawn.status, withdrawn.previous, withdrawn.battle.counted_votes) == ("withdrawn", Outcome.B, 2)
    assert (await vote(store, b.id, "u1", None)).status == "no_vote"
    assert await store.pair_counts(None, None) == []

    again = await vote(store, b.id, "u1", Outcome.A)  # a vote after a withdrawal counts afresh
    assert (again.status, again.battle.counted_votes) == ("counted", 3)
    assert await store.counted_votes(b.id) == 3
    await assert_consistent(store)
    # The reveal moves exactly the battle's counted votes, once.
    assert await store.close_battle(b.id, T0)
    assert await store.pair_counts(None, None) == [PairCount("beta", "gamma", wins_b=1, ties=1, both_bad=1)]
    assert await store.pair_counts("discord:guild1", "coding") == [PairCount("beta", "gamma", wins_b=1, ties=1, both_bad=1)]
    assert not await store.close_battle(b.id, T0)
    assert await store.pair_counts(None, None) == [PairCount("beta", "gamma", wins_b=1, ties=1, both_bad=1)]
    await assert_consistent(store)


async def test_replayed_event_has_exactly_one_effect(store: Store) -> None:
    b = await battle(store)
    assert (await vote(store, b.id, "u1", Outcome.A, "evt-1")).status == "counted"
    replay = await vote(store, b.id, "u1", Outcome.A, "evt-1")
    assert (replay.status, replay.previous, replay.battle.counted_votes) == ("duplicate", Outcome.A, 1)
    # Same event id, different content: still the same event, still no effect.
    assert (await vote(store, b.id, "u1", Outcome.B, "evt-1")).status == "duplicate"
    assert (await vote(store, b.id, "u1", None, "evt-2")).status == "withdrawn"
    assert (await vote(store, b.id, "u1", None, "evt-2")).status == "duplicate"
    assert await store.pair_counts(None, None) == []
    await assert_consistent(store)


async def test_unknown_battle_is_an_error_and_leaves_the_event_unclaimed(store: Store) -> None:
    with pytest.raises(LookupError):
        await vote(store, 9999, "u1", Outcome.A, "evt-x")
    b = await battle(store)
    assert (await vote(store, b.id, "u1", Outcome.A, "evt-x")).status == "counted"


async def test_a_replayed_event_naming_an_unknown_battle_is_still_an_error(store: Store) -> None:
    b = await battle(store)
    await vote(store, b.id, "u1", Outcome.A, "evt-y")
    with pytest.raises(LookupError, match="no battle with id 9999"):
        await vote(store, 9999, "u1", Outcome.A, "evt-y")  # the event id is taken, the battle unknown
    with pytest.raises(LookupError, match="no battle with id 9999"):
        await vote(store, 9999, "u1", Outcome.A, "evt-z")


async def test_removing_a_stale_reaction_leaves_the_changed_vote(store: Store) -> None:
    b = await battle(store)
    await vote(store, b.id, "u1", Outcome.A)
    await vote(store, b.id, "u1", Outcome.B)
    stale = await store.record_vote(b.id, "u1", None, event_id="evt-rm-a", now=T0, only_if=Outcome.A)
    assert (stale.status, stale.previous, stale.battle.id, stale.battle.counted_votes) == ("unchanged", Outcome.B, b.id, 1)
    current = await store.record_vote(b.id, "u1", None, event_id="evt-rm-b", now=T0, only_if=Outcome.B)
    assert (current.status, current.previous, current.battle.counted_votes) == ("withdrawn", Outcome.B, 0)
    await assert_consistent(store)


async def test_votes_after_close_are_late_and_never_count(store: Store) -> None:
    b = await battle(store)
    await vote(store, b.id, "blind", Outcome.A)
    await vote(store, b.id, "withdrew", Outcome.B)
    await vote(store, b.id, "withdrew", None)
    assert await store.close_battle(b.id, T0 + timedelta(minutes=5))
    assert not await store.close_battle(b.id, T0 + timedelta(minutes=6))

    late_change = await vote(store, b.id, "blind", Outcome.B)
    assert (late_change.status, late_change.previous) == ("late", Outcome.A)
    assert (await vote(store, b.id, "blind", None)).status == "late"  # withdrawing after reveal changes nothing
    assert (await vote(store, b.id, "newcomer", Outcome.B)).status == "late"
    newcomer_again = await vote(store, b.id, "newcomer", Outcome.TIE)  # a late vote may change; it never counts
    assert (newcomer_again.status, newcomer_again.previous) == ("late", Outcome.B)
    assert (await vote(store, b.id, "withdrew", Outcome.TIE)).status == "late"

    closed = await store.get_battle(b.id)
    assert closed is not None and closed.status is BattleStatus.CLOSED and closed.closed_at == T0 + timedelta(minutes=5)
    assert closed.counted_votes == 1
    assert await store.pair_counts(None, None) == [PairCount("alpha", "beta", wins_a=1)]
    export = await store.export_clean_battles(None)
    assert [r["winner"] for r in export] == ["model_a"]  # late votes are not blind: not exported
    stats = await store.stats(None)
    assert (stats.votes, stats.counted_votes, stats.voters) == (3, 1, 3)
    await assert_consistent(store)


async def test_void_and_identity_leak_remove_counted_votes(store: Store) -> None:
    leaky = await battle(store, categories=["math"])
    voided = await battle(store, "beta", "delta")
    kept = await battle(store, "alpha", "delta")
    for b in (leaky, voided, kept):
        await vote(store, b.id, "u1", Outcome.A)
        await vote(store, b.id, "u2", Outcome.TIE)
    assert await store.pair_counts(None, None) == []
    assert await store.close_battle(voided.id, T0) and await store.close_battle(kept.id, T0)
    both = [PairCount("alpha", "delta", wins_a=1, ties=1), PairCount("beta", "delta", wins_a=1, ties=1)]
    assert await store.pair_counts(None, None) == both

    assert await store.flag_identity_leak(leaky.id)
    assert not await store.flag_identity_leak(leaky.id)
    assert await store.void_battle(voided.id, "side B timed out")  # revealed: its counts move back exactly
    assert not await store.void_battle(voided.id, "again")
    assert await store.pair_counts(None, None) == [PairCount("alpha", "delta", wins_a=1, ties=1)]
    assert await store.pair_counts("discord:guild1", None) == [PairCount("alpha", "delta", wins_a=1, ties=1)]
    assert await store.pair_counts(None, "math") == []

    # Votes go on being stored, never counted.
    after_leak = await vote(store, leaky.id, "u3", Outcome.B)
    assert (after_leak.status, after_leak.battle.counted_votes) == ("counted", 0)
    void_vote = await vote(store, voided.id, "u3", Outcome.B)
    assert void_vote.status == "void"
    assert (await vote(store, voided.id, "u9", None)).status == "no_vote"
    assert not await store.close_battle(voided.id, T0)
    v = await store.get_battle(voided.id)
    assert v is not None and v.status is BattleStatus.VOID and v.void_reason == "side B timed out"
    stats = await store.stats("discord:guild1")
    assert (stats.battles, stats.void_battles, stats.leaked_battles, stats.counted_votes) == (3, 1, 1, 2)
    await assert_consistent(store)


async def test_added_categories_take_the_counted_votes_along(store: Store) -> None:
    b = await battle(store, categories=["coding"])
    await vote(store, b.id, "u1", Outcome.B)
    await store.add_categories(b.id, ["multi_turn", "coding"])
    assert (await store.get_battle(b.id)).categories == ["coding", "multi_turn"]  # type: ignore[union-attr]
    assert await store.pair_counts(None, "multi_turn") == []  # open: the reveal takes every category along
    assert await store.close_battle(b.id, T0)
    assert await store.pair_counts(None, "multi_turn") == [PairCount("alpha", "beta", wins_b=1)]
    assert await store.pair_counts(None, "coding") == [PairCount("alpha", "beta", wins_b=1)]
    await store.add_categories(b.id, ["math"])  # a revealed battle's votes join a new category at once
    assert await store.pair_counts(None, "math") == [PairCount("alpha", "beta", wins_b=1)]
    await assert_consistent(store)


async def test_scopes_are_separate_and_global_sums_them(store: Store) -> None:
    one = await battle(store, scope_key="discord:g1")
    two = await battle(store, "beta", "alpha", scope_key="slack:T1")
    await vote(store, one.id, "u1", Outcome.A)
    await vote(store, two.id, "u1", Outcome.A)  # beta wins, seen as (alpha, beta): wins_b
    assert await store.close_battle(one.id, T0) and await store.close_battle(two.id, T0)
    assert await store.pair_counts("discord:g1", None) == [PairCount("alpha", "beta", wins_a=1)]
    assert await store.pair_counts("slack:T1", None) == [PairCount("alpha", "beta", wins_b=1)]
    assert await store.pair_counts(None, None) == [PairCount("alpha", "beta", wins_a=1, wins_b=1)]
    assert await store.pair_counts("nowhere", None) == []


class _Model:
    """The contract, executed in plain Python, to compare the store against."""

    def __init__(self) -> None:
        self.status: dict[int, str] = {}
        self.leak: dict[int, bool] = {}
        self.votes: dict[tuple[int, str], tuple[str | None, bool]] = {}
        self.events: set[str] = set()

    def vote(self, b: int, voter: str, outcome: str | None, event: str | None) -> str:
        if event is not None:
            if event in self.events:
                return "duplicate"
            self.events.add(event)
        current = self.votes.get((b, voter))
        previous = current[0] if current else None
        if self.status[b] == "closed":
            if outcome is None or (current and current[1] and previous):
                return "late"
            self.votes[(b, voter)] = (outcome, False)
            return "late"
        if self.status[b] == "void":
            if outcome is None and previous is None:
                return "no_vote"
            self.votes[(b, voter)] = (outcome, False)
            return "void"
        if outcome is None:
            if previous is None:
                return "no_vote"
            self.votes[(b, voter)] = (None, True)
            return "withdrawn"
        if previous == outcome:
            return "unchanged"
        self.votes[(b, voter)] = (outcome, True)
        return "changed" if previous else "counted"

    def counted(self, b: int) -> int:
        if self.status[b] == "void" or self.leak[b]:
            return 0
        return sum(1 for (bb, _), (o, blind) in self.votes.items() if bb == b and o and blind)


async def test_random_operations_match_the_contract_and_a_recount(store: Store) -> None:
    rng = random.Random(20261127)
    models = ["m1", "m2", "m3", "m4"]
    model = _Model()
    ids = []
    for i in range(8):
        a, b = rng.sample(models, 2)
        rec = await battle(store, a, b, scope_key=rng.choice(["discord:g", "slack:T"]), categories=rng.sample(["code", "math", "poem"], rng.randint(0, 2)))
        ids.append(rec.id)
        model.status[rec.id], model.leak[rec.id] = "open", False
    outcomes = [None, *[o.value for o in Outcome]]
    statuses: Counter[str] = Counter()
    for step in range(220):
        b = rng.choice(ids)
        roll = rng.random()
        if roll < 0.03:
            assert await store.close_battle(b, T0) == (model.status[b] == "open")
            model.status[b] = "closed" if model.status[b] == "open" else model.status[b]
        elif roll < 0.05:
            assert await store.void_battle(b, "test") == (model.status[b] != "void")
            model.status[b] = "void"
        elif roll < 0.07:
            assert await store.flag_identity_leak(b) == (not model.leak[b])
            model.leak[b] = True
        else:
            voter, outcome = f"u{rng.randint(1, 5)}", rng.choice(outcomes)
            event = f"e{rng.randint(1, 150)}" if rng.random() < 0.8 else None
            result = await store.record_vote(b, voter, Outcome(outcome) if outcome else None, event_id=event, now=T0)
            expected = model.vote(b, voter, outcome, event)
            assert result.status == expected, f"step {step}: battle {b} voter {voter} {outcome} {event}"
            statuses[expected] += 1
            assert result.battle.counted_votes == model.counted(b)
    assert {"counted", "changed", "withdrawn", "duplicate", "late"} <= set(statuses)
    for b in ids:
        assert await store.counted_votes(b) == model.counted(b)
    await assert_consistent(store)
