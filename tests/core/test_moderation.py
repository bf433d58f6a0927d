"""Moderation (permission checks in the core), per-scope settings, export/import, leaderboards."""
from __future__ import annotations

import json


from arenabot.domain import BattleStatus, Outcome, Scope
from tests.core.conftest import ALICE, BOB, CAROL, MOD, OTHER_SCOPE, SCOPE, battle, model


async def test_every_moderation_command_refuses_non_moderators(core, platform):
    async with core() as service:
        _, thread, record = await battle(service, platform)
        attempts = [
            service.add_model(ALICE, "new", "openai", "x"),
            service.set_model_enabled(ALICE, "alpha", False),
            service.set_model_weight(ALICE, "alpha", 3),
            service.ban(ALICE, SCOPE, "bob"),
            service.unban(ALICE, SCOPE, "bob"),
            service.close_battle(platform, ALICE, f"#{record.id}"),
            service.void_battle(platform, ALICE, f"#{record.id}"),
            service.export_battles(ALICE, SCOPE),
            service.import_battles(ALICE, SCOPE, b"[]"),
            service.set_setting(ALICE, SCOPE, "close_after_votes", "3"),
        ]
        for attempt in attempts:
            reply = await attempt
            assert not reply.ok and reply.private and "Only moderators" in reply.text
        # Nothing changed.
        assert (await service.store.get_battle(record.id)).status is BattleStatus.OPEN
        assert [m.name for m in await service.store.list_models() if m.enabled] == ["alpha", "beta", "gamma"]
        assert not await service.store.is_banned(SCOPE.key, "bob")
        assert await service.store.get_settings(SCOPE.key) == {}


async def test_model_registry_commands(core, platform):
    async with core(rate_limit_battles=100) as service:
        assert (await service.add_model(MOD, "delta", "openai", "delta-1", weight=2)).ok
        duplicate = await service.add_model(MOD, "delta", "openai", "delta-1")
        assert not duplicate.ok and "already exists" in duplicate.text
        bad = await service.add_model(MOD, "eps", "nonsense", "x")
        assert not bad.ok and "provider" in bad.text
        assert not (await service.set_model_weight(MOD, "alpha", -1)).ok
        assert not (await service.set_model_enabled(MOD, "nobody", False)).ok
        assert (await service.set_model_enabled(MOD, "alpha", False)).ok
        assert (await service.set_model_weight(MOD, "beta", 0)).ok
        for _ in range(6):
            _, _, record = await battle(service, platform)
            assert {record.model_a, record.model_b} == {"gamma", "delta"}
        overview = (await service.models_overview(SCOPE)).text
        assert "**alpha**" in overview and "disabled" in overview and "weight 2" in overview


async def test_banned_users_votes_are_refused(core, platform):
    async with core() as service:
        _, thread, record = await battle(service, platform)
        await service.ban(MOD, SCOPE, "bob", "brigading")
        reply = await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")
        assert not reply.ok and "banned" in reply.text
        assert (await service.store.get_battle(record.id)).counted_votes == 0


async def test_moderator_close_and_void(core, platform):
    async with core(reveal_to_voter=False) as service:
        _, thread, record = await battle(service, platform)
        await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")
        # Another server's moderator cannot touch this battle.
        assert not (await service.close_battle(platform, MOD, f"#{record.id}", scope=OTHER_SCOPE)).ok
        assert (await service.close_battle(platform, MOD, thread, scope=SCOPE)).ok  # by thread ref
        assert any(p.startswith("**Revealed:**") for p in platform.posts(thread))
        again = await service.close_battle(platform, MOD, f"#{record.id}")
        assert not again.ok and "already closed" in again.text
        assert len((await service.leaderboard(SCOPE)).board.rows) == 2
        voided = await service.void_battle(platform, MOD, str(record.id), "vote brigading")
        assert voided.ok
        assert (await service.store.get_battle(record.id)).status is BattleStatus.VOID
        assert any("voided this battle (vote brigading)" in p for p in platform.posts(thread))
        assert (await service.leaderboard(SCOPE)).board.rows == []
        assert not (await service.void_battle(platform, MOD, "#999")).ok


async def test_per_scope_settings_apply_only_to_their_scope(core, platform):
    async with core(reveal_to_voter=False) as service:
        bad = await service.set_setting(MOD, SCOPE, "close_after_votes", "many")
        assert not bad.ok and "close_after_votes" in bad.text
        assert not (await service.set_setting(MOD, SCOPE, "database_url", "x")).ok
        assert (await service.set_setting(MOD, SCOPE, "close_after_votes", "1")).ok
        _, thread, record = await battle(service, platform)
        await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")
        assert (await service.store.get_battle(record.id)).status is BattleStatus.CLOSED
        _, thread, other = await battle(service, platform, scope=OTHER_SCOPE)
        await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e2")
        assert (await service.store.get_battle(other.id)).status is BattleStatus.OPEN


