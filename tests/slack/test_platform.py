"""SlackPlatform against the fake Web API: threads, streaming edits, splitting, reactions, 429s."""
from __future__ import annotations

import asyncio

from adapters.slack.platform import SlackPlatform
from adapters.slack.refs import parse_ref
from arenabot.ballot import Ballot
from tests.slack.fake_slack import FakeSlack

CHANNEL = "C0ARENA"


def _fences_balanced(text: str) -> bool:
    return sum(1 for line in text.split("\n") if line.strip().startswith("```")) % 2 == 0


async def test_a_battle_thread_is_a_header_with_replies_under_it(fake_slack: FakeSlack, slack_client) -> None:
    platform = SlackPlatform(slack_client, edit_interval=0.01)
    refs = await platform.open_thread(CHANNEL, "Arena battle #1", "**Arena battle #1**\n> hi")
    channel, header_ts = parse_ref(refs.thread_ref)
    assert refs.header_ref == refs.thread_ref and channel == CHANNEL
    [header] = fake_slack.top_level(CHANNEL)
    assert header.ts == header_ts and header.body.startswith("*Arena battle #1*")

    stream = await platform.start_reply(refs.thread_ref, "Model A")
    await stream.finish("Hello **world**")
    [reply] = fake_slack.thread(CHANNEL, header_ts)
    assert reply.body == "*Model A*\nHello *world*"

    await platform.edit(refs.header_ref, "**Revealed**")
    assert fake_slack.messages[(CHANNEL, header_ts)].body == "*Revealed*"


async def test_updates_faster_than_the_edit_rate_are_coalesced(fake_slack: FakeSlack, slack_client) -> None:
    platform = SlackPlatform(slack_client, edit_interval=60)
    refs = await platform.open_thread(CHANNEL, "t", "header")
    stream = await platform.start_reply(refs.thread_ref, "Model B")
    words = [f"w{i}" for i in range(200)]
    for n in range(1, 101):
        await stream.update(" ".join(words[:n]))
    # Nothing is sent until the pump gets to run: then only the newest text goes out.
    await fake_slack.wait_for(lambda: fake_slack.calls_to("chat.update"), what="the first streamed edit")
    for n in range(101, 201):
        await stream.update(" ".join(words[:n]))
    # These 100 wait for the (long) interval and are replaced by the final text.
    await stream.finish(" ".join(words))
    _, ts = parse_ref(refs.thread_ref)
    [reply] = fake_slack.thread(CHANNEL, ts)
    assert len(fake_slack.calls_to("chat.update")) == 2
    assert reply.edits == ["*Model B*\n" + " ".join(words[:100]), "*Model B*\n" + " ".join(words)]


async def test_streamed_edits_show_growing_text_in_order(fake_slack: FakeSlack, slack_client) -> None:
    platform = SlackPlatform(slack_client, edit_interval=0.01)
    refs = await platform.open_thread(CHANNEL, "t", "header")
    stream = await platform.start_reply(refs.thread_ref, "Model A")
    _, ts = parse_ref(refs.thread_ref)
    text = ""
    for i in range(5):
        text += f"part{i} "
        await stream.update(text)
        expected = "*Model A*\n" + text
        await fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, ts)[0].body == expected, what=f"edit {i}")
    await stream.finish(text + "end")
    edits = fake_slack.thread(CHANNEL, ts)[0].edits
    assert edits[-1] == "*Model A*\n" + text + "end"
    bodies = [e.removeprefix("*Model A*\n") for e in edits]
    assert all(later.startswith(earlier) for earlier, later in zip(bodies, bodies[1:]))


async def test_a_long_reply_is_split_over_sections_and_messages_without_breaking_code(fake_slack: FakeSlack, slack_client) -> None:
    platform = SlackPlatform(slack_client, edit_interval=0.01)
    refs = await platform.open_thread(CHANNEL, "t", "header")
    _, ts = parse_ref(refs.thread_ref)
    code = "\n".join(f"    total += item_{i}  # step {i}" for i in range(1500))
    prose = "\n\n".join("A sentence about the answer. " * 12 for _ in range(60))
    text = f"{prose}\n```python\n{code}\n```\nThat is all."
    stream = await platform.start_reply(refs.thread_ref, "Model A")
    await stream.update(text[:5000])  # part streamed, then the rest at once
    await stream.finish(text)

    messages = fake_slack.thread(CHANNEL, ts)
    assert len(messages) >= 2
    assert messages[0].body.startswith("*Model A*\n")
    assert all(m.body.startswith("*Model A (continued)*\n") for m in messages[1:])
    for message in messages:
        sections = [b["text"]["text"] for b in message.blocks]
        assert all(len(s) <= 3000 for s in sections)
        assert sum(len(s) for s in sections) <= 40000 and len(sections) <= 50
        assert all(_fences_balanced(s) for s in sections)
    shown = "\n".join(m.body for m in messages)
    assert [line for line in shown.split("\n") if "total +=" in line] == code.split("\n")
    assert shown.rstrip().endswith("That is all.")


