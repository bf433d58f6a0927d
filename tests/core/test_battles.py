"""Starting battles: refusals, sampling, streaming, failures, timeouts, identity leaks, follow-ups."""
from __future__ import annotations

import asyncio

import pytest

from arenabot.domain import BattleStatus, Outcome, Side
from tests.core.conftest import ALICE, BOB, BOT, MOD, SCOPE, battle, model
from tests.support.waiting import until


async def test_battle_streams_both_replies_then_posts_a_ballot(core, platform, provider):
    async with core() as service:
        reply, thread, record = await battle(service, platform, "Write a python function that adds two numbers")
        assert reply.ok
        replies = platform.replies(thread)
        assert set(replies) == {"Model A", "Model B"}
        for side, message in (("a", replies["Model A"]), ("b", replies["Model B"])):
            name = record.model_a if side == "a" else record.model_b
            assert message.finished and message.text == provider.replies[name][0]
            assert message.text.endswith("to: Write a python function that adds two numbers")
            # Streamed: the text grew through several edits before the final one.
            assert len(message.edits) >= 4 and message.edits[1] and message.edits[1] != message.text
        assert platform.reacted == [platform.ballot(thread)]
        assert record.model_a != record.model_b and not record.identity_leak
        assert record.status is BattleStatus.OPEN and record.thread_ref == thread
        assert "coding" in record.categories and record.language == "en"
        header = platform.header(thread).text
        assert record.model_a not in header and record.model_b not in header
        turns = await service.store.turns(record.id)
        assert [(t.index, t.side) for t in turns] == [(0, Side.A), (0, Side.B)]
        assert all(t.error is None and t.reply for t in turns)


@pytest.mark.parametrize(
    "prompt, actor, expected",
    [
        ("   ", ALICE, "Write a prompt"),
        ("x" * 101, ALICE, "limit here is 100"),
        ("hello", BOT, "Bots cannot"),
    ],
)
async def test_refusals_store_and_post_nothing(core, platform, prompt, actor, expected):
    async with core(max_prompt_chars=100) as service:
        reply = await service.start_battle(platform, SCOPE, "channel-1", actor, prompt)
        assert not reply.ok and reply.private and expected in reply.text
        assert platform.threads == {}
        assert (await service.store.stats(None)).battles == 0


async def test_unknown_category_is_refused_and_known_one_is_added(core, platform):
    async with core() as service:
        reply = await service.start_battle(platform, SCOPE, "c", ALICE, "hello there", category="astrology")
        assert not reply.ok and "coding" in reply.text and platform.threads == {}
        _, _, record = await battle(service, platform, "hello there", category="Creative writing")
        assert record.categories[0] == "creative_writing"


async def test_banned_user_cannot_start_battles(core, platform):
    async with core() as service:
        assert (await service.ban(MOD, SCOPE, "alice", "spam")).ok
        reply = await service.start_battle(platform, SCOPE, "c", ALICE, "hello")
        assert not reply.ok and "banned" in reply.text
        assert platform.threads == {} and (await service.store.stats(None)).battles == 0
        assert (await service.unban(MOD, SCOPE, "alice")).ok
        assert (await service.start_battle(platform, SCOPE, "c", ALICE, "hello")).ok


async def test_rate_limit_refuses_then_recovers_after_the_window(core, platform, clock):
    async with core(rate_limit_battles=2, rate_limit_minutes=10) as service:
        for _ in range(2):
            assert (await service.start_battle(platform, SCOPE, "c", ALICE, "hello")).ok
        refused = await service.start_battle(platform, SCOPE, "c", ALICE, "hello")
        assert not refused.ok and "limit is 2" in refused.text
        assert len(platform.threads) == 2
        # Someone else is not limited by Alice's battles.
        assert (await service.start_battle(platform, SCOPE, "c", BOB, "hello")).ok
        clock.advance(minutes=11)
        assert (await service.start_battle(platform, SCOPE, "c", ALICE, "hello")).ok


async def test_fewer_than_two_available_models_is_refused(core, platform):
    async with core(models=[model("alpha"), model("beta"), model("gamma", weight=0)]) as service:
        assert (await service.set_model_enabled(MOD, "beta", False)).ok
        reply = await service.start_battle(platform, SCOPE, "c", ALICE, "hello")
        assert not reply.ok and "Fewer than two models" in reply.text
        assert platform.threads == {}


async def test_sampling_never_pairs_a_model_with_itself_and_skips_excluded_models(core, platform, monkeypatch):
    models = [model("alpha"), model("beta", weight=3), model("gamma"), model("zero", weight=0), model("off", enabled=False), model("cooling")]
    async with core(models=models, rate_limit_battles=1000) as service:
        monkeypatch.setattr(service.hub, "is_available", lambda name: name != "cooling")
        seen = []
        for _ in range(40):
            _, _, record = await battle(service, platform, "hello")
            seen.append((record.model_a, record.model_b))
        assert all(a != b for a, b in seen)
        names = {n for pair in seen for n in pair}
        assert names == {"alpha", "beta", "gamma"}
        # beta has weight 3: it is in far more battles than either weight-1 model.
        share = {n: sum(n in pair for pair in seen) for n in names}
        assert share["beta"] > share["alpha"] and share["beta"] > share["gamma"]
        # Sides are randomised: beta shows up on both sides.
        assert {a for a, _ in seen} >= {"beta"} and {b for _, b in seen} >= {"beta"}


