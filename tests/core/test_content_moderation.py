"""Content moderation through the core: prompts and follow-ups refused privately with nothing
stored, flagged replies hidden as each platform can and their battles voided, the endpoint's
failures letting battles go on (logged, counted), and the counts moderators see."""
from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest

from arenabot.app import build_core
from arenabot.arena import ArenaService
from arenabot.config import ModelSettings, settings_from_dict
from arenabot.domain import BattleStatus, Message, Outcome
from arenabot.generation import STOPPED_NOTE
from arenabot.providers import Completion, ProviderHub
from tests.core.conftest import ALICE, BOB, CAROL, MOD, OTHER_SCOPE, SCOPE
from tests.support.fake_moderation import FakeModeration, closed_port_url
from tests.support.fake_platform import FakePlatform


class SayingProvider:
    """Replies `params["say"][turn]` (turn = the number of user messages, from 1) or "Reply to:
    <prompt>", streamed in small pieces; records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Message]]] = []

    async def complete(self, model: ModelSettings, messages: Sequence[Message], on_delta: Any = None) -> Completion:
        self.calls.append((model.name, list(messages)))
        turn = sum(m.role == "user" for m in messages)
        text = model.params.get("say", {}).get(str(turn), f"Reply to: {messages[-1].content}")
        for start in range(0, len(text), 4):
            if on_delta:
                await on_delta(text[start : start + 4])
        return Completion(text=text, finish_reason="stop")


@pytest.fixture
async def moderation() -> AsyncIterator[FakeModeration]:
    server = await FakeModeration().start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def provider() -> SayingProvider:
    return SayingProvider()


@pytest.fixture
def open_core(sqlite_url: str, provider: SayingProvider):
    @asynccontextmanager
    async def opened(
        moderation: dict[str, Any] | None = None, says: dict[str, dict[str, str]] | None = None, **arena: Any
    ) -> AsyncIterator[ArenaService]:
        says = says or {}
        models = [{"name": n, "provider": "openai", "params": {"say": says.get(n, {})}} for n in ("alpha", "beta")]
        settings = settings_from_dict(
            {"database": {"url": sqlite_url}, "arena": arena, "moderation": moderation or {}, "models": models}
        )
        hub = ProviderHub(settings)
        hub.register("openai", provider)
        try:
            async with build_core(settings, hub=hub, rng=random.Random(3)) as service:
                yield service
        finally:
            await hub.close()

    return opened


def replies(platform: FakePlatform) -> list[Any]:
    return [m for m in platform.last_thread().messages if m.kind == "reply"]


def posts(platform: FakePlatform) -> list[str]:
    return [m.text for m in platform.last_thread().messages if m.kind == "post"]


# ----- prompts ----------------------------------------------------------------------------------


async def test_a_flagged_prompt_starts_nothing_and_is_refused_privately(open_core, moderation, provider):
    platform = FakePlatform()
    async with open_core({"base_url": moderation.url}) as service:
        reply = await service.start_battle(platform, SCOPE, "channel-1", ALICE, "How do I make things go KABOOM?")
        assert not reply.ok and reply.private
        assert reply.text.startswith("Sorry: That prompt cannot start a battle here") and "(violence)" in reply.text
        assert platform.thread_list == [] and provider.calls == []
        assert (await service.store.stats(SCOPE.key)).battles == 0  # nothing stored
        assert moderation.inputs() == ["How do I make things go KABOOM?"]

        ok = await service.start_battle(platform, SCOPE, "channel-1", ALICE, "Explain rainbows")
        assert ok.ok and len(platform.thread_list) == 1
        # The clean prompt and then both finished replies were checked.
        assert moderation.inputs()[1] == "Explain rainbows" and len(moderation.inputs()) == 4


async def test_a_moderators_word_list_applies_to_its_own_scope_only(open_core, provider):
    platform = FakePlatform()
    async with open_core() as service:
        refused = await service.set_setting(ALICE, SCOPE, "moderation_words", "gizmo")
        assert not refused.ok  # members cannot set it
        done = await service.set_setting(MOD, SCOPE, "moderation_words", "Gizmo, secret plan ,GIZMO")
        assert "`gizmo, secret plan`" in done.text

        for prompt in ("Tell me about the GIZMO", "our  Secret\nPlan, please"):
            reply = await service.start_battle(platform, SCOPE, "channel-1", ALICE, prompt)
            assert not reply.ok and reply.private and "(word list)" in reply.text, prompt
        assert provider.calls == [] and platform.thread_list == []
        # Whole words only, and the other server has no list.
        assert (await service.start_battle(platform, SCOPE, "channel-1", ALICE, "gizmos and gadgets")).ok
        assert (await service.start_battle(platform, OTHER_SCOPE, "channel-1", ALICE, "the gizmo")).ok

        cleared = await service.set_setting(MOD, SCOPE, "moderation_words", "none")
        assert "``" in cleared.text
        assert (await service.start_battle(platform, SCOPE, "channel-1", ALICE, "the gizmo")).ok


async def test_a_flagged_follow_up_reaches_no_model_and_is_still_read_for_leaks(open_core, moderation, provider):
    platform = FakePlatform()
    async with open_core({"base_url": moderation.url}, max_turns=3) as service:
        await service.start_battle(platform, SCOPE, "channel-1", ALICE, "Explain rainbows")
        thread = platform.last_thread().ref
        calls = len(provider.calls)
        reply = await service.follow_up(platform, thread, ALICE, "you meanie, is model A alpha?")
        assert reply is not None and not reply.ok and reply.private
        assert "was not sent to the models" in reply.text and "(harassment)" in reply.text
        assert len(provider.calls) == calls
        battle = await service.store.battle_by_thread(platform.name, thread)
        assert battle.turns == 1
        # The refused message is in the thread all the same, and it names a model of this battle.
        assert battle.leaked_at is not None and any("no longer blind" in p for p in posts(platform))


# ----- replies ----------------------------------------------------------------------------------


async def test_a_flagged_reply_is_hidden_and_its_battle_void(open_core, moderation):
    platform = FakePlatform()  # no spoilers, and no in-place edits: a notice replaces the reply
    says = {"alpha": {"1": "Sure. KABOOM goes the volcano."}, "beta": {"1": "Sure. KABOOM goes the volcano."}}
    async with open_core({"base_url": moderation.url}, says=says) as service:
        reply = await service.start_battle(platform, SCOPE, "channel-1", ALICE, "Tell me about volcanoes")
        assert not reply.ok and "flagged by content moderation (violence)" in reply.text
        battle = await service.store.battle_by_thread(platform.name, platform.last_thread().ref)
        assert battle.status is BattleStatus.VOID
        shown = replies(platform)
        hidden = [m for m in shown if "hidden by content moderation" in m.text]
        assert hidden and all(m.text == "_(hidden by content moderation: violence)_" for m in hidden)
        # Never shown, not even as a preview, on a platform that cannot take a preview back.
        assert not any("KABOOM" in edit for m in shown for edit in m.edits)
        assert any("reply was flagged by content moderation** (violence)" in p for p in posts(platform))
        assert not [m for m in platform.last_thread().messages if m.kind == "ballot"]
        # As an attacker reads the thread: nothing in it names either model.
        assert not any(n in e.lower() for m in platform.last_thread().messages for e in m.edits for n in ("alpha", "beta"))

        vote = await service.vote_on_battle(platform, battle.id, BOB, Outcome.A, event_id="e1")
        assert (await service.store.get_battle(battle.id)).counted_votes == 0, vote
        assert (await service.store.stats(SCOPE.key)).counted_votes == 0
        # The text is kept for moderators.
        assert any("KABOOM" in t.reply for t in await service.store.turns(battle.id))


async def test_on_discord_a_flagged_reply_goes_behind_spoilers(open_core, moderation):
    platform = FakePlatform("discord")
    says = {"alpha": {"1": "Line one kaboom\n```py\nprint('x')\n```"}, "beta": {"1": "Line one kaboom\n```py\nprint('x')\n```"}}
    async with open_core({"base_url": moderation.url}, says=says) as service:
        await service.start_battle(platform, SCOPE, "channel-1", ALICE, "Show me code")
        final = [m.text for m in replies(platform) if "hidden by content moderation" in m.text]
        assert final, [m.text for m in replies(platform)]
        assert all(len(m.edits) > 2 for m in replies(platform))  # Discord edits in place: previews were streamed
        lines = final[0].split("\n")
        assert lines[0].startswith("_(hidden by content moderation: violence)_")
        assert lines[1:] == ["||Line one kaboom||", "||\\`\\`\\`py||", "||print('x')||", "||\\`\\`\\`||"]


async def test_a_listed_word_is_never_previewed_even_where_previews_are_replaced(open_core):
    platform = FakePlatform("slack")
    long_reply = "A calm start. " * 40 + "then gizmo appears. " + "More text. " * 40
    async with open_core(says={"alpha": {"1": long_reply}, "beta": {"1": long_reply}}, moderation_words="gizmo") as service:
        reply = await service.start_battle(platform, SCOPE, "channel-1", ALICE, "Tell me a story")
        assert not reply.ok and "(word list)" in reply.text
        for message in replies(platform):
            assert len(message.edits) > 2  # it streamed...
            assert not any("gizmo" in edit for edit in message.edits)  # ...but never the word
            # Hidden when flagged; the other side, stopped, keeps only what it had shown.
            assert message.text == "_(hidden by content moderation: word list)_" or message.text.endswith(STOPPED_NOTE)
        assert any(m.text == "_(hidden by content moderation: word list)_" for m in replies(platform))


async def test_replies_unchecked_when_check_replies_is_off(open_core, moderation):
    platform = FakePlatform()
    says = {"alpha": {"1": "kaboom"}, "beta": {"1": "kaboom"}}
    async with open_core({"base_url": moderation.url, "check_replies": False}, says=says) as service:
        assert (await service.start_battle(platform, SCOPE, "channel-1", ALICE, "Volcanoes?")).ok
        assert moderation.inputs() == ["Volcanoes?"]


async def test_a_flagged_reply_after_the_vote_is_hidden_and_the_votes_stand(open_core, moderation):
    platform = FakePlatform()
    says = {"alpha": {"2": "kaboom!"}, "beta": {"2": "kaboom!"}}
    async with open_core({"base_url": moderation.url}, says=says, reveal_to_voter=False) as service:
        await service.start_battle(platform, SCOPE, "channel-1", ALICE, "Explain rainbows")
        thread = platform.last_thread().ref
        battle = await service.store.battle_by_thread(platform.name, thread)
        await service.vote_on_battle(platform, battle.id, BOB, Outcome.B, event_id="e1")
        reply = await service.follow_up(platform, thread, BOB, "Tell me more")
        assert reply is not None and reply.ok
        assert any("hidden by content moderation" in m.text for m in replies(platform)[2:])
        assert any("Votes are unchanged" in p for p in posts(platform))
        after = await service.store.get_battle(battle.id)
        assert after.status is BattleStatus.OPEN and after.counted_votes == 1


# ----- failures of the endpoint -----------------------------------------------------------------


@pytest.mark.parametrize("fault", ["timeout", "500", "garbage", "shape", "refused"])
async def test_a_failing_endpoint_lets_the_battle_go_on_logged_and_counted(open_core, moderation, fault, caplog):
    platform = FakePlatform()
    url = closed_port_url() if fault == "refused" else moderation.url
    moderation.fault = None if fault == "refused" else fault
    says = {"alpha": {"1": "kaboom"}, "beta": {"1": "kaboom"}}
    with caplog.at_level(logging.WARNING, logger="arenabot.features.contentmod"):
        async with open_core({"base_url": url, "timeout_seconds": 0.3}, says=says) as service:
            reply = await service.start_battle(platform, SCOPE, "channel-1", ALICE, "kaboom?")
            assert reply.ok, reply.text
            battle = await service.store.battle_by_thread(platform.name, platform.last_thread().ref)
            assert battle.status is BattleStatus.OPEN
            assert [m for m in platform.last_thread().messages if m.kind == "ballot"]
            assert all(m.text == "kaboom" for m in replies(platform))

            failures = [r for r in caplog.records if "content moderation endpoint failed" in r.getMessage()]
            assert len(failures) == 3  # the prompt and each reply: one line each
            assert all(r.exc_info is None and "\n" not in r.getMessage() for r in failures)

            doctor = await service.commands.find(("doctor",)).call(_context(service, platform, MOD))
            assert "3 endpoint failure(s)" in doctor.text and "❌ content moderation endpoint:" in doctor.text


async def test_doctor_and_moderators_stats_show_the_counts(open_core, moderation):
    platform = FakePlatform()
    says = {"alpha": {"1": "you meanie"}, "beta": {"1": "fine"}}
    async with open_core({"base_url": moderation.url}, says=says, moderation_words="gizmo, widget") as service:
        await service.start_battle(platform, SCOPE, "channel-1", ALICE, "a gizmo")
        await service.start_battle(platform, SCOPE, "channel-1", ALICE, "kaboom")
        await service.start_battle(platform, SCOPE, "channel-1", ALICE, "Say something")

        doctor = await service.commands.find(("doctor",)).call(_context(service, platform, MOD))
        assert "✅ content moderation: word list of 2 here" in doctor.text
        assert "✅ content moderation endpoint: answers" in doctor.text
        assert "2 prompt(s) refused, 1 reply(ies) hidden (battles void) here; 0 endpoint failure(s)" in doctor.text
        member = await service.commands.find(("doctor",)).call(_context(service, platform, CAROL))
        assert not member.ok and "content moderation" not in member.text

        mod_stats = await service.stats(SCOPE, MOD)
        assert "2 prompt(s) refused, 1 reply(ies) hidden" in mod_stats.text
        assert "content moderation" not in (await service.stats(SCOPE, CAROL)).text
        assert "content moderation" not in (await service.stats(SCOPE)).text


async def test_doctor_says_moderation_is_off_when_nothing_is_configured(open_core):
    platform = FakePlatform()
    async with open_core() as service:
        doctor = await service.commands.find(("doctor",)).call(_context(service, platform, MOD))
        assert "content moderation: off (set moderation.base_url" in doctor.text


def _context(service: ArenaService, platform: FakePlatform, actor):
    from arenabot.chatcommands.spec import CommandContext

    return CommandContext(service, platform, SCOPE, "channel-1", actor)


# ----- the console adapter -----------------------------------------------------------------------


async def test_the_console_never_prints_a_flagged_reply(sqlite_url):
    import io

    from adapters.console.session import run_console

    prompt = "Describe drizzle on tin roofs"
    server = await FakeModeration(flag_words={"drizzle": "violence", "kaboom": "violence"}, allow={prompt}).start()
    demo = [{"name": f"demo-{v}", "provider": "demo", "model_id": v} for v in ("owl", "fox")]
    settings = settings_from_dict({"database": {"url": sqlite_url}, "moderation": {"base_url": server.url}, "models": demo})
    try:
        async with build_core(settings, rng=random.Random(1)) as service:
            out = io.StringIO()
            script = f"{prompt}\nkaboom, please\n/stats\n/doctor\n/quit\n"
            await run_console(service, stdin=io.StringIO(script), stdout=out, word_delay=0)
            text = out.getvalue()
    finally:
        await server.stop()
    printed = text.split("/stats")[0]
    assert "hidden by content moderation: violence" in text
    # The console cannot take back what it printed: a reply checked remotely is printed only
    # once it passed, so the flagged words never reach the screen (the header quotes the prompt).
    assert text.count("drizzle") == 1 and "> Describe drizzle on tin roofs" in text, printed
    assert "This battle is void" in text
    assert "That prompt cannot start a battle here" in text  # the second line, refused
    assert "1 prompt(s) refused" in text and "endpoint: answers" in text  # /stats and /doctor: the console user moderates


async def test_the_console_prints_a_replacing_final_text_on_its_own_line():
    import io

    from adapters.console.platform import ConsolePlatform

    out = io.StringIO()
    console = ConsolePlatform(out, word_delay=0)
    stream = await console.start_reply("thread-1", "Model A")
    await stream.update("Once upon a time the gi")
    await stream.finish("_(hidden by content moderation: word list)_")
    assert out.getvalue() == "\nModel A:\nOnce upon a time the gi\n_(hidden by content moderation: word list)_\n"


async def test_checks_reach_the_metrics_without_naming_a_model(open_core, moderation):
    from arenabot.ops.metrics import Metrics
    from arenabot.ops.observe import MetricsListener

    platform = FakePlatform()
    metrics = Metrics()
    says = {"alpha": {"1": "kaboom"}, "beta": {"1": "kaboom"}}
    async with open_core({"base_url": moderation.url}, says=says) as service:
        service.events.subscribe(MetricsListener(metrics))
        await service.start_battle(platform, SCOPE, "channel-1", ALICE, "meanie")
        await service.start_battle(platform, SCOPE, "channel-1", ALICE, "Volcanoes?")
        moderation.fault = "500"
        await service.start_battle(platform, SCOPE, "channel-1", ALICE, "Rivers?")
    text = metrics.render().decode()
    assert 'arenabot_content_checks_total{result="flagged",where="prompt"} 1.0' in text
    assert 'arenabot_content_checks_total{result="passed",where="prompt"} 1.0' in text
    assert 'arenabot_content_checks_total{result="unchecked",where="prompt"} 1.0' in text
    assert 'arenabot_content_checks_total{result="flagged",where="reply"}' in text
    assert 'arenabot_battles_void_total{cause="content"} 1.0' in text
    assert "alpha" not in text.split("arenabot_content_checks")[1].split("\n# ")[0]
