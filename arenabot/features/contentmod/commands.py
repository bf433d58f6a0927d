"""Content moderation has no command of its own: moderators set the word list with
`set moderation_words ...` and read the counts in `doctor` and `stats`."""

from __future__ import annotations

from arenabot.chatcommands.spec import ScopeSetting

SETTINGS = (ScopeSetting("moderation_words"),)
