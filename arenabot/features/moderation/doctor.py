"""`/arena doctor`: what stands between this server or workspace and working battles, and the fix.

Checks the bot's permissions or scopes in the channel (the adapter's `check_access`, plus what
the platform refused since start-up), the database, each enabled model (a one-token request that
does not touch its cool-down), and the ballot mode."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from arenabot.checkup import Finding, check_models
from arenabot.domain import Actor, Scope
from arenabot.features.moderation.service import NOT_MODERATOR
from arenabot.features.shared import ArenaState
from arenabot.ports import ChatPlatform
from arenabot.replies import Reply, refuse

log = logging.getLogger(__name__)

BALLOT_NEEDS = {
    # ballot mode -> words in a platform problem that break it
    "reactions": ("Add Reactions", "reactions:"),
    "buttons": (),
}


async def _platform_findings(state: ArenaState, platform: ChatPlatform, scope: Scope, channel_ref: str) -> list[Finding]:
    try:
        problems = list(await platform.check_access(channel_ref))
    except Exception as exc:
        problems = [f"could not check the bot's access here ({type(exc).__name__}: {exc})"]
    seen = list(state.permission_problems.get(scope.key, {}).values())
    problems += [p for p in seen if p not in problems]
    if not problems:
        return [Finding(True, f"{platform.name}: the bot has every permission a battle needs here")]
    return [Finding(False, f"{platform.name}: {p}") for p in problems]


async def _database_finding(state: ArenaState) -> Finding:
    started = time.perf_counter()
    try:
        await state.store.list_models()
    except Exception as exc:
        return Finding(False, f"database: {type(exc).__name__}: {exc}; check that the server is up and reachable")
    return Finding(True, f"database: answers ({(time.perf_counter() - started) * 1000:.0f} ms)")


def _ballot_finding(mode: str, platform_findings: list[Finding]) -> Finding:
    broken = [f for f in platform_findings if not f.ok and any(w in f.text for w in BALLOT_NEEDS.get(mode, ()))]
    if broken:
        return Finding(False, f"ballot: {mode}, but the bot cannot add reactions here; grant that, or `set ballot buttons`")
    return Finding(True, f"ballot: {mode}")


def render_findings(findings: list[Finding]) -> str:
    lines = ["**Arena doctor**"] + [f"{'✅' if f.ok else '❌'} {f.text}" for f in findings]
    failed = sum(not f.ok for f in findings)
    lines.append("Everything needed for battles works." if not failed else f"{failed} thing(s) to fix, marked ❌.")
    return "\n".join(lines)


async def doctor(
    state: ArenaState, platform: ChatPlatform, actor: Actor, scope: Scope, channel_ref: str, extra: Sequence[Finding] = ()
) -> Reply:
    """`extra`: other features' lines (content moderation), after the ballot's."""
    if not actor.is_moderator:
        return refuse(NOT_MODERATOR)
    access = await _platform_findings(state, platform, scope, channel_ref)
    database = await _database_finding(state)
    models, _ = await state.registry()
    model_findings = await check_models(state.hub, models) if models else [Finding(False, "models: none registered")]
    arena = await state.arena_settings(scope.key)
    findings = [*access, database, *model_findings, _ballot_finding(arena.ballot, access), *extra]
    return Reply(render_findings(findings), private=True)
