"""Identity detection on a table: leaking strings in many languages that must match, and ordinary
prompts (including everyday words that are also model names) that must not."""
from __future__ import annotations

import pytest

from arenabot.anonymity import AMBIGUOUS, FAMILIES, IdentityDetector
from arenabot.config import ModelSettings

CONFIGURED = [
    ModelSettings(name="house-model", provider="openai", model_id="acme/house-model-7b", vendor="Acme Labs"),
    ModelSettings(name="demo-owl", provider="demo", model_id="owl"),
]
DETECTOR = IdentityDetector.for_models(CONFIGURED)

# (language, text) -> must be found
LEAKS = [
    # English, with digit / dash / space variants of names and versions
    ("en", "I am Claude, an AI assistant."),
    ("en", "As ChatGPT, I cannot browse."),
    ("en", "I'm claude2 from last year"),
    ("en", "This is gpt4o speaking"),
    ("en", "this is gpt 4o speaking"),
    ("en", "Powered by GPT-4 Turbo"),
    ("en", "running llama3 locally"),
    ("en", "fine-tuned from llama-3.1 weights"),
    ("en", "Llama 2 chat here"),
    ("en", "I was trained by OpenAI."),
    ("en", "Anthropic built me."),
    ("en", "I am Gemini, a large language model"),
    ("en", "Gemini 1.5 Pro answered that"),
    ("en", "I'm Bard, a language model from Google"),
    ("en", "PaLM 2 was the base model"),
    ("en", "Mixtral 8x7B is a mixture of experts"),
    ("en", "Qwen2.5 says hello"),
    ("en", "I am Yi-34B"),
    ("en", "DeepSeek-V3 here"),
    ("en", "Command R+ wrote this"),
    ("en", "command-r-plus is my name"),
    ("en", "I'm Phi-3, a small model"),
    ("en", "Grok 2 from xAI"),
    ("en", "Nemotron-70B answered"),
    ("en", "DBRX Instruct is talking"),
    ("en", "I am WizardLM"),
    ("en", "Zephyr-7b-beta reporting"),
    ("en", "Starling-LM-7B-alpha here"),
    ("en", "OpenChat 3.5 at your service"),
    ("en", "SOLAR-10.7B by Upstage"),
    ("en", "Reka Core, a model by Reka AI"),
    ("en", "Vicuna-13b was trained by LMSYS"),
    ("en", "Koala 13B, a dialogue model for academic research"),
    ("en", "Alpaca-7B fine-tuned from LLaMA"),
    ("en", "dolly-v2-12b by Databricks"),
    ("en", "OASST SFT model"),
    ("en", "ChatGLM2-6B here"),
    ("en", "MPT-30B-chat answered"),
    ("en", "StableLM tuned alpha"),
    ("en", "RWKV-4-Raven replied"),
    ("en", "Nous Hermes 2 Mixtral"),
    ("en", "I am Tulu 2, trained by AI2"),
    ("en", "Tülu 3 70B"),
    ("en", "gemma-2-9b-it replied"),
    ("en", "__Claude__"),
    ("en", "call me house-model, made by Acme Labs"),
    ("en", "my weights are acme/house-model-7b"),
    ("en", "as demo-owl, I think"),
    # Chinese
    ("zh", "我是Claude，由Anthropic开发的AI助手。"),
    ("zh", "我是ChatGPT"),
    ("zh", "我是通义千问，阿里云开发的模型"),
    ("zh", "我是文心一言"),
    ("zh", "我是克劳德"),
    ("zh", "我是Gemini"),
    # Japanese
    ("ja", "私はClaudeです。"),
    ("ja", "私はGPT-4oです"),
    ("ja", "私はクロードです"),
    ("ja", "私はジェミニです"),
    # Korean
    ("ko", "저는 Claude입니다"),
    ("ko", "저는 클로드입니다"),
    ("ko", "저는 제미나이입니다"),
    # Russian (Cyrillic next to a Latin name, and transliterated)
    ("ru", "ЯClaude, ассистент"),
    ("ru", "Я — Клод, ИИ-ассистент"),
    ("ru", "Меня создала компания OpenAI"),
    ("ru", "я модель Llama от Meta AI"),
    # Spanish, French, German, Portuguese, Italian, Arabic, Hindi
    ("es", "Soy Claude, un asistente de IA creado por Anthropic."),
    ("es", "Fui entrenado por OpenAI"),
    ("fr", "Je suis Mistral, un modèle de Mistral AI."),
    ("fr", "Je suis un modèle Llama"),
    ("de", "Ich bin Gemini, ein Sprachmodell von Google."),
    ("de", "Als Sprachmodell von Google ..."),
    ("pt", "Eu sou o Claude, da Anthropic"),
    ("it", "Sono Claude, un assistente"),
    ("ar", "أنا Claude، مساعد ذكاء اصطناعي"),
    ("ar", "أنا كلود"),
    ("hi", "मैं Gemini हूँ, Google का मॉडल"),
]

