"""Progress of file transfers, for the UI: per transfer, bytes done and total, and the speed.

The sync thread updates it; any thread reads `snapshot()` (a lock guards the table), and
listeners are called in the sync thread after each change (the desktop re-posts them to the UI
thread through a queued signal). In memory only: nothing here is stored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

UP, DOWN = "up", "down"


@dataclass(frozen=True)
class Transfer:
    """One upload or download: `done` of `total` bytes since `started` (time.monotonic)."""

    folder: str
    path: str
    direction: str
    total: int
    done: int = 0
    started: float = 0.0
    resumed_from: int = 0  # bytes already there when this run began (not counted in the speed)
    finished: bool = False

    @property
    def speed(self) -> float:
        """Bytes per second over this run."""
        elapsed = max(time.monotonic() - self.started, 1e-3)
        return max(self.done - self.resumed_from, 0) / elapsed

    @property
    def fraction(self) -> float:
        return 1.0 if self.total <= 0 else min(self.done / self.total, 1.0)


class Transfers:
    """The transfers of the current round, by (folder, path, direction)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str, str], Transfer] = {}
        self.listeners: list[Callable[[Transfer], None]] = []

    def start(self, folder: str, path: str, direction: str, total: int, done: int = 0) -> Transfer:
        t = Transfer(folder, path, direction, total, done, time.monotonic(), done)
        self._set(t)
        return t

    def advance(self, t: Transfer, done: int) -> Transfer:
        t = replace(t, done=done)
        self._set(t)
        return t

    def finish(self, t: Transfer) -> None:
        self._set(replace(t, done=t.total, finished=True))

    def snapshot(self) -> list[Transfer]:
        """Return the transfers under way and those finished this round. Any thread."""
        with self._lock:
            return list(self._items.values())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def _set(self, t: Transfer) -> None:
        with self._lock:
            self._items[(t.folder, t.path, t.direction)] = t
        for listener in list(self.listeners):
            listener(t)
