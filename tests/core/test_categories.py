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