async def test_the_ballot_gets_the_four_vote_reactions_after_its_ref_is_returned(fake_slack: FakeSlack, slack_client) -> None:
    platform = SlackPlatform(slack_client)
    refs = await platform.open_thread(CHANNEL, "t", "header")
    ballot = Ballot(1, "**Which answer is better?**")
    ballot_ref = await platform.post_ballot(refs.thread_ref, ballot)
    channel, ts = parse_ref(ballot_ref)
    assert fake_slack.reactions == []  # the core stores the ref before any reaction goes on
    await platform.open_voting(ballot_ref, ballot)
    assert [name for c, t, name in fake_slack.reactions if (c, t) == (channel, ts)] == ["a", "b", "handshake", "-1"]
    assert fake_slack.messages[(channel, ts)].thread_ts == parse_ref(refs.thread_ref)[1]


async def test_a_button_ballot_carries_its_buttons_and_gets_no_reactions(fake_slack: FakeSlack, slack_client) -> None:
    platform = SlackPlatform(slack_client)
    refs = await platform.open_thread(CHANNEL, "t", "header")
    ballot = Ballot(9, "**Which answer is better?**", mode="buttons")
    channel, ts = parse_ref(await platform.post_ballot(refs.thread_ref, ballot))
    await platform.open_voting(f"{channel}/{ts}", ballot)
    assert fake_slack.reactions == []
    message = fake_slack.messages[(channel, ts)]
    [actions] = [b for b in message.blocks if b["type"] == "actions"]
    assert [(e["action_id"], e["text"]["text"]) for e in actions["elements"]] == [
        ("arena:vote:9:a", "A is better"), ("arena:vote:9:b", "B is better"), ("arena:vote:9:tie", "Tie"),
        ("arena:vote:9:both_bad", "Both are bad"), ("arena:vote:9:withdraw", "Withdraw my vote"),
        ("arena:again:9", "New round"),
    ]
    assert message.body == "*Which answer is better?*"


async def test_notify_is_an_ephemeral_message_in_the_thread(fake_slack: FakeSlack, slack_client) -> None:
    platform = SlackPlatform(slack_client)
    refs = await platform.open_thread(CHANNEL, "t", "header")
    await platform.notify("U0ALICE", refs.thread_ref, "Model A was **demo-owl**")
    [note] = fake_slack.ephemerals
    assert note["user"] == "U0ALICE" and note["channel"] == CHANNEL
    assert note["thread_ts"] == parse_ref(refs.thread_ref)[1]
    assert note["text"] == "Model A was *demo-owl*"


async def test_a_429_is_waited_out_and_the_call_retried(fake_slack: FakeSlack, slack_client) -> None:
    platform = SlackPlatform(slack_client)
    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    refs = await asyncio.wait_for(platform.open_thread(CHANNEL, "t", "header"), 30)
    calls = [c for c in fake_slack.calls if c.method == "chat.postMessage"]
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0  # the retry came only after Retry-After's 1 s
    assert len(fake_slack.top_level(CHANNEL)) == 1 and refs.thread_ref.startswith(CHANNEL + "/")


async def test_a_scheduled_post_goes_to_the_channel_with_its_chart(fake_slack: FakeSlack, slack_client) -> None:
    """post_reply (published boards): joins the channel, posts the text, uploads the file there."""
    from arenabot.replies import Reply

    platform = SlackPlatform(slack_client, edit_interval=0.01)
    await platform.post_reply("C0BOARDS", Reply("**Leaderboard**\n```\n1  demo-owl\n```", file=("leaderboard.png", b"\x89PNG-chart")))
    [posted] = fake_slack.top_level("C0BOARDS")
    assert posted.body.startswith("*Leaderboard*") and "demo-owl" in posted.body
    assert "C0BOARDS" in fake_slack.member_of
    assert list(fake_slack.uploads.values()) == [b"\x89PNG-chart"]
    [complete] = [c for c in fake_slack.calls if c.method == "files.completeUploadExternal"]
    assert complete.args["channel_id"] == "C0BOARDS"
