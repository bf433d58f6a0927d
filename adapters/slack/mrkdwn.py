"""Generic Markdown (what the core and the models write) to Slack's mrkdwn.

Slack differs from Markdown in a few places: bold is `*x*` (Markdown's `**x**`), italic is `_x_`,
strike is `~x~`, links are `<url|text>`, there are no headings, and `&`, `<`, `>` must be escaped.
Code spans and fenced blocks are escaped but otherwise left alone.
"""

from __future__ import annotations

import re

# Fenced blocks first (so their contents are never touched), then inline code spans.
_FENCE = re.compile(r"```[^\n`]*\n?(.*?)```", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]+`")

_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_QUOTE = re.compile(r"^([ \t]*)&gt;(?=[ \t]|$)", re.MULTILINE)  # a blockquote marker, escaped a step earlier
_BULLET = re.compile(r"^([ \t]*)[-*+][ \t]+", re.MULTILINE)
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC_STAR = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")

# Private-use characters stand in for Slack's bold marker while italics are converted.
_BOLD_OPEN, _BOLD_CLOSE = "\ue000", "\ue001"


def escape(text: str) -> str:
    """Slack's three control characters (https://api.slack.com/reference/surfaces/formatting#escaping)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _convert_prose(text: str) -> str:
    text = _QUOTE.sub(lambda m: f"{m.group(1)}>", escape(text))
    text = _HEADING.sub(lambda m: f"{_BOLD_OPEN}{m.group(1)}{_BOLD_CLOSE}", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
    text = _BOLD.sub(lambda m: f"{_BOLD_OPEN}{m.group(2)}{_BOLD_CLOSE}", text)
    text = _ITALIC_STAR.sub(lambda m: f"_{m.group(1)}_", text)
    text = _STRIKE.sub(lambda m: f"~{m.group(1)}~", text)
    return text.replace(_BOLD_OPEN, "*").replace(_BOLD_CLOSE, "*")


def _convert_line_run(text: str) -> str:
    """Text without fences: convert the prose between inline code spans."""
    out: list[str] = []
    last = 0
    for match in _INLINE_CODE.finditer(text):
        out.append(_convert_prose(text[last : match.start()]))
        out.append(escape(match.group(0)))
        last = match.end()
    out.append(_convert_prose(text[last:]))
    return "".join(out)


def to_mrkdwn(markdown: str) -> str:
    """Convert Markdown to Slack mrkdwn. An unclosed fence (a reply still streaming) stays code."""
    out: list[str] = []
    last = 0
    for match in _FENCE.finditer(markdown):
        out.append(_convert_line_run(markdown[last : match.start()]))
        # Slack shows a language tag as code, so it is dropped.
        out.append("```\n" + escape(match.group(1).rstrip("\n")) + "\n```")
        last = match.end()
    rest = markdown[last:]
    open_fence = rest.find("```")
    if open_fence >= 0:
        head, code = rest[:open_fence], rest[open_fence + 3 :]
        code = code.split("\n", 1)[1] if "\n" in code else ""
        out.append(_convert_line_run(head) + "```\n" + escape(code))
    else:
        out.append(_convert_line_run(rest))
    return "".join(out)
