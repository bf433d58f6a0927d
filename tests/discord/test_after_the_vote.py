"""After the vote on Discord (the real discord.py client against the fake Discord): a voter's
message in the thread is answered by both models, and the 🔁 reaction, the New round button and
/arena again in the thread each start a new blind battle on the same prompt, linked from the old."""
from __future__ import annotations

from arenabot.render import NEW_ROUND_EMOJI
from tests.discord.fake_discord import MANAGE_GUILD
from tests.discord.harness import arena_settings, eventually, running_bot
from tests.support.waiting import until_async
from tests.discord.test_buttons import answered, buttons_settings, start_button_battle
from tests.discord.test_discord_adapter import (
    A,
    ballot_of,
    battle_id_of,
    dms_to,
    start_battle,
    thread_messages,
    threads,
    wait_turns,
    wait_votes,
)


async def test_a_voter_chats_on_then_a_reaction_starts_a_new_round(fake, sqlite_url):
    creator, voter, other = fake.add_user(name="ada"), fake.add_user(name="bo"), fake.add_user(name="cy")
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        _, thread_id, ballot = await start_battle(bot, creator, "Suggest a name for a cat")
        battle_id = await battle_id_of(bot, thread_id)
        assert NEW_ROUND_EMOJI in ballot["content"]

        await fake.react(other, int(ballot["id"]), NEW_ROUND_EMOJI)  # has not voted: refused privately
        await eventually(lambda: any("Vote on battle" in m["content"] for m in dms_to(fake, other)), "refusal DM")
        assert len(threads(fake)) == 1

        await fake.react(voter, int(ballot["id"]), A)
        await wait_votes(bot, battle_id, {str(voter): ("a", True)})
        await fake.post_as(voter, thread_id, "And one for a dog?")
        turns = await wait_turns(bot, battle_id, 4)
        assert [t.after_vote for t in turns] == [False, False, True, True] and turns[-1].prompt == "And one for a dog?"
        await wait_votes(bot, battle_id, {str(voter): ("a", True)})  # unchanged

        await fake.react(voter, int(ballot["id"]), NEW_ROUND_EMOJI)
        new_thread = await eventually(lambda: next((t for t in threads(fake) if t != thread_id), None), "new round thread")
        new = await until_async(
            lambda: bot.service.store.battle_by_thread("discord", str(new_thread)), what="the new round's battle"
        )
        assert new.prompt == "Suggest a name for a cat" and new.anony and new.creator_ref == str(voter)
        await eventually(
            lambda: any(f"battle #{new.id}" in m["content"] for m in thread_messages(fake, thread_id)), "link in the old thread"
        )
        await eventually(lambda: ballot_of(fake, new_thread), "the new round's ballot")  # it ran to the end


async def test_the_new_round_button_and_arena_again_in_the_thread(fake, sqlite_url):
    creator, voter = fake.add_user(name="di"), fake.add_user(name="ed")
    mod = fake.add_user(name="mo", roles=[fake.add_role("Mods", MANAGE_GUILD)])
    async with running_bot(buttons_settings(sqlite_url, fake), fake) as bot:
        thread_id, battle_id, ballot = await start_button_battle(bot, creator)
        click = await fake.click(voter, int(ballot["id"]), f"arena:again:{battle_id}")
        assert "Vote on battle" in await answered(click)

        vote = await fake.click(voter, int(ballot["id"]), f"arena:vote:{battle_id}:b")
        assert "recorded" in await answered(vote)
        known = set(threads(fake))
        again = await fake.click(voter, int(ballot["id"]), f"arena:again:{battle_id}")
        assert "ready for votes" in await answered(again)
        [second] = [t for t in threads(fake) if t not in known]
        assert (await bot.service.store.get_battle(await battle_id_of(bot, second))).prompt == "Name a good book about the sea"

        closed = await fake.invoke(mod, ["arena-admin", "close"], channel_id=thread_id)
        await eventually(lambda: closed["followups"], "close")
        known = set(threads(fake))
        command = await fake.invoke(creator, ["arena", "again"], channel_id=thread_id)  # after the reveal: anyone
        await eventually(lambda: command["followups"], "again acknowledged")
        [third] = [t for t in threads(fake) if t not in known]
        assert (await bot.service.store.battle_by_thread("discord", str(third))).prompt == "Name a good book about the sea"
