"""Parsing what moderators hand over: battle references and clean_battle files."""

from __future__ import annotations

from typing import Any


def parse_battle_ref(battle_ref: str) -> int | None:
    """ "42" or "#42" -> 42; anything else (None) can only be a thread ref."""
    text = battle_ref.strip().removeprefix("#")
    return int(text) if text.isdigit() else None


def parse_records(data: bytes) -> list[Any]:
    """clean_battle records from a JSON array or JSON lines. Raises ValueError with the place at fault.
    The reader is the one `arenabot ratings` and `arenabot import` use, so they accept the same files."""
    from arenabot.battlelog import parse_records as read

    return read(data)
