"""The rule-based prompt classifier and language detection."""
from __future__ import annotations

import pytest

from arenabot.categories import KNOWN_CATEGORIES, classify, detect_language, normalise_category


@pytest.mark.parametrize(
    "prompt, expected, absent",
    [
        ("Write a python function that reverses a linked list", {"coding"}, {"math", "creative_writing"}),
        ("```js\nconst x = [1,2].map(v => v * 2);\n```\nwhy does this fail?", {"coding"}, {"creative_writing"}),
        ("Solve 3x + 5 = 20 for x", {"math"}, {"coding", "creative_writing"}),
        ("What is the derivative of sin(x) * x^2?", {"math"}, {"creative_writing"}),
        ("Write a haiku about rain", {"creative_writing"}, {"coding", "math"}),
        ("Tell me a short story about a dragon who is afraid of heights", {"creative_writing"}, {"coding"}),
        ("What is the capital of France?", set(), {"coding", "math", "creative_writing", "long_query"}),
    ],
)
def test_topic_categories(prompt, expected, absent):
    categories = set(classify(prompt).categories)
    assert expected <= categories
    assert not (absent & categories)


def test_long_query_starts_at_about_500_tokens():
    assert "long_query" not in classify("word " * 300).categories
    assert "long_query" in classify("word " * 450).categories
    assert "long_query" in classify("x" * 2100).categories


@pytest.mark.parametrize(
    "text, code",
    [
        ("Write a haiku about rain", "en"),
        ("¿Cómo puedo aprender a programar en Python?", "es"),
        ("Écris un poème sur la mer et le vent", "fr"),
        ("Schreibe eine Geschichte über einen Hund, der fliegen kann", "de"),
        ("Scrivi una poesia sul mare e perché è blu", "it"),
        ("Escreva um poema sobre o mar e por que é azul", "pt"),
        ("写一首关于雨的诗", "zh"),
        ("雨についての俳句を書いてください", "ja"),
        ("비에 관한 시를 써 주세요", "ko"),
        ("Напиши стихотворение о дожде", "ru"),
        ("Напиши вірш про дощ і її очі", "uk"),
        ("اكتب قصيدة عن المطر", "ar"),
        ("Γράψε ένα ποίημα για τη βροχή", "el"),
        ("12345 !!!", "und"),
    ],
)
def test_language_detection(text, code):
    assert detect_language(text) == code


def test_language_becomes_a_category():
    result = classify("Écris un poème sur la mer")
    assert result.language == "fr" and "french" in result.categories and "creative_writing" in result.categories


@pytest.mark.parametrize(
    "name, stored",
    [("coding", "coding"), ("Creative writing", "creative_writing"), ("creative-writing", "creative_writing"),
     ("code", "coding"), ("maths", "math"), ("fr", "french"), ("Multi turn", "multi_turn")],
)
def test_user_named_categories_are_normalised(name, stored):
    assert normalise_category(name) == stored
    assert stored in KNOWN_CATEGORIES


def test_unknown_category_names_the_choices():
    with pytest.raises(ValueError, match="unknown category 'astrology'.*coding.*math"):
        normalise_category("astrology")


HARD = (
    "Design an efficient algorithm in Python to schedule 200 meetings across 15 rooms for my company, "
    "minimizing conflicts and travel between buildings; explain its complexity and prove it is correct."
)


@pytest.mark.parametrize(
    "prompt, expected, absent",
    [
        # Math is doing mathematics: a formula, or a mathematical action on numbers or objects.
        ("Find the derivative of f(x) = x^3 + 2x^2 - 5x + 3", {"math"}, set()),
        ("What is the billionth largest prime number?", {"math"}, set()),
        ("In a deck of cards, what is the likelihood of drawing an ace first?", {"math"}, set()),
        ("How many ways can 5 people sit around a round table?", {"math"}, set()),
        ("Explain what a derivative is", set(), {"math"}),
        ("What is the best indoor temperature for an office at 50% humidity?", set(), {"math"}),
        ("Tell me about the history of algebra", set(), {"math"}),
        # Instruction following: at least two kinds of explicit constraint.
        (
            "Write a 3-paragraph description of dogs, using exactly 5 adjectives per paragraph, "
            "and conclude with a bulleted list of 3 care tips",
            {"instruction_following"},
            set(),
        ),
        ("List three fruits as a JSON array and do not add any other text", {"instruction_following"}, set()),
        ("Explain gravity in the style of a pirate; start with 'Ahoy'", {"instruction_following"}, set()),
        ("write about dogs", set(), {"instruction_following"}),
        ("Write a haiku about rain", set(), {"instruction_following", "hard_prompt"}),
        # Hard prompts: at least 6 of the 7 criteria.
        (HARD, {"hard_prompt", "coding"}, set()),
        ("What is the capital of France?", set(), {"hard_prompt"}),
        ("Hello", set(), {"hard_prompt", "instruction_following", "math"}),
    ],
)
def test_finer_categories(prompt, expected, absent):
    categories = set(classify(prompt).categories)
    assert expected <= categories, categories
    assert not (absent & categories), categories


def test_the_criteria_are_chatbot_arenas_seven():
    from arenabot.categories import CRITERIA, criteria, instruction_score

    met = criteria(HARD)
    assert tuple(met) == CRITERIA and len(CRITERIA) == 7
    assert sum(met.values()) >= 6
    assert sum(criteria("Hello").values()) == 0
    assert instruction_score("Hello") == 0
    assert instruction_score("Answer in exactly 3 bullet points, formatted as a table, never mention cats, "
                             "start with 'Yes', in the style of Shakespeare") == 5
