"""Start-up failures a new server owner meets: one line saying what to do, never a loop or a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from arenabot.cli import main
from arenabot.config import ModelSettings
from tests.providers.fake_api import FakeApi


def arenabot(*argv: str, env: dict[str, str], stdin=subprocess.DEVNULL, input: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "arenabot", *argv],
        env=env,
        stdin=None if input is not None else stdin,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def env(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD", "SLACK", "ARENABOT"))}
    clean["ARENABOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'arena.db'}"
    clean["ARENABOT_CONFIG"] = str(tmp_path / "arenabot.toml")
    (tmp_path / "arenabot.toml").write_text("")
    return clean


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def test_no_token_and_no_terminal_exits_non_zero_naming_the_variables(env, tmp_path):
    done = arenabot("run", env=env)  # stdin is /dev/null, like a container started without -it
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        assert name in done.stderr
    assert not (tmp_path / "arena.db").exists()  # nothing was started


def test_prompts_piped_into_the_console_still_run(env):
    done = arenabot("run", env=env, input="/models\n/quit\n")
    assert done.returncode == 0, done.stderr
    assert "Bye." in done.stdout


@pytest.mark.parametrize("command", [["run"], ["leaderboard"]])
def test_unreachable_database_is_one_line_with_the_password_hidden(env, command):
    env["ARENABOT_DATABASE_URL"] = f"postgresql+asyncpg://arena:s3cret-pw@127.0.0.1:{closed_port()}/arena"
    done = arenabot(*command, env=env, input="/quit\n")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr and "s3cret-pw" not in done.stderr
    assert "arena:***@127.0.0.1" in done.stderr
    assert "running and listens on that host and port" in done.stderr


@pytest.fixture
async def api():
    server = await FakeApi().start()
    yield server
    await server.close()


async def test_check_config_connect_tries_the_database_and_every_model(api, tmp_path, monkeypatch, capsys):
    api.script("broken", fault="unknown_model")
    config = tmp_path / "arenabot.toml"
    config.write_text(
        "\n".join(
            f'[[models]]\nname = "{name}"\nprovider = "openai"\nmodel_id = "{name}"\nbase_url = "{api.url}/v1"\n'
            for name in ("good", "broken")
        )
    )
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'arena.db'}")
    # check-config runs its own event loop, as the command line does
    import asyncio

    code = await asyncio.to_thread(main, ["check-config", "--connect", "--config", str(config)])
    out = capsys.readouterr()
    assert code == 1
    assert "ok   model good: answers" in out.out
    assert "FAIL model broken:" in out.err and "broken" in out.err
    assert "not created yet" in out.out
    assert not (tmp_path / "arena.db").exists()  # checking changes nothing
    probes = [r.body for r in api.requests]
    assert {b["model"] for b in probes} == {"good", "broken"}
    assert all(b["max_tokens"] == 1 for b in probes)  # one token each


async def test_check_config_connect_passes_when_everything_answers(api, tmp_path, monkeypatch, capsys):
    import asyncio

    config = tmp_path / "arenabot.toml"
    config.write_text(
        "\n".join(f'[[models]]\nname = "{n}"\nprovider = "openai"\nbase_url = "{api.url}/v1"\n' for n in ("one", "two"))
    )
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"postgresql+asyncpg://u:pw@127.0.0.1:{closed_port()}/x")
    code = await asyncio.to_thread(main, ["check-config", "--connect", "--config", str(config)])
    out = capsys.readouterr()
    assert code == 1 and "FAIL cannot open the database postgresql+asyncpg://u:***@127.0.0.1" in out.err
    assert "ok   model one: answers" in out.out and "ok   model two: answers" in out.out
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'arena.db'}")
    assert await asyncio.to_thread(main, ["check-config", "--connect", "--config", str(config)]) == 0


def test_probe_asks_for_one_token_without_retries():
    from arenabot.providers.probe import probe_settings

    model = ModelSettings(name="m", provider="openai", params={"temperature": 0.2})
    probed = probe_settings(model)
    assert probed.params == {"temperature": 0.2, "max_tokens": 1}
    assert probed.limits.max_retries == 0 and model.limits.max_retries == 2


async def test_check_config_connect_names_a_model_defined_in_the_file_and_in_chat(tmp_path, monkeypatch, capsys):
    import asyncio

    from arenabot.app import build_core
    from arenabot.config import settings_from_dict

    url = f"sqlite+aiosqlite:///{tmp_path / 'arena.db'}"
    demo = [{"name": n, "provider": "demo"} for n in ("demo-owl", "demo-fox")]
    async with build_core(settings_from_dict({"database": {"url": url}, "models": demo})) as service:
        await service.store.add_model(ModelSettings(name="heron", provider="demo"))  # a moderator's, in chat
    config = tmp_path / "arenabot.toml"
    config.write_text("".join(f'[[models]]\nname = "{n}"\nprovider = "demo"\n' for n in ("demo-owl", "heron")))
    monkeypatch.setenv("ARENABOT_DATABASE_URL", url)
    code = await asyncio.to_thread(main, ["check-config", "--connect", "--config", str(config)])
    out = capsys.readouterr().out
    assert code == 0  # a warning, not a failure
    assert "WARN model 'heron' is defined in the config file and was also added in chat: the file wins" in out
    assert out.count("WARN") == 1  # demo-owl is the file's alone
