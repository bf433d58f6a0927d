"""Votes that do not count: over the daily cap, or from too new an account or member."""

from __future__ import annotations

from datetime import datetime, timedelta

from arenabot.features.shared import ArenaState
from arenabot.middleware import Call, Next
from arenabot.replies import Reply, refuse

DAY = timedelta(days=1)


def _days(value: float) -> str:
    return f"{value:g} day{'s' if value != 1 else ''}"


class VoterQuality:
    """On votes only (withdrawing is always allowed). Where the platform does not say when a
    member joined (Slack), membership starts when the bot first saw them here, recorded on
    their first call of any kind (once per process and user: the store keeps the first)."""

    def __init__(self, state: ArenaState):
        self.state = state
        self._seen: dict[tuple[str, str], datetime] = {}

    async def __call__(self, call: Call, next: Next) -> Reply | None:
        actor = call.actor
        member_since = actor.joined_at or await self._first_seen(call.scope_key, actor.user_ref)
        if call.entry != "vote" or call.battle_id is None:
            return await next()
        arena = await self.state.arena_settings(call.scope_key)
        now = self.state.now()
        if arena.min_account_age_days and actor.account_created_at is not None:
            if now - actor.account_created_at < timedelta(days=arena.min_account_age_days):
                return refuse(
                    f"Your vote was not counted: accounts must be at least {_days(arena.min_account_age_days)} old "
                    "to vote here. Thanks for trying the arena; you can vote once your account is old enough."
                )
        if arena.min_member_age_days and now - member_since < timedelta(days=arena.min_member_age_days):
            return refuse(
                f"Your vote was not counted: members vote here after {_days(arena.min_member_age_days)} "
                "in this server or workspace. You can still start battles and read them."
            )
        if arena.max_votes_per_day:
            cast = await self.state.store.votes_elsewhere_since(call.scope_key, actor.user_ref, now - DAY, call.battle_id)
            if cast >= arena.max_votes_per_day:
                return refuse(
                    f"Your vote was not counted: you have voted {cast} times in the last 24 hours and the limit here "
                    f"is {arena.max_votes_per_day} a day. Please vote again later."
                )
        return await next()

    async def _first_seen(self, scope_key: str, user_ref: str) -> datetime:
        key = (scope_key, user_ref)
        seen = self._seen.get(key)
        if seen is None:
            seen = await self.state.store.first_seen(scope_key, user_ref, self.state.now())
            self._seen[key] = seen
        return seen
