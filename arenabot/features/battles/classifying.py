"""Runs the optional LLM classification (arenabot/classifier.py) beside each new battle.

A battle never waits for it: it starts with the rule-based categories, and the model's labels
are added when they arrive (to an open battle's categories, or to a revealed battle's boards,
which the store keeps exact either way). Failures are one log line each, counted by kind.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

from arenabot.classifier import RUBRIC, ClassifierAnswerError, parse_answer
from arenabot.domain import Message
from arenabot.features.shared import ArenaState

log = logging.getLogger(__name__)


class PromptClassifier:
    def __init__(self, state: ArenaState):
        self.state = state
        self.failures: Counter[str] = Counter()  # "timeout" | "answer" | "error": for tests and doctor
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def enabled(self) -> bool:
        return self.state.settings.categories.classifier_model is not None

    def classify_later(self, battle_id: int, prompt: str) -> None:
        if not self.enabled:
            return
        task = asyncio.create_task(self._classify(battle_id, prompt))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _classify(self, battle_id: int, prompt: str) -> None:
        settings = self.state.settings.categories
        assert settings.classifier_model is not None
        try:
            model = await self.state.model(settings.classifier_model)
            # probe: the rubric goes out as it is (no arena system prompt), and a failing judge
            # never puts a battling model in cool-down.
            completion = await asyncio.wait_for(
                self.state.hub.probe(model, [Message("system", RUBRIC), Message("user", prompt)]),
                settings.classifier_timeout_seconds,
            )
            labels = parse_answer(completion.text.strip())
        except TimeoutError:
            self._failed("timeout", battle_id, f"no answer within {settings.classifier_timeout_seconds:g} s")
            return
        except ClassifierAnswerError as exc:
            self._failed("answer", battle_id, str(exc))
            return
        except Exception as exc:  # an API error, a connection refused, a model removed meanwhile
            self._failed("error", battle_id, f"{type(exc).__name__}: {exc}")
            return
        found = labels.categories()
        if found:
            await self.state.store.add_categories(battle_id, found)

    def _failed(self, kind: str, battle_id: int, why: str) -> None:
        self.failures[kind] += 1
        log.warning("prompt classifier failed for battle #%s (%s); its rule-based categories stand", battle_id, why)

    async def drain(self, grace_seconds: float | None = None) -> None:
        """Wait for the classifications in flight, up to `grace_seconds`; cancel the rest (shutdown)."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(list(self._tasks), timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
