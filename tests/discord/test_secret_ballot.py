"""Issue 10, finding 4 on Discord: the secret reaction ballot. With Manage Messages the bot removes
each voter's reaction once the vote is stored, so the ballot shows only its own four; those
removals are never read as withdrawals (also when a RESUME replays them). Without the permission
votes still work, tallies stay visible and the moderators are told once."""

from __future__ import annotations

from typing import Any

from arenabot.domain import Outcome
from arenabot.render import VOTE_EMOJI
from tests.discord.fake_discord import BOT_ID, MANAGE_MESSAGES, FakeDiscord
from tests.discord.harness import arena_settings, eventually, running_bot
from tests.discord.test_discord_adapter import battle_id_of, dms_to, settle, start_battle, wait_votes

A, B, TIE, BAD = (VOTE_EMOJI[o] for o in (Outcome.A, Outcome.B, Outcome.TIE, Outcome.BOTH_BAD))
ONLY_THE_BOTS = {A: 1, B: 1, TIE: 1, BAD: 1}


def let_the_bot_manage_messages(fake: FakeDiscord) -> int:
    role = fake.add_role("arenabot", MANAGE_MESSAGES)
    fake.give_role(BOT_ID, role)
    return role


def removals(fake: FakeDiscord) -> list[Any]:
    return [r for r in fake.requests if r.method == "DELETE" and "/reactions/" in r.path]


def withdraw_button(message: dict[str, Any]) -> str | None:
    ids = [c.get("custom_id") for row in message.get("components", []) for c in row.get("components", [])]
    return next((i for i in ids if i and i.endswith(":withdraw")), None)


