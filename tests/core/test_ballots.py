"""The neutral ballot: its mode per scope, and votes by battle id (buttons) under the same rules
as reactions, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from arenabot.ballot import Ballot, control_id, parse_control_id
from arenabot.domain import Actor, BattleStatus, Outcome
from arenabot.chatcommands.spec import CommandContext
from arenabot.chatcommands.text import dispatch
from tests.core.conftest import BOB, BOT, CAROL, MOD, OTHER_SCOPE, SCOPE, battle
from tests.support.fake_platform import FakePlatform


@pytest.fixture
def core_db_url(db_url: str) -> str:
    return db_url


def test_control_ids_carry_battle_and_choice_and_reject_anything_else():
    ballot = Ballot(42, "Which answer is better?", mode="buttons")
    ids = [c.control_id for c in ballot.choices()]
    assert ids == ["arena:vote:42:a", "arena:vote:42:b", "arena:vote:42:tie", "arena:vote:42:both_bad", "arena:vote:42:withdraw"]
    assert [parse_control_id(i) for i in ids] == [(42, Outcome.A), (42, Outcome.B), (42, Outcome.TIE), (42, Outcome.BOTH_BAD), (42, None)]
    for foreign in ("arena:vote:42:c", "arena:vote:x:a", "other:vote:42:a", "arena:vote:42:a:extra", ""):
        assert parse_control_id(foreign) is None
    assert control_id(7, None) == "arena:vote:7:withdraw"


async def test_reactions_are_the_default_and_buttons_are_set_per_scope(core, platform):
    async with core() as service:
        _, thread, _ = await battle(service, platform)
        first = platform.messages[platform.ballot(thread)]
        assert first.ballot is not None and first.ballot.mode == "reactions" and "React to vote" in first.text
        assert platform.reacted == [first.ref]

        assert (await dispatch(service.commands, CommandContext(service, platform, SCOPE, "c", MOD), "set ballot buttons")).ok
        wrong = await dispatch(service.commands, CommandContext(service, platform, SCOPE, "c", MOD), "set ballot checkboxes")
        assert not wrong.ok and "ballot" in wrong.text
        _, thread, record = await battle(service, platform)
        ballot = platform.messages[platform.ballot(thread)].ballot
        assert ballot == Ballot(record.id, ballot.text, mode="buttons")
        assert "button" in ballot.text and len(ballot.choices()) == 5
        assert platform.reacted == [first.ref]  # no reactions under a button ballot

        _, thread, _ = await battle(service, platform, scope=OTHER_SCOPE)  # another server keeps the default
        assert platform.messages[platform.ballot(thread)].ballot.mode == "reactions"


async def test_a_vote_by_battle_id_counts_once_changes_and_withdraws(core, platform):
    async with core(ballot="buttons", reveal_to_voter=False) as service:
        _, thread, record = await battle(service, platform)
        assert "recorded" in (await service.vote_on_battle(platform, record.id, BOB, Outcome.A, "click-1")).text
        assert await service.vote_on_battle(platform, record.id, BOB, Outcome.A, "click-1") is None  # replayed
        assert (await service.store.get_battle(record.id)).counted_votes == 1
        assert "already" in (await service.vote_on_battle(platform, record.id, BOB, Outcome.A, "click-2")).text
        assert "changed" in (await service.vote_on_battle(platform, record.id, BOB, Outcome.B, "click-3")).text
        assert (await service.store.get_battle(record.id)).counted_votes == 1
        assert await service.store.pair_counts(SCOPE.key, None) == []  # boards wait for the reveal

        assert "withdrawn" in (await service.vote_on_battle(platform, record.id, BOB, None, "click-4")).text
        assert (await service.store.get_battle(record.id)).counted_votes == 0
        assert await service.vote_on_battle(platform, record.id, BOB, None, "click-4") is None  # replayed
        assert "no vote" in (await service.vote_on_battle(platform, record.id, BOB, None, "click-5")).text
        assert "no vote" in (await service.vote_on_battle(platform, record.id, CAROL, None, "click-6")).text
        # A reaction someone adds under a button ballot is no vote (the ballot stays secret).
        assert await service.vote(platform, platform.ballot(thread), CAROL, Outcome.A, "reaction-1") is None
        assert await service.store.battle_by_message(platform.name, platform.ballot(thread)) is None


async def test_votes_by_battle_id_follow_the_reaction_rules(core, platform, clock):
    async with core(ballot="buttons", close_after_votes=2) as service:
        _, thread, record = await battle(service, platform)
        assert await service.vote_on_battle(platform, record.id, BOT, Outcome.A, "b1") is None
        await service.ban(MOD, SCOPE, BOB.user_ref)
        refused = await service.vote_on_battle(platform, record.id, BOB, Outcome.A, "b2")
        assert not refused.ok and "banned" in refused.text
        # Unknown battles, and another platform's battles, are refused without storing anything.
        assert not (await service.vote_on_battle(platform, 999, CAROL, Outcome.A, "b3")).ok
        elsewhere = FakePlatform("elsewhere")
        assert not (await service.vote_on_battle(elsewhere, record.id, CAROL, Outcome.A, "b4")).ok
        assert (await service.store.get_battle(record.id)).counted_votes == 0

        # reveal_to_voter: names privately, right after a blind vote.
        await service.vote_on_battle(platform, record.id, CAROL, Outcome.TIE, "b5")
        assert [n.user_ref for n in platform.notifications] == [CAROL.user_ref]
        assert record.model_a in platform.notifications[0].text
        # close_after_votes: the second counted vote reveals.
        await service.vote_on_battle(platform, record.id, Actor("dave"), Outcome.B, "b6")
        assert (await service.store.get_battle(record.id)).status is BattleStatus.CLOSED
        assert any(record.model_a in p and record.model_b in p for p in platform.posts(thread))
        late = await service.vote_on_battle(platform, record.id, Actor("erin"), Outcome.A, "b7")
        assert not late.ok and "already revealed" in late.text
        kept = await service.vote_on_battle(platform, record.id, CAROL, None, "b8")
        assert not kept.ok and "stays" in kept.text
        assert (await service.store.get_battle(record.id)).counted_votes == 2


async def test_a_button_vote_on_a_void_battle_never_counts(core, platform):
    async with core(ballot="buttons") as service:
        _, _, record = await battle(service, platform)
        await service.void_battle(platform, MOD, f"#{record.id}", scope=SCOPE)
        reply = await service.vote_on_battle(platform, record.id, BOB, Outcome.A, "v1")
        assert not reply.ok and "void" in reply.text
        assert (await service.store.get_battle(record.id)).counted_votes == 0
