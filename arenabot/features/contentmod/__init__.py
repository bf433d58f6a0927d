"""Content moderation: prompts and follow-ups checked before any model sees them (a middleware),
replies checked as they stream and when they finish (a flagged one is hidden and its battle
voided), against the scope's word list and an optional OpenAI-compatible moderation endpoint."""

from arenabot.chatcommands.spec import Feature
from arenabot.features.contentmod.commands import SETTINGS
from arenabot.features.contentmod.middleware import PromptCheck
from arenabot.features.contentmod.service import ContentModeration

FEATURE = Feature("contentmod", (), SETTINGS)

__all__ = ["FEATURE", "ContentModeration", "PromptCheck"]
