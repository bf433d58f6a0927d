"""Moderator commands live in /arena-admin, which Discord shows only to members with Manage
Server (its default_member_permissions); the core still refuses them to members when a server
opens the group to more people, and `moderator_role` members use it once the server allows
their role in its Integrations settings."""

from __future__ import annotations

from typing import Any

import pytest

from tests.discord.fake_discord import ADMINISTRATOR, GUILD_ID, MANAGE_GUILD, CommandHidden, FakeDiscord
from tests.discord.harness import arena_settings, eventually, running_bot
from tests.discord.test_discord_adapter import battle_id_of, start_battle


def _registered(fake: FakeDiscord) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in fake.commands[None]}


async def _answer(state: dict[str, Any], parts: int = 1) -> str:
    await eventually(lambda: len(state["followups"]) >= parts, "an answer")
    return "\n".join(f["content"] or "" for f in state["followups"])


async def test_members_never_see_the_moderator_group_moderators_do(fake, sqlite_url):
    member = fake.add_user(name="mallory")
    mod = fake.add_user(name="mod", roles=[fake.add_role("Mods", MANAGE_GUILD)])
    admin = fake.add_user(name="root", roles=[fake.add_role("Admins", ADMINISTRATOR)])
    async with running_bot(arena_settings(sqlite_url, fake), fake) as bot:
        registered = _registered(fake)
        assert int(registered["arena-admin"]["default_member_permissions"]) == MANAGE_GUILD
        assert registered["arena"]["default_member_permissions"] is None
        assert fake.visible_commands(member) == {"arena"}
        assert fake.visible_commands(mod) == fake.visible_commands(admin) == {"arena", "arena-admin"}

        creator = fake.add_user(name="cara")
        _, thread_id, _ = await start_battle(bot, creator, "Name a river")
        battle_id = await battle_id_of(bot, thread_id)
        # What Discord does with a hidden command: the member cannot run it at all.
        with pytest.raises(CommandHidden):
            await fake.invoke(member, ["arena-admin", "close"], channel_id=thread_id)
        assert (await bot.service.store.get_battle(battle_id)).status.value == "open"
        closed = await fake.invoke(mod, ["arena-admin", "close"], channel_id=thread_id)
        assert "closed" in await _answer(closed)


async def test_the_moderator_role_uses_the_group_once_the_server_allows_it(fake, sqlite_url):
    referee_role = fake.add_role("Arena referee")  # no Manage Server
    referee = fake.add_user(name="referee", roles=[referee_role])
    member = fake.add_user(name="mallory")
    async with running_bot(arena_settings(sqlite_url, fake, moderator_role="Arena referee"), fake):
        assert fake.visible_commands(referee) == {"arena"}  # Discord hides it until the owner says
        fake.allow_command("arena-admin", referee_role)  # Server Settings > Integrations > arenabot
        assert fake.visible_commands(referee) == {"arena", "arena-admin"}
        assert fake.visible_commands(member) == {"arena"}
        report = await fake.invoke(referee, ["arena-admin", "doctor"])
        assert "database" in await _answer(report)  # the core takes the role as a moderator

        # A server that opens the group to everyone: the core still refuses members.
        fake.allow_command("arena-admin", GUILD_ID)
        refused = await fake.invoke(member, ["arena-admin", "doctor"])
        text = await _answer(refused)
        assert "moderator" in text.lower() and "database" not in text
        assert refused["followups"][-1]["ephemeral"] is True


async def test_an_empty_moderator_group_keeps_the_old_layout_under_arena(fake, sqlite_url):
    member = fake.add_user(name="mallory")
    mod = fake.add_user(name="mod", roles=[fake.add_role("Mods", MANAGE_GUILD)])
    async with running_bot(arena_settings(sqlite_url, fake, moderator_group=""), fake):
        [arena] = fake.commands[None]
        assert arena["name"] == "arena" and arena["default_member_permissions"] is None
        assert {"close", "ban", "doctor", "settings"} <= {o["name"] for o in arena["options"]}
        refused = await fake.invoke(member, ["arena", "doctor"])
        assert "moderator" in (await _answer(refused)).lower()
        helped = await fake.invoke(mod, ["arena", "help"])
        text = await _answer(helped)
        assert "`/arena close [battle:...]`" in text and "arena-admin" not in text


async def test_help_on_discord_names_the_paths_people_type(fake, sqlite_url):
    member = fake.add_user(name="mallory")
    mod = fake.add_user(name="mod", roles=[fake.add_role("Mods", MANAGE_GUILD)])
    async with running_bot(arena_settings(sqlite_url, fake), fake):
        text = await _answer(await fake.invoke(mod, ["arena", "help"]), parts=2)  # over 2,000 characters
        assert "`/arena battle prompt:... [category:...]`" in text
        assert "`/arena-admin close [battle:...]`" in text and "`/arena-admin ban user:... [reason:...]`" in text
        assert "`/arena-admin settings key:... value:...`" in text
        assert "/arena close" not in text
        members_text = await _answer(await fake.invoke(member, ["arena", "help"]))
        assert "`/arena battle prompt:... [category:...]`" in members_text and "arena-admin" not in members_text


def test_the_fake_decides_visibility_as_discord_does():
    """Overrides beat default_member_permissions; a user's own beats their roles'; Administrator sees all."""
    fake = FakeDiscord()
    fake.commands[None] = [{"name": "arena-admin", "default_member_permissions": str(MANAGE_GUILD)}]
    role = fake.add_role("Helpers")
    helper = fake.add_user(name="helper", roles=[role])
    mod = fake.add_user(name="mod", roles=[fake.add_role("Mods", MANAGE_GUILD)])
    assert not fake.can_use(helper, "arena-admin") and fake.can_use(mod, "arena-admin")
    assert not fake.can_use(mod, "arena")  # not registered
    fake.allow_command("arena-admin", role)
    assert fake.can_use(helper, "arena-admin")
    fake.allow_command("arena-admin", helper, allowed=False)
    assert not fake.can_use(helper, "arena-admin")
    fake.allow_command("arena-admin", GUILD_ID, allowed=False)
    assert not fake.can_use(mod, "arena-admin")  # @everyone denied, no role override for Mods
    admin = fake.add_user(name="root", roles=[fake.add_role("Admins", ADMINISTRATOR)])
    assert fake.can_use(admin, "arena-admin")
