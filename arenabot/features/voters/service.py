"""Anomalous voters (Chiang et al., 2024): each voter's revealed votes tested against the board's
predicted outcomes by `arenabot.ratings.find_anomalous_voters`. Moderators see the list; with
`exclude_flagged` the flagged voters' votes leave this scope's boards (they stay stored)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from arenabot.domain import Actor, Outcome, Scope
from arenabot.features.shared import ArenaState
from arenabot.replies import Reply, refuse
from arenabot.storage import PatternCount

NOT_MODERATOR = "Only moderators can see voter scores."
_CODE = {Outcome.A.value: 0, Outcome.B.value: 1, Outcome.TIE.value: 2, Outcome.BOTH_BAD.value: 3}
_SWAP = {"a": "b", "b": "a", "tie": "tie", "both_bad": "both_bad"}
_COLUMN = {"a": 0, "b": 1, "tie": 2, "both_bad": 3}


PatternKey = tuple[str, str, int, int, int, int]  # model_a, model_b, wins_a, wins_b, ties, both_bad


@dataclass(frozen=True)
class VoterScore:
    voter_ref: str
    votes: int
    agreement: float  # share of decisive votes for the board's favourite
    expected: float  # what an honest voter's share would be on the same battles
    p_value: float
    flagged: bool


class Voters:
    def __init__(self, state: ArenaState):
        self.state = state

    async def scores(self, scope_key: str) -> list[VoterScore]:
        """Every voter of the scope's revealed battles, scored against the scope's board."""
        votes = await self.state.store.revealed_votes(scope_key)
        if not votes:
            return []
        from arenabot.ratings import find_anomalous_voters, rate_patterns  # numpy/scipy on first use

        patterns = await self.state.store.battle_patterns(scope_key, None)
        # Ties dropped for the fit: counting them as half wins compresses ratings (see voters.py).
        board = rate_patterns(patterns, ci="none", ties="drop")
        rating = board.ratings()
        names = sorted(rating)
        index = {name: k for k, name in enumerate(names)}
        rated = [v for v in votes if v[2] in index and v[3] in index]
        found = find_anomalous_voters(
            [v[1] for v in rated],
            [index[v[2]] for v in rated],
            [index[v[3]] for v in rated],
            [_CODE[v[5]] for v in rated],
            [rating[n] for n in names],
        )
        return [
            VoterScore(str(r["voter"]), r["votes"], r["agreement"], r["expected_agreement"], r["p_value"], r["flagged"])
            for r in found.as_rows()
        ]

    async def list_flagged(self, actor: Actor, scope: Scope) -> Reply:
        if not actor.is_moderator:
            return refuse(NOT_MODERATOR)
        scores = await self.scores(scope.key)
        flagged = sorted((s for s in scores if s.flagged), key=lambda s: s.p_value)
        arena = await self.state.arena_settings(scope.key)
        excluded = (
            "left out of this server's boards"
            if arena.exclude_flagged
            else "still counted (set exclude_flagged true to leave them out)"
        )
        if not flagged:
            return Reply(f"**Voters**: none of {len(scores)} voters is flagged as anomalous here.", private=True)
        lines = [f"**Flagged voters** ({len(flagged)} of {len(scores)}; their votes are {excluded})"]
        for s in flagged[:25]:
            lines.append(
                f"- {s.voter_ref}: {s.votes} votes, sided with the favourite {s.agreement:.0%} "
                f"(honest voters ~{s.expected:.0%}), score p = {s.p_value:.1e}"
            )
        lines.append("Scores compare each voter's votes with the board's predictions; moderators decide (e.g. `ban`).")
        return Reply("\n".join(lines), private=True)

    async def board_patterns(self, scope_key: str, category: str | None, patterns: Sequence[PatternCount]) -> list[PatternCount]:
        """The scope's battle patterns without the votes of flagged voters (when the scope asks for
        it): each battle they voted on becomes the battle of the other voters' votes, or none."""
        arena = await self.state.arena_settings(scope_key)
        if not arena.exclude_flagged:
            return list(patterns)
        flagged = {s.voter_ref for s in await self.scores(scope_key) if s.flagged}
        if not flagged:
            return list(patterns)
        per_battle: dict[int, list[tuple]] = {}
        for vote in await self.state.store.revealed_votes(scope_key):
            if category is None or category in vote[4]:
                per_battle.setdefault(vote[0], []).append(vote)
        change: Counter[PatternKey] = Counter({(p[0], p[1], p[2], p[3], p[4], p[5]): p[6] for p in patterns})
        for battle_votes in per_battle.values():
            if not any(v[1] in flagged for v in battle_votes):
                continue
            change[battle_pattern(battle_votes)] -= 1
            kept = [v for v in battle_votes if v[1] not in flagged]
            if kept:
                change[battle_pattern(kept)] += 1
        return [PatternCount(*key, n) for key, n in sorted(change.items()) if n > 0]


def battle_pattern(battle_votes: list[tuple]) -> PatternKey:
    """(model_a, model_b, wins_a, wins_b, ties, both_bad) of one battle's votes, model_a < model_b."""
    _, _, model_a, model_b, _, _ = battle_votes[0]
    cells = [0, 0, 0, 0]
    for vote in battle_votes:
        outcome = vote[5] if model_a < model_b else _SWAP[vote[5]]
        cells[_COLUMN[outcome]] += 1
    return (min(model_a, model_b), max(model_a, model_b), *cells)
