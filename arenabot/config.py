"""Typed settings: one TOML file plus environment variables for secrets and overrides.

`load_settings()` never crashes on a missing file (the defaults run offline with demo models) and
turns every validation problem into a `ConfigError` whose lines name the key, the bad value and
the fix.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from arenabot.wordlist import normalise_words

DEFAULT_CONFIG_FILE = "arenabot.toml"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/arenabot.db"

ProviderName = Literal["demo", "openai", "anthropic", "gemini"]


class _Section(BaseModel):
    # A misspelt key is an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")


class ModelLimits(_Section):
    """Timeouts, retries and concurrency for one model's API calls (defaults suit hosted APIs)."""

    connect_timeout_s: float = Field(10, gt=0, description="Seconds to open the connection to the API.")
    first_token_timeout_s: float = Field(
        60, gt=0, description="Seconds from the request to the first streamed token (reasoning counts)."
    )
    stall_timeout_s: float = Field(30, gt=0, description="Seconds the stream may go silent between chunks once it has started.")
    total_timeout_s: float = Field(120, gt=0, description="Seconds for the whole reply, retries included.")
    max_retries: int = Field(
        2, ge=0, le=10, description="Retries after 429, 5xx or a dropped connection, only before any token was shown."
    )
    retry_backoff_s: float = Field(0.5, ge=0, description="Base of the jittered exponential backoff between retries.")
    max_retry_after_s: float = Field(
        30, ge=0, description="A 429 asking to wait longer than this fails at once instead of waiting."
    )
    max_concurrency: int = Field(
        16,
        ge=1,
        description="Streams open at once to this model's endpoint (the smallest value among models sharing an endpoint wins).",
    )


class ModelSettings(_Section):
    """One model the arena can sample."""

    name: str = Field(min_length=1, max_length=100, description="Name shown on reveal and leaderboards.")
    provider: ProviderName = Field(
        description="Backend: demo (offline), openai (any OpenAI-compatible server), anthropic or gemini."
    )
    model_id: str = Field("", description="The provider's model identifier; defaults to `name`.")
    base_url: str | None = Field(None, description="API base URL, e.g. http://localhost:11434/v1 for Ollama.")
    api_key_env: str | None = Field(
        None, description="Name of the environment variable that holds the API key (never the key itself)."
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="Generation parameters passed through (temperature, max_tokens, ...)."
    )
    system_prompt: str | None = Field(None, description="System prompt for this model only.")
    weight: float = Field(1.0, ge=0, description="Relative sampling weight; 0 never samples it.")
    enabled: bool = Field(True, description="Disabled models are never sampled.")
    identity_words: list[str] = Field(
        default_factory=list,
        description="Extra words that reveal this model (vendor, family); a reply naming one is an identity leak.",
    )
    vendor: str | None = Field(None, description="Vendor name, also an identity word.")
    targets: list[str] = Field(
        default_factory=list,
        description="Preferred opponents: this model's battles are drawn against these (strongly preferred, not exclusive).",
    )
    show_reasoning: bool = Field(
        False,
        description="Show the model's reasoning (<think> blocks, reasoning fields) to voters; hidden by default so it cannot unblind a battle.",
    )
    limits: ModelLimits = Field(
        default_factory=ModelLimits, description="Timeouts, retries and concurrency for this model's API calls."
    )

    @model_validator(mode="after")
    def _default_model_id(self) -> ModelSettings:
        if not self.model_id:
            self.model_id = self.name
        return self

    @property
    def is_demo(self) -> bool:
        return self.provider == "demo"


