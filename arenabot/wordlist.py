"""A moderators' word list: normalised once when it is set, matched as whole words in any case.

Text and words are compared after NFKC and case folding, so full-width letters and odd cases do
not slip past. A word of Latin letters and digits must not touch another such letter ("ass" is
not in "class"); a word in a script without spaces (Chinese, Japanese) matches inside running
text, where no boundary could be required.

The check runs on every streamed preview of a reply, so it must stay linear in the text and
nearly independent of the list's length: Latin words are looked up as tokens in a set (phrases
by their first token), and only words with other characters are searched for one by one, with
`str.find` (bench/contentmod_bench.py).
"""

from __future__ import annotations

import functools
import re
import unicodedata

CLEARED = {"", "none", "off", "-"}
# Letters that make up a "word" for boundaries: ASCII letters and digits, and accented Latin.
_LETTER = "0-9a-z\u00c0-\u024f"
_TOKEN = re.compile(f"[{_LETTER}]+")
_LETTER_ONLY = re.compile(f"[{_LETTER}]+( [{_LETTER}]+)*")
_IS_LETTER = re.compile(f"[{_LETTER}]")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def normalise_words(value: str) -> str:
    """The stored form: folded, de-duplicated words and phrases joined by ", "; "none" clears."""
    if value.strip().casefold() in CLEARED:
        return ""
    words: list[str] = []
    for raw in re.split(r"[,\n]", value):
        word = " ".join(_fold(raw).split())
        if word and word not in words:
            words.append(word)
    return ", ".join(words)


class WordList:
    def __init__(self, words: str):
        listed = [" ".join(_fold(w).split()) for w in words.split(",")]
        listed = list(dict.fromkeys(w for w in listed if w))
        self.size = len(listed)
        self._singles: set[str] = set()
        self._phrases: dict[str, list[tuple[str, ...]]] = {}  # first token -> the phrases it starts
        self._others: list[str] = []  # words with characters outside _LETTER: searched one by one
        for word in listed:
            if not _LETTER_ONLY.fullmatch(word):
                self._others.append(word)
            elif " " in word:
                tokens = tuple(word.split(" "))
                self._phrases.setdefault(tokens[0], []).append(tokens)
            else:
                self._singles.add(word)

    def find(self, text: str) -> str | None:
        """A listed word or phrase found in `text` (in its listed form), or None."""
        if not self.size:
            return None
        folded = _fold(text)
        if self._singles or self._phrases:
            tokens = _TOKEN.findall(folded)
            hit = self._singles.intersection(tokens)
            if hit:
                return min(hit)
            if self._phrases:
                found = self._find_phrase(tokens)
                if found:
                    return found
        if self._others:
            squashed = " ".join(folded.split())
            return next((w for w in self._others if _occurs(w, squashed)), None)
        return None

    def _find_phrase(self, tokens: list[str]) -> str | None:
        for i in (i for i, token in enumerate(tokens) if token in self._phrases):
            for phrase in self._phrases[tokens[i]]:
                if tuple(tokens[i : i + len(phrase)]) == phrase:
                    return " ".join(phrase)
        return None


def _occurs(word: str, text: str) -> bool:
    """`word` in `text`, not touching another Latin letter where the word itself ends in one."""
    edge_before, edge_after = bool(_IS_LETTER.match(word[0])), bool(_IS_LETTER.match(word[-1]))
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        clear_before = not edge_before or start == 0 or not _IS_LETTER.match(text[start - 1])
        clear_after = not edge_after or end == len(text) or not _IS_LETTER.match(text[end])
        if clear_before and clear_after:
            return True
        start = text.find(word, start + 1)
    return False


@functools.lru_cache(maxsize=256)
def word_list(words: str) -> WordList:
    """The compiled list for a stored setting (each scope's list is compiled once)."""
    return WordList(words)
