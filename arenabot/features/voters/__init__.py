"""Voter quality: daily vote caps and minimum account/membership ages (a middleware on votes),
and anomalous voters (`voters`, `exclude_flagged`) scored by `arenabot.ratings`."""

from arenabot.chatcommands.spec import Feature
from arenabot.features.voters.commands import COMMANDS, SETTINGS
from arenabot.features.voters.middleware import VoterQuality
from arenabot.features.voters.service import Voters, battle_pattern

FEATURE = Feature("voters", COMMANDS, SETTINGS)

__all__ = ["FEATURE", "VoterQuality", "Voters", "battle_pattern"]
