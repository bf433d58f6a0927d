"""Fixtures for the Slack adapter tests: the fake Slack, and a Web client pointed at it."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from arenabot.adapters.slack.app import make_client
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def slack_client(fake_slack: FakeSlack):
    return make_client("xoxb-test-token", fake_slack.api_url)
