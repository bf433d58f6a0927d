"""The voting feature's command and per-scope settings. Votes arrive on the ballot (reactions or
buttons); `unvote` withdraws one where the ballot cannot (a secret ballot shows no reaction of
the voter's own to remove)."""

from __future__ import annotations

from arenabot.chatcommands.spec import Command, CommandContext, Param, ScopeSetting
from arenabot.replies import Reply


async def _unvote(ctx: CommandContext, battle: str | None = None) -> Reply:
    return await ctx.service.voting.unvote_command(ctx.platform, ctx.scope, ctx.actor, battle, ctx.thread_ref)


COMMANDS: tuple[Command, ...] = (
    Command(
        ("unvote",),
        "Withdraw your vote on a battle (run it in the battle's thread, or name the battle)",
        _unvote,
        params=(Param("battle", "Battle number like 42; leave empty inside the battle's thread", kind="battle", required=False),),
        details="a vote is final once you have been told the names; a withdrawal then does not count",
    ),
)

SETTINGS = (ScopeSetting("reveal_to_voter"), ScopeSetting("close_after_votes"), ScopeSetting("ballot"))
