"""Checks shared by `arenabot check-config --connect` and `/arena doctor`: the database and a
one-token request to each model, run together, each reduced to one line."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from arenabot.config import ModelSettings
from arenabot.providers import ProviderHub
from arenabot.providers.probe import probe_model


@dataclass(frozen=True)
class Finding:
    ok: bool
    text: str
    warning: bool = False  # worth knowing, not a failure

    @property
    def mark(self) -> str:
        return "FAIL" if not self.ok else ("WARN" if self.warning else "ok  ")


async def check_models(hub: ProviderHub, models: Sequence[ModelSettings]) -> list[Finding]:
    """One finding per model, in the given order; disabled models are skipped."""
    enabled = [m for m in models if m.enabled]
    problems = await asyncio.gather(*(probe_model(hub, m) for m in enabled))
    return [
        Finding(True, f"model {m.name}: answers") if problem is None else Finding(False, f"model {m.name}: {problem}")
        for m, problem in zip(enabled, problems, strict=True)
    ]
