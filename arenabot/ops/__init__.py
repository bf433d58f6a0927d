"""Operating the bot: metrics, health/readiness endpoint, graceful shutdown, leased periodic work."""

from arenabot.ops.metrics import Metrics
from arenabot.ops.readiness import Readiness
from arenabot.ops.runtime import Supervisor, supervise

__all__ = ["Metrics", "Readiness", "Supervisor", "supervise"]
