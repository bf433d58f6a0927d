"""Offline demo models: no network, no keys, replies that differ by prompt and by model.

Each demo model has its own voice (the model id picks it), and the prompt's own words and a
hash of the conversation choose what it says, so two demo models never answer alike and the
same model answers different prompts differently. They are labelled as demo everywhere.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
import time
from collections.abc import Sequence

from arenabot.config import ModelSettings
from arenabot.domain import Message
from arenabot.providers.base import Completion, OnDelta

_STOPWORDS = set(
    "a an the and or of to in on for with about write me please can you your my is are be what how why "
    "give make tell explain show i it this that as at by from into do does short".split()
)

_VOICES: dict[str, dict[str, list[str]]] = {
    "lark": {
        "open": ["Here is a small thought on {topic}.", "A quiet answer about {topic}:", "Let me sing of {topic}."],
        "body": ["{w1} drifts softly past the {w2}", "every {w1} remembers a {w2}", "the {w2} hums beneath the {w1}"],
        "close": ["That is all the song I have.", "Soft ending, open sky.", "Listen: the rest is silence."],
    },
    "owl": {
        "open": ["## On {topic}\n", "## A structured look at {topic}\n", "## {topic}: the essentials\n"],
        "body": [
            "- **{w1}**: consider how it shapes the {w2}.",
            "- **{w2}**: the key factor behind {w1}.",
            "- **{w1} vs {w2}**: weigh both before deciding.",
        ],
        "close": [
            "In short: start from the {w1}, then check the {w2}.",
            "Summary: {w1} first, {w2} second.",
            "Conclusion: the {w2} matters most.",
        ],
    },
    "otter": {
        "open": ["Ooh, {topic}! Fun one.", "Okay okay, {topic}, let's play.", "Splash! Diving into {topic}."],
        "body": [
            "Imagine a {w1} juggling a {w2} - that's the vibe.",
            "Honestly the {w2} is the star, the {w1} just tags along.",
            "Picture a {w1} sliding down a {w2}. Wheee!",
        ],
        "close": ["Hope that made you smile!", "Anyway, that's my splashy take.", "Want another round?"],
    },
    "fox": {
        "open": ["{topic}. Briefly:", "Short answer on {topic}:", "Direct take on {topic}:"],
        "body": ["{w1} first.", "Then the {w2}.", "Skip what does not serve the {w1}."],
        "numbered": ["yes"],
        "close": ["Done.", "That covers it.", "Nothing more needed."],
    },
}


def _keywords(text: str) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]{2,}", text)]
    return [w for w in words if w not in _STOPWORDS] or ["question", "answer"]


def demo_reply(voice: str, messages: Sequence[Message]) -> str:
    """The full reply a demo model gives to this conversation (deterministic)."""
    prompt = next((m.content for m in reversed(messages) if m.role == "user"), "")
    seed = hashlib.sha256(f"{voice}\n{[(m.role, m.content) for m in messages]}".encode()).digest()
    rng = random.Random(seed)
    parts = _VOICES.get(voice) or _VOICES[sorted(_VOICES)[int.from_bytes(seed[:2], "big") % len(_VOICES)]]
    words = _keywords(prompt)
    topic = " ".join(words[:3])
    lines = [rng.choice(parts["open"]).format(topic=topic)]
    for number, template in enumerate(rng.sample(parts["body"], k=len(parts["body"])), start=1):
        line = template.format(w1=rng.choice(words), w2=rng.choice(words))
        lines.append(f"{number}. {line}" if "numbered" in parts else line)
    lines.append(rng.choice(parts["close"]).format(w1=rng.choice(words), w2=rng.choice(words)))
    return "\n".join(lines)


class DemoProvider:
    """Streams `demo_reply` word by word; `params.delay_s` paces it (0 in tests)."""

    async def complete(self, model: ModelSettings, messages: Sequence[Message], on_delta: OnDelta | None = None) -> Completion:
        started = time.perf_counter()
        delay = float(model.params.get("delay_s", 0.0))
        text = demo_reply(model.model_id, messages)
        first: float | None = None
        pieces = re.findall(r"\S+\s*", text)
        for piece in pieces:
            if delay:
                await asyncio.sleep(delay)
            if first is None:
                first = time.perf_counter() - started
            if on_delta is not None:
                await on_delta(piece)
        prompt_tokens = sum(len(m.content.split()) for m in messages)
        return Completion(
            text=text,
            finish_reason="stop",
            prompt_tokens=prompt_tokens,
            completion_tokens=len(pieces),
            latency_s=time.perf_counter() - started,
            first_token_s=first,
        )
