import re

import pytest

from arenabot.adapters.discord.text import preview, split_message


def _unfenced(chunks: list[str]) -> str:
    """Join chunks back, dropping the fence lines the splitter added at chunk edges."""
    out = []
    for index, chunk in enumerate(chunks):
        lines = chunk.split("\n")
        if index > 0 and re.match(r"^```\S*$", lines[0]) and out and _open_fence("\n".join(out)):
            lines = lines[1:]
        if index < len(chunks) - 1 and lines[-1] == "```" and _open_fence("\n".join(out + lines[:-1])):
            lines = lines[:-1]
        out.extend(lines)
    return "\n".join(out)


def _open_fence(text: str) -> bool:
    return sum(1 for line in text.split("\n") if line.lstrip().startswith("```")) % 2 == 1


def test_short_text_is_one_chunk():
    assert split_message("hello") == ["hello"]


def test_prose_splits_at_line_ends_within_the_limit():
    text = "\n".join(f"sentence number {i} of a long answer." for i in range(200))
    chunks = split_message(text, 2000)
    assert len(chunks) > 1
    assert all(len(c) <= 2000 for c in chunks)
    assert "\n".join(chunks) == text


def test_code_block_is_closed_and_reopened_with_its_language():
    code = "\n".join(f"x_{i} = {i} * 2" for i in range(300))
    text = f"Intro\n```python\n{code}\n```\nOutro"
    chunks = split_message(text, 2000)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert len(chunk) <= 2000
        assert not _open_fence(chunk), chunk[-50:]
    for chunk in chunks[1:-1]:
        assert chunk.startswith("```python\n")
    assert _unfenced(chunks) == text


def test_a_line_longer_than_a_message_is_cut_at_spaces():
    words = " ".join(f"w{i}" for i in range(1500))
    chunks = split_message(words, 2000)
    assert all(len(c) <= 2000 for c in chunks)
    assert "".join(chunks) == words
    assert all(c.endswith(" ") for c in chunks[:-1])


def test_unbreakable_text_is_cut_hard():
    blob = "x" * 5000
    chunks = split_message(blob, 2000)
    assert all(len(c) <= 2000 for c in chunks) and "".join(chunks) == blob


def test_too_small_limit_is_refused_clearly():
    with pytest.raises(ValueError, match="at least"):
        split_message("y" * 500, 100)


def test_preview_fits_one_message_and_marks_more():
    long = "\n".join("line" for _ in range(1000))
    shown = preview(long, 2000)
    assert len(shown) <= 2000 and shown.endswith(" …")
    assert preview("short", 2000) == "short"
