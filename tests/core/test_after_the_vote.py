"""After the vote: voters keep chatting with both models (later turns, never changing a vote,
exported as later turns), and a new round (the ballot control or `again`) starts a fresh blind
battle on the same prompt with newly drawn models, linked from the old thread."""
from __future__ import annotations

from arenabot import render
from arenabot.chatcommands.spec import CommandContext
from arenabot.chatcommands.text import dispatch
from arenabot.domain import BattleStatus, Message, Outcome, Side
from arenabot.providers import Completion, ProviderError
from tests.core.conftest import ALICE, BOB, CAROL, MOD, SCOPE, battle, model

FOUR = [model("alpha"), model("beta"), model("gamma"), model("delta")]


async def test_a_voter_keeps_chatting_and_no_vote_changes(core, platform, provider):
    async with core(reveal_to_voter=True) as service:
        _, thread, record = await battle(service, platform, "Explain rainbows")
        ballot = platform.ballot(thread)
        assert (await service.vote(platform, ballot, BOB, Outcome.A, "e1")).ok
        before = await service.store.get_battle(record.id)

        reply = await service.follow_up(platform, thread, BOB, "And why are they curved?")
        assert reply is not None and reply.ok and "votes are unchanged" in reply.text
        turns = await service.store.turns(record.id)
        assert [(t.index, t.side, t.after_vote) for t in turns] == [
            (0, Side.A, False), (0, Side.B, False), (1, Side.A, True), (1, Side.B, True)
        ]
        # Each model carried on its own conversation.
        last = provider.seen_by(record.model_a)[-1]
        assert [m.role for m in last if m.role != "system"] == ["user", "assistant", "user"]
        assert last[-1] == Message("user", "And why are they curved?")
        # No new ballot, and the battle's votes and counter are as they were.
        assert len(platform.of_kind(thread, "ballot")) == 1
        after = await service.store.get_battle(record.id)
        assert after.counted_votes == before.counted_votes == 1 and after.status is BattleStatus.OPEN
        assert "multi_turn" not in after.categories  # what was voted on was one turn

        # Carol has not voted: her message is only read (for leaks), nobody answers it.
        assert await service.follow_up(platform, thread, CAROL, "What do you think?") is None
        assert len(await service.store.turns(record.id)) == 4

        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        [exported] = await service.store.export_clean_battles(None)
        assert exported["turn"] == 1 and exported["later_turns"] == 1


async def test_the_creator_may_chat_on_after_the_reveal_and_the_limit_holds(core, platform):
    async with core(max_chat_turns=1) as service:
        _, thread, record = await battle(service, platform)
        assert (await service.vote(platform, platform.ballot(thread), BOB, Outcome.B, "e1")).ok
        refused = await service.follow_up(platform, thread, ALICE, "One more question")
        assert refused is not None and not refused.ok and "Vote to keep chatting" in refused.text
        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        assert (await service.follow_up(platform, thread, ALICE, "One more question")).ok
        limited = await service.follow_up(platform, thread, BOB, "And another")
        assert not limited.ok and "limit of 1 turns after the vote" in limited.text
        revealed = await service.store.get_battle(record.id)
        assert revealed.counted_votes == 1 and revealed.status is BattleStatus.CLOSED
        [row] = await service.store.pair_counts(SCOPE.key, None)
        assert row.wins_a + row.wins_b == 1


