"""The real discord.py client and the real core, against the fake Discord on 127.0.0.1."""
from __future__ import annotations

import json

import asyncio
import re
from collections.abc import Sequence
from typing import Any

import pytest

from arenabot.config import ModelSettings
from arenabot.domain import Message
from arenabot.providers import Completion, ProviderHub
from arenabot.render import VOTE_EMOJI
from arenabot.domain import Outcome
from tests.discord.fake_discord import BOT_ID, GUILD_ID, MANAGE_GUILD, CommandHidden, FakeDiscord, UserOption
from tests.discord.harness import Bot, arena_settings, eventually, running_bot

A, B, TIE, BAD = (VOTE_EMOJI[o] for o in (Outcome.A, Outcome.B, Outcome.TIE, Outcome.BOTH_BAD))


# ----- helpers ---------------------------------------------------------------------------------

def thread_messages(fake: FakeDiscord, thread_id: int) -> list[dict[str, Any]]:
    return [m for m in fake.messages.values() if m["channel_id"] == str(thread_id)]


def threads(fake: FakeDiscord) -> list[int]:
    return [int(c["id"]) for c in fake.channels.values() if c["type"] == 11]


def ballot_of(fake: FakeDiscord, thread_id: int) -> dict[str, Any] | None:
    for message in thread_messages(fake, thread_id):
        if len([r for r in message["reactions"] if r[1] == BOT_ID]) == 4:
            return message
    return None


async def start_battle(bot: Bot, user: int, prompt: str = "Write a haiku about rain on tin roofs") -> tuple[dict, int, dict]:
    """Run /arena battle and wait for the ballot; returns (interaction state, thread id, ballot)."""
    known = set(threads(bot.fake))
    state = await bot.fake.invoke(user, ["arena", "battle"], {"prompt": prompt})
    thread_id = await eventually(lambda: next((t for t in threads(bot.fake) if t not in known), None), "battle thread")
    ballot = await eventually(lambda: ballot_of(bot.fake, thread_id), "ballot with four reactions")
    await eventually(lambda: state["followups"], "battle acknowledgement")
    return state, thread_id, ballot


async def battle_id_of(bot: Bot, thread_id: int) -> int:
    battle = await bot.service.store.battle_by_thread("discord", str(thread_id))
    assert battle is not None
    return battle.id


async def wait_votes(bot: Bot, battle_id: int, expected: dict[str, tuple[str | None, bool]]) -> None:
    async def check() -> bool:
        return await bot.votes(battle_id) == expected

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not await check():
        if loop.time() > deadline:
            assert await bot.votes(battle_id) == expected
        await asyncio.sleep(0.02)


async def wait_turns(bot: Bot, battle_id: int, count: int) -> list[Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while len(turns := await bot.service.store.turns(battle_id)) < count:
        assert loop.time() < deadline, f"timed out waiting for {count} turn records"
        await asyncio.sleep(0.02)
    return turns


def dms_to(fake: FakeDiscord, user: int) -> list[dict[str, Any]]:
    channels = {c["id"] for c in fake.channels.values() if c["type"] == 1 and c["recipients"][0]["id"] == str(user)}
    return [m for m in fake.messages.values() if m["channel_id"] in channels]


async def settle(bot: Bot) -> None:
    """Let handler tasks already dispatched run to completion (no timing assumptions)."""
    for _ in range(3):
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and "on_raw_reaction" in t.get_name()]
        await asyncio.gather(*pending, return_exceptions=True)
        await asyncio.sleep(0.05)


# ----- login and commands ------------------------------------------------------------------------

async def test_login_syncs_commands_once_not_on_resume_or_restart(fake, sqlite_url):
    settings = arena_settings(sqlite_url, fake)
    async with running_bot(settings, fake) as bot:
        assert fake.command_puts == [None]
        arena, admin = fake.commands[None]
        assert arena["name"] == "arena" and admin["name"] == "arena-admin"
        assert {"battle", "leaderboard", "models", "stats", "help"} <= {o["name"] for o in arena["options"]}
        assert {"model", "ban", "unban", "close", "void", "export", "settings"} <= {o["name"] for o in admin["options"]}
        await fake.drop_connection()
        await fake.wait_for_session(resumes=1)
        assert bot.client.is_ready()
    assert fake.identifies == 1 and fake.resumes == 1
    async with running_bot(settings, fake):  # a restart with unchanged commands writes nothing
        pass
    assert fake.command_puts == [None]


