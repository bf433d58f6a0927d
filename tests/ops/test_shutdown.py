"""Graceful shutdown: refuse new battles, finish or void in-flight ones, keep every vote.

The in-process tests drive a `Supervisor` directly; the last test sends SIGTERM to a real
`python -m arenabot run` (the console adapter) in the middle of a streamed battle.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from arenabot.app import build_core
from arenabot.domain import Actor, BattleStatus, Scope, Side
from arenabot.ops import Supervisor
from arenabot.ops.runtime import interrupted_text
from arenabot.ops.shutdown import RESTARTING
from arenabot.providers import ProviderHub
from arenabot.providers.demo import DemoProvider
from arenabot.storage import Store
from tests.ops.support import demo_models, idle_adapter, ops_settings, wait_for
from tests.support.fake_platform import FakePlatform

ROOT = Path(__file__).resolve().parents[2]
SCOPE = Scope("fake", "guild-1")
ALICE = Actor("alice", "Alice")


def streaming(platform: FakePlatform) -> bool:
    """Both reply messages of the newest thread have started to fill in."""
    threads = platform.thread_list
    replies = platform.of_kind(threads[-1].ref, "reply") if threads else []
    return len(replies) == 2 and all(m.text for m in replies)


class GatedDemo:
    """The demo models, held after their first word until the test opens `gate`: a battle stays in
    flight exactly as long as the test says, however fast or loaded the machine is."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self._demo = DemoProvider()

    async def complete(self, model, messages, on_delta=None):  # type: ignore[no-untyped-def]
        words = 0

        async def held(piece: str) -> None:
            nonlocal words
            if on_delta is not None:
                await on_delta(piece)
            words += 1
            if words == 1:
                await self.gate.wait()

        return await self._demo.complete(model, messages, held)


async def _battle_then_stop(sqlite_url: str, grace: float, *, stops: int = 1, finish_after_stop: bool = False) -> dict:
    """Start a battle, stop the supervisor while it streams, and collect what happened. The
    battle's models hold after their first word; with `finish_after_stop` they go on once the
    stop has been requested and checked, otherwise never (only the shutdown can end the battle)."""
    settings = ops_settings(sqlite_url, grace=grace)
    platform = FakePlatform()
    seen: dict = {"platform": platform}
    models = GatedDemo()
    hub = ProviderHub(settings)
    hub.register("demo", models)
    async with build_core(settings, hub=hub) as service:
        supervisor = Supervisor(settings, service)
        running = asyncio.create_task(supervisor.run([idle_adapter()]))
        await wait_for(lambda: supervisor.endpoint.port is not None)
        battle = asyncio.create_task(service.start_battle(platform, SCOPE, "channel-1", ALICE, "Explain the tides of the sea"))
        await wait_for(lambda: streaming(platform))
        for _ in range(stops):
            supervisor.request_stop()
        await wait_for(lambda: supervisor.gate.closing)
        if not battle.done():
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{supervisor.endpoint.port}/readyz") as response:
                    seen["readyz"] = (response.status, await response.json())
        thread = platform.thread_list[0].ref
        seen["refused"] = await service.start_battle(platform, SCOPE, "channel-1", Actor("bob", "Bob"), "Another one")
        seen["creator_follow_up"] = await service.follow_up(platform, thread, ALICE, "and more?")
        seen["stranger_follow_up"] = await service.follow_up(platform, thread, Actor("bob", "Bob"), "hi all")
        if finish_after_stop:
            models.gate.set()
        seen["outcome"] = (await asyncio.gather(battle, return_exceptions=True))[0]
        await asyncio.wait_for(running, 30)
        seen["record"] = await service.store.get_battle(1)
        seen["turns"] = await service.store.turns(1)
    await hub.close()
    return seen


async def test_an_in_flight_battle_finishes_within_the_grace_period(sqlite_url: str) -> None:
    seen = await _battle_then_stop(sqlite_url, grace=600, finish_after_stop=True)
    assert not seen["refused"].ok and seen["refused"].text == RESTARTING
    assert seen["creator_follow_up"].text == RESTARTING  # the creator learns why
    assert seen["stranger_follow_up"] is None  # other chatter in the thread is still ignored
    assert len(seen["platform"].thread_list) == 1  # the refused battle was never opened
    status, body = seen["readyz"]
    assert status == 503 and body["shutting_down"] is True  # load balancers stop sending work
    assert seen["outcome"].ok, seen["outcome"].text
    record, turns = seen["record"], seen["turns"]
    assert record.status is BattleStatus.OPEN and record.turns == 1
    assert sorted(t.side for t in turns) == [Side.A, Side.B] and all(t.reply and not t.error for t in turns)


