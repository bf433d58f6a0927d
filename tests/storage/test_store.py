"""Registry, battles, turns, lookups, the sweeper's query, bans, settings and stats (both databases)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from arenabot.config import ModelSettings
from arenabot.domain import BattleStatus, Outcome, Side
from arenabot.storage import DuplicateModel, Stats, Store, TurnRecord

from .factories import T0, battle


def _model(name: str, **kw: object) -> ModelSettings:
    return ModelSettings(name=name, provider="demo", **kw)  # type: ignore[arg-type]


async def test_models_sync_follows_the_file(store: Store) -> None:
    await store.sync_models([_model("owl", weight=2.0, identity_words=["hoot"], params={"temperature": 0.3}), _model("fox")])
    assert await store.update_model("owl", enabled=False, weight=0.5)
    assert not await store.update_model("nobody", enabled=False)
    # Config is re-read at start-up: new models appear, and the file's models take its values
    # (tests/core/test_models_from_the_file.py covers the report and chat-added models).
    await store.sync_models([_model("owl", weight=9.0), _model("fox"), _model("lark", vendor="Birdcorp")])
    by_name = {m.name: m for m in await store.list_models()}
    assert list(by_name) == ["fox", "lark", "owl"]
    owl = by_name["owl"]
    assert (owl.enabled, owl.weight, owl.identity_words, owl.params) == (True, 9.0, [], {})
    assert owl.to_settings() == _model("owl", weight=9.0)
    assert by_name["lark"].vendor == "Birdcorp"
    with pytest.raises(DuplicateModel, match="'fox' already exists"):
        await store.add_model(_model("fox"))
    await store.add_model(_model("heron", model_id="heron-2"))
    assert [m.model_id for m in await store.list_models() if m.name == "heron"] == ["heron-2"]
    with pytest.raises(ValueError, match="negative"):
        await store.update_model("fox", weight=-1)


async def test_battle_lifecycle_refs_and_turns(store: Store) -> None:
    created = await battle(store, categories=["coding", "coding", "math"])
    assert (created.status, created.turns, created.categories, created.counted_votes) == (BattleStatus.OPEN, 0, ["coding", "math"], 0)
    assert created.created_at == T0 and created.closes_at == T0 + timedelta(hours=6) and created.closed_at is None
    assert await store.get_battle(created.id) == created

    await store.set_battle_refs(created.id, "thread-1", "msg-header")
    for ref, kind in [("msg-header", "header"), ("msg-a", "a"), ("msg-b", "b"), ("msg-ballot", "ballot")]:
        await store.add_message_ref(created.id, "discord", ref, kind)
    await store.add_message_ref(created.id, "discord", "msg-ballot", "ballot")  # replayed: harmless
    with pytest.raises(ValueError, match="message kind"):
        await store.add_message_ref(created.id, "discord", "x", "footer")
    found = await store.battle_by_message("discord", "msg-ballot")
    assert found is not None and (found.id, found.thread_ref, found.header_ref) == (created.id, "thread-1", "msg-header")
    assert await store.battle_by_message("slack", "msg-ballot") is None
    assert (await store.battle_by_thread("discord", "thread-1")).id == created.id  # type: ignore[union-attr]
    assert await store.battle_by_thread("discord", "nope") is None

    for index in (0, 1):
        for side in (Side.B, Side.A):
            await store.add_turn(
                TurnRecord(created.id, index, side, f"prompt {index}", f"reply {index}{side.value}", latency_s=1.5,
                           first_token_s=0.2, prompt_tokens=10, completion_tokens=20, finish_reason="stop")
            )
    await store.add_turn(TurnRecord(created.id, 2, Side.A, "prompt 2", "", error="timeout"))
    turns = await store.turns(created.id)
    assert [(t.index, t.side) for t in turns] == [(0, Side.A), (0, Side.B), (1, Side.A), (1, Side.B), (2, Side.A)]
    assert turns[1].reply == "reply 0b" and turns[1].latency_s == 1.5 and turns[4].error == "timeout"
    assert (await store.get_battle(created.id)).turns == 3  # type: ignore[union-attr]


async def test_sweeper_query_and_rate_limit_count(store: Store) -> None:
    early = await battle(store, created_at=T0, window=timedelta(minutes=10))
    later = await battle(store, created_at=T0 + timedelta(minutes=1), window=timedelta(minutes=10))
    void = await battle(store, created_at=T0, window=timedelta(minutes=1))
    await store.void_battle(void.id, "failed")
    elsewhere = await battle(store, scope_key="slack:T1", created_at=T0, window=timedelta(minutes=1))

    assert await store.expired_open_battles("discord", T0 + timedelta(minutes=5)) == []
    expired = await store.expired_open_battles("discord", T0 + timedelta(minutes=11))
    assert [b.id for b in expired] == [early.id, later.id]
    assert [b.id for b in await store.expired_open_battles("slack", T0 + timedelta(minutes=2))] == [elsewhere.id]
    assert await store.close_battle(early.id, T0 + timedelta(minutes=11))
    assert [b.id for b in await store.expired_open_battles("discord", T0 + timedelta(minutes=11))] == [later.id]

    assert await store.count_recent_battles("discord:guild1", "creator", T0) == 3
    assert await store.count_recent_battles("discord:guild1", "creator", T0 + timedelta(seconds=30)) == 1
    assert await store.count_recent_battles("discord:guild1", "someone else", T0) == 0


async def test_a_battle_is_swept_at_its_close_time_not_a_moment_before(store: Store) -> None:
    created = await battle(store, created_at=T0, window=timedelta(minutes=10))
    closes_at = T0 + timedelta(minutes=10)
    for early in (timedelta(minutes=1), timedelta(seconds=30), timedelta(seconds=1)):
        assert await store.expired_open_battles("discord", closes_at - early) == [], early
    assert [b.id for b in await store.expired_open_battles("discord", closes_at)] == [created.id]
    # Due battles come oldest-due first, whatever order they were opened in.
    short = await battle(store, created_at=T0 + timedelta(minutes=2), window=timedelta(minutes=1))
    due = await store.expired_open_battles("discord", closes_at)
    assert [b.id for b in due] == [short.id, created.id]


async def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="timezone-aware"):
        await battle(store, created_at=T0.replace(tzinfo=None))


async def test_bans_and_settings(store: Store) -> None:
    assert await store.ban("discord:g", "u1", "mod", "spam")
    assert not await store.ban("discord:g", "u1", "mod", "again")
    assert await store.is_banned("discord:g", "u1")
    assert not await store.is_banned("discord:other", "u1")
    assert await store.unban("discord:g", "u1")
    assert not await store.unban("discord:g", "u1")
    assert not await store.is_banned("discord:g", "u1")

    assert await store.get_settings("discord:g") == {}
    await store.set_setting("discord:g", "leaderboard_scope", "global")
    await store.set_setting("discord:g", "leaderboard_scope", "server")
    await store.set_setting("discord:g", "reveal_to_voter", "false")
    await store.set_setting("slack:T", "reveal_to_voter", "true")
    assert await store.get_settings("discord:g") == {"leaderboard_scope": "server", "reveal_to_voter": "false"}


async def test_stats(store: Store) -> None:
    assert await store.stats(None) == Stats(0, 0, 0, 0, 0, 0, 0, 0)
    one = await battle(store, "a", "b")
    two = await battle(store, "b", "c")
    await battle(store, "c", "d", scope_key="slack:T")
    await store.record_vote(one.id, "u1", Outcome.A, event_id=None, now=T0)
    await store.record_vote(two.id, "u1", Outcome.TIE, event_id=None, now=T0)
    await store.record_vote(two.id, "u2", Outcome.B, event_id=None, now=T0)
    await store.record_vote(two.id, "u2", None, event_id=None, now=T0)
    await store.flag_identity_leak(two.id)
    await store.close_battle(one.id, T0)
    # Votes, voters and models of open battles stay out until their reveal.
    assert await store.stats("discord:guild1") == Stats(
        battles=2, open_battles=1, void_battles=0, leaked_battles=1, votes=1, counted_votes=1, voters=1, models=2
    )
    assert (await store.stats(None)).models == 2
    await store.close_battle(two.id, T0)
    assert await store.stats("discord:guild1") == Stats(
        battles=2, open_battles=0, void_battles=0, leaked_battles=1, votes=2, counted_votes=1, voters=1, models=3
    )
    assert (await store.stats(None)).models == 3
