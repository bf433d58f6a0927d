"""Markdown to mrkdwn, and splitting at Slack's limits without breaking code blocks."""
from __future__ import annotations

import pytest

from arenabot.adapters.slack.layout import message_payloads
from arenabot.adapters.slack.mrkdwn import to_mrkdwn
from arenabot.adapters.slack.platform import outcome_for_reaction
from arenabot.adapters.slack.split import SECTION_LIMIT, group_sections, split_text
from arenabot.domain import Outcome


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("**bold** and *italic*", "*bold* and _italic_"),
        ("__bold__ ~~gone~~", "*bold* ~gone~"),
        ("## Heading\ntext", "*Heading*\ntext"),
        ("- one\n- two", "• one\n• two"),
        ("see [docs](https://example.com/a?b=1)", "see <https://example.com/a?b=1|docs>"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("> quoted <b>\n>also", "> quoted &lt;b&gt;\n&gt;also"),
        ("keep `**x**` as code", "keep `**x**` as code"),
        ("2 * 3 * 4", "2 * 3 * 4"),
    ],
)
def test_markdown_becomes_mrkdwn(markdown: str, expected: str) -> None:
    assert to_mrkdwn(markdown) == expected


def test_code_fences_are_left_alone_and_lose_their_language_tag() -> None:
    markdown = "Look:\n```python\nx = a**2 if a<b else *args\n```\nDone **now**."
    assert to_mrkdwn(markdown) == "Look:\n```\nx = a**2 if a&lt;b else *args\n```\nDone *now*."


def test_an_unclosed_fence_while_streaming_stays_code() -> None:
    assert to_mrkdwn("Code:\n```js\nlet **x**") == "Code:\n```\nlet **x**"


def _fences_balanced(piece: str) -> bool:
    return sum(1 for line in piece.split("\n") if line.strip().startswith("```")) % 2 == 0


def test_short_text_is_one_piece() -> None:
    assert split_text("hello", 100) == ["hello"]


def test_long_prose_splits_at_line_ends_under_the_limit() -> None:
    text = "\n".join(f"line {i} " + "word " * 20 for i in range(400))
    pieces = split_text(text, SECTION_LIMIT)
    assert len(pieces) > 1
    assert all(len(p) <= SECTION_LIMIT for p in pieces)
    assert "\n".join(pieces) == text  # cut only at line ends: nothing lost or added


def test_a_cut_inside_a_code_block_closes_and_reopens_the_fence() -> None:
    code = "\n".join(f"print({i})" for i in range(800))
    text = "Intro\n```\n" + code + "\n```\nOutro"
    pieces = split_text(text, 1000)
    assert len(pieces) > 3
    assert all(len(p) <= 1000 for p in pieces)
    assert all(_fences_balanced(p) for p in pieces)
    assert pieces[1].startswith("```\n") and pieces[0].endswith("\n```")
    # Every code line survives exactly once, in order.
    lines = [line for p in pieces for line in p.split("\n") if line.startswith("print(")]
    assert lines == code.split("\n")


def test_a_single_overlong_line_is_wrapped() -> None:
    text = "x" * 2500 + " " + "y" * 2500
    pieces = split_text(text, 1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def test_sections_pack_into_messages_under_the_message_limit() -> None:
    groups = group_sections(["x" * 3000] * 30, message_limit=40000, max_blocks=50)
    assert [len(g) for g in groups] == [13, 13, 4]


def test_message_payloads_label_each_message_and_keep_sections_small() -> None:
    text = "\n".join("word " * 50 for _ in range(300))  # about 75,000 characters
    payloads = message_payloads(text, "Model A")
    assert len(payloads) == 2
    assert payloads[0]["blocks"][0]["text"]["text"].startswith("*Model A*\n")
    assert payloads[1]["blocks"][0]["text"]["text"].startswith("*Model A (continued)*\n")
    for payload in payloads:
        sections = [b["text"]["text"] for b in payload["blocks"]]
        assert all(len(s) <= 3000 for s in sections)
        assert sum(len(s) for s in sections) <= 40000
        assert len(payload["text"]) <= 150


@pytest.mark.parametrize(
    ("name", "outcome"),
    [("a", Outcome.A), ("b", Outcome.B), ("handshake", Outcome.TIE), ("-1", Outcome.BOTH_BAD),
     ("-1::skin-tone-4", Outcome.BOTH_BAD), ("thumbsdown", Outcome.BOTH_BAD), ("heart", None), ("ab", None)],
)
def test_reaction_names_map_to_outcomes(name: str, outcome: Outcome | None) -> None:
    assert outcome_for_reaction(name) is outcome
