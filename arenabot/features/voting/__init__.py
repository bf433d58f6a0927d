"""Voting: one vote per member on a battle's ballot, withdrawals, the voter's private reveal."""

from arenabot.chatcommands.spec import Feature
from arenabot.features.voting.commands import COMMANDS, SETTINGS
from arenabot.features.voting.service import Voting

FEATURE = Feature("voting", COMMANDS, SETTINGS)

__all__ = ["FEATURE", "Voting"]
