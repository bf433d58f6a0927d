"""The distribution installs one top-level package, `arenabot`: the repository's adapters/ and
migrations/ go inside it (arenabot.adapters, arenabot.migrations; see setup.py), never into
site-packages as packages named `adapters` and `migrations`.

The wheel is built from exactly what the Dockerfile's build stage copies, so a file the image
needs but the Dockerfile leaves out fails here too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _build_context(into: Path) -> None:
    """Copy what the Dockerfile's build stage copies (COPY lines without --from)."""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        words = line.split()
        if not words or words[0] != "COPY" or any(w.startswith("--") for w in words):
            continue
        for source in words[1:-1]:
            src, dst = ROOT / source, into / source
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(src, dst)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    context = tmp_path_factory.mktemp("context")
    out = tmp_path_factory.mktemp("wheel")
    _build_context(context)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(context)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode:
        pytest.fail(f"pip wheel failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    (found,) = out.glob("arenabot-*.whl")
    return found


def test_the_wheel_has_one_top_level_package(wheel: Path):
    top = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {t for t in top if not t.endswith(".dist-info")} == {"arenabot"}


def test_every_source_file_and_data_file_is_in_the_wheel(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = set()
    for folder, inside in (("arenabot", "arenabot"), ("adapters", "arenabot/adapters"), ("migrations", "arenabot/migrations")):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".yaml", ".mako"} and "__pycache__" not in path.parts:
                wanted.add(f"{inside}/{path.relative_to(ROOT / folder).as_posix()}")
    assert "arenabot/adapters/slack/manifest.yaml" in wanted and "arenabot/migrations/env.py" in wanted
    assert wanted - names == set()


def test_the_installed_layout_runs_without_the_repository(wheel: Path, tmp_path: Path):
    """The wheel's files alone (no checkout on the path, no editable mapping for them): the
    commands `.ci/run` runs after a regular install work, and the old top-level names are gone."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARENABOT_", "DISCORD_", "SLACK_"))}
    env.update(PYTHONPATH=str(site), ARENABOT_DATABASE_URL=f"sqlite+aiosqlite:///{work / 'ci.db'}")
    probe = (
        "import importlib.util, arenabot, arenabot.adapters.discord.cli, arenabot.adapters.slack.cli, "
        "arenabot.adapters.console.session, arenabot.storage.migrate as m; "
        "print(arenabot.__file__); print(m.MIGRATIONS_DIR); "
        "print(importlib.util.find_spec('adapters'), importlib.util.find_spec('migrations'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    package, migrations, old_names = done.stdout.splitlines()
    assert Path(package).is_relative_to(site) and Path(migrations) == site / "arenabot" / "migrations"
    assert old_names == "None None"
    for command in (["check-config"], ["db", "upgrade"]):
        ran = subprocess.run(
            [sys.executable, "-m", "arenabot", *command], cwd=work, env=env, capture_output=True, text=True, timeout=120
        )
        assert ran.returncode == 0, (command, ran.stdout, ran.stderr)
    assert (work / "ci.db").is_file()
