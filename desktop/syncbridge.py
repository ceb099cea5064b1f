"""The sync thread: one asyncio loop runs the engine and one live session per open document,
with its own store connection. The UI talks to it only through this bridge: calls are posted
to the loop, results come back as Qt signals (queued to the UI thread).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from PySide6.QtCore import QObject, Signal

from storage.chat import ChatStore
from storage.docs import DocStore
from storage.errors import ParvisError
from storage.files import FilesStore
from storage.mail import MailStore
from storage.vault import Vault
from sync import account as accounts
from sync import files
from sync.cal.account import add_account
from sync.chat import fetch_attachment
from sync.chat_live import ChatLive
from sync.docs import LiveDoc
from sync.engine import Backoff, Engine, Status
from sync.files import Transfer
from sync.files.watch import FolderWatcher
from sync.mail.detect import save, verify
from sync.mail.idle import wait_for_new_mail
from sync.mail.sync import fetch_body

MAX_REMOTE_IMAGES = 50
MAX_REMOTE_IMAGE_BYTES = 5 * 1024 * 1024
T = TypeVar("T")


class _Live:
    """The state of one open document's live session, owned by the loop."""

    def __init__(self, doc_id: str, state_vector: bytes) -> None:
        self.doc_id = doc_id
        self.state_vector = state_vector
        self.push = asyncio.Event()
        self.presence: dict[str, Any] | None = None
        self.presence_changed = asyncio.Event()
        self.session: LiveDoc | None = None
        self.task: asyncio.Task[None] | None = None


