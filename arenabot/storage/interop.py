"""Chatbot Arena `clean_battle` JSON records: validation of imports, pseudonymous judges for exports."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

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

    @property
    def voter_ref(self) -> str:
        return IMPORTED_VOTER_PREFIX + self.judge


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
    turn = record.get("turn", 1)
    if not isinstance(turn, int) or isinstance(turn, bool) or turn < 1:
        raise ValueError(f"turn must be a positive integer, got {turn!r}")
    judge = record.get("judge", "")
    judge = "" if judge is None else str(judge)
    language = record.get("language") or ""
    if not isinstance(language, str):
        raise ValueError(f"language must be a string, got {language!r}")
    tags = record.get("category_tag") or {}
    if not isinstance(tags, dict):
        raise ValueError(f"category_tag must be an object of category: true, got {tags!r}")
    # Only flat `category: true` tags are categories; nested upstream tag groups are ignored.
    categories = sorted(str(k)[:64] for k, v in tags.items() if v is True)
    return CleanBattle(model_a, model_b, outcome, judge[:200], anony, tstamp, turn, language[:16], categories)  # type: ignore[arg-type]


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
