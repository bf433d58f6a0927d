"""Spotting text that gives away which model is which (an identity leak).

A prompt or reply that names a model, a model family or a vendor breaks the blind test: the
battle is still shown, but its votes stay out of the anonymous leaderboard. Matching is
case-insensitive and on whole words ("Claude" matches "claude-3", not "Claudette").
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from arenabot.config import ModelSettings

# Vendors and model families well known enough that naming them reveals a model. Words that are
# also everyday English ("meta", "bard", "palm", "grok", "falcon") are left out or kept as phrases.
WELL_KNOWN_IDENTITIES: tuple[str, ...] = (
    # vendors and labs
    "openai", "anthropic", "google deepmind", "deepmind", "google", "meta ai", "mistral ai",
    "cohere", "deepseek", "alibaba", "qwen team", "01.ai", "zhipu", "moonshot ai", "xai",
    "nvidia", "microsoft", "databricks", "lmsys", "allen ai", "ai2", "perplexity", "baidu",
    "tencent", "bytedance", "hugging face", "huggingface", "together ai", "reka ai",
    # model families
    "gpt", "gpt-3", "gpt-3.5", "gpt-4", "gpt4", "gpt-4o", "chatgpt", "claude", "gemini",
    "gemma", "google bard", "palm 2", "lamda", "llama", "llama2", "llama3", "mistral",
    "mixtral", "codestral", "command-r", "qwen", "qwq", "yi-large", "chatglm", "glm-4",
    "nemotron", "dbrx", "vicuna", "tulu", "olmo", "wizardlm", "openchat", "ernie bot",
    "hunyuan", "doubao", "phi-3", "phi-4",
)


def identity_words_for(models: Iterable[ModelSettings]) -> set[str]:
    """Every word that reveals one of these models: names, real model ids, vendors, extras."""
    words: set[str] = set()
    for model in models:
        words.add(model.name)
        # A demo model's id is an ordinary word ("owl"); real ids ("gpt-4o-mini") are telling.
        if not model.is_demo:
            words.add(model.model_id)
        if model.vendor:
            words.add(model.vendor)
        words.update(model.identity_words)
    return {w.strip() for w in words if w and w.strip()}


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    unique = sorted({w.lower() for w in words}, key=len, reverse=True)  # longest alternative first
    if not unique:
        return None
    # Inside a phrase any run of whitespace matches; around it, no letter or digit may touch.
    parts = [r"\s+".join(re.escape(piece) for piece in word.split()) for word in unique]
    return re.compile(r"(?<![^\W_])(?:" + "|".join(parts) + r")(?![^\W_])", re.IGNORECASE)


class IdentityDetector:
    """Finds identity words in text. Build one per model list; `find` is cheap."""

    def __init__(self, words: Iterable[str], include_well_known: bool = True):
        all_words = set(words)
        if include_well_known:
            all_words.update(WELL_KNOWN_IDENTITIES)
        self.words = frozenset(w.lower() for w in all_words)
        self._regex = _pattern(all_words)

    @classmethod
    def for_models(cls, models: Sequence[ModelSettings], include_well_known: bool = True) -> "IdentityDetector":
        return cls(identity_words_for(models), include_well_known)

    def find(self, text: str) -> list[str]:
        """The identity words in `text`, lower-cased, in order of first appearance, no repeats."""
        if not self._regex or not text:
            return []
        found: dict[str, None] = {}
        for match in self._regex.finditer(text):
            found.setdefault(" ".join(match.group(0).lower().split()), None)
        return list(found)

    def leaks(self, *texts: str) -> bool:
        return any(self.find(t) for t in texts)
