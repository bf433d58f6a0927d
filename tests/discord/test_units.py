"""Small pieces of the Discord adapter on their own: no network."""
from __future__ import annotations

import argparse
from types import SimpleNamespace

import discord
import pytest

from arenabot.adapters.discord.actors import is_moderator
from arenabot.adapters.discord.cli import shard_list, with_shards
from arenabot.adapters.discord.reactions import _dispatch_key, outcome_for, reaction_event_id
from arenabot.adapters.discord.sync import commands_signature
from arenabot.chart import leaderboard_png
from arenabot.config import Settings
from arenabot.domain import Outcome
from arenabot.render import LeaderboardRow


def test_vote_emoji_map_with_or_without_variation_selector():
    assert outcome_for(discord.PartialEmoji(name="🅰️")) is Outcome.A
    assert outcome_for(discord.PartialEmoji(name="🅰")) is Outcome.A
    assert outcome_for(discord.PartialEmoji(name="🅱️")) is Outcome.B
    assert outcome_for(discord.PartialEmoji(name="🤝")) is Outcome.TIE
    assert outcome_for(discord.PartialEmoji(name="👎")) is Outcome.BOTH_BAD
    assert outcome_for(discord.PartialEmoji(name="🔥")) is None
    assert outcome_for(discord.PartialEmoji(name="a", id=123)) is None  # custom emoji never vote


def _payload(user: int = 5) -> SimpleNamespace:
    return SimpleNamespace(message_id=10, user_id=user, emoji=discord.PartialEmoji(name="🅰️"))


def test_event_id_names_the_dispatch():
    token = _dispatch_key.set("session1:41")
    try:
        first = reaction_event_id(_payload(), True)
    finally:
        _dispatch_key.reset(token)
    token = _dispatch_key.set("session1:44")
    try:
        re_add = reaction_event_id(_payload(), True)
        removal = reaction_event_id(_payload(), False)
    finally:
        _dispatch_key.reset(token)
    assert first == "discord:10:5:🅰:add:session1:41"
    assert re_add != first  # a genuine re-add later in the session is a new event
    assert removal.endswith(":remove:session1:44")
    assert reaction_event_id(_payload(), True) == "discord:10:5:🅰:add"  # no key: fields only


def test_moderator_by_manage_guild_or_role():
    class FakeMember(discord.Member):
        def __init__(self, perms: discord.Permissions, roles: list[SimpleNamespace]) -> None:
            self._perms, self._fake_roles = perms, roles

        @property
        def guild_permissions(self) -> discord.Permissions:  # type: ignore[override]
            return self._perms

        @property
        def roles(self):  # type: ignore[override]
            return self._fake_roles

    plain = FakeMember(discord.Permissions.none(), [SimpleNamespace(id=7, name="Member")])
    manager = FakeMember(discord.Permissions(manage_guild=True), [])
    referee = FakeMember(discord.Permissions.none(), [SimpleNamespace(id=99, name="Arena referee")])
    assert not is_moderator(plain, None)
    assert not is_moderator(plain, "Arena referee")
    assert is_moderator(manager, None)
    assert is_moderator(referee, "Arena referee")
    assert is_moderator(referee, "99")  # by role id too
    assert is_moderator(plain, None, discord.Permissions(manage_guild=True))  # resolved interaction permissions
    assert not is_moderator(SimpleNamespace(), None)  # a plain user (DM) is never a moderator


def test_command_signature_ignores_server_added_fields():
    local = [{"name": "arena", "description": "d", "type": 1, "options": [{"name": "x", "description": "y", "type": 3, "required": False}]}]
    remote = [dict(local[0], id="1", application_id="2", version="3", dm_permission=True, options=[{"name": "x", "description": "y", "type": 3}])]
    assert commands_signature(local) == commands_signature(remote)
    changed = [dict(local[0], description="new")]
    assert commands_signature(changed) != commands_signature(remote)


def test_shard_options():
    assert shard_list("2, 0,1") == [0, 1, 2]
    with pytest.raises(argparse.ArgumentTypeError):
        shard_list("a,b")
    settings = with_shards(Settings(), [1], 4)
    assert settings.discord.shard_ids == [1] and settings.discord.shard_count == 4
    with pytest.raises(ValueError, match="--shard-count"):
        with_shards(Settings(), [0, 1], None)
    with pytest.raises(ValueError, match="below"):
        with_shards(Settings(), [4], 4)


def test_chart_png_or_none():
    rows = [LeaderboardRow("m1", 1050, 1000, 1100, 1, 10, 0.6), LeaderboardRow("m2", 950, 900, 1000, 2, 10, 0.4)]
    png = leaderboard_png(rows, "t")
    assert png is not None and png.startswith(b"\x89PNG")
    assert leaderboard_png([], "t") is None


async def test_leaderboard_without_matplotlib_is_the_table_alone(monkeypatch):
    import arenabot.chart as chart
    from arenabot.adapters.discord.embeds import leaderboard_message
    from arenabot.render import Leaderboard

    board = Leaderboard(rows=[LeaderboardRow("model-x", 1012.4, 990.0, 1030.0, 1, 12, 0.55)], title="Leaderboard - this server", votes=12)
    monkeypatch.setattr(chart, "plotting_available", lambda: False)
    embed, file = await leaderboard_message(board)
    assert file is None and embed.image.url is None
    assert "model-x" in embed.description and "990-1030" in embed.description and "12" in embed.description
    monkeypatch.undo()
    embed, file = await leaderboard_message(board)
    assert file is not None and file.filename == "leaderboard.png" and embed.image.url == "attachment://leaderboard.png"


async def test_leaderboard_chart_gets_the_boards_groups(monkeypatch):
    import arenabot.chart as chart
    from arenabot.adapters.discord.embeds import leaderboard_message
    from arenabot.render import Leaderboard

    rows = [LeaderboardRow("x", 1050.0, 1000.0, 1100.0, 1, 5, 0.6), LeaderboardRow("y", 950.0, 900.0, 1000.0, 1, 5, 0.4)]
    board = Leaderboard(rows=rows, title="Leaderboard - this server", votes=5, groups={"x": 0, "y": 1})
    drawn = []
    real = chart.leaderboard_figure
    monkeypatch.setattr(chart, "leaderboard_figure", lambda *a, **k: drawn.append(real(*a, **k)) or drawn[-1])
    _, file = await leaderboard_message(board)
    assert file is not None
    [figure] = drawn
    labels = [t.get_text() for t in figure.axes[0].texts]
    assert "group 2 of 2: never met the models above (not comparable)" in labels
    assert "1050 [1000, 1100]" in labels and "950 [900, 1000]" in labels


async def test_a_chart_that_fails_to_draw_leaves_the_table(monkeypatch):
    import arenabot.chart as chart
    from arenabot.adapters.discord.embeds import leaderboard_message
    from arenabot.render import Leaderboard

    def broken(*args, **kwargs):
        raise ValueError("no fonts")

    monkeypatch.setattr(chart, "leaderboard_figure", broken)
    board = Leaderboard(rows=[LeaderboardRow("x", 1012.4, 990.0, 1030.0, 1, 12, 0.55)], title="t", votes=12)
    embed, file = await leaderboard_message(board)
    assert file is None and "x" in embed.description
