"""Battles: sampling a pair, the thread, streaming both replies, follow-ups, reveal and sweeps."""

from arenabot.chatcommands.spec import Feature
from arenabot.features.battles.commands import COMMANDS, SETTINGS
from arenabot.features.battles.draws import Draw, DrawRule
from arenabot.features.battles.middleware import RateLimit
from arenabot.features.battles.service import Battles

FEATURE = Feature("battles", COMMANDS, SETTINGS)

__all__ = ["FEATURE", "Battles", "Draw", "DrawRule", "RateLimit"]
