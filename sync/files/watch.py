"""Watching synced folders while the app runs (watchdog), so that a saved file goes out soon.

Events are not acted on as they come: a file is "settled" once no event touched it for
`settle` seconds and its size and mtime did not move between two looks. Only when every file
of a folder is settled does the watcher call `on_ready(folder_id)` (once for a burst of
events), and the engine's round scans the folder. Lock files and temp saves (`.~lock.*#`,
`~$*`, `*.tmp`, our `.parvis-tmp-*`…) are never even waited for: a LibreOffice save (write a
temp file, rename it over the document) shows as one change of the document, once the rename
is done. The round checks again that a file does not move while it is hashed and sent.

`on_ready` is called in the watcher's own thread: the desktop hands it to the sync loop with
`loop.call_soon_threadsafe(engine.wake)`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from .names import ignored_path

SETTLE = 1.5
POLL = 0.25


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher, folder_id: str, root: Path) -> None:
        self.watcher, self.folder_id, self.root = watcher, folder_id, root

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            path = os.fsdecode(raw) if raw else ""
            if not path:
                continue
            try:
                rel = Path(path).relative_to(self.root).as_posix()
            except ValueError:
                continue
            if rel in ("", ".") or ignored_path(rel):
                continue
            if event.is_directory and event.event_type == "modified":
                continue  # a folder's mtime moves with its files: their own events say it
            self.watcher.touched(self.folder_id, path)


class FolderWatcher:
    """Watches the roots given to `watch`; calls `on_ready(folder_id)` once that folder's
    changes have settled. Thread-safe; `stop` before quitting."""

    def __init__(self, on_ready: Callable[[str], None], settle: float = SETTLE, poll: float = POLL) -> None:
        self.on_ready, self.settle, self.poll = on_ready, settle, poll
        self._observer: BaseObserver = Observer()
        self._watches: dict[str, ObservedWatch] = {}
        self._lock = threading.Lock()
        # folder id → path → (time of its last event, its (size, mtime) at the last look)
        self._pending: dict[str, dict[str, tuple[float, tuple[int, int] | None]]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="parvis-files-watch", daemon=True)

    def start(self) -> None:
        self._observer.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._observer.stop()
        self._observer.join(5)
        if self._thread.is_alive():
            self._thread.join(5)

    def watch(self, folder_id: str, root: Path) -> None:
        """Watch `root` (recursively) for `folder_id`, instead of any root watched for it before.
        Raises OSError when the folder cannot be watched (missing)."""
        self.unwatch(folder_id)
        handler = _Handler(self, folder_id, Path(root).resolve())
        watch = self._observer.schedule(handler, str(Path(root).resolve()), recursive=True)
        with self._lock:
            self._watches[folder_id] = watch

    def unwatch(self, folder_id: str) -> None:
        with self._lock:
            watch = self._watches.pop(folder_id, None)
            self._pending.pop(folder_id, None)
        if watch is not None:
            self._observer.unschedule(watch)

    def touched(self, folder_id: str, path: str) -> None:
        """An event touched `path`: wait for it to settle again. Any thread."""
        with self._lock:
            self._pending.setdefault(folder_id, {})[path] = (time.monotonic(), _stat(path))

    def _loop(self) -> None:
        while not self._stop.wait(self.poll):
            for folder_id in self._settled():
                self.on_ready(folder_id)

    def _settled(self) -> list[str]:
        """The folders whose every touched file has settled (forgotten then)."""
        now, ready = time.monotonic(), []
        with self._lock:
            for folder_id, paths in list(self._pending.items()):
                quiet = True
                for path, (last, seen) in list(paths.items()):
                    current = _stat(path)
                    if now - last < self.settle or current != seen:
                        paths[path] = (last if current == seen else now, current)
                        quiet = False
                if quiet:
                    del self._pending[folder_id]
                    ready.append(folder_id)
        return ready
