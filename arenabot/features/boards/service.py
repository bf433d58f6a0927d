"""Read-only views: the leaderboard, the models in the arena, and battle/vote statistics."""

from __future__ import annotations

import time

from arenabot import render
from arenabot.categories import normalise_category
from arenabot.domain import Actor, Scope
from arenabot.features.shared import ArenaState
from arenabot.replies import Reply, refuse


class Boards:
    def __init__(self, state: ArenaState):
        self.state = state

    async def leaderboard(self, scope: Scope, *, category: str | None = None, global_: bool = False, top: int = 20) -> Reply:
        if category:
            try:
                category = normalise_category(category)
            except ValueError as exc:
                return refuse(str(exc).capitalize() + ".")
        where = "all servers and workspaces" if global_ else render.place(scope)
        title = "Leaderboard - " + where + (f" - {category.replace('_', ' ')}" if category else "")
        started = time.perf_counter()
        board = await self.state.leaderboards.warm_board(
            self.state.store, None if global_ else scope.key, category, title=title, top=top
        )
        self.state.events.leaderboard_computed(time.perf_counter() - started)
        return Reply(render.leaderboard_text(board), board=board)

    async def models_overview(self, scope: Scope, actor: Actor | None = None) -> Reply:
        """The registry. Which model is cooling down after errors is shown to moderators only
        (privately): members could otherwise tell which model is missing from open battles."""
        moderator = actor is not None and actor.is_moderator
        models, _ = await self.state.registry()
        hub = self.state.hub
        lines = ["**Models in the arena**"]
        for model in sorted(models, key=lambda m: m.name):
            state = "enabled" if model.enabled else "disabled"
            if moderator and model.enabled and not hub.is_available(model.name):
                state = hub.health(model.name) or "cooling down after errors"
            demo = " (offline demo)" if model.is_demo else ""
            lines.append(f"- **{model.name}**{demo}: {model.provider}, weight {model.weight:g}, {state}")
        return Reply("\n".join(lines), private=moderator)

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
