"""Ballot buttons: A, B, Tie, Both bad and Withdraw as message components.

Each button's custom id names its battle and choice ("arena:vote:42:tie"). `VoteButton` is a
discord.py `DynamicItem` registered once at start-up (`add_dynamic_items`), so a click is
understood by its id alone: a ballot posted before a restart, or by another process, still
votes. Each click is acknowledged at once (an ephemeral "thinking" answer, well inside Discord's
3 seconds), voted with the interaction id as the event id, and answered with the core's private
reply. A replayed interaction cannot be acknowledged twice and the core drops its event id.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from arenabot.ballot import (
    CONTROL_ID_PATTERN,
    NEW_ROUND_ID_PATTERN,
    Ballot,
    control_id,
    parse_control_id,
    parse_new_round_id,
)
from arenabot.domain import Outcome
from arenabot.render import BUTTON_LABELS, NEW_ROUND_EMOJI, NEW_ROUND_LABEL, VOTE_EMOJI

from .actors import actor_for
from .responses import respond

if TYPE_CHECKING:
    from .client import ArenaClient

log = logging.getLogger(__name__)

_STYLES: dict[Outcome | None, discord.ButtonStyle] = {
    Outcome.A: discord.ButtonStyle.primary,
    Outcome.B: discord.ButtonStyle.primary,
    Outcome.TIE: discord.ButtonStyle.secondary,
    Outcome.BOTH_BAD: discord.ButtonStyle.secondary,
    None: discord.ButtonStyle.secondary,
}


def _button(custom_id: str, outcome: Outcome | None) -> discord.ui.Button[Any]:
    emoji = VOTE_EMOJI.get(outcome) if outcome is not None else None
    return discord.ui.Button(label=BUTTON_LABELS[outcome], style=_STYLES[outcome], custom_id=custom_id, emoji=emoji)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CONTROL_ID_PATTERN.pattern):
    def __init__(self, custom_id: str) -> None:
        parsed = parse_control_id(custom_id)
        if parsed is None:
            raise ValueError(f"not a ballot control id: {custom_id!r}")
        self.battle_id, self.outcome = parsed
        super().__init__(_button(custom_id, self.outcome))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any) -> VoteButton:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction) -> None:
        client: ArenaClient = interaction.client  # type: ignore[assignment]
        await vote_by_button(client, interaction, self.battle_id, self.outcome)


class NewRoundButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=NEW_ROUND_ID_PATTERN.pattern):
    """Starts a new round of its battle (same prompt, two newly drawn models); not a vote."""

    def __init__(self, custom_id: str) -> None:
        battle_id = parse_new_round_id(custom_id)
        if battle_id is None:
            raise ValueError(f"not a new-round control id: {custom_id!r}")
        self.battle_id = battle_id
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=NEW_ROUND_LABEL, style=discord.ButtonStyle.success, custom_id=custom_id, emoji=NEW_ROUND_EMOJI, row=1
        )
        super().__init__(button)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any) -> NewRoundButton:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction) -> None:
        client: ArenaClient = interaction.client  # type: ignore[assignment]
        if interaction.guild_id is None:
            return
        if not await _acknowledge(interaction):
            return  # a replay: the first delivery started (or was refused) the round
        actor = actor_for(interaction.user, client.settings.discord.moderator_role)
        reply = await client.service.new_round(client.platform, self.battle_id, actor, interaction_event_id(interaction))
        if reply is not None:
            await respond(interaction, reply, public=False)


async def _acknowledge(interaction: discord.Interaction) -> bool:
    try:
        await interaction.response.defer(ephemeral=True, thinking=True)
        return True
    except discord.HTTPException as exc:  # already acknowledged (a replay) or expired
        log.info("could not acknowledge button interaction %s: %s", interaction.id, exc.status)
        return False


def ballot_view(ballot: Ballot) -> discord.ui.View:
    """The ballot's vote buttons in one row (five at most, Discord's row limit), the new-round
    button in the next."""
    view = discord.ui.View(timeout=None)
    for choice in ballot.choices():
        view.add_item(VoteButton(choice.control_id))
    if ballot.new_round:
        view.add_item(NewRoundButton(ballot.new_round_control_id()))
    return view


def withdraw_view(battle_id: int) -> discord.ui.View:
    """The Withdraw button alone, for a vote's private confirmation (a secret reaction ballot)."""
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton(control_id(battle_id, None)))
    return view


def interaction_event_id(interaction: discord.Interaction) -> str:
    # Discord gives every interaction its own id; a replay of the same dispatch carries it again.
    return f"discord:interaction:{interaction.id}"


async def vote_by_button(client: ArenaClient, interaction: discord.Interaction, battle_id: int, outcome: Outcome | None) -> None:
    if interaction.guild_id is None and outcome is not None:
        return  # in a DM only the confirmation's Withdraw control exists; votes are cast on the ballot
    try:
        await interaction.response.defer(ephemeral=True, thinking=True)
        acknowledged = True
    except discord.HTTPException as exc:  # already acknowledged (a replay) or expired: still idempotent
        log.info("could not acknowledge button interaction %s: %s", interaction.id, exc.status)
        acknowledged = False
    actor = actor_for(interaction.user, client.settings.discord.moderator_role)
    reply = await client.service.vote_on_battle(client.platform, battle_id, actor, outcome, interaction_event_id(interaction))
    if not acknowledged:
        return
    if reply is None:  # nothing to say (a replayed event): take the "thinking" note away
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.debug("could not delete the placeholder", exc_info=True)
        return
    await respond(interaction, reply, public=False)
