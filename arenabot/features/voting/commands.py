"""The voting feature's per-scope settings (votes arrive on the ballot, not as commands)."""

from __future__ import annotations

from arenabot.chatcommands.spec import Command, ScopeSetting

COMMANDS: tuple[Command, ...] = ()

SETTINGS = (ScopeSetting("reveal_to_voter"), ScopeSetting("close_after_votes"), ScopeSetting("ballot"))
