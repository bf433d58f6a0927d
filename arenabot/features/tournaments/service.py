"""Tournaments: for a while, a scope's (or one channel's) blind battles are drawn only among a
moderator's chosen entrants, paired by the active sampler to separate them with the fewest votes.

Standings count revealed battles only, like every board: a battle header's progress line and
`tournament status` never show what an open battle's votes are. A tournament ends when its
revealed votes reach the target or its end time passes (a periodic job, once across processes)
or when a moderator stops it; the result (standings, podium and chart) is posted where it was started.
Its battles are ordinary battles, so their votes also count on the normal boards.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import re
from collections import Counter
from datetime import datetime, time, timedelta, timezone

from arenabot import chart, render
from arenabot.categories import normalise_category
from arenabot.domain import Actor, Scope
from arenabot.features.battles import Draw
from arenabot.features.shared import ArenaState
from arenabot.features.voters import battle_pattern
from arenabot.ports import ChatPlatform
from arenabot.replies import Reply, refuse
from arenabot.scheduling import PeriodicJob
from arenabot.storage import PatternCount
from arenabot.storage import tournaments as sql
from arenabot.storage.tournaments import TournamentRecord, TournamentRunning

log = logging.getLogger(__name__)

MEDALS = ("🥇", "🥈", "🥉")
_DURATION = re.compile(r"^(\d+)\s*([dhw])$")


def parse_end(text: str, now: datetime) -> datetime:
    """`ends`: a duration ("3d", "12h", "2w"), a date (the end of that day, UTC) or an ISO time."""
    text = text.strip()
    duration = _DURATION.match(text.lower())
    if duration:
        amount, unit = int(duration.group(1)), duration.group(2)
        return now + timedelta(**{{"d": "days", "h": "hours", "w": "weeks"}[unit]: amount})
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"`{text}` is not a date: write e.g. `2026-12-24`, `2026-12-24T18:00` or `7d`") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if len(text) == 10:  # a bare date: the tournament runs through that whole day
        when = datetime.combine(when.date(), time.max, tzinfo=timezone.utc)
    if when <= now:
        raise ValueError(f"`{text}` has already passed: pick a later end")
    return when


def parse_models(text: str) -> list[str]:
    return [name for name in re.split(r"[,\s]+", text.strip()) if name]


class Tournaments:
    def __init__(self, state: ArenaState):
        self.state = state

    # ----- the draw rule the battles feature asks before sampling ------------------------------

    async def draw(self, scope_key: str, channel_ref: str) -> Draw | None:
        tournament = await self.state.store.run_read(sql.running, scope_key)
        if tournament is None or (tournament.only_channel and channel_ref != tournament.channel_ref):
            return None
        board, votes = await self._standings(tournament)
        return Draw(
            models=frozenset(tournament.models),
            board=board,
            category=tournament.category,
            note=f"🏆 Tournament **{tournament.name}**: {votes}/{tournament.target_votes} votes so far (revealed battles).",
            enter=functools.partial(self.state.store.run_write, sql.enter, tournament.id),
        )

    async def _standings(self, tournament: TournamentRecord, top: int = 50) -> tuple[render.Leaderboard, int]:
        """The tournament's board from its revealed battles (clustered by battle), and its votes."""
        per_battle: dict[int, list[tuple]] = {}
        for vote in await self.state.store.run_read(sql.revealed_votes, tournament.id):
            per_battle.setdefault(vote[0], []).append(vote)
        patterns = Counter(battle_pattern(votes) for votes in per_battle.values())
        counts = [PatternCount(*key, n) for key, n in sorted(patterns.items())]
        board = self.state.leaderboards.board(counts, title=f"Tournament {tournament.name}", top=top)
        return board, board.votes

    # ----- commands ----------------------------------------------------------------------------

    async def start(
        self,
        platform: ChatPlatform,
        scope: Scope,
        channel_ref: str,
        actor: Actor,
        name: str,
        models: str,
        votes: int = 200,
        category: str | None = None,
        ends: str | None = None,
        where: str = "server",
    ) -> Reply:
        if not actor.is_moderator:
            return refuse("Only moderators can start a tournament.")
        name = name.strip()
        if not name or len(name) > 100:
            return refuse("Give the tournament a name of 1 to 100 characters.")
        registry, _ = await self.state.registry()
        enabled = {m.name.lower(): m.name for m in registry if m.enabled}
        wanted = parse_models(models)
        unknown = [typed for typed in wanted if typed.lower() not in enabled]
        if unknown:
            listed = ", ".join(f"`{n}`" for n in sorted(enabled.values())) or "none"
            return refuse(f"No enabled model called {', '.join(f'`{u}`' for u in unknown)}. Enabled models: {listed}.")
        entrants = sorted({enabled[typed.lower()] for typed in wanted})
        if len(entrants) < 2:
            return refuse("A tournament needs at least two different models, e.g. `models: model-a, model-b`.")
        try:
            named = normalise_category(category) if category else None
            ends_at = parse_end(ends, self.state.now()) if ends else None
        except ValueError as exc:
            return refuse(str(exc).capitalize() + ".")
        values = dict(
            scope_key=scope.key,
            platform=platform.name,
            channel_ref=channel_ref,
            only_channel=where == "channel",
            name=name,
            models=entrants,
            target_votes=votes,
            category=named,
            created_by=actor.user_ref,
            started_at=self.state.now(),
            ends_at=ends_at,
        )
        try:
            tournament = await self.state.store.run_write(sql.start, values)
        except TournamentRunning:
            running = await self.state.store.run_read(sql.running, scope.key)
            what = f"`{running.name}`" if running else "one"
            return refuse(f"Tournament {what} is already running here; stop it first with `tournament stop`.")
        place = "this channel" if tournament.only_channel else render.place(scope)
        until = f" or until {tournament.ends_at:%Y-%m-%d %H:%M} UTC" if tournament.ends_at else ""
        return Reply(
            f"🏆 Tournament **{tournament.name}** has started: new battles in {place} are drawn among "
            f"{', '.join(f'**{m}**' for m in entrants)} until {votes} votes are counted{until}. "
            "Start one with `battle <prompt>`; `tournament status` shows the standings."
        )

    async def status(self, scope: Scope) -> Reply:
        tournament = await self.state.store.run_read(sql.running, scope.key)
        if tournament is None:
            tournament = await self.state.store.run_read(sql.latest, scope.key)
            if tournament is None:
                return refuse("No tournament has run here yet. A moderator starts one with `tournament start`.")
        board, votes = await self._standings(tournament)
        state = "running" if tournament.running else f"{tournament.status} {tournament.ended_at:%Y-%m-%d}"
        notes = [f"{votes}/{tournament.target_votes} votes from revealed battles ({state})"]
        unrated = [m for m in tournament.models if m not in {r.model for r in board.rows}]
        if unrated:
            notes.append("No revealed votes yet: " + ", ".join(unrated))
        if tournament.running:
            notes.append(self._still_needed(board))
        # Notes travel with the board, so a platform that shows it as an embed shows them too.
        board = dataclasses.replace(board, notes=[*board.notes, *notes])
        return Reply(f"🏆 {render.leaderboard_text(board)}", board=board)

    @staticmethod
    def _still_needed(board: render.Leaderboard) -> str:
        """Neighbours in the standings whose intervals still overlap: the pairs votes must separate."""
        rows = sorted(board.rows, key=lambda r: -r.rating)
        open_pairs = [
            f"{upper.model} / {lower.model}"
            for upper, lower in zip(rows, rows[1:], strict=False)
            if lower.ci_upper >= upper.ci_lower
        ]
        if not rows:
            return "Every pair still needs votes"
        if not open_pairs:
            return "Every neighbour in the standings is already separated"
        return "Still to separate: " + "; ".join(open_pairs)

    async def stop(self, platform: ChatPlatform, scope: Scope, actor: Actor) -> Reply:
        if not actor.is_moderator:
            return refuse("Only moderators can stop a tournament.")
        tournament = await self.state.store.run_read(sql.running, scope.key)
        if tournament is None:
            return refuse("No tournament is running here.")
        posted = await self._end(
            self.state.platforms.get(tournament.platform) or platform, tournament, sql.STOPPED, "stopped by a moderator"
        )
        if not posted:
            return refuse(f"Tournament `{tournament.name}` has just ended.")
        return Reply(f"Tournament **{tournament.name}** stopped; its final standings are posted.", private=True)

    # ----- ending ------------------------------------------------------------------------------

    async def finish_due(self, platform: ChatPlatform) -> int:
        """End this platform's tournaments that reached their votes or their end time."""
        ended = 0
        now = self.state.now()
        for tournament in await self.state.store.run_read(sql.all_running, platform.name):
            if tournament.ends_at is not None and now >= tournament.ends_at:
                reason = "its time is up"
            elif await self.state.store.run_read(sql.revealed_vote_count, tournament.id) >= tournament.target_votes:
                reason = f"{tournament.target_votes} votes reached"
            else:
                continue
            if await self._end(platform, tournament, sql.FINISHED, reason):
                ended += 1
        return ended

    async def _end(self, platform: ChatPlatform, tournament: TournamentRecord, status: str, reason: str) -> bool:
        if not await self.state.store.run_write(sql.end, tournament.id, status, self.state.now(), reason):
            return False  # another process (or command) ended it first
        board, _ = await self._standings(tournament)
        # The chart is drawn off the event loop (matplotlib is slow); without matplotlib, text only.
        png = await asyncio.to_thread(chart.leaderboard_png, board.rows, board.title) if board.rows else None
        result = Reply(results_text(tournament, board, reason), file=("tournament.png", png) if png else None)
        try:
            await platform.post_reply(tournament.channel_ref, result)
        except Exception:
            log.warning("could not post the result of tournament %s", tournament.id, exc_info=True)
        return True

    def periodic_jobs(self) -> list[PeriodicJob]:
        interval = self.state.settings.arena.sweep_interval_seconds
        return [
            PeriodicJob(f"tournaments:{name}", interval, functools.partial(self.finish_due, platform))
            for name, platform in sorted(self.state.platforms.items())
        ]


def results_text(tournament: TournamentRecord, board: render.Leaderboard, reason: str) -> str:
    counted = f"{board.votes} counted vote{'' if board.votes == 1 else 's'}"
    lines = [f"🏁 Tournament **{tournament.name}** is over ({reason}): {counted}."]
    podium = [f"{MEDALS[row.rank - 1]} **{row.model}** ({row.rating:.0f})" for row in board.rows if row.rank <= len(MEDALS)]
    if podium:
        lines.append("  ".join(podium))
    else:
        lines.append("No battle of it was revealed with a counted vote, so there is no podium.")
    lines.append(render.leaderboard_text(board))
    return "\n".join(lines)
