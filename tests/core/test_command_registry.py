"""Every chat surface comes from the one command registry: the Discord slash tree (walked in
discord.py itself), the text dispatcher of Slack and the console, and the help text expose
exactly the registry's commands and options, and a command added to the registry appears on
all three with no other edit."""

from __future__ import annotations

import dataclasses
from typing import Any

import discord
import pytest
from discord import app_commands

from arenabot.adapters.discord.commands import ROOT, build_command_tree, discord_help_style
from arenabot.chatcommands.help import help_text
from arenabot.chatcommands.registry import CommandRegistry
from arenabot.chatcommands.spec import Command, CommandContext, Param
from arenabot.chatcommands.text import dispatch, find_command, parse_arguments
from arenabot.config import ArenaSettings, DiscordSettings
from arenabot.domain import Scope
from arenabot.features import build_registry, scope_settings
from arenabot.replies import Reply
from tests.core.conftest import MOD
from tests.support.fake_platform import FakePlatform

ARENA = ArenaSettings()
ADMIN = DiscordSettings().moderator_group  # the default: moderators' commands in /arena-admin
MANAGE_GUILD = discord.Permissions(manage_guild=True).value


async def _no_run(interaction: Any, command: Command, values: dict[str, Any]) -> None:
    raise AssertionError("not invoked here")


def _no_autocomplete(suggest: Any) -> Any:
    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return []

    return complete


def discord_surface(
    registry: CommandRegistry, moderator_group: str = ADMIN
) -> dict[tuple[str, ...], dict[str, tuple[bool, tuple[str, ...], bool]]]:
    """{(root, [group,] name): {option: (required, choice values, autocomplete)}} from discord.py's own objects."""
    found = {}
    for root in build_command_tree(registry, _no_run, _no_autocomplete, moderator_group=moderator_group):
        for command in root.walk_commands():
            if isinstance(command, app_commands.Command):
                found[tuple(command.qualified_name.split())] = {
                    p.name: (p.required, tuple(str(c.value) for c in p.choices), p.autocomplete) for p in command.parameters
                }
    return found


def expected_discord(
    registry: CommandRegistry, moderators_root: str = ADMIN
) -> dict[tuple[str, ...], dict[str, tuple[bool, tuple[str, ...], bool]]]:
    expected = {}
    for command in registry.for_surface("discord"):
        root = (moderators_root or ROOT) if command.moderator else ROOT
        path = (root, *command.path[:-1], command.discord_name or command.path[-1])
        expected[path] = {p.name: (p.required, p.choices, p.suggest is not None and not p.choices) for p in command.params}
    return expected


def sample_line(command: Command) -> tuple[str, dict[str, Any]]:
    """A text line giving every parameter, and the arguments it must parse to."""
    words, rest, expected = [command.name], None, {}
    for param in command.params:
        if param.kind == "file":
            continue
        if param.kind in ("int", "float"):
            value: Any = int(param.max_value or 7) if param.kind == "int" else float(param.max_value or 2.5)
            shown = str(value)
        elif param.text == "flag":
            value = shown = next(c for c in param.choices if c != param.default)
        elif param.choices:
            value = shown = param.choices[-1]
        elif param.kind == "user":
            shown, value = "<@U42|someone>", "U42"
        else:
            value = shown = f"{param.name}-value"
        expected[param.name] = value
        if param.text == "keyword":
            words.append(f"{param.name}={shown}")
        elif param.text == "rest":
            rest = f"{shown} with  spaces\nand lines"
            expected[param.name] = rest
        else:
            words.append(shown)
    return " ".join(words) + (f" {rest}" if rest else ""), expected


@pytest.fixture
def registry() -> CommandRegistry:
    return build_registry()


@pytest.mark.parametrize("group", [ADMIN, "arena-mod", ""])
def test_the_discord_tree_has_exactly_the_registry_commands_and_options(registry, group):
    assert discord_surface(registry, group) == expected_discord(registry, group)
    assert len(discord_surface(registry, group)) == len(registry.for_surface("discord"))


def _registered(roots: list[app_commands.Group]) -> dict[str, dict[str, Any]]:
    """Each top-level command as discord.py sends it to Discord."""
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    return {root.name: root.to_dict(tree) for root in roots}


def test_moderator_commands_have_their_own_group_needing_manage_server_by_default(registry):
    assert ADMIN == "arena-admin"
    dicts = _registered(build_command_tree(registry, _no_run, _no_autocomplete, moderator_group=ADMIN))
    assert set(dicts) == {ROOT, ADMIN}
    assert dicts[ADMIN]["default_member_permissions"] == MANAGE_GUILD  # members never see it
    assert dicts[ROOT]["default_member_permissions"] is None  # members see /arena
    member_commands = {o["name"] for o in dicts[ROOT]["options"]}
    assert member_commands == {c.path[0] for c in registry.for_surface("discord") if not c.moderator}
    moderator_commands = {o["name"] for o in dicts[ADMIN]["options"]}
    assert moderator_commands == {c.discord_name or c.path[0] for c in registry.for_surface("discord") if c.moderator}


def test_an_empty_moderator_group_keeps_every_command_in_arena(registry):
    dicts = _registered(build_command_tree(registry, _no_run, _no_autocomplete, moderator_group=""))
    assert set(dicts) == {ROOT} and dicts[ROOT]["default_member_permissions"] is None
    assert {"battle", "close", "ban", "settings"} <= {o["name"] for o in dicts[ROOT]["options"]}


