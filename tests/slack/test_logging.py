"""Bolt must not freeze the level of arenabot's own loggers: the level the operator configures
(setup_logging, possibly after the Slack app exists) decides which arenabot lines are written."""
from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from arenabot.logs import setup_logging
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import arena_settings, slack_harness


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Put the root logger and the `arenabot` logger back as they were, whatever the test did."""
    root, ours = logging.getLogger(), logging.getLogger("arenabot")
    saved = (root.level, list(root.handlers), ours.level, ours.disabled)
    try:
        yield
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        ours.setLevel(saved[2])
        ours.disabled = saved[3]


async def test_info_lines_still_show_after_the_slack_app_handled_requests(
    fake_slack: FakeSlack, sqlite_url: str, restored_logging: None
) -> None:
    logging.getLogger().setLevel(logging.WARNING)  # whatever the root says while Bolt works ...
    async with slack_harness(fake_slack, arena_settings(sqlite_url)) as slack:
        await slack.start_battle()
        await slack.settled()
        out = io.StringIO()
        setup_logging(level="INFO", stream=out)  # ... the level configured now is the one that counts
        logging.getLogger("arenabot.arena").info("battle #1 opened")
        logging.getLogger("arenabot.adapters.slack.listeners").info("vote handled")
        # A request handled after the level changed must not pin it again either.
        await slack.start_battle("and a limerick")
        await slack.settled()
        logging.getLogger("arenabot.storage").info("vote stored")
    text = out.getvalue()
    assert "battle #1 opened" in text and "vote handled" in text and "vote stored" in text
    assert logging.getLogger("arenabot").level == logging.NOTSET  # nobody set it: it follows the root
