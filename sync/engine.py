"""The sync engine: one full round for every module, status, and retries with backoff.

The engine owns its own store connection and runs in the sync thread's event loop. The
desktop learns what happened from `status` and the store; the CLI calls `sync_once`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from httpx_ws import WebSocketUpgradeError

from storage import outbox
from storage.calendar import CalendarStore
from storage.db import get_setting, transaction
from storage.docs import DocStore
from storage.errors import ParvisError
from storage.files import FilesStore
from storage.mail import MailStore

from . import account as accounts
from .cal import sync_calendars
from .chat import sync_chat
from .docs import relax_durability, sync_http, sync_ws
from .errors import NoAccount, Refused, SyncError, Unreachable
from .files import Transfers, sync_files
from .http import Account, check, explain
from .mail import MailReport, sync_mail
from .mail.send import send_queued

TRANSPORTS = ("auto", "websocket", "http")


@dataclass(frozen=True)
class Status:
    """What the status bar shows. `online` is None before the first attempt."""

    online: bool | None = None
    syncing: bool = False
    pending: dict[str, int] = field(default_factory=dict)
    last_error: str | None = None
    last_success: float | None = None
    # What the last round settled and the user should hear of (a calendar conflict kept as a
    # copy, a mail move that found the message gone): said once, after that round.
    notes: tuple[str, ...] = ()


@dataclass
class Report:
    documents: int = 0
    chat_sent: int = 0
    chat_received: int = 0
    errors: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    bytes_received: int = 0
    # Mail: messages new here, bodies downloaded, messages sent, local actions applied on the
    # server, conflicts settled (notes, not errors), and the first mail failure (its type says
    # whether a mail server was unreachable, refused the password…), also listed in `errors`.
    mail_received: int = 0
    mail_bodies: int = 0
    mail_sent: int = 0
    mail_actions: int = 0
    mail_notes: list[str] = field(default_factory=list)
    mail_error: ParvisError | None = None
    mail_accounts_failed: int = 0
    # Calendars: events fetched and sent, conflicts kept as copies, merges and conflicts said.
    cal_received: int = 0
    cal_sent: int = 0
    cal_conflicts: int = 0
    cal_notes: list[str] = field(default_factory=list)
    cal_error: ParvisError | None = None
    cal_accounts_failed: int = 0
    # Shared folders (document bank): files sent, received, moved or deleted on either side,
    # conflicts kept as copies, and what the user should hear of them.
    files_up: int = 0
    files_down: int = 0
    files_moved: int = 0
    files_deleted: int = 0
    files_conflicts: int = 0
    files_notes: list[str] = field(default_factory=list)


class Backoff:
    """Exponential backoff with full jitter: the n-th delay is uniform in [0, min(cap, base·2ⁿ)],
    so that a hundred laptops coming back online do not knock on the server together."""

    def __init__(self, base: float = 1.0, cap: float = 300.0, rng: Callable[[], float] = random.random) -> None:
        self.base, self.cap, self.rng, self.attempts = base, cap, rng, 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(self.attempts, 30))
        self.attempts += 1
        return ceiling * self.rng()

    def reset(self) -> None:
        self.attempts = 0


class Engine:
    """Sync of one profile. `transport` replaces the network in tests (httpx-ws's
    ASGIWebSocketTransport runs the server in-process)."""

    def __init__(self, conn: Any, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.conn = conn
        relax_durability(conn)
        self.docs = DocStore(conn)
        self.transport = transport
        self._status = Status(pending=outbox.counts(conn))
        self.listeners: list[Callable[[Status], None]] = []
        # Bytes done and total of each file transfer, for the UI (it adds its listener).
        self.transfers = Transfers()
        # One sync of the shared folders at a time on this connection: a round's, or one the UI
        # asks for (a restored version to bring down) while the loop is between two steps.
        self.files_lock = asyncio.Lock()
        self._wake = asyncio.Event()

    # -- status -------------------------------------------------------------------------

    @property
    def status(self) -> Status:
        return self._status

    def _publish(self, **changes: Any) -> None:
        pending = outbox.counts(self.conn)
        if files := FilesStore(self.conn).pending_count():
            pending["files"] = files
        self._status = replace(self._status, pending=pending, **changes)
        for listener in list(self.listeners):
            listener(self._status)

    def wake(self) -> None:
        """A local change was committed: sync soon. Call from the sync thread's loop (other
        threads use loop.call_soon_threadsafe(engine.wake))."""
        self._wake.set()

    # -- one round ----------------------------------------------------------------------

    async def sync_once(self) -> Report:
        """Push every pending local change and fetch every remote one, for every module.
        Raises NoAccount, Unreachable (nothing local is lost), AuthFailed, SyncError."""
        account = accounts.current(self.conn)
        others = len(MailStore(self.conn).accounts()) + len(CalendarStore(self.conn).accounts())
        if account is None and not others:
            account = accounts.required(self.conn)  # raises NoAccount
        self._publish(syncing=True, notes=())
        report = Report()
        try:
            if account is None:  # a profile with mail or calendar accounts only
                await self._sync_others(report)
                failure = report.mail_error or report.cal_error
                if failure is not None and report.mail_accounts_failed + report.cal_accounts_failed == others:
                    raise failure if isinstance(failure, SyncError) else SyncError(str(failure))
            else:
                try:
                    report = await self._round(account)
                except SyncError:
                    # The sovereign server is out of reach: mail and calendars, on their own
                    # servers, still go.
                    await self._sync_others(report)
                    raise
                await self._sync_others(report)
        except SyncError as exc:
            self._publish(syncing=False, online=not isinstance(exc, Unreachable), last_error=str(exc),
                          notes=(*report.mail_notes, *report.cal_notes, *report.files_notes))
            raise
        error = "; ".join(report.errors) or None
        self._publish(syncing=False, online=True, last_error=error, last_success=time.time(),
                      notes=(*report.mail_notes, *report.cal_notes, *report.files_notes))
        return report

    async def _round(self, account: Account) -> Report:
        report = Report()
        async with accounts.client(self.conn, account, self.transport) as client:
            try:
                await self._push_operations(client, report)
                versions = await self._pull_document_list(client)
                mode = self._transport_mode()
                for doc_id in self.docs.needing_sync(versions):
                    mode = await self._sync_document(client, doc_id, versions[doc_id], mode, report)
                chat = await sync_chat(client, self.conn)
                report.chat_sent, report.chat_received = chat.sent, chat.received
                report.errors += chat.errors
                await self._sync_files(client, account, report)
            except (httpx.TransportError, OSError) as exc:
                raise explain(exc, account.server_url) from exc
        return report

    async def _sync_files(self, client: httpx.AsyncClient, account: Account, report: Report) -> None:
        """The shared folders synced here: local scan, the server's changes, transfers."""
        async with self.files_lock:
            files = await sync_files(client, self.conn, account.username, self.transfers)
        report.files_up, report.files_down, report.files_moved = files.up, files.down, files.moved
        report.files_deleted, report.files_conflicts = files.deleted, files.conflicts
        report.files_notes += files.notes
        report.errors += files.errors

    async def _sync_others(self, report: Report) -> None:
        """The modules whose servers are the authority's own (mail, calendars), one after the
        other; a failure of one is an error of the round and stops nothing else."""
        await self._sync_mail(report)
        await self._sync_calendars(report)

    async def _sync_calendars(self, report: Report) -> None:
        if not CalendarStore(self.conn).accounts():
            return
        cal = await sync_calendars(self.conn)
        report.cal_received, report.cal_sent, report.cal_conflicts = cal.received, cal.sent, cal.conflicts
        report.cal_notes += cal.notes
        report.errors += cal.errors
        report.cal_error = cal.failure
        report.cal_accounts_failed = cal.accounts_failed

    async def _sync_mail(self, report: Report) -> None:
        """Send the queued mail, replay the mail actions made here and fetch new mail, for every
        mail account (nothing without one). A mail failure is an error of the round: documents
        and chat are synced whatever happens here."""
        if not MailStore(self.conn).accounts():
            return
        mail = MailReport()
        report.mail_sent = await send_queued(self.conn, mail)
        await sync_mail(self.conn, mail)
        report.mail_received, report.mail_bodies, report.mail_actions = mail.received, mail.bodies, mail.actions
        report.mail_notes += mail.notes
        report.errors += mail.errors
        report.mail_error = mail.failure
        report.mail_accounts_failed = mail.accounts_failed

    def _transport_mode(self) -> str:
        mode = os.environ.get("PARVIS_SYNC_TRANSPORT") or get_setting(self.conn, "sync.transport") or "auto"
        return mode if mode in TRANSPORTS else "auto"

    async def _sync_document(self, client: httpx.AsyncClient, doc_id: str, version: int, mode: str,
                             report: Report) -> str:
        """Sync one document; returns the transport to use for the next ones (a proxy that
        blocks WebSocket for one blocks it for all)."""
        try:
            if mode == "http":
                sent, received = await sync_http(client, self.docs, doc_id)
            else:
                try:
                    sent, received = await sync_ws(client, self.docs, doc_id)
                except WebSocketUpgradeError as exc:
                    status = exc.response.status_code
                    if mode == "websocket" or status in (401, 403, 404):
                        check(exc.response)
                        raise
                    mode = "http"
                    sent, received = await sync_http(client, self.docs, doc_id)
            self.docs.synced(doc_id, version)
            report.documents += 1
            report.bytes_sent += sent
            report.bytes_received += received
        except Refused as exc:
            report.errors.append(str(exc))
        return mode

    async def _push_operations(self, client: httpx.AsyncClient, report: Report) -> None:
        """Replay queued one-off operations in order. Each is idempotent on the server."""
        for entry in outbox.pending(self.conn):
            if entry.kind == outbox.DOC_UPDATE or entry.kind in outbox.CHAT_KINDS or \
                    entry.kind.startswith(("mail.", "cal.")):
                continue  # document edits go with each document, chat after them, mail and calendars last
            try:
                await self._replay(client, entry)
            except Refused as exc:
                with transaction(self.conn):
                    outbox.failed(self.conn, entry, str(exc))
                report.errors.append(str(exc))
                continue
            with transaction(self.conn):
                outbox.done(self.conn, entry)

    async def _replay(self, client: httpx.AsyncClient, entry: outbox.Entry) -> None:
        if entry.kind == outbox.DOC_CREATE:
            check(await client.put(f"/api/docs/{entry.target}"))
        elif entry.kind == outbox.DOC_DELETE:
            # The owner deletes for everyone; anyone else leaves. Already gone is done too.
            payload = json.loads(entry.payload or "{}")
            url = f"/api/docs/{entry.target}"
            if payload.get("role") != "owner":
                url += f"/members/{accounts.required(self.conn).username}"
            response = await client.delete(url)
            if response.status_code != 404:
                check(response)
        elif entry.kind == outbox.DOC_SHARE:
            payload = json.loads(entry.payload or "{}")
            check(await client.put(f"/api/docs/{entry.target}/members/{payload['user']}",
                                   json={"role": payload["role"]}))
        else:
            raise Refused(f"Opération en attente inconnue : {entry.kind}.")

    async def _pull_document_list(self, client: httpx.AsyncClient) -> dict[str, int]:
        """Adopt documents shared with us; return the server's version of each document it
        knows and we may sync (not those still being created)."""
        listed = check(await client.get("/api/docs")).json()["documents"]
        creating = {e.target for e in outbox.pending(self.conn, outbox.DOC_CREATE)}
        deleting = {e.target for e in outbox.pending(self.conn, outbox.DOC_DELETE)}
        listed = [item for item in listed if item["id"] not in deleting]
        with transaction(self.conn):
            for item in listed:
                self.docs.adopt(item["id"], item["role"])
            # Deleted by its owner, or we were removed from it. One with unsent edits stays: its
            # sync then says why it is refused, and nothing typed here vanishes silently.
            known = {item["id"] for item in listed} | creating
            for doc in self.docs.all():
                if doc.id not in known and not doc.pending:
                    self.docs.forget(doc.id)
        return {item["id"]: int(item.get("version", -1)) for item in listed if item["id"] not in creating}

    # -- running ------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, idle_poll: float = 30.0, backoff: Backoff | None = None) -> None:
        """Sync until `stop` is set: after each local change, every `idle_poll` seconds, and
        after failures with backoff. Never raises for a sync failure: it is in `status`."""
        backoff = backoff or Backoff()
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.sync_once()
                backoff.reset()
                delay = idle_poll
            except NoAccount:
                delay = idle_poll
            except SyncError:
                delay = backoff.next_delay()
            waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            await asyncio.wait(waits, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            for w in waits:
                w.cancel()


def share(conn: Any, doc_id: str, user: str, role: str) -> None:
    """Queue sharing `doc_id` with `user`; it goes out with the next sync. Raises Refused for
    a role that does not exist."""
    if role not in ("owner", "editor", "reader"):
        raise Refused(f"Rôle inconnu : {role} (owner, editor ou reader).")
    with transaction(conn):
        outbox.add(conn, outbox.DOC_SHARE, doc_id, f"{outbox.DOC_SHARE}:{doc_id}:{user}:{role}",
                   json.dumps({"user": user, "role": role}))
