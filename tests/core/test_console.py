"""The console adapter: piped stdin through the real CLI, and in-process."""
from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from arenabot.adapters.console.platform import ConsolePlatform
from arenabot.adapters.console.session import CONSOLE_SCOPE, run_console
from arenabot.domain import BattleStatus
from arenabot.storage import Store

ROOT = Path(__file__).resolve().parents[2]


def _clean_env(db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "ARENABOT_CONFIG")}
    env.update(ARENABOT_DATABASE_URL=db_url, PYTHONPATH=str(ROOT))
    return env


def test_newcomer_pipe_through_the_cli(tmp_path):
    """`printf 'Write a haiku about rain\\na\\n/leaderboard\\n/quit\\n' | make run`, minus make."""
    db = tmp_path / "data" / "arenabot.db"
    url = f"sqlite+aiosqlite:///{db}"
    done = subprocess.run(
        [sys.executable, "-m", "arenabot", "run"],
        input="Write a haiku about rain\na\n/leaderboard\n/quit\n",
        capture_output=True, text=True, cwd=tmp_path, env=_clean_env(url), timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Model A:" in out and "Model B:" in out
    reveal = next(line for line in out.splitlines() if line.startswith("Revealed:"))
    names = [w.strip(",.") for w in reveal.split() if w.startswith("demo-")]
    assert len(names) == 2 and names[0] != names[1]
    board = out[out.index("Leaderboard"):]
    assert all(name in board for name in names)
    assert "intervals clustered by battle: 1 battle, 1 vote\n" in board  # not "1 battles, 1 votes"
    # A terminal shows no images: the chart is a PNG file in the working directory, its path printed.
    chart = tmp_path / "leaderboard-this-console.png"
    assert f"Chart: {chart}" in board
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    # Both replies are the demo models' own words about the prompt.
    assert out.count("haiku") >= 3

    async def check() -> None:
        store = await Store.open(url)
        try:
            battle = await store.get_battle(1)
            assert battle.status is BattleStatus.CLOSED and battle.counted_votes == 1
            assert battle.scope_key == CONSOLE_SCOPE.key and "creative_writing" in battle.categories
        finally:
            await store.close()

    asyncio.run(check())


def test_eof_without_quit_exits_cleanly(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "arenabot", "run"], input="/models\n", capture_output=True, text=True,
        cwd=tmp_path, env=_clean_env(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"), timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "demo-lark" in done.stdout and "Bye." in done.stdout


async def _console(service, script: str, chart_dir: Path | None = None) -> str:
    out = io.StringIO()
    with tempfile.TemporaryDirectory() as scratch:  # where /leaderboard's chart goes unless given
        await run_console(service, stdin=io.StringIO(script), stdout=out, word_delay=0, chart_dir=chart_dir or Path(scratch))
    return out.getvalue()


async def test_console_leaderboard_writes_its_chart_with_the_boards_groups(core, tmp_path, monkeypatch):
    import arenabot.chart as chart

    drawn = []
    real = chart.leaderboard_png
    monkeypatch.setattr(chart, "leaderboard_png", lambda rows, title, **options: drawn.append((rows, title, options)) or real(rows, title, **options))
    async with core() as service:
        out = await _console(service, "Why is the sky blue?\nb\n/leaderboard\n", chart_dir=tmp_path)
        [(rows, title, options)] = drawn
        board = (await service.leaderboard(CONSOLE_SCOPE)).board
        assert board is not None and [r.model for r in rows] == [r.model for r in board.rows] and len(rows) == 2
        assert title == board.title and options["groups"] == board.groups and set(board.groups.values()) == {0}
        assert options["reference"].rating == 1000.0
        path = tmp_path / "leaderboard-this-console.png"
        assert f"Chart: {path}" in out and path.read_bytes().startswith(b"\x89PNG")


async def test_console_chart_that_cannot_be_written_is_a_note_not_a_crash(core, tmp_path):
    async with core() as service:
        out = await _console(service, "Why is the sky blue?\nb\n/leaderboard\n/models\n", chart_dir=tmp_path / "gone")
        assert "(chart not saved: cannot write" in out and "Chart:" not in out
        assert out.rstrip().endswith("Bye.") and "alpha" in out.split("chart not saved")[1]  # /models still ran


async def test_console_session_in_process(core):
    async with core(max_turns=2) as service:
        out = await _console(
            service,
            "x\nWhat is a rainbow?\nAnd a double rainbow?\nthird turn?\nb\n/stats\n/new\nSecond battle\n/new\nThird battle\nt\n/leaderboard global\n/model disable alpha\n/nonsense\n/quit\nnever read\n",
        )
        assert "Nothing to vote on yet" in out
        assert "limit of 2 turns" in out  # the third line was refused, not a new battle
        assert out.count("Revealed:") == 2
        first = await service.store.get_battle(1)
        assert first.turns == 2 and "multi_turn" in first.categories and first.status is BattleStatus.CLOSED
        second = await service.store.get_battle(2)
        assert second.status is BattleStatus.OPEN and second.prompt == "Second battle"  # /new left it unvoted
        assert (await service.store.get_battle(3)).status is BattleStatus.CLOSED
        assert "Battles: 1" in out  # /stats after the first battle
        assert "Leaderboard - all servers" in out
        assert "Model **alpha** disabled".replace("**", "") in out
        assert "Unknown command" in out
        assert "never read" not in out and (await service.store.get_battle(4)) is None
        assert out.rstrip().endswith("Bye.")


async def test_console_reveals_a_leaked_battle_after_the_vote(core):
    async with core() as service:
        out = await _console(service, "Are you made by OpenAI?\na\n")
        assert "names a model or vendor" in out and "Revealed:" in out
        battle = await service.store.get_battle(1)
        assert battle.identity_leak and battle.status is BattleStatus.CLOSED and battle.counted_votes == 0


async def test_console_shows_the_two_streams_one_after_the_other():
    out = io.StringIO()
    console = ConsolePlatform(out, word_delay=0)
    a = await console.start_reply("t", "Model A")
    b = await console.start_reply("t", "Model B")
    await b.update("bee one ")  # B is buffered while A is shown
    await a.update("ay one ")
    await b.update("bee one bee two ")
    await a.finish("ay one ay two")
    await b.update("bee one bee two bee three ")  # the final text extends what was streamed
    await b.finish("bee one bee two bee three done")
    assert out.getvalue() == "\nModel A:\nay one ay two\n\nModel B:\nbee one bee two bee three done\n"


@pytest.mark.parametrize("mode", ["reactions", "buttons"])
async def test_console_draws_either_ballot_mode_as_the_a_b_t_x_prompt(core, mode):
    async with core(ballot=mode) as service:
        out = await _console(service, f"A question about {mode}\nt\n")
        assert "Vote: a = A is better, b = B is better, t = tie, x = both are bad (or type a follow-up)" in out
        assert (await service.store.get_battle(1)).status is BattleStatus.CLOSED


async def test_console_unvote_comes_from_the_registry(core):
    async with core() as service:
        out = await _console(service, "A question to withdraw from\n/unvote\nb\n/unvote #1\n/help\n")
        assert "You have no vote on battle #1 to withdraw." in out  # in the battle: no number needed
        assert "already revealed: your vote stays" in out  # one-person arena: the vote revealed it
        assert "unvote [battle]" in out  # listed in the help text
        assert (await service.store.get_battle(1)).counted_votes == 1


async def test_console_prints_a_long_reply_at_once_not_word_by_word(monkeypatch):
    import arenabot.adapters.console.platform as console_platform

    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(console_platform.asyncio, "sleep", record)
    out = io.StringIO()
    console = ConsolePlatform(out, word_delay=1.0)  # a second a word: any pacing would show
    long_reply = "word " * 5_000
    a = await console.start_reply("t", "Model A")
    b = await console.start_reply("t", "Model B")
    await b.finish(long_reply)  # B finished while A was still being shown
    await a.update(long_reply)  # a model that sent a long stretch at once
    await a.finish(long_reply + "end")
    assert out.getvalue().count("word") == 10_000 and "end" in out.getvalue()
    assert waits == []
    short = await console.start_reply("u", "Model A")
    await short.update("a few words here ")  # a short stretch still streams word by word
    assert len(waits) >= 3


async def test_console_compare_votes_on_the_named_battle_and_its_board(core):
    async with core() as service:
        out = await _console(service, "/compare alpha gamma Why is the sky blue?\nb\n/leaderboard mode=named\n/leaderboard\n/quit\n")
        battle = await service.store.get_battle(1)
        assert not battle.anony and (battle.model_a, battle.model_b) == ("alpha", "gamma")
        assert battle.status is BattleStatus.CLOSED and battle.counted_votes == 1
        assert "Model A: alpha · Model B: gamma" in out and "Voting closed: 1 counted vote" in out
        named, blind = out.split("Leaderboard - this console")[1:]
        assert "gamma" in named and "named battles" in named
        assert "No counted votes yet" in blind


async def test_console_chats_on_after_the_vote_and_starts_a_new_round(core):
    async with core() as service:
        out = await _console(service, "/chat too early\nWhy is the sky blue?\nb\n/chat And at sunset?\n/again\nt\n/quit\n")
        assert "Vote on a battle first" in out
        first = await service.store.get_battle(1)
        assert first.status is BattleStatus.CLOSED and first.counted_votes == 1
        turns = await service.store.turns(1)
        assert [(t.index, t.after_vote) for t in turns] == [(0, False), (0, False), (1, True), (1, True)]
        assert turns[-1].prompt == "And at sunset?"
        second = await service.store.get_battle(2)
        assert second.prompt == first.prompt and second.status is BattleStatus.CLOSED
        assert {second.model_a, second.model_b} != {first.model_a, first.model_b}
        assert "a new round of battle #1" in out and "New round: battle #2" in out
        assert out.count("Revealed:") == 2