async def test_a_battle_over_the_grace_period_is_voided_and_its_thread_says_so(sqlite_url: str) -> None:
    seen = await _battle_then_stop(sqlite_url, grace=0.2)  # the models never go on: only the grace deadline ends it
    assert not seen["refused"].ok and seen["refused"].text == RESTARTING
    assert isinstance(seen["outcome"], asyncio.CancelledError)
    record = seen["record"]
    assert record.status is BattleStatus.VOID and record.void_reason.startswith("interrupted")
    assert interrupted_text(record.id) in seen["platform"].posts(seen["platform"].thread_list[0].ref)


async def test_a_second_stop_request_cuts_the_grace_period_short(sqlite_url: str) -> None:
    seen = await _battle_then_stop(sqlite_url, grace=600, stops=2)
    assert isinstance(seen["outcome"], asyncio.CancelledError)
    assert seen["record"].status is BattleStatus.VOID


# ----- a real process and a real signal ---------------------------------------------------------


def _config(tmp_path: Path, db_url: str) -> Path:
    lines = [
        "[database]", f'url = "{db_url}"',
        "[ops]", 'http_host = "127.0.0.1"', "http_port = 0", "shutdown_grace_seconds = 0.5",
    ]
    for model in demo_models(delay_s=0.2):
        lines += [
            "[[models]]", f'name = "{model["name"]}"', 'provider = "demo"', f'model_id = "{model["model_id"]}"',
            f"params = {{ delay_s = {model['params']['delay_s']} }}",
        ]
    path = tmp_path / "arenabot.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


class ConsoleProcess:
    """`python -m arenabot run` on the console adapter, its output collected as it comes."""

    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process
        self.out = ""
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(4096):
            self.out += chunk.decode(errors="replace")

    async def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode())
        await self.process.stdin.drain()

    async def until(self, text: str, occurrences: int = 1) -> None:
        await wait_for(lambda: self.out.count(text) >= occurrences or self._reader.done(), timeout=60)
        assert self.out.count(text) >= occurrences, f"never saw {text!r} in:\n{self.out}"


async def test_sigterm_mid_battle_keeps_votes_and_leaves_no_battle_half_written(tmp_path: Path, sqlite_url: str) -> None:
    config = _config(tmp_path, sqlite_url)
    env = {**os.environ, "ARENABOT_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "ARENABOT_DATABASE_URL", "ARENABOT_HTTP_PORT"):
        env.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "arenabot", "run", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    console = ConsoleProcess(process)
    try:
        await console.until("arenabot console")
        await console.send("Write a haiku about rain")
        await console.until("Vote:")
        await console.send("a")  # the console reveals after one vote
        await console.until("Revealed")
        await console.send("Explain how tides work")
        await console.until("Model A:", occurrences=2)  # the second battle is streaming now (about 4 s per reply: far more than a busy machine needs to send the signal)
        process.send_signal(signal.SIGTERM)
        returncode = await asyncio.wait_for(process.wait(), 60)
        await console._reader
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stderr = (await process.stderr.read()).decode() if process.stderr else ""
    assert returncode == 0, stderr
    assert "the arena restarted before both replies were finished" in console.out, console.out

    store = await Store.open(sqlite_url, upgrade=False)
    try:
        first, second = await store.get_battle(1), await store.get_battle(2)
        assert await store.get_battle(3) is None
        # The vote cast before SIGTERM is there and counted.
        assert first.status is BattleStatus.CLOSED and first.counted_votes == 1
        assert (await store.stats(None)).votes == 1
        # The battle caught mid-stream is void with a reason, not left open without its turn.
        assert second.status is BattleStatus.VOID and second.void_reason.startswith("interrupted")
        for battle in (first, second):
            turns = await store.turns(battle.id)
            complete = sorted(t.side for t in turns) == [Side.A, Side.B] and all(not t.error for t in turns)
            assert complete or (battle.status is BattleStatus.VOID and battle.void_reason)
    finally:
        await store.close()
