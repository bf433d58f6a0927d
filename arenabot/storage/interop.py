"""Chatbot Arena `clean_battle` JSON records: validation of imports, pseudonymous judges for exports."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from arenabot import arenafields
from arenabot.battlelog.columns import record_categories
from arenabot.domain import Outcome

IMPORTED_VOTER_PREFIX = "import:"


@dataclass(frozen=True)
class CleanBattle:
    """One validated import record."""

    model_a: str
    model_b: str
    outcome: Outcome
    judge: str
    anony: bool
    tstamp: datetime
    turn: int
    language: str
    categories: list[str]
    # The Chatbot Arena fields kept as they came (question_id, category_tag, conv_metadata, ...).
    upstream: dict[str, Any] = field(default_factory=dict)
    # (user, assistant) pairs per side, from conversation_a / conversation_b when present.
    conversation_a: list[tuple[str, str]] = field(default_factory=list)
    conversation_b: list[tuple[str, str]] = field(default_factory=list)

    @property
    def voter_ref(self) -> str:
        return IMPORTED_VOTER_PREFIX + self.judge

    @property
    def prompt(self) -> str:
        return self.conversation_a[0][0] if self.conversation_a else ""


# Kept verbatim in battles.upstream, with the type each must have.
UPSTREAM_FIELDS: dict[str, tuple[type, ...]] = {
    "question_id": (str, int),
    "category_tag": (dict,),
    "conv_metadata": (dict,),
    "dedup_tag": (dict,),
    "is_code": (bool,),
}


def parse_clean_battle(record: Any, now: datetime) -> CleanBattle:
    """Validate one record; raises ValueError with a reason a person can act on."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    model_a, model_b = record.get("model_a"), record.get("model_b")
    for key, value in (("model_a", model_a), ("model_b", model_b)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{key} must be a non-empty string, got {value!r}")
    if model_a == model_b:
        raise ValueError(f"model_a and model_b are both {model_a!r}; a battle needs two different models")
    if len(model_a) > 100 or len(model_b) > 100:  # type: ignore[arg-type]
        raise ValueError("model names longer than 100 characters")
    winner = record.get("winner")
    try:
        outcome = Outcome.from_clean_battle(winner)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from None
    tstamp_raw = record.get("tstamp")
    if tstamp_raw is None:
        tstamp = now
    elif isinstance(tstamp_raw, (int, float)) and not isinstance(tstamp_raw, bool):
        try:
            tstamp = datetime.fromtimestamp(float(tstamp_raw), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"tstamp {tstamp_raw!r} is not a usable unix time") from None
    else:
        raise ValueError(f"tstamp must be unix seconds (a number), got {tstamp_raw!r}")
    anony = record.get("anony", True)
    if not isinstance(anony, bool):
        raise ValueError(f"anony must be true or false, got {anony!r}")
    judge = record.get("judge", "")
    judge = "" if judge is None else str(judge)
    language_raw = record.get("language") or ""
    if not isinstance(language_raw, str):
        raise ValueError(f"language must be a string, got {language_raw!r}")
    upstream: dict[str, Any] = {}
    for key, types in UPSTREAM_FIELDS.items():
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, types) or (int in types and isinstance(value, bool)):
            raise ValueError(f"{key} must be {' or '.join(_TYPE_NAMES[t] for t in types)}, got {value!r}")
        upstream[key] = value
    for key, value in (upstream.get("category_tag") or {}).items():
        if not isinstance(value, (bool, dict)):
            raise ValueError(f"category_tag[{key!r}] must be true/false or an object of tags, got {value!r}")
    conv_a = _conversation(record, "conversation_a")
    conv_b = _conversation(record, "conversation_b")
    turn = record.get("turn", max(len(conv_a), len(conv_b), 1))
    if not isinstance(turn, int) or isinstance(turn, bool) or turn < 1:
        raise ValueError(f"turn must be a positive integer, got {turn!r}")
    language = arenafields.language_code(language_raw) if language_raw else ""
    if language_raw and arenafields.language_name(language) != language_raw:
        upstream["language"] = language_raw  # e.g. a name longer than the column: given back as it came
    # The categories `arenabot ratings --category` sees in the same record (one reader).
    tag = upstream.get("category_tag")
    categories = sorted(n[:64] for n in record_categories(tag, upstream.get("is_code"), language_raw, turn))
    return CleanBattle(
        model_a,  # type: ignore[arg-type]
        model_b,  # type: ignore[arg-type]
        outcome,
        judge[:200],
        anony,
        tstamp,
        turn,
        language,
        categories,
        upstream,
        conv_a,
        conv_b,
    )


_TYPE_NAMES = {str: "a string", int: "an integer", dict: "an object", bool: "true or false"}


def _conversation(record: dict[str, Any], key: str) -> list[tuple[str, str]]:
    """FastChat's [{"role": "user", "content": ...}, {"role": "assistant", ...}, ...] as
    (user, assistant) pairs; a last user message without an answer pairs with ""."""
    messages = record.get(key)
    if messages is None:
        return []
    shape = f"{key} must be a list of {{role, content}} messages alternating user and assistant"
    if not isinstance(messages, list):
        raise ValueError(f"{shape}, got {type(messages).__name__}")
    pairs: list[tuple[str, str]] = []
    for position, message in enumerate(messages):
        expected = "user" if position % 2 == 0 else "assistant"
        if not isinstance(message, dict) or message.get("role") != expected or not isinstance(message.get("content"), str):
            raise ValueError(f"{shape}; message {position} is {str(message)[:80]}")
        if expected == "user":
            pairs.append((message["content"], ""))
        else:
            pairs[-1] = (pairs[-1][0], message["content"])
    return pairs


def record_digest(scope_key: str, record: Any) -> str:
    """The idempotency key of an imported record: same scope + same content = same key."""
    canonical = json.dumps([scope_key, record], sort_keys=True, separators=(",", ":"), default=str)
    return "import:" + hashlib.sha256(canonical.encode()).hexdigest()


def judge_for(salt: str, scope_key: str, voter_ref: str) -> str:
    """A stable pseudonym: keyed, so nobody can guess ids and check them against exports."""
    if voter_ref.startswith(IMPORTED_VOTER_PREFIX):
        return voter_ref[len(IMPORTED_VOTER_PREFIX) :]  # already a pseudonym from the imported file
    digest = hmac.new(salt.encode(), f"{scope_key}\x00{voter_ref}".encode(), hashlib.sha256).hexdigest()
    return "judge_" + digest[:16]
