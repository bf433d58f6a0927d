"""The container set-up: the database password reaches the URL safely, and the build context
leaves secrets and local state out."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from arenabot.config import ConfigError, load_settings, with_password

ROOT = Path(__file__).resolve().parents[2]
AWKWARD = "p@ss:w/rd%23?#&é"


def test_a_password_with_url_characters_survives_the_trip_into_the_url():
    url = with_password("postgresql+asyncpg://arenabot@db:5432/arenabot", AWKWARD)
    parsed = make_url(url)
    assert (parsed.username, parsed.password, parsed.host, parsed.port, parsed.database) == (
        "arenabot",
        AWKWARD,
        "db",
        5432,
        "arenabot",
    )


def test_the_password_variable_is_applied_and_redacted(tmp_path, monkeypatch):
    env = {
        "ARENABOT_CONFIG": str(tmp_path / "none.toml"),
        "ARENABOT_DATABASE_URL": "postgresql+asyncpg://arenabot@db:5432/arenabot",
        "ARENABOT_DATABASE_PASSWORD": AWKWARD,
    }
    (tmp_path / "none.toml").write_text("")
    settings = load_settings(env=env)
    assert make_url(settings.database.url).password == AWKWARD
    monkeypatch.setenv("ARENABOT_DATABASE_PASSWORD", AWKWARD)
    assert AWKWARD in settings.secret_values()  # never printed in logs
    with pytest.raises(ConfigError, match="ARENABOT_DATABASE_PASSWORD"):
        with_password("::not a url::", "x")


def test_compose_passes_the_password_on_its_own():
    compose = (ROOT / "docker-compose.yml").read_text()
    url_line = next(line for line in compose.splitlines() if "ARENABOT_DATABASE_URL:" in line)
    assert "POSTGRES_PASSWORD" not in url_line and "@db:5432" in url_line
    assert "ARENABOT_DATABASE_PASSWORD: ${POSTGRES_PASSWORD}" in compose


def _ignored(path: str, patterns: list[str]) -> bool:
    verdict = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").removeprefix("**/")
        parts = path.split("/")
        if any(fnmatch.fnmatch("/".join(parts[: i + 1]), pattern) or fnmatch.fnmatch(p, pattern) for i, p in enumerate(parts)):
            verdict = not negate
    return verdict


def test_the_build_context_leaves_out_secrets_and_local_state():
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    for path in (".env", ".git/config", ".venv/bin/python", "data/arenabot.db", "arena.db", "arenabot/__pycache__/x.pyc"):
        assert _ignored(path, patterns), path
    # What the Dockerfile copies must stay in.
    for path in (
        "arenabot/cli.py",
        "adapters/slack/manifest.yaml",
        "migrations/env.py",
        "requirements.lock",
        "pyproject.toml",
        "setup.py",
        "README.md",
        "scripts/install-deps.sh",
        ".env.example",
    ):
        assert not _ignored(path, patterns), path
