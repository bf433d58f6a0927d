"""Rule-based prompt categories and language, for per-category leaderboards.

Deliberately simple, fast and deterministic: keyword and pattern rules, like the first
Chatbot Arena category boards. A prompt may carry several categories; the language comes from
the script it is written in and, for Latin script, from its most frequent function words.

Chatbot Arena's finer categories are defined by checklists (its 2024 category write-up):
- hard prompts: at least 6 of the 7 "hardness" criteria (specificity, domain knowledge,
  complexity, problem solving, creativity, technical accuracy, real world);
- instruction following: clear, actionable instructions with specific format or structure
  requirements; here a score of 0-5 counts the kinds of explicit constraint, and the category
  needs at least 2;
- math: the active application of mathematics (a computation, an equation, a proof), not an
  explanation of a concept ("Explain what a derivative is" is not math; "Find the derivative of
  x^3" is).
Chatbot Arena judges these with an LLM; the rules here are the offline approximation, and
`arenabot.classifier` asks a configured model with the same checklists when one is set.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

CODING = "coding"
MATH = "math"
CREATIVE_WRITING = "creative_writing"
LONG_QUERY = "long_query"
MULTI_TURN = "multi_turn"
HARD_PROMPT = "hard_prompt"
INSTRUCTION_FOLLOWING = "instruction_following"

TOPIC_CATEGORIES = (CODING, MATH, CREATIVE_WRITING, HARD_PROMPT, INSTRUCTION_FOLLOWING, LONG_QUERY, MULTI_TURN)

# The 7 criteria of Chatbot Arena's hard prompts, in its order; "hard" = at least HARD_MIN_CRITERIA.
CRITERIA = (
    "specificity",
    "domain_knowledge",
    "complexity",
    "problem_solving",
    "creativity",
    "technical_accuracy",
    "real_world",
)
HARD_MIN_CRITERIA = 6
IF_MIN_SCORE = 2  # explicit constraint kinds (0-5) for instruction following

# ISO 639-1 code -> category name (Chatbot Arena names language boards in English).
LANGUAGES: dict[str, str] = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "pl": "polish",
    "tr": "turkish",
    "sv": "swedish",
    "ru": "russian",
    "uk": "ukrainian",
    "zh": "chinese",
    "ja": "japanese",
    "ko": "korean",
    "ar": "arabic",
    "fa": "persian",
    "he": "hebrew",
    "el": "greek",
    "hi": "hindi",
    "th": "thai",
}
UNDETERMINED = "und"

KNOWN_CATEGORIES: tuple[str, ...] = TOPIC_CATEGORIES + tuple(LANGUAGES.values())

LONG_QUERY_TOKENS = 500  # Chatbot Arena's "longer query" board starts at 500 tokens

_CODING_WORDS = re.compile(
    r"\b(?:code|coding|program(?:ming)?|programar|programmer|programmieren|function|method|class|bug|debug|compile[rd]?|runtime|"
    r"python|javascript|typescript|java|rust|golang|c\+\+|c#|kotlin|swift|ruby|php|haskell|bash|shell|"
    r"sql|regex|regexp|json|yaml|html|css|api|algorithm|recursion|array|linked list|stack trace|"
    r"exception|git|docker|kubernetes|react|django|flask|numpy|pandas|script|snippet|refactor|"
    r"unit tests?|variable|loop|pointer|struct|lambda|async|segfault)\b",
    re.IGNORECASE,
)
_CODE_SHAPES = re.compile(
    r"```|^\s*(?:def|class|import|from|fn|func|public|private|#include|SELECT|const|let|var)\b|"
    r"\w+\([^()\n]*\)\s*[{:;]|=>|->\s*\w|\b\w+\.\w+\(|[{};]\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_MATH_WORDS = re.compile(
    r"\b(?:math|maths|mathematics|equation|solve|calculate|compute|integral|integrate|derivative|"
    r"differentiate|limit|matrix|matrices|vector|eigen\w*|probability|statistics|theorem|prove|proof|"
    r"lemma|algebra|geometry|calculus|arithmetic|polynomial|factori[sz]e|prime|modulo|logarithm|"
    r"sqrt|square root|percent(?:age)?|fraction|triangle|circle|radius|sum of|product of|likelihood|odds)\b",
    re.IGNORECASE,
)
# A formula on its own makes a math prompt (a bare percentage does not: "50% humidity").
_MATH_SHAPES = re.compile(r"\d\s*[-+*/^×÷=<>]\s*\d|\\frac|\\int|\\sum|[∫∑√π≤≥≠∞]|\bx\s*\^\s*\d")
_CREATIVE_WORDS = re.compile(
    r"\b(?:poem|poems|poetry|haiku|sonnet|limerick|verse|rhyme|lyrics|song|rap|ballad|story|stories|"
    r"short story|fairy tale|fable|fiction|novel|chapter|screenplay|script for a|dialogue between|"
    r"monologue|plot|character|worldbuilding|slogan|tagline|creative|imagine|pretend|role-?play)\b",
    re.IGNORECASE,
)
# A few creative-writing nouns in other languages (CJK has no word boundaries to match on).
_CREATIVE_OTHER = re.compile(
    r"poème|poema|poesía|poesia|gedicht|geschichte|märchen|histoire|conte|cuento|racconto|verhaal|"
    r"诗|故事|小说|俳句|物語|小説|시를|이야기|стих|рассказ|сказк",
    re.IGNORECASE,
)
_CREATIVE_VERBS = re.compile(r"\b(?:write|compose|create|invent|draft|tell)\b", re.IGNORECASE)

# Function words per Latin-script language; the language with most hits wins.
_STOPWORDS: dict[str, frozenset[str]] = {
    code: frozenset(words.split())
    for code, words in {
        "en": "the a an and or of to in on is are was be it that this with for about what how why "
        "write can you me please i my your tell explain which who when from as at by do does",
        "es": "el la los las un una y o de del en es son que por para con como qué cómo por qué "
        "escribe puedes me mi tu explica sobre se lo al muy pero más",
        "fr": "le la les un une et ou de des du en est sont que qui pour avec comment pourquoi "
        "écris peux tu vous je mon ma sur dans ce cette pas plus au aux",
        "de": "der die das ein eine und oder von zu in ist sind was wie warum mit für über "
        "schreibe kannst du ich mein dein bitte nicht den dem des auf auch",
        "it": "il lo la gli le un una e o di da in è sono che per con come perché scrivi puoi "
        "mi mio tuo spiega sul della del non più anche",
        "pt": "o a os as um uma e ou de do da em é são que por para com como porque escreva "
        "pode me meu seu explique sobre não mais no na",
        "nl": "de het een en of van in is zijn wat hoe waarom met voor over schrijf kun je ik mijn jouw niet op ook dat",
        "pl": "i w na z do nie że to jest są co jak dlaczego napisz czy się dla o po",
        "tr": "ve bir bu ne nasıl neden için ile mi mı da de yaz bana çok",
        "sv": "och en ett att det är som på för med hur varför skriv kan du jag inte av om",
    }.items()
}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@dataclass(frozen=True)
class Classification:
    categories: list[str]  # topic categories, then the language category when known
    language: str  # ISO 639-1 code, or "und"


def approx_tokens(text: str) -> int:
    """A tokenizer-free estimate: about 4 characters or 0.75 words per token, whichever is more."""
    return max(len(text) // 4, int(len(text.split()) * 4 / 3))


def detect_language(text: str) -> str:
    """ISO 639-1 code of the prompt's language by script, then by function words; "und" if unsure."""
    scripts: Counter[str] = Counter()
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        for script, code in _SCRIPT_CODES:
            if name.startswith(script):
                scripts[code] += 1
                break
        else:
            scripts["latin"] += 1
    if not scripts:
        return UNDETERMINED
    # Japanese mixes kana with Han characters: any kana means Japanese.
    if scripts.get("ja"):
        return "ja"
    script, _ = scripts.most_common(1)[0]
    if script == "ru" and re.search(r"[іїєґІЇЄҐ]", text):
        return "uk"
    if script == "ar" and re.search(r"[پچژگ]", text):
        return "fa"
    if script != "latin":
        return script
    return _latin_language(text)


