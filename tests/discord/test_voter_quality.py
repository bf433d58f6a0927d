"""Issue 11's voter-quality rules through the Discord adapter against the fake gateway: the
account's age comes from the user id (a snowflake), membership from the member's joined_at;
a refused vote is not stored and the voter is told why, privately."""

from __future__ import annotations

from arenabot.domain import Actor, Scope
from tests.discord.fake_discord import GUILD_ID
from tests.discord.harness import arena_settings, eventually, running_bot
from tests.discord.test_discord_adapter import A, battle_id_of, dms_to, settle, start_battle, wait_votes

SCOPE = Scope("discord", str(GUILD_ID))
MOD = Actor("mod", "Moderator", is_moderator=True)
# Snowflakes hold their creation time: this id dates from late 2015, the fake's own ids from 2024.
OLD_ACCOUNT = 100_000_000_000_000_000


async def test_new_accounts_and_new_members_are_refused_privately(fake, sqlite_url):
    creator = fake.add_user(name="dave")
    veteran = fake.add_user(OLD_ACCOUNT, name="vera")
    newcomer = fake.add_user(name="nina")
    async with running_bot(arena_settings(sqlite_url, fake, reveal_to_voter=False), fake) as bot:
        assert (await bot.service.set_setting(MOD, SCOPE, "min_account_age_days", str(5 * 365))).ok
        _, thread_id, ballot = await start_battle(bot, creator)
        battle_id = await battle_id_of(bot, thread_id)
        await fake.react(newcomer, int(ballot["id"]), A)
        await fake.react(veteran, int(ballot["id"]), A)
        await wait_votes(bot, battle_id, {str(veteran): ("a", True)})
        await eventually(lambda: dms_to(fake, newcomer), "the refusal DM")
        assert "accounts must be at least 1825 days old" in dms_to(fake, newcomer)[0]["content"]
        await settle(bot)
        assert await bot.votes(battle_id) == {str(veteran): ("a", True)}  # the refused vote is not stored

        # Both joined the server just now (the fake's joined_at): a membership age refuses them too.
        assert (await bot.service.set_setting(MOD, SCOPE, "min_member_age_days", "1")).ok
        _, thread_id, ballot = await start_battle(bot, creator)
        second = await battle_id_of(bot, thread_id)
        await fake.react(veteran, int(ballot["id"]), A)
        await eventually(lambda: dms_to(fake, veteran), "the refusal DM")
        assert "members vote here after 1 day" in dms_to(fake, veteran)[0]["content"]
        await settle(bot)
        assert await bot.votes(second) == {}
