"""The configuration reference, generated from the settings model itself (docs/configuration.md).

`python -m arenabot.configdoc > docs/configuration.md` regenerates it; a test keeps the committed
file current, so the reference can never drift from what the code accepts.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from arenabot.config import ModelLimits, ModelSettings, PublishSettings, Settings

_ENV_VARIABLES = [
    (
        "ARENABOT_CONFIG",
        "Path of the TOML settings file (default `./arenabot.toml`; a missing default file means built-in defaults).",
    ),
    ("ARENABOT_DATABASE_URL", "Overrides `database.url`."),
    (
        "ARENABOT_DATABASE_PASSWORD",
        "The database password, put into the URL escaped (so `@`, `:` or `/` in it are safe); Docker Compose sets it from `POSTGRES_PASSWORD`.",
    ),
    ("DISCORD_TOKEN", "Discord bot token (the name is `discord.token_env`). Set it to run the Discord adapter."),
    ("SLACK_BOT_TOKEN", "Slack bot token `xoxb-...` (the name is `slack.bot_token_env`). Set it to run the Slack adapter."),
    ("SLACK_APP_TOKEN", "Slack app-level token `xapp-...` for Socket Mode (`slack.app_token_env`)."),
    ("SLACK_SIGNING_SECRET", "Slack signing secret for HTTP mode (`slack.signing_secret_env`)."),
    ("<model api_key_env>", "Each model's API key, in the variable its `api_key_env` names."),
    ("<moderation api_key_env>", "The moderation endpoint's API key, in the variable `moderation.api_key_env` names."),
]


def _type_name(field: FieldInfo) -> str:
    text = str(field.annotation)
    for noise in ("typing.", "<class '", "'>", "arenabot.config."):
        text = text.replace(noise, "")
    return text.replace("|", "\\|")


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value: Any = field.get_default(call_default_factory=True)
        if value and isinstance(value, list) and isinstance(value[0], BaseModel):
            return "built-in demo models"
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return "see section"
    return f"`{json.dumps(value)}`"


def _table(model: type[BaseModel]) -> list[str]:
    rows = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for name, field in model.model_fields.items():
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{name}` | `{_type_name(field)}` | {_default(field)} | {description} |")
    return rows


# Who owns a model: the file or the moderators in chat.
MODELS_FROM_THE_FILE = [
    "Models defined here are the file's: at every start each one is registered, or its fields",
    "(limits and `show_reasoning` included) are updated from the file, one log line per change, so",
    "editing an entry and restarting takes effect (a moderator's `/arena model disable` or `weight` on",
    "such a model lasts until the next start; change the file to make it stick). Models added in chat",
    "with `/arena model add` stay in the database and are left alone. A name both in the file and",
    "added in chat is reported at start-up and by `arenabot check-config --connect`; the file wins.",
]


# What the content moderation settings do together.
CONTENT_MODERATION = [
    "Optional. Prompts and follow-ups are checked before any model sees them: a flagged one starts",
    "nothing and its author gets a private, polite refusal. Replies are checked as they stream (the word",
    "list) and when they finish (the word list and the endpoint): a flagged reply is hidden (Discord:",
    "behind spoilers; Slack and the console: a notice in its place) and its battle is void. The word",
    "list is per server or workspace: `arena.moderation_words` is the default, `set moderation_words",
    "...` changes it. If the endpoint times out or fails, the battle goes on unchecked by it; one log",
    "line says why, and `/arena doctor` counts it.",
]
SECTION_NOTES = {"moderation": CONTENT_MODERATION}
# Scheduled publications: the file's and the moderators'.
PUBLISH_FROM_THE_FILE = [
    "Posts a scope's board on a schedule, as a moderator's `/arena publish` does. The file's schedules",
    "follow the file at every start (a removed entry stops); a restart keeps each one's stored due time,",
    'so it neither repeats nor skips a post. Example: `scope = "discord:123"`, `every = "week"`,',
    '`channel = "456"`, `category = "coding"`.',
]


def render() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Generated from `arenabot/config.py` by `python -m arenabot.configdoc`; do not edit by hand.",
        "Settings come from one TOML file (`arenabot.toml`, or the file `ARENABOT_CONFIG` names) plus",
        "environment variables for secrets and overrides. `arenabot check-config` validates a file.",
        "Unknown keys are errors, so a misspelt key never passes silently.",
        "",
    ]
    for name, field in Settings.model_fields.items():
        if name in ("models", "publish"):
            continue
        section = field.annotation
        assert isinstance(section, type) and issubclass(section, BaseModel)
        notes = SECTION_NOTES.get(name)
        lines += [f"## `[{name}]`", "", *([*notes, ""] if notes else []), *_table(section), ""]
    lines += ["## `[[models]]` (one table per model)", "", *MODELS_FROM_THE_FILE, "", *_table(ModelSettings), ""]
    lines += ["## `[models.limits]` (inside a `[[models]]` entry)", "", *_table(ModelLimits), ""]
    lines += [
        "## `[[publish]]` (one table per scheduled board publication)",
        "",
        *PUBLISH_FROM_THE_FILE,
        "",
        *_table(PublishSettings),
        "",
    ]
    lines += ["## Environment variables", "", "| variable | meaning |", "| --- | --- |"]
    lines += [f"| `{var}` | {meaning} |" for var, meaning in _ENV_VARIABLES]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
