"""A moderators' word list: normalised once when it is set, matched as whole words in any case.

Text and words are compared after NFKC and case folding, so full-width letters and odd cases do
not slip past. A word that starts or ends with a Latin letter or digit must not touch another
one there ("ass" is not in "class"); a word in a script without spaces (Chinese, Japanese) matches
inside running text, where no boundary could be required.
"""

from __future__ import annotations

import functools
import re
import unicodedata

CLEARED = {"", "none", "off", "-"}
_LATIN = "a-z0-9"


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


def _pattern(word: str) -> str:
    body = r"\s+".join(re.escape(part) for part in word.split(" "))
    before = f"(?<![{_LATIN}])" if re.match(f"[{_LATIN}]", word) else ""
    after = f"(?![{_LATIN}])" if re.search(f"[{_LATIN}]$", word) else ""
    return before + body + after


class WordList:
    def __init__(self, words: str):
        listed = [w for w in (part.strip() for part in words.split(",")) if w]
        self.size = len(listed)
        # Longest first, so a phrase wins over a word inside it.
        alternatives = [_pattern(w) for w in sorted(listed, key=len, reverse=True)]
        self._regex = re.compile("|".join(alternatives)) if alternatives else None

    def find(self, text: str) -> str | None:
        """The first listed word in `text`, or None."""
        if self._regex is None:
            return None
        found = self._regex.search(_fold(text))
        return found.group(0) if found else None


@functools.lru_cache(maxsize=256)
def word_list(words: str) -> WordList:
    """The compiled list for a stored setting (each scope's list is compiled once)."""
    return WordList(words)
