"""Identity-leak detection: model names, vendors, configured words; whole words, any case."""
from __future__ import annotations

from arenabot.anonymity import IdentityDetector
from arenabot.config import ModelSettings


def _detector(**kw) -> IdentityDetector:
    models = [
        ModelSettings(name="helper-7b", provider="openai", model_id="acme/helper-7b-instruct", vendor="Acme Labs", identity_words=["Helpy"]),
        ModelSettings(name="demo-owl", provider="demo", model_id="owl"),
    ]
    return IdentityDetector.for_models(models, **kw)


def test_names_vendors_and_configured_words_are_found_in_any_case():
    detector = _detector()
    assert detector.find("I am HELPER-7B, built by acme labs; call me helpy.") == ["helper-7b", "acme labs", "helpy"]
    assert detector.find("my weights are acme/helper-7b-instruct") == ["acme/helper-7b-instruct"]
    assert detector.find("as demo-owl i think") == ["demo-owl"]


def test_matching_is_on_whole_words():
    detector = _detector()
    assert detector.find("Helpyful advice from a helper") == []
    assert detector.find("Claudette and Geminids are not models") == []
    assert detector.find("Claude-3 and GPT-4o are models") == ["claude", "gpt-4o"]


def test_demo_model_ids_are_ordinary_words():
    # "owl" is demo-owl's id, but a reply about owls is not a leak.
    assert _detector().find("The owl flew over the barn") == []


def test_well_known_vendors_and_families():
    detector = _detector()
    assert detector.leaks("I was trained by OpenAI.")
    assert detector.leaks("Als Sprachmodell von Google ...")
    assert detector.leaks("I'm Llama, made by Meta AI")
    assert detector.find("As an Anthropic model,\nI am Claude") == ["anthropic", "claude"]
    assert not detector.leaks("The bard played a lute under a palm tree; meta-analysis says grok it.")
    assert not _detector(include_well_known=False).leaks("I was trained by OpenAI.")


def test_phrases_match_across_whitespace():
    assert _detector().find("Made by Acme\n  Labs, clearly") == ["acme labs"]


def test_underscores_and_punctuation_around_a_name_do_not_hide_it():
    # Markdown emphasis (`__Claude__`, `_gpt-4o_`) wraps a name in underscores; it still leaks.
    detector = _detector()
    assert detector.find("I am __Claude__, nice to meet you") == ["claude"]
    assert detector.find("built by _Acme Labs_") == ["acme labs"]
    assert detector.find("(gpt-4o)") == ["gpt-4o"]
    assert detector.find("my_claude_wrapper") == ["claude"]


def test_blank_identity_words_are_ignored_not_matched_everywhere():
    models = [ModelSettings(name="helper-7b", provider="openai", vendor="   ", identity_words=["", " \t"])]
    detector = IdentityDetector.for_models(models, include_well_known=False)
    assert detector.find("An ordinary answer: rivers, mostly.") == []
    assert detector.find("helper-7b here") == ["helper-7b"]


def test_a_detector_with_no_words_finds_nothing():
    empty = IdentityDetector([], include_well_known=False)
    assert empty.find("I am Claude") == [] and not empty.leaks("anything at all", "")