async def test_dev_guild_sync_registers_guild_commands(fake, sqlite_url):
    async with running_bot(arena_settings(sqlite_url, fake, dev_guild_id=GUILD_ID), fake):
        assert fake.command_puts == [GUILD_ID]
        assert fake.commands[GUILD_ID][0]["name"] == "arena"


async def test_identify_asks_only_for_documented_intents(fake, sqlite_url):
    async with running_bot(arena_settings(sqlite_url, fake), fake, message_content=False):
        intents = fake.current_session().intents
    guilds, guild_messages, guild_reactions = 1 << 0, 1 << 9, 1 << 10
    assert intents == guilds | guild_messages | guild_reactions


# ----- a battle ------------------------------------------------------------------------------------

async def test_battle_defers_opens_thread_streams_and_adds_four_reactions(fake, sqlite_url):
    member = fake.add_user(name="alice")
    async with running_bot(arena_settings(sqlite_url, fake, delay_s=0.005), fake, edit_interval=0.05) as bot:
        state, thread_id, ballot = await start_battle(bot, member, "Explain how rainbows form")

        # Deferred (ephemeral, thinking) before anything was posted in the thread.
        assert state["callback"]["type"] == 5 and state["callback"]["data"]["flags"] == 64
        calls = [(r.method, r.path) for r in fake.requests]
        defer_at = next(i for i, c in enumerate(calls) if c[1].endswith("/callback"))
        thread_at = next(i for i, c in enumerate(calls) if c == ("POST", f"/channels/{fake.channel_id}/threads"))
        assert defer_at < thread_at

        header, side_a, side_b = thread_messages(fake, thread_id)[:3]
        assert "Explain how rainbows form" in header["content"]
        assert side_a["content"].startswith("**Model A**") and side_b["content"].startswith("**Model B**")
        # Streamed: intermediate previews, then the full reply without the cursor.
        assert len(side_a["edits"]) >= 2 and len(side_b["edits"]) >= 2
        assert "▌" in side_a["edits"][0] and "▌" not in side_a["content"]
        battle = await bot.service.store.get_battle(await battle_id_of(bot, thread_id))
        turns = await bot.service.store.turns(battle.id)
        assert {t.reply for t in turns} and all(t.reply in (side_a["content"] + side_b["content"]) for t in turns)

        assert [r for r in ballot["reactions"] if r[1] == BOT_ID] == [(A, BOT_ID), (B, BOT_ID), (TIE, BOT_ID), (BAD, BOT_ID)]
        assert state["followups"][0]["ephemeral"] is True
        assert f"#{battle.id}" in state["followups"][0]["content"]
        # The bot's own reactions reached it through the gateway and were not votes.
        await settle(bot)
        assert await bot.votes(battle.id) == {}


async def test_each_reply_is_previewed_at_most_once_per_edit_interval(fake, sqlite_url):
    member = fake.add_user(name="pacer")
    interval = 0.1
    async with running_bot(arena_settings(sqlite_url, fake, delay_s=0.004), fake, edit_interval=interval) as bot:
        _, thread_id, _ = await start_battle(bot, member, "Describe a lighthouse keeper's morning routine in detail")
    edits = [r for r in fake.requests if r.method == "PATCH" and r.path.startswith(f"/channels/{thread_id}/")]
    assert len(edits) >= 4 and len({r.path for r in edits}) == 2  # both replies streamed
    for path in {r.path for r in edits}:
        times = [r.at for r in edits if r.path == path]
        # Previews of one reply never closer than the interval (the final edit may follow sooner).
        gaps = [later - earlier for earlier, later in zip(times[:-2], times[1:-1])]
        assert all(gap >= interval * 0.95 for gap in gaps)


