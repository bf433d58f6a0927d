"""The ballot as a platform-neutral value, and the control ids that carry a vote on buttons.

The core says what is on offer (the battle, its outcomes in order, a withdraw control, the text,
reactions or buttons); each adapter draws it its own way. Button ids name the battle and the
choice, e.g. "arena:vote:42:tie", so a click is understood without looking up the message it is
on, also by a process started after the ballot was posted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from arenabot.domain import Outcome

BallotMode = Literal["reactions", "buttons"]

VOTE_ORDER: tuple[Outcome, ...] = (Outcome.A, Outcome.B, Outcome.TIE, Outcome.BOTH_BAD)
WITHDRAW = "withdraw"
_CONTROL_PREFIX = "arena:vote:"
CONTROL_ID_PATTERN = re.compile(r"^arena:vote:(?P<battle>\d{1,18}):(?P<choice>[a-z_]{1,16})$")
# The "new round" control: not a vote, so an id of its own that no vote pattern matches.
NEW_ROUND_ID_PATTERN = re.compile(r"^arena:again:(?P<battle>\d{1,18})$")


@dataclass(frozen=True)
class BallotChoice:
    control_id: str
    outcome: Outcome | None  # None: withdraw the voter's current vote


@dataclass(frozen=True)
class Ballot:
    battle_id: int
    text: str
    mode: BallotMode = "reactions"
    outcomes: tuple[Outcome, ...] = VOTE_ORDER
    withdraw: bool = True  # offer a withdraw control (reactions withdraw by removing the reaction)
    new_round: bool = True  # offer the "new round" control (same prompt, two newly drawn models)

    def new_round_control_id(self) -> str:
        return f"arena:again:{self.battle_id}"

    def choices(self) -> list[BallotChoice]:
        """The controls in display order: the outcomes, then withdraw."""
        shown = [BallotChoice(control_id(self.battle_id, o), o) for o in self.outcomes]
        if self.withdraw:
            shown.append(BallotChoice(control_id(self.battle_id, None), None))
        return shown


def control_id(battle_id: int, outcome: Outcome | None) -> str:
    return f"{_CONTROL_PREFIX}{battle_id}:{outcome.value if outcome is not None else WITHDRAW}"


def parse_new_round_id(value: str) -> int | None:
    """The battle a "new round" control belongs to; None when it is not one."""
    match = NEW_ROUND_ID_PATTERN.match(value)
    return int(match["battle"]) if match else None


def parse_control_id(value: str) -> tuple[int, Outcome | None] | None:
    """(battle id, outcome or None for withdraw) of a control id; None when it is not one of ours."""
    match = CONTROL_ID_PATTERN.match(value)
    if match is None:
        return None
    choice = match["choice"]
    if choice == WITHDRAW:
        return int(match["battle"]), None
    try:
        return int(match["battle"]), Outcome(choice)
    except ValueError:
        return None
