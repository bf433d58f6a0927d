"""Prompts and follow-ups are checked before a battle starts or a model sees them: a flagged one
is refused privately and nothing is stored."""

from __future__ import annotations

import logging

from arenabot import render
from arenabot.features.contentmod.service import ContentModeration
from arenabot.middleware import Call, Next
from arenabot.replies import Reply, refuse

log = logging.getLogger(__name__)


class PromptCheck:
    def __init__(self, content: ContentModeration):
        self.content = content

    async def __call__(self, call: Call, next: Next) -> Reply | None:
        if call.entry not in ("start_battle", "follow_up") or not call.text:
            return await next()
        flag = await self.content.check_prompt(call.scope_key, call.text)
        if flag is None:
            return await next()
        log.info("%s refused in %s: flagged by the %s", call.entry.replace("_", " "), call.scope_key, flag.source)
        return refuse(render.prompt_flagged_text(flag, follow_up=call.entry == "follow_up"))
