"""The fields Chatbot Arena's own analysis reads, computed from what arenabot stores.

FastChat's pipeline (clean_battle_data, add_markdown_info, deduplication, the category labeller)
writes per battle: `language` as a full name, `conv_metadata` (token and markdown counts per
side), `category_tag` (nested groups `criteria_v0.1`, `math_v0.1`, `if_v0.1`,
`creative_writing_v0.1`), `is_code`, `dedup_tag` and `turn`. The spellings here are theirs; the
values are arenabot's own:

- tokens are `categories.approx_tokens` estimates (FastChat counts with tiktoken's gpt-3.5-turbo
  encoding, which arenabot does not ship), so token counts are close, not equal;
- category flags come from arenabot's classifier (its rules, and the optional LLM classifier's
  stored categories), not from FastChat's LLM judge (see `category_tag`). Both are documented in
  docs/export.md.

Pure functions, no I/O: the export (storage/exchange.py) and the import call them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from .categories import (
    CODING,
    CREATIVE_WRITING,
    INSTRUCTION_FOLLOWING,
    LANGUAGES,
    MATH,
    UNDETERMINED,
    approx_tokens,
    criteria,
    instruction_score,
)

# ISO 639-1 -> the English names FastChat's language detector (polyglot) writes.
LANGUAGE_NAMES: dict[str, str] = {code: name.capitalize() for code, name in LANGUAGES.items()}
UNKNOWN_LANGUAGE = "unknown"  # FastChat's spelling when detection fails
_CODES_BY_NAME = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}

# arenabot's own categories travel in a group of their own, so a re-import gets them back exactly.
ARENABOT_GROUP = "arenabot_v0.1"


def language_name(code: str) -> str:
    """The stored language (an ISO code, or a name an import carried) as FastChat spells it."""
    if not code or code == UNDETERMINED:
        return UNKNOWN_LANGUAGE
    return LANGUAGE_NAMES.get(code, code)


def language_code(value: str) -> str:
    """A file's language ("English", "en", "unknown", "Tagalog") as stored: an ISO code when
    arenabot knows the language, "und" for unknown, otherwise the name itself (cut to 16)."""
    text = value.strip()
    if not text or text.lower() == UNKNOWN_LANGUAGE or text == UNDETERMINED:
        return UNDETERMINED
    if text.lower() in LANGUAGES:
        return text.lower()
    return _CODES_BY_NAME.get(text.lower(), text[:16])


# ---- conv_metadata ------------------------------------------------------------------------------

_CODE_BLOCK = re.compile(r"```[^`]*```")  # counted without code blocks, as FastChat does
_HEADERS = [(f"h{n}", re.compile(rf"^#{{{n}}}\s", re.MULTILINE)) for n in range(1, 7)]
_ORDERED = re.compile(r"^\s*\d+\.\s", re.MULTILINE)
_UNORDERED = re.compile(r"^\s*[-*+]\s", re.MULTILINE)
_BOLD_STARS = re.compile(r"\*\*[^*\n]+\*\*")
_BOLD_UNDERSCORES = re.compile(r"__[^_\n]+__")

Conversation = Sequence[dict[str, str]]  # [{"role": "user"|"assistant", "content": ...}]


def markdown_counts(text: str, side: str) -> dict[str, dict[str, int]]:
    """Header, list and bold counts of one side's replies, keyed as FastChat keys them."""
    text = _CODE_BLOCK.sub("", text)
    return {
        f"header_count_{side}": {name: len(rx.findall(text)) for name, rx in _HEADERS},
        f"list_count_{side}": {"ordered": len(_ORDERED.findall(text)), "unordered": len(_UNORDERED.findall(text))},
        f"bold_count_{side}": {"**": len(_BOLD_STARS.findall(text)), "__": len(_BOLD_UNDERSCORES.findall(text))},
    }


def _tokens(conv: Conversation, role: str) -> int:
    return sum(approx_tokens(m["content"]) for m in conv if m["role"] == role)


def conv_metadata(conv_a: Conversation, conv_b: Conversation) -> dict[str, Any]:
    """Token and markdown counts of both sides. `context_x_tokens`: the conversation side x saw
    before its last reply (every message but that reply)."""
    meta: dict[str, Any] = {"sum_user_tokens": _tokens(conv_a, "user")}
    for side, conv in (("a", conv_a), ("b", conv_b)):
        replies = [m["content"] for m in conv if m["role"] == "assistant"]
        total = sum(approx_tokens(m["content"]) for m in conv)
        meta[f"sum_assistant_{side}_tokens"] = _tokens(conv, "assistant")
        meta[f"context_{side}_tokens"] = total - (approx_tokens(replies[-1]) if replies else 0)
    meta["turns"] = sum(1 for m in conv_a if m["role"] == "user")
    for side, conv in (("a", conv_a), ("b", conv_b)):
        meta.update(markdown_counts("\n".join(m["content"] for m in conv if m["role"] == "assistant"), side))
    return meta


# ---- category_tag -------------------------------------------------------------------------------


def category_tag(prompt: str, categories: Sequence[str]) -> dict[str, Any]:
    """FastChat's nested `category_tag`, decided by arenabot's classifier instead of FastChat's
    LLM judge: the criteria and the instruction score by arenabot's rules (categories.criteria,
    categories.instruction_score); math, creative writing and `if` are the battle's stored
    categories (rules, plus the optional LLM classifier's labels). The arenabot group repeats the
    categories the battle was stored with."""
    cats = set(categories)
    creative = CREATIVE_WRITING in cats
    return {
        "criteria_v0.1": criteria(prompt, coding=CODING in cats, math=MATH in cats),
        "math_v0.1": {"math": MATH in cats},
        "if_v0.1": {"if": INSTRUCTION_FOLLOWING in cats, "score": instruction_score(prompt)},
        "creative_writing_v0.1": {"creative_writing": creative, "score": "yes" if creative else "no"},
        ARENABOT_GROUP: {c: True for c in sorted(cats)},
    }


def language_category(language: str) -> str:
    """The board category of a language however a file writes it ("English", "en"), or ""."""
    return LANGUAGES.get(language_code(language), "")


# ---- dedup_tag ----------------------------------------------------------------------------------

DEDUP_PERCENTILE = 0.9999  # FastChat's default cut-off


def dedup_tags(prompts: Sequence[str], percentile: float = DEDUP_PERCENTILE) -> list[dict[str, bool]]:
    """FastChat's dedup_tag for battles in time order, from their user turns' text (first 10,000
    characters): a prompt seen more often than the `percentile` of prompt counts is high_freq, and
    only cutoff-many of its battles are `sampled`. FastChat samples them at random; arenabot keeps
    the earliest, so the same database always exports the same tags."""
    import numpy as np  # only an export with battles needs it

    keys = [p[:10000] for p in prompts]
    counts = Counter(keys)
    if not counts:
        return []
    cutoff = float(np.quantile(np.fromiter(counts.values(), dtype=float), percentile))
    kept: Counter[str] = Counter()
    tags = []
    for key in keys:
        if counts[key] <= cutoff:
            tags.append({"high_freq": False, "sampled": True})
            continue
        kept[key] += 1
        tags.append({"high_freq": True, "sampled": kept[key] <= int(cutoff)})
    return tags


def user_text(conv: Conversation) -> str:
    """What FastChat's deduplication compares: the user turns, one per line."""
    return "".join(f"{m['content']}\n" for m in conv if m["role"] == "user")
