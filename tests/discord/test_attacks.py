"""Issue 10's findings played by an attacker through the real Discord adapter and the fake Discord.

The attacker is a member (or an ex-voter) who reads everything the bot shows them while someone
else's battle is open, trying to learn which two models are in it."""
from __future__ import annotations

from typing import Any

from arenabot.adapters.discord.actors import scope_for
from arenabot.domain import Outcome
from arenabot.render import VOTE_EMOJI
from tests.discord.fake_discord import BOT_ID, GUILD_ID, MANAGE_GUILD, FakeDiscord
from tests.discord.harness import Bot, arena_settings, eventually, running_bot
from tests.discord.test_discord_adapter import battle_id_of, settle, start_battle, thread_messages, wait_votes
from tests.discord.test_secret_ballot import ONLY_THE_BOTS, let_the_bot_manage_messages

A, B, TIE, BAD = (VOTE_EMOJI[o] for o in (Outcome.A, Outcome.B, Outcome.TIE, Outcome.BOTH_BAD))
SCOPE = scope_for(GUILD_ID)
MEMBER_VIEWS = (["arena", "leaderboard"], ["arena", "leaderboard", {"scope": "global"}], ["arena", "stats"], ["arena", "models"])


def _shown(answer: dict[str, Any]) -> tuple[Any, ...]:
    """What a member sees of an answer: its text, embeds and attachments."""
    files = tuple((f["filename"], f["data"]) for f in answer.get("attachments", []))
    return answer.get("content"), answer.get("embeds"), files


async def attacker_view(fake: FakeDiscord, attacker: int) -> list[tuple[Any, ...]]:
    """Every read-only command a member may run, as the answers they get."""
    seen = []
    for view in MEMBER_VIEWS:
        command = [p for p in view if isinstance(p, str)]
        options = next((p for p in view if isinstance(p, dict)), None)
        state = await fake.invoke(attacker, command, options)
        answers = await eventually(lambda state=state: state["followups"], f"answer to {command}")
        seen.append(tuple(_shown(a) for a in answers))
    return seen


async def vote_and_reveal(bot: Bot, fake: FakeDiscord, creator: int, voters: list[int], mod: int, prompt: str) -> None:
    _, thread_id, ballot = await start_battle(bot, creator, prompt)
    battle_id = await battle_id_of(bot, thread_id)
    for voter in voters:
        await fake.react(voter, int(ballot["id"]), A)
    await wait_votes(bot, battle_id, {str(v): ("a", True) for v in voters})
    closed = await fake.invoke(mod, ["arena-admin", "close"], {"battle": f"#{battle_id}"})
    await eventually(lambda: closed["followups"], "closed")


async def test_an_open_battle_shows_an_attacker_nothing_until_its_reveal(fake, sqlite_url):
    """Findings 1, 4 and 5 on Discord: the boards (server and global), stats, models and the ballot's
    reactions are byte-identical before and after votes on an open battle; the reveal moves the
    board by exactly the battle's counted votes."""
    let_the_bot_manage_messages(fake)
    mod = fake.add_user(name="mod", roles=[fake.add_role("Mods", MANAGE_GUILD)])
    creator, attacker = fake.add_user(name="cara"), fake.add_user(name="mallory")
    voters = [fake.add_user(name=f"v{i}") for i in range(3)]
    async with running_bot(arena_settings(sqlite_url, fake, reveal_to_voter=False), fake) as bot:
        await vote_and_reveal(bot, fake, creator, voters[:1], mod, "A revealed battle so the boards are not empty")

        _, thread_id, ballot = await start_battle(bot, creator, "Describe a lighthouse at night")
        battle_id = await battle_id_of(bot, thread_id)
        message_id = int(ballot["id"])
        before = await attacker_view(fake, attacker)
        board_before = (await bot.service.leaderboard(SCOPE)).board

        for voter, emoji in zip(voters, (A, B, TIE), strict=True):
            await fake.react(voter, message_id, emoji)
        await wait_votes(bot, battle_id, {str(voters[0]): ("a", True), str(voters[1]): ("b", True), str(voters[2]): ("tie", True)})
        await eventually(lambda: fake.tally(message_id) == ONLY_THE_BOTS, "every voter's reaction removed")
        await settle(bot)
        assert fake.tally(message_id) == ONLY_THE_BOTS  # no tally to herd after
        assert await attacker_view(fake, attacker) == before  # byte-identical while open

        closed = await fake.invoke(mod, ["arena-admin", "close"], {"battle": f"#{battle_id}"})
        await eventually(lambda: closed["followups"], "closed")
        board_after = (await bot.service.leaderboard(SCOPE)).board
        assert board_after.votes - board_before.votes == 3  # exactly the battle's counted votes
        assert await attacker_view(fake, attacker) != before


async def test_a_member_naming_a_model_in_the_thread_stops_later_votes_counting(fake, sqlite_url):
    """Finding 3 on Discord: any member's thread message is read, not only the creator's."""
    creator, early, talker, late = (fake.add_user(name=n) for n in ("cara", "early", "talker", "late"))
    async with running_bot(arena_settings(sqlite_url, fake, reveal_to_voter=False), fake) as bot:
        _, thread_id, ballot = await start_battle(bot, creator)
        battle_id = await battle_id_of(bot, thread_id)
        record = await bot.service.store.get_battle(battle_id)
        await fake.react(early, int(ballot["id"]), A)
        await wait_votes(bot, battle_id, {str(early): ("a", True)})
        await fake.post_as(talker, thread_id, f"pretty sure A is {record.model_a}")
        await eventually(lambda: _leak_notes(fake, thread_id), "the thread told")
        await fake.react(late, int(ballot["id"]), B)
        await fake.post_as(talker, thread_id, f"and B is {record.model_b}")
        await wait_votes(bot, battle_id, {str(early): ("a", True), str(late): ("b", False)})
        await settle(bot)
        assert len(_leak_notes(fake, thread_id)) == 1
        assert (await bot.service.store.get_battle(battle_id)).leaked_at is not None


def _leak_notes(fake: FakeDiscord, thread_id: int) -> list[dict[str, Any]]:
    return [
        m for m in thread_messages(fake, thread_id)
        if m["author"]["id"] == str(BOT_ID) and "named one of these models" in (m.get("content") or "")
    ]

