"""Tournaments among a moderator's chosen models (`tournament start|status|stop`)."""

from arenabot.chatcommands.spec import Feature
from arenabot.features.tournaments.commands import COMMANDS, SETTINGS
from arenabot.features.tournaments.service import Tournaments

FEATURE = Feature("tournaments", COMMANDS, SETTINGS)

__all__ = ["FEATURE", "Tournaments"]
