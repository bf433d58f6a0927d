"""Malformed requests get a 400 and change nothing; a slash command without channel_id is answered."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, urlencode

import pytest

from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SCOPE, SlackHarness, arena_settings, slack_harness
from tests.slack.payloads import command_body, signed_headers

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def slack(fake_slack: FakeSlack, sqlite_url: str) -> AsyncIterator[SlackHarness]:
    async with slack_harness(fake_slack, arena_settings(sqlite_url)) as harness:
        yield harness


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('"a string"', "application/json"),
        ("payload=%7Bbroken", FORM),
        ("payload=%5B1%5D", FORM),
        ("payload=%FF%FE", FORM),
    ],
)
async def test_a_malformed_body_gets_400_without_a_traceback(slack: SlackHarness, caplog, body, content_type) -> None:
    caplog.set_level(logging.INFO)
    assert await slack.post(body, signed_headers(body, content_type=content_type)) == 400
    assert not any(r.exc_info for r in caplog.records)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "malformed" in r.getMessage()]
    assert not slack.fake.calls_to("chat.postMessage")
    assert (await slack.service.store.stats(SCOPE.key)).battles == 0


async def test_a_slash_command_without_channel_id_gets_an_answer(slack: SlackHarness) -> None:
    fields = dict(parse_qsl(command_body("battle write a poem", response_url=slack.fake.response_url("nochannel"))))
    del fields["channel_id"]
    body = urlencode(fields)
    assert await slack.post(body, signed_headers(body, content_type=FORM)) == 200
    await slack.settled()
    [answer] = await slack.fake.wait_for(lambda: slack.fake.responses_to.get("nochannel"), what="an answer")
    assert answer["response_type"] == "ephemeral" and "channel" in answer["text"]
    assert (await slack.service.store.stats(SCOPE.key)).battles == 0