async def test_429_on_an_edit_is_waited_out(fake, sqlite_url):
    member = fake.add_user(name="bob")
    fake.rate_limit("PATCH", r"^/channels/\d+/messages/\d+$", times=2, retry_after=0.25)
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        state, thread_id, _ = await start_battle(bot, member)
        assert len(fake.rate_limited) == 2
        header, side_a, side_b = thread_messages(fake, thread_id)[:3]
        turns = await bot.service.store.turns(await battle_id_of(bot, thread_id))
        assert all(t.error is None for t in turns)
        assert sorted(t.reply in side_a["content"] or t.reply in side_b["content"] for t in turns) == [True, True]
        # Both 429'd requests were retried, each only after Retry-After's 0.25 s, and succeeded.
        for limited in fake.rate_limited:
            retry = next(r for r in fake.requests if r.method == "PATCH" and r.path == limited.path and r.at > limited.at)
            assert retry.at - limited.at >= 0.25, (limited, retry)


class _LongCodeProvider:
    """A model whose answer is far over Discord's limit and mostly one fenced code block."""

    async def complete(self, model: ModelSettings, messages: Sequence[Message], on_delta=None) -> Completion:
        body = "\n".join(f"    line_{i} = compute({i}, '{model.name}')  # step {i}" for i in range(140))
        text = f"Here is the program:\n```python\n{body}\n```\nThat is all."
        if on_delta is not None:
            await on_delta(text)
        return Completion(text=text, finish_reason="stop")


async def test_long_reply_is_split_without_breaking_code_blocks(fake, sqlite_url):
    member = fake.add_user(name="carol")
    settings = arena_settings(sqlite_url, fake)
    hub = ProviderHub(settings)
    hub.register("demo", _LongCodeProvider())
    async with running_bot(settings, fake, hub=hub) as bot:
        _, thread_id, ballot = await start_battle(bot, member, "Write a long program")
    messages = thread_messages(fake, thread_id)
    assert all(len(m["content"]) <= 2000 for m in messages)
    full = [m["content"] for m in messages if "line_" in m["content"]]
    assert len(full) >= 4  # each side's reply needed at least two messages
    for content in full:
        assert content.count("```") % 2 == 0, content[-80:]
    lines = [line for content in full for line in content.split("\n") if "line_139" in line]
    assert len(lines) == 2  # the very last code line arrived on both sides
    assert ballot is not None


# ----- votes -----------------------------------------------------------------------------------------

async def test_after_the_private_reveal_a_changed_reaction_does_not_count(fake, sqlite_url):
    creator = fake.add_user(name="dana")
    voter = fake.add_user(name="eric")
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        _, thread_id, ballot = await start_battle(bot, creator)
        battle_id = await battle_id_of(bot, thread_id)
        message_id = int(ballot["id"])
        await fake.react(voter, message_id, A)
        await wait_votes(bot, battle_id, {str(voter): ("a", True)})
        reveal = await eventually(lambda: dms_to(fake, voter), "names sent privately")
        battle = await bot.service.store.get_battle(battle_id)
        assert battle.model_a in reveal[0]["content"] and battle.model_b in reveal[0]["content"]
        await fake.react(voter, message_id, B)  # the voter knows the names now: the vote is final
        await eventually(lambda: len(dms_to(fake, voter)) == 2, "told privately that the vote is final")
        assert "final" in dms_to(fake, voter)[1]["content"]
        await fake.react(voter, message_id, A, add=False)
        await settle(bot)
        assert len(dms_to(fake, voter)) == 2  # told once
        assert await bot.votes(battle_id) == {str(voter): ("a", True)}
        assert (await bot.service.store.get_battle(battle_id)).counted_votes == 1


async def test_member_reactions_vote_change_and_withdraw_bots_ignored(fake, sqlite_url):
    creator = fake.add_user(name="dave")
    voter = fake.add_user(name="erin")
    other_bot = fake.add_user(name="otherbot", bot=True)
    async with running_bot(arena_settings(sqlite_url, fake, reveal_to_voter=False), fake) as bot:
        _, thread_id, ballot = await start_battle(bot, creator)
        battle_id = await battle_id_of(bot, thread_id)
        message_id = int(ballot["id"])

        await fake.react(voter, message_id, A)
        await wait_votes(bot, battle_id, {str(voter): ("a", True)})

        await fake.react(voter, message_id, B)  # change
        await wait_votes(bot, battle_id, {str(voter): ("b", True)})
        await fake.react(voter, message_id, A, add=False)  # stale reaction removed: vote stays B
        await fake.react(voter, message_id, "🔥")  # not a vote emoji
        await fake.react(other_bot, message_id, TIE)  # other bots never vote
        await settle(bot)
        await wait_votes(bot, battle_id, {str(voter): ("b", True)})

        await fake.react(voter, message_id, B, add=False)  # withdraw
        await wait_votes(bot, battle_id, {str(voter): (None, False)})
        # A reaction on the header (not the ballot) is no vote.
        header_id = int(thread_messages(fake, thread_id)[0]["id"])
        await fake.react(voter, header_id, A)
        await settle(bot)
        assert (await bot.votes(battle_id)) == {str(voter): (None, False)}
        assert (await bot.service.store.get_battle(battle_id)).counted_votes == 0


