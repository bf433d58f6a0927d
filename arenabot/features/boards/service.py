"""Read-only views: the leaderboard, the models in the arena, and battle/vote statistics."""

from __future__ import annotations

import functools
import time

from arenabot import render
from arenabot.categories import KNOWN_CATEGORIES, TOPIC_CATEGORIES, normalise_category
from arenabot.domain import Actor, Scope
from arenabot.features.boards.warm import PatternFilter, WarmBoards
from arenabot.features.shared import ArenaState
from arenabot.features.voters import Voters
from arenabot.leaderboard import CLUSTERED_METHOD, style_board
from arenabot.replies import Reply, refuse
from arenabot.storage import BOARD_MODES as MODES


class Boards:
    def __init__(self, state: ArenaState, voters: Voters):
        self.state = state
        self.voters = voters
        self.warm = WarmBoards(state)

    async def leaderboard(
        self,
        scope: Scope,
        *,
        category: str | None = None,
        global_: bool = False,
        top: int = 20,
        mode: str = "anonymous",
        style: bool = False,
    ) -> Reply:
        if mode not in MODES:
            return refuse(f"Unknown leaderboard mode `{mode}`: use {' or '.join(MODES)}.")
        if category:
            try:
                category = normalise_category(category)
            except ValueError as exc:
                return refuse(str(exc).capitalize() + ".")
        if style:
            return await self._style_leaderboard(scope, category, global_, top, mode)
        # Battle patterns, not pair counts: intervals clustered by battle (several voters per battle).
        # A scope may leave its flagged voters' votes out of its boards (exclude_flagged).
        only: PatternFilter | None = None
        if not global_ and mode == "anonymous" and (await self.state.arena_settings(scope.key)).exclude_flagged:
            only = functools.partial(self.voters.board_patterns, scope.key, category)
        started = time.perf_counter()
        kept = await self.warm.board(None if global_ else scope.key, category, mode, only=only)
        self.state.events.leaderboard_computed(time.perf_counter() - started)
        method = CLUSTERED_METHOD if kept.votes else "Bradley-Terry, 95% CI (sandwich)"
        board = render.Leaderboard(
            rows=kept.rows[:top],
            title=_title(scope, category, global_, mode),
            votes=kept.votes,
            method=method,
            notes=kept.notes,
            groups=kept.groups,
        )
        return Reply(render.leaderboard_text(board), board=board)

    async def _style_leaderboard(self, scope: Scope, category: str | None, global_: bool, top: int, mode: str) -> Reply:
        """Style control on the bot's own data: each revealed battle's replies give its length
        and markdown features. Like every board, only revealed battles' counted votes."""
        votes = await self.state.store.style_votes(None if global_ else scope.key, mode)
        if category:
            votes = [v for v in votes if category in v[4]]
        if not global_ and mode == "anonymous":
            left_out = await self.voters.left_out(scope.key)
            votes = [v for v in votes if v[1] not in left_out]
        started = time.perf_counter()
        board = style_board(votes, title=_title(scope, category, global_, mode) + " - style control", top=top)
        self.state.events.leaderboard_computed(time.perf_counter() - started)
        return Reply(render.leaderboard_text(board), board=board)

    async def models_overview(self, scope: Scope, actor: Actor | None = None) -> Reply:
        """The registry. Which model is cooling down after errors, preferred opponents and the
        new-model boost are shown to moderators only (privately): members could otherwise tell
        which model is missing from, or more likely in, open battles."""
        moderator = actor is not None and actor.is_moderator
        models, _ = await self.state.registry()
        hub = self.state.hub
        lines = ["**Models in the arena**"]
        arena = await self.state.arena_settings(scope.key) if moderator else None
        boosting = arena is not None and arena.new_model_battles > 0 and arena.new_model_boost != 1
        battles = await self._battles_per_model(scope.key) if boosting else {}
        for model in sorted(models, key=lambda m: m.name):
            state = "enabled" if model.enabled else "disabled"
            if moderator and model.enabled and not hub.is_available(model.name):
                state = hub.health(model.name) or "cooling down after errors"
            demo = " (offline demo)" if model.is_demo else ""
            line = f"- **{model.name}**{demo}: {model.provider}, weight {model.weight:g}, {state}"
            if moderator and model.targets:
                line += f", prefers {', '.join(model.targets)}"
            if boosting and battles.get(model.name, 0) < arena.new_model_battles:  # type: ignore[union-attr]
                line += f", new: sampled x{arena.new_model_boost:g} ({battles.get(model.name, 0)} votes so far)"  # type: ignore[union-attr]
            lines.append(line)
        if boosting:
            lines.append(
                f"New models are sampled x{arena.new_model_boost:g} until they have {arena.new_model_battles} votes here."  # type: ignore[union-attr]
            )
        return Reply("\n".join(lines), private=moderator)

    async def _battles_per_model(self, scope_key: str) -> dict[str, int]:
        """Counted votes per model on this scope's board (what the sampler's boost looks at)."""
        totals: dict[str, int] = {}
        for c in await self.state.store.pair_counts(scope_key, None):
            for name in (c.model_a, c.model_b):
                totals[name] = totals.get(name, 0) + c.total
        return totals

    async def categories(self, scope: Scope, mode: str = "anonymous") -> Reply:
        """Every category with its revealed battles here (and everywhere), most battled first."""
        if mode not in MODES:
            return refuse(f"Unknown leaderboard mode `{mode}`: use {' or '.join(MODES)}.")
        here = await self.state.store.category_counts(scope.key, mode)
        everywhere = await self.state.store.category_counts(None, mode)
        named = " (named battles)" if mode == "named" else ""
        lines = [f"**Categories{named}**: revealed battles {render.place(scope)} / everywhere"]
        lines.append(f"- overall: {here.get('', 0)} / {everywhere.get('', 0)}")
        listed = sorted((c for c in {*KNOWN_CATEGORIES, *everywhere} if c), key=lambda c: (-everywhere.get(c, 0), c))
        shown = [c for c in listed if everywhere.get(c) or c in TOPIC_CATEGORIES]
        lines += [f"- {c.replace('_', ' ')}: {here.get(c, 0)} / {everywhere.get(c, 0)}" for c in shown]
        lines.append("Show one with `leaderboard category:<name>`; languages without battles are left out.")
        return Reply("\n".join(lines))

    async def stats(self, scope: Scope) -> Reply:
        store = self.state.store
        here = await store.stats(scope.key)
        everywhere = await store.stats(None)
        lines = [
            f"**Arena statistics** ({render.place(scope)} / everywhere)",
            f"- Battles: {here.battles} / {everywhere.battles} ({here.open_battles} open here)",
            f"- Votes: {here.votes} / {everywhere.votes}, counted: {here.counted_votes} / {everywhere.counted_votes}",
            f"- Voters: {here.voters} / {everywhere.voters}",
            f"- Void battles: {here.void_battles}, identity leaks: {here.leaked_battles} (here)",
            f"- Models that have battled: {here.models} / {everywhere.models}",
        ]
        return Reply("\n".join(lines))


def _title(scope: Scope, category: str | None, global_: bool, mode: str) -> str:
    where = "all servers and workspaces" if global_ else render.place(scope)
    title = "Leaderboard - " + where + (f" - {category.replace('_', ' ')}" if category else "")
    return title + (" - named battles" if mode == "named" else "")
