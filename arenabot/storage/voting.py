"""The vote transaction: the hot path, so a handful of statements in one transaction.

1. claim the event id (unique key; a replay or a concurrent twin finds it taken: "duplicate");
2. read the battle, locked (FOR UPDATE on PostgreSQL), and this voter's current vote;
3. insert or update the vote row (UNIQUE battle_id + voter_ref);
4. keep the battle's counted_votes in step;
5. if this vote reaches close_after_votes, close the battle and move its votes into the pair
   counts, still in this transaction (so no second process can count one more).

Pair counts never move while a battle is open: boards, stats and exports would otherwise show
which two models just gained a vote. They move once, when the battle closes (`close_battle` below).

A vote is final once its voter has seen the names (told privately after voting) or once a
message in the thread named one of the battle's models: a later change or withdrawal is stored
in `unblind_outcome`, not blind, never counted, and the earlier vote stays as it was.

The statements live in vote_io.py; this module decides what they should do. On PostgreSQL the
same transaction runs as the server-side function `arenabot_record_vote` (migration 0008,
called by pg_fast.py): a change here needs a migration that replaces that function too (the vote
tests run on both databases and catch a difference).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy.engine import Connection

from arenabot.domain import BattleStatus, Outcome

from . import tally
from .records import BattleRecord, VoteResult
from .vote_io import CoreVoteIO, SQLiteVoteIO, vote_io

WITHDRAWN = ""  # unblind_outcome of a withdrawal asked for after the vote became final


def record_vote(
    conn: Connection,
    battle_id: int,
    voter_ref: str,
    outcome: Outcome | None,
    event_id: str | None,
    now: datetime,
    only_if: Outcome | None = None,
    reveals_names: bool = False,
    close_after: int = 0,
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

    if outcome is None and previous is None:
        return VoteResult("no_vote", battle, None)
    if outcome is not None and previous == outcome:
        return VoteResult("unchanged", battle, previous)
    leaked = battle.leaked_at is not None  # flagged before this transaction: this vote came after it
    seen = existing is not None and existing.vote_names_seen_at is not None
    if seen or (leaked and existing is not None and existing.vote_counted):
        # The voter knows the names (or the thread said them): keep the earlier vote, record this one.
        asked = outcome.value if outcome is not None else WITHDRAWN
        repeat = existing.vote_unblind_outcome is not None
        io.set_unblind(existing.vote_id, asked)
        return VoteResult("final", battle, previous, why="names_seen" if seen else "thread_leak", repeat=repeat)

    status = "withdrawn" if outcome is None else ("changed" if previous is not None else "counted")
    was_counted = bool(existing is not None and existing.vote_counted)
    blind = not leaked
    now_counted = outcome is not None and blind and not battle.identity_leak
    # Only a new vote is followed by the private reveal (the core's rule), so only it becomes final.
    # A named battle shows its names from the start: nothing to reveal, its votes stay changeable.
    names_seen = reveals_names and status == "counted" and battle.anony
    _write(io, battle.id, voter_ref, outcome, existing, blind=blind, counted=now_counted, now=now, names_seen=names_seen)
    delta = int(now_counted) - int(was_counted)
    if delta:
        io.add_counted(battle.id, delta)
        battle = dataclasses.replace(battle, counted_votes=battle.counted_votes + delta)
    closed = bool(close_after and delta > 0 and battle.counted_votes >= close_after and _close_and_tally(io, battle, now))
    if closed:
        battle = dataclasses.replace(battle, status=BattleStatus.CLOSED, closed_at=now)
    return VoteResult(status, battle, previous, closed=closed)  # type: ignore[arg-type]


def close_battle(conn: Connection, battle_id: int, now: datetime) -> bool:
    """The reveal's transaction: True for exactly one caller across all processes."""
    io = vote_io(conn)
    found = io.battle_and_vote(battle_id, "", lock=True)
    return found is not None and found[0].is_open and _close_and_tally(io, found[0], now)


def _close_and_tally(io: CoreVoteIO | SQLiteVoteIO, battle: BattleRecord, now: datetime) -> bool:
    """Close an open battle and move its counted votes into the pair counts, in the caller's
    transaction. The conditional UPDATE waits for a concurrent closer's row lock on PostgreSQL
    (BEGIN IMMEDIATE on SQLite) and then finds the battle closed, so the counts move once."""
    if not io.claim_close(battle.id, now):
        return False
    counted = io.counted_outcomes(battle.id)  # read after the claim: every vote before it has committed
    scope = tally.board_scope(battle.scope_key, battle.anony)  # named battles count on their own boards
    io.add_pairs(tally.vote_deltas(scope, battle.model_a, battle.model_b, battle.categories, counted))
    io.add_patterns(tally.pattern_deltas(scope, battle.model_a, battle.model_b, battle.categories, counted, 1))
    return True


def _outcome(existing: object) -> Outcome | None:
    value = getattr(existing, "vote_outcome", None) if existing is not None else None
    return Outcome(value) if value else None


def _write(
    io,
    battle_id: int,
    voter_ref: str,
    outcome: Outcome | None,
    existing: object,
    *,
    blind: bool,
    counted: bool,
    now: datetime,
    names_seen: bool = False,
) -> None:
    value = outcome.value if outcome is not None else None
    seen_at = now if names_seen else None
    if existing is None:
        io.insert_vote(battle_id, voter_ref, value, blind, counted, now, seen_at)
    else:
        io.update_vote(existing.vote_id, value, blind, counted, now, seen_at)  # type: ignore[attr-defined]
