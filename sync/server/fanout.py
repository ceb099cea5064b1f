"""Sending a room's messages: one task writes to every peer in turn, a stalled peer gets its own.

Fan-out is the hot path (a keystroke goes to every other editor of the document). A task per
peer would cost a task switch per message per peer; instead one `Sender` per room awaits each
peer's ASGI `send` in turn, which completes at once while the peer's socket accepts data.

A peer that stops reading eventually makes its `send` wait (uvicorn pauses writing once 64 KiB
are buffered). A watchdog notices the room's task stuck on one peer for `stall_timeout`, cancels
that send and moves the peer to slow mode: its messages then queue in its own backlog, drained by
its own task, so the rest of the room carries on. Once the backlog is drained the peer returns
to the shared path. Messages to one peer keep their order in every case. A backlog over
`max_backlog` bytes closes the peer (it resynchronises when it reconnects).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Close:
    """A close frame to send after everything queued before it."""

    code: int
    reason: str


Item = bytes | Close


class Outlet:
    """The sending side of one peer. Loop thread only."""

    def __init__(self, send: Send, sender: Sender, max_backlog: int, on_overflow: Callable[[], None]) -> None:
        self._send = send
        self._sender = sender
        self._max_backlog = max_backlog
        self._on_overflow = on_overflow
        self.slow = False
        self.dead = False  # closed, or the client went away: nothing more is sent
        self._backlog: deque[Item] = deque()
        self._backlog_bytes = 0
        self._drainer: asyncio.Task[None] | None = None
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def put(self, item: Item) -> None:
        """Queue `item` for the client, after everything queued before."""
        if self.dead:
            return
        if self.slow:
            self._to_backlog(item)
        else:
            self._sender.queue(self, item)

    def abandon(self) -> None:
        """Send nothing more (the client is gone)."""
        self._finish()

    async def write(self, item: Item) -> None:
        """Send one item now. Marks the outlet dead after a close or a failed send."""
        try:
            if isinstance(item, Close):
                await self._send({"type": "websocket.close", "code": item.code, "reason": item.reason})
                self._finish()
            else:
                await self._send({"type": "websocket.send", "bytes": item})
        except asyncio.CancelledError:
            raise
        except Exception:  # the client went away
            self._finish()

    def demote(self, item: Item) -> None:
        """Called by the room's sender when `item` could not be sent in time: from now on this
        peer is served by its own task, starting with `item`."""
        self.slow = True
        self._backlog.appendleft(item)
        self._backlog_bytes += _size(item)
        self._drainer = asyncio.create_task(self._drain())

    def _to_backlog(self, item: Item) -> None:
        self._backlog.append(item)
        self._backlog_bytes += _size(item)
        if self._backlog_bytes > self._max_backlog and not isinstance(item, Close):
            self._backlog.clear()
            self._backlog_bytes = 0
            self._on_overflow()

    async def _drain(self) -> None:
        while self._backlog and not self.dead:
            item = self._backlog.popleft()
            self._backlog_bytes -= _size(item)
            await self.write(item)
        self._backlog.clear()
        self._backlog_bytes = 0
        self.slow = False
        self._drainer = None

    def _finish(self) -> None:
        self.dead = True
        self._backlog.clear()
        if not self.finished.done():
            self.finished.set_result(None)

    def cancel(self) -> None:
        """Stop the drainer task, if any (room disposal)."""
        if self._drainer is not None:
            self._drainer.cancel()
        self._finish()


def _size(item: Item) -> int:
    return len(item) if isinstance(item, bytes) else 0


class Sender:
    """The room's sending task and its stall watchdog. Loop thread only."""

    def __init__(self, stall_timeout: float = 0.1) -> None:
        self._stall_timeout = stall_timeout
        self._queue: deque[tuple[Outlet, Item]] = deque()
        self._task: asyncio.Task[None] | None = None
        self._current: Outlet | None = None  # the peer being written to
        self._sends = 0  # sends started, for the watchdog
        self._seen = -1
        self._stalled = False
        self._timer: asyncio.TimerHandle | None = None

    def queue(self, outlet: Outlet, item: Item) -> None:
        """Queue one item for a fast-path outlet and make sure the task runs."""
        self._queue.append((outlet, item))
        if self._task is None:
            self._task = asyncio.create_task(self._run())
            self._arm()

    async def _run(self) -> None:
        queue = self._queue
        try:
            while queue:
                outlet, item = queue.popleft()
                if outlet.dead:
                    continue
                if outlet.slow:
                    outlet.put(item)
                    continue
                self._current = outlet
                self._sends += 1
                try:
                    if type(item) is bytes:  # the hot path, one coroutine layer less
                        await outlet._send({"type": "websocket.send", "bytes": item})
                    else:
                        await outlet.write(item)
                except asyncio.CancelledError:
                    if not self._stalled:
                        raise
                    self._unstall(outlet, item)
                except Exception:  # the client went away
                    outlet.abandon()
                self._current = None
        finally:
            self._task = None
            self._current = None
            self._stalled = False

    def _unstall(self, outlet: Outlet, item: Item) -> None:
        """The watchdog cancelled our send to `outlet`: serve that peer from its own task."""
        self._stalled = False
        task = asyncio.current_task()
        if task is not None and task.uncancel() > 0:  # someone else cancelled us too
            outlet.demote(item)
            raise asyncio.CancelledError
        log.info("client lent : envoi déporté sur sa propre tâche")
        outlet.demote(item)

    def _arm(self) -> None:
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._stall_timeout / 2, self._check)

    def _check(self) -> None:
        """Runs only while the task is suspended: if the same send was in progress at the
        previous check too, that peer is stalled."""
        self._timer = None
        if self._task is None:
            return
        if self._current is not None and self._sends == self._seen and not self._stalled:
            self._stalled = True
            self._task.cancel()
        self._seen = self._sends
        self._arm()

    def close(self) -> None:
        """Stop sending (room disposal)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._task is not None:
            self._task.cancel()
        self._queue.clear()

