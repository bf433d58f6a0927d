"""Published boards: a schedule posts once per interval across processes, survives restarts,
catches up once after downtime, shows rank movement, and keeps snapshots (`as_of`, history)
that, like every board, never see an open battle's votes."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest

from arenabot.chatcommands.spec import CommandContext
from arenabot.chatcommands.text import dispatch
from arenabot.config import ConfigError
from arenabot.domain import Outcome
from arenabot.ops.metrics import Metrics
from arenabot.ops.scheduler import LeasedScheduler
from arenabot.storage import publications
from tests.core.conftest import BOB, CAROL, MOD, SCOPE, battle, make_settings
from tests.support.fake_platform import FakePlatform

_judges = itertools.count()


@pytest.fixture
def core_db_url(db_url: str) -> str:
    return db_url  # claims race on both databases


async def wins(service, winner: str, loser: str, n: int, scope_key: str = SCOPE.key) -> None:
    """n revealed battles `winner` won against `loser` (imported: they count at once)."""
    records = [{"model_a": winner, "model_b": loser, "winner": "model_a", "judge": f"j{next(_judges)}"} for _ in range(n)]
    report = await service.store.import_clean_battles(records, scope_key, service.now())
    assert report.imported == n


async def run(service, platform, actor, line: str):
    """A text command, as Slack and the console dispatch it."""
    return await dispatch(service.commands, CommandContext(service, platform, SCOPE, "channel-1", actor), line)


def ranks(reply_text: str) -> dict[str, tuple[str, str]]:
    """model -> (rank, move) from a published board's table."""
    table = reply_text.split("```")[1].strip().splitlines()[2:]
    return {cells[2]: (cells[0], cells[1]) for cells in (line.split() for line in table)}


async def test_two_processes_publish_a_due_board_once_and_a_restart_does_not_repeat_it(core, clock):
    first, second = FakePlatform(), FakePlatform()
    async with core() as one, core() as two:
        await wins(one, "alpha", "beta", 6)
        assert (await one.publishing.schedule(SCOPE, first, "<#chan-9>", "week")).ok
        posted = await asyncio.gather(one.publishing.publish_due(first), two.publishing.publish_due(second))
        assert sorted(posted) == [0, 1]
        channel_posts = first.channel_posts + second.channel_posts
        assert [channel for channel, _ in channel_posts] == ["chan-9"]
        # Through the leased scheduler too: neither process publishes again this week.
        one.attach_platform(first)
        two.attach_platform(second)
        for service in (one, two):
            assert [j.lease for j in service.periodic_jobs()] == ["sweep:fake", "publish:fake", "tournaments:fake"]
        clock.advance(hours=1)
        for service in (one, two):
            await LeasedScheduler(service.store, Metrics(), clock=clock).tick(service.periodic_jobs())
        assert len(first.channel_posts + second.channel_posts) == 1
    async with core() as restarted:  # a new process on the same database
        assert await restarted.publishing.publish_due(FakePlatform()) == 0
        clock.advance(days=7)
        again = FakePlatform()
        assert await restarted.publishing.publish_due(again) == 1
        assert len(again.channel_posts) == 1


async def test_after_five_missed_intervals_one_catch_up_then_the_usual_rhythm(core, clock):
    platform = FakePlatform()
    async with core() as service:
        await wins(service, "alpha", "beta", 3)
        start = clock.now
        await service.publishing.schedule(SCOPE, platform, "chan-1", "day")
        assert await service.publishing.publish_due(platform) == 1
        clock.advance(days=5, hours=3)  # down for five intervals and a bit
        assert await service.publishing.publish_due(platform) == 1
        assert await service.publishing.publish_due(platform) == 0
        (schedule,) = await service.store.run_read(publications.schedules, SCOPE.key)
        assert schedule.next_due_at == start + timedelta(days=6)  # the grid is kept, not shifted
        clock.advance(hours=20, minutes=59)
        assert await service.publishing.publish_due(platform) == 0
        clock.advance(minutes=1)
        assert await service.publishing.publish_due(platform) == 1
        assert len(platform.channel_posts) == 3
        times = await service.store.run_read(publications.snapshot_times, SCOPE.key, "", "anonymous")
        assert times == [start, start + timedelta(days=5, hours=3), start + timedelta(days=6)]


