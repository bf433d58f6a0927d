"""Start-up stays instant: defining the commands imports none of the heavy libraries."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from arenabot.cli import COMMANDS

HEAVY = ("discord", "slack_bolt", "slack_sdk", "sqlalchemy", "alembic", "scipy", "matplotlib", "numpy",
         "pydantic", "aiohttp", "msgspec", "tqdm")

PROBE = """
import json, sys
from arenabot.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})), file=sys.stderr)
"""


def loaded_after(*argv: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), *argv],
                          capture_output=True, text=True, timeout=120)
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["ratings", "--help"], ["db", "--help"],
                                  ["db", "upgrade", "--help"], ["models", "discover", "--help"],
                                  ["discord", "--help"], ["slack", "--help"], ["leaderboard", "--help"],
                                  ["import", "--help"]])
def test_help_and_version_import_no_heavy_module(argv):
    assert loaded_after(*argv) == []


@pytest.mark.parametrize("output", [[], ["--output", "csv"], ["--json"], ["--output", "markdown"]])
def test_plain_ratings_on_a_tiny_file_imports_no_scipy(tmp_path, output):
    # The fit, the sandwich intervals and every output format need numpy only (ratings/special.py).
    log = tmp_path / "battles.jsonl"
    log.write_text('{"model_a": "x", "model_b": "y", "winner": "model_a"}\n')
    loaded = loaded_after("ratings", str(log), *output)
    assert {"msgspec", "numpy"} <= set(loaded)
    assert not any(m.split(".")[0] == "scipy" for m in loaded), loaded
    assert "sqlalchemy" not in loaded and "discord" not in loaded and "matplotlib" not in loaded


def test_the_probe_does_see_heavy_modules_when_they_load(tmp_path):
    # Guards the tests above: a command that really needs scipy (the bootstrap's sparse sums)
    # loads it, and the probe says so.
    log = tmp_path / "battles.jsonl"
    log.write_text('{"model_a": "x", "model_b": "y", "winner": "model_a"}\n{"model_a": "y", "model_b": "x", "winner": "tie"}\n')
    loaded = loaded_after("ratings", str(log), "--bootstrap", "4", "--output", "csv")
    assert {"msgspec", "numpy", "scipy.sparse"} <= set(loaded)
    assert "sqlalchemy" not in loaded and "discord" not in loaded  # ratings needs no database


def test_every_command_is_listed_and_defined_by_its_module(capsys):
    from arenabot.cli import build_parser

    parser = build_parser(None)  # every module loaded: each defines the command the table names
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    for name, parser_ in sub.choices.items():
        assert parser_.get_default("handler") is not None or name in {"models", "db"}, name


def test_the_ratings_names_loaded_on_first_use_all_resolve():
    # Elo, style control, win-rate matrices and voter scores load on first use (a plain board
    # needs none of them); every exported name still resolves.
    import arenabot.ratings as ratings

    namespace: dict = {}
    exec("from arenabot.ratings import *", namespace)
    assert set(ratings.__all__) <= set(namespace) and "rate_elo" in ratings.__all__
    assert namespace["rate_style"].__module__ == "arenabot.ratings.style"


def test_every_command_and_option_has_help_text():
    """Issue 13: `arenabot <cmd> --help` explains every command and option."""
    import argparse

    from arenabot.cli import build_parser

    def undocumented(parser: argparse.ArgumentParser, path: str) -> list[str]:
        found = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {choice.dest: choice.help for choice in action._choices_actions}
                for name, sub in action.choices.items():
                    found += [] if helps.get(name) else [f"{path} {name}".strip()]
                    found += undocumented(sub, f"{path} {name}".strip())
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                found.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
        return found

    assert undocumented(build_parser(None), "") == []


def test_version_prints_the_installed_version(capsys):
    from importlib.metadata import version

    from arenabot.cli import main

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"arenabot {version('arenabot')}"
