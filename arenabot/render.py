"""Every user-facing text the core produces, in generic Markdown (**bold**, `code`, "- " lists).

Adapters convert it to their dialect (Slack mrkdwn) and own length limits. Keeping the wording
here lets Discord, Slack and the console say the same things.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from arenabot.domain import Outcome, Scope, Side
from arenabot.screening import Flag

VOTE_EMOJI: dict[Outcome, str] = {
    Outcome.A: "🅰️",
    Outcome.B: "🅱️",
    Outcome.TIE: "🤝",
    Outcome.BOTH_BAD: "👎",
}
OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.A: "A is better",
    Outcome.B: "B is better",
    Outcome.TIE: "tie",
    Outcome.BOTH_BAD: "both are bad",
}
SIDE_LABELS: dict[Side, str] = {Side.A: "Model A", Side.B: "Model B"}
NEW_ROUND_EMOJI = "🔁"  # on a reaction ballot: start a new round (not a vote); Slack calls it :repeat:
NEW_ROUND_LABEL = "New round"  # the button on a button ballot


@dataclass(frozen=True)
class LeaderboardRow:
    model: str
    rating: float
    ci_lower: float
    ci_upper: float
    rank: int
    battles: int
    win_rate: float  # share of this model's battles it won, ties counting half


@dataclass(frozen=True)
class Leaderboard:
    rows: list[LeaderboardRow]
    title: str  # e.g. "Leaderboard - this server - coding"
    votes: int  # counted votes behind it
    method: str = "Bradley-Terry"
    notes: list[str] = field(default_factory=list)


def battle_title(battle_id: int) -> str:
    return f"Arena battle #{battle_id}"


def _category_text(categories: Sequence[str]) -> str:
    return ", ".join(c.replace("_", " ") for c in categories) or "general"


def header(
    battle_id: int,
    prompt: str,
    categories: Sequence[str],
    window_text: str,
    round_of: int | None = None,
    note: str | None = None,
) -> str:
    """A blind battle's opening message; `note` is an extra line (e.g. a tournament's progress)."""
    shown = prompt if len(prompt) <= 300 else prompt[:297] + "..."
    again = f", a new round of battle #{round_of}" if round_of is not None else ""
    return (
        f"**Arena battle #{battle_id}** ({_category_text(categories)}{again})\n"
        f"> {shown.replace(chr(10), chr(10) + '> ')}\n"
        f"Two anonymous models answer below. Vote after reading both; names are revealed {window_text}."
        + (f"\n{note}" if note else "")
    )


def revealed_header(battle_id: int, prompt: str, categories: Sequence[str], model_a: str, model_b: str) -> str:
    shown = prompt if len(prompt) <= 300 else prompt[:297] + "..."
    return (
        f"**Arena battle #{battle_id}** ({_category_text(categories)}): revealed\n"
        f"> {shown.replace(chr(10), chr(10) + '> ')}\n"
        f"Model A: **{model_a}** · Model B: **{model_b}**"
    )


def named_header(battle_id: int, prompt: str, categories: Sequence[str], model_a: str, model_b: str, window_text: str) -> str:
    shown = prompt if len(prompt) <= 300 else prompt[:297] + "..."
    return (
        f"**Arena battle #{battle_id}** ({_category_text(categories)}): side by side\n"
        f"> {shown.replace(chr(10), chr(10) + '> ')}\n"
        f"Model A: **{model_a}** · Model B: **{model_b}**. Vote after reading both; voting closes {window_text}. "
        "Named battles count on the named leaderboard only."
    )


def new_round_text(new_battle_id: int) -> str:
    return f"**New round:** battle #{new_battle_id} asks two newly drawn anonymous models the same prompt."


def later_turn_failed_text(side: Side, reason: str) -> str:
    return f"**{SIDE_LABELS[side]} could not answer:** {reason}. The battle and its votes are unchanged."


def named_closed_text(counted_votes: int) -> str:
    votes = f"{counted_votes} counted vote{'s' if counted_votes != 1 else ''}"
    return f"**Voting closed:** {votes}, on the named leaderboard."


def ballot_text(turn: int = 1, max_turns: int = 1, mode: str = "reactions") -> str:
    more = ""
    if turn < max_turns:
        more = f"\nThe creator may reply in this thread to continue both conversations (turn {turn} of {max_turns}) until the first vote."
    after = (
        "\nAfter voting you may keep chatting with both models here, or start a new round "
        f"({'the New round button' if mode == 'buttons' else NEW_ROUND_EMOJI + ' reaction'} or `again`): same prompt, two new models."
    )
    if mode == "buttons":
        return f"**Which answer is better?** Vote with a button below; only you see your vote.{more}{after}"
    options = " · ".join(f"{VOTE_EMOJI[o]} {OUTCOME_LABELS[o]}" for o in Outcome)
    return f"**Which answer is better?** React to vote: {options}{more}{after}"


# Button captions of a ballot drawn with buttons, by outcome (None: withdraw).
BUTTON_LABELS: dict[Outcome | None, str] = {
    Outcome.A: "A is better",
    Outcome.B: "B is better",
    Outcome.TIE: "Tie",
    Outcome.BOTH_BAD: "Both are bad",
    None: "Withdraw my vote",
}


def reveal_text(model_a: str, model_b: str, counted_votes: int, leak: bool = False) -> str:
    votes = f"{counted_votes} counted vote{'s' if counted_votes != 1 else ''}"
    note = " (identity leak: not on the anonymous leaderboard)" if leak else ""
    return f"**Revealed:** Model A was **{model_a}**, Model B was **{model_b}**. {votes}{note}."


def voter_reveal_text(battle_id: int, outcome: Outcome, model_a: str, model_b: str) -> str:
    return (
        f"Your vote on battle #{battle_id} ({OUTCOME_LABELS[outcome]}) is counted. "
        f"Model A was **{model_a}**, Model B was **{model_b}**. Please keep it to yourself until the reveal."
    )


def place(scope: Scope) -> str:
    """How a scope is named to its own members."""
    return {"slack": "this workspace", "console": "this console"}.get(scope.platform, "this server")


def side_failed_text(side: Side, reason: str) -> str:
    return (
        f"**{SIDE_LABELS[side]} failed:** {reason}. This battle is void: its votes will not count. "
        "Start a new battle to try again."
    )


def identity_leak_text(where: str) -> str:
    return (
        f"Heads up: the {where} names a model or vendor, so this battle is no longer blind. "
        "You can still vote, but it will not count on the anonymous leaderboard."
    )


def voting_not_opened_text(permission: str, fix: str) -> str:
    options = " ".join(VOTE_EMOJI[o] for o in Outcome)
    return (
        f"I could not add the vote reactions here (missing the **{permission}** permission). "
        f"Vote by adding one yourself: {options}. {fix}"
    )


def thread_leak_text() -> str:
    return (
        "Heads up: a message in this thread named one of these models, so from now on this battle is "
        "no longer blind. Votes cast before it still count; votes from now on do not."
    )


def vote_final_text(battle_id: int, names_seen: bool) -> str:
    why = "you have seen the names" if names_seen else "a message in the thread named a model after you voted"
    return (
        f"Your vote on battle #{battle_id} is final because {why}: your earlier vote still counts, and this "
        "change (or withdrawal) is kept for the record but does not count."
    )


def _format_rating(value: float) -> str:
    return f"{value:.0f}"


def leaderboard_text(board: Leaderboard) -> str:
    if not board.rows:
        return f"**{board.title}**\nNo counted votes yet. Start a battle and vote!"
    header_row = ("Rank", "Model", "Rating", "95% CI", "Battles", "Win rate")
    rows = [
        (
            str(r.rank),
            r.model,
            _format_rating(r.rating),
            f"{r.ci_lower - r.rating:+.0f}/{r.ci_upper - r.rating:+.0f}",
            str(r.battles),
            f"{100 * r.win_rate:.0f}%",
        )
        for r in board.rows
    ]
    widths = [max(len(row[k]) for row in [header_row, *rows]) for k in range(len(header_row))]
    right = {0, 2, 4, 5}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if k in right else c.ljust(w) for k, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    table = [line(header_row), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    footer = f"{board.votes} counted vote{'s' if board.votes != 1 else ''} · {board.method}"
    notes = "".join(f"\n{n}" for n in board.notes)
    return f"**{board.title}**\n```\n" + "\n".join(table) + f"\n```\n{footer}{notes}"


# ----- content moderation ------------------------------------------------------------------------

# Platforms whose Markdown hides ||text|| until a reader clicks it.
SPOILER_PLATFORMS = frozenset({"discord"})
# Platforms that edit a streamed reply in place, so its final text replaces every preview. Elsewhere
# (the console prints as it goes) a reply checked remotely is shown only once it passed.
REPLACING_PLATFORMS = frozenset({"discord", "slack"})
_SPOILER_PIECE = 400  # spoilers are closed on every line and every this many characters


def replaces_previews(platform: str) -> bool:
    return platform in REPLACING_PLATFORMS


def _spoiler_lines(text: str) -> list[str]:
    """Each line (cut into pieces) in its own ||...||, so no message split can leave a spoiler
    open; backticks and bars escaped, since a code block inside a spoiler is not hidden."""
    escaped = text.replace("\\", "\\\\").replace("`", "\\`").replace("|", "\\|")
    lines: list[str] = []
    for line in escaped.split("\n"):
        while len(line) > _SPOILER_PIECE:
            cut = line.rfind(" ", _SPOILER_PIECE // 2, _SPOILER_PIECE)
            cut = cut + 1 if cut > 0 else _SPOILER_PIECE
            if (len(line[:cut]) - len(line[:cut].rstrip("\\"))) % 2:  # never split an escape from what it escapes
                cut -= 1
            lines.append(f"||{line[:cut]}||")
            line = line[cut:]
        lines.append(f"||{line}||" if line.strip() else "")
    return lines


def hidden_reply(platform: str, text: str, flag: Flag) -> str:
    """A flagged reply as this platform can hide it: behind spoilers where they exist, else a
    notice in place of the text (it stays stored for moderators)."""
    notice = f"_(hidden by content moderation: {flag.why})_"
    if platform in SPOILER_PLATFORMS:
        return notice + " Click to reveal at your own risk.\n" + "\n".join(_spoiler_lines(text))
    return notice


def reply_flagged_text(side: Side, flag: Flag) -> str:
    return (
        f"**{SIDE_LABELS[side]}'s reply was flagged by content moderation** ({flag.why}) and is hidden. "
        "This battle is void: its votes will not count. Start a new battle to try again."
    )


def later_reply_flagged_text(side: Side, flag: Flag) -> str:
    return f"**{SIDE_LABELS[side]}'s reply was flagged by content moderation** ({flag.why}) and is hidden. Votes are unchanged."


def prompt_flagged_text(flag: Flag, follow_up: bool) -> str:
    what = "That message was not sent to the models" if follow_up else "That prompt cannot start a battle here"
    return f"Sorry: {what}, because content moderation flagged it ({flag.why}). Please rephrase it and try again."
