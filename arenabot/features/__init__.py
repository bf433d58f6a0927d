"""The arena's features, each a package owning its service code, its chat commands and its
per-scope settings. They share one `ArenaState` (shared.py); `arenabot.arena.ArenaService`
composes them. Dependencies between them point one way only: voting and moderation use
battles (to close and reveal), boards and tournaments use voters, tournaments gives battles a
draw rule, contentmod screens prompts (a middleware) and replies, publishing uses boards;
nothing uses voting, moderation, tournaments, contentmod or publishing."""

from __future__ import annotations

from collections.abc import Sequence

from arenabot.chatcommands.builtins import builtin_commands
from arenabot.chatcommands.registry import CommandRegistry
from arenabot.chatcommands.spec import Feature, ScopeSetting
from arenabot.features import battles, boards, contentmod, moderation, publishing, tournaments, voters, voting

# Order = the order of the help text and of the settings list.
FEATURES: tuple[Feature, ...] = (
    battles.FEATURE,
    boards.FEATURE,
    voting.FEATURE,
    voters.FEATURE,
    tournaments.FEATURE,
    moderation.FEATURE,
    contentmod.FEATURE,
    publishing.FEATURE,
)


def scope_settings(features: Sequence[Feature] = FEATURES) -> list[ScopeSetting]:
    # Voting's keys first: the order Discord servers already have registered as choices.
    ordered = sorted(features, key=lambda f: f.name != "voting")
    return [setting for feature in ordered for setting in feature.settings]


def build_registry(features: Sequence[Feature] = FEATURES) -> CommandRegistry:
    registry = CommandRegistry(command for feature in features for command in feature.commands)
    for command in builtin_commands(scope_settings(features)):
        registry.add(command)
    return registry


SCOPE_SETTING_KEYS = tuple(s.key for s in scope_settings())

__all__ = ["FEATURES", "SCOPE_SETTING_KEYS", "build_registry", "scope_settings"]
