"""Ballot buttons on Slack: a Block Kit actions block under the ballot text.

Each button's action id names its battle and choice ("arena:vote:42:tie"), so one listener
matching that pattern handles every ballot, including ballots posted before a restart.
"""

from __future__ import annotations

from typing import Any

from arenabot.ballot import WITHDRAW, Ballot
from arenabot.domain import Outcome
from arenabot.render import BUTTON_LABELS, NEW_ROUND_LABEL

_PRIMARY = (Outcome.A, Outcome.B)


def ballot_actions(ballot: Ballot) -> dict[str, Any]:
    """The actions block with one button per choice (A, B, Tie, Both bad, Withdraw)."""
    elements: list[dict[str, Any]] = []
    for choice in ballot.choices():
        button: dict[str, Any] = {
            "type": "button",
            "action_id": choice.control_id,
            "text": {"type": "plain_text", "text": BUTTON_LABELS[choice.outcome]},
            "value": choice.outcome.value if choice.outcome is not None else WITHDRAW,
        }
        if choice.outcome in _PRIMARY:
            button["style"] = "primary"
        elements.append(button)
    if ballot.new_round:  # not a vote: its own action id, handled by its own listener
        elements.append(
            {
                "type": "button",
                "action_id": ballot.new_round_control_id(),
                "text": {"type": "plain_text", "text": NEW_ROUND_LABEL},
                "value": "again",
            }
        )
    return {"type": "actions", "block_id": f"arena:ballot:{ballot.battle_id}", "elements": elements}


def action_event_id(body: dict[str, Any], action: dict[str, Any]) -> str:
    """One click's id: its message, its user and Slack's action timestamp. A redelivered payload
    carries the same three, a new click a new action_ts."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts", "")
    user = (body.get("user") or {}).get("id", "")
    return f"slack:action:{channel}/{message_ts}:{user}:{action.get('action_ts') or body.get('trigger_id', '')}"