async def test_closed_dms_do_not_lose_the_vote(fake, sqlite_url):
    creator = fake.add_user(name="fay")
    shy = fake.add_user(name="shy")
    fake.dm_closed.add(shy)
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        _, thread_id, ballot = await start_battle(bot, creator)
        battle_id = await battle_id_of(bot, thread_id)
        await fake.react(shy, int(ballot["id"]), TIE)
        await wait_votes(bot, battle_id, {str(shy): ("tie", True)})
        await eventually(lambda: any(r.path == "/users/@me/channels" for r in fake.requests), "DM attempt")
        assert dms_to(fake, shy) == []
        assert not bot.task.done()


async def test_replayed_events_after_resume_count_once(fake, sqlite_url):
    creator = fake.add_user(name="gus")
    voter = fake.add_user(name="hana")
    # Without the private reveal, so that the withdrawal and the re-add below are real changes.
    async with running_bot(arena_settings(sqlite_url, fake, reveal_to_voter=False), fake) as bot:
        _, thread_id, ballot = await start_battle(bot, creator)
        battle_id = await battle_id_of(bot, thread_id)
        message_id = int(ballot["id"])
        await fake.react(voter, message_id, A)
        await wait_votes(bot, battle_id, {str(voter): ("a", True)})
        await fake.react(voter, message_id, A, add=False)
        await wait_votes(bot, battle_id, {str(voter): (None, False)})
        sent_before = fake.current_session().seq

        # The gateway re-sends the add and the remove (same sequence numbers) after the RESUME.
        await fake.drop_connection(replay_overlap=2)
        await fake.wait_for_session(resumes=1)
        await settle(bot)
        assert fake.current_session().seq == sent_before + 1  # only RESUMED is new; the rest were replays

        assert await bot.votes(battle_id) == {str(voter): (None, False)}  # the replayed add did not count again
        # A genuine re-add afterwards is a new event and counts.
        await fake.react(voter, message_id, A)
        await wait_votes(bot, battle_id, {str(voter): ("a", True)})
        await settle(bot)
        assert (await bot.service.store.get_battle(battle_id)).counted_votes == 1


async def test_reconnect_mid_battle_loses_no_vote(db_url, fake):
    creator = fake.add_user(name="ivan")
    voters = [fake.add_user(name=f"v{i}") for i in range(3)]
    async with running_bot(arena_settings(db_url, fake, delay_s=0.01), fake, edit_interval=0.05) as bot:
        state = await fake.invoke(creator, ["arena", "battle"], {"prompt": "Compare tea and coffee"})
        thread_id = await eventually(lambda: next(iter(threads(fake)), None), "thread")
        await eventually(lambda: len(thread_messages(fake, thread_id)) >= 3, "replies streaming")
        assert bot.service.readiness.all_connected()
        fake.hold_resumes()
        await fake.drop_connection()  # mid-generation: REST keeps working, the gateway is down
        await eventually(lambda: not bot.service.readiness.all_connected(), "/readyz sees the gateway down")
        ballot = await eventually(lambda: ballot_of(fake, thread_id), "ballot")
        for voter, emoji in zip(voters, (A, B, A)):
            await fake.react(voter, int(ballot["id"]), emoji)  # while disconnected: held for RESUME
        fake.release_resumes()
        await fake.wait_for_session(resumes=1)
        await eventually(lambda: bot.service.readiness.all_connected(), "/readyz sees the gateway back")
        battle_id = await battle_id_of(bot, thread_id)
        await wait_votes(bot, battle_id, {str(voters[0]): ("a", True), str(voters[1]): ("b", True), str(voters[2]): ("a", True)})
        assert (await bot.service.store.get_battle(battle_id)).counted_votes == 3
        await eventually(lambda: state["followups"], "battle acknowledgement")


