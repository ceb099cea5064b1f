"""One dedicated SQLite writer thread with group commit.

The event loop submits write operations and gets a future back. Submissions made during one
turn of the loop are handed to the thread together at the end of that turn (a burst of updates
read from many sockets becomes one batch, and the thread is woken once, not once per update).
The thread takes everything queued at that moment, runs it in ONE transaction, commits once,
then resolves every future of the batch in a single `loop.call_soon_threadsafe` callback.

Two kinds of jobs:
- an operation (a callable taking the connection), run in its own savepoint so that one failing
  operation does not undo the others;
- an append of update rows. Consecutive appends of a batch become ONE multi-row INSERT: each
  statement costs this thread a GIL round trip, which the busy event-loop thread can delay by a
  switch interval. Rows of one INSERT get consecutive ids (AUTOINCREMENT, single writer), so each
  append learns its last id. If that INSERT fails, the appends are retried one by one so that
  only the faulty one fails.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import StoreError

T = TypeVar("T")
log = logging.getLogger(__name__)

Operation = Callable[[sqlite3.Connection], Any]
# Inserts (doc_id, data) rows in one statement, returns the last row id; raises on failure.
BulkInsert = Callable[[sqlite3.Connection, list[tuple[str, bytes]]], int]
Result = tuple[asyncio.Future[Any], Any, BaseException | None]

_MAX_ROWS_PER_INSERT = 500


@dataclass(slots=True)
class _Job:
    op: Operation
    future: asyncio.Future[Any]


@dataclass(slots=True)
class _Append:
    rows: list[tuple[str, bytes]]
    future: asyncio.Future[int]


_STOP = object()


class GroupCommitWriter:
    """Owns the write connection; everything it does happens on its own thread."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        bulk_insert: BulkInsert,
        on_append_error: Callable[[Exception, str], BaseException],
        name: str = "parvis-writer",
    ) -> None:
        self._connect = connect
        self._bulk_insert = bulk_insert
        self._append_error = on_append_error
        self._name = name
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._staged: list[_Job | _Append] = []  # submitted during this turn of the loop
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = 0  # statistics: transactions committed

    async def start(self, init: Operation) -> None:
        """Start the thread, open the connection and run `init` (schema set-up) in it. Raises what
        `init` raises. Loop thread."""
        self._loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = self._loop.create_future()
        self._thread = threading.Thread(target=self._run, args=(init, ready), name=self._name, daemon=True)
        self._thread.start()
        await ready

    def _new_future(self) -> asyncio.Future[Any]:
        if self._loop is None or self._thread is None or not self._thread.is_alive():
            raise StoreError("le stockage est fermé")
        return self._loop.create_future()

    def submit(self, op: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """Queue `op` for the next transaction; return a future of its result. Loop thread only.
        Raises StoreError once stopped."""
        fut: asyncio.Future[T] = self._new_future()
        self._stage(_Job(op, fut))
        return fut

    def submit_append(self, doc_id: str, updates: list[bytes]) -> asyncio.Future[int]:
        """Queue update rows for `doc_id`; return a future of the last row id. Loop thread only."""
        fut: asyncio.Future[int] = self._new_future()
        self._stage(_Append([(doc_id, u) for u in updates], fut))
        return fut

    def _stage(self, job: _Job | _Append) -> None:
        if not self._staged:
            assert self._loop is not None
            self._loop.call_soon(self._hand_over)
        self._staged.append(job)

    def _hand_over(self) -> None:
        staged, self._staged = self._staged, []
        self._queue.put(staged)

    async def stop(self) -> None:
        """Finish every queued job, then close the connection and end the thread. Loop thread."""
        thread = self._thread
        if thread is None:
            return
        self._hand_over()
        self._queue.put(_STOP)
        await asyncio.to_thread(thread.join)
        self._thread = None

    # -- writer thread ----------------------------------------------------------------------------

    def _run(self, init: Operation, ready: asyncio.Future[None]) -> None:
        try:
            conn = self._connect()
            init(conn)
        except BaseException as exc:  # noqa: BLE001 - reported to the opener
            self._resolve_all([(ready, None, exc)])
            return
        self._resolve_all([(ready, None, None)])
        try:
            while True:
                jobs, stop = self._take_batch()
                if jobs:
                    self._run_batch(conn, jobs)
                if stop:
                    return
        finally:
            conn.close()

    def _take_batch(self) -> tuple[list[_Job | _Append], bool]:
        items = [self._queue.get()]
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        jobs = [job for item in items if isinstance(item, list) for job in item]
        return jobs, any(item is _STOP for item in items)

    def _run_batch(self, conn: sqlite3.Connection, jobs: list[_Job | _Append]) -> None:
        results = self._run_appends_only(conn, jobs)
        if results is None:
            results = self._run_transaction(conn, jobs)
        self.batches += 1
        self._resolve_all(results)

    def _run_appends_only(self, conn: sqlite3.Connection, jobs: list[_Job | _Append]) -> list[Result] | None:
        """The hot path: a batch of appends only is ONE autocommit INSERT (its own transaction),
        one call into SQLite instead of three. None if the batch does not qualify or failed."""
        if len(jobs) > _MAX_ROWS_PER_INSERT or not all(isinstance(j, _Append) for j in jobs):
            return None
        group: list[_Append] = jobs  # type: ignore[assignment]
        rows = [row for job in group for row in job.rows]
        try:
            last = self._bulk_insert(conn, rows)
        except sqlite3.Error:
            return None  # retried in a transaction, one append at a time
        return _spread_ids(group, last)

    def _run_transaction(self, conn: sqlite3.Connection, jobs: list[_Job | _Append]) -> list[Result]:
        results: list[Result] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            i = 0
            while i < len(jobs):
                job = jobs[i]
                if isinstance(job, _Job):
                    results.append(self._run_job(conn, job))
                    i += 1
                    continue
                group: list[_Append] = []
                while i < len(jobs) and isinstance(jobs[i], _Append) and len(group) < _MAX_ROWS_PER_INSERT:
                    group.append(jobs[i])  # type: ignore[arg-type]
                    i += 1
                results.extend(self._run_appends(conn, group))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            log.error("écriture groupée annulée : %s", exc)
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            err = StoreError(f"échec d'écriture dans la base : {exc}")
            results = [(job.future, None, err) for job in jobs]
        return results

    @staticmethod
    def _run_job(conn: sqlite3.Connection, job: _Job) -> Result:
        conn.execute("SAVEPOINT job")
        try:
            value = job.op(conn)
        except Exception as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            conn.execute("ROLLBACK TO job")
            conn.execute("RELEASE job")
            return job.future, None, exc
        conn.execute("RELEASE job")
        return job.future, value, None

    def _run_appends(self, conn: sqlite3.Connection, group: list[_Append]) -> list[Result]:
        rows = [row for job in group for row in job.rows]
        try:
            last = self._bulk_insert(conn, rows)  # one statement: atomic on its own
        except sqlite3.IntegrityError:
            return [self._run_one_append(conn, job) for job in group]
        return _spread_ids(group, last)

    def _run_one_append(self, conn: sqlite3.Connection, job: _Append) -> Result:
        try:
            return job.future, self._bulk_insert(conn, job.rows), None
        except sqlite3.IntegrityError as exc:
            return job.future, None, self._append_error(exc, job.rows[0][0])

    def _resolve_all(self, results: list[Result]) -> None:
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(_settle, results)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass


def _spread_ids(group: list[_Append], last: int) -> list[Result]:
    """Give each append of one multi-row INSERT its last row id (the ids are consecutive)."""
    results: list[Result] = []
    end = last - sum(len(job.rows) for job in group)
    for job in group:
        end += len(job.rows)
        results.append((job.future, end, None))
    return results


def _settle(results: list[Result]) -> None:
    for fut, value, exc in results:
        if fut.done():
            continue
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(value)