class SyncBridge(QObject):
    """Create, call and connect from the UI thread; `start()` starts the sync thread."""

    status = Signal(object)  # sync.engine.Status
    remote = Signal(str, bytes)  # doc_id, an update the server sent (already stored)
    peers = Signal(str, object)  # doc_id, {client_id: presence state}
    roundDone = Signal()  # a full round ended: the document list may have changed
    chatChanged = Signal(str)  # room id: a live chat event was stored
    chatMessage = Signal(object)  # a new message from the event stream (its JSON), for notifications
    typing = Signal(str, str)  # room id, user
    attachmentFetched = Signal(str, str)  # attachment id, "" or the error
    mailBodyFetched = Signal(int, str)  # message id, "" or the error
    remoteFetched = Signal(int, object)  # message id, {url: bytes} of the remote images allowed
    mailAccountChecked = Signal(int, str)  # the new account's id (0 when refused), "" or why not
    calAccountChecked = Signal(int, str)  # the same for a CalDAV account
    # Document bank: each answers one request, with "" or why it failed (the server unreachable…).
    foldersRefreshed = Signal(str)  # the shared folder list was fetched and stored
    folderCreated = Signal(str, str)  # the new folder's id ("" when refused)
    membersListed = Signal(str, object, str)  # folder id, [{"username", "role", "via_group"}] or None
    versionsListed = Signal(str, str, object, str)  # folder id, path, [sync.files.Version] or None
    versionRestored = Signal(str, str, int, str)  # folder id, path, version

    def __init__(self, vault: Vault, transport: httpx.AsyncBaseTransport | None = None,
                 idle_poll: float = 60.0, reconnect_cap: float = 30.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self._transport = transport
        self._idle_poll = idle_poll
        self._reconnect_cap = reconnect_cap
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._engine: Engine | None = None
        self._store: DocStore | None = None
        self._live: dict[str, _Live] = {}
        self._chat: ChatLive | None = None
        self._watcher: FolderWatcher | None = None
        self._watched: dict[str, Path] = {}
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._main, name="parvis-sync", daemon=True)

    # -- UI thread ----------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        self._started.wait(10)

    def stop(self, timeout: float = 10.0) -> None:
        """Close live sessions (peers see us leave) and stop the thread."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)

    def sync_now(self) -> None:
        """Start a full round at once ("Synchroniser maintenant", F5, or a local change)."""
        self._post(lambda: self._engine.wake() if self._engine else None)

    def open_document(self, doc_id: str, state_vector: bytes) -> None:
        """Keep `doc_id` in sync live while it is open. The first exchange brings the editor
        whatever its copy (at `state_vector`) lacks, through `remote`."""
        self._post(lambda: self._open(doc_id, state_vector))

    def close_document(self, doc_id: str) -> None:
        self._post(lambda: self._close(doc_id))

    def push(self, doc_id: str) -> None:
        """A local edit of `doc_id` was committed: send it now if the document is live."""
        self._post(lambda: self._live[doc_id].push.set() if doc_id in self._live else None)

    def set_presence(self, doc_id: str, state: dict[str, Any] | None) -> None:
        """Publish our cursor and name on `doc_id`."""

        def apply() -> None:
            live = self._live.get(doc_id)
            if live is not None:
                live.presence = state
                live.presence_changed.set()

        self._post(apply)

    def send_typing(self, room_id: str) -> None:
        """Tell the room's other members that we are typing (if the event stream is up)."""
        self._post(lambda: self._chat and asyncio.ensure_future(self._chat.send_typing(room_id)))

    def fetch_attachment(self, room_id: str, att_id: str) -> None:
        """Download an attachment into the store; `attachmentFetched` says when, or why not."""
        self._post(lambda: asyncio.ensure_future(self._fetch_attachment(room_id, att_id)))

    def fetch_mail_body(self, message_id: int) -> None:
        """Download a message's body (opened online); `mailBodyFetched` says when, or why not."""
        self._post(lambda: asyncio.ensure_future(self._fetch_mail_body(message_id)))

    def fetch_remote(self, message_id: int, urls: list[str]) -> None:
        """Fetch the remote images of a message the user chose to see (the UI never calls the
        network); `remoteFetched` brings them."""
        self._post(lambda: asyncio.ensure_future(self._fetch_remote(message_id, urls)))

    def add_mail_account(self, fields: dict[str, Any]) -> None:
        """Check a new mail account's login on both servers and save it (`sync.mail.detect.verify`
        arguments); `mailAccountChecked` answers."""
        self._post(lambda: asyncio.ensure_future(self._add_mail_account(dict(fields))))

    def add_cal_account(self, fields: dict[str, Any]) -> None:
        """Check a CalDAV account's login and save it with its calendars (`sync.cal.account.
        add_account` arguments); `calAccountChecked` answers."""
        self._post(lambda: asyncio.ensure_future(self._add_cal_account(dict(fields))))

    @property
    def profile(self) -> Path:
        """The profile folder (a synced folder may not be inside it)."""
        return Path(self._vault.folder)

    def transfers(self) -> list[Transfer]:
        """The file transfers of the current round (`sync.files.Transfers.snapshot`). Any thread."""
        return self._engine.transfers.snapshot() if self._engine is not None else []

    def watch_folders(self) -> None:
        """The synced folders changed (chosen, stopped): watch them as they are now, and sync."""
        self._post(self._rewatch_and_wake)

    def refresh_folders(self) -> None:
        """Fetch the shared folders this user sees; `foldersRefreshed` answers."""
        self._files_call(lambda conn, client, _: files.refresh_folders(client, conn),
                         lambda _, error: self.foldersRefreshed.emit(error))

    def create_folder(self, name: str, members: list[str], group: str | None) -> None:
        """Create a shared folder on the server; `folderCreated` answers."""
        self._files_call(lambda conn, client, _: files.create_folder(client, conn, name, members, group),
                         lambda folder, error: self.folderCreated.emit(folder.id if folder else "", error))

    def list_members(self, folder_id: str) -> None:
        """Fetch a folder's members; `membersListed` answers."""
        self._files_call(lambda _, client, __: files.members(client, folder_id),
                         lambda found, error: self.membersListed.emit(folder_id, found, error))

    def share_folder(self, folder_id: str, user: str, role: str) -> None:
        """Give `user` the role `role` in a folder (owners only); `membersListed` answers."""
        self._files_call(lambda _, client, __: files.share_folder(client, folder_id, user, role),
                         lambda found, error: self.membersListed.emit(folder_id, found, error))

    def list_versions(self, folder_id: str, path: str) -> None:
        """Fetch the versions the server keeps of a synced file; `versionsListed` answers."""
        self._files_call(lambda conn, client, _: files.versions(client, conn, FilesStore(conn).folder(folder_id),
                                                                path),
                         lambda found, error: self.versionsListed.emit(folder_id, path, found, error))

    def restore_version(self, folder_id: str, path: str, version: int) -> None:
        """Make `version` the file's newest version, then sync the folder; `versionRestored`
        answers."""

        async def step(conn: Any, client: httpx.AsyncClient, user: str) -> Any:
            assert self._engine is not None
            async with self._engine.files_lock:  # never beside a round's sync of the same folder
                return await files.restore(client, conn, FilesStore(conn).folder(folder_id), path, version, user,
                                           self._engine.transfers)

        self._files_call(step, lambda _, error: self.versionRestored.emit(folder_id, path, version, error))

    def _files_call(self, step: Callable[[Any, httpx.AsyncClient, str], Awaitable[T]],
                    answer: Callable[[T | None, str], None]) -> None:
        self._post(lambda: asyncio.ensure_future(self._online(step, answer)))

    def _post(self, fn: Callable[[], object]) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(fn)

    # -- sync thread --------------------------------------------------------------------

    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        conn = self._vault.connect()
        self._engine = Engine(conn, self._transport)
        self._store = self._engine.docs
        self._engine.listeners.append(self._on_status)
        self._started.set()
        self._chat = ChatLive(ChatStore(conn), self.chatChanged.emit, self.chatMessage.emit, self.typing.emit,
                              self._engine.wake)
        chat_task = asyncio.ensure_future(self._keep_chat_live(self._chat))
        mail_task = asyncio.ensure_future(self._watch_mail())
        engine, loop = self._engine, self._loop
        # A saved file in a synced folder: a round once it has settled (the watcher's thread
        # hands it to this loop).

        def ready(_: str) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(engine.wake)

        watcher = self._watcher = FolderWatcher(ready)
        watcher.start()
        self._rewatch()
        try:
            # Retry at least every minute while offline: a desktop should notice the network's
            # return soon, even with no document open to reconnect.
            await self._engine.run(self._stop, idle_poll=self._idle_poll, backoff=Backoff(base=1.0, cap=60.0))
        finally:
            chat_task.cancel()
            mail_task.cancel()
            for doc_id in list(self._live):
                self._close(doc_id)
            tasks = [chat_task, mail_task] + [live.task for live in self._live.values() if live.task]
            await asyncio.gather(*tasks, return_exceptions=True)
            watcher.stop()
            conn.close()

    def _on_status(self, status: Status) -> None:
        self.status.emit(status)
        if not status.syncing:
            self._rewatch()  # a folder unplugged then plugged back in, or chosen from the CLI
            self.roundDone.emit()

    def _rewatch(self) -> None:
        """Watch every synced folder that is there, at its current place; forget the others."""
        if self._watcher is None or self._store is None:
            return
        wanted = {f.id: Path(f.local_path) for f in FilesStore(self._store.conn).synced_folders()
                  if f.local_path is not None and Path(f.local_path).is_dir()}
        for folder_id in set(self._watched) - set(wanted):
            self._watcher.unwatch(folder_id)
            del self._watched[folder_id]
        for folder_id, root in wanted.items():
            if self._watched.get(folder_id) == root:
                continue
            try:
                self._watcher.watch(folder_id, root)
                self._watched[folder_id] = root
            except OSError:
                pass  # gone meanwhile: the round says so, and the next one tries again

    def _rewatch_and_wake(self) -> None:
        self._rewatch()
        if self._engine is not None:
            self._engine.wake()

    async def _online(self, step: Callable[[Any, httpx.AsyncClient, str], Awaitable[T]],
                      answer: Callable[[T | None, str], None]) -> None:
        """Run `step(conn, client, username)` against the profile's server and `answer(result,
        "")`, or `answer(None, why)`: no account, the server unreachable, a refusal."""
        assert self._store is not None
        conn = self._store.conn
        try:
            result = await accounts.online(conn, lambda client, account: step(conn, client, account.username),
                                           self._transport)
        except asyncio.CancelledError:
            raise
        except ParvisError as exc:
            answer(None, str(exc))
            return
        except Exception as exc:  # a bug: say it rather than leave the dialog waiting
            answer(None, f"Erreur interne : {exc!r}")
            return
        answer(result, "")

    def _open(self, doc_id: str, state_vector: bytes) -> None:
        if doc_id in self._live:
            return
        live = self._live[doc_id] = _Live(doc_id, state_vector)
        live.task = asyncio.ensure_future(self._keep_live(live))

    def _close(self, doc_id: str) -> None:
        live = self._live.pop(doc_id, None)
        if live is not None and live.task is not None:
            live.task.cancel()

    async def _keep_chat_live(self, chat: ChatLive) -> None:
        """Hold the chat event stream while the app runs, reconnecting with backoff. The cap is
        short: an attempt at a server that is down costs nothing, and the stream's return is
        what brings the others' messages within seconds of the network's."""
        assert self._store is not None
        backoff = Backoff(base=min(1.0, self._reconnect_cap), cap=min(5.0, self._reconnect_cap))
        while True:
            account = accounts.current(self._store.conn)
            if account is not None:
                try:
                    async with accounts.client(self._store.conn, account, self._transport) as client:
                        await chat.follow(client)
                    backoff.reset()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # Offline, or the server went away (its text may quote messages: not logged).
                    # A round tells the status bar, and retries on its own schedule.
                    assert self._engine is not None
                    self._engine.wake()
            await asyncio.sleep(backoff.next_delay())

    async def _watch_mail(self) -> None:
        """New mail while online: one IDLE wait per account on its inbox (the engine's round
        then fetches it). Accounts added later are picked up; a failing account waits longer
        before it is tried again (the round reports its error)."""
        assert self._store is not None
        watching: dict[int, asyncio.Task[None]] = {}

        async def watch(account_id: int) -> None:
            backoff = Backoff(base=5.0, cap=300.0)
            while True:
                assert self._store is not None and self._engine is not None
                store = MailStore(self._store.conn)
                try:
                    account = store.account(account_id)
                    password = store.password(account_id)
                except ParvisError:
                    return  # the account was removed
                try:
                    if await wait_for_new_mail(account, password, timeout=240.0):
                        self._engine.wake()
                    backoff.reset()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    await asyncio.sleep(backoff.next_delay())

        try:
            while True:
                for account in MailStore(self._store.conn).accounts():
                    if account.id not in watching or watching[account.id].done():
                        watching[account.id] = asyncio.ensure_future(watch(account.id))
                await asyncio.sleep(30)
        finally:
            for task in watching.values():
                task.cancel()

    async def _add_mail_account(self, fields: dict[str, Any]) -> None:
        assert self._store is not None and self._engine is not None
        try:
            verified = await asyncio.to_thread(verify, **fields)
            account_id = save(self._store.conn, verified, fields["password"])
        except ParvisError as exc:
            self.mailAccountChecked.emit(0, str(exc))
            return
        self.mailAccountChecked.emit(account_id, "")
        self._engine.wake()  # fetch its mail now

    async def _add_cal_account(self, fields: dict[str, Any]) -> None:
        assert self._store is not None and self._engine is not None
        try:
            account_id, _ = await add_account(self._store.conn, **fields)
        except ParvisError as exc:
            self.calAccountChecked.emit(0, str(exc))
            return
        self.calAccountChecked.emit(account_id, "")
        self._engine.wake()  # fetch its events now

    async def _fetch_remote(self, message_id: int, urls: list[str]) -> None:
        found: dict[str, bytes] = {}
        async with httpx.AsyncClient(timeout=10.0, follow_redirects=True) as client:
            for url in urls[:MAX_REMOTE_IMAGES]:
                if not url.lower().startswith(("http://", "https://")):
                    continue
                try:
                    async with client.stream("GET", url) as response:
                        if response.status_code != 200:
                            continue
                        data = b""
                        async for chunk in response.aiter_bytes():
                            data += chunk
                            if len(data) > MAX_REMOTE_IMAGE_BYTES:
                                break
                        else:
                            found[url] = data
                except (httpx.HTTPError, OSError):
                    continue  # that image stays blank
        self.remoteFetched.emit(message_id, found)

    async def _fetch_mail_body(self, message_id: int) -> None:
        assert self._store is not None
        error = ""
        try:
            await fetch_body(self._store.conn, message_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = str(exc) or type(exc).__name__
        self.mailBodyFetched.emit(message_id, error)

    async def _fetch_attachment(self, room_id: str, att_id: str) -> None:
        assert self._store is not None
        error = ""
        try:
            account = accounts.required(self._store.conn)
            async with accounts.client(self._store.conn, account, self._transport) as client:
                await fetch_attachment(client, self._store.conn, room_id, att_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = str(exc) or type(exc).__name__
        self.attachmentFetched.emit(att_id, error)

    async def _keep_live(self, live: _Live) -> None:
        """Hold the document's live session, reconnecting with backoff while it stays open."""
        assert self._store is not None and self._engine is not None
        backoff = Backoff(base=min(1.0, self._reconnect_cap), cap=self._reconnect_cap)
        while self._live.get(live.doc_id) is live:
            account = accounts.current(self._store.conn)
            if account is None:
                return  # local only: nothing to keep live
            try:
                await self._session(live, account)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Offline, the server went away, or the connection broke mid-send (its errors
                # come from several layers, and their text may quote document content, so
                # none is logged). The engine's status tells the user; we retry.
                pass
            await asyncio.sleep(backoff.next_delay())

    async def _session(self, live: _Live, account: Any) -> None:
        assert self._store is not None and self._engine is not None
        doc_id = live.doc_id
        async with accounts.client(self._store.conn, account, self._transport) as client:
            async with LiveDoc(client, self._store, doc_id, on_remote=lambda u: self.remote.emit(doc_id, u),
                               on_peers=lambda p: self.peers.emit(doc_id, p)) as session:
                await session.ready()
                if session.closed is not None:
                    return
                live.session = session
                # Whatever reached the store before this session (an engine round) and the
                # editor's copy lacks.
                missing = bytes(session.od.doc.get_update(live.state_vector))
                self.remote.emit(doc_id, missing)
                self._engine.wake()  # we are online: let the status bar and the rest know
                live.presence_changed.set()
                try:
                    await self._serve(live, session)
                finally:
                    live.session = None
                    live.state_vector = bytes(session.od.doc.get_state())

    async def _serve(self, live: _Live, session: LiveDoc) -> None:
        """Forward pushes and presence until the connection drops."""
        ended = asyncio.ensure_future(session.wait_closed())
        try:
            while not ended.done():
                waits = [asyncio.ensure_future(live.push.wait()), asyncio.ensure_future(live.presence_changed.wait())]
                await asyncio.wait([*waits, ended], return_when=asyncio.FIRST_COMPLETED)
                for w in waits:
                    w.cancel()
                if ended.done():
                    return
                if live.push.is_set():
                    live.push.clear()
                    await session.push()
                if live.presence_changed.is_set():
                    live.presence_changed.clear()
                    await session.set_presence(live.presence)
        finally:
            ended.cancel()
