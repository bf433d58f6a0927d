"""Identity detection speed: it runs on every finished reply, every prompt and every thread message.

    .venv/bin/python bench/anonymity_bench.py

Prints the time to scan a long reply (30,000 characters) in English, in Chinese and mixed, with
the built-in list plus a configured model, and the time to build a detector. Noisy on a shared
machine: rerun before trusting one figure.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arenabot.anonymity import IdentityDetector  # noqa: E402
from arenabot.config import ModelSettings  # noqa: E402

MODELS = [ModelSettings(name="house-model", provider="openai", model_id="acme/house-model-7b", vendor="Acme Labs")]
TEXTS = {
    "english": "Here is a careful, ordinary answer about gardening, cooking, travel and maths: 3 + 4 = 7. ",
    "chinese": "这是一个关于园艺、烹饪、旅行和数学的普通回答，三加四等于七。",
    "mixed": "Answer 回答 with Python code `x = [1, 2, 3]` and Русский текст. ",
}


def per_call_ms(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - started) / repeat * 1000)
    return best


def main() -> int:
    build = per_call_ms(lambda: IdentityDetector.for_models(MODELS), 20)
    detector = IdentityDetector.for_models(MODELS)
    print(f"build a detector ({len(detector.words)} words): {build:.2f} ms")
    for name, piece in TEXTS.items():
        reply = (piece * (30_000 // len(piece) + 1))[:30_000]
        assert detector.find(reply) == []
        print(f"scan a 30,000-character {name} reply: {per_call_ms(lambda: detector.find(reply), 10):.2f} ms (best of 3)")
    leaky = ("ordinary words " * 2000) + "我是Claude"
    print(f"scan a 30,000-character reply ending in a leak: {per_call_ms(lambda: detector.find(leaky), 10):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