def notices(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [m for m in fake.messages.values() if "Manage Messages" in (m.get("content") or "")]


async def test_each_reaction_is_removed_once_stored_and_confirmed_privately(fake, sqlite_url):
    let_the_bot_manage_messages(fake)
    creator, first, second = fake.add_user(name="ann"), fake.add_user(name="ben"), fake.add_user(name="cy")
    async with running_bot(arena_settings(sqlite_url, fake, reveal_to_voter=False), fake) as bot:
        _, thread_id, ballot = await start_battle(bot, creator)
        battle_id = await battle_id_of(bot, thread_id)
        message_id = int(ballot["id"])

        await fake.react(first, message_id, A)
        await wait_votes(bot, battle_id, {str(first): ("a", True)})
        await eventually(lambda: fake.tally(message_id) == ONLY_THE_BOTS, "the voter's reaction removed")
        # The next voter sees no tally to follow.
        await fake.react(second, message_id, B)
        await wait_votes(bot, battle_id, {str(first): ("a", True), str(second): ("b", True)})
        await eventually(lambda: fake.tally(message_id) == ONLY_THE_BOTS, "the second reaction removed")
        await settle(bot)
        # The bot's own removals were not read as withdrawals.
        assert await bot.votes(battle_id) == {str(first): ("a", True), str(second): ("b", True)}

        confirmation = await eventually(lambda: dms_to(fake, first), "private confirmation")
        assert "recorded" in confirmation[-1]["content"] and withdraw_button(confirmation[-1]) is not None

        # Changing: react with another emoji; the old vote is replaced, the ballot stays clean.
        await fake.react(first, message_id, TIE)
        await wait_votes(bot, battle_id, {str(first): ("tie", True), str(second): ("b", True)})
        await eventually(lambda: fake.tally(message_id) == ONLY_THE_BOTS, "the changed reaction removed")
        await settle(bot)
        assert (await bot.service.store.get_battle(battle_id)).counted_votes == 2

        # Withdrawing with the confirmation's control, in the DM.
        latest = await eventually(lambda: len(dms_to(fake, first)) >= 2 and dms_to(fake, first)[-1], "second confirmation")
        state = await fake.click(first, int(latest["id"]), withdraw_button(latest))
        await wait_votes(bot, battle_id, {str(first): (None, False), str(second): ("b", True)})
        await eventually(lambda: state["followups"], "withdrawal answered")
        assert "withdrawn" in state["followups"][-1]["content"]


async def test_the_bots_removals_are_not_withdrawals_after_a_resume_replay(fake, sqlite_url):
    let_the_bot_manage_messages(fake)
    creator, voter = fake.add_user(name="dee"), fake.add_user(name="eve")
    async with running_bot(arena_settings(sqlite_url, fake, reveal_to_voter=False), fake) as bot:
        _, thread_id, ballot = await start_battle(bot, creator)
        battle_id = await battle_id_of(bot, thread_id)
        message_id = int(ballot["id"])
        await fake.react(voter, message_id, A)
        await eventually(lambda: fake.tally(message_id) == ONLY_THE_BOTS, "the reaction removed")
        await wait_votes(bot, battle_id, {str(voter): ("a", True)})
        await settle(bot)
        sent_before = fake.current_session().seq

        # The gateway re-sends the add and the bot-caused remove (same sequence numbers).
        await fake.drop_connection(replay_overlap=2)
        await fake.wait_for_session(resumes=1)
        await settle(bot)
        assert fake.current_session().seq == sent_before + 1  # only RESUMED is new
        assert await bot.votes(battle_id) == {str(voter): ("a", True)}
        assert len(removals(fake)) == 1  # the replayed add was not handled (nor hidden) twice

        # The voter's own later vote and the bot's removal still work after the replay.
        await fake.react(voter, message_id, B)
        await wait_votes(bot, battle_id, {str(voter): ("b", True)})
        await eventually(lambda: fake.tally(message_id) == ONLY_THE_BOTS, "the new reaction removed")
        await settle(bot)
        assert await bot.votes(battle_id) == {str(voter): ("b", True)}
        assert (await bot.service.store.get_battle(battle_id)).counted_votes == 1


async def test_unvote_withdraws_in_the_thread_or_by_number_and_is_final_after_the_names(fake, sqlite_url):
    let_the_bot_manage_messages(fake)
    creator, voter, told = fake.add_user(name="fox"), fake.add_user(name="gil"), fake.add_user(name="hal")
    async with running_bot(arena_settings(sqlite_url, fake, reveal_to_voter=False), fake) as bot:
        _, thread_id, ballot = await start_battle(bot, creator)
        battle_id = await battle_id_of(bot, thread_id)
        await fake.react(voter, int(ballot["id"]), A)
        await wait_votes(bot, battle_id, {str(voter): ("a", True)})
        state = await fake.invoke(voter, ["arena", "unvote"], channel_id=thread_id)  # in the battle thread
        await wait_votes(bot, battle_id, {str(voter): (None, False)})
        await eventually(lambda: state["followups"], "answer")
        assert "withdrawn" in state["followups"][-1]["content"]

        await fake.react(voter, int(ballot["id"]), B)
        await wait_votes(bot, battle_id, {str(voter): ("b", True)})
        state = await fake.invoke(voter, ["arena", "unvote"], {"battle": f"#{battle_id}"})  # from the channel
        await wait_votes(bot, battle_id, {str(voter): (None, False)})
        state = await fake.invoke(voter, ["arena", "unvote"])  # not in a thread, no number
        await eventually(lambda: state["followups"], "answer")
        assert "Nothing to withdraw" in state["followups"][-1]["content"]

    # With the private reveal (the default), the vote is final: unvote is stored, not counted.
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        _, thread_id, ballot = await start_battle(bot, creator)
        battle_id = await battle_id_of(bot, thread_id)
        await fake.react(told, int(ballot["id"]), TIE)
        await wait_votes(bot, battle_id, {str(told): ("tie", True)})
        confirmation = await eventually(lambda: [m for m in dms_to(fake, told) if "recorded" in m["content"]], "confirmation")
        assert withdraw_button(confirmation[-1]) is None  # nothing to withdraw once the names were told
        await fake.react(told, int(ballot["id"]), A)  # a change after the names: stored, not counted
        await eventually(lambda: [m for m in dms_to(fake, told) if "final" in m["content"]], "told the vote is final")
        await eventually(lambda: fake.tally(int(ballot["id"])) == ONLY_THE_BOTS, "that reaction hidden too")
        state = await fake.invoke(told, ["arena", "unvote"], channel_id=thread_id)
        await eventually(lambda: state["followups"], "answer")
        assert "final" in state["followups"][-1]["content"] and state["followups"][-1]["ephemeral"]
        assert await bot.votes(battle_id) == {str(told): ("tie", True)}
        assert (await bot.service.store.get_battle(battle_id)).counted_votes == 1


async def test_without_manage_messages_votes_work_tallies_show_and_moderators_are_told_once(fake, sqlite_url):
    creator = fake.add_user(name="ida")
    voters = [fake.add_user(name=f"v{i}") for i in range(3)]
    async with running_bot(arena_settings(sqlite_url, fake, reveal_to_voter=False), fake) as bot:
        ballots = []
        for prompt in ("Name a river", "Name a mountain"):
            _, thread_id, ballot = await start_battle(bot, creator, prompt)
            ballots.append((await battle_id_of(bot, thread_id), int(ballot["id"])))
        for battle_id, message_id in ballots:
            for voter in voters:
                await fake.react(voter, message_id, A)
            await wait_votes(bot, battle_id, {str(v): ("a", True) for v in voters})
        await settle(bot)
        assert all(fake.tally(m)[A] == 1 + len(voters) for _, m in ballots)  # visible, as documented
        assert removals(fake) == []  # the gateway cache said no: nothing asked in vain
        told = await eventually(lambda: notices(fake), "moderators told")
        assert len(told) == 1 and told[0]["channel_id"] == str(fake.channel_id)  # once, where battles start
        # A member's own removal still withdraws in this mode.
        battle_id, message_id = ballots[0]
        await fake.react(voters[0], message_id, A, add=False)
        await wait_votes(bot, battle_id, {str(voters[0]): (None, False), **{str(v): ("a", True) for v in voters[1:]}})


async def test_a_refused_removal_keeps_the_vote_and_tells_the_moderators_once(fake, sqlite_url):
    """The gateway cache says the bot may (granted at login); the permission is gone by the time
    it removes a reaction, so Discord answers 403 Missing Permissions."""
    role = let_the_bot_manage_messages(fake)
    creator, first, second = fake.add_user(name="jay"), fake.add_user(name="kit"), fake.add_user(name="lou")
    async with running_bot(arena_settings(sqlite_url, fake, reveal_to_voter=False), fake) as bot:
        _, thread_id, ballot = await start_battle(bot, creator)
        battle_id = await battle_id_of(bot, thread_id)
        message_id = int(ballot["id"])
        fake.take_role(BOT_ID, role)  # no GUILD_MEMBER_UPDATE: the bot's cache still says yes
        await fake.react(first, message_id, A)
        await fake.react(second, message_id, B)
        await wait_votes(bot, battle_id, {str(first): ("a", True), str(second): ("b", True)})
        await eventually(lambda: notices(fake), "moderators told")
        await settle(bot)
        assert len(notices(fake)) == 1
        assert fake.tally(message_id) == {A: 2, B: 2, TIE: 1, BAD: 1}
        assert await bot.votes(battle_id) == {str(first): ("a", True), str(second): ("b", True)}


async def test_two_processes_on_one_database_share_the_secret_ballot_and_its_replays(
    db_url, fake
):  # db_url first: its PostgreSQL set-up runs its own loop
    """A second process takes the guild's shard over (a rolling restart) while the first still runs;
    both share the database (SQLite, and PostgreSQL as deployed). The second handles a change on
    the first's ballot, hides it, ignores its own removal, and counts a RESUME replay once."""
    let_the_bot_manage_messages(fake)
    creator, voter = fake.add_user(name="max"), fake.add_user(name="ned")
    settings = arena_settings(db_url, fake, reveal_to_voter=False)
    async with running_bot(settings, fake) as first:
        _, thread_id, ballot = await start_battle(first, creator)
        battle_id = await battle_id_of(first, thread_id)
        message_id = int(ballot["id"])
        await fake.react(voter, message_id, A)
        await wait_votes(first, battle_id, {str(voter): ("a", True)})
        await eventually(lambda: fake.tally(message_id) == ONLY_THE_BOTS, "hidden by the first process")
        await settle(first)

        async with running_bot(settings, fake) as second:  # the newest session gets the guild's events
            assert fake.identifies == 2
            await fake.react(voter, message_id, B)
            await wait_votes(second, battle_id, {str(voter): ("b", True)})
            await eventually(lambda: fake.tally(message_id) == ONLY_THE_BOTS, "hidden by the second process")
            await settle(second)
            await fake.drop_connection(replay_overlap=2)  # the add and the bot-caused remove again
            await fake.wait_for_session(identifies=2, resumes=1)
            await settle(second)
            assert await second.votes(battle_id) == {str(voter): ("b", True)}
            assert (await second.service.store.get_battle(battle_id)).counted_votes == 1
            assert len(removals(fake)) == 2
