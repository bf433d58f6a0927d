"""The log formats: which one a file is, winner codes, and LLMFAO's CSV as clean_battle records."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from .framing import LogError

FORMATS = ("clean_battle", "jsonl", "llmfao")
# Outcome codes of arenabot.ratings.counts, repeated so `import` never loads scipy (a test checks).
A_WINS, B_WINS, TIE, BOTH_BAD = 0, 1, 2, 3
# The same spellings `arenabot import` accepts (Outcome.from_clean_battle; a test checks).
WINNER_CODES = {"model_a": A_WINS, "model_b": B_WINS, "tie": TIE, "tie (bothbad)": BOTH_BAD, "both_bad": BOTH_BAD}


def detect_format(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096).decode("utf-8", errors="replace")
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        return "clean_battle"
    if stripped.startswith("{"):
        return "jsonl"
    first_line = stripped.splitlines()[0] if stripped else ""
    columns = {c.strip() for c in first_line.split(",")}
    if {"left", "right", "winner"} <= columns:
        return "llmfao"
    raise LogError(
        f"{path}: cannot tell the format (expected a JSON array, JSON lines or the LLMFAO "
        f"CSV with left,right,winner columns); pass --format"
    )


_LLMFAO_WINNERS: dict[str | None, str | None] = {"left": "model_a", "right": "model_b", "tie": "tie"}


def llmfao_records(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            winner = row.get("winner")
            yield {
                "model_a": row.get("left"),
                "model_b": row.get("right"),
                "winner": _LLMFAO_WINNERS.get(winner, winner),
                "category_tag": row.get("prompt"),
                "judge": row.get("worker"),
            }
