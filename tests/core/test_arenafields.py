"""The Chatbot Arena fields arenabot computes: markdown counts, language names, dedup tags."""

from __future__ import annotations

from arenabot import arenafields
from arenabot.categories import classify


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


def test_category_tag_follows_the_rule_based_classifier():
    math = classify("Solve 3x + 2 = 11 and show the steps")
    tags = arenafields.category_tag("Solve 3x + 2 = 11 and show the steps", math.categories)
    assert tags["math_v0.1"] == {"math": True} and tags["criteria_v0.1"]["problem_solving"] is True
    poem = "Write a poem about autumn in exactly 12 lines, do not use rhymes, and include the word amber; make it formal"
    tags = arenafields.category_tag(poem, classify(poem).categories)
    assert tags["creative_writing_v0.1"] == {"creative_writing": True, "score": "yes"}
    assert tags["if_v0.1"]["score"] >= 4 and tags["if_v0.1"]["if"] is True
    assert tags["arenabot_v0.1"] == {c: True for c in sorted(classify(poem).categories)}