_SCRIPT_CODES = (
    ("CJK", "zh"),
    ("HIRAGANA", "ja"),
    ("KATAKANA", "ja"),
    ("HANGUL", "ko"),
    ("CYRILLIC", "ru"),
    ("ARABIC", "ar"),
    ("HEBREW", "he"),
    ("GREEK", "el"),
    ("DEVANAGARI", "hi"),
    ("THAI", "th"),
)


def _latin_language(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    scores = Counter({code: sum(w in stops for w in words) for code, stops in _STOPWORDS.items()})
    (best, top), *rest = scores.most_common() or [(UNDETERMINED, 0)]
    if top == 0:
        # No function words (a bare keyword or code): plain ASCII is most likely English.
        return "en" if text.isascii() else UNDETERMINED
    if rest and rest[0][1] == top and best != "en" and scores["en"] == top:
        return "en"  # on a tie English is the likelier guess
    return best


def classify(prompt: str) -> Classification:
    """Topic categories and language of an opening prompt."""
    categories: list[str] = []
    coding_hits = len(_CODING_WORDS.findall(prompt)) + 2 * len(_CODE_SHAPES.findall(prompt))
    if coding_hits >= 2 or "```" in prompt:
        categories.append(CODING)
    if is_math(prompt):
        categories.append(MATH)
    creative = _CREATIVE_WORDS.search(prompt) and (_CREATIVE_VERBS.search(prompt) or len(_CREATIVE_WORDS.findall(prompt)) >= 2)
    if creative or _CREATIVE_OTHER.search(prompt):
        categories.append(CREATIVE_WRITING)
    met = criteria(prompt, coding=CODING in categories, math=MATH in categories)
    if sum(met.values()) >= HARD_MIN_CRITERIA:
        categories.append(HARD_PROMPT)
    if instruction_score(prompt) >= IF_MIN_SCORE:
        categories.append(INSTRUCTION_FOLLOWING)
    if approx_tokens(prompt) >= LONG_QUERY_TOKENS:
        categories.append(LONG_QUERY)
    language = detect_language(prompt)
    if language in LANGUAGES:
        categories.append(LANGUAGES[language])
    return Classification(categories, language)


# ----- math: doing mathematics, not talking about it ------------------------------------------

_MATH_ACTIONS = re.compile(
    r"\b(?:solve|calculate|compute|evaluate|simplify|prove|derive|integrate|differentiate|factori[sz]e|"
    r"find the (?:\w+ )?(?:derivative|integral|value|sum|product|probability|area|volume|roots?|limit|solutions?|"
    r"average|mean|median|number|percentage)|how many|how much|what is the (?:\w+ )*?(?:probability|likelihood|"
    r"sum|product|value|area|volume|prime(?: number)?|remainder)|likelihood of)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d")


def is_math(prompt: str) -> bool:
    """A computation, an equation or a proof: a formula in the prompt, or a mathematical action
    on numbers or mathematical objects. Explaining a concept is not enough."""
    if _MATH_SHAPES.search(prompt):
        return True
    return bool(_MATH_ACTIONS.search(prompt) and (_NUMBER.search(prompt) or _MATH_WORDS.search(prompt)))


# ----- hard prompts: Chatbot Arena's 7 criteria, by rule -------------------------------------

_ASKS = re.compile(
    r"\?|\b(?:write|give|list|explain|find|create|calculate|compute|design|implement|build|make|generate|"
    r"describe|compare|analy[sz]e|summari[sz]e|translate|solve|prove|suggest|recommend|plan|fix|debug|convert)\b",
    re.IGNORECASE,
)
_SPECIFIC = re.compile(r"\d|[\"'“”‘’`]|\b(?:exactly|specific(?:ally)?|format|table|json|list of|step by step)\b", re.IGNORECASE)
_DOMAINS = re.compile(
    r"\b(?:physics|chemistry|biology|medicine|medical|clinical|law|legal|contract|finance|financial|economics?|"
    r"tax(?:es)?|accounting|invest\w*|history|historical|philosophy|engineering|statistic\w*|machine learning|"
    r"neural|quantum|protein|molecule|genetic\w*|epigenetic\w*|climate|sensor\w*|coordinate\w*|circuit|"
    r"database|network\w*|security|encryption|linguistic\w*|grammar|simulation|thermodynamic\w*)\b",
    re.IGNORECASE,
)
_PROBLEM = re.compile(
    r"\b(?:solve|design|implement|debug|fix|optimi[sz]\w*|minimi[sz]\w*|maximi[sz]\w*|plan|figure out|calculate|"
    r"compute|prove|derive|build|find|determine|evaluate|handles?|simulat\w*|transform\w*|predict\w*|schedul\w*|"
    r"what(?:'s| is) wrong|did i|should i|how (?:can|do|should|would) (?:i|we|you))\b",
    re.IGNORECASE,
)
_CREATIVITY = re.compile(
    r"\b(?:design|invent|imagine|original|novel|unique|brainstorm|come up with|creative\w*|story|poem|pattern|"
    r"natural|hide|hidden|puzzle)\b",
    re.IGNORECASE,
)
_PRECISION = re.compile(
    r"\b(?:exact(?:ly)?|precise(?:ly)?|accura\w+|correct(?:ly|ness)?|efficient\w*|step by step|formula|"
    r"algorithm|specification|rigorous\w*|proof)\b",
    re.IGNORECASE,
)
_REAL_WORLD = re.compile(
    r"\b(?:my|our|i need|i have|i want|company|business|customer\w*|client\w*|project|office|job|work|budget|"
    r"price\w*|cost\w*|money|team|users?|production|app|website|home|house|school|students?|gym|renew\w*|"
    r"subscri\w+|sensor\w*|real[- ]world|practical)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[.!?;:\n]+")


def criteria(prompt: str, *, coding: bool = False, math: bool = False) -> dict[str, bool]:
    """Which of Chatbot Arena's 7 hardness criteria the prompt meets, by rule (see the module
    docstring). `coding`/`math`: the prompt's own categories, which imply domain knowledge and
    a need for technical accuracy."""
    words = len(prompt.split())
    clauses = len([c for c in _SENTENCE.split(prompt) if len(c.split()) >= 3])
    numbers = len(re.findall(r"\d+(?:\.\d+)?", prompt))
    return {
        "specificity": bool(_ASKS.search(prompt)) and (bool(_SPECIFIC.search(prompt)) or words >= 12),
        "domain_knowledge": coding or math or bool(_DOMAINS.search(prompt) or _MATH_WORDS.search(prompt)),
        "complexity": sum((words >= 25, clauses >= 2, numbers >= 3, bool(_PROBLEM.search(prompt)) and words >= 15)) >= 2,
        "problem_solving": bool(_PROBLEM.search(prompt)),
        "creativity": bool(_CREATIVITY.search(prompt) or _CREATIVE_WORDS.search(prompt)),
        "technical_accuracy": coding or math or bool(_PRECISION.search(prompt)),
        "real_world": bool(_REAL_WORLD.search(prompt)),
    }


# ----- instruction following: explicit, checkable constraints --------------------------------

_NUMBER_WORD = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty)"
_IF_RULES = (
    # how much: counts of words, sentences, items...
    re.compile(
        rf"\b(?:exactly|at least|at most|no more than|no less than|fewer than|under|between)\s+{_NUMBER_WORD}\b|"
        rf"\b{_NUMBER_WORD}[- ](?:words?|sentences?|paragraphs?|bullet(?: point)?s?|items?|lines?|characters?|"
        rf"tips|examples|questions|answers|steps|points|numbers|titles|names)\b",
        re.IGNORECASE,
    ),
    # in which format
    re.compile(
        r"\b(?:json|yaml|csv|xml|markdown|table|bullet(?:ed)? (?:list|points)|numbered list|code block|"
        r"headings?|in (?:the )?format|formatted as|all caps|lower ?case|upper ?case)\b",
        re.IGNORECASE,
    ),
    # what not to do, what must be
    re.compile(
        r"\b(?:do not|don't|never|must|must not|only (?:answer|respond|reply|use|output|return|include)|"
        r"without using|avoid|under no circumstances|has to|have to)\b",
        re.IGNORECASE,
    ),
    # where things go
    re.compile(
        r"\b(?:start with|begin with|end with|ends? in|conclude with|finish with|in the end|final answer|title|"
        r"each (?:paragraph|sentence|line|item)|every (?:paragraph|sentence|line)|first letter|second letter|"
        r"spells? out)\b",
        re.IGNORECASE,
    ),
    # who speaks, how
    re.compile(
        r"\b(?:in the style of|tone|formal(?:ly)?|informal(?:ly)?|as if you were|pretend (?:to be|you are)|"
        r"you are an? |act as|respond in|answer in|reply in|written in)\b",
        re.IGNORECASE,
    ),
)