class DatabaseSettings(_Section):
    url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db. Env: ARENABOT_DATABASE_URL.",
    )

    @field_validator("url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        if url.startswith(("postgres://", "postgresql://")):
            scheme, rest = url.split("://", 1)
            return f"postgresql+asyncpg://{rest}"
        if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
            return "sqlite+aiosqlite://" + url[len("sqlite://") :]
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path/to/arenabot.db or postgresql+asyncpg://user@host:5432/dbname")
        return url


class ArenaSettings(_Section):
    max_prompt_chars: int = Field(4000, ge=1, description="Longer prompts are refused with a message.")
    max_turns: int = Field(
        3, ge=1, description="Turns per battle, the opening prompt included; follow-ups stop at the first vote."
    )
    max_chat_turns: int = Field(
        10,
        ge=0,
        description="Turns voters may keep chatting with both models in the thread after their vote (the creator too after the reveal); never change a vote. 0 = off.",
    )
    battle_window_minutes: float = Field(
        360, gt=0, description="Minutes a battle stays blind and open for votes before the names are revealed."
    )
    close_after_votes: int = Field(
        0, ge=0, description="Close a battle once it has this many counted votes; 0 = only the window or a moderator closes it."
    )
    rate_limit_battles: int = Field(5, ge=1, description="A user may start this many battles ...")
    rate_limit_minutes: float = Field(10, gt=0, description="... per this many minutes.")
    reply_timeout_seconds: float = Field(
        120, gt=0, description="Per-side limit for one reply; a side over it fails and voids the battle."
    )
    max_reply_chars: int = Field(
        32_000, ge=100, description="Longest reply shown and stored; a longer one is cut there, with a note saying so."
    )
    reveal_to_voter: bool = Field(True, description="Tell a voter the names privately right after a blind vote.")
    sweep_interval_seconds: float = Field(30, gt=0, description="How often expired battles are closed and revealed.")
    system_prompt: str | None = Field(
        None, description="Arena-wide system prompt given to every model (a model's own comes after it)."
    )
    sampling: Literal["weighted", "active"] = Field(
        "weighted",
        description="Pair sampling: by weight, or planned where votes most reduce misordered pairs and the widest intervals.",
    )
    new_model_battles: int = Field(
        0,
        ge=0,
        description="A model with fewer battles than this on the board is sampled new_model_boost times as often; 0 = no boost.",
    )
    new_model_boost: float = Field(
        5.0, ge=1, description="Sampling factor for new models (see new_model_battles); FastChat boosts new models five-fold."
    )
    max_votes_per_day: int = Field(0, ge=0, description="Votes one member may cast here per 24 hours; 0 = no cap.")
    min_account_age_days: float = Field(
        0, ge=0, description="A vote counts only from accounts at least this old (Discord: from the user id); 0 = off."
    )
    min_member_age_days: float = Field(
        0,
        ge=0,
        description="A vote counts only from members here for at least this long (Discord: joined the server; Slack: first seen by the bot); 0 = off.",
    )
    exclude_flagged: bool = Field(
        False,
        description="Leave the votes of voters flagged as anomalous (see `voters`) out of this server's boards; the votes stay stored, so this is reversible.",
    )
    ballot: Literal["reactions", "buttons"] = Field(
        "reactions",
        description="How members vote: reactions under the ballot (tallies visible), or buttons (A, B, Tie, Both bad, Withdraw; each vote confirmed privately).",
    )
    moderation_words: str = Field(
        "",
        max_length=20_000,
        description="Content moderation word list, comma-separated (phrases allowed): a prompt containing one starts no battle, a reply containing one is hidden and its battle voided. Matched in any case, as whole words; `none` clears it.",
    )

    @field_validator("moderation_words")
    @classmethod
    def _word_list(cls, value: str) -> str:
        return normalise_words(value)


class DiscordSettings(_Section):
    token_env: str = Field("DISCORD_TOKEN", description="Environment variable holding the bot token.")
    moderator_role: str | None = Field(
        None,
        description="Role name that may run moderator commands besides Manage Server; Discord shows it /arena-admin once the server allows the role in Server Settings > Integrations.",
    )
    dev_guild_id: int | None = Field(None, description="Sync commands to this guild only (instant; for development).")
    shard_ids: list[int] | None = Field(None, description="Shards this process runs; unset = all.")
    shard_count: int | None = Field(None, ge=1)
    api_base: str | None = Field(None, description="Override of Discord's REST base URL (tests).")
    message_content_intent: bool = Field(
        True,
        description="Request the privileged message-content intent so follow-ups in battle threads can be plain messages; false = follow-ups must mention the bot.",
    )
    edit_interval_seconds: float = Field(
        1.0,
        ge=0,
        description="Least time between two previews of one streamed reply (all replies also share the platform's rate limits).",
    )
    moderator_group: str = Field(
        "arena-admin",
        pattern=r"^[a-z0-9_-]{0,32}$",
        description='Top-level slash command holding the moderator commands, which Discord shows only to members with Manage Server unless the server\'s Integrations settings allow others; "" = inside /arena, visible to all (the bot still refuses members).',
    )

    @field_validator("moderator_group")
    @classmethod
    def _not_the_member_group(cls, value: str) -> str:
        if value == "arena":
            raise ValueError(
                '"arena" is the members\' command; use another name (e.g. "arena-admin"), or "" to keep moderator commands inside /arena'
            )
        return value


class SlackSettings(_Section):
    mode: Literal["socket", "http"] = Field(
        "socket", description="socket: Socket Mode, no public URL; http: Events API behind a load balancer."
    )
    bot_token_env: str = Field("SLACK_BOT_TOKEN")
    app_token_env: str = Field("SLACK_APP_TOKEN", description="App-level token (xapp-...) for Socket Mode.")
    signing_secret_env: str = Field("SLACK_SIGNING_SECRET", description="Signing secret for HTTP mode.")
    http_port: int = Field(3000, ge=1, le=65535)
    admin_users: list[str] = Field(default_factory=list, description="User IDs allowed admin commands besides workspace admins.")
    admin_usergroups: list[str] = Field(default_factory=list)
    api_base: str | None = Field(None, description="Override of Slack's Web API base URL (tests).")


class OpsSettings(_Section):
    http_host: str = Field(
        "127.0.0.1",
        description="Interface for the health and metrics endpoint; loopback only unless set (the container sets 0.0.0.0). Env: ARENABOT_HTTP_HOST.",
    )
    http_port: int | None = Field(
        None, ge=0, le=65535, description="Port for /healthz, /readyz and /metrics; unset = no endpoint. Env: ARENABOT_HTTP_PORT."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="json: one JSON object per line, for log collectors. Env: ARENABOT_LOG_FORMAT."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO")
    shutdown_grace_seconds: float = Field(
        20, gt=0, description="On SIGTERM, in-flight replies get this long to finish before their battles are voided."
    )
    public_board: bool = Field(
        False,
        description="Also serve the read-only leaderboard pages (/boards/...: published boards, ratings, history) on the ops endpoint; needs http_port.",
    )

    @model_validator(mode="after")
    def _pages_need_a_port(self) -> OpsSettings:
        if self.public_board and self.http_port is None:
            raise ValueError("public_board = true needs http_port (or ARENABOT_HTTP_PORT) to serve the pages on")
        return self


class PublishSettings(_Section):
    """A board publication scheduled in the file (moderators can also schedule one in chat:
    `publish`); the file's schedules follow the file at every start."""

    scope: str = Field(
        pattern=r"^[a-z]+:[^:\s]+$",
        description="The server or workspace as platform:id, e.g. discord:123456789 or slack:T0123ABCD.",
    )
    every: Literal["day", "week", "month"] = Field(description="How often the board is posted.")
    channel: str = Field(min_length=1, description="Channel id to post in (Discord: the channel's id; Slack: C...).")
    category: str | None = Field(None, description="Only this category's board (e.g. coding); unset = overall.")
    mode: Literal["anonymous", "named"] = Field("anonymous", description="Blind battles' board or the named one.")

    @field_validator("channel")
    @classmethod
    def _channel_id(cls, channel: str) -> str:
        from arenabot.channelrefs import channel_id

        return channel_id(channel)

    @field_validator("category")
    @classmethod
    def _known_category(cls, category: str | None) -> str | None:
        from arenabot.categories import normalise_category

        return normalise_category(category) if category else None


class CategoriesSettings(_Section):
    classifier_model: str | None = Field(
        None,
        description="A [[models]] entry that also labels every prompt with Chatbot Arena's category checklists "
        "(hard prompt, math, instruction following, creative writing); unset = the offline rules only. "
        "It may be disabled (enabled = false) so it judges without battling.",
    )
    classifier_timeout_seconds: float = Field(
        30, gt=0, description="A classification that takes longer is dropped; the rule-based categories stand."
    )


class ModerationSettings(_Section):
    """An optional OpenAI-compatible moderation endpoint; the word list is `arena.moderation_words`."""

    base_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible moderation API, e.g. https://api.openai.com/v1 (the bot posts to <base_url>/moderations); unset = no endpoint.",
    )
    api_key_env: str | None = Field(
        None, description="Name of the environment variable holding its API key (never the key itself); unset = no key sent."
    )
    model: str | None = Field(
        None, description="Moderation model to ask for, e.g. omni-moderation-latest; unset = the endpoint's default."
    )
    timeout_seconds: float = Field(
        5,
        gt=0,
        le=60,
        description="Seconds to wait for a verdict; on a timeout or any failure the battle goes on unchecked (logged, counted).",
    )
    check_replies: bool = Field(
        True, description="Check the models' replies as well as prompts (a flagged reply is hidden and its battle voided)."
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is None or not url.strip():
            return None
        url = url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")) or len(url.split("://", 1)[1]) == 0:
            raise ValueError("use the API's http(s) base URL with its version, e.g. https://api.openai.com/v1")
        if url.endswith("/moderations"):
            raise ValueError("give the base URL without /moderations (the bot adds it), e.g. https://api.openai.com/v1")
        return url


def _demo_models() -> list[ModelSettings]:
    return [
        ModelSettings(name="demo-lark", provider="demo", model_id="lark"),
        ModelSettings(name="demo-owl", provider="demo", model_id="owl"),
        ModelSettings(name="demo-otter", provider="demo", model_id="otter"),
        ModelSettings(name="demo-fox", provider="demo", model_id="fox"),
    ]


class Settings(_Section):
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    arena: ArenaSettings = Field(default_factory=ArenaSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    ops: OpsSettings = Field(default_factory=OpsSettings)
    categories: CategoriesSettings = Field(default_factory=CategoriesSettings)
    moderation: ModerationSettings = Field(default_factory=ModerationSettings)
    models: list[ModelSettings] = Field(
        default_factory=_demo_models, description="Models to sample; the built-in offline demo models when none are configured."
    )
    publish: list[PublishSettings] = Field(
        default_factory=list, description="Scheduled board publications ([[publish]] entries), per scope."
    )

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        seen: set[str] = set()
        for model in self.models:
            if model.name.lower() in seen:
                raise ValueError(f"model name {model.name!r} appears twice in [[models]]: names must be unique")
            seen.add(model.name.lower())
        judge = self.categories.classifier_model
        if judge is not None and self.model(judge) is None:
            names = ", ".join(m.name for m in self.models)
            raise ValueError(
                f"categories.classifier_model = {judge!r} is not a [[models]] entry (configured: {names}): "
                "add a [[models]] entry with that name (enabled = false keeps it out of battles) or remove the key"
            )
        boards = [(p.scope, p.category or "", p.mode) for p in self.publish]
        for board in dict.fromkeys(b for b in boards if boards.count(b) > 1):
            raise ValueError(f"[[publish]] schedules {board[0]}'s {board[1] or 'overall'} {board[2]} board twice: keep one entry")
        return self

    def model(self, name: str) -> ModelSettings | None:
        return next((m for m in self.models if m.name == name), None)

    def secret(self, env_var: str | None) -> str | None:
        """A secret by the name of the environment variable that holds it."""
        return os.environ.get(env_var) if env_var else None

    def secret_values(self) -> list[str]:
        """Every configured secret's value, for log redaction."""
        names: list[str | None] = [
            self.discord.token_env,
            self.slack.bot_token_env,
            self.slack.app_token_env,
            self.slack.signing_secret_env,
        ]
        names.append("ARENABOT_DATABASE_PASSWORD")
        names.append(self.moderation.api_key_env)
        names += [m.api_key_env for m in self.models if m.api_key_env]
        return [v for v in (self.secret(n) for n in names) if v]

    @property
    def discord_token(self) -> str | None:
        return self.secret(self.discord.token_env)

    @property
    def slack_bot_token(self) -> str | None:
        return self.secret(self.slack.bot_token_env)


class ConfigError(Exception):
    """Invalid configuration; `problems` are human lines naming key, value and fix."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))

    def render(self) -> str:
        lines = [f"Configuration error in {self.source}:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def _key_path(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    parts: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            name = (
                node[part].get("name") if isinstance(node, list) and part < len(node) and isinstance(node[part], dict) else None
            )
            parts[-1] = f"{parts[-1]}[{part}]" + (f" ({name})" if name else "")
        else:
            parts.append(str(part))
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts)


def _section_model(annotation: Any) -> type[BaseModel] | None:
    """The settings section an annotation holds (`ModelLimits`, `list[ModelSettings]`, `X | None`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _section_model(arg)
        if found is not None:
            return found
    return None


def _closest_key(loc: tuple[Any, ...]) -> str:
    """For a misspelt key, the closest key its section has ("" when none is close)."""
    section: type[BaseModel] | None = Settings
    for part in loc[:-1]:
        if isinstance(part, str):  # list indexes stay in the list's item section
            field = section.model_fields.get(part) if section is not None else None
            section = _section_model(field.annotation) if field is not None else None
    if section is None or not isinstance(loc[-1], str):
        return ""
    close = difflib.get_close_matches(loc[-1], list(section.model_fields), n=1, cutoff=0.7)
    return close[0] if close else ""


def _describe(error: ErrorDetails, data: dict[str, Any]) -> str:
    key = _key_path(error["loc"], data) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        closest = _closest_key(tuple(error["loc"]))
        if closest:
            return f"{key}: unknown key; did you mean `{closest}`? (keys: docs/configuration.md)"
        return f"{key}: unknown key; remove it or check its spelling against docs/configuration.md"
    if kind == "missing":
        return f"{key}: required but missing; add it"
    value = error.get("input")
    message = error["msg"].removeprefix("Value error, ")
    return f"{key} = {value!r}: {message}"


def settings_from_dict(data: dict[str, Any], source: str = "<dict>") -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, [_describe(e, data) for e in exc.errors()]) from None


# Environment variables that override one setting each (the container sets these).
_ENV_OVERRIDES = [
    ("ARENABOT_DATABASE_URL", "database", "url"),
    ("ARENABOT_HTTP_HOST", "ops", "http_host"),
    ("ARENABOT_HTTP_PORT", "ops", "http_port"),
    ("ARENABOT_LOG_FORMAT", "ops", "log_format"),
]


DATABASE_PASSWORD_ENV = "ARENABOT_DATABASE_PASSWORD"


def with_password(url: str, password: str) -> str:
    """The URL with this password, escaped as a URL needs (a password with @, : or / would
    otherwise break it): lets compose pass the password on its own, never pasted into a URL."""
    from sqlalchemy.engine import make_url  # only when the variable is set: start-up stays light

    try:
        return make_url(url).set(password=password).render_as_string(hide_password=False)
    except Exception:
        raise ConfigError(
            "database", [f"url is not a valid database URL, so {DATABASE_PASSWORD_ENV} cannot be added to it"]
        ) from None


def load_settings(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (ARENABOT_CONFIG or ./arenabot.toml), then apply environment overrides."""
    env = os.environ if env is None else env
    explicit = path or env.get("ARENABOT_CONFIG")
    file = Path(explicit or DEFAULT_CONFIG_FILE)
    data: dict[str, Any] = {}
    if file.is_file():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(file), [f"not valid TOML: {exc}; fix the syntax at that line"]) from None
        except UnicodeDecodeError as exc:
            line = file.read_bytes()[: exc.start].count(b"\n") + 1
            raise ConfigError(str(file), [f"not UTF-8 text (byte {exc.start}, line {line}); save the file as UTF-8"]) from None
    elif explicit:
        raise ConfigError(str(file), ["file not found; create it, or unset ARENABOT_CONFIG to run with the defaults"])
    for variable, section, key in _ENV_OVERRIDES:
        if env.get(variable):
            data.setdefault(section, {})[key] = env[variable]
    if env.get(DATABASE_PASSWORD_ENV):
        database = data.setdefault("database", {})
        database["url"] = with_password(str(database.get("url", DEFAULT_DATABASE_URL)), env[DATABASE_PASSWORD_ENV])
    return settings_from_dict(data, str(file) if file.is_file() else "defaults")
