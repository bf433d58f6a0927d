"""A configured secret never reaches the logs, however it is logged."""
import io
import json
import logging

from arenabot.config import settings_from_dict
from arenabot.logs import REDACTED, setup_logging

TOKEN = "xoxb-1234-SECRET-token-value"
API_KEY = "sk-test-abcdef0123456789"


def _settings():
    return settings_from_dict({"models": [
        {"name": "m1", "provider": "openai", "api_key_env": "M1_KEY"},
        {"name": "m2", "provider": "demo"},
    ]})


def test_secrets_are_redacted_in_messages_args_and_tracebacks(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("M1_KEY", API_KEY)
    secrets = _settings().secret_values()
    assert set(secrets) == {TOKEN, API_KEY}
    out = io.StringIO()
    setup_logging(secrets=secrets, stream=out)
    log = logging.getLogger("arenabot.test")
    log.info("connecting with %s", TOKEN)
    log.warning(f"header Authorization: Bearer {API_KEY}")
    try:
        raise RuntimeError(f"bad key {API_KEY}")
    except RuntimeError:
        log.exception("request failed")
    logging.getLogger("aiohttp.client").error("library said %r", {"token": TOKEN})
    text = out.getvalue()
    assert TOKEN not in text and API_KEY not in text
    assert text.count(REDACTED) == 4  # each occurrence replaced, nothing dropped
    assert "request failed" in text and "RuntimeError" in text


def test_json_lines_are_valid_and_redacted(monkeypatch):
    out = io.StringIO()
    setup_logging(fmt="json", secrets=[TOKEN], stream=out)
    logging.getLogger("arenabot").info("token=%s", TOKEN)
    entry = json.loads(out.getvalue().strip().splitlines()[-1])
    assert entry["message"] == f"token={REDACTED}" and entry["level"] == "INFO"


def test_short_secrets_are_redacted_too(monkeypatch):
    # A 4-character PIN or a 7-character password is still a secret; only 1-3 characters are
    # too short to replace without mangling ordinary words.
    out = io.StringIO()
    setup_logging(secrets=["Zq9x", "hunter2", "ab"], stream=out)
    logging.getLogger("arenabot.test").warning("pin %s, password %s, about %s", "Zq9x", "hunter2", "ab")
    text = out.getvalue()
    assert "Zq9x" not in text and "hunter2" not in text
    assert text.count(REDACTED) == 2 and "about ab" in text