# ----- follow-ups -----------------------------------------------------------------------------------

async def test_creator_follow_up_in_thread_continues_the_battle(fake, sqlite_url):
    creator = fake.add_user(name="jo")
    stranger = fake.add_user(name="kim")
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        _, thread_id, _ = await start_battle(bot, creator, "Name a good houseplant")
        battle_id = await battle_id_of(bot, thread_id)
        await fake.post_as(stranger, thread_id, "what about cacti?")  # not the creator: ignored
        await fake.post_as(creator, thread_id, "Which one needs the least light?")
        turns = await wait_turns(bot, battle_id, 4)
        assert any("least light" in t.prompt for t in turns)
        assert not any("cacti" in t.prompt for t in turns)


async def test_without_content_intent_a_follow_up_must_mention_the_bot(fake, sqlite_url):
    creator = fake.add_user(name="lee")
    async with running_bot(arena_settings(sqlite_url, fake), fake, message_content=False) as bot:
        _, thread_id, _ = await start_battle(bot, creator, "Suggest a name for a cat")
        battle_id = await battle_id_of(bot, thread_id)
        await fake.post_as(creator, thread_id, "a grey one please")  # content hidden from the bot
        await fake.post_as(creator, thread_id, f"<@{BOT_ID}> an orange one please")
        prompts = [t.prompt for t in await wait_turns(bot, battle_id, 4)]
        assert any(p == "an orange one please" for p in prompts)
        assert not any("grey" in p for p in prompts)


async def test_without_content_intent_replying_to_the_bot_is_a_follow_up(fake, sqlite_url):
    """Issue 13: a reply to one of the bot's messages mentions the bot (Discord's default), so its
    text arrives without Message Content; a reply with the ping switched off does not."""
    creator = fake.add_user(name="lee")
    async with running_bot(arena_settings(sqlite_url, fake), fake, message_content=False) as bot:
        _, thread_id, _ = await start_battle(bot, creator, "Suggest a name for a dog")
        battle_id = await battle_id_of(bot, thread_id)
        bots_message = next(m for m in thread_messages(fake, thread_id) if m["author"]["id"] == str(BOT_ID))
        await fake.post_as(creator, thread_id, "a spotted one please", reply_to=int(bots_message["id"]), ping=False)
        await fake.post_as(creator, thread_id, "a fluffy one please", reply_to=int(bots_message["id"]))
        prompts = [t.prompt for t in await wait_turns(bot, battle_id, 4)]
        assert "a fluffy one please" in prompts
        assert not any("spotted" in p for p in prompts)


# ----- moderation and boards --------------------------------------------------------------------------

async def test_moderator_command_refused_to_a_member_allowed_to_moderators(fake, sqlite_url):
    member = fake.add_user(name="mallory")
    target = fake.add_user(name="target")
    admin_role = fake.add_role("Admins", MANAGE_GUILD)
    referee_role = fake.add_role("Arena referee")
    admin = fake.add_user(name="admin", roles=[admin_role])
    referee = fake.add_user(name="referee", roles=[referee_role])
    settings = arena_settings(sqlite_url, fake, moderator_role="Arena referee")
    async with running_bot(settings, fake) as bot:
        scope_key = f"discord:{GUILD_ID}"
        with pytest.raises(CommandHidden):  # Discord does not even show it to members
            await fake.invoke(member, ["arena-admin", "ban"], {"user": UserOption(target)})
        # The owner lets the referee role use /arena-admin (Integrations settings), and, by
        # mistake, everyone: the bot still refuses members.
        fake.allow_command("arena-admin", referee_role)
        fake.allow_command("arena-admin", GUILD_ID)
        refused = await fake.invoke(member, ["arena-admin", "ban"], {"user": UserOption(target)})
        await eventually(lambda: refused["followups"], "refusal")
        assert refused["callback"]["data"]["flags"] == 64 and refused["followups"][0]["ephemeral"]
        assert "moderator" in refused["followups"][0]["content"].lower()
        assert not await bot.service.store.is_banned(scope_key, str(target))

        allowed = await fake.invoke(admin, ["arena-admin", "ban"], {"user": UserOption(target), "reason": "spam"})
        await eventually(lambda: allowed["followups"], "ban confirmation")
        assert await bot.service.store.is_banned(scope_key, str(target))

        by_role = await fake.invoke(referee, ["arena-admin", "unban"], {"user": UserOption(target)})
        await eventually(lambda: by_role["followups"], "unban confirmation")
        assert not await bot.service.store.is_banned(scope_key, str(target))

        refused_model = await fake.invoke(member, ["arena-admin", "model", "disable"], {"name": "demo-owl"})
        await eventually(lambda: refused_model["followups"], "refusal")
        assert all(m.enabled for m in await bot.service.store.list_models())


