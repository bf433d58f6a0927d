"""Moderator commands, decided in the core from the `Actor.is_moderator` flag the adapter sets:
the model registry, bans, closing and voiding battles, clean_battle export/import, and
per-scope settings. Every command refuses privately when the actor is not a moderator."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from pydantic import ValidationError

from arenabot import render
from arenabot.config import ArenaSettings, ModelSettings
from arenabot.domain import Actor, BattleStatus, Scope
from arenabot.features.battles.service import Battles
from arenabot.features.moderation.parsing import parse_battle_ref, parse_records
from arenabot.features.shared import ArenaState
from arenabot.ports import ChatPlatform
from arenabot.replies import Reply, refuse
from arenabot.storage import BattleRecord, DuplicateModel

log = logging.getLogger(__name__)

NOT_MODERATOR = "Only moderators can do that (Discord: Manage Server or the moderator role; Slack: workspace admins or the configured admins)."


def _validation_text(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors())


class Moderation:
    def __init__(self, state: ArenaState, battles: Battles, setting_keys: Sequence[str]):
        self.state = state
        self.store = state.store
        self.battles = battles
        self.setting_keys = tuple(setting_keys)  # every feature's per-scope settings

    # ----- models ------------------------------------------------------------------------------

    async def add_model(
        self,
        actor: Actor,
        name: str,
        provider: str,
        model_id: str,
        base_url: str | None = None,
        api_key_env: str | None = None,
        weight: float = 1.0,
    ) -> Reply:
        if not actor.is_moderator:
            return refuse(NOT_MODERATOR)
        try:
            model = ModelSettings(
                name=name,
                provider=provider,  # pydantic checks it names a known provider
                model_id=model_id,
                base_url=base_url,
                api_key_env=api_key_env,
                weight=weight,
            )
        except ValidationError as exc:
            return refuse(f"Cannot add model {name!r}: {_validation_text(exc)}.")
        try:
            await self.store.add_model(model)
        except DuplicateModel:
            return refuse(f"A model named {name!r} already exists; pick another name or use `model enable {name}`.")
        self.state.forget_registry()
        log.info("moderator %s added model %s (%s)", actor.user_ref, name, provider)
        return Reply(f"Model **{name}** added ({provider}, weight {weight:g}).", private=True)

    async def set_model_enabled(self, actor: Actor, name: str, enabled: bool) -> Reply:
        if not actor.is_moderator:
            return refuse(NOT_MODERATOR)
        if not await self.store.update_model(name, enabled=enabled):
            return refuse(f"No model named {name!r}; see `models` for the list.")
        self.state.forget_registry()
        return Reply(f"Model **{name}** {'enabled' if enabled else 'disabled'}.", private=True)

    async def set_model_weight(self, actor: Actor, name: str, weight: float) -> Reply:
        if not actor.is_moderator:
            return refuse(NOT_MODERATOR)
        if not (weight >= 0) or weight == float("inf"):
            return refuse(f"Weight must be a number of 0 or more (0 never samples the model), not {weight!r}.")
        if not await self.store.update_model(name, weight=weight):
            return refuse(f"No model named {name!r}; see `models` for the list.")
        self.state.forget_registry()
        return Reply(f"Model **{name}** now has sampling weight {weight:g}.", private=True)

    async def set_model_targets(self, actor: Actor, name: str, opponents: str) -> Reply:
        """Preferred opponents for sampling: this model's battles are drawn against them when possible."""
        if not actor.is_moderator:
            return refuse(NOT_MODERATOR)
        wanted = list(dict.fromkeys(t.strip() for t in opponents.replace(" ", ",").split(",") if t.strip()))
        known = {m.name for m in (await self.state.registry())[0]}
        unknown = [t for t in wanted if t not in known]
        if name in wanted:
            return refuse(f"A model cannot be its own opponent: remove {name!r} from the list.")
        if unknown:
            return refuse(f"No model named {', '.join(map(repr, unknown))}; see `models` for the list.")
        if not await self.store.update_model(name, targets=wanted):
            return refuse(f"No model named {name!r}; see `models` for the list.")
        self.state.forget_registry()
        if not wanted:
            return Reply(f"Model **{name}** has no preferred opponents now.", private=True)
        return Reply(f"Model **{name}** now prefers battles against {', '.join(wanted)}.", private=True)

    # ----- users -------------------------------------------------------------------------------

    async def ban(self, actor: Actor, scope: Scope, user_ref: str, reason: str = "") -> Reply:
        if not actor.is_moderator:
            return refuse(NOT_MODERATOR)
        if user_ref == actor.user_ref:
            return refuse("You cannot ban yourself.")
        self.state.forget_ban(scope.key, user_ref)
        if not await self.store.ban(scope.key, user_ref, actor.user_ref, reason):
            return refuse(f"{user_ref} is already banned here.")
        return Reply(f"{user_ref} is banned from starting battles and voting here.", private=True)

    async def unban(self, actor: Actor, scope: Scope, user_ref: str) -> Reply:
        if not actor.is_moderator:
            return refuse(NOT_MODERATOR)
        self.state.forget_ban(scope.key, user_ref)
        if not await self.store.unban(scope.key, user_ref):
            return refuse(f"{user_ref} is not banned here.")
        return Reply(f"{user_ref} is no longer banned here.", private=True)

    # ----- battles -----------------------------------------------------------------------------

    async def _find_battle(self, platform: ChatPlatform, battle_ref: str, scope: Scope | None) -> BattleRecord | None:
        # A thread ref first: Discord thread ids are all digits too, and must not read as "#N".
        battle = await self.store.battle_by_thread(platform.name, battle_ref.strip())
        battle_id = parse_battle_ref(battle_ref)
        if battle is None and battle_id is not None:
            battle = await self.store.get_battle(battle_id)
        # A moderator of one server cannot act on another server's battles.
        if battle is not None and scope is not None and battle.scope_key != scope.key:
            return None
        return battle

    async def close_battle(self, platform: ChatPlatform, actor: Actor, battle_ref: str, *, scope: Scope | None = None) -> Reply:
        """Close and reveal now. `scope`, when given, limits the command to that scope's battles."""
        if not actor.is_moderator:
            return refuse(NOT_MODERATOR)
        battle = await self._find_battle(platform, battle_ref, scope)
        if battle is None:
            return refuse(f"No battle {battle_ref!r} here; use its number (e.g. `#42`) or run the command in its thread.")
        if battle.status is not BattleStatus.OPEN or not await self.battles.close_and_reveal(platform, battle):
            return refuse(f"Battle #{battle.id} is already {(await self.store.get_battle(battle.id) or battle).status.value}.")
        return Reply(f"Battle #{battle.id} is closed and revealed.", private=True)

    async def void_battle(
        self, platform: ChatPlatform, actor: Actor, battle_ref: str, reason: str = "", *, scope: Scope | None = None
    ) -> Reply:
        if not actor.is_moderator:
            return refuse(NOT_MODERATOR)
        battle = await self._find_battle(platform, battle_ref, scope)
        if battle is None:
            return refuse(f"No battle {battle_ref!r} here; use its number (e.g. `#42`) or run the command in its thread.")
        why = reason.strip() or "voided by a moderator"
        if not await self.state.void_battle(battle.id, why):
            return refuse(f"Battle #{battle.id} is already void.")
        if battle.thread_ref:
            try:
                await platform.post(battle.thread_ref, f"A moderator voided this battle ({why}): its votes do not count.")
            except Exception:
                log.warning("could not post the void note of battle #%s", battle.id, exc_info=True)
        return Reply(f"Battle #{battle.id} is void; its votes no longer count.", private=True)

    # ----- interop -----------------------------------------------------------------------------

    async def export_battles(self, actor: Actor, scope: Scope, global_: bool = False, with_conversations: bool = False) -> Reply:
        if not actor.is_moderator:
            return refuse(NOT_MODERATOR)
        records = await self.store.export_clean_battles(None if global_ else scope.key, with_conversations)
        data = json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")
        where = "all scopes" if global_ else render.place(scope)
        return Reply(
            f"{len(records)} votes from {where} in Chatbot Arena `clean_battle` format (voters pseudonymised).",
            private=True,
            file=("battles.json", data),
        )

    async def import_battles(self, actor: Actor, scope: Scope, data: bytes) -> Reply:
        if not actor.is_moderator:
            return refuse(NOT_MODERATOR)
        try:
            records = parse_records(data)
        except (ValueError, UnicodeDecodeError) as exc:
            return refuse(f"Cannot read that file: {exc}. Expected a JSON array or JSON lines of clean_battle records.")
        report = await self.store.import_clean_battles(records, scope.key, self.state.now())
        text = f"Imported {report.imported} battles; {report.duplicates} were already here"
        if report.bad:
            shown = "\n".join(f"- {line}" for line in report.bad[:10])
            more = f"\n- ... and {len(report.bad) - 10} more" if len(report.bad) > 10 else ""
            text += f"; {len(report.bad)} records were rejected:\n{shown}{more}"
        return Reply(text + ("." if not report.bad else ""), ok=not report.bad or report.imported > 0, private=True)

    # ----- per-scope settings ------------------------------------------------------------------

    async def set_setting(self, actor: Actor, scope: Scope, key: str, value: str) -> Reply:
        if not actor.is_moderator:
            return refuse(NOT_MODERATOR)
        if key not in self.setting_keys:
            return refuse(f"Unknown setting {key!r}; you can set: {', '.join(self.setting_keys)}.")
        current = (await self.store.get_settings(scope.key)) or {}
        try:
            checked = ArenaSettings.model_validate({**self.state.settings.arena.model_dump(), **current, key: value})
        except ValidationError as exc:
            return refuse(f"Invalid value {value!r} for {key}: {_validation_text(exc)}.")
        stored = str(getattr(checked, key)).lower() if isinstance(getattr(checked, key), bool) else str(getattr(checked, key))
        await self.store.set_setting(scope.key, key, stored)
        self.state.forget_settings(scope.key)
        return Reply(f"Setting **{key}** is now `{stored}` here.", private=True)
