"""The word list's matching, and a hidden reply's spoilers surviving Discord's message split."""
from __future__ import annotations

import pytest

from adapters.discord.text import split_message
from arenabot.render import hidden_reply
from arenabot.screening import Flag
from arenabot.wordlist import WordList, normalise_words

FLAG = Flag("endpoint", "violence")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Some BADWORD here", "badword"),
        ("badwords are plural", None),  # whole words only
        ("notbadword", None),
        ("ｂａｄｗｏｒｄ in full width", "badword"),
        ("a bad\n  phrase across lines", "bad phrase"),
        ("这是坏词语吗", "坏词"),  # no spaces in Chinese: matched inside running text
        ("BadWord!", "badword"),
        ("", None),
    ],
)
def test_word_list_matching(text, found):
    words = WordList(normalise_words("badword, Bad Phrase, 坏词"))
    assert words.find(text) == found


def test_normalising_and_clearing():
    assert normalise_words(" Foo ,bar\nFOO,, baz  qux ") == "foo, bar, baz qux"
    assert normalise_words("none") == normalise_words("OFF") == normalise_words("  ") == ""
    assert WordList("").find("anything") is None


def test_regex_characters_in_a_word_are_literal():
    words = WordList(normalise_words("c++, a.b"))
    assert words.find("I write C++ daily") == "c++" and words.find("axb") is None


def test_other_platforms_get_a_notice_without_the_text():
    for platform in ("slack", "console", "fake"):
        assert hidden_reply(platform, "kaboom", FLAG) == "_(hidden by content moderation: violence)_"


def test_a_long_hidden_reply_keeps_every_spoiler_closed_in_every_discord_message():
    text = ("word " * 700 + "\n```python\n" + "x = '|' * 3\n" * 300 + "```\n" + "y" * 2500 + "\\") * 2
    hidden = hidden_reply("discord", text, FLAG)
    chunks = split_message(hidden, 2000)
    assert len(chunks) > 5
    for chunk in chunks:
        assert len(chunk) <= 2000
        for line in chunk.split("\n")[1 if chunk is chunks[0] else 0 :]:
            if line:
                inner = line[2:-2]
                assert line.startswith("||") and line.endswith("||") and "||" not in inner.replace("\\|", "")
                assert (len(inner) - len(inner.rstrip("\\"))) % 2 == 0  # no dangling escape
        assert "```" not in chunk.replace("\\`", "")  # no code block, which a spoiler would not hide


def test_accented_words_and_mixed_lists():
    words = WordList(normalise_words("café, naïve idea, c++, 坏词, über"))
    assert words.find("Un CAFÉ noir") == "café"
    assert words.find("cafés") is None  # still a whole word
    assert words.find("a Naïve   idea!") == "naïve idea"
    assert words.find("Über alles") == "über" and words.find("Ueber") is None
    assert words.find("xc++") is None and words.find("(c++)") == "c++"
    assert words.find("我说坏词了") == "坏词"
