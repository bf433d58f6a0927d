"""The offline demo models: streamed, and different by prompt and by model, never one canned string."""
from arenabot.config import load_settings
from arenabot.domain import Message
from arenabot.providers import ProviderHub

PROMPTS = ["Write a haiku about rain", "Explain quicksort in Python", "Plan a picnic for six people"]


async def test_demo_replies_differ_by_prompt_and_by_model_and_stream(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    models = load_settings(env={}).models
    hub = ProviderHub()
    replies = {}
    for model in models:
        for prompt in PROMPTS:
            pieces: list[str] = []

            async def collect(piece: str) -> None:
                pieces.append(piece)

            completion = await hub.complete(model, [Message("user", prompt)], collect)
            assert len(pieces) > 5 and "".join(pieces) == completion.text
            assert completion.finish_reason == "stop" and completion.completion_tokens == len(pieces)
            replies[model.name, prompt] = completion.text
    assert len(set(replies.values())) == len(models) * len(PROMPTS)
    for model in models:  # the reply follows the prompt's own words
        assert "quicksort" in replies[model.name, PROMPTS[1]].lower()
        assert model.name not in " ".join(replies[model.name, p] for p in PROMPTS)  # never names itself
    # Deterministic: the same conversation gets the same answer.
    again = await hub.complete(models[0], [Message("user", PROMPTS[0])])
    assert again.text == replies[models[0].name, PROMPTS[0]]
