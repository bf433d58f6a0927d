"""The per-user battle rate limit, as a middleware on `start_battle`."""

from __future__ import annotations

from datetime import timedelta

from arenabot.features.battles.service import duration_text
from arenabot.features.shared import ArenaState
from arenabot.middleware import Call, Next
from arenabot.replies import Reply, refuse


class RateLimit:
    def __init__(self, state: ArenaState):
        self.state = state

    async def __call__(self, call: Call, next: Next) -> Reply | None:
        if call.entry != "start_battle":
            return await next()
        arena = await self.state.arena_settings(call.scope_key)
        since = self.state.now() - timedelta(minutes=arena.rate_limit_minutes)
        recent = await self.state.store.count_recent_battles(call.scope_key, call.actor.user_ref, since)
        if recent >= arena.rate_limit_battles:
            return refuse(
                f"You have started {recent} battles in the last {duration_text(arena.rate_limit_minutes)}; "
                f"the limit is {arena.rate_limit_battles}. Please wait a little and try again."
            )
        return await next()
