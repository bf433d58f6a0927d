"""Content moderation's cost on the streaming path: the word list runs on every preview of a reply.

    .venv/bin/python bench/contentmod_bench.py

Prints, for a 32,000-character reply (the default cap) streamed in 4-character pieces, the time
spent in word-list checks over the whole stream (previews come at the geometric pace of
arenabot.replytext, so the checks read about 8x the reply in all), with a 20-word and a
500-word list, and one check of the finished reply. The list's length should hardly matter
(set lookups, not one regex alternative per word). Noisy on a shared machine: run it twice.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arenabot.replytext import ReplyText  # noqa: E402
from arenabot.wordlist import WordList, normalise_words  # noqa: E402

REPLY = ("Here is a careful, ordinary answer about gardening, cooking, travel and maths: 3 + 4 = 7. " * 400)[:32_000]


def words(n: int) -> WordList:
    # Made-up words that never occur in the reply: every check reads the whole text.
    return WordList(normalise_words(", ".join(f"zq{k}word" for k in range(n - 2)) + ", two words, 坏词"))


def streamed_ms(listed: WordList) -> tuple[float, int]:
    """Time in checks over one streamed reply, and how many previews were checked."""
    reply = ReplyText(len(REPLY) + 1, clock=lambda: 0.0)  # a frozen clock: only growth triggers previews
    spent, previews = 0.0, 0
    for start in range(0, len(REPLY), 4):
        if reply.add(REPLY[start : start + 4]):
            text = reply.text
            started = time.perf_counter()
            listed.find(text)
            spent += time.perf_counter() - started
            previews += 1
    return spent * 1000, previews


def main() -> int:
    print(f"reply: {len(REPLY):,} characters in 4-character pieces")
    for n in (20, 500):
        listed = words(n)
        runs = [streamed_ms(listed) for _ in range(3)]
        best = min(ms for ms, _ in runs)
        started = time.perf_counter()
        for _ in range(10):
            listed.find(REPLY)
        once = (time.perf_counter() - started) / 10 * 1000
        print(f"{n:>4} words: {best:7.1f} ms in checks over the stream ({runs[0][1]} previews); finished reply once: {once:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
