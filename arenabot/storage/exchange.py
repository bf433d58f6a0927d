"""Export and import of Chatbot Arena `clean_battle` records (the SQL side; see interop.py)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Connection

from arenabot.domain import BattleStatus, Outcome

from . import tally
from .interop import CleanBattle, judge_for, parse_clean_battle, record_digest
from .records import ImportReport
from .sql import apply_deltas, apply_patterns, battles, events, insert, settings, turns, votes

_INTERNAL_SCOPE = "arenabot"  # scope_settings rows the store itself keeps
_EXPORT_SALT_KEY = "export_salt"


def export_clean_battles(conn: Connection, scope_key: str | None) -> list[dict[str, Any]]:
    """One record per blind vote on a revealed (closed) battle; voters appear as keyed pseudonyms.

    An open battle's votes stay out until its reveal. `thread_leak` carries the time (unix
    seconds) a thread message named one of the battle's models, or null; only blind votes cast
    before it are exported. `turn` counts the turns the votes judged; `later_turns` the turns
    chatted on after a vote or the reveal (part of the conversation, judged by no vote)."""
    later_turns = (
        select(func.count(distinct(turns.c.index)))
        .where(turns.c.battle_id == battles.c.id, turns.c.after_vote)
        .scalar_subquery()
        .label("later_turns")
    )
    stmt = (
        select(
            battles.c.id,
            battles.c.scope_key,
            battles.c.model_a,
            battles.c.model_b,
            battles.c.identity_leak,
            battles.c.anony,
            battles.c.turn_count,
            battles.c.language,
            battles.c.categories,
            battles.c.leaked_at,
            later_turns,
            votes.c.voter_ref,
            votes.c.outcome,
            votes.c.updated_at,
        )
        .select_from(votes.join(battles, battles.c.id == votes.c.battle_id))
        .where(votes.c.blind, votes.c.outcome.is_not(None), battles.c.status == BattleStatus.CLOSED.value)
        .order_by(votes.c.updated_at, votes.c.id)
    )
    if scope_key is not None:
        stmt = stmt.where(battles.c.scope_key == scope_key)
    salt = _export_salt(conn)
    return [
        {
            "question_id": f"{r.scope_key}#{r.id}",
            "model_a": r.model_a,
            "model_b": r.model_b,
            "winner": Outcome(r.outcome).clean_battle_winner,
            "judge": judge_for(salt, r.scope_key, r.voter_ref),
            "anony": bool(r.anony) and not r.identity_leak,
            "tstamp": r.updated_at.timestamp(),
            "turn": max(1, r.turn_count - r.later_turns),
            "later_turns": r.later_turns,
            "language": r.language,
            "category_tag": {c: True for c in r.categories or []},
            "thread_leak": r.leaked_at.timestamp() if r.leaked_at else None,
        }
        for r in conn.execute(stmt)
    ]


def _export_salt(conn: Connection) -> str:
    """A per-installation secret, so exported judges cannot be matched to platform ids."""
    stmt = select(settings.c.value).where(settings.c.scope_key == _INTERNAL_SCOPE, settings.c.key == _EXPORT_SALT_KEY)
    salt = conn.execute(stmt).scalar_one_or_none()
    if salt is None:
        new = insert(conn, settings).values(
            scope_key=_INTERNAL_SCOPE, key=_EXPORT_SALT_KEY, value=secrets.token_hex(16), updated_at=datetime.now(timezone.utc)
        )
        conn.execute(new.on_conflict_do_nothing(index_elements=["scope_key", "key"]))
        salt = conn.execute(stmt).scalar_one()
    return salt


def import_clean_battles(conn: Connection, records: Sequence[Any], scope_key: str, now: datetime) -> ImportReport:
    """Each record becomes a closed battle with one vote; a record seen before is skipped.

    Works in chunks with bulk statements. Each record's digest is stored in processed_events, so
    the same record (same scope, same content) is never imported twice.
    """
    imported = duplicates = 0
    bad: list[str] = []
    deltas: list[dict[str, object]] = []
    fresh: dict[str, CleanBattle] = {}
    for index, record in enumerate(records):
        try:
            parsed = parse_clean_battle(record, now)
        except ValueError as exc:
            bad.append(f"record {index}: {exc}")
            continue
        digest = record_digest(scope_key, record)
        if digest in fresh:
            duplicates += 1
        else:
            fresh[digest] = parsed
    items = list(fresh.items())
    for start in range(0, len(items), _CHUNK):
        chunk = items[start : start + _CHUNK]
        seen = set(conn.execute(select(events.c.event_id).where(events.c.event_id.in_([d for d, _ in chunk]))).scalars())
        new = [(d, r) for d, r in chunk if d not in seen]
        duplicates += len(chunk) - len(new)
        if new:
            deltas += _insert_imported(conn, new, scope_key, now)
            imported += len(new)
    apply_deltas(conn, tally.merge_deltas(deltas))
    # An imported record is one battle with one vote: its pattern is its single outcome.
    apply_patterns(conn, tally.merge_patterns({**row, "battles": 1} for row in deltas))
    return ImportReport(imported, duplicates, bad)


_CHUNK = 500


def _insert_imported(
    conn: Connection, new: list[tuple[str, CleanBattle]], scope_key: str, now: datetime
) -> list[dict[str, object]]:
    platform = scope_key.partition(":")[0] or "import"
    conn.execute(events.insert(), [{"event_id": digest, "created_at": now} for digest, _ in new])
    battle_rows = [
        {
            "scope_key": scope_key,
            "platform": platform,
            "channel_ref": "import",
            "thread_ref": None,
            "header_ref": None,
            "creator_ref": "import",
            "model_a": r.model_a,
            "model_b": r.model_b,
            "categories": r.categories,
            "language": r.language,
            "prompt": "",
            "status": BattleStatus.CLOSED.value,
            "identity_leak": not r.anony,
            "void_reason": None,
            "turn_count": r.turn,
            "counted_votes": int(r.anony),
            "created_at": r.tstamp,
            "closes_at": r.tstamp,
            "closed_at": r.tstamp,
            "leaked_at": None,
        }
        for _, r in new
    ]
    ids = conn.execute(battles.insert().returning(battles.c.id, sort_by_parameter_order=True), battle_rows).scalars().all()
    conn.execute(
        votes.insert(),
        [
            {
                "battle_id": battle_id,
                "voter_ref": r.voter_ref,
                "outcome": r.outcome.value,
                "blind": True,
                "counted": r.anony,
                "created_at": r.tstamp,
                "updated_at": r.tstamp,
            }
            for battle_id, (_, r) in zip(ids, new, strict=True)
        ],
    )
    deltas: list[dict[str, object]] = []
    for _, r in new:
        if r.anony:  # a battle that named its models is kept, but never counts
            deltas += tally.vote_deltas(scope_key, r.model_a, r.model_b, r.categories, {r.outcome: 1})
    return deltas
