"""Boards: leaderboards, the model list and statistics (read-only)."""

from arenabot.chatcommands.spec import Feature
from arenabot.features.boards.commands import COMMANDS, SETTINGS
from arenabot.features.boards.service import Boards

FEATURE = Feature("boards", COMMANDS, SETTINGS)

__all__ = ["FEATURE", "Boards"]
