"""A tournament on Discord (the real discord.py client against the fake Discord): a moderator's
/arena-admin tournament start narrows new battles to the entrants with a progress line in the header,
/arena tournament status answers with the standings (embed and chart), and the end is posted in
the channel where it started."""
from __future__ import annotations

import pytest

from tests.discord.fake_discord import GUILD_ID, MANAGE_GUILD, CommandHidden
from tests.discord.harness import arena_settings, eventually, running_bot
from tests.discord.test_discord_adapter import A, battle_id_of, start_battle, wait_votes


async def test_a_tournament_from_start_to_podium(fake, sqlite_url):
    creator, voter, member = fake.add_user(name="ana"), fake.add_user(name="ben"), fake.add_user(name="cai")
    mod = fake.add_user(name="mod", roles=[fake.add_role("Mods", MANAGE_GUILD)])
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        with pytest.raises(CommandHidden):  # /arena-admin: Discord does not show it to members
            await fake.invoke(member, ["arena-admin", "tournament", "start"], {"name": "Cup", "models": "demo-owl, demo-fox"})
        fake.allow_command("arena-admin", GUILD_ID)  # a server that opens it to everyone: the bot refuses
        refused = await fake.invoke(member, ["arena-admin", "tournament", "start"], {"name": "Cup", "models": "demo-owl, demo-fox"})
        [no] = await eventually(lambda: refused["followups"], "refusal")
        assert no["ephemeral"] and "moderator" in no["content"].lower()
        started = await fake.invoke(
            mod, ["arena-admin", "tournament", "start"], {"name": "Cup", "models": "demo-owl, demo-fox", "votes": 10}
        )
        [answer] = await eventually(lambda: started["followups"], "tournament started")
        assert "Tournament **Cup** has started" in answer["content"]

        for round_ in range(2):
            _, thread_id, ballot = await start_battle(bot, creator, f"Name a river, round {round_}")
            battle = await bot.service.store.get_battle(await battle_id_of(bot, thread_id))
            assert {battle.model_a, battle.model_b} == {"demo-owl", "demo-fox"}
            header = fake.messages[int(battle.header_ref.split("/")[-1])]["content"]
            assert f"Tournament **Cup**: {round_}/10 votes" in header
            await fake.react(voter, int(ballot["id"]), A)
            await wait_votes(bot, battle.id, {str(voter): ("a", True)})
            assert await bot.service.store.close_battle(battle.id, bot.service.now())

        status = await fake.invoke(member, ["arena", "tournament", "status"])
        [shown] = await eventually(lambda: status["followups"], "status")
        [embed] = shown["embeds"]
        assert "2/10 votes" in embed["footer"]["text"] and "demo-owl" in embed["description"]
        [chart] = shown["attachments"]
        assert chart["data"].startswith(b"\x89PNG")

        stopped = await fake.invoke(mod, ["arena-admin", "tournament", "stop"])
        await eventually(lambda: stopped["followups"], "stopped")
        result = await eventually(
            lambda: next((m for m in fake.messages.values() if "is over" in m["content"]), None), "the result in the channel"
        )
        assert result["channel_id"] == str(fake.channel_id) and "🥇" in result["content"]
        [chart] = result["attachments"]
        assert chart["data"].startswith(b"\x89PNG")
