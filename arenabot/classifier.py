"""Optional LLM classification of prompts, after Chatbot Arena's category checklists.

When `categories.classifier_model` names a configured model, each new battle's prompt is also
sent to that model with the fixed rubric below. The answer must be exactly one JSON object of
the documented shape; anything else (prose, a code fence, a missing or extra key, a wrong type)
is a failure, and so is a timeout or an API error. On failure the battle keeps its rule-based
categories (arenabot/categories.py); on success the model's categories are added to them. The
call runs beside the battle and never delays it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from arenabot.categories import CREATIVE_WRITING, CRITERIA, HARD_MIN_CRITERIA, HARD_PROMPT, INSTRUCTION_FOLLOWING, MATH

IF_MIN_LLM_SCORE = 4  # of 5: Chatbot Arena's threshold for its instruction-following label

RUBRIC = """You label one user prompt for a chatbot leaderboard. Do not answer the prompt.

Judge the prompt on these checklists:
criteria (true or false each):
- specificity: it asks for a specific, well-defined output, without ambiguity
- domain_knowledge: it tests knowledge of one or more specific domains
- complexity: it has multiple levels of reasoning, components or variables
- problem_solving: it requires actively analysing a problem and devising a solution
- creativity: it needs creativity in approaching the problem
- technical_accuracy: the answer must be technically accurate, correct and precise
- real_world: it relates to a real-world application
math (true or false): it requires actively applying mathematics (a calculation, algebra,
geometry, a proof); explaining a concept is not enough
instruction_following (an integer 0 to 5): how clearly it sets actionable instructions with
specific format or structure requirements that test following directions precisely (0: none)
creative_writing (true or false): it asks for original, imaginative or emotionally expressive
writing (stories, poems, lyrics, jokes, unusual perspectives), beyond factual writing

Answer with exactly one JSON object and nothing else, of this shape:
{"criteria": {"specificity": false, "domain_knowledge": false, "complexity": false,
"problem_solving": false, "creativity": false, "technical_accuracy": false, "real_world": false},
"math": false, "instruction_following": 0, "creative_writing": false}"""


class ClassifierAnswerError(ValueError):
    """The model's answer is not exactly the JSON object the rubric asks for."""


@dataclass(frozen=True)
class LlmLabels:
    criteria: dict[str, bool]
    math: bool
    instruction_following: int
    creative_writing: bool

    def categories(self) -> list[str]:
        found = []
        if sum(self.criteria.values()) >= HARD_MIN_CRITERIA:
            found.append(HARD_PROMPT)
        if self.math:
            found.append(MATH)
        if self.instruction_following >= IF_MIN_LLM_SCORE:
            found.append(INSTRUCTION_FOLLOWING)
        if self.creative_writing:
            found.append(CREATIVE_WRITING)
        return found


_KEYS = {"criteria", "math", "instruction_following", "creative_writing"}


def parse_answer(text: str) -> LlmLabels:
    """The labels in a model's answer, read strictly (see the module docstring)."""
    try:
        answer: Any = json.loads(text)
    except ValueError as exc:
        raise ClassifierAnswerError(f"not JSON: {text[:80]!r}") from exc
    if not isinstance(answer, dict) or set(answer) != _KEYS:
        raise ClassifierAnswerError(f"expected exactly the keys {sorted(_KEYS)}")
    criteria = answer["criteria"]
    if not isinstance(criteria, dict) or set(criteria) != set(CRITERIA):
        raise ClassifierAnswerError(f"criteria must have exactly the keys {list(CRITERIA)}")
    flags = [*criteria.values(), answer["math"], answer["creative_writing"]]
    if not all(isinstance(v, bool) for v in flags):
        raise ClassifierAnswerError("criteria, math and creative_writing must be true or false")
    score = answer["instruction_following"]
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 5:
        raise ClassifierAnswerError("instruction_following must be an integer from 0 to 5")
    return LlmLabels({k: criteria[k] for k in CRITERIA}, answer["math"], score, answer["creative_writing"])
