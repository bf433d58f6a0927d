"""Configuration that does what it says: a model's limits and show_reasoning reach its requests
after a trip through the database, and the config file's models follow the file at every start."""

from __future__ import annotations

import logging

from arenabot.app import build_core
from arenabot.config import ModelSettings, settings_from_dict
from arenabot.domain import Actor, BattleStatus, Scope
from arenabot.storage import Store
from tests.providers.fake_api import FakeApi
from tests.support.fake_platform import FakePlatform

SCOPE = Scope("fake", "guild-1")
ALICE = Actor("alice", "Alice")


async def test_limits_from_the_file_apply_in_a_battle_after_the_database(sqlite_url):
    api = await FakeApi().start()
    try:
        # Stalls after two tokens, for an hour: only the configured stall limit ends it in time.
        api.script("stalls", fault="stall", tokens_before_fault=2)
        limits = {"stall_timeout_s": 0.3, "first_token_timeout_s": 10, "total_timeout_s": 60, "max_retries": 0}
        models = [
            {"name": n, "provider": "openai", "model_id": n, "base_url": f"{api.url}/v1", "limits": limits}
            for n in ("stalls", "steady")
        ]
        models[1]["show_reasoning"] = True
        # With the default stall limit (30 s) the battle's own 10 s limit would end it instead.
        settings = settings_from_dict({"database": {"url": sqlite_url}, "models": models, "arena": {"reply_timeout_seconds": 10}})
        async with build_core(settings) as service:
            registered = {r.name: r.to_settings() for r in await service.store.list_models()}
            assert registered["stalls"].limits.stall_timeout_s == 0.3
            assert registered["steady"].show_reasoning is True
            platform = FakePlatform()
            reply = await service.start_battle(platform, SCOPE, "channel-1", ALICE, "Name three rivers")
            battle = await service.store.get_battle(1)
            assert battle is not None and battle.status is BattleStatus.VOID
            assert "stopped in the middle of its reply" in reply.text  # the stall limit, not a total timeout
            turns = await service.store.turns(1)
            stalled = next(t for t in turns if t.error)
            assert "stall" in stalled.error.lower() or "silent" in stalled.error.lower()
    finally:
        await api.close()


def _model(name: str, **kw: object) -> ModelSettings:
    return ModelSettings(name=name, provider="demo", **kw)  # type: ignore[arg-type]


async def test_the_files_models_follow_the_file_and_chat_models_stay(store: Store) -> None:
    first = await store.sync_models([_model("owl", weight=2.0), _model("fox")])
    assert first.added == ["owl", "fox"] and not first.changes
    await store.add_model(_model("heron"))  # a moderator's, in chat
    assert await store.update_model("owl", enabled=False)

    again = await store.sync_models(
        [_model("owl", weight=3.0, limits={"stall_timeout_s": 5}, show_reasoning=True), _model("fox")]
    )
    assert again.added == [] and again.in_both == []
    assert "owl: weight 2.0 -> 3.0" in again.changes and "owl: enabled False -> True" in again.changes
    assert any(c.startswith("owl: limits") for c in again.changes)
    assert "owl: show_reasoning False -> True" in again.changes
    assert not [c for c in again.changes if c.startswith("fox")]
    by_name = {m.name: m for m in await store.list_models()}
    assert set(by_name) == {"owl", "fox", "heron"}  # heron, added in chat, stays
    owl = by_name["owl"].to_settings()
    assert owl == _model("owl", weight=3.0, limits={"stall_timeout_s": 5}, show_reasoning=True)
    assert by_name["heron"].source == "chat" and by_name["owl"].source == "file"

    unchanged = await store.sync_models([_model("owl", weight=3.0, limits={"stall_timeout_s": 5}, show_reasoning=True)])
    assert unchanged.changes == []

    both = await store.sync_models([_model("heron", vendor="Birdcorp")])
    assert both.in_both == ["heron"] and both.changes == ["heron: vendor None -> 'Birdcorp'"]
    assert {m.name: m for m in await store.list_models()}["heron"].vendor == "Birdcorp"  # the file wins


async def test_start_up_logs_each_change_and_names_a_model_in_both(sqlite_url, caplog) -> None:
    base = {"database": {"url": sqlite_url}, "models": [{"name": "owl", "provider": "demo"}, {"name": "fox", "provider": "demo"}]}
    async with build_core(settings_from_dict(base)) as service:
        await service.store.add_model(_model("heron"))
    caplog.set_level(logging.INFO, logger="arenabot.app")
    edited = {**base, "models": [{"name": "owl", "provider": "demo", "weight": 4}, {"name": "heron", "provider": "demo"}]}
    async with build_core(settings_from_dict(edited)):
        pass
    lines = [r.getMessage() for r in caplog.records if r.name == "arenabot.app"]
    assert "model owl: weight 1.0 -> 4.0 (from the config file)" in lines
    warning = next(r for r in caplog.records if r.levelno == logging.WARNING and "heron" in r.getMessage())
    assert "the file wins" in warning.getMessage()
