"""A Discord 403 names the missing permission and the channel to the member, logs one line (no
traceback), voids the battle, and is kept for the scope's moderators (`/arena-admin doctor`)."""

from __future__ import annotations

import logging

import pytest

from arenabot.domain import BattleStatus
from tests.discord.fake_discord import GUILD_ID, CommandHidden
from tests.discord.harness import arena_settings, eventually, running_bot


@pytest.mark.parametrize(
    ("method", "path", "permission"),
    [
        ("POST", r"/channels/\d+/threads$", "Create Public Threads"),
        ("POST", r"/channels/\d+/messages$", "Send Messages in Threads"),
    ],
)
async def test_a_403_names_the_permission_and_channel_without_a_traceback(fake, sqlite_url, caplog, method, path, permission):
    member = fake.add_user(name="alice")
    fake.forbid(method, path)
    caplog.set_level(logging.INFO)
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        state = await fake.invoke(member, ["arena", "battle"], {"prompt": "Name three rivers"})
        await eventually(lambda: state["followups"], "the answer to the member")
        answer = state["followups"][-1]
        assert answer["ephemeral"] is True
        assert permission in answer["content"] and "internal error" not in answer["content"]
        assert "<#" in answer["content"] and "/arena-admin doctor" in answer["content"]

        battle = await bot.service.store.get_battle(1)
        assert battle is not None and battle.status is BattleStatus.VOID
        problems = bot.service.state.permission_problems[f"discord:{GUILD_ID}"]
        assert any(permission in text for text in problems.values())

    failures = [r for r in caplog.records if r.levelno >= logging.WARNING and "missing permission" in r.getMessage()]
    assert len(failures) == 1 and failures[0].exc_info is None
    assert not any(r.exc_info for r in caplog.records if r.name.startswith("arenabot"))


async def test_without_add_reactions_the_battle_stands_and_the_thread_says_how_to_vote(fake, sqlite_url, caplog):
    member = fake.add_user(name="alice")
    fake.forbid("PUT", r"/reactions/")
    caplog.set_level(logging.INFO)
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        state = await fake.invoke(member, ["arena", "battle"], {"prompt": "Name three rivers"})
        note = await eventually(
            lambda: next((m for m in fake.messages.values() if "Add Reactions" in (m.get("content") or "")), None),
            "the note in the thread",
        )
        await eventually(lambda: state["followups"], "the answer to the member")
        assert "Vote by adding one yourself" in note["content"]
        battle = await bot.service.store.get_battle(1)
        assert battle is not None and battle.status is BattleStatus.OPEN
        assert bot.service.state.permission_problems[f"discord:{GUILD_ID}"]
    assert not any(r.exc_info for r in caplog.records if r.name.startswith("arenabot"))


ALL_BATTLE_PERMISSIONS = sum(
    1 << bit
    for bit in (
        6,  # add reactions
        10,  # view channel
        11,  # send messages
        14,  # embed links
        15,  # attach files
        16,  # read message history
        35,  # create public threads
        38,  # send messages in threads
    )
)


async def test_doctor_names_what_the_bot_lacks_and_checks_database_models_and_ballot(fake, sqlite_url):
    from tests.discord.fake_discord import MANAGE_GUILD

    admin = fake.add_user(name="admin", roles=[fake.add_role("Admins", MANAGE_GUILD)])
    member = fake.add_user(name="alice")
    # The bot has only @everyone's permissions: no Create Public Threads, Embed Links, Attach Files.
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        state = await fake.invoke(admin, ["arena-admin", "doctor"])
        await eventually(lambda: state["followups"], "the doctor's report")
        report = state["followups"][-1]["content"]
        assert state["followups"][-1]["ephemeral"] is True
        for missing in ("Create Public Threads", "Embed Links", "Attach Files"):
            assert f"❌ discord: missing **{missing}** in <#{fake.channel_id}>" in report
        assert "Add Reactions" not in report and "✅ ballot: reactions" in report
        assert "✅ database: answers" in report
        for name in ("demo-lark", "demo-owl", "demo-otter", "demo-fox"):
            assert f"✅ model {name}: answers" in report

        with pytest.raises(CommandHidden):  # hidden from members by default_member_permissions
            await fake.invoke(member, ["arena-admin", "doctor"])
        fake.allow_command("arena-admin", GUILD_ID)  # a server that opens it to everyone
        refused = await fake.invoke(member, ["arena-admin", "doctor"])
        await eventually(lambda: refused["followups"], "the refusal")
        assert "moderator" in refused["followups"][-1]["content"].lower()


async def test_doctor_is_all_clear_when_the_bot_role_has_every_permission(fake, sqlite_url):
    from tests.discord.fake_discord import BOT_ID, MANAGE_GUILD

    fake.members[BOT_ID]["roles"].append(str(fake.add_role("Arena bot", ALL_BATTLE_PERMISSIONS)))
    admin = fake.add_user(name="admin", roles=[fake.add_role("Admins", MANAGE_GUILD)])
    async with running_bot(arena_settings(sqlite_url, fake), fake):
        state = await fake.invoke(admin, ["arena-admin", "doctor"])
        await eventually(lambda: state["followups"], "the doctor's report")
        report = state["followups"][-1]["content"]
        assert "❌" not in report and "Everything needed for battles works." in report
