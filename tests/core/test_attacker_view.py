"""Issue 10, finding 1, from an attacker's seat: while a battle is open, nothing any command or
endpoint shows moves with its votes. Compared before and after the votes: the boards (server,
global, per category), `stats`, `models`, the moderator's export, `arenabot leaderboard` and the
/metrics series. After the reveal the board moves by exactly the battle's counted votes.
(The ballot's reaction tallies are the adapters' part: tests/discord/test_attacks.py.)"""
from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from arenabot.cli import main
from arenabot.domain import Actor, Outcome
from arenabot.ops.metrics import Metrics
from arenabot.ops.observe import MetricsListener
from tests.core.conftest import ALICE, BOB, CAROL, MOD, SCOPE, battle

DAVE, MALLORY = Actor("dave", "Dave"), Actor("mallory", "Mallory")
# The only series a vote may move: it has no model label (a status per vote event).
VOTE_SERIES = "arenabot_votes"
# Moved by the attacker's own board reads (their timing), not by anyone's vote.
READ_TIMING = "arenabot_leaderboard_compute"


@pytest.fixture
def core_db_url(db_url: str) -> str:
    return db_url  # SQLite and PostgreSQL


def cli_leaderboard(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ARENABOT_DATABASE_URL", db_url)
    monkeypatch.delenv("ARENABOT_CONFIG", raising=False)
    capsys.readouterr()
    assert main(["leaderboard", "--output", "markdown"]) == 0
    return capsys.readouterr().out


def metrics_without_vote_events(metrics: Metrics) -> list[str]:
    skipped = tuple(f"{prefix}{name}" for name in (VOTE_SERIES, READ_TIMING) for prefix in ("", "# HELP ", "# TYPE "))
    return [line for line in metrics.render().decode().splitlines() if not line.startswith(skipped)]


async def attacker_view(service: Any, metrics: Metrics) -> dict[str, Any]:
    return {
        "board": (await service.leaderboard(SCOPE)).text,
        "global": (await service.leaderboard(SCOPE, global_=True)).text,
        "category": (await service.leaderboard(SCOPE, category="creative writing")).text,
        "stats": (await service.stats(SCOPE)).text,
        "models": (await service.models_overview(SCOPE, MALLORY)).text,
        "export": json.loads((await service.export_battles(MOD, SCOPE)).file[1]),
        "metrics": metrics_without_vote_events(metrics),
    }


async def test_votes_on_an_open_battle_move_no_view_until_the_reveal(core, platform, core_db_url, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no arenabot.toml: the CLI reads only the database
    metrics = Metrics()
    async with core(reveal_to_voter=False, rate_limit_battles=100) as service:
        service.events.subscribe(MetricsListener(metrics))
        _, thread, first = await battle(service, platform, "Write a poem about the sea")
        await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")
        assert (await service.close_battle(platform, MOD, f"#{first.id}")).ok

        _, thread, record = await battle(service, platform, "Write a short story about a lighthouse", actor=CAROL)
        ballot = platform.ballot(thread)
        # First: a CLI without a config file adds the demo models to the registry once.
        cli_before = await asyncio.to_thread(cli_leaderboard, core_db_url, capsys, monkeypatch)
        service.state.forget_registry()  # see them now, not after the cache's few seconds
        before = await attacker_view(service, metrics)
        votes_before = metrics.render().decode().count(VOTE_SERIES)

        await service.vote(platform, ballot, BOB, Outcome.B, "e2")
        await service.vote(platform, ballot, DAVE, Outcome.TIE, "e3")
        await service.vote(platform, ballot, ALICE, Outcome.A, "e4")
        await service.vote(platform, ballot, ALICE, Outcome.BOTH_BAD, "e5")  # a change
        await service.unvote(platform, ballot, DAVE, Outcome.TIE, "e6")  # a withdrawal
        assert (await service.store.get_battle(record.id)).counted_votes == 2

        assert await attacker_view(service, metrics) == before
        assert await asyncio.to_thread(cli_leaderboard, core_db_url, capsys, monkeypatch) == cli_before
        assert metrics.render().decode().count(VOTE_SERIES) >= votes_before  # the vote counter did move...
        assert "model=" not in "".join(
            line for line in metrics.render().decode().splitlines() if line.startswith(VOTE_SERIES)
        )  # ...but it names no model

        board_before = (await service.leaderboard(SCOPE)).board
        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        after = await attacker_view(service, metrics)
        assert (await service.leaderboard(SCOPE)).board.votes - board_before.votes == 2
        assert after["board"] != before["board"] and after["stats"] != before["stats"]
        assert len(after["export"]) == len(before["export"]) + 2
        assert await asyncio.to_thread(cli_leaderboard, core_db_url, capsys, monkeypatch) != cli_before
