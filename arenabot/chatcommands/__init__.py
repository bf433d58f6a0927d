"""Chat commands declared once (spec.py, in each feature), and the surfaces generated from them:
the text dispatcher (text.py), the help text (help.py); the Discord slash tree is built by the
Discord adapter from the same registry (adapters/discord/commands.py)."""

from arenabot.chatcommands.registry import CommandRegistry
from arenabot.chatcommands.spec import Command, CommandContext, Feature, Param, ScopeSetting

__all__ = ["Command", "CommandContext", "CommandRegistry", "Feature", "Param", "ScopeSetting"]
