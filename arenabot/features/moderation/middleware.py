"""Banned members neither start battles nor vote: a middleware on those two entry points."""

from __future__ import annotations

from arenabot.features.shared import ArenaState
from arenabot.middleware import Call, Next
from arenabot.replies import Reply, refuse

REFUSALS = {
    "start_battle": "You are banned from starting battles and voting here. Ask a moderator if you think this is a mistake.",
    "vote": "You are banned from voting here.",
}


class BanCheck:
    def __init__(self, state: ArenaState):
        self.state = state

    async def __call__(self, call: Call, next: Next) -> Reply | None:
        refusal = REFUSALS.get(call.entry)
        if refusal is not None and await self.state.is_banned(call.scope_key, call.actor.user_ref):
            return refuse(refusal)
        return await next()
