"""Content moderation on Discord (the real discord.py client against the fake Discord, and a fake
moderation endpoint): a flagged prompt gets an ephemeral refusal and opens no thread, a flagged
follow-up a DM, and a flagged reply ends behind spoilers with its battle void."""
from __future__ import annotations

from typing import Any

from arenabot.domain import BattleStatus
from tests.discord.harness import arena_settings, eventually, running_bot
from tests.discord.test_discord_adapter import battle_id_of, dms_to, thread_messages, threads
from tests.support.fake_moderation import FakeModeration


def moderated(settings: Any, url: str) -> Any:
    return settings.model_copy(update={"moderation": settings.moderation.model_copy(update={"base_url": url})})


async def test_a_flagged_prompt_is_refused_ephemerally_and_opens_no_thread(fake, sqlite_url):
    member = fake.add_user(name="ann")
    server = await FakeModeration().start()
    try:
        async with running_bot(moderated(arena_settings(sqlite_url, fake), server.url), fake) as bot:
            state = await fake.invoke(member, ["arena", "battle"], {"prompt": "how to go kaboom"})
            await eventually(lambda: state["followups"], "the refusal")
            answer = state["followups"][0]
            assert answer["ephemeral"] is True and "content moderation flagged it (violence)" in answer["content"]
            assert threads(fake) == []
            assert (await bot.service.store.stats(None)).battles == 0
    finally:
        await server.stop()


async def test_a_flagged_reply_goes_behind_spoilers_and_a_flagged_follow_up_gets_a_dm(fake, sqlite_url):
    member = fake.add_user(name="bea")
    prompt = "Describe drizzle on tin roofs"
    # The demo models repeat the prompt's words: the prompt passes, the replies are flagged.
    server = await FakeModeration(flag_words={"drizzle": "violence", "meanie": "harassment"}, allow={prompt}).start()
    try:
        settings = arena_settings(sqlite_url, fake).model_copy(
            update={"arena": arena_settings(sqlite_url, fake).arena.model_copy(update={"max_turns": 3})}
        )
        async with running_bot(moderated(settings, server.url), fake) as bot:
            state = await fake.invoke(member, ["arena", "battle"], {"prompt": prompt})
            thread_id = await eventually(lambda: next(iter(threads(fake)), None), "battle thread")
            await eventually(lambda: state["followups"], "the battle's answer")
            assert "flagged by content moderation (violence)" in state["followups"][0]["content"]
            battle = await bot.service.store.get_battle(await battle_id_of(bot, thread_id))
            assert battle.status is BattleStatus.VOID

            hidden = await eventually(
                lambda: [m for m in thread_messages(fake, thread_id) if "hidden by content moderation" in m["content"]],
                "a hidden reply",
            )
            body = hidden[0]["content"].split("\n")
            assert body[0] in ("**Model A**", "**Model B**")
            assert body[1].startswith("_(hidden by content moderation: violence)_")
            assert body[2:] and all(line.startswith("||") and line.endswith("||") for line in body[2:] if line)
            assert any("drizzle" in line for line in body[2:])
            assert any("reply was flagged by content moderation" in m["content"] for m in thread_messages(fake, thread_id))

            # A void battle takes no follow-up either way; a flagged one is refused before that, by DM.
            await fake.post_as(member, thread_id, "you meanie")
            await eventually(lambda: any("content moderation" in m["content"] for m in dms_to(fake, member)), "DM refusal")
            assert not any(m["content"].startswith("Sorry") for m in thread_messages(fake, thread_id))
    finally:
        await server.stop()
