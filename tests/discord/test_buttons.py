"""Button ballots on Discord: the real discord.py client against the fake Discord, which sends
component interactions (INTERACTION_CREATE type 3) and takes their callbacks as Discord does."""
from __future__ import annotations

import asyncio
from typing import Any

from tests.discord.fake_discord import FakeDiscord
from tests.discord.harness import Bot, arena_settings, eventually, running_bot
from tests.discord.test_discord_adapter import battle_id_of, dms_to, thread_messages, threads, wait_votes


def button_ballot(fake: FakeDiscord, thread_id: int) -> dict[str, Any] | None:
    return next((m for m in thread_messages(fake, thread_id) if m["components"]), None)


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message["components"] for c in row["components"]]


async def start_button_battle(bot: Bot, user: int) -> tuple[int, int, dict[str, Any]]:
    """(thread id, battle id, ballot message) of a battle started with /arena battle."""
    known = set(threads(bot.fake))
    state = await bot.fake.invoke(user, ["arena", "battle"], {"prompt": "Name a good book about the sea"})
    thread_id = await eventually(lambda: next((t for t in threads(bot.fake) if t not in known), None), "battle thread")
    ballot = await eventually(lambda: button_ballot(bot.fake, thread_id), "ballot with buttons")
    await eventually(lambda: state["followups"], "battle acknowledgement")
    return thread_id, await battle_id_of(bot, thread_id), ballot


async def clicks_handled() -> None:
    """Wait for the button callbacks already dispatched (discord.py runs each in its own task)."""
    pending = [t for t in asyncio.all_tasks() if t.get_name().startswith("discord-ui-dynamic-item")]
    await asyncio.gather(*pending, return_exceptions=True)


async def answered(state: dict[str, Any]) -> str:
    """The ephemeral answer to a click (after its deferral)."""
    message = await eventually(lambda: next(iter(state["followups"]), None), "the answer to the click")
    assert message["ephemeral"], "a vote's confirmation must be private"
    return message["content"]


def buttons_settings(db_url: str, fake: FakeDiscord, **arena: Any):
    settings = arena_settings(db_url, fake)
    return settings.model_copy(update={"arena": settings.arena.model_copy(update={"ballot": "buttons", **arena})})


async def test_button_votes_count_once_change_withdraw_and_survive_a_restart(fake, sqlite_url):
    creator, voter = fake.add_user(name="ann"), fake.add_user(name="ben")
    # No private reveal here: a voter who has seen the names could not change (see the next test).
    settings = buttons_settings(sqlite_url, fake, reveal_to_voter=False)
    async with running_bot(settings, fake) as bot:
        thread_id, battle_id, ballot = await start_button_battle(bot, creator)
        ids = custom_ids(ballot)
        assert ids == [f"arena:vote:{battle_id}:{c}" for c in ("a", "b", "tie", "both_bad", "withdraw")] + [
            f"arena:again:{battle_id}"  # the new-round button, in a row of its own
        ]
        assert not ballot["reactions"], "a button ballot has no reactions"
        assert "button" in ballot["content"]

        click = await fake.click(voter, int(ballot["id"]), f"arena:vote:{battle_id}:a")
        assert "recorded" in await answered(click)
        # Acknowledged as a deferred ephemeral answer, then answered by a follow-up.
        assert click["callback"]["type"] == 5 and click["callback"]["data"]["flags"] == 64
        await wait_votes(bot, battle_id, {str(voter): ("a", True)})

        changed = await fake.click(voter, int(ballot["id"]), f"arena:vote:{battle_id}:b")
        assert "changed" in await answered(changed)
        await wait_votes(bot, battle_id, {str(voter): ("b", True)})

        # The first click (A) delivered again, same interaction id and token: Discord refuses its
        # second acknowledgement, and the core must not let it turn the vote back to A.
        await fake.replay(click)
        await eventually(lambda: click.get("refused_callbacks"), "the replay's refused acknowledgement")
        await clicks_handled()
        assert await bot.votes(battle_id) == {str(voter): ("b", True)}
        assert (await bot.service.store.get_battle(battle_id)).counted_votes == 1

        withdrawn = await fake.click(voter, int(ballot["id"]), f"arena:vote:{battle_id}:withdraw")
        assert "withdrawn" in await answered(withdrawn)
        await wait_votes(bot, battle_id, {str(voter): (None, False)})

    async with running_bot(settings, fake) as restarted:  # a new process: nothing cached, new session
        after_restart = await fake.click(voter, int(ballot["id"]), f"arena:vote:{battle_id}:tie")
        assert "recorded" in await answered(after_restart)
        await wait_votes(restarted, battle_id, {str(voter): ("tie", True)})


