"""The Chatbot Arena fields arenabot computes: markdown counts, language names, dedup tags."""

from __future__ import annotations

from arenabot import arenafields
from arenabot.battlelog import columns
from arenabot.categories import CRITERIA, HARD_MIN_CRITERIA, classify, criteria, instruction_score


def test_markdown_counts_skip_code_blocks_and_key_as_fastchat_does():
    text = "# Title\n## Sub\n1. one\n2. two\n- dash\n* star\n**bold** and __under__\n```\n# not a header\n- not a list\n```"
    counts = arenafields.markdown_counts(text, "a")
    assert counts["header_count_a"] == {"h1": 1, "h2": 1, "h3": 0, "h4": 0, "h5": 0, "h6": 0}
    assert counts["list_count_a"] == {"ordered": 2, "unordered": 2}
    assert counts["bold_count_a"] == {"**": 1, "__": 1}


def test_conv_metadata_context_is_everything_before_the_last_reply():
    conv_a = [{"role": "user", "content": "a b c d"}, {"role": "assistant", "content": "x " * 40}]
    conv_b = [{"role": "user", "content": "a b c d"}, {"role": "assistant", "content": "y"}]
    meta = arenafields.conv_metadata(conv_a, conv_b)
    assert meta["turns"] == 1 and meta["sum_user_tokens"] == meta["context_a_tokens"] == meta["context_b_tokens"] > 0
    assert meta["sum_assistant_a_tokens"] > meta["sum_assistant_b_tokens"]


def test_language_names_round_trip():
    assert arenafields.language_name(classify("Bonjour, comment ça va aujourd'hui ?").language) == "French"
    assert arenafields.language_name("und") == "unknown" and arenafields.language_code("unknown") == "und"
    for name in ("English", "Chinese", "Japanese", "Persian"):
        assert arenafields.language_name(arenafields.language_code(name)) == name
    assert arenafields.language_code("Tagalog") == "Tagalog"  # unknown to arenabot: kept as written


def test_dedup_marks_only_the_prompts_far_above_the_rest():
    prompts = [f"unique {k}\n" for k in range(200)] + ["hi\n"] * 5
    tags = arenafields.dedup_tags(prompts, percentile=0.99)
    assert tags[:200] == [{"high_freq": False, "sampled": True}] * 200
    # The 99th percentile of prompt counts is 1: "hi" (5) is high_freq, and only its earliest battle is sampled.
    assert tags[200:] == [{"high_freq": True, "sampled": True}] + [{"high_freq": True, "sampled": False}] * 4


def test_category_tag_follows_arenabots_classifier():
    prompt = "Solve 3x + 2 = 11 and show the steps"
    found = classify(prompt)
    tags = arenafields.category_tag(prompt, found.categories)
    assert tags["math_v0.1"] == {"math": True}
    assert tags["criteria_v0.1"] == criteria(prompt, coding=False, math=True)
    poem = "Write a poem about autumn in exactly 12 lines, do not use rhymes, and start with the word amber; make it formal"
    found = classify(poem)
    tags = arenafields.category_tag(poem, found.categories)
    assert tags["creative_writing_v0.1"] == {"creative_writing": True, "score": "yes"}
    assert tags["if_v0.1"] == {"if": True, "score": instruction_score(poem)} and instruction_score(poem) >= 4
    assert tags["arenabot_v0.1"] == {c: True for c in sorted(found.categories)}
    # A category the battle was stored with (e.g. from the LLM classifier) is what the tags say.
    assert arenafields.category_tag("hello there", ["instruction_following"])["if_v0.1"]["if"] is True


def test_the_reader_knows_the_hard_prompt_threshold():
    assert columns.HARD_MIN_CRITERIA == HARD_MIN_CRITERIA
    six = {"criteria_v0.1": {c: k < 6 for k, c in enumerate(CRITERIA)}, "if_v0.1": {"if": True, "score": 5}}
    five = {"criteria_v0.1": {c: k < 5 for k, c in enumerate(CRITERIA)}, "if_v0.1": {"if": False, "score": 3}}
    assert {"hard_prompt", "instruction_following"} <= columns.record_categories(six)
    assert not {"hard_prompt", "instruction_following"} & columns.record_categories(five)