async def test_leaderboard_embed_with_chart_and_export_file(fake, sqlite_url):
    creator = fake.add_user(name="nia")
    voters = [fake.add_user(name=f"w{i}") for i in range(2)]
    mod_role = fake.add_role("Mods", MANAGE_GUILD)
    mod = fake.add_user(name="mod", roles=[mod_role])
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        for round_ in range(2):
            _, thread_id, ballot = await start_battle(bot, creator, f"Tell me a fact about the moon, round {round_}")
            battle_id = await battle_id_of(bot, thread_id)
            for voter in voters:
                await fake.react(voter, int(ballot["id"]), A)
            await wait_votes(bot, battle_id, {str(v): ("a", True) for v in voters})
            assert await bot.service.store.close_battle(battle_id, bot.service.now())  # boards show revealed battles

        board = await fake.invoke(creator, ["arena", "leaderboard"])
        [answer] = await eventually(lambda: board["followups"], "leaderboard")
        assert not (board["callback"].get("data") or {}).get("flags")  # public
        assert answer["ephemeral"] is False
        [embed] = answer["embeds"]
        assert "rating" in embed["description"] and "95% CI" in embed["description"]
        assert re.search(r"demo-\w+", embed["description"])
        [chart] = answer["attachments"]
        assert chart["filename"] == "leaderboard.png" and chart["data"].startswith(b"\x89PNG")
        assert embed["image"]["url"] == "attachment://leaderboard.png"

        export = await fake.invoke(mod, ["arena-admin", "export"])
        [exported] = await eventually(lambda: export["followups"], "export")
        [file] = exported["attachments"]
        assert file["filename"] == "battles.json" and b"model_a" in file["data"]
        records = json.loads(file["data"])
        assert {r["language"] for r in records} == {"English"} and "conversation_a" not in records[0]
        assert all(r["dedup_tag"] == {"high_freq": False, "sampled": True} for r in records)
        with_text = await fake.invoke(mod, ["arena-admin", "export"], {"content": "conversations"})
        [exported] = await eventually(lambda: with_text["followups"], "export with conversations")
        [file] = exported["attachments"]
        records = json.loads(file["data"])
        assert records[0]["conversation_a"][0] == {"role": "user", "content": "Tell me a fact about the moon, round 0"}
        assert records[0]["conv_metadata"]["turns"] == 1

        styled = await fake.invoke(creator, ["arena", "leaderboard"], {"style": "on"})
        [answer] = await eventually(lambda: styled["followups"], "style-controlled leaderboard")
        [embed] = answer["embeds"]
        assert "style control" in embed["title"] + embed["description"]
        assert re.search(r"demo-\w+", embed["description"])


@pytest.mark.parametrize("command", [["arena", "models"], ["arena", "stats"], ["arena", "help"]])
async def test_read_only_commands_answer(fake, sqlite_url, command):
    member = fake.add_user(name="olga")
    async with running_bot(arena_settings(sqlite_url, fake), fake):
        state = await fake.invoke(member, command)
        [answer] = await eventually(lambda: state["followups"], "answer")
        assert answer["content"].strip()