async def test_a_button_vote_is_final_once_the_voter_was_told_the_names(fake, sqlite_url):
    creator, voter = fake.add_user(name="eve"), fake.add_user(name="fay")
    async with running_bot(buttons_settings(sqlite_url, fake), fake) as bot:
        thread_id, battle_id, ballot = await start_button_battle(bot, creator)
        assert "recorded" in await answered(await fake.click(voter, int(ballot["id"]), f"arena:vote:{battle_id}:a"))
        names = await eventually(lambda: dms_to(fake, voter), "the private reveal")

        changed = await fake.click(voter, int(ballot["id"]), f"arena:vote:{battle_id}:b")
        assert "final" in await answered(changed)
        withdrawn = await fake.click(voter, int(ballot["id"]), f"arena:vote:{battle_id}:withdraw")
        await clicks_handled()
        assert (await bot.service.store.get_battle(battle_id)).counted_votes == 1  # the blind A still counts
        assert len(dms_to(fake, voter)) == len(names), "a change is not a second blind vote to reveal"
        assert "final" not in "".join(m["content"] for m in withdrawn["followups"]), "told once, not on every click"


async def test_a_button_on_a_void_battle_is_refused_privately(fake, sqlite_url):
    creator, voter = fake.add_user(name="cat"), fake.add_user(name="dan")
    async with running_bot(buttons_settings(sqlite_url, fake), fake) as bot:
        thread_id, battle_id, ballot = await start_button_battle(bot, creator)
        await bot.service.store.void_battle(battle_id, "test: voided")
        click = await fake.click(voter, int(ballot["id"]), f"arena:vote:{battle_id}:a")
        assert "void" in await answered(click)
        await wait_votes(bot, battle_id, {str(voter): ("a", False)})
        assert (await bot.service.store.get_battle(battle_id)).counted_votes == 0


async def test_two_processes_on_one_database_count_a_replayed_click_once(db_url, fake):  # db_url first: its PostgreSQL set-up runs its own loop
    """A second process takes the guild's shard over while the first still runs (a rolling
    restart), on one database (SQLite, and PostgreSQL as deployed): a click on the first's ballot
    counts, and the first process's click delivered again to the second does not undo it."""
    creator, voter = fake.add_user(name="ola"), fake.add_user(name="pia")
    settings = buttons_settings(db_url, fake, reveal_to_voter=False)
    async with running_bot(settings, fake) as first:
        thread_id, battle_id, ballot = await start_button_battle(first, creator)
        click = await fake.click(voter, int(ballot["id"]), f"arena:vote:{battle_id}:a")
        assert "recorded" in await answered(click)
        async with running_bot(settings, fake) as second:
            changed = await fake.click(voter, int(ballot["id"]), f"arena:vote:{battle_id}:b")
            assert "changed" in await answered(changed)
            await fake.replay(click)  # the first process's interaction, delivered to the second
            await eventually(lambda: click.get("refused_callbacks"), "the replay's refused acknowledgement")
            await clicks_handled()
            assert await second.votes(battle_id) == {str(voter): ("b", True)}
            assert (await second.service.store.get_battle(battle_id)).counted_votes == 1
