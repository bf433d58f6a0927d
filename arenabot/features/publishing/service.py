"""Published boards: scheduled posts of a scope's board with rank movement, the snapshot each
post stores, and old boards and rating histories read back from those snapshots.

Boards come from `Boards.leaderboard`, so a snapshot holds revealed battles only, like every
board (an open battle's votes never reach it).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import datetime

from arenabot import chart, render
from arenabot.categories import TOPIC_CATEGORIES, normalise_category
from arenabot.channelrefs import channel_id
from arenabot.domain import Scope
from arenabot.features.boards import Boards
from arenabot.features.publishing import movement
from arenabot.features.publishing.page import PageBoard, PageRow
from arenabot.features.publishing.timing import EVERY, add_interval, next_due, parse_moment, when_text
from arenabot.features.shared import ArenaState
from arenabot.ports import ChatPlatform
from arenabot.replies import Reply, refuse
from arenabot.scheduling import PeriodicJob
from arenabot.storage import BOARD_MODES
from arenabot.storage import publications as store
from arenabot.storage.publications import Schedule, Snapshot, SnapshotRow

log = logging.getLogger(__name__)

CHECK_SECONDS = 60.0  # how often each platform's due publications are looked for (one process per tick)
ALL_MODELS = 10_000  # a snapshot keeps every model, not the chat board's top 20
CHART_NAME = "leaderboard.png"


def _category(text: str | None) -> str:
    return normalise_category(text) if text else ""


def _board_name(category: str, mode: str) -> str:
    return (category.replace("_", " ") if category else "overall") + (" (named battles)" if mode == "named" else "")


class Publishing:
    def __init__(self, state: ArenaState, boards: Boards):
        self.state = state
        self.boards = boards
        self._file_synced = False

    # ----- schedules -------------------------------------------------------------------------

    async def schedule(
        self, scope: Scope, platform: ChatPlatform, channel: str, every: str, category: str | None = None, mode: str = "anonymous"
    ) -> Reply:
        if every not in EVERY:
            return refuse(f"Publish every `{every}`? Use day, week or month (or `off`, `now`).")
        try:
            target, cat = channel_id(channel), _category(category)
        except ValueError as exc:
            return refuse(str(exc).capitalize() + ".")
        if mode not in BOARD_MODES:
            return refuse(f"Unknown leaderboard mode `{mode}`: use {' or '.join(BOARD_MODES)}.")
        now = self.state.now()
        # Due at once: the first post shows the schedule works and is the baseline for movement.
        schedule = Schedule(scope.key, cat, mode, platform.name, target, every, now, None, "chat")
        await self.state.store.run_write(store.upsert_schedule, schedule, now, False)
        return Reply(
            f"The {_board_name(cat, mode)} board will be posted in <#{target}> every {every}, starting now "
            f"(next after that: {when_text(add_interval(now, every))}). Stop with `publish off`."
        )

    async def stop(self, scope: Scope, category: str | None = None) -> Reply:
        try:
            cat = _category(category) if category else None
        except ValueError as exc:
            return refuse(str(exc).capitalize() + ".")
        removed = await self.state.store.run_write(store.delete_schedules, scope.key, cat)
        if not removed:
            return refuse("No board publication is scheduled here" + (f" for {_board_name(cat, 'anonymous')}." if cat else "."))
        return Reply(f"Stopped {removed} scheduled publication{'s' if removed != 1 else ''}. Snapshots already taken are kept.")

    async def publish_now(
        self, scope: Scope, platform: ChatPlatform, channel_ref: str, category: str | None = None, mode: str = "anonymous"
    ) -> Reply:
        """Post the board now (in the scheduled channel when there is a schedule, else here) and store its snapshot."""
        try:
            cat = _category(category)
        except ValueError as exc:
            return refuse(str(exc).capitalize() + ".")
        if mode not in BOARD_MODES:
            return refuse(f"Unknown leaderboard mode `{mode}`: use {' or '.join(BOARD_MODES)}.")
        now = self.state.now()
        title, rows = await self._current(scope, cat, mode)
        previous = await self.state.store.run_write(store.publish_unscheduled, scope.key, cat, mode, now, rows)
        post = await self._post_reply(title, now, rows, previous)
        scheduled = [
            s for s in await self.state.store.run_read(store.schedules, scope.key) if (s.category, s.mode) == (cat, mode)
        ]
        if not scheduled or scheduled[0].platform != platform.name:
            return Reply(post.text, file=post.file)  # no schedule: the board is the answer, here
        await platform.post_reply(scheduled[0].channel_ref, post)
        return Reply(f"Published the {_board_name(cat, mode)} board in <#{scheduled[0].channel_ref}>.")

    async def status(self, scope: Scope) -> Reply:
        found = await self.state.store.run_read(store.schedules, scope.key)
        if not found:
            return Reply("No board publication is scheduled here. Moderators: `publish week #channel [category]`.")
        lines = ["**Scheduled board publications**"]
        for s in found:
            last = f", last {when_text(s.last_published_at)}" if s.last_published_at else ""
            lines.append(
                f"- {_board_name(s.category, s.mode)}: every {s.every} in <#{s.channel_ref}>, next {when_text(s.next_due_at)}{last}"
                + (" (from the config file)" if s.source == "file" else "")
            )
        return Reply("\n".join(lines))

    async def sync_file_schedules(self) -> None:
        """Make the file's [[publish]] entries the stored schedules from the file; a restart keeps
        each one's stored due time, so it neither repeats nor skips a publication."""
        now = self.state.now()
        configured = self.state.settings.publish
        existing = {(s.scope_key, s.category, s.mode): s for s in await self.state.store.run_read(store.schedules, None)}
        wanted = set()
        for entry in configured:
            key = (entry.scope, entry.category or "", entry.mode)
            wanted.add(key)
            schedule = Schedule(*key, Scope.parse(entry.scope).platform, entry.channel, entry.every, now, None, "file")
            await self.state.store.run_write(store.upsert_schedule, schedule, now, key in existing)
        for key, schedule in existing.items():
            if schedule.source == "file" and key not in wanted:  # removed from the file
                await self.state.store.run_write(store.delete_schedules, key[0], key[1])
        self._file_synced = True

    # ----- the periodic job ------------------------------------------------------------------

    def periodic_jobs(self) -> list[PeriodicJob]:
        """One check per attached platform (its schedules are posted through it)."""
        return [
            PeriodicJob(f"publish:{name}", CHECK_SECONDS, functools.partial(self.publish_due, platform))
            for name, platform in sorted(self.state.platforms.items())
        ]

    async def publish_due(self, platform: ChatPlatform) -> int:
        """Post every due board of this platform; returns how many this process posted."""
        if not self._file_synced:
            await self.sync_file_schedules()
        now = self.state.now()
        posted = 0
        for schedule in await self.state.store.run_read(store.due_schedules, platform.name, now):
            try:
                posted += await self._publish(platform, schedule, now)
            except Exception:  # one failing board (a deleted channel) must not stop the others
                log.exception(
                    "publishing %s's %s board failed", schedule.scope_key, _board_name(schedule.category, schedule.mode)
                )
        return posted

    async def _publish(self, platform: ChatPlatform, schedule: Schedule, now: datetime) -> int:
        title, rows = await self._current(Scope.parse(schedule.scope_key), schedule.category, schedule.mode)
        won, previous = await self.state.store.run_write(
            store.publish, schedule, next_due(schedule.next_due_at, schedule.every, now), now, rows
        )
        if not won:
            return 0  # another process claimed it first
        await platform.post_reply(schedule.channel_ref, await self._post_reply(title, now, rows, previous))
        return 1

    async def _current(self, scope: Scope, category: str, mode: str) -> tuple[str, list[SnapshotRow]]:
        reply = await self.boards.leaderboard(scope, category=category or None, top=ALL_MODELS, mode=mode)
        board = reply.board
        if board is None:
            raise ValueError(reply.text)
        rows = [SnapshotRow(r.model, r.rank, r.rating, r.ci_lower, r.ci_upper, r.battles) for r in board.rows]
        return board.title, rows

    async def _post_reply(self, title: str, taken_at: datetime, rows: list[SnapshotRow], previous: Snapshot | None) -> Reply:
        text = movement.board_text(title, taken_at, rows, previous)
        png = await asyncio.to_thread(chart.leaderboard_png, rows, title) if rows else None
        return Reply(text, file=(CHART_NAME, png) if png else None)

    # ----- reading snapshots back --------------------------------------------------------------

    async def snapshot_as_of(
        self, scope_key: str, category: str, mode: str, at: datetime
    ) -> tuple[Snapshot, Snapshot | None] | None:
        """The latest snapshot at or before `at`, and the one before it (for movement)."""
        found = await self.state.store.run_read(store.snapshot_at, scope_key, category, mode, at)
        if found is None:
            return None
        previous = await self.state.store.run_read(store.snapshot_at, scope_key, category, mode, found.taken_at, True)
        return found, previous

    async def board_as_of(
        self, scope: Scope, as_of: str, category: str | None = None, global_: bool = False, mode: str = "anonymous"
    ) -> Reply:
        if global_:
            return refuse("Published boards are kept per server or workspace: leave out `global` with `as_of`.")
        try:
            at, cat = parse_moment(as_of), _category(category)
        except ValueError as exc:
            return refuse(str(exc).capitalize() + ".")
        found = await self.snapshot_as_of(scope.key, cat, mode, at)
        if found is None:
            return refuse(
                f"No {_board_name(cat, mode)} board was published here on or before {as_of}. "
                "Boards are kept from their first publication on (`publish`)."
            )
        snapshot, previous = found
        title = f"Leaderboard - {render.place(scope)}" + (f" - {cat.replace('_', ' ')}" if cat else "")
        title += " - named battles" if mode == "named" else ""
        return await self._post_reply(title, snapshot.taken_at, snapshot.rows, previous)

    async def history(
        self, scope_key: str, model: str, category: str = "", mode: str = "anonymous"
    ) -> list[tuple[datetime, SnapshotRow]]:
        return await self.state.store.run_read(store.history, scope_key, category, mode, model)

    async def history_reply(self, scope: Scope, model: str, category: str | None = None, mode: str = "anonymous") -> Reply:
        try:
            cat = _category(category)
        except ValueError as exc:
            return refuse(str(exc).capitalize() + ".")
        points = await self.history(scope.key, model, cat, mode)
        if not points:
            return refuse(
                f"`{model}` is on no {_board_name(cat, mode)} board published here yet (names are exact, e.g. from `leaderboard`)."
            )
        lines = [
            f"**{model}**: rating over {len(points)} published board{'s' if len(points) != 1 else ''} ({_board_name(cat, mode)})"
        ]
        lines += [
            f"- {when_text(at)}: rank {row.rank}, {row.rating:.0f} ({row.ci_lower:.0f} to {row.ci_upper:.0f}), {row.battles} battles"
            for at, row in points[-12:]
        ]
        png = await asyncio.to_thread(chart.history_png, points, model)
        return Reply("\n".join(lines), file=(f"history-{_safe(model)}.png", png) if png else None)

    # ----- the web page ------------------------------------------------------------------------

    async def page_boards(self, scope_key: str | None) -> list[PageBoard]:
        """Every board of a scope (None: all scopes together) that has votes, overall first: the
        live board (revealed battles only, like every board), its movement since the last
        publication and each model's rating at the published boards."""
        scope = Scope.parse(scope_key) if scope_key else Scope("web", "all")
        found: list[PageBoard] = []
        for mode in BOARD_MODES:
            for category in ("", *TOPIC_CATEGORIES):
                reply = await self.boards.leaderboard(
                    scope, category=category or None, global_=scope_key is None, top=ALL_MODELS, mode=mode
                )
                board = reply.board
                if board is None or (not board.rows and (category or mode != "anonymous")):
                    continue
                rows = [SnapshotRow(r.model, r.rank, r.rating, r.ci_lower, r.ci_upper, r.battles) for r in board.rows]
                last = None
                if scope_key:
                    last = await self.state.store.run_read(store.snapshot_at, scope_key, category, mode, self.state.now())
                moves = movement.moves(rows, last) if last else [""] * len(rows)
                history = await self._histories(scope_key, category, mode) if last else {}
                label = (category.replace("_", " ").capitalize() if category else "Overall") + (
                    " (named)" if mode == "named" else ""
                )
                page_rows = [
                    PageRow(r.rank, move, r.model, r.rating, r.ci_lower, r.ci_upper, r.battles, history.get(r.model, []))
                    for r, move in zip(rows, moves, strict=True)
                ]
                found.append(
                    PageBoard(
                        f"{category or 'overall'}-{mode}",
                        label,
                        page_rows,
                        board.votes,
                        board.method,
                        last.taken_at if last else None,
                    )
                )
        return found

    async def _histories(self, scope_key: str | None, category: str, mode: str) -> dict[str, list[float]]:
        if not scope_key:
            return {}
        histories: dict[str, list[float]] = {}
        for taken_at in await self.state.store.run_read(store.snapshot_times, scope_key, category, mode):
            snapshot = await self.state.store.run_read(store.snapshot_at, scope_key, category, mode, taken_at)
            for row in snapshot.rows if snapshot else []:
                histories.setdefault(row.model, []).append(row.rating)
        return histories

    async def published_scopes(self) -> list[str]:
        """Scopes whose moderators publish their boards (a schedule or a snapshot): the web page's."""
        scheduled = {s.scope_key for s in await self.state.store.run_read(store.schedules, None)}
        return sorted(scheduled | set(await self.state.store.run_read(store.snapshot_scopes)))


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:60]