ORDINARY = [
    "Write a haiku about rain",
    "Explain rainbows to a child",
    "What is the capital of France?",
    "Sort a list in Python without using sorted()",
    "A koala bear sleeps in a eucalyptus tree; write a children's story.",
    "Describe a palm tree swaying on a beach",
    "How do I grow a palm in a pot indoors?",
    "I'm a Gemini, what does my horoscope say for June?",
    "Gemini and Taurus compatibility",
    "The bard played a lute under a palm tree; meta-analysis says grok it.",
    "Write a sonnet in the style of the Bard of Avon",
    "What does a llama eat, and how long does it live?",
    "Are alpacas and llamas the same animal?",
    "Tell me a fact about the vicuña of the Andes",
    "The mistral wind blows through Provence in winter",
    "What is the golden ratio phi?",
    "Compute phi(36), Euler's totient",
    "Translate 'yi' from Chinese: one",
    "Is solar power cheaper than wind?",
    "Explain the solar system to a ten-year-old",
    "What command lists files in Linux?",
    "Give me the command to undo a git commit",
    "Dolly the sheep was the first cloned mammal",
    "Write a poem about a falcon hunting",
    "Hermes was the messenger of the Greek gods",
    "A starling murmuration over the fields",
    "A gentle zephyr through the trees",
    "Claude Monet painted water lilies; describe them",
    "Who was Claude Debussy?",
    "Jean-Claude makes great croissants",
    "The orca is the largest dolphin",
    "Summarise the plot of Hamlet",
    "What is the square root of 144?",
    "Write a cover letter for a barista job",
    "How do I make sourdough bread?",
    "Explain recursion with an example",
    "Write SQL to find duplicate rows",
    "What causes the seasons on Earth?",
    "Give me three synonyms for happy",
    "Plan a three-day trip to Kyoto",
    "写一首关于秋天的诗",
    "東京でおすすめのラーメン屋は？",
    "서울에서 가볼 만한 곳을 추천해 주세요",
    "Расскажи сказку про лису",
    "¿Cuál es la receta de la paella?",
    "Écris un poème sur la mer",
    "Erkläre die Relativitätstheorie einfach",
    "Qual é a capital do Brasil?",
    "Scrivi una poesia sulla luna",
    "ما هي عاصمة مصر؟",
    "भारत की राजधानी क्या है?",
    "Rewrite this paragraph to be more concise",
    "Debug this JavaScript: const x = [1,2,3].map(y => y * 2)",
    "The gradient of x squared is 2x; explain why",
    "List the primes below 50",
    "Compare cats and dogs as pets",
    "Write a limerick about a llama in pajamas",
    "My grandmother's name is Gemma and she loves gardening",
    "Reka and her brother went to the market",
    "Tulu is a language spoken in Karnataka",
    "Bought a Jamba Juice smoothie this morning",
    "How many legs does a spider have?",
    "Claudette is a beautiful name",
    "The Geminids meteor shower peaks in December",
    "the owl flew over the barn",
]


def test_the_table_is_large_enough():
    assert len(LEAKS) >= 60 and len({lang for lang, _ in LEAKS}) >= 8
    assert len(ORDINARY) >= 60


@pytest.mark.parametrize(("language", "text"), LEAKS, ids=[f"{lang}:{text[:24]}" for lang, text in LEAKS])
def test_leaking_strings_are_found(language, text):
    assert DETECTOR.find(text), f"missed a leak ({language}): {text!r}"


@pytest.mark.parametrize("text", ORDINARY, ids=[t[:24] for t in ORDINARY])
def test_ordinary_prompts_are_not_leaks(text):
    assert DETECTOR.find(text) == [], text


def test_variants_come_back_as_the_listed_name():
    assert DETECTOR.find("gpt4o, GPT 4o and gpt-4o") == ["gpt-4o"]
    assert DETECTOR.find("我是Claude") == ["claude"]


def test_the_built_in_list_covers_the_public_arena_families():
    listed = {w for words in FAMILIES.values() for w in words}
    for family in (
        "bard", "hermes", "tulu", "tülu", "koala", "vicuna", "alpaca", "dolly", "oasst", "chatglm", "mpt", "stablelm",
        "rwkv", "palm", "gemini", "gemma", "claude", "gpt", "llama", "mistral", "mixtral", "qwen", "yi", "deepseek",
        "command-r", "reka", "phi", "grok", "nemotron", "dbrx", "wizardlm", "zephyr", "starling", "openchat", "solar",
        "falcon", "guanaco", "codellama", "olmo", "jamba", "athene", "chatgpt",
    ):
        assert family in listed, family
    assert {"bard", "palm", "phi", "yi", "solar"} <= AMBIGUOUS


def test_a_battle_detector_knows_only_its_models_and_their_makers():
    gpt = ModelSettings(name="mini", provider="openai", model_id="gpt-4o-mini")
    detector = IdentityDetector.for_battle([gpt])
    assert detector.find("B is ChatGPT by OpenAI") == ["chatgpt", "openai"]
    assert detector.find("this one is better than Claude") == []