async def test_rank_movement_and_battles_added_between_publications(core, clock):
    platform = FakePlatform()
    async with core(models=[{"name": n, "provider": "openai"} for n in ("alpha", "beta", "gamma", "delta")]) as service:
        await wins(service, "alpha", "beta", 30)  # ranks count significant gaps only: make them clear
        await wins(service, "beta", "alpha", 2)
        await service.publishing.schedule(SCOPE, platform, "chan-1", "week")
        await service.publishing.publish_due(platform)
        first = platform.channel_posts[-1][1]
        assert "First publication" in first.text
        assert {m: move for m, (_, move) in ranks(first.text).items()} == {"alpha": "new", "beta": "new"}

        # beta overtakes alpha; gamma arrives at the bottom.
        await wins(service, "beta", "alpha", 200)
        for other in ("alpha", "beta"):
            await wins(service, other, "gamma", 10)
            await wins(service, "gamma", other, 1)
        clock.advance(days=7)
        await service.publishing.publish_due(platform)
        second = platform.channel_posts[-1][1]
        table = ranks(second.text)
        assert ranks(first.text)["beta"][0] == "2"
        assert table["beta"] == ("1", "▲1")
        assert table["alpha"] == ("2", "▼1")
        assert table["gamma"][1] == "new"
        assert "222 battles added since the previous publication" in second.text

        clock.advance(days=7)  # nothing new: every model holds its place
        await service.publishing.publish_due(platform)
        third = platform.channel_posts[-1][1]
        assert {move for _, move in ranks(third.text).values()} == {"="}
        assert "0 battles added" in third.text


async def test_as_of_answers_from_the_latest_snapshot_at_or_before_the_date(core, clock):
    platform = FakePlatform()
    async with core() as service:
        await wins(service, "alpha", "beta", 5)
        await service.publishing.schedule(SCOPE, platform, "chan-1", "week")
        await service.publishing.publish_due(platform)  # 2026-01-01
        await wins(service, "beta", "alpha", 20)
        clock.advance(days=7)
        await service.publishing.publish_due(platform)  # 2026-01-08

        on_the_5th = await service.board_as_of(SCOPE, "2026-01-05")
        assert on_the_5th.ok and "2026-01-01 12:00 UTC" in on_the_5th.text
        assert ranks(on_the_5th.text)["alpha"][0] == "1"
        on_the_8th = await service.board_as_of(SCOPE, "2026-01-08")  # a date covers the whole day
        assert "2026-01-08 12:00 UTC" in on_the_8th.text and ranks(on_the_8th.text)["beta"] == ("1", "▲1")

        before = await service.board_as_of(SCOPE, "2025-12-31")
        assert not before.ok and "No overall board was published here on or before 2025-12-31" in before.text
        bad = await service.board_as_of(SCOPE, "last tuesday")
        assert not bad.ok and "2026-01-31" in bad.text
        assert not (await service.board_as_of(SCOPE, "2026-01-05", category="coding")).ok

        # Through the command registry, as every adapter calls it.
        reply = await run(service, platform, BOB, "leaderboard as_of=2026-01-05")
        assert reply.ok and "2026-01-01 12:00 UTC" in reply.text


async def test_history_lists_a_model_over_the_snapshots(core, clock):
    platform = FakePlatform()
    async with core() as service:
        await wins(service, "alpha", "beta", 5)
        await service.publishing.schedule(SCOPE, platform, "chan-1", "day")
        for _ in range(3):
            await service.publishing.publish_due(platform)
            await wins(service, "beta", "alpha", 4)
            clock.advance(days=1)
        points = await service.publishing.history(SCOPE.key, "alpha")
        assert len(points) == 3
        assert [round(p.rating) for _, p in points] == sorted(round(p.rating) for _, p in points)[::-1]  # falling
        assert all(p.ci_lower < p.rating < p.ci_upper for _, p in points)
        reply = await service.publishing.history_reply(SCOPE, "alpha")
        assert reply.ok and reply.text.count("\n- ") == 3
        assert not (await service.publishing.history_reply(SCOPE, "nobody")).ok


async def test_moderators_schedule_stop_and_publish_now_in_chat(core, clock):
    platform = FakePlatform()
    async with core() as service:
        await wins(service, "alpha", "beta", 3)
        refused = await run(service, platform, BOB, "publish week")
        assert refused and not refused.ok
        bad = await run(service, platform, MOD, "publish weekly")
        assert bad and not bad.ok
        bad_channel = await run(service, platform, MOD, "publish week <#!!>")
        assert bad_channel and not bad_channel.ok and "not a channel" in bad_channel.text

        ok = await run(service, platform, MOD, "publish week <#C42|boards> coding")
        assert ok and ok.ok and "<#C42>" in ok.text and "every week" in ok.text
        (schedule,) = await service.store.run_read(publications.schedules, SCOPE.key)
        assert (schedule.channel_ref, schedule.category, schedule.every) == ("C42", "coding", "week")

        here = await run(service, platform, MOD, "publish now")  # overall: no schedule
        assert here and here.ok and "First publication" in here.text
        there = await run(service, platform, MOD, "publish now coding")
        assert there and "in <#C42>" in there.text
        assert [channel for channel, _ in platform.channel_posts] == ["C42"]

        status = await run(service, platform, MOD, "publish status")
        assert status and "coding: every week in <#C42>" in status.text
        stopped = await run(service, platform, MOD, "publish off")
        assert stopped and stopped.ok
        assert await service.store.run_read(publications.schedules, SCOPE.key) == []
        clock.advance(days=30)
        assert await service.publishing.publish_due(platform) == 0


