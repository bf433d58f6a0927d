"""Spotting text that gives away which model is which (an identity leak).

A prompt, reply or thread message that names a model, a model family or a vendor breaks the
blind test. How a name is found:

- Case-insensitive, across script boundaries: a Latin name glued to Chinese, Japanese, Korean,
  Cyrillic or Arabic text still matches (`我是Claude`, `私はClaudeです`); only a Latin letter
  (or a digit on the left) touching the name stops it ("Claudette" is not Claude).
- Across spelling variants: the separators inside a name are optional and interchangeable
  (`gpt-4o`, `gpt4o`, `gpt 4o`, `GPT_4o`), and a family name may carry a version glued on
  (`claude2`, `llama3`, `llama-3.1`).
- Words that are also everyday words ("bard", "palm", "phi", "yi", "solar", "llama",
  "gemini", "mistral", "google", ...; `AMBIGUOUS`) count only in model context: a version or
  size right after them (`palm 2`, `phi-3`, `yi-34b`), a self-introduction right before them
  ("I am Gemini", "我是Gemini"), or an AI word near them ("model", "assistant", "trained",
  "模型", "модель", ...). So "a palm tree", "a koala bear" and "I'm a Gemini" are ordinary
  text, while "Bard, a large language model by Google" is a leak.
- A few famous people share a model's name ("Claude Monet", "Jean-Claude"): `NOT_MODELS`
  phrases are never a leak.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from arenabot.config import ModelSettings

# Families and vendors by maker, so that a battle's detector can name every word tied to its two
# models (a "gpt-4o-mini" battle also leaks on "ChatGPT" and "OpenAI"). Covers every family
# named on the public Chatbot Arena boards since 2023, plus well-known transliterations.
FAMILIES: dict[str, tuple[str, ...]] = {
    "openai": (
        "openai",
        "open ai",
        "chatgpt",
        "gpt",
        "gpt-3.5",
        "gpt-4",
        "gpt-4o",
        "gpt-4.5",
        "gpt-5",
        "o1-preview",
        "o1-mini",
        "o3-mini",
        "davinci",
        "чатгпт",
        "гпт",
        "챗지피티",
    ),
    "anthropic": ("anthropic", "claude", "claude-instant", "克劳德", "クロード", "클로드", "клод", "كلود"),
    "google": (
        "google",
        "google deepmind",
        "deepmind",
        "bard",
        "palm",
        "palm-2",
        "gemini",
        "gemma",
        "lamda",
        "codegemma",
        "ジェミニ",
        "제미나이",
        "джемини",
        "جيميني",
    ),
    "meta": ("meta ai", "meta llama", "llama", "codellama", "code llama", "ллама"),
    "mistral": ("mistral ai", "mistral", "mixtral", "codestral", "ministral", "pixtral", "мистраль"),
    "cohere": ("cohere", "command-r", "command-r-plus", "command-r+", "command-light", "aya"),
    "alibaba": ("alibaba", "qwen", "qwq", "tongyi", "通义千问", "通义", "千问"),
    "01.ai": ("01.ai", "yi", "yi-large", "零一万物"),
    "deepseek": ("deepseek", "深度求索"),
    "zhipu": ("zhipu", "chatglm", "glm-4", "智谱", "智谱清言"),
    "moonshot": ("moonshot ai", "kimi", "月之暗面"),
    "xai": ("xai", "x.ai", "grok"),
    "nvidia": ("nvidia", "nemotron"),
    "microsoft": ("microsoft", "phi", "wizardlm", "orca"),
    "databricks": ("databricks", "dbrx", "dolly"),
    "mosaicml": ("mosaicml", "mpt"),
    "lmsys": ("lmsys", "vicuna", "fastchat"),
    "stanford": ("alpaca",),
    "berkeley": ("koala", "starling"),
    "laion": ("oasst", "open assistant", "openassistant", "laion"),
    "stability": ("stability ai", "stablelm", "stablebeluga"),
    "rwkv": ("rwkv",),
    "tii": ("falcon",),
    "nous": ("nous research", "nous-hermes", "hermes", "openhermes"),
    "allenai": ("allen ai", "allenai", "ai2", "tulu", "tülu", "olmo"),
    "huggingface": ("hugging face", "huggingface", "zephyr"),
    "openchat": ("openchat",),
    "upstage": ("upstage", "solar"),
    "reka": ("reka ai", "reka"),
    "ai21": ("ai21", "jamba", "jurassic"),
    "inflection": ("inflection ai", "inflection-2"),
    "perplexity": ("pplx", "perplexity ai"),
    "baidu": ("baidu", "ernie bot", "文心一言"),
    "tencent": ("tencent", "hunyuan", "混元"),
    "bytedance": ("bytedance", "doubao", "豆包"),
    "iflytek": ("iflytek", "讯飞星火"),
    "baichuan": ("baichuan", "百川"),
    "internlm": ("internlm", "书生"),
    "yandex": ("yandexgpt", "gigachat", "гигачат"),
    "nexusflow": ("nexusflow", "athene"),
    "guanaco": ("guanaco",),
    "chatbot arena": ("chatbot arena", "lmarena"),
}
WELL_KNOWN_IDENTITIES: tuple[str, ...] = tuple(dict.fromkeys(w for words in FAMILIES.values() for w in words))

# Names that are also everyday words, places, animals, people or star signs: they need model
# context (see the module docstring).
AMBIGUOUS = frozenset(
    {
        "google",
        "microsoft",
        "nvidia",
        "alibaba",
        "baidu",
        "tencent",
        "bytedance",
        "perplexity ai",
        "bard",
        "palm",
        "gemini",
        "gemma",
        "llama",
        "mistral",
        "aya",
        "yi",
        "kimi",
        "grok",
        "phi",
        "orca",
        "dolly",
        "vicuna",
        "alpaca",
        "koala",
        "starling",
        "falcon",
        "hermes",
        "tulu",
        "tülu",
        "olmo",
        "zephyr",
        "solar",
        "reka",
        "jamba",
        "jurassic",
        "davinci",
        "guanaco",
        "athene",
        "mpt",
        "ai2",
        "xai",
        "upstage",
        "ллама",
        "мистраль",
        "通义",
        "千问",
        "百川",
        "书生",
    }
)

# Phrases in which a model's name means someone or something else.
NOT_MODELS: tuple[str, ...] = (
    "claude monet",
    "claude debussy",
    "claude shannon",
    "claude lévi-strauss",
    "claude levi-strauss",
    "jean-claude",
    "jean claude",
    "claude van damme",
    "van damme",
    "claude bernard",
    "claude rains",
    "leonardo da vinci",
    "da vinci",
    "davinci resolve",
    "palm springs",
    "palm beach",
    "palm oil",
    "palm sunday",
    "hermès",
    "hermes paris",
)

_SEP = r"[\s\-_./]*"
_LATIN = r"a-zA-Z\u00c0-\u024f"
_SELF_INTRO = re.compile(
    r"(?:\bi\s+am|\bi'm|\bmy\s+name\s+is|\bcall\s+me|\bje\s+suis|\bsoy|\bich\s+bin|\beu\s+sou|\bsono|\bjestem|\bя|\bэто"
    r"|我是|我叫|私は|わたしは|僕は|저는|나는|제\s*이름은|أنا|मैं"
    # thread talk about the two sides: "A is ...", "the left one was ..."
    r"|(?:\b[ab]|\bit|\bthat|\bthis(?:\s+one)?|\bleft(?:\s+one)?|\bright(?:\s+one)?|\bfirst(?:\s+one)?|\bsecond(?:\s+one)?)"
    r"\s+(?:is|was|=|must\s+be|sounds\s+like|'s))"
    r"[\s,:\-—]*$",
    re.IGNORECASE,
)
_CONTEXT = re.compile(
    r"(?<![" + _LATIN + r"])(?:models?|modell|sprachmodell|modelo|modèle|modello|language\s+model|llms?|a\.?i\.?|ia|ki"
    r"|chatbot|assistant|assistente|asistente|assistent|trained|training|fine-?tuned|developed|created\s+by|made\s+by"
    r"|built\s+by|entrenado|desarrollado|creado|entraîné|développé|créé|trainiert|entwickelt|treinado|desenvolvido"
    r"|addestrato|sviluppato|weights|parameters|tokens?|prompt|inference|api|version|release)(?![" + _LATIN + r"])"
    r"|模型|人工智能|助手|训练|開発|开发|语言模型|モデル|アシスタント|訓練|学習|모델|어시스턴트|개발|훈련|인공지능"
    r"|модел|ассистент|разработ|обучен|нейросет|ИИ|نموذج|مساعد|ذكاء|मॉडल|सहायक|एआई",
    re.IGNORECASE,
)
# A version or size right after a name ("palm 2", "phi-3", "yi-34b"), or a model-style suffix
# joined by a dash ("starling-lm", "falcon-instruct").
_VERSION_AFTER = re.compile(r"[\s\-_.]?v?\d|[\-_.](?:lm|chat|instruct|base|sft|it|pro|large|mini)(?![a-z])", re.IGNORECASE)
_CONTEXT_WINDOW = 60  # characters either side of an ambiguous name searched for an AI word
_PHRASE_REACH = 30  # longer than the text a NOT_MODELS phrase adds around a name


def _tokens(word: str) -> list[str]:
    """ "GPT-4o mini" -> ["gpt", "4", "o", "mini"]: letter runs and digit runs, separators dropped."""
    return re.findall(r"\d+|[^\W\d_]+|[+]", word.lower())


def _key(text: str) -> str:
    return "".join(_tokens(text))


def _alternative(word: str) -> str:
    body = _SEP.join(re.escape(t) for t in _tokens(word))
    first, last = word.strip()[:1], word.strip()[-1:]
    # Boundaries only against the word's own script: Latin names may touch CJK, kana, Hangul,
    # Cyrillic; a name's version may follow directly (llama3), but no Latin letter may.
    left = (
        rf"(?<![{_LATIN}0-9])"
        if re.match(rf"[{_LATIN}0-9]", first)
        else (r"(?<![\u0400-\u04ff])" if re.match(r"[\u0400-\u04ff]", first) else "")
    )
    right = (
        rf"(?![{_LATIN}])"
        if re.match(rf"[{_LATIN}0-9+]", last)
        else (r"(?![\u0400-\u04ff])" if re.match(r"[\u0400-\u04ff]", last) else "")
    )
    return left + body + right


def _compile(words: Iterable[str]) -> re.Pattern[str] | None:
    unique = sorted({w for w in words if _tokens(w)}, key=lambda w: (-len(_key(w)), w))  # longest first
    if not unique:
        return None
    return re.compile("|".join(_alternative(w) for w in unique), re.IGNORECASE)


_LATIN_RUN = re.compile(rf"[{_LATIN}]+|\d+")


class _Matcher:
    """All names at once, fast on long replies: one pass splits the text into Latin-letter and
    digit runs, and only a run that starts some name is tried, anchored, against the names
    starting with it. Names starting in another script (CJK, Cyrillic, ...) are tried the same
    way at each occurrence of their first character, only in text that is not pure ASCII."""

    def __init__(self, words: Iterable[str]):
        by_first: dict[str, list[str]] = {}
        other: list[str] = []
        for word in words:
            tokens = _tokens(word)
            if not tokens:
                continue
            if re.fullmatch(rf"[{_LATIN}]+|\d+", tokens[0]):
                by_first.setdefault(tokens[0], []).append(word)
            else:
                other.append(word)
        self._by_first = {first: _compile(group) for first, group in by_first.items()}
        by_char: dict[str, list[str]] = {}
        for word in other:
            by_char.setdefault(word.strip()[0].lower(), []).append(word)
        self._by_char = {char: _compile(group) for char, group in by_char.items()}
        starts = "".join(sorted({c for char in by_char for c in (char, char.upper())}))
        self._other_start = re.compile("[" + re.escape(starts) + "]") if starts else None

    def finditer(self, text: str) -> list[re.Match[str]]:
        found: list[re.Match[str]] = []
        end = 0
        for run in _LATIN_RUN.finditer(text):
            start = run.start()
            if start < end:
                continue
            # A name starts where a run starts (its left boundary), so its first token is a whole run.
            regex = self._by_first.get(run.group(0).lower())
            if regex is None:
                continue
            match = regex.match(text, start)
            if match:
                found.append(match)
                end = match.end()
        if self._other_start is not None and not text.isascii():
            other_end = 0
            for char in self._other_start.finditer(text):
                if char.start() < other_end:
                    continue
                match = self._by_char[char.group(0).lower()].match(text, char.start())  # type: ignore[union-attr]
                if match:
                    found.append(match)
                    other_end = match.end()
            found.sort(key=lambda m: m.start())
        return found


def identity_words_for(models: Iterable[ModelSettings]) -> set[str]:
    """Every word that reveals one of these models: names, real model ids, vendors, extras."""
    words: set[str] = set()
    for model in models:
        words.add(model.name)
        # A demo model's id is an ordinary word ("owl"); real ids ("gpt-4o-mini") are telling.
        if not model.is_demo:
            words.add(model.model_id)
            words.update(model.model_id.split("/"))  # "meta-llama/Llama-3-8b": the org is telling too
        if model.vendor:
            words.add(model.vendor)
        words.update(model.identity_words)
    return {w.strip() for w in words if w and w.strip() and len(_key(w)) >= 2}


class IdentityDetector:
    """Finds identity words in text. Build one per model list; `find` is cheap."""

    def __init__(self, words: Iterable[str], include_well_known: bool = True):
        all_words = {w.strip().lower() for w in words if w and w.strip()}
        if include_well_known:
            all_words.update(WELL_KNOWN_IDENTITIES)
        self.words = frozenset(all_words)
        self._canonical = {_key(w): w for w in sorted(all_words, key=len, reverse=True)}
        self._ambiguous = {_key(w) for w in AMBIGUOUS} & set(self._canonical)
        self._regex = _Matcher(all_words) if all_words else None
        self._not_models = _compile(NOT_MODELS)

    @classmethod
    def for_models(cls, models: Sequence[ModelSettings], include_well_known: bool = True) -> IdentityDetector:
        return cls(identity_words_for(models), include_well_known)

    @classmethod
    def for_battle(cls, models: Sequence[ModelSettings]) -> IdentityDetector:
        """Only the words tied to these models: their names, ids, vendors, configured words, and
        every built-in family and vendor word of the makers those reveal. For thread messages,
        where members may talk about other models freely."""
        own = identity_words_for(models)
        found = set(_BUILT_IN()._raw_words(" ; ".join(sorted(own))))  # "gpt-4o-mini" -> gpt-4o -> OpenAI's words
        words = set(own)
        for family in FAMILIES.values():
            if found & set(family):
                words.update(family)
        return cls(words, include_well_known=False)

    def _raw_words(self, text: str) -> list[str]:
        """Every name in `text`, ambiguous ones included without looking for context."""
        if not self._regex or not text:
            return []
        return [self._canonical.get(_key(m.group(0)), m.group(0).lower()) for m in self._regex.finditer(text)]

    def find(self, text: str) -> list[str]:
        """The identity words in `text`, lower-cased and spelled as listed, in order of first
        appearance, no repeats."""
        if not self._regex or not text:
            return []
        matches = self._regex.finditer(text)
        if not matches:
            return []
        found: dict[str, None] = {}
        for match in matches:
            start, end = match.span()
            if self._is_someone_else(text, start, end):
                continue
            key = _key(match.group(0))
            word = self._canonical.get(key, match.group(0).lower())
            if key in self._ambiguous and not self._in_model_context(text, start, end):
                continue
            found.setdefault(word, None)
        return list(found)

    def _is_someone_else(self, text: str, start: int, end: int) -> bool:
        """Inside a NOT_MODELS phrase ("Claude Monet"); searched near the match only."""
        if self._not_models is None:
            return False
        window = self._not_models.finditer(text, max(0, start - _PHRASE_REACH), min(len(text), end + _PHRASE_REACH))
        return any(m.start() <= start and end <= m.end() for m in window)

    @staticmethod
    def _in_model_context(text: str, start: int, end: int) -> bool:
        if _VERSION_AFTER.match(text, end):
            return True
        if _SELF_INTRO.search(text[max(0, start - 20) : start]):
            return True
        return _CONTEXT.search(text, max(0, start - _CONTEXT_WINDOW), min(len(text), end + _CONTEXT_WINDOW)) is not None

    def leaks(self, *texts: str) -> bool:
        return any(self.find(t) for t in texts)


@functools.cache
def _BUILT_IN() -> IdentityDetector:
    return IdentityDetector([], include_well_known=True)
