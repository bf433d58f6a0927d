"""Who is acting: Discord users and members as core `Actor`s, with the moderator decision."""

from __future__ import annotations

import discord

from arenabot.domain import Actor, Scope

PLATFORM = "discord"


def scope_for(guild_id: int) -> Scope:
    return Scope(PLATFORM, str(guild_id))


def is_moderator(
    user: discord.User | discord.Member,
    moderator_role: str | None,
    permissions: discord.Permissions | None = None,
) -> bool:
    """Manage Server permission, or the configured moderator role (by name or id)."""
    if not isinstance(user, discord.Member):
        return False
    perms = permissions if permissions is not None else user.guild_permissions
    if perms.manage_guild:
        return True
    if moderator_role:
        wanted = moderator_role.strip().lstrip("@")
        return any(role.name == wanted or str(role.id) == wanted for role in user.roles)
    return False


def actor_for(
    user: discord.User | discord.Member,
    moderator_role: str | None = None,
    permissions: discord.Permissions | None = None,
) -> Actor:
    return Actor(
        user_ref=str(user.id),
        display_name=user.display_name,
        is_bot=user.bot,
        is_moderator=is_moderator(user, moderator_role, permissions),
        # Voter-quality facts: the id is a snowflake holding the account's creation time.
        account_created_at=discord.utils.snowflake_time(user.id),
        joined_at=user.joined_at if isinstance(user, discord.Member) else None,
    )


def actor_for_interaction(interaction: discord.Interaction, moderator_role: str | None) -> Actor:
    # interaction.permissions are the member's resolved permissions as Discord computed them.
    return actor_for(interaction.user, moderator_role, interaction.permissions)
