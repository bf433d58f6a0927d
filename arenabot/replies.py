"""What every user-facing core call returns; the adapter decides how to show it."""

from __future__ import annotations

from dataclasses import dataclass

from arenabot.render import Leaderboard


@dataclass(frozen=True)
class Reply:
    """`text` is generic Markdown. Refusals have ok=False and are usually private (ephemeral/DM).

    `file` is an attachment (name, bytes); `board` lets an adapter draw a chart or table itself.
    `withdraw_battle` is set on a vote's confirmation while that vote can still be withdrawn: the
    adapter may attach the ballot's private Withdraw control for that battle to it.
    `vote_change` marks the confirmation of a changed or withdrawn vote, which an adapter that
    leaves first votes unanswered (a reaction shows itself) still confirms privately.
    """

    text: str
    ok: bool = True
    private: bool = False
    file: tuple[str, bytes] | None = None
    board: Leaderboard | None = None
    withdraw_battle: int | None = None
    vote_change: bool = False


def refuse(text: str) -> Reply:
    return Reply(text, ok=False, private=True)
