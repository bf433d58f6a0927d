"""Which models does a server offer? Reads OpenAI-style `/v1/models`, Ollama's `/api/tags`, and the
Anthropic and Gemini model lists, and renders them as `[[models]]` entries for arenabot.toml."""

from __future__ import annotations

import json
from dataclasses import dataclass

import aiohttp

from arenabot.providers.failures import host_of


class DiscoveryError(Exception):
    """Nothing could be listed; the message says why and what to try."""


@dataclass(frozen=True)
class Offer:
    provider: str
    model_id: str
    base_url: str  # what the model's entry needs as base_url


async def _get_json(session: aiohttp.ClientSession, url: str, headers: dict[str, str], key_env: str | None) -> object:
    try:
        async with session.get(url, headers=headers) as response:
            if response.status in (401, 403):
                fix = f"check the key in ${key_env}" if key_env else "pass --api-key-env VAR with the variable that holds the key"
                raise DiscoveryError(f"{host_of(url)} refused the request (HTTP {response.status}): {fix}")
            if response.status != 200:
                return None
            return await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def _openai_ids(payload: object) -> list[str]:
    if isinstance(payload, dict) and isinstance(payload.get("data"), list):
        return [str(item["id"]) for item in payload["data"] if isinstance(item, dict) and item.get("id")]
    return []


def _ollama_ids(payload: object) -> list[str]:
    if isinstance(payload, dict) and isinstance(payload.get("models"), list):
        return [
            str(item.get("model") or item["name"])
            for item in payload["models"]
            if isinstance(item, dict) and (item.get("model") or item.get("name"))
        ]
    return []


async def discover(
    base_url: str, provider: str = "openai", api_key: str | None = None, api_key_env: str | None = None, timeout_s: float = 10.0
) -> list[Offer]:
    base = base_url.rstrip("/")
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        if provider == "anthropic":
            headers = {"anthropic-version": "2023-06-01", **({"x-api-key": api_key} if api_key else {})}
            url = base + ("/models" if base.endswith("/v1") else "/v1/models")
            offers = [Offer("anthropic", i, base) for i in _openai_ids(await _get_json(session, url, headers, api_key_env))]
        elif provider == "gemini":
            headers = {"x-goog-api-key": api_key} if api_key else {}
            root = base if base.endswith(("/v1beta", "/v1")) else base + "/v1beta"
            payload = await _get_json(session, root + "/models", headers, api_key_env)
            listed = payload.get("models", []) if isinstance(payload, dict) else []
            offers = [
                Offer("gemini", str(m["name"]).removeprefix("models/"), base)
                for m in listed
                if isinstance(m, dict) and "generateContent" in m.get("supportedGenerationMethods", ["generateContent"])
            ]
        else:
            offers = await _discover_openai(session, base, api_key, api_key_env)
    if not offers:
        raise DiscoveryError(
            f"no models listed at {base} for provider {provider!r}: check --base-url (for OpenAI-compatible servers "
            f"the URL that ends in /v1, e.g. http://localhost:11434/v1 for Ollama) and --provider"
        )
    return offers


async def _discover_openai(session: aiohttp.ClientSession, base: str, api_key: str | None, key_env: str | None) -> list[Offer]:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    # The given URL may be the API root (…/v1) or the server root; try both spellings.
    roots = [base] if base.endswith("/v1") else [base + "/v1", base]
    for root in roots:
        ids = _openai_ids(await _get_json(session, root + "/models", headers, key_env))
        if ids:
            return [Offer("openai", i, root) for i in ids]
    server = base.removesuffix("/v1")
    ids = _ollama_ids(await _get_json(session, server + "/api/tags", headers, key_env))
    return [Offer("openai", i, server + "/v1") for i in ids]  # Ollama serves these through its /v1 API


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _name_for(model_id: str) -> str:
    return model_id.removesuffix(":latest").rsplit("/", 1)[-1][:100] or model_id[:100]


def render_toml(offers: list[Offer], api_key_env: str | None = None) -> str:
    """Ready-to-paste `[[models]]` entries; names are unique within the list."""
    lines = [
        f"# {len(offers)} model(s) offered at {offers[0].base_url if offers else ''}; paste into arenabot.toml and edit names, weights and vendor"
    ]
    used: set[str] = set()
    for offer in offers:
        name = _name_for(offer.model_id)
        if name.lower() in used:
            name = offer.model_id[:100]
        used.add(name.lower())
        lines += [
            "",
            "[[models]]",
            f"name = {_toml_string(name)}",
            f"provider = {_toml_string(offer.provider)}",
            f"model_id = {_toml_string(offer.model_id)}",
            f"base_url = {_toml_string(offer.base_url)}",
        ]
        if api_key_env:
            lines.append(f"api_key_env = {_toml_string(api_key_env)}")
    return "\n".join(lines) + "\n"
