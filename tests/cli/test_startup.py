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


def test_the_probe_does_see_heavy_modules_when_they_load(tmp_path):
    # Guards the test above: a command that really runs loads what it needs, and the probe says so.
    log = tmp_path / "battles.jsonl"
    log.write_text('{"model_a": "x", "model_b": "y", "winner": "model_a"}\n')
    loaded = loaded_after("ratings", str(log), "--output", "csv")
    assert {"msgspec", "numpy", "scipy"} <= set(loaded)
    assert "sqlalchemy" not in loaded and "discord" not in loaded  # ratings needs no database


def test_every_command_is_listed_and_defined_by_its_module(capsys):
    from arenabot.cli import build_parser

    parser = build_parser(None)  # every module loaded: each defines the command the table names
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    for name, parser_ in sub.choices.items():
        assert parser_.get_default("handler") is not None or name in {"models", "db"}, name


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
