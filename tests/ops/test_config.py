"""Settings: defaults without a file, errors that name key, value and fix, the generated reference."""
from pathlib import Path

import pytest

from arenabot import configdoc
from arenabot.config import ConfigError, load_settings, settings_from_dict

ROOT = Path(__file__).resolve().parents[2]


def test_missing_default_file_means_offline_demo_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings.database.url.startswith("sqlite+aiosqlite:///")
    assert len(settings.models) >= 2
    assert all(m.is_demo for m in settings.models)


def test_explicit_missing_file_is_an_error_with_the_fix(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_settings(env={"ARENABOT_CONFIG": str(tmp_path / "nope.toml")})
    assert "not found" in err.value.render() and "ARENABOT_CONFIG" in err.value.render()


def test_errors_name_key_value_and_fix(tmp_path):
    file = tmp_path / "arenabot.toml"
    file.write_text(
        '[arena]\nmax_turns = 0\nbattle_windw_minutes = 5\n'
        '[[models]]\nname = "m1"\nprovider = "openia"\n'
        '[[models]]\nname = "m2"\nprovider = "demo"\nweight = -1\n'
    )
    with pytest.raises(ConfigError) as err:
        load_settings(file, env={})
    text = err.value.render()
    assert "arena.max_turns = 0" in text and "greater than or equal to 1" in text
    assert "arena.battle_windw_minutes: unknown key" in text
    assert "models[0] (m1).provider = 'openia'" in text and "'openai'" in text
    assert "models[1] (m2).weight = -1" in text


def test_a_misspelt_key_gets_a_did_you_mean_at_any_depth(tmp_path):
    file = tmp_path / "arenabot.toml"
    file.write_text(
        '[arena]\nrate_limt_battles = 3\n[discrod]\n[discord]\nmoderator_rol = "Mods"\n'
        '[[models]]\nname = "m1"\nprovider = "demo"\n[models.limits]\nstall_timout_s = 3\n[zzz]\n'
    )
    with pytest.raises(ConfigError) as err:
        load_settings(file, env={})
    lines = err.value.render().splitlines()
    for key, meant in [
        ("arena.rate_limt_battles", "rate_limit_battles"),
        ("discrod", "discord"),
        ("discord.moderator_rol", "moderator_role"),
        ("models[0] (m1).limits.stall_timout_s", "stall_timeout_s"),
    ]:
        assert any(f"- {key}: unknown key; did you mean `{meant}`?" in line for line in lines), key
    [nothing_close] = [line for line in lines if "zzz" in line]
    assert "did you mean" not in nothing_close and "remove it" in nothing_close


def test_invalid_toml_names_the_file(tmp_path):
    file = tmp_path / "bad.toml"
    file.write_text("[arena\n")
    with pytest.raises(ConfigError) as err:
        load_settings(file, env={})
    assert str(file) in err.value.render() and "not valid TOML" in err.value.render()


def test_database_url_from_environment_is_normalised_to_async_driver(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={"ARENABOT_DATABASE_URL": "postgresql://bot@db:5432/arena"})
    assert settings.database.url == "postgresql+asyncpg://bot@db:5432/arena"
    with pytest.raises(ConfigError) as err:
        settings_from_dict({"database": {"url": "mysql://x"}})
    assert "database.url = 'mysql://x'" in err.value.render()


def test_duplicate_model_names_are_refused():
    with pytest.raises(ConfigError) as err:
        settings_from_dict({"models": [{"name": "x", "provider": "demo"}, {"name": "X", "provider": "demo"}]})
    assert "appears twice" in err.value.render()


def test_committed_configuration_reference_is_current():
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == configdoc.render(), "regenerate with: .venv/bin/python -m arenabot.configdoc > docs/configuration.md"