async def test_a_reply_naming_a_model_while_open_is_a_thread_leak_not_a_lost_battle(core, platform, provider):
    """Later readers may see the chat before voting: a reply naming a model stops later votes
    counting (as a member's message would), and the votes cast before it stand."""
    async with core(models=[model("alpha"), model("beta")]) as service:
        _, thread, record = await battle(service, platform, "hello")
        assert (await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")).ok
        original = provider.complete

        async def naming(model, messages, on_delta=None):
            if len(messages) > 2:  # a later turn: the reply names its model, the message did not
                return Completion(text=f"As the {model.name} model, I would add more.", finish_reason="stop")
            return await original(model, messages, on_delta)

        provider.complete = naming
        reply = await service.follow_up(platform, thread, BOB, "Tell me more")
        assert reply is not None and reply.ok
        assert platform.posts(thread).count(render.thread_leak_text()) == 1  # said once
        battle_now = await service.store.get_battle(record.id)
        assert battle_now.leaked_at is not None and not battle_now.identity_leak
        assert battle_now.counted_votes == 1  # Bob's earlier vote still counts
        late = await service.vote(platform, platform.ballot(thread), CAROL, Outcome.B, "e2")
        assert "will not count" in late.text


async def test_a_failed_later_turn_voids_nothing(core, platform, provider):
    async with core() as service:
        _, thread, record = await battle(service, platform)
        assert (await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")).ok
        original = provider.complete

        async def failing(model, messages, on_delta=None):
            if len(messages) > 2:
                raise ProviderError(model.name, "down")
            return await original(model, messages, on_delta)

        provider.complete = failing
        reply = await service.follow_up(platform, thread, BOB, "More please")
        assert reply is not None and reply.ok
        assert any("could not answer" in p and "votes are unchanged" in p for p in platform.posts(thread))
        still = await service.store.get_battle(record.id)
        assert still.status is BattleStatus.OPEN and still.counted_votes == 1


async def test_again_starts_a_fresh_blind_battle_with_new_models_linked_from_the_old(core, platform):
    async with core(models=FOUR) as service:
        _, old_thread, old = await battle(service, platform, "Write a haiku about rain")
        run = lambda actor, text, thread=None: dispatch(  # noqa: E731
            service.commands, CommandContext(service, platform, SCOPE, "chan", actor, thread_ref=thread), text
        )
        early = await run(BOB, "again", old_thread)
        assert not early.ok and "Vote on battle" in early.text and len(platform.threads) == 1

        assert (await service.vote(platform, platform.ballot(old_thread), BOB, Outcome.A, "e1")).ok
        reply = await run(BOB, "again", old_thread)
        assert reply.ok
        new_thread = platform.last_thread().ref
        new = await service.store.battle_by_thread(platform.name, new_thread)
        assert new.id != old.id and new.anony and new.prompt == old.prompt and new.creator_ref == "bob"
        assert new.channel_ref == old.channel_ref
        assert {new.model_a, new.model_b} != {old.model_a, old.model_b}
        assert any(f"battle #{new.id}" in p for p in platform.posts(old_thread))
        header = platform.header(new_thread).text
        assert f"new round of battle #{old.id}" in header and new.model_a not in header
        # The old battle is untouched.
        assert (await service.store.get_battle(old.id)).counted_votes == 1

        # By number from anywhere in the scope, after the reveal, for anyone; with four models,
        # neither old model is drawn again now that their names are public.
        assert (await service.close_battle(platform, MOD, f"#{old.id}")).ok
        assert (await run(CAROL, f"again #{old.id}")).ok
        after = await service.store.battle_by_thread(platform.name, platform.last_thread().ref)
        assert {after.model_a, after.model_b}.isdisjoint({old.model_a, old.model_b})
        assert not (await run(CAROL, "again")).ok  # no thread, no number
        assert "No battle" in (await run(CAROL, "again #999")).text


async def test_a_new_round_of_an_open_battle_is_not_narrowed_by_its_secret_names(core, platform):
    """Leaving out the old models while the old battle is open would tell everyone, at its
    reveal, two models the still-open new round does not hold. Only the old pair is avoided."""
    async with core(models=FOUR, rate_limit_battles=100) as service:
        _, thread, old = await battle(service, platform)
        assert (await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e1")).ok
        pairs = []
        for k in range(10):
            assert (await service.new_round_on_ballot(platform, platform.ballot(thread), BOB, f"r{k}")).ok
            new = await service.store.battle_by_thread(platform.name, platform.last_thread().ref)
            pairs.append({new.model_a, new.model_b})
        old_pair = {old.model_a, old.model_b}
        assert old_pair not in pairs
        assert any(pair & old_pair for pair in pairs)


async def test_new_round_control_is_once_per_event_and_never_the_same_pair(core, platform):
    async with core(models=[model("alpha"), model("beta"), model("gamma")]) as service:
        _, thread, old = await battle(service, platform)
        ballot = platform.ballot(thread)
        assert (await service.vote(platform, ballot, BOB, Outcome.B, "e1")).ok
        first = await service.new_round_on_ballot(platform, ballot, BOB, "reaction-1")
        assert first is not None and first.ok
        assert await service.new_round_on_ballot(platform, ballot, BOB, "reaction-1") is None  # replayed
        assert len(platform.threads) == 2
        new = await service.store.battle_by_thread(platform.name, platform.last_thread().ref)
        assert {new.model_a, new.model_b} != {old.model_a, old.model_b}

        clicked = await service.new_round(platform, old.id, BOB, "click-1")
        assert clicked is not None and clicked.ok and len(platform.threads) == 3
        assert await service.new_round(platform, old.id, BOB, "click-1") is None
        assert not (await service.new_round(platform, 999, BOB, "click-2")).ok
        assert await service.new_round_on_ballot(platform, "not-a-ballot", BOB, "r2") is None


async def test_new_rounds_obey_bans_and_rate_limits(core, platform):
    async with core(rate_limit_battles=1, rate_limit_minutes=10) as service:
        _, thread, old = await battle(service, platform, actor=ALICE)
        assert (await service.vote(platform, platform.ballot(thread), ALICE, Outcome.A, "e1")).ok
        limited = await service.new_round(platform, old.id, ALICE, "c1")
        assert not limited.ok and "limit is 1" in limited.text
        assert (await service.ban(MOD, SCOPE, "bob", "spam")).ok
        assert (await service.vote(platform, platform.ballot(thread), BOB, Outcome.A, "e2")).ok is False
        assert len(platform.threads) == 1
