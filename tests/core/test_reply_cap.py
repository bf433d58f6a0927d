"""A reply is assembled in linear time and capped (arena.max_reply_chars, cut with a note)."""

from __future__ import annotations

from arenabot.config import ModelSettings
from arenabot.domain import Message, Side
from arenabot.generation import generate_turn
from arenabot.providers import Completion
from arenabot.replytext import ReplyText, capped, cut_note


class Flood:
    """Streams `pieces` one-character deltas, then completes with the whole text."""

    def __init__(self, pieces: int):
        self.pieces = pieces

    async def complete(self, model, messages, on_delta=None) -> Completion:
        for _ in range(self.pieces):
            await on_delta("x")
        return Completion(text="x" * self.pieces, finish_reason="stop")


class Stream:
    def __init__(self) -> None:
        self.handed = 0  # characters passed to update(), summed over every call
        self.updates = 0
        self.final = ""

    async def update(self, text: str) -> None:
        self.handed += len(text)
        self.updates += 1

    async def finish(self, text: str) -> None:
        self.final = text


class Platform:
    def __init__(self) -> None:
        self.streams: dict[str, Stream] = {}

    async def start_reply(self, thread_ref: str, label: str) -> Stream:
        return self.streams.setdefault(label, Stream())


MODELS = {side: ModelSettings(name=f"m-{side.value}", provider="openai") for side in (Side.A, Side.B)}
HISTORIES = {side: [Message("user", "say x a lot")] for side in (Side.A, Side.B)}


async def test_streaming_hands_the_platform_a_linear_amount_of_text():
    pieces = 60_000
    platform = Platform()
    results = await generate_turn(Flood(pieces), platform, "t", MODELS, HISTORIES, 600, max_chars=100_000)
    for result in results.values():
        assert result.text == "x" * pieces and result.ok
    for stream in platform.streams.values():
        assert stream.final == "x" * pieces
        # Joining on every piece would hand over pieces²/2 = 1.8e9 characters.
        assert stream.handed <= 20 * pieces, stream.handed
        assert stream.updates >= 10  # still streamed, not shown only at the end


async def test_a_reply_over_the_cap_is_cut_with_a_note_when_shown_and_stored():
    platform = Platform()
    results = await generate_turn(Flood(5_000), platform, "t", MODELS, HISTORIES, 600, max_chars=1_000)
    expected = "x" * 1_000 + cut_note(1_000)
    for result in results.values():
        assert result.text == expected
    for stream in platform.streams.values():
        assert stream.final == expected
    assert "reply cut at 1,000 characters" in expected


def test_reply_text_cuts_a_piece_that_crosses_the_cap():
    reply = ReplyText(limit=10, clock=lambda: 0.0)
    assert reply.add("12345")
    reply.add("67890abc")
    assert reply.cut and reply.text == "1234567890" + cut_note(10)
    assert not reply.add("more")  # dropped as it arrives
    assert capped("short", 10) == "short" and capped("x" * 11, 10) == "x" * 10 + cut_note(10)


async def test_the_default_cap_is_32k_and_applies_in_a_battle(core, platform):
    from tests.core.conftest import battle

    async with core() as service:
        assert service.settings.arena.max_reply_chars == 32_000
    async with core(max_reply_chars=200) as service:
        await battle(service, platform, "x" * 300)  # the scripted models quote the prompt back
        turns = await service.store.turns(1)
        assert turns and all(t.reply.endswith(cut_note(200)) and len(t.reply) == 200 + len(cut_note(200)) for t in turns)