async def test_reveal_edits_the_header_with_both_names(fake, sqlite_url):
    creator = fake.add_user(name="pia")
    voter = fake.add_user(name="quinn")
    mod_role = fake.add_role("Mods", MANAGE_GUILD)
    mod = fake.add_user(name="moderator", roles=[mod_role])
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        # Closed by a moderator from inside the thread.
        _, thread_id, ballot = await start_battle(bot, creator, "Invent a new sandwich")
        battle = await bot.service.store.get_battle(await battle_id_of(bot, thread_id))
        header = thread_messages(fake, thread_id)[0]
        assert battle.model_a not in header["content"]
        closed = await fake.invoke(mod, ["arena-admin", "close"], channel_id=thread_id)
        [confirmation] = await eventually(lambda: closed["followups"], "close confirmation")
        assert "closed" in confirmation["content"], confirmation["content"]
        assert battle.model_a in header["content"] and battle.model_b in header["content"]
        assert header["edits"]  # edited in place, not reposted

        # A vote after the reveal is kept but not counted.
        await fake.react(voter, int(ballot["id"]), A)
        await wait_votes(bot, battle.id, {str(voter): ("a", False)})


async def test_a_process_runs_only_its_shards(fake, sqlite_url):
    fake.shard_count = 2
    guild_shard = (GUILD_ID >> 22) % 2
    other = 1 - guild_shard
    settings = arena_settings(sqlite_url, fake, shard_ids=[guild_shard], shard_count=2)
    async with running_bot(settings, fake) as bot:
        session = fake.current_session()
        assert session.shard == [guild_shard, 2]
        assert bot.client.get_guild(GUILD_ID) is not None
        assert fake.command_puts == ([None] if guild_shard == 0 else [])
        if guild_shard != 0:  # the process running shard 0 registers the commands
            fake.commands[None] = [{"name": "arena", "default_member_permissions": None}]
        member = fake.add_user(name="ron")
        await start_battle(bot, member)
    other_settings = arena_settings(sqlite_url, fake, shard_ids=[other], shard_count=2)
    async with running_bot(other_settings, fake) as other_bot:
        assert fake.current_session().shard == [other, 2] or any(s.shard == [other, 2] for s in fake.sessions.values())
        assert other_bot.client.get_guild(GUILD_ID) is None  # that guild lives on the other shard


async def test_private_answer_to_a_public_command_replaces_the_public_placeholder(fake, sqlite_url):
    member = fake.add_user(name="sam")
    async with running_bot(arena_settings(sqlite_url, fake), fake):
        state = await fake.invoke(member, ["arena", "leaderboard"], {"category": "no-such-category"})
        [answer] = await eventually(lambda: state["followups"], "refusal")
        assert state["original"].get("deleted") is True  # the public "thinking…" is gone
        assert answer is not state["original"] and answer["ephemeral"] is True
        assert "categor" in answer["content"].lower()


async def test_run_serves_until_cancelled_and_explains_a_bad_token(fake, sqlite_url, monkeypatch):
    from arenabot.adapters import discord as discord_adapter
    from arenabot.adapters.discord import endpoints, run
    from arenabot.app import build_core

    clients = []
    original_build = discord_adapter.build_client

    def build_and_keep(settings, service, **options):
        # A short READY wait, and a handle on the client, so the test can see it is ready.
        clients.append(original_build(settings, service, guild_ready_timeout=0.1, **options))
        return clients[-1]

    monkeypatch.setattr(discord_adapter, "build_client", build_and_keep)
    settings = arena_settings(sqlite_url, fake)
    monkeypatch.setenv("DISCORD_TOKEN", "fake-bot-token")
    try:
        async with build_core(settings) as service:
            task = asyncio.create_task(run(settings, service))
            await eventually(lambda: clients and clients[0].is_ready(), "READY")
            member = fake.add_user(name="tia")
            state = await fake.invoke(member, ["arena", "models"])
            [answer] = await eventually(lambda: state["followups"], "models answer")
            assert "demo-owl" in answer["content"]
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

            monkeypatch.setenv("DISCORD_TOKEN", "wrong-token")
            with pytest.raises(RuntimeError, match="rejected the token in DISCORD_TOKEN"):
                await run(settings, service)
    finally:
        endpoints.restore()


async def test_votes_on_a_ballot_from_before_a_restart_count(fake, sqlite_url):
    creator = fake.add_user(name="uma")
    voter = fake.add_user(name="vic")
    settings = arena_settings(sqlite_url, fake)
    async with running_bot(settings, fake) as bot:
        _, thread_id, ballot = await start_battle(bot, creator)
        battle_id = await battle_id_of(bot, thread_id)
    async with running_bot(settings, fake) as restarted:  # new process: empty caches, new session
        assert fake.identifies == 2
        await fake.react(voter, int(ballot["id"]), BAD)
        await wait_votes(restarted, battle_id, {str(voter): ("both_bad", True)})


