"""`categories` lists each category with its revealed battles (never an open battle's), the
finer categories get their own boards, and Discord autocompletes the leaderboard's category."""
from __future__ import annotations

from arenabot.chatcommands.spec import CommandContext
from arenabot.chatcommands.text import dispatch
from arenabot.domain import Outcome
from arenabot.features.boards.commands import category_names
from tests.core.conftest import ALICE, BOB, MOD, SCOPE, battle

HARD = (
    "Design an efficient algorithm in Python to schedule 200 meetings across 15 rooms for my company, "
    "minimizing conflicts and travel between buildings; explain its complexity and prove it is correct."
)


def run(service, platform, text):
    return dispatch(service.commands, CommandContext(service, platform, SCOPE, "c", ALICE), text)


async def test_categories_count_revealed_battles_only(core, platform):
    async with core() as service:
        _, thread, record = await battle(service, platform, prompt=HARD)
        assert {"hard_prompt", "coding"} <= set(record.categories)
        before = (await run(service, platform, "categories")).text
        assert (await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "v1")).ok
        assert (await run(service, platform, "categories")).text == before  # an open battle shows nothing
        assert "- hard prompt: 0 / 0" in before and "- overall: 0 / 0" in before

        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        after = (await run(service, platform, "categories")).text
        assert "- hard prompt: 1 / 1" in after and "- coding: 1 / 1" in after and "- overall: 1 / 1" in after
        assert after.index("hard prompt") < after.index("math")  # most battled first

        board = await run(service, platform, "leaderboard hard_prompt")
        assert board.ok and board.board is not None and len(board.board.rows) == 2
        assert "1 / 1" not in (await run(service, platform, "categories mode=named")).text


async def test_leaderboard_category_suggestions(core, platform):
    async with core() as service:
        assert "hard_prompt" in await category_names(service, "hard")
        assert await category_names(service, "instr") == ["instruction_following"]
        _, thread, record = await battle(service, platform, prompt="Écris un poème sur la mer")
        assert (await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "v1")).ok
        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        suggested = await category_names(service, "")
        assert suggested[:2] in (["creative_writing", "french"], ["french", "creative_writing"])  # battled ones first
        assert len(suggested) <= 25
