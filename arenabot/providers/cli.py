"""`arenabot models discover`: list the models a server offers as ready-to-paste config entries."""

from __future__ import annotations

import argparse
import os
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    models = subparsers.add_parser("models", help="Work with the models the arena can reach.")
    commands = models.add_subparsers(dest="models_command", metavar="SUBCOMMAND")
    find = commands.add_parser(
        "discover",
        help="List the models a server offers as [[models]] entries for arenabot.toml.",
        description="Reads /v1/models (OpenAI-compatible servers: vLLM, llama.cpp, LM Studio, OpenRouter, ...), "
        "Ollama's /api/tags, or the Anthropic and Gemini model lists.",
    )
    find.add_argument("--base-url", required=True, help="Server URL, e.g. http://localhost:11434/v1")
    find.add_argument("--api-key-env", help="Environment variable that holds the API key (never the key itself).")
    find.add_argument(
        "--provider",
        choices=["openai", "anthropic", "gemini"],
        default="openai",
        help="API flavour (default: openai, i.e. any OpenAI-compatible server).",
    )
    find.add_argument("--timeout", type=float, default=10.0, help="Seconds to wait for the server (default 10).")
    find.set_defaults(handler=_discover)
    models.set_defaults(handler=lambda args: models.print_help() or 2)


def _discover(args: argparse.Namespace) -> int:
    import asyncio

    from arenabot.providers.discovery import DiscoveryError, discover, render_toml

    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            print(
                f"error: the environment variable {args.api_key_env} is empty or unset; export the key in it first",
                file=sys.stderr,
            )
            return 1
    try:
        offers = asyncio.run(discover(args.base_url, args.provider, api_key, args.api_key_env, args.timeout))
    except DiscoveryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(render_toml(offers, args.api_key_env))
    return 0