async def test_compare_names_both_models_and_counts_on_the_named_board(fake, sqlite_url):
    creator = fake.add_user(name="rhea")
    voter = fake.add_user(name="sol")
    mod_role = fake.add_role("Mods", MANAGE_GUILD)
    mod = fake.add_user(name="moderator", roles=[mod_role])
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        arena = next(c for c in fake.commands[None] if c["name"] == "arena")
        compare = next(o for o in arena["options"] if o["name"] == "compare")
        assert [(o["name"], o.get("autocomplete", False)) for o in compare["options"]] == [
            ("model_a", True), ("model_b", True), ("prompt", False)
        ]
        known = set(threads(fake))
        state = await fake.invoke(
            creator, ["arena", "compare"], {"model_a": "demo-owl", "model_b": "demo-fox", "prompt": "Name three rivers"}
        )
        thread_id = await eventually(lambda: next((t for t in threads(fake) if t not in known), None), "battle thread")
        ballot = await eventually(lambda: ballot_of(fake, thread_id), "ballot with four reactions")
        await eventually(lambda: state["followups"], "acknowledgement")
        header = thread_messages(fake, thread_id)[0]
        assert "**demo-owl**" in header["content"] and "**demo-fox**" in header["content"]
        battle_id = await battle_id_of(bot, thread_id)

        await fake.react(voter, int(ballot["id"]), B)
        await wait_votes(bot, battle_id, {str(voter): ("b", True)})
        assert dms_to(fake, voter) == []  # no private reveal: the names were never hidden
        closed = await fake.invoke(mod, ["arena-admin", "close"], channel_id=thread_id)
        await eventually(lambda: closed["followups"], "close confirmation")

        board = await fake.invoke(creator, ["arena", "leaderboard"], {"mode": "named"})
        [answer] = await eventually(lambda: board["followups"], "named leaderboard")
        [embed] = answer["embeds"]
        assert "named battles" in (embed.get("title") or "") + embed["description"]
        assert "demo-fox" in embed["description"]
        blind = await fake.invoke(creator, ["arena", "leaderboard"])
        [blind_answer] = await eventually(lambda: blind["followups"], "anonymous leaderboard")
        assert "demo-fox" not in str(blind_answer)


async def test_a_kept_board_shows_a_reveal_made_by_another_process(fake, sqlite_url):
    """Warm boards: the member's /arena leaderboard is answered from the kept board until a
    battle of this server is revealed, also by another process on the same database (here a
    second Store), and then shows exactly the new votes."""
    from arenabot.storage import NewBattle, Store

    member = fake.add_user(name="ines")
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        scope_key = f"discord:{GUILD_ID}"
        other = await Store.open(sqlite_url)
        try:
            now = bot.service.now()

            async def reveal(voters: int) -> None:
                fight = await other.create_battle(NewBattle(scope_key, "discord", "c", "x", "demo-owl", "demo-fox", [], "en", "p", now, now))
                for k in range(voters):
                    await other.record_vote(fight.id, f"v{k}", Outcome.A, event_id=None, now=now, close_after=voters)

            async def footer() -> str:
                state = await fake.invoke(member, ["arena", "leaderboard"])
                [answer] = await eventually(lambda: state["followups"], "leaderboard")
                [embed] = answer["embeds"]
                return embed["footer"]["text"]

            await reveal(2)
            assert footer_votes(await footer()) == 2
            assert footer_votes(await footer()) == 2  # kept
            open_battle = await other.create_battle(NewBattle(scope_key, "discord", "c", "x", "demo-owl", "demo-fox", [], "en", "p", now, now))
            await other.record_vote(open_battle.id, "v9", Outcome.B, event_id=None, now=now)
            assert footer_votes(await footer()) == 2  # an open battle's vote is on no board
            await reveal(3)
            assert footer_votes(await footer()) == 5
        finally:
            await other.close()


def footer_votes(text: str) -> int:
    found = re.search(r"from (\d+) counted votes", text)
    assert found, text
    return int(found.group(1))
