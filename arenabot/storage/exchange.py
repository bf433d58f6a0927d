"""Export and import of Chatbot Arena `clean_battle` records (the SQL side; see interop.py)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Connection

from arenabot import arenafields
from arenabot.categories import CODING
from arenabot.domain import BattleStatus, Outcome

from . import tally
from .interop import CleanBattle, judge_for, parse_clean_battle, record_digest
from .records import ImportReport
from .sql import apply_deltas, apply_patterns, battles, events, insert, settings, turns, votes

_INTERNAL_SCOPE = "arenabot"  # scope_settings rows the store itself keeps
_EXPORT_SALT_KEY = "export_salt"


def export_clean_battles(conn: Connection, scope_key: str | None, with_conversations: bool = False) -> list[dict[str, Any]]:
    """One record per blind vote on a revealed (closed) battle; voters appear as keyed pseudonyms.

    An open battle's votes stay out until its reveal. Records carry the fields Chatbot Arena's
    analysis reads, spelt as FastChat writes them (see arenafields.py): `language`,
    `conv_metadata`, `is_code`, `dedup_tag`, `category_tag` and, with `with_conversations`,
    `conversation_a` / `conversation_b`. An imported battle gives back the fields it came with.
    `thread_leak` carries the time (unix seconds) a thread message named one of the battle's
    models, or null; only blind votes cast before it are exported. `turn` counts the turns the
    votes judged; `later_turns` the turns chatted on after a vote or the reveal (part of the
    conversation, judged by no vote)."""
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
            battles.c.prompt,
            battles.c.upstream,
            battles.c.created_at,
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
    rows = conn.execute(stmt).all()
    salt = _export_salt(conn)
    conversations = _judged_conversations(conn, scope_key)
    fields = _battle_fields(rows, conversations)
    records = []
    for r in rows:
        upstream = r.upstream or {}
        conv_a, conv_b, meta, tags, dedup = fields[r.id]
        record: dict[str, Any] = {
            "question_id": upstream.get("question_id", f"{r.scope_key}#{r.id}"),
            "model_a": r.model_a,
            "model_b": r.model_b,
            "winner": Outcome(r.outcome).clean_battle_winner,
            "judge": judge_for(salt, r.scope_key, r.voter_ref),
        }
        if with_conversations and (conv_a or conv_b):
            record["conversation_a"], record["conversation_b"] = conv_a, conv_b
        record |= {
            "turn": max(1, r.turn_count - r.later_turns),
            "anony": bool(r.anony) and not r.identity_leak,
            "language": upstream.get("language") or arenafields.language_name(r.language),
            "tstamp": r.updated_at.timestamp(),
        }
        if meta is not None:
            record["conv_metadata"] = meta
        record |= {
            "is_code": upstream.get("is_code", CODING in (r.categories or [])),
            "dedup_tag": dedup,
            "category_tag": tags,
            "later_turns": r.later_turns,
            "thread_leak": r.leaked_at.timestamp() if r.leaked_at else None,
        }
        records.append(record)
    return records


Conversations = dict[int, tuple[list[dict[str, str]], list[dict[str, str]]]]


def _judged_conversations(conn: Connection, scope_key: str | None) -> Conversations:
    """Each revealed battle's judged turns as FastChat's [{role, content}] lists, per side."""
    stmt = (
        select(turns.c.battle_id, turns.c.index, turns.c.side, turns.c.prompt, turns.c.reply)
        .select_from(turns.join(battles, battles.c.id == turns.c.battle_id))
        .where(battles.c.status == BattleStatus.CLOSED.value, turns.c.after_vote.is_(False))
        .order_by(turns.c.battle_id, turns.c.index)
    )
    if scope_key is not None:
        stmt = stmt.where(battles.c.scope_key == scope_key)
    found: Conversations = {}
    for t in conn.execute(stmt):
        conv = found.setdefault(t.battle_id, ([], []))[0 if t.side == "a" else 1]
        conv += [{"role": "user", "content": t.prompt}, {"role": "assistant", "content": t.reply}]
    return found


def _battle_fields(rows: Sequence[Any], conversations: Conversations) -> dict[int, tuple]:
    """Per battle: (conversation_a, conversation_b, conv_metadata or None, category_tag, dedup_tag).
    Deduplication looks at every exported battle's user turns, earliest battle first."""
    battles_seen: dict[int, Any] = {}
    for r in rows:
        battles_seen.setdefault(r.id, r)
    ordered = sorted(battles_seen.values(), key=lambda r: (r.created_at, r.id))
    texts = {r.id: arenafields.user_text(conversations.get(r.id, ([], []))[0]) for r in ordered}
    with_text = [r for r in ordered if texts[r.id]]
    dedup = dict(zip([r.id for r in with_text], arenafields.dedup_tags([texts[r.id] for r in with_text]), strict=True))
    fields = {}
    for r in ordered:
        upstream = r.upstream or {}
        conv_a, conv_b = conversations.get(r.id, ([], []))
        meta = upstream.get("conv_metadata")
        if meta is None and conv_a and conv_b:
            meta = arenafields.conv_metadata(conv_a, conv_b)
        tags = upstream.get("category_tag")
        if tags is None:
            tags = (
                arenafields.category_tag(r.prompt, r.categories or [])
                if r.prompt
                else {arenafields.ARENABOT_GROUP: {c: True for c in r.categories or []}}
            )
        tag = upstream.get("dedup_tag") or dedup.get(r.id, {"high_freq": False, "sampled": True})
        fields[r.id] = (conv_a, conv_b, meta, tags, tag)
    return fields


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
            "prompt": r.prompt,
            "status": BattleStatus.CLOSED.value,
            "identity_leak": not r.anony,
            "void_reason": None,
            "turn_count": r.turn,
            "counted_votes": int(r.anony),
            "created_at": r.tstamp,
            "closes_at": r.tstamp,
            "closed_at": r.tstamp,
            "leaked_at": None,
            "upstream": r.upstream or None,
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
    turn_rows = [
        {
            "battle_id": battle_id,
            "index": index,
            "side": side,
            "prompt": prompt,
            "reply": reply,
            "latency_s": None,
            "first_token_s": None,
            "prompt_tokens": None,
            "completion_tokens": None,
            "finish_reason": None,
            "error": None,
            "created_at": r.tstamp,
            "after_vote": False,
        }
        for battle_id, (_, r) in zip(ids, new, strict=True)
        for side, conv in (("a", r.conversation_a), ("b", r.conversation_b))
        for index, (prompt, reply) in enumerate(conv)
    ]
    if turn_rows:  # the conversations an imported record carried
        conn.execute(turns.insert(), turn_rows)
    deltas: list[dict[str, object]] = []
    for _, r in new:
        if r.anony:  # a battle that named its models is kept, but never counts
            deltas += tally.vote_deltas(scope_key, r.model_a, r.model_b, r.categories, {r.outcome: 1})
    return deltas


