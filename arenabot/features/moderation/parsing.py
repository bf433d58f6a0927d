"""Parsing what moderators hand over: battle references and clean_battle files."""

from __future__ import annotations

import json
from typing import Any


def parse_battle_ref(battle_ref: str) -> int | None:
    """ "42" or "#42" -> 42; anything else (None) can only be a thread ref."""
    text = battle_ref.strip().removeprefix("#")
    return int(text) if text.isdigit() else None


def parse_records(data: bytes) -> list[Any]:
    """clean_battle records from a JSON array or JSON lines. Raises ValueError with the line at fault."""
    text = data.decode("utf-8-sig").strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        return list(records)
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number} is not valid JSON: {exc.msg}") from None
    return records
