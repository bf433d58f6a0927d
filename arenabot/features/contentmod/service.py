"""The checks themselves, and what moderators are shown of them.

A text is flagged by the scope's word list (`moderation_words`, no I/O) or, when configured, by
the moderation endpoint. The endpoint failing in any way (timeout, refused connection, HTTP
error, an unreadable answer) flags nothing: the battle goes on, one log line says why, and the
failure is counted for `doctor`. Counts are kept per process since it started.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from datetime import datetime

from arenabot.checkup import Finding
from arenabot.domain import Scope
from arenabot.features.shared import ArenaState
from arenabot.providers.moderation import ModerationClient, ModerationUnavailable
from arenabot.screening import Flag, ReplyScreen
from arenabot.wordlist import WordList, word_list

log = logging.getLogger(__name__)

WORDS = Flag("words", "word list")


class ContentModeration:
    def __init__(self, state: ArenaState, client: ModerationClient | None = None):
        self.state = state
        settings = state.settings.moderation
        if client is None and settings.base_url:
            client = ModerationClient(settings, state.settings.secret(settings.api_key_env))
        self.client = client
        self.check_replies = settings.check_replies
        self.since: datetime = state.now()
        self.flags: defaultdict[str, Counter[str]] = defaultdict(Counter)  # scope -> "prompt"/"reply" -> count
        self.failures: Counter[str] = Counter()  # endpoint failure kind -> count
        self.last_failure: str | None = None

    async def words(self, scope_key: str) -> WordList | None:
        listed = (await self.state.arena_settings(scope_key)).moderation_words
        return word_list(listed) if listed else None

    # ----- checks ------------------------------------------------------------------------------

    async def check_prompt(self, scope_key: str, text: str) -> Flag | None:
        return await self.check(scope_key, "prompt", text, await self.words(scope_key))

    async def check(self, scope_key: str, where: str, text: str, words: WordList | None) -> Flag | None:
        """The word list, then the endpoint; counted per scope and reported to the listeners
        (`where`: "prompt" or "reply")."""
        if words is None and self.client is None:
            return None  # nothing configured here: not a check
        flag, failed = (WORDS, False) if words is not None and words.find(text) else await self._ask_endpoint(text)
        if flag is not None:
            self.flags[scope_key][where] += 1
        self.state.events.content_checked(where, "flagged" if flag else "unchecked" if failed else "passed")
        return flag

    async def _ask_endpoint(self, text: str) -> tuple[Flag | None, bool]:
        """(the endpoint's flag, whether it failed)."""
        if self.client is None:
            return None, False
        try:
            (verdict,) = await self.client.check([text])
        except ModerationUnavailable as exc:
            self._failed(exc.kind, str(exc))
            return None, True
        except Exception as exc:  # a checker's bug must not stop a battle either
            self._failed("unexpected", f"{type(exc).__name__}: {exc}")
            return None, True
        if not verdict.flagged:
            return None, False
        return Flag("endpoint", ", ".join(verdict.categories) or "flagged"), False

    def _failed(self, kind: str, text: str) -> None:
        self.failures[kind] += 1
        self.last_failure = text
        log.warning("content moderation endpoint failed, going on unchecked: %s", text)

    async def screen_for(self, scope_key: str) -> ReplyScreen | None:
        """The reply check for one turn in this scope; None when nothing is configured."""
        if not self.check_replies:
            return None
        words = await self.words(scope_key)
        if words is None and self.client is None:
            return None
        return _TurnScreen(self, scope_key, words)

    # ----- what moderators see -----------------------------------------------------------------

    def counts_line(self, scope_key: str) -> str:
        here = self.flags.get(scope_key, Counter())
        failed = sum(self.failures.values())
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.failures.items()))
        return (
            f"content moderation since {self.since:%Y-%m-%d %H:%M} UTC (this process): "
            f"{here['prompt']} prompt(s) refused, {here['reply']} reply(ies) hidden (battles void) here; "
            f"{failed} endpoint failure(s)" + (f" ({kinds})" if kinds else "")
        )

    async def findings(self, scope: Scope) -> list[Finding]:
        """For `doctor`: what is configured, whether the endpoint answers now, and the counts."""
        words = await self.words(scope.key)
        if words is None and self.client is None:
            return [
                Finding(True, "content moderation: off (set moderation.base_url in the config, or `set moderation_words ...`)")
            ]
        findings = [
            Finding(
                True, f"content moderation: word list of {words.size} here" if words else "content moderation: no word list here"
            )
        ]
        if self.client is not None:
            findings.append(await self._probe())
        findings.append(Finding(True, self.counts_line(scope.key), warning=bool(self.failures)))
        if self.last_failure:
            findings.append(Finding(True, f"content moderation: last endpoint failure: {self.last_failure}", warning=True))
        return findings

    async def _probe(self) -> Finding:
        assert self.client is not None
        started = time.perf_counter()
        try:
            await self.client.check(["hello"])
        except ModerationUnavailable as exc:
            return Finding(False, f"content moderation endpoint: {exc}; until fixed, texts go unchecked by it")
        return Finding(True, f"content moderation endpoint: answers ({(time.perf_counter() - started) * 1000:.0f} ms)")

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()


class _TurnScreen:
    """One turn's reply check in one scope (generation.py calls it for each side)."""

    def __init__(self, content: ContentModeration, scope_key: str, words: WordList | None):
        self._content = content
        self._scope_key = scope_key
        self._words = words
        self.remote = content.client is not None

    def quick(self, text: str) -> Flag | None:
        return WORDS if self._words is not None and self._words.find(text) else None

    async def final(self, text: str) -> Flag | None:
        return await self._content.check(self._scope_key, "reply", text, self._words)
