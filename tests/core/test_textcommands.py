"""Text commands shared by Slack and the console."""
from __future__ import annotations

from arenabot.domain import BattleStatus, Outcome
from arenabot.chatcommands.spec import CommandContext
from arenabot.chatcommands.text import dispatch, user_ref
from tests.core.conftest import ALICE, BOB, MOD, SCOPE


def test_user_refs_from_mentions():
    assert user_ref("<@U123|ann>") == "U123"
    assert user_ref("<@123456>") == "123456"
    assert user_ref(" plain ") == "plain"


async def test_dispatch_drives_the_service(core, platform):
    async with core(reveal_to_voter=False) as service:
        run = lambda actor, text: dispatch(service.commands, CommandContext(service, platform, SCOPE, "chan", actor), text)  # noqa: E731
        assert "Arena commands" in (await run(ALICE, "help")).text
        started = await run(ALICE, "battle category:math What is two plus two?")
        assert started.ok
        battle = await service.store.get_battle(1)
        assert battle.categories[0] == "math" and battle.prompt == "What is two plus two?"
        await service.vote(platform, platform.ballot(battle.thread_ref), BOB, Outcome.A, "e1")
        assert (await run(MOD, "close #1")).ok
        assert (await service.store.get_battle(1)).status is BattleStatus.CLOSED
        board = await run(ALICE, "leaderboard math global")
        assert board.board is not None and board.board.votes == 1 and "math" in board.board.title
        styled = await run(ALICE, "leaderboard style=on")
        assert styled.board is not None and "style control" in styled.board.title and styled.board.votes == 1
        with_text = await run(MOD, "export conversations")
        assert with_text.file is not None and b'"conversation_a"' in with_text.file[1]
        assert b'"conversation_a"' not in (await run(MOD, "export")).file[1]  # type: ignore[union-attr]
        assert not (await run(ALICE, "leaderboard a b c")).ok
        assert "alpha" in (await run(ALICE, "models")).text
        assert "Battles: 1" in (await run(ALICE, "stats")).text
        assert not (await run(ALICE, "ban <@bob>")).ok  # not a moderator
        assert (await run(MOD, "ban <@bob|Bob> spamming")).ok
        assert await service.store.is_banned(SCOPE.key, "bob")
        assert (await run(MOD, "unban bob")).ok
        assert (await run(MOD, "model add delta openai delta-1 weight=2 base_url=http://127.0.0.1:9/v1")).ok
        delta = next(m for m in await service.store.list_models() if m.name == "delta")
        assert delta.weight == 2 and delta.base_url == "http://127.0.0.1:9/v1"
        assert not (await run(MOD, "model add eps openai eps-1 colour=red")).ok
        assert (await run(MOD, "model weight delta 0.5")).ok and (await run(MOD, "model disable delta")).ok
        assert (await run(MOD, "set close_after_votes 3")).ok
        assert (await service.store.get_settings(SCOPE.key))["close_after_votes"] == "3"
        assert not (await run(MOD, "close #1")).ok  # already revealed
        assert (await run(MOD, "void 1 testing")).ok
        exported = await run(MOD, "export global")
        assert exported.file is not None
        assert not (await run(MOD, "set")).ok
        assert not (await run(ALICE, "frobnicate")).ok