async def _vote_battles(service, platform, plan):
    """plan: list of (scope, prompt, outcome); returns the battle records, each voted and revealed."""
    records = []
    for k, (scope, prompt, outcome) in enumerate(plan):
        _, thread, record = await battle(service, platform, prompt, actor=ALICE if k % 2 else CAROL, scope=scope)
        await service.vote(platform, platform.ballot(thread), BOB, outcome, f"v{k}")
        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok  # boards hold revealed battles
        records.append(record)
    return records


async def test_leaderboards_per_category_and_global_versus_scope(core, platform):
    async with core(reveal_to_voter=False, rate_limit_battles=100) as service:
        plan = [
            (SCOPE, "Write a python function to sort a list", Outcome.A),
            (SCOPE, "Write a haiku about rain", Outcome.B),
            (SCOPE, "Write a poem about the sea", Outcome.TIE),
            (OTHER_SCOPE, "Write a python class for a stack", Outcome.A),
        ]
        await _vote_battles(service, platform, plan)
        here = (await service.leaderboard(SCOPE)).board
        everywhere = (await service.leaderboard(SCOPE, global_=True)).board
        coding_here = (await service.leaderboard(SCOPE, category="coding")).board
        coding_all = (await service.leaderboard(SCOPE, category="code", global_=True)).board
        creative = (await service.leaderboard(SCOPE, category="creative writing")).board
        assert (here.votes, everywhere.votes) == (3, 4)
        assert (coding_here.votes, coding_all.votes, creative.votes) == (1, 2, 2)
        assert "coding" in coding_here.title and "all servers" in everywhere.title
        unknown = await service.leaderboard(SCOPE, category="astrology")
        assert not unknown.ok and "Unknown category" in unknown.text
        text = (await service.leaderboard(SCOPE)).text
        assert all(row.model in text for row in here.rows)


async def test_export_import_round_trip(core, platform):
    async with core(reveal_to_voter=False, rate_limit_battles=100) as service:
        plan = [
            (SCOPE, "Write a python function to sort a list", Outcome.A),
            (SCOPE, "Write a haiku about rain", Outcome.B),
            (SCOPE, "Tell me a fact", Outcome.BOTH_BAD),
            (SCOPE, "Explain tides", Outcome.TIE),
            (OTHER_SCOPE, "Explain gravity", Outcome.A),
        ]
        await _vote_battles(service, platform, plan)
        exported = await service.export_battles(MOD, SCOPE)
        assert exported.ok and exported.file and exported.file[0] == "battles.json"
        records = json.loads(exported.file[1])
        assert len(records) == 4
        assert {r["winner"] for r in records} == {"model_a", "model_b", "tie", "tie (bothbad)"}
        assert all(r["judge"] != "bob" for r in records)  # voters pseudonymised
        before = (await service.leaderboard(SCOPE)).board
        everything = json.loads((await service.export_battles(MOD, SCOPE, global_=True)).file[1])
        assert len(everything) == 5

    target = Scope("import", "copy")
    async with core(reveal_to_voter=False) as service:
        imported = await service.import_battles(MOD, target, exported.file[1])
        assert imported.ok and "Imported 4" in imported.text
        again = await service.import_battles(MOD, target, exported.file[1])
        assert "Imported 0" in again.text and "4 were already here" in again.text
        after = (await service.leaderboard(target)).board
        assert [(r.model, round(r.rating, 6)) for r in after.rows] == [(r.model, round(r.rating, 6)) for r in before.rows]
        # JSON lines work too, and bad records are reported, never a crash.
        lines = "\n".join(json.dumps(r) for r in records[:1]) + '\n{"model_a": "x", "model_b": "x", "winner": "model_a"}\n'
        report = await service.import_battles(MOD, Scope("import", "lines"), lines.encode())
        assert "Imported 1" in report.text and "rejected" in report.text
        broken = await service.import_battles(MOD, target, b"[{oops")
        assert not broken.ok and "not valid JSON" in broken.text


async def test_replies_name_the_scope_the_way_its_platform_does(core, platform):
    async with core() as service:
        await battle(service, platform)
        slack, discord = Scope("slack", "T1"), Scope("discord", "G1")
        assert "(this workspace / everywhere)" in (await service.stats(slack)).text
        assert "(this server / everywhere)" in (await service.stats(discord)).text
        assert "this workspace" in (await service.export_battles(MOD, slack)).text
        stats = (await service.stats(SCOPE)).text
        assert "Battles: 1 / 1" in stats