def style_votes(conn: Connection, scope_key: str | None, anony: bool) -> list[tuple]:
    """(battle id, voter, model_a, model_b, categories, outcome, style_a, style_b) of every counted
    vote of revealed battles (the scope's, or all), blind (`anony`) or named. The style features
    (reply tokens, headers, lists, bold per side) come from the stored replies of the judged
    turns, or the conv_metadata an imported record carried; NaNs when a battle has neither."""
    from arenabot.battlelog import style_of  # the reader `arenabot ratings --style` uses

    stmt = (
        select(
            battles.c.id,
            votes.c.voter_ref,
            battles.c.model_a,
            battles.c.model_b,
            battles.c.categories,
            votes.c.outcome,
            battles.c.upstream,
        )
        .select_from(votes.join(battles, battles.c.id == votes.c.battle_id))
        .where(battles.c.status == BattleStatus.CLOSED.value, votes.c.counted, battles.c.anony.is_(anony))
        .order_by(battles.c.id, votes.c.voter_ref)
    )
    if scope_key is not None:
        stmt = stmt.where(battles.c.scope_key == scope_key)
    rows = conn.execute(stmt).all()
    conversations = _judged_conversations(conn, scope_key)
    styles: dict[int, tuple] = {}
    for r in rows:
        if r.id not in styles:
            meta = (r.upstream or {}).get("conv_metadata")
            conv_a, conv_b = conversations.get(r.id, ([], []))
            if meta is None and conv_a and conv_b:
                meta = arenafields.conv_metadata(conv_a, conv_b)
            styles[r.id] = style_of(meta)
    return [(r.id, r.voter_ref, r.model_a, r.model_b, list(r.categories or []), r.outcome, *styles[r.id]) for r in rows]
