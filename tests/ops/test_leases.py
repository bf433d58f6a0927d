"""Periodic work runs once per interval across processes: the lease, then two real processes."""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from arenabot.ops.metrics import Metrics
from arenabot.ops.scheduler import LeasedScheduler
from arenabot.scheduling import PeriodicJob
from arenabot.storage import Store, leases
from tests.ops.support import demo_models
from tests.support.waiting import until

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


async def test_a_lease_is_held_for_its_interval_by_exactly_one_claimant(db_url: str) -> None:
    store = await Store.open(db_url)
    try:
        claim = lambda holder, now: store.run_write(leases.claim, "sweep:x", holder, now, 30.0)  # noqa: E731
        # Ten processes' worth of claimants at the same moment, the lease not yet created: one wins.
        first = await asyncio.gather(*(claim(f"p{k}", T0) for k in range(10)))
        assert sum(first) == 1
        assert not await claim("p0", T0 + timedelta(seconds=29.9))  # the holder too waits for the interval
        later = await asyncio.gather(*(claim(f"p{k}", T0 + timedelta(seconds=30)) for k in range(10)))
        assert sum(later) == 1
        assert sum([await claim("other", T0 + timedelta(seconds=45))]) == 0
        # A lease released on shutdown can be taken at once by another process.
        winner = f"p{later.index(True)}"
        await store.run_write(leases.release, "sweep:x", winner, T0 + timedelta(seconds=31))
        assert await claim("other", T0 + timedelta(seconds=31))
    finally:
        await store.close()


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class _Sweeper:
    def __init__(self) -> None:
        self.swept: list[str] = []

    async def sweep(self, platform: object) -> int:
        self.swept.append(platform.name)  # type: ignore[attr-defined]
        return 0


class _Platform:
    name = "discord"


async def test_leased_sweeps_skip_while_another_process_holds_the_lease(sqlite_url: str) -> None:
    store = await Store.open(sqlite_url)
    clock = _Clock()
    try:
        services, metrics = [_Sweeper(), _Sweeper()], [Metrics(), Metrics()]
        schedulers = [LeasedScheduler(store, m, holder=holder, clock=clock) for m, holder in zip(metrics, ("one", "two"))]
        for tick in range(6):  # both processes tick every 5 s; the lease lasts 10 s
            clock.now = T0 + timedelta(seconds=5 * tick)
            for service, scheduler in zip(services, schedulers):
                await scheduler.tick([PeriodicJob("sweep:discord", 10, lambda s=service: s.sweep(_Platform()))])
        assert sum(len(s.swept) for s in services) == 3  # t = 0, 10, 20
        runs = [m.periodic_runs.labels("sweep:discord")._value.get() for m in metrics]
        skipped = [m.periodic_skipped.labels("sweep:discord")._value.get() for m in metrics]
        assert sum(runs) == 3 and sum(skipped) == 9
    finally:
        await store.close()


# ----- two real processes on PostgreSQL ---------------------------------------------------------

INTERVAL = 0.4
RAN = re.compile(r"periodic sweep:console ran at (\S+) by (\S+)")
SKIPPED = re.compile(r"periodic sweep:console skipped at (\S+) by (\S+)")


def _config(tmp_path: Path, db_url: str) -> Path:
    lines = [
        "[database]", f'url = "{db_url}"',
        "[arena]", f"sweep_interval_seconds = {INTERVAL}",
        "[ops]", 'log_format = "json"', 'log_level = "DEBUG"', "shutdown_grace_seconds = 1",
    ]
    for model in demo_models():
        lines += ["[[models]]", f'name = "{model["name"]}"', 'provider = "demo"', f'model_id = "{model["model_id"]}"']
    path = tmp_path / "arenabot.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


class LoggedProcess:
    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process
        self.messages: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            try:
                self.messages.append(json.loads(line)["message"])
            except (ValueError, KeyError):
                self.messages.append(line.decode(errors="replace"))

    def matches(self, pattern: re.Pattern[str]) -> list[tuple[datetime, str]]:
        return [(datetime.fromisoformat(m[1]), m[2]) for m in map(pattern.search, self.messages) if m]


async def test_two_processes_sweep_once_per_interval(tmp_path: Path, pg_url: str) -> None:
    config = _config(tmp_path, pg_url)
    env = {**os.environ, "ARENABOT_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "ARENABOT_DATABASE_URL", "ARENABOT_HTTP_PORT", "ARENABOT_LOG_FORMAT"):
        env.pop(name, None)
    processes = [
        LoggedProcess(
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "arenabot", "run", cwd=tmp_path, env=env,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )
        )
        for _ in range(2)
    ]
    try:
        # Run until both processes have tried several times, both have taken part, and the lease has
        # turned an attempt away. How the two processes' ticks interleave is up to the machine's load,
        # so the test waits for it rather than expecting it within a set time; only a broken lease
        # (every attempt runs) never gets there.
        def enough() -> bool:
            attempts = [p.matches(RAN) + p.matches(SKIPPED) for p in processes]
            holders = {holder for tries in attempts for _, holder in tries}
            return all(len(tries) >= 6 for tries in attempts) and len(holders) == 2 and any(p.matches(SKIPPED) for p in processes)

        await until(enough, what="both processes to try the sweep and the lease to turn one away", timeout=120)
        for p in processes:
            p.process.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(p.process.wait(), 60) for p in processes]
        for p in processes:
            await p._reader
    finally:
        for p in processes:
            if p.process.returncode is None:
                p.process.kill()
                await p.process.wait()
    assert codes == [0, 0], [p.messages[-5:] for p in processes]
    runs = sorted(run for p in processes for run in p.matches(RAN))
    skips = [skip for p in processes for skip in p.matches(SKIPPED)]
    assert len({holder for _, holder in runs + skips}) == 2  # both processes took part
    # Never twice within one interval, whichever process ran it (this holds under any load: a run's
    # time is read before its claim, which succeeds only at or after the last run's time + interval) ...
    gaps = [(later[0] - earlier[0]).total_seconds() for earlier, later in zip(runs, runs[1:])]
    assert gaps and min(gaps) >= INTERVAL, gaps
    # ... while together they asked more often than that: the lease turned the extra attempts away.
    assert skips
