"""The vote transaction: the hot path, so a handful of statements in one transaction.

1. claim the event id (unique key; a replay or a concurrent twin finds it taken: "duplicate");
2. read the battle, locked (FOR UPDATE on PostgreSQL), and this voter's current vote;
3. insert or update the vote row (UNIQUE battle_id + voter_ref);
4. move the pair counts by atomic increments, in key order;
5. keep the battle's counted_votes in step.

The statements live in vote_io.py; this module decides what they should do.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime

from sqlalchemy.engine import Connection

from arenabot.domain import BattleStatus, Outcome

from . import tally
from .records import VoteResult
from .vote_io import vote_io


def record_vote(
    conn: Connection,
    battle_id: int,
    voter_ref: str,
    outcome: Outcome | None,
    event_id: str | None,
    now: datetime,
    only_if: Outcome | None = None,
) -> VoteResult:
    io = vote_io(conn)
    if event_id is not None and not io.claim(event_id, now):
        found = io.battle_and_vote(battle_id, voter_ref, lock=False)
        if found is None:
            raise LookupError(f"no battle with id {battle_id}")
        return VoteResult("duplicate", found[0], _outcome(found[1]))
    found = io.battle_and_vote(battle_id, voter_ref, lock=True)
    if found is None:
        raise LookupError(f"no battle with id {battle_id}")  # rolls back, so the event stays unclaimed
    battle, existing = found
    previous = _outcome(existing)
    if outcome is None and only_if is not None and previous is not None and previous != only_if:
        # A stale reaction removed after the vote changed: the current vote stays (core contract).
        return VoteResult("unchanged", battle, previous)

    if battle.status is not BattleStatus.OPEN:
        if battle.status is BattleStatus.CLOSED and (outcome is None or (previous and existing.vote_blind)):
            # After the reveal a blind vote stays as it was, and withdrawing changes nothing.
            return VoteResult("late", battle, previous)
        if outcome is None and previous is None:
            return VoteResult("no_vote", battle, None)
        _write(io, battle.id, voter_ref, outcome, existing, blind=False, counted=False, now=now)
        return VoteResult("void" if battle.status is BattleStatus.VOID else "late", battle, previous)

    if outcome is None:
        if previous is None:
            return VoteResult("no_vote", battle, None)
        status = "withdrawn"
    elif previous == outcome:
        return VoteResult("unchanged", battle, previous)
    else:
        status = "changed" if previous is not None else "counted"

    was_counted = bool(existing is not None and existing.vote_counted)
    now_counted = outcome is not None and not battle.identity_leak
    _write(io, battle.id, voter_ref, outcome, existing, blind=True, counted=now_counted, now=now)

    changes: Counter[Outcome] = Counter()
    if was_counted and previous is not None:
        changes[previous] -= 1
    if now_counted and outcome is not None:
        changes[outcome] += 1
    io.add_pairs(tally.vote_deltas(battle.scope_key, battle.model_a, battle.model_b, battle.categories, changes))
    delta = int(now_counted) - int(was_counted)
    if delta:
        io.add_counted(battle.id, delta)
        battle = dataclasses.replace(battle, counted_votes=battle.counted_votes + delta)
    return VoteResult(status, battle, previous)  # type: ignore[arg-type]


def _outcome(existing: object) -> Outcome | None:
    value = getattr(existing, "vote_outcome", None) if existing is not None else None
    return Outcome(value) if value else None


def _write(io, battle_id: int, voter_ref: str, outcome: Outcome | None, existing: object, *, blind: bool, counted: bool, now: datetime) -> None:  # type: ignore[no-untyped-def]
    value = outcome.value if outcome is not None else None
    if existing is None:
        io.insert_vote(battle_id, voter_ref, value, blind, counted, now)
    else:
        io.update_vote(existing.vote_id, value, blind, counted, now)  # type: ignore[attr-defined]
