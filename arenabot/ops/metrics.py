"""The arena's Prometheus metrics, in a registry of their own (never the process-global one), so
two cores in one process (tests) never share counters."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

# Replies take seconds to minutes; first tokens arrive within a few seconds.
LATENCY_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300)
FIRST_TOKEN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60)
LEADERBOARD_BUCKETS = (0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5)

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.battles_started = Counter(
            "arenabot_battles_started", "Battles created (both models sampled, stored as open).", registry=r
        )
        self.battles_void = Counter("arenabot_battles_void", "Battles voided, by cause.", ["cause"], registry=r)
        self.battles_leaked = Counter(
            "arenabot_battles_identity_leak", "Battles flagged because a prompt or reply named a model.", registry=r
        )
        self.votes = Counter(
            "arenabot_votes",
            "Vote events by result: counted, changed, unchanged, withdrawn, late, duplicate, void.",
            ["status"],
            registry=r,
        )
        self.open_battles = Gauge(
            "arenabot_open_battles", "Battles open for votes, read from the database at scrape time.", registry=r
        )
        self.provider_latency = Histogram(
            "arenabot_provider_latency_seconds",
            "Whole-reply latency of successful completions, per model.",
            ["model"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.first_token = Histogram(
            "arenabot_provider_first_token_seconds",
            "Time to the first streamed token, per model.",
            ["model"],
            buckets=FIRST_TOKEN_BUCKETS,
            registry=r,
        )
        self.provider_errors = Counter(
            "arenabot_provider_errors", "Failed completions, per model and error kind.", ["model", "kind"], registry=r
        )
        self.leaderboard_seconds = Histogram(
            "arenabot_leaderboard_compute_seconds",
            "Time to build a leaderboard from pair counts (cache hits included).",
            buckets=LEADERBOARD_BUCKETS,
            registry=r,
        )
        self.periodic_runs = Counter(
            "arenabot_periodic_runs", "Periodic work this process ran (it held the lease).", ["task"], registry=r
        )
        self.periodic_skipped = Counter(
            "arenabot_periodic_skipped",
            "Periodic work this process skipped because another process held the lease.",
            ["task"],
            registry=r,
        )
        self.content_checks = Counter(
            "arenabot_content_checks",
            "Content moderation checks, by what was checked (prompt, reply) and result (flagged, passed, unchecked: the endpoint failed).",
            ["where", "result"],
            registry=r,
        )
        self.shutting_down = Gauge("arenabot_shutting_down", "1 once a graceful shutdown has begun.", registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def void_cause(reason: str) -> str:
    """A small, fixed label set from the free-text void reason."""
    lowered = reason.lower()
    if lowered.startswith("interrupted"):
        return "shutdown"
    if "content moderation" in lowered:
        return "content"
    if "internal error" in lowered:
        return "internal"
    if "failed" in lowered:
        return "provider"
    return "moderator"
