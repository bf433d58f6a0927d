"""Published boards through the real Discord adapter: a moderator schedules the board with
`/arena publish`, the periodic job posts it in that channel with its chart, and
`/arena leaderboard as_of` answers from the snapshot."""
from __future__ import annotations

import pytest

from arenabot.chart import plotting_available
from tests.discord.fake_discord import GUILD_ID, MANAGE_GUILD, CommandHidden
from tests.discord.harness import arena_settings, eventually, running_bot


def _records(winner: str, loser: str, n: int, tag: str) -> list[dict]:
    return [{"model_a": winner, "model_b": loser, "winner": "model_a", "judge": f"{tag}{k}"} for k in range(n)]


async def test_a_moderator_schedules_the_board_and_it_is_posted_with_its_chart(fake, sqlite_url):
    member = fake.add_user(name="mallory")
    mod = fake.add_user(name="mod", roles=[fake.add_role("Mods", MANAGE_GUILD)])
    boards = fake.add_text_channel("boards")
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        scope_key = f"discord:{GUILD_ID}"
        await bot.service.store.import_clean_battles(
            _records("demo-owl", "demo-fox", 20, "x") + _records("demo-fox", "demo-owl", 2, "y"), scope_key, bot.service.now()
        )
        with pytest.raises(CommandHidden):  # /arena-admin: Discord does not show it to members
            await fake.invoke(member, ["arena-admin", "publish"], {"every": "week", "channel": f"<#{boards}>"})
        fake.allow_command("arena-admin", GUILD_ID)  # a server that opens it to everyone: the bot refuses
        refused = await fake.invoke(member, ["arena-admin", "publish"], {"every": "week", "channel": f"<#{boards}>"})
        [no] = await eventually(lambda: refused["followups"], "refusal")
        assert no["ephemeral"] and "moderators" in no["content"].lower()

        scheduled = await fake.invoke(mod, ["arena-admin", "publish"], {"every": "week", "channel": f"<#{boards}>"})
        [yes] = await eventually(lambda: scheduled["followups"], "confirmation")
        assert f"<#{boards}>" in yes["content"] and "every week" in yes["content"]

        platform = bot.service.platform("discord")
        assert platform is not None
        assert await bot.service.publishing.publish_due(platform) == 1  # the scheduler's job, one tick
        posted = [m for m in fake.messages.values() if int(m["channel_id"]) == boards]
        assert len(posted) == 1
        assert "Leaderboard" in posted[0]["content"] and "demo-owl" in posted[0]["content"]
        if plotting_available():  # the chart (the plot extra); the table alone without it
            [chart] = posted[0]["attachments"]
            assert chart["filename"] == "leaderboard.png" and chart["data"].startswith(b"\x89PNG")
        assert await bot.service.publishing.publish_due(platform) == 0  # not again this week

        day = bot.service.now().strftime("%Y-%m-%d")
        old = await fake.invoke(member, ["arena", "leaderboard"], {"as_of": day})
        [answer] = await eventually(lambda: old["followups"], "as_of board")
        assert "published" in answer["content"] and "demo-owl" in answer["content"]
        none = await fake.invoke(member, ["arena", "leaderboard"], {"as_of": "2000-01-01"})
        [refusal] = await eventually(lambda: none["followups"], "as_of refusal")
        assert refusal["ephemeral"] and "on or before 2000-01-01" in refusal["content"]
