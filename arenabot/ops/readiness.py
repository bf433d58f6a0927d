"""Which adapters are connected, for /readyz.

The service owns a `Readiness` (`service.readiness`), which `arenabot run`'s supervisor serves. An adapter whose module
sets `REPORTS_READINESS = True` starts as not connected and calls
`service.readiness.report("discord", True)` once its gateway/socket is up (and False when it
drops); any other adapter (the console) counts as connected once started.
"""

from __future__ import annotations


class Readiness:
    def __init__(self) -> None:
        self._adapters: dict[str, bool] = {}

    def started(self, name: str, *, self_reporting: bool = False) -> None:
        self._adapters[name] = not self_reporting

    def report(self, name: str, connected: bool) -> None:
        self._adapters[name] = connected

    def stopped(self, name: str) -> None:
        self._adapters[name] = False

    def adapters(self) -> dict[str, bool]:
        return dict(self._adapters)

    def all_connected(self) -> bool:
        return bool(self._adapters) and all(self._adapters.values())