def instruction_score(prompt: str) -> int:
    """0-5: how many kinds of explicit constraint the prompt sets (counts, format, prohibitions,
    placement, voice): Chatbot Arena's instruction-following checklist, by rule."""
    return sum(1 for rule in _IF_RULES if rule.search(prompt))


def normalise_category(name: str) -> str:
    """A user-named category as stored ("Creative writing" -> "creative_writing").

    Raises ValueError naming the known categories when it is not one of them.
    """
    key = re.sub(r"[\s-]+", "_", name.strip().lower())
    aliases = {
        "code": CODING,
        "programming": CODING,
        "maths": MATH,
        "creative": CREATIVE_WRITING,
        "writing": CREATIVE_WRITING,
        "long": LONG_QUERY,
        "multiturn": MULTI_TURN,
        "hard": HARD_PROMPT,
        "hard_prompts": HARD_PROMPT,
        "if": INSTRUCTION_FOLLOWING,
        "instructions": INSTRUCTION_FOLLOWING,
    }
    key = aliases.get(key, key)
    if key in KNOWN_CATEGORIES:
        return key
    if key in LANGUAGES:  # an ISO code such as "fr"
        return LANGUAGES[key]
    raise ValueError(f"unknown category {name!r}; choose one of: {', '.join(KNOWN_CATEGORIES)}")