async def test_a_failing_side_voids_the_battle_without_naming_it(core, platform, provider):
    async with core(models=[model("good", "slow"), model("broken", "fail")]) as service:
        reply, thread, record = await battle(service, platform)
        assert not reply.ok
        record = await service.store.get_battle(record.id)
        assert record.status is BattleStatus.VOID
        failed_side = "A" if record.model_a == "broken" else "B"
        posts = platform.posts(thread)
        assert any(f"Model {failed_side} failed" in p and "void" in p for p in posts)
        everything = " ".join(m.text for m in platform.threads[thread].messages)
        assert "broken" not in everything and "good" not in everything
        assert platform.of_kind(thread, "ballot") == []
        # The healthy side was cancelled at once: its stream was closed and marked stopped.
        assert provider.cancelled == ["good"]
        other = platform.replies(thread)["Model B" if failed_side == "A" else "Model A"]
        assert other.finished and "stopped" in other.text
        # Votes on a void battle never count (there is no ballot; even the header is not a ballot).
        assert await service.vote(platform, platform.header(thread).ref, BOB, Outcome.A, "e1") is None


async def test_the_bot_goes_on_after_a_failure(core, platform):
    async with core(models=[model("alpha"), model("beta"), model("broken", "fail", weight=5)], rate_limit_battles=100) as service:
        outcomes = []
        for _ in range(12):
            reply, _, record = await battle(service, platform)
            outcomes.append((reply.ok, "broken" in (record.model_a, record.model_b)))
        assert all(ok == (not broken) for ok, broken in outcomes)
        assert any(ok for ok, _ in outcomes)


async def test_a_side_over_the_time_limit_voids_the_battle(core, platform, provider):
    async with core(models=[model("quick"), model("stuck", "hang")], reply_timeout_seconds=0.3) as service:
        reply, thread, record = await battle(service, platform)
        assert not reply.ok
        record = await service.store.get_battle(record.id)
        assert record.status is BattleStatus.VOID and "0.3 seconds" in (record.void_reason or "")
        side = "A" if record.model_a == "stuck" else "B"
        assert any(f"Model {side} failed" in p and "0.3 seconds" in p for p in platform.posts(thread))
        turns = {t.side: t for t in await service.store.turns(record.id)}
        stuck_side = Side.A if side == "A" else Side.B
        assert turns[stuck_side].error and "0.3" in turns[stuck_side].error
        assert "stuck" in provider.cancelled  # the timeout cancelled the request itself


async def test_identity_leak_in_the_prompt_is_flagged_and_said_once(core, platform):
    async with core() as service:
        _, thread, record = await battle(service, platform, "Are you Claude or ChatGPT?")
        assert record.identity_leak
        leak_notes = [p for p in platform.posts(thread) if "names a model or vendor" in p]
        assert len(leak_notes) == 1
        assert platform.ballot(thread)  # still shown and votable


async def test_identity_leak_in_a_reply_is_flagged_and_left_off_the_leaderboard(core, platform):
    async with core(models=[model("honest"), model("leaky", "leak")]) as service:
        _, thread, record = await battle(service, platform, "Who made you?")
        assert record.identity_leak
        assert len([p for p in platform.posts(thread) if "names a model or vendor" in p]) == 1
        assert (await service.follow_up(platform, thread, ALICE, "And before that?")).ok  # no vote yet
        reply = await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")
        assert reply is not None and "identity leak" in reply.text
        # Its votes never count, yet voting has begun: the conversation is over all the same.
        refused = await service.follow_up(platform, thread, ALICE, "One more thing")
        assert not refused.ok and "Voting" in refused.text
        board = (await service.leaderboard(SCOPE)).board
        assert board is not None and board.rows == [] and board.votes == 0


async def test_follow_ups_continue_separate_histories_until_the_first_vote(core, platform, provider):
    async with core(max_turns=3) as service:
        _, thread, record = await battle(service, platform, "First question")
        # Someone else's message in the thread, or a bot's, is ignored.
        assert await service.follow_up(platform, thread, BOB, "hijack") is None
        assert await service.follow_up(platform, "not-a-thread", ALICE, "hello") is None
        reply = await service.follow_up(platform, thread, ALICE, "Second question")
        assert reply is not None and reply.ok
        for name in (record.model_a, record.model_b):
            convo = provider.seen_by(name)[-1]
            assert [m.role for m in convo] == ["user", "assistant", "user"]
            # Each model sees its own earlier answer, never the other's.
            assert convo[1].content == provider.replies[name][0]
            assert convo[2].content == "Second question"
        record = await service.store.get_battle(record.id)
        assert record.turns == 2 and "multi_turn" in record.categories
        assert len(platform.of_kind(thread, "ballot")) == 2
        # The first vote ends the conversation.
        await service.vote(platform, platform.ballot(thread), BOB, Outcome.B, "e1")
        refused = await service.follow_up(platform, thread, ALICE, "Third question")
        assert refused is not None and not refused.ok and "Voting" in refused.text


