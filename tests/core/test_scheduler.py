"""The supervisor's one scheduler: the features declare periodic jobs (a sweep per attached
platform), and a failing job neither stops the others nor the scheduler."""

from __future__ import annotations

import asyncio

from arenabot.domain import BattleStatus
from arenabot.ops.metrics import Metrics
from arenabot.ops.scheduler import LeasedScheduler
from arenabot.scheduling import PeriodicJob
from tests.core.conftest import BOB, battle
from tests.support.fake_platform import FakePlatform


async def test_each_attached_platform_gets_its_sweep_publish_and_tournament_jobs(core, clock):
    slack, discord = FakePlatform("slack"), FakePlatform("discord")
    async with core(battle_window_minutes=5, sweep_interval_seconds=7) as service:
        assert service.periodic_jobs() == []  # nothing attached, nothing to sweep
        service.attach_platform(slack)
        service.attach_platform(discord)
        every = service.periodic_jobs()
        jobs = [j for j in every if j.lease.startswith("sweep:")]
        assert [(j.lease, j.interval_seconds) for j in jobs] == [("sweep:discord", 7), ("sweep:slack", 7)]
        assert [j.lease for j in every if j not in jobs] == [
            "publish:discord",
            "publish:slack",
            "tournaments:discord",
            "tournaments:slack",
        ]
        _, _, on_slack = await battle(service, slack)
        _, _, on_discord = await battle(service, discord, actor=BOB)
        clock.advance(minutes=10)
        scheduler = LeasedScheduler(service.store, Metrics())
        assert await scheduler.tick(jobs) == ["sweep:discord", "sweep:slack"]
        for record in (on_slack, on_discord):
            assert (await service.store.get_battle(record.id)).status is BattleStatus.CLOSED
        assert await scheduler.tick(jobs) == []  # the leases hold for the interval
        service.detach_platform(slack)
        assert [j.lease for j in service.periodic_jobs()] == ["sweep:discord", "publish:discord", "tournaments:discord"]


async def test_a_failing_job_is_logged_and_the_next_one_still_runs(core, caplog):
    ran: list[str] = []

    async def broken() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        ran.append("fine")

    async with core() as service:
        scheduler = LeasedScheduler(service.store, Metrics())
        jobs = [PeriodicJob("broken", 0.01, broken), PeriodicJob("fine", 0.01, fine)]
        task = asyncio.create_task(scheduler.run(lambda: jobs))
        try:
            for _ in range(500):
                if len(ran) >= 2:
                    break
                await asyncio.sleep(0.01)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await scheduler.release_all()
    assert len(ran) >= 2  # ran again after the broken job failed on the first tick
    assert "periodic broken failed" in caplog.text
