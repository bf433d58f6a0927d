"""`arenabot check-config` on the [moderation] section: a key variable that is not set is named
with its fix, and `--connect` asks the endpoint once."""
from __future__ import annotations

import asyncio

from arenabot.cli import main
from tests.support.fake_moderation import FakeModeration, closed_port_url

DEMO = '[[models]]\nname = "a"\nprovider = "demo"\n[[models]]\nname = "b"\nprovider = "demo"\n'


def test_a_missing_key_variable_is_named_with_the_fix(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("NO_SUCH_MODERATION_KEY", raising=False)
    config = tmp_path / "arenabot.toml"
    config.write_text(DEMO + '[moderation]\nbase_url = "https://m.example/v1"\napi_key_env = "NO_SUCH_MODERATION_KEY"\n')
    assert main(["check-config", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "moderation.api_key_env = 'NO_SUCH_MODERATION_KEY': that environment variable is not set; export the key" in err


def test_a_bad_base_url_is_a_config_error_naming_the_key(tmp_path, capsys):
    config = tmp_path / "arenabot.toml"
    config.write_text(DEMO + '[moderation]\nbase_url = "m.example/v1"\n')
    assert main(["check-config", "--config", str(config)]) == 1
    assert "moderation.base_url = 'm.example/v1': use the API's http(s) base URL" in capsys.readouterr().err


async def test_connect_asks_the_moderation_endpoint(tmp_path, monkeypatch, capsys):
    server = await FakeModeration().start()
    monkeypatch.setenv("ARENABOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'arena.db'}")
    try:
        config = tmp_path / "arenabot.toml"
        config.write_text(DEMO + f'[moderation]\nbase_url = "{server.url}"\n')
        assert await asyncio.to_thread(main, ["check-config", "--connect", "--config", str(config)]) == 0
        assert f"ok   moderation endpoint {server.url}/moderations: answers" in capsys.readouterr().out
        assert server.inputs() == ["hello"]

        config.write_text(DEMO + f'[moderation]\nbase_url = "{closed_port_url()}"\n')
        assert await asyncio.to_thread(main, ["check-config", "--connect", "--config", str(config)]) == 1
        assert "FAIL moderation endpoint: " in capsys.readouterr().err
    finally:
        await server.stop()
