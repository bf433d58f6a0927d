"""Every `arenabot ratings / import / export / leaderboard` command the README shows runs as
written, from the project root of a fresh clone: the log it reads ships in examples/. (Published
boards' commands, --as-of/--history/--html, need publications and are left to their own tests.)"""

from __future__ import annotations

import asyncio
import json
import random
import shlex
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from arenabot.app import build_core
from arenabot.cli import main
from arenabot.config import load_settings
from arenabot.domain import Actor, Outcome, Scope
from tests.support.fake_platform import FakePlatform

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "examples" / "genai_arena"
COMMANDS = ("ratings", "import", "export", "leaderboard")
# Published boards need a publication schedule that has run (a Discord or Slack scope); their
# own tests (the publishing feature's) cover those commands.
PUBLISHED = {"--as-of", "--history", "--html"}


def readme_commands() -> list[list[str]]:
    """The README's `.venv/bin/arenabot <command> ...` lines inside ```sh blocks, comments cut."""
    found, in_shell = [], False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_shell = line.strip() == "```sh"
            continue
        if in_shell and line.startswith(".venv/bin/arenabot "):
            argv = shlex.split(line, comments=True)[1:]
            if argv[0] in COMMANDS and not PUBLISHED & set(argv):
                found.append(argv)
    return found


async def play_own_battles(n: int = 24) -> None:
    """Battles between the offline demo models, voted and revealed: what `mine.json` exports."""
    settings = load_settings()
    scope, mod = Scope("console", "local"), Actor("mod", "Moderator", is_moderator=True)
    clock = [datetime(2026, 1, 1, tzinfo=timezone.utc)]
    rng = random.Random(5)
    async with build_core(settings, rng=random.Random(1), clock=lambda: clock[0]) as service:
        platform = FakePlatform()
        for k in range(n):
            clock[0] += timedelta(hours=1)  # past the rate limit's window
            prompt = ["Write a haiku about rain", "Explain tides to a child", "List three uses of a magnet"][k % 3]
            await service.start_battle(platform, scope, "channel-1", Actor(f"creator-{k}", "C"), f"{prompt} ({k})")
            record = await service.store.battle_by_thread(platform.name, platform.last_thread().ref)
            assert record is not None
            for v in range(3):
                outcome = rng.choice([Outcome.A, Outcome.A, Outcome.B, Outcome.TIE])
                await service.vote_on_battle(platform, record.id, Actor(f"voter-{v}", "V"), outcome, f"e{k}-{v}")
            assert (await service.close_battle(platform, mod, f"#{record.id}", scope=scope)).ok


def test_the_readme_names_the_shipped_log_and_its_licence():
    commands = readme_commands()
    assert {argv[0] for argv in commands} == set(COMMANDS)
    named = {a for argv in commands for a in argv if a.endswith(".json")}
    assert "examples/genai_arena/clean_battle_20240220.json" in named
    assert (SHIPPED / "LICENSE.MIT").read_text().startswith("MIT License")
    provenance = (SHIPPED / "PROVENANCE.md").read_text()
    assert "TIGER-AI-Lab/GenAI-Arena" in provenance and "none" in provenance


def test_every_readme_command_runs_from_the_project_root(tmp_path, monkeypatch, capsys):
    # A copy of the project root's layout: the README's relative paths, a fresh database.
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARENABOT_CONFIG", raising=False)
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'readme.db'}")
    asyncio.run(play_own_battles())
    outputs = {}
    for argv in readme_commands():
        code = main([*argv, "--quiet"] if argv[0] in ("ratings", "import", "export") else argv)
        captured = capsys.readouterr()
        assert code == 0, (argv, captured.err)
        outputs[" ".join(argv)] = captured.out
    said = "\n".join(outputs.values())
    assert "imagenhub_PlayGroundV2_generation" in said
    assert "Imported 2060 battles" in said  # one record has the same model twice: reported, not imported
    anchored = next(out for cmd, out in outputs.items() if "--anchor" in cmd)
    board = json.loads(anchored)
    assert board["ci"] == "bootstrap" and any(m["rating"] == pytest.approx(1000) for m in board["models"])
    styled = next(out for cmd, out in outputs.items() if "--style" in cmd)
    assert "bradley-terry+style" in styled and "demo-" in styled
    board = next(out for cmd, out in outputs.items() if cmd == "leaderboard --style")
    assert "style control" in board and "demo-" in board and "votes left out" in board  # imported votes have no replies
    mine = json.loads((tmp_path / "mine.json").read_text())
    own = [r for r in mine if "conversation_a" in r]
    assert own and all(r["conv_metadata"]["sum_assistant_a_tokens"] > 0 for r in own)
