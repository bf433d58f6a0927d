"""Providers benchmark: 200 concurrent streamed battles (400 streams) against the local fake API.

Compares the client CPU time per streamed token of `ProviderHub.complete` (SSE parsing, deadlines,
reasoning filter, on_delta callback) with a bare aiohttp SSE reader that only parses the JSON
deltas, in the same run and against the same server, and reports the bot's peak memory.

The fake server runs in a child process, so the client's CPU time is the client's alone.
Usage: .venv/bin/python bench/providers_bench.py [--battles 200] [--tokens 100] [--token-delay 0.01] [--rounds 5]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402

from arenabot.config import ModelSettings  # noqa: E402
from arenabot.domain import Message  # noqa: E402
from arenabot.providers import ProviderHub  # noqa: E402

START_RSS_MB = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
PROMPT = [Message("user", "Write a short story about a lighthouse keeper.")]


def _serve(port_out, tokens: int, delay: float) -> None:
    from tests.providers.fake_api import FakeApi

    async def main() -> None:
        api = await FakeApi().start()
        api.record_requests = False
        api.script("bench", tokens=[f" word{i % 10}" for i in range(tokens)], delay_s=delay)
        port_out.send(api.url)
        await asyncio.Event().wait()

    asyncio.run(main())


async def bare_stream(session: aiohttp.ClientSession, url: str) -> int:
    """The least a client must do: POST, read SSE lines, parse each JSON delta, keep the text."""
    parts: list[str] = []
    body = {"model": "bench", "messages": [{"role": "user", "content": PROMPT[0].content}], "stream": True}
    async with session.post(url, json=body) as response:
        async for line in response.content:
            if not line.startswith(b"data: "):
                continue
            data = line[6:].strip()
            if data == b"[DONE]":
                break
            choices = json.loads(data).get("choices")
            if choices and choices[0]["delta"].get("content"):
                parts.append(choices[0]["delta"]["content"])
    return len(parts)


async def bare_chunked_stream(session: aiohttp.ClientSession, url: str) -> int:
    """The same, reading whatever arrived and splitting lines itself (the read strategy the hub uses)."""
    parts: list[str] = []
    body = {"model": "bench", "messages": [{"role": "user", "content": PROMPT[0].content}], "stream": True}
    rest = b""
    async with session.post(url, json=body) as response:
        async for piece in response.content.iter_any():
            lines = (rest + piece).split(b"\n")
            rest = lines.pop()
            for line in lines:
                if not line.startswith(b"data: ") or line == b"data: [DONE]":
                    continue
                choices = json.loads(line[6:]).get("choices")
                if choices and choices[0]["delta"].get("content"):
                    parts.append(choices[0]["delta"]["content"])
    return len(parts)


async def hub_stream(hub: ProviderHub, model: ModelSettings) -> int:
    count = 0

    async def on_delta(delta: str) -> None:
        nonlocal count
        count += 1

    await hub.complete(model, PROMPT, on_delta)
    return count


async def run_bare(url: str, streams: int, reader=bare_stream) -> tuple[float, float, int]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await reader(session, url)  # warm the pool's first connection
        cpu, wall = time.process_time(), time.perf_counter()
        counts = await asyncio.gather(*(reader(session, url) for _ in range(streams)))
        return time.process_time() - cpu, time.perf_counter() - wall, sum(counts)


async def run_hub(hub: ProviderHub, model: ModelSettings, streams: int) -> tuple[float, float, int]:
    await hub_stream(hub, model)
    cpu, wall = time.process_time(), time.perf_counter()
    counts = await asyncio.gather(*(hub_stream(hub, model) for _ in range(streams)))
    return time.process_time() - cpu, time.perf_counter() - wall, sum(counts)


async def bench(base: str, args: argparse.Namespace) -> None:
    streams = args.battles * 2
    model = ModelSettings(name="bench", provider="openai", model_id="bench", base_url=f"{base}/v1",
                          limits={"max_concurrency": streams, "total_timeout_s": 600})
    url = f"{base}/v1/chat/completions"
    hub = ProviderHub()
    bare_us: list[float] = []
    chunked_us: list[float] = []
    ours_us: list[float] = []
    try:
        for round_ in range(args.rounds):
            runs = {
                "bare": lambda: run_bare(url, streams),
                "chunked": lambda: run_bare(url, streams, bare_chunked_stream),
                "hub": lambda: run_hub(hub, model, streams),
            }
            order = list(runs)[round_ % 3:] + list(runs)[:round_ % 3]  # rotate, so no reader always goes first
            results = {name: await runs[name]() for name in order}
            (cpu_b, wall_b, tok_b), (cpu_c, wall_c, tok_c), (cpu_h, wall_h, tok_h) = results["bare"], results["chunked"], results["hub"]
            assert tok_b == tok_c == tok_h == streams * args.tokens, (tok_b, tok_c, tok_h)
            bare_us.append(cpu_b / tok_b * 1e6)
            chunked_us.append(cpu_c / tok_c * 1e6)
            ours_us.append(cpu_h / tok_h * 1e6)
            print(f"round {round_ + 1}: bare readline {bare_us[-1]:.2f} us/token ({wall_b:.2f}s wall), "
                  f"bare chunked {chunked_us[-1]:.2f} us/token ({wall_c:.2f}s wall), "
                  f"hub {ours_us[-1]:.2f} us/token ({wall_h:.2f}s wall); {tok_h} tokens each")
        tracemalloc.start()
        await run_hub(hub, model, streams)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        await hub.close()
    bare, chunked, ours = (statistics.median(v) for v in (bare_us, chunked_us, ours_us))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{args.battles} concurrent battles = {streams} streams x {args.tokens} tokens, token delay {args.token_delay * 1000:.0f} ms")
    print(f"client CPU per token (median of {args.rounds} rounds): bare aiohttp SSE reader {bare:.2f} us "
          f"(line by line) / {chunked:.2f} us (chunked), ProviderHub {ours:.2f} us")
    for label, baseline in (("line-by-line", bare), ("chunked", chunked)):
        print(f"overhead vs bare {label} reader: {ours - baseline:+.2f} us/token = {100 * (ours - baseline) / baseline:+.1f}% (target: within +10%)")
    print(f"peak memory: {rss_mb:.0f} MB max RSS of the bench process (imports: {START_RSS_MB:.0f} MB); "
          f"{traced_peak / 2**20:.1f} MB Python allocations at peak during one round of {streams} hub streams")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=200)
    parser.add_argument("--tokens", type=int, default=100)
    parser.add_argument("--token-delay", type=float, default=0.01, help="seconds between tokens on the server")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    server = context.Process(target=_serve, args=(send, args.tokens, args.token_delay), daemon=True)
    server.start()
    try:
        base = receive.recv()
        asyncio.run(bench(base, args))
    finally:
        server.terminate()
        server.join(5)


if __name__ == "__main__":
    main()