async def test_a_publication_while_a_battle_is_open_equals_one_without_it(core, clock):
    """The attacker reads the published board before and after votes on an open battle."""
    platform = FakePlatform()
    async with core(battle_window_minutes=60) as service:
        await wins(service, "alpha", "beta", 4)
        await wins(service, "gamma", "alpha", 4)
        await service.publishing.schedule(SCOPE, platform, "chan-1", "day")
        await service.publishing.publish_due(platform)
        before = await service.store.run_read(publications.snapshot_at, SCOPE.key, "", "anonymous", clock.now)

        _, thread, record = await battle(service, platform)
        for voter, event in ((BOB, "e1"), (CAROL, "e2")):
            assert (await service.vote(platform, platform.ballot(thread), voter, Outcome.A, event)).ok
        clock.advance(days=1)  # due again; no sweep has run, so the battle is still open
        assert (await service.store.get_battle(record.id)).status.value == "open"
        await service.publishing.publish_due(platform)
        during = await service.store.run_read(publications.snapshot_at, SCOPE.key, "", "anonymous", clock.now)
        assert during.rows == before.rows
        text = platform.channel_posts[-1][1].text
        assert "0 battles added" in text and {m for _, m in ranks(text).values()} == {"="}

        # After the reveal the same votes do move the board: the test would see a leak.
        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        clock.advance(days=1)
        await service.publishing.publish_due(platform)
        after = await service.store.run_read(publications.snapshot_at, SCOPE.key, "", "anonymous", clock.now)
        assert after.rows != before.rows
        assert "2 battles added" in platform.channel_posts[-1][1].text


async def test_schedules_from_the_file_follow_the_file_and_keep_their_due_time(core_db_url, clock):
    from arenabot.app import build_core

    entry = {"scope": SCOPE.key, "every": "week", "channel": "<#555>", "category": "Coding"}
    settings = make_settings(core_db_url).model_copy(update={"publish": make_publish([entry])})
    platform = FakePlatform()
    async with build_core(settings, clock=clock) as service:
        assert await service.publishing.publish_due(platform) == 1  # due at once the first time
        (schedule,) = await service.store.run_read(publications.schedules, None)
        assert (schedule.channel_ref, schedule.category, schedule.source) == ("555", "coding", "file")
    clock.advance(days=1)
    async with build_core(settings, clock=clock) as service:  # restart: not due again
        assert await service.publishing.publish_due(platform) == 0
    async with build_core(make_settings(core_db_url), clock=clock) as service:  # removed from the file
        await service.publishing.publish_due(platform)
        assert await service.store.run_read(publications.schedules, None) == []


def make_publish(entries):
    from arenabot.config import PublishSettings

    return [PublishSettings.model_validate(e) for e in entries]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"scope": "discord:1", "every": "weekly", "channel": "2"}, "publish[0].every = 'weekly'"),
        ({"scope": "nowhere", "every": "week", "channel": "2"}, "publish[0].scope = 'nowhere'"),
        ({"scope": "discord:1", "every": "week", "channel": "2", "category": "cooking"}, "publish[0].category = 'cooking'"),
        ({"scope": "discord:1", "every": "week", "channel": "#!"}, "publish[0].channel = '#!'"),
        ({"scope": "discord:1", "every": "week"}, "publish[0].channel: required but missing"),
    ],
)
def test_bad_publish_entries_name_the_key_and_the_fix(entry, message):
    from arenabot.config import settings_from_dict

    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"publish": [entry]})
    assert any(line.startswith(message) for line in caught.value.problems), caught.value.problems


def test_the_same_board_scheduled_twice_in_the_file_is_an_error():
    from arenabot.config import settings_from_dict

    entry = {"scope": "discord:1", "every": "week", "channel": "2"}
    with pytest.raises(ConfigError, match="twice"):
        settings_from_dict({"publish": [entry, {**entry, "every": "day"}]})
