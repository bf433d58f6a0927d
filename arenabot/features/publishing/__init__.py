"""Publishing: boards posted on a schedule with rank movement, their snapshots, `as_of` boards
and rating histories."""

from arenabot.chatcommands.spec import Feature
from arenabot.features.publishing.commands import COMMANDS, SETTINGS
from arenabot.features.publishing.service import Publishing

FEATURE = Feature("publishing", COMMANDS, SETTINGS)

__all__ = ["FEATURE", "Publishing"]
