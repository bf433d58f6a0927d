"""Moderation: the model registry, bans, closing/voiding battles, clean_battle export/import,
per-scope settings."""

from arenabot.chatcommands.spec import Feature
from arenabot.features.moderation.commands import COMMANDS, SETTINGS
from arenabot.features.moderation.middleware import BanCheck
from arenabot.features.moderation.service import NOT_MODERATOR, Moderation

FEATURE = Feature("moderation", COMMANDS, SETTINGS)

__all__ = ["FEATURE", "NOT_MODERATOR", "BanCheck", "Moderation"]
