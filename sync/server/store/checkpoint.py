"""WAL checkpoints on their own thread and connection, so that no commit ever pays for one.

With SQLite's default auto-checkpoint, the commit that pushes the WAL past 1000 pages copies
them into the database and fsyncs it, stalling every update queued behind it for ~10 ms. The
writer connection turns auto-checkpoint off; this thread runs a PASSIVE checkpoint (never blocks
the writer or the readers) about once a second while there are new commits, and a TRUNCATE one
on close.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


class Checkpointer:
    """Owns one connection, used on its own thread only."""

    def __init__(self, path: Path, commits: Callable[[], int], interval: float = 1.0) -> None:
        self._path = path
        self._commits = commits
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread. Loop thread."""
        self._thread = threading.Thread(target=self._run, name="parvis-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Run a final checkpoint and end the thread. Blocking: call it off the loop."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
            seen = self._commits()
            while not self._stop.wait(self._interval):
                now = self._commits()
                if now != seen:
                    seen = now
                    self._checkpoint(conn, "PASSIVE")
            self._checkpoint(conn, "TRUNCATE")
        finally:
            conn.close()

    @staticmethod
    def _checkpoint(conn: sqlite3.Connection, mode: str) -> None:
        try:
            conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
        except sqlite3.Error as exc:  # retried at the next round; SQLite stays consistent
            log.warning("point de contrôle du journal WAL en échec : %s", exc)
