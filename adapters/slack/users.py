"""Who a Slack user is for the arena: bot or person, moderator or member.

Moderators are workspace admins and owners (from `users.info`), plus the user ids and members of
the user groups listed in `[slack] admin_users` / `admin_usergroups`. Lookups are cached for a few
minutes, so a vote or command costs at most one `users.info` call per user per period.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from arenabot.domain import Actor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _UserInfo:
    name: str
    is_bot: bool
    is_admin: bool


class UserDirectory:
    def __init__(
        self,
        client: AsyncWebClient,
        admin_users: list[str] | None = None,
        admin_usergroups: list[str] | None = None,
        ttl_seconds: float = 300.0,
    ):
        self._client = client
        self._admin_users = set(admin_users or [])
        self._admin_usergroups = list(admin_usergroups or [])
        self._ttl = ttl_seconds
        self._users: dict[str, tuple[float, _UserInfo]] = {}
        self._groups: tuple[float, frozenset[str]] | None = None
        # One refresh at a time: a burst of commands must not each spend the Tier 2 budget (20/min).
        self._groups_lock = asyncio.Lock()

    async def actor(self, user_id: str, display_name: str = "") -> Actor:
        info = await self._user(user_id)
        return Actor(
            user_ref=user_id,
            display_name=display_name or info.name,
            is_bot=info.is_bot,
            is_moderator=not info.is_bot and (info.is_admin or await self._configured_admin(user_id)),
        )

    async def _user(self, user_id: str) -> _UserInfo:
        cached = self._users.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            user = (await self._client.users_info(user=user_id))["user"]
            info = _UserInfo(
                name=user.get("profile", {}).get("display_name") or user.get("real_name") or user.get("name", ""),
                is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
                is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
            )
        except SlackApiError as exc:
            # Without users:read we still know configured admins; everyone else is a member.
            log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            info = _UserInfo(name="", is_bot=False, is_admin=False)
        self._users[user_id] = (time.monotonic() + self._ttl, info)
        return info

    async def _configured_admin(self, user_id: str) -> bool:
        if user_id in self._admin_users:
            return True
        if not self._admin_usergroups:
            return False
        return user_id in await self._group_members()

    async def _group_members(self) -> frozenset[str]:
        async with self._groups_lock:
            return await self._refresh_groups()

    async def _refresh_groups(self) -> frozenset[str]:
        if self._groups and self._groups[0] > time.monotonic():
            return self._groups[1]
        members: set[str] = set()
        for group in self._admin_usergroups:
            try:
                members.update((await self._client.usergroups_users_list(usergroup=group))["users"])
            except SlackApiError as exc:
                log.warning("usergroups.users.list failed for %s: %s", group, exc.response.get("error"))
        self._groups = (time.monotonic() + self._ttl, frozenset(members))
        return self._groups[1]
