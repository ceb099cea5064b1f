"""The operations layer: the UI's database work runs here, off the UI thread.

One worker thread owns its own store connection and runs operations one at a time, in the
order they were asked for, so that a keystroke stored after another is never reordered. Each
result comes back to the UI thread through a queued signal, with a `Changes` value that says
what changed so that views refresh only that.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from storage.docs import DocStore, OpenDoc
from storage.errors import ParvisError
from storage.vault import Vault

T = TypeVar("T")


@dataclass(frozen=True)
class Changes:
    """What an operation changed: the document list (titles, roles, documents added or
    removed), and pending changes for the server."""

    documents: bool = False
    outbox: bool = False


NOTHING = Changes()


@dataclass
class Context:
    """What an operation gets: the worker's connection, and the worker's own copies of the
    documents open in editors (pycrdt docs stay on the thread that made them)."""

    conn: Any
    docs: DocStore
    open_docs: dict[str, OpenDoc] = field(default_factory=dict)

    def doc(self, doc_id: str) -> OpenDoc:
        """The worker's copy of a document, loaded on first use. Raises NotFound."""
        od = self.open_docs.get(doc_id)
        if od is None:
            od = self.open_docs[doc_id] = self.docs.open(doc_id)
        return od


@dataclass
class _Job:
    fn: Callable[[Context], Any]
    on_done: Callable[[Any], None] | None
    on_error: Callable[[ParvisError], None] | None
    changes: Changes


class Ops(QObject):
    """Runs store operations on one worker thread. Create and call from the UI thread."""

    changed = Signal(object)  # Changes, after a job that changed something
    failed = Signal(str)  # the message of an error no caller handled
    _finished = Signal(object, object, object)  # job, result, error

    def __init__(self, vault: Vault, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._pending = 0
        self._finished.connect(self._deliver)
        self._thread = threading.Thread(target=self._work, args=(vault,), name="parvis-ops", daemon=True)
        self._thread.start()

    def run(self, fn: Callable[[Context], T], on_done: Callable[[T], None] | None = None,
            on_error: Callable[[ParvisError], None] | None = None, changes: Changes = NOTHING) -> None:
        """Queue `fn(context)` for the worker. `on_done(result)` or `on_error(error)` then runs
        in the UI thread; an error nobody handles is emitted as `failed`. UI thread only."""
        self._pending += 1
        self._queue.put(_Job(fn, on_done, on_error, changes))

    @property
    def busy(self) -> bool:
        """Whether jobs are queued or running (tests wait for it to drop)."""
        return self._pending > 0

    def close(self, timeout: float = 10.0) -> None:
        """Finish the queued jobs, then stop the worker and close its connection."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _work(self, vault: Vault) -> None:
        conn = vault.connect()
        ctx = Context(conn, DocStore(conn))
        try:
            while (job := self._queue.get()) is not None:
                try:
                    result, error = job.fn(ctx), None
                except ParvisError as exc:
                    result, error = None, exc
                except Exception as exc:  # a bug must not kill the worker: say it, go on
                    result, error = None, ParvisError(f"Erreur interne : {exc!r}")
                self._finished.emit(job, result, error)
        finally:
            conn.close()

    def _deliver(self, job: _Job, result: Any, error: ParvisError | None) -> None:
        self._pending -= 1
        if error is not None:
            if job.on_error is not None:
                job.on_error(error)
            else:
                self.failed.emit(str(error))
            return
        if job.on_done is not None:
            job.on_done(result)
        if job.changes != NOTHING:
            self.changed.emit(job.changes)
