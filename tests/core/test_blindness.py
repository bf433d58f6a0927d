"""Issue 10: nothing unblinds a battle before its reveal. Each test plays one attack."""
from __future__ import annotations

import asyncio
import json

import pytest

from arenabot.config import OpsSettings, load_settings
from arenabot.domain import Actor, BattleStatus, Outcome
from tests.core.conftest import ALICE, BOB, CAROL, MOD, SCOPE, battle, model

DAVE, ERIN = Actor("dave", "Dave"), Actor("erin", "Erin")
# Real-looking ids and vendors, so that thread messages can name them.
NAMED_MODELS = [
    model("sonnet", model_id="claude-3-5-sonnet-20241022", vendor="Anthropic"),
    model("mini", model_id="gpt-4o-mini"),
    model("large", model_id="mistral-large-2411", vendor="Mistral AI"),
]


@pytest.fixture
def core_db_url(db_url: str) -> str:
    return db_url  # SQLite and PostgreSQL


async def _views(service) -> list[str]:
    """Everything a member can read that aggregates votes."""
    replies = [
        await service.leaderboard(SCOPE),
        await service.leaderboard(SCOPE, global_=True),
        await service.leaderboard(SCOPE, category="creative writing"),
        await service.stats(SCOPE),
    ]
    return [r.text for r in replies]


async def test_boards_stats_and_exports_do_not_move_until_the_reveal(core, platform):
    async with core(reveal_to_voter=False, rate_limit_battles=100) as service:
        # A revealed battle first, so the boards are not empty.
        _, thread, first = await battle(service, platform, "Write a poem about the sea")
        await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")
        assert (await service.close_battle(platform, MOD, f"#{first.id}")).ok

        _, thread, record = await battle(service, platform, "Write a haiku about rain", actor=CAROL)
        ballot = platform.ballot(thread)
        before = await _views(service)
        exported_before = json.loads((await service.export_battles(MOD, SCOPE)).file[1])
        await service.vote(platform, ballot, BOB, Outcome.B, "e2")
        await service.vote(platform, ballot, CAROL, Outcome.TIE, "e3")
        await service.vote(platform, ballot, DAVE, Outcome.A, "e4")
        await service.unvote(platform, ballot, DAVE, Outcome.A, "e5")
        assert (await service.store.get_battle(record.id)).counted_votes == 2  # the battle's own counter moves
        assert await _views(service) == before  # byte-identical while the battle is open
        assert json.loads((await service.export_battles(MOD, SCOPE)).file[1]) == exported_before

        board_before = (await service.leaderboard(SCOPE)).board
        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        board_after = (await service.leaderboard(SCOPE)).board
        assert board_after.votes - board_before.votes == 2  # exactly the battle's counted votes
        assert await _views(service) != before
        assert len(json.loads((await service.export_battles(MOD, SCOPE)).file[1])) == len(exported_before) + 2

        # A moderator voiding the revealed battle takes exactly its votes back out.
        assert (await service.void_battle(platform, MOD, f"#{record.id}")).ok
        assert (await service.leaderboard(SCOPE)).text == before[0]


async def test_two_closers_at_once_move_the_counts_once(core, platform):
    async with core(reveal_to_voter=False) as one, core(reveal_to_voter=False) as two:
        _, thread, record = await battle(one, platform)
        for k, voter in enumerate((BOB, CAROL, DAVE)):
            await one.vote(platform, platform.ballot(thread), voter, Outcome.A, f"e{k}")
        results = await asyncio.gather(
            one.close_battle(platform, MOD, f"#{record.id}"), two.close_battle(platform, MOD, f"#{record.id}"),
            one.store.close_battle(record.id, one.now()), two.store.close_battle(record.id, two.now()),
        )
        assert sum(bool(getattr(r, "ok", r)) for r in results) == 1
        assert (await one.leaderboard(SCOPE)).board.votes == 3
        revealed_by_a_service = sum(r.ok for r in results[:2])
        assert len([p for p in platform.posts(thread) if p.startswith("**Revealed:**")]) == revealed_by_a_service


async def test_a_vote_is_final_once_its_voter_has_seen_the_names(core, platform):
    async with core(reveal_to_voter=True) as service, core(reveal_to_voter=True) as other_process:
        _, thread, record = await battle(service, platform)
        ballot = platform.ballot(thread)
        counted = await service.vote(platform, ballot, BOB, Outcome.A, "e1")
        assert counted.ok and len(platform.notifications) == 1  # the names, privately
        # Switching the reaction (here in another process): stored, not blind, not counted; told once.
        final = await other_process.vote(platform, ballot, BOB, Outcome.B, "e2")
        assert final is not None and final.private and "final" in final.text
        assert await other_process.unvote(platform, ballot, BOB, Outcome.A, "e3") is None  # told once only
        assert await service.vote(platform, ballot, BOB, Outcome.TIE, "e4") is None
        rows = await service.store.run_read(
            lambda c: c.exec_driver_sql("SELECT outcome, blind, counted, unblind_outcome FROM votes").all()
        )
        assert [(r[0], bool(r[1]), bool(r[2]), r[3]) for r in rows] == [("a", True, True, "tie")]
        assert (await service.store.get_battle(record.id)).counted_votes == 1
        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        board = (await service.leaderboard(SCOPE)).board
        assert board.votes == 1 and {r.model: r for r in board.rows}[record.model_a].win_rate == 1.0