async def test_follow_ups_stop_at_the_turn_limit(core, platform):
    async with core(max_turns=2) as service:
        _, thread, record = await battle(service, platform, "One")
        assert (await service.follow_up(platform, thread, ALICE, "Two")).ok
        refused = await service.follow_up(platform, thread, ALICE, "Three")
        assert not refused.ok and "limit of 2 turns" in refused.text
        assert (await service.store.get_battle(record.id)).turns == 2


async def test_active_sampling_gets_the_scopes_current_board(core, platform, monkeypatch):
    import arenabot.features.battles.service as arena_module

    seen = []
    real = arena_module.sample_pair

    counts_seen = []

    def spy(candidates, rng, board=None, strategy="weighted", **options):
        seen.append((strategy, board))
        counts_seen.append(options.get("counts"))
        return real(candidates, rng, board=board, strategy=strategy, **options)

    monkeypatch.setattr(arena_module, "sample_pair", spy)
    async with core(sampling="active", reveal_to_voter=False) as service:
        _, thread, record = await battle(service, platform, "first")
        assert seen[-1][0] == "active" and seen[-1][1].rows == []  # nothing rated yet
        await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "v1")
        await service.store.close_battle(record.id, service.state.now())  # boards hold revealed battles
        service.battles._boards_for_sampling.clear()  # the board is cached for a while; skip the wait
        await battle(service, platform, "second")
        strategy, board = seen[-1]
        assert strategy == "active" and {r.model for r in board.rows} == {record.model_a, record.model_b}
        # ... and the counts behind it, so the sampler sees the ratings' full covariance.
        counts = counts_seen[-1]
        assert counts is not None and set(counts.models) == {record.model_a, record.model_b}
        assert counts.n_battles == 1
    async with core() as service:
        await battle(service, platform, "third")
        assert seen[-1] == ("weighted", None)


async def test_drain_lets_turns_finish_then_voids_the_ones_still_running(core, platform, provider):
    async with core(models=[model("slowpoke", "slow"), model("quick")]) as service:
        task = asyncio.create_task(service.start_battle(platform, SCOPE, "c", ALICE, "take your time"))
        await until(lambda: platform.threads, what="the battle's thread")
        assert await service.drain(0.2) == 1
        assert task.cancelled()
        record = await service.store.get_battle(1)
        assert record.status is BattleStatus.VOID and "interrupted" in record.void_reason
        assert "slowpoke" in provider.cancelled
        assert await service.drain(0.1) == 0


async def test_a_platform_error_voids_the_battle_and_says_so(core, platform, monkeypatch):
    async with core() as service:
        async def broken_ballot(thread_ref, ballot):
            raise RuntimeError("missing permission: add reactions")

        monkeypatch.setattr(platform, "post_ballot", broken_ballot)
        reply, thread, record = await battle(service, platform)
        assert not reply.ok and "internal error" in reply.text
        assert (await service.store.get_battle(record.id)).status is BattleStatus.VOID
        assert any("Something went wrong" in p for p in platform.posts(thread))
        monkeypatch.undo()
        assert (await service.start_battle(platform, SCOPE, "c", BOB, "again")).ok


async def test_a_vote_racing_the_vote_reactions_counts(core, platform, monkeypatch):
    """Members can react before the bot has added its own reactions: the ballot must be known by then."""
    async with core() as service:
        early: list = []

        async def react_first(message_ref, ballot):
            early.append(await service.vote(platform, message_ref, BOB, Outcome.A, "early-1"))

        monkeypatch.setattr(platform, "open_voting", react_first)
        reply, thread, record = await battle(service, platform)
        assert reply.ok and early and early[0] is not None
        assert (await service.store.get_battle(record.id)).counted_votes == 1


async def test_failing_to_add_reactions_leaves_the_battle_open_for_votes(core, platform, monkeypatch):
    async with core() as service:
        async def no_permission(message_ref, ballot):
            raise RuntimeError("missing permission: add reactions")

        monkeypatch.setattr(platform, "open_voting", no_permission)
        reply, thread, record = await battle(service, platform)
        assert reply.ok and (await service.store.get_battle(record.id)).status is BattleStatus.OPEN
        assert await service.vote(platform, platform.ballot(thread), BOB, Outcome.B, "e1") is not None
        assert (await service.store.get_battle(record.id)).counted_votes == 1