def test_discord_help_names_the_command_paths_members_and_moderators_type(registry):
    text = help_text(registry, scope_settings(), ARENA, style=discord_help_style(ADMIN))
    assert "- `/arena battle prompt:... [category:...]`:" in text
    assert "- `/arena-admin close [battle:...]`:" in text
    assert "- `/arena-admin model disable name:...`:" in text
    assert "`/arena-admin settings key:" in text and "`set <key>" not in text
    assert "- `/arena-admin import file:...`:" in text  # Discord-only commands are listed here
    assert "/arena close" not in text and "/arena-admin battle" not in text
    member = help_text(registry, scope_settings(), ARENA, moderator=False, style=discord_help_style(ADMIN))
    assert "/arena-admin" not in member and "`/arena help` lists them" in member and len(member) <= 2000
    old_layout = help_text(registry, scope_settings(), ARENA, style=discord_help_style(""))
    assert "- `/arena close [battle:...]`:" in old_layout and "/arena-admin" not in old_layout


def test_the_text_dispatcher_parses_exactly_the_registry_commands_and_options(registry):
    text_commands = registry.for_surface("text")
    assert {c.name for c in text_commands} == {c.name for c in registry if "text" in c.surfaces}
    for command in text_commands:
        line, expected = sample_line(command)
        found, rest, _ = find_command(registry, line)
        assert found is not None and found is command, line
        assert parse_arguments(found, rest) == expected, line
    # Discord-only commands (a file upload) are unknown in text.
    for command in registry:
        if "text" not in command.surfaces:
            assert find_command(registry, command.name)[0] is None


def test_the_help_text_lists_exactly_the_registry_commands_and_settings(registry):
    text = help_text(registry, scope_settings(), ARENA)
    listed = [line for line in text.splitlines() if line.startswith("- `")]
    usages = [c.usage() for c in registry.for_surface("text")]
    keys = [s.key for s in scope_settings()]
    assert len(listed) == len(usages)
    for usage in usages:
        assert f"- `{usage}`:" in text
    [settings_line] = [line for line in text.splitlines() if line.startswith("**Settings**")]
    assert [part.split("`")[1] for part in settings_line.split(": ", 1)[1].split(", ")] == keys
    # Members see their own commands only, in one chat message (Discord's limit: 2,000 characters).
    member = help_text(registry, scope_settings(), ARENA, moderator=False)
    member_usages = [c.usage() for c in registry.for_surface("text") if not c.moderator]
    assert [line for line in member.splitlines() if line.startswith("- `")] == [
        line for line in listed if any(line.startswith(f"- `{u}`:") for u in member_usages)
    ]
    assert "**Settings**" not in member and len(member) <= 2000
    assert set(keys) == set(registry.find(("set",)).param("key").choices)


async def test_a_command_added_to_the_registry_appears_on_every_surface(registry):
    calls = []

    async def roll(ctx: CommandContext, sides: int, label: str | None = None, note: str = "") -> Reply:
        calls.append((sides, label, note))
        return Reply(f"rolled {sides}")

    registry.add(
        Command(
            ("dice", "roll"),
            "Roll a die",
            roll,
            params=(
                Param("sides", "How many sides", kind="int", min_value=2, max_value=100),
                Param("label", "A label", required=False, text="keyword"),
                Param("note", "A note", required=False, text="rest"),
            ),
        )
    )
    registry.add(Command(("reset-dice",), "Moderators: forget every roll", roll, moderator=True))
    discord_tree = discord_surface(registry)
    assert discord_tree[(ADMIN, "reset-dice")] == {}  # in the moderators' group
    assert discord_tree[(ROOT, "dice", "roll")] == {
        "sides": (True, (), False),
        "label": (False, (), False),
        "note": (False, (), False),
    }
    assert discord_tree == expected_discord(registry)

    ctx = CommandContext(None, FakePlatform(), Scope("fake", "g"), "chan", MOD)  # type: ignore[arg-type]
    reply = await dispatch(registry, ctx, "dice roll 6 label=red feeling lucky")
    assert reply.text == "rolled 6" and calls == [(6, "red", "feeling lucky")]
    assert not (await dispatch(registry, ctx, "dice roll six")).ok  # typed parameters are checked
    assert not (await dispatch(registry, ctx, "dice roll 1")).ok  # and their bounds
    assert "dice roll" in (await dispatch(registry, ctx, "dice")).text  # the group's usage

    text = help_text(registry, scope_settings(), ARENA)
    assert "- `dice roll <sides> [label=...] [note]`: Roll a die" in text
    assert "- `reset-dice`: Moderators: forget every roll" in text.split("**Moderators**")[1]
    on_discord = help_text(registry, scope_settings(), ARENA, style=discord_help_style(ADMIN))
    assert "- `/arena dice roll sides:... [label:...] [note:...]`: Roll a die" in on_discord
    assert "- `/arena-admin reset-dice`:" in on_discord


def test_a_command_can_be_declared_only_once(registry):
    battle = registry.find(("battle",))
    with pytest.raises(ValueError, match="twice"):
        registry.add(dataclasses.replace(battle))
    with pytest.raises(ValueError, match="both a command and a group"):
        registry.add(dataclasses.replace(battle, path=("battle", "again")))
    # What Discord would reject is refused when it is declared, not at sync time.
    with pytest.raises(ValueError, match="1 to 100 characters"):
        registry.add(dataclasses.replace(battle, path=("wordy",), help="x" * 101))
    with pytest.raises(ValueError, match="rest of the line"):
        registry.add(dataclasses.replace(battle, path=("odd",), params=(Param("a", "A", text="rest"), Param("b", "B"))))