async def test_without_the_private_reveal_votes_can_still_change(core, platform):
    async with core(reveal_to_voter=False) as service:
        _, thread, record = await battle(service, platform)
        await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")
        assert "changed" in (await service.vote(platform, platform.ballot(thread), BOB, Outcome.B, "e2")).text


async def test_a_member_naming_a_model_of_this_battle_stops_later_votes_counting(core, platform):
    async with core(models=NAMED_MODELS, reveal_to_voter=False, rate_limit_battles=100) as service:
        _, thread, record = await battle(service, platform)
        ballot = platform.ballot(thread)
        await service.vote(platform, ballot, BOB, Outcome.A, "e1")  # before the leak: counts
        # Talk that names no model of this battle is fine, even about other models.
        names = {"sonnet": "Claude", "mini": "gpt-4o", "large": "the Mistral model"}
        absent = next(name for name in names if name not in (record.model_a, record.model_b))
        assert await service.follow_up(platform, thread, CAROL, f"I think this beats {names[absent]} easily") is None
        assert (await service.store.get_battle(record.id)).leaked_at is None
        # A member who was told the names says one of them.
        spoken = {"sonnet": "A is Claude, obviously", "mini": "B must be GPT4o", "large": "это Mistral Large"}
        assert await service.follow_up(platform, thread, CAROL, spoken[record.model_a]) is None
        leaked = await service.store.get_battle(record.id)
        assert leaked.leaked_at is not None and not leaked.identity_leak
        await service.follow_up(platform, thread, DAVE, spoken[record.model_b])
        notes = [p for p in platform.posts(thread) if "named one of these models" in p]
        assert len(notes) == 1  # said once
        after = await service.vote(platform, ballot, ERIN, Outcome.B, "e2")
        assert "will not count" in after.text
        changed = await service.vote(platform, ballot, BOB, Outcome.B, "e3")  # a counted vote cannot follow the leak
        assert changed.private and "final" in changed.text
        assert (await service.store.get_battle(record.id)).counted_votes == 1
        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        assert (await service.leaderboard(SCOPE)).board.votes == 1
        exported = json.loads((await service.export_battles(MOD, SCOPE)).file[1])
        assert [r["winner"] for r in exported] == ["model_a"]
        assert exported[0]["thread_leak"] == leaked.leaked_at.timestamp()


async def test_the_creator_naming_a_model_after_voting_began_is_read_too(core, platform):
    async with core(models=NAMED_MODELS, reveal_to_voter=False) as service:
        _, thread, record = await battle(service, platform)
        await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")
        vendors = {"sonnet": "Anthropic", "mini": "OpenAI", "large": "Mistral AI"}
        refused = await service.follow_up(platform, thread, ALICE, f"so B was made by {vendors[record.model_b]}?")
        assert not refused.ok and "Voting" in refused.text
        assert (await service.store.get_battle(record.id)).leaked_at is not None


async def test_a_leaking_prompt_still_leaks_the_whole_battle(core, platform):
    async with core(models=NAMED_MODELS, reveal_to_voter=False) as service:
        _, thread, record = await battle(service, platform, "我是Claude的粉丝, write me a poem")
        assert (await service.store.get_battle(record.id)).identity_leak


async def test_cooling_down_is_shown_to_moderators_only(core, platform, monkeypatch):
    async with core() as service:
        monkeypatch.setattr(service.hub, "is_available", lambda name: name != "beta")
        member = await service.models_overview(SCOPE, BOB)
        assert "cooling" not in member.text and "**beta**" in member.text
        assert "cooling" not in (await service.models_overview(SCOPE)).text
        moderator = await service.models_overview(SCOPE, MOD)
        assert "cooling down" in moderator.text and moderator.private


def test_the_ops_endpoint_listens_on_loopback_unless_configured(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no arenabot.toml here
    assert OpsSettings().http_host == "127.0.0.1"
    assert load_settings(env={}).ops.http_host == "127.0.0.1"
    assert load_settings(env={"ARENABOT_HTTP_HOST": "0.0.0.0"}).ops.http_host == "0.0.0.0"


def test_the_container_sets_the_public_interface_explicitly():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert "ARENABOT_HTTP_HOST=0.0.0.0" in (root / "Dockerfile").read_text()
    assert 'ARENABOT_HTTP_HOST: "0.0.0.0"' in (root / "docker-compose.yml").read_text()


async def test_close_after_votes_is_exact_and_decided_in_the_vote(core, platform):
    async with core(close_after_votes=3, reveal_to_voter=False) as one, core(close_after_votes=3, reveal_to_voter=False) as two:
        _, thread, record = await battle(one, platform)
        ballot = platform.ballot(thread)
        voters = [Actor(f"user{k}") for k in range(8)]
        await asyncio.gather(*(svc.vote(platform, ballot, v, Outcome.A, f"e{k}") for k, v in enumerate(voters) for svc in (one, two)))
        closed = await one.store.get_battle(record.id)
        assert closed.status is BattleStatus.CLOSED and closed.counted_votes == 3
        assert (await one.leaderboard(SCOPE)).board.votes == 3
        assert len([p for p in platform.posts(thread) if p.startswith("**Revealed:**")]) == 1
