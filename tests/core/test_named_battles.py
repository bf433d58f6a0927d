"""Named (side-by-side) battles: `compare A B prompt` shows the names from the start, votes as
usual, and counts on the named boards only (never the anonymous ones); exported anony: false."""
from __future__ import annotations

from arenabot.chatcommands.spec import CommandContext
from arenabot.chatcommands.text import dispatch
from arenabot.domain import BattleStatus, Outcome
from tests.core.conftest import ALICE, BOB, CAROL, MOD, SCOPE


async def compare(service, platform, a="alpha", b="beta", prompt="Explain rainbows", actor=ALICE):
    reply = await service.compare(platform, SCOPE, "channel-1", actor, a, b, prompt)
    thread = platform.last_thread().ref
    record = await service.store.battle_by_thread(platform.name, thread)
    return reply, thread, record


async def test_names_are_shown_and_votes_count_on_the_named_board_only(core, platform):
    async with core() as service:
        reply, thread, record = await compare(service, platform, "Beta", "alpha")  # names match case-insensitively
        assert reply.ok and not record.anony
        assert (record.model_a, record.model_b) == ("beta", "alpha")
        header = platform.header(thread).text
        assert "**beta**" in header and "**alpha**" in header and "named leaderboard" in header
        ballot = platform.ballot(thread)
        for voter in (BOB, CAROL):
            answer = await service.vote(platform, ballot, voter, Outcome.A, f"e-{voter.user_ref}")
            assert answer.ok and "named leaderboard" in answer.text
        # Nobody is told the names privately: everyone has seen them already.
        assert platform.notifications == []
        assert (await service.store.pair_counts(SCOPE.key, None, "named")) == []  # not before the close
        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        closed = await service.store.get_battle(record.id)
        assert closed.status is BattleStatus.CLOSED

        assert await service.store.pair_counts(SCOPE.key, None) == []
        assert await service.store.pair_counts(None, None) == []
        [named] = await service.store.pair_counts(SCOPE.key, None, "named")
        assert (named.model_a, named.model_b, named.wins_a, named.wins_b) == ("alpha", "beta", 0, 2)
        [everywhere] = await service.store.pair_counts(None, None, "named")
        assert everywhere.wins_b == 2

        board = await service.leaderboard(SCOPE, mode="named")
        assert "named battles" in board.text and "beta" in board.text and "2 counted votes" in board.text
        blind = await service.leaderboard(SCOPE)
        assert "No counted votes yet" in blind.text
        assert "Unknown leaderboard mode" in (await service.leaderboard(SCOPE, mode="secret")).text

        [first, second] = await service.store.export_clean_battles(None)
        assert first["anony"] is False and second["anony"] is False


async def test_a_voter_may_change_a_named_vote_while_it_is_open(core, platform):
    """No blindness to protect: the final-vote rule (names seen) does not apply."""
    async with core(reveal_to_voter=True) as service:
        _, thread, record = await compare(service, platform)
        ballot = platform.ballot(thread)
        assert (await service.vote(platform, ballot, BOB, Outcome.A, "e1")).ok
        changed = await service.vote(platform, ballot, BOB, Outcome.B, "e2")
        assert changed.ok and "changed to" in changed.text
        assert (await service.store.get_battle(record.id)).counted_votes == 1


async def test_model_names_in_a_named_thread_or_reply_leak_nothing(core, platform):
    async with core() as service:
        _, thread, record = await compare(service, platform, prompt="Are you alpha or beta? Say which.")
        assert not record.identity_leak
        await service.follow_up(platform, thread, BOB, "I bet A is alpha")
        battle = await service.store.get_battle(record.id)
        assert not battle.identity_leak and battle.leaked_at is None


async def test_bad_model_names_are_refused_with_the_choices(core, platform):
    async with core(models=[
        {"name": "alpha", "provider": "openai"},
        {"name": "beta", "provider": "openai"},
        {"name": "off", "provider": "openai", "enabled": False},
    ]) as service:
        for a, b, expected in (("alpha", "nope", "no enabled model called `nope`"), ("alpha", "off", "`alpha`, `beta`"),
                               ("alpha", "ALPHA", "two different models")):
            reply = await service.compare(platform, SCOPE, "c", ALICE, a, b, "hello")
            assert not reply.ok and expected in reply.text
        assert platform.threads == {} and (await service.store.stats(None)).battles == 0


async def test_bans_and_rate_limits_apply_to_named_battles(core, platform):
    async with core(rate_limit_battles=1, rate_limit_minutes=10) as service:
        assert (await service.ban(MOD, SCOPE, "bob", "spam")).ok
        banned = await service.compare(platform, SCOPE, "c", BOB, "alpha", "beta", "hello")
        assert not banned.ok and "banned" in banned.text
        assert (await service.compare(platform, SCOPE, "c", ALICE, "alpha", "beta", "hello")).ok
        limited = await service.compare(platform, SCOPE, "c", ALICE, "alpha", "beta", "hello")
        assert not limited.ok and "limit is 1" in limited.text
        assert len(platform.threads) == 1


async def test_compare_and_named_board_from_text_commands(core, platform):
    async with core() as service:
        run = lambda actor, text: dispatch(service.commands, CommandContext(service, platform, SCOPE, "chan", actor), text)  # noqa: E731
        reply = await run(ALICE, "compare alpha gamma Write a limerick about tea")
        assert reply.ok
        record = await service.store.battle_by_thread(platform.name, platform.last_thread().ref)
        assert (record.model_a, record.model_b, record.prompt) == ("alpha", "gamma", "Write a limerick about tea")
        assert (await service.vote(platform, platform.ballot(record.thread_ref), BOB, Outcome.B, "e1")).ok
        assert (await run(MOD, f"close #{record.id}")).ok
        board = await run(BOB, "leaderboard mode=named")
        assert "named battles" in board.text and "gamma" in board.text
        assert "No counted votes yet" in (await run(BOB, "leaderboard")).text
        assert not (await run(BOB, "leaderboard mode=secret")).ok


async def test_model_suggestions_for_compare_are_the_enabled_models(core):
    async with core(models=[
        {"name": "alpha", "provider": "openai"},
        {"name": "alpine", "provider": "openai"},
        {"name": "beta", "provider": "openai"},
        {"name": "alps-off", "provider": "openai", "enabled": False},
    ]) as service:
        compare = next(c for c in service.commands if c.path == ("compare",))
        suggest = compare.param("model_a").suggest
        assert suggest is not None and compare.param("model_b").suggest is suggest
        assert sorted(await suggest(service, "AL")) == ["alpha", "alpine"]
        assert sorted(await suggest(service, "")) == ["alpha", "alpine", "beta"]
