"""/healthz, /readyz and /metrics of a running supervisor, fed by real battles and votes."""
from __future__ import annotations

import asyncio
import logging
import types
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from arenabot.app import build_core
from arenabot.domain import Actor, Outcome, Scope
from arenabot.ops import Supervisor
from arenabot.providers import ProviderHub
from tests.ops.support import idle_adapter, ops_settings, wait_for
from tests.support.fake_platform import FakePlatform

SCOPE = Scope("fake", "guild-1")
MOD = Actor("mod", "Moderator", is_moderator=True)


@asynccontextmanager
async def running(settings, adapter) -> AsyncIterator[tuple[Supervisor, str]]:  # type: ignore[no-untyped-def]
    async with build_core(settings) as service:
        supervisor = Supervisor(settings, service)
        task = asyncio.create_task(supervisor.run([adapter]))
        await wait_for(lambda: supervisor.endpoint.port is not None or task.done())
        try:
            yield supervisor, f"http://127.0.0.1:{supervisor.endpoint.port}"
        finally:
            supervisor.request_stop()
            await asyncio.wait_for(task, 30)


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def total(found: dict, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in found.items() if n == name and all((k, val) in ls for k, val in labels.items()))


async def test_health_ready_and_metrics_follow_real_activity(sqlite_url: str) -> None:
    settings = ops_settings(sqlite_url)
    platform = FakePlatform()
    async with running(settings, idle_adapter()) as (supervisor, base):
        service = supervisor.service
        assert (await get(base + "/healthz"))[0] == 200
        status, body = await get(base + "/readyz")
        assert status == 200 and '"idle": "connected"' in body

        for k in range(3):
            reply = await service.start_battle(platform, SCOPE, "channel-1", Actor(f"user{k}", "U"), f"Explain tides {k}")
            assert reply.ok, reply.text
        first, second, third = platform.thread_list
        ballot = platform.ballot(first.ref)
        await service.vote(platform, ballot, Actor("v1", "V1"), Outcome.A, event_id="e1")
        await service.vote(platform, ballot, Actor("v2", "V2"), Outcome.TIE, event_id="e2")
        await service.vote(platform, ballot, Actor("v2", "V2"), Outcome.TIE, event_id="e2")  # a replayed event
        voided = await service.void_battle(platform, MOD, "#3", "spam", scope=SCOPE)
        assert voided.ok, voided.text
        await service.leaderboard(SCOPE)

        status, text = await get(base + "/metrics")
        assert status == 200
        found = samples(text)
        assert total(found, "arenabot_battles_started_total") == 3
        assert total(found, "arenabot_votes_total", status="counted") == 2
        assert total(found, "arenabot_votes_total", status="duplicate") == 1
        assert total(found, "arenabot_battles_void_total", cause="moderator") == 1
        assert total(found, "arenabot_open_battles") == 2  # read from the database at scrape time
        # Two completions per battle, split over the two models by the pairing.
        assert total(found, "arenabot_provider_latency_seconds_count") == 6
        assert total(found, "arenabot_provider_first_token_seconds_count") == 6
        assert total(found, "arenabot_provider_latency_seconds_count", model="duck") == 3
        assert total(found, "arenabot_leaderboard_compute_seconds_count") >= 1
        assert total(found, "arenabot_provider_errors_total") == 0


async def test_readyz_waits_for_an_adapter_that_reports_its_connection(sqlite_url: str) -> None:
    settings = ops_settings(sqlite_url)
    async with running(settings, idle_adapter("gateway", reports_readiness=True)) as (supervisor, base):
        status, body = await get(base + "/readyz")
        assert status == 503 and '"gateway": "not connected"' in body and '"database": "ok"' in body
        supervisor.service.readiness.report("gateway", True)
        assert (await get(base + "/readyz"))[0] == 200
        supervisor.service.readiness.report("gateway", False)  # e.g. the gateway dropped
        assert (await get(base + "/readyz"))[0] == 503


async def test_readyz_fails_when_the_database_is_gone(sqlite_url: str) -> None:
    settings = ops_settings(sqlite_url)
    async with running(settings, idle_adapter()) as (supervisor, base):
        assert (await get(base + "/readyz"))[0] == 200
        await supervisor.service.store.close()  # the engine is disposed: queries fail
        status, body = await get(base + "/readyz")
        assert status == 503 and '"database": "unreachable' in body
        assert (await get(base + "/healthz"))[0] == 200  # alive all the same


async def test_a_failing_adapter_stops_the_others_and_its_error_surfaces(sqlite_url: str) -> None:
    broken = types.ModuleType("tests.ops.broken")

    async def run(settings, service):  # type: ignore[no-untyped-def]
        raise RuntimeError("Discord rejected the token")

    broken.run = run  # type: ignore[attr-defined]
    idle = idle_adapter()
    settings = ops_settings(sqlite_url)
    async with build_core(settings) as service:
        supervisor = Supervisor(settings, service)
        with pytest.raises(RuntimeError, match="rejected the token"):
            await asyncio.wait_for(supervisor.run([idle, broken]), 30)
        assert supervisor.readiness.adapters() == {"idle": False, "broken": False}


async def test_a_failing_model_is_counted_per_model_and_voids_its_battle(sqlite_url: str) -> None:
    from tests.core.conftest import ScriptedProvider, make_settings, model

    settings = make_settings(sqlite_url, [model("steady"), model("flaky", "fail")])
    hub = ProviderHub(settings)
    hub.register("openai", ScriptedProvider())
    platform = FakePlatform()
    try:
        async with build_core(settings, hub=hub) as service:
            supervisor = Supervisor(settings, service)  # instruments the service; no need to serve
            reply = await service.start_battle(platform, SCOPE, "channel-1", Actor("u", "U"), "Explain tides")
            assert not reply.ok and "void" in reply.text
            found = samples(supervisor.metrics.render().decode())
    finally:
        await hub.close()
    assert total(found, "arenabot_provider_errors_total", model="flaky", kind="error") == 1
    assert total(found, "arenabot_provider_errors_total", model="steady") == 0
    assert total(found, "arenabot_battles_void_total", cause="provider") == 1
    assert total(found, "arenabot_battles_started_total") == 1


async def test_a_clean_start_and_stop_logs_routine_lines_at_info_not_warning(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 13: WARNING is for what needs a look; listening, stopping and shutting down are routine."""
    caplog.set_level(logging.INFO)
    async with running(ops_settings(sqlite_url), idle_adapter()):
        pass
    ours = [r for r in caplog.records if r.name.startswith("arenabot")]
    assert any("listening on" in r.getMessage() and r.levelno == logging.INFO for r in ours)
    assert any("shutting down gracefully" in r.getMessage() and r.levelno == logging.INFO for r in ours)
    assert [r.getMessage() for r in ours if r.levelno >= logging.WARNING] == []
