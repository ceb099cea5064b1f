"""Mail sync over IMAP: for every account, the actions made here replayed first, then the folder
list, then each folder incrementally by UID.

A folder whose STATUS (UIDVALIDITY, UIDNEXT, MESSAGES, HIGHESTMODSEQ) is what the last complete
sync recorded is left alone: a sync with no change costs a LIST and one STATUS per folder, and no
SELECT or FETCH. Otherwise: SELECT; flags changed and messages expunged since the last sync
(QRESYNC: one `UID FETCH (CHANGEDSINCE m VANISHED)`; CONDSTORE: CHANGEDSINCE, then a UID SEARCH
ALL when the counts disagree; neither: all flags); new UIDs in batches of headers (committed
batch by batch: a sync cut short resumes after the last one, nothing twice); then whole messages
for those of the last `mail.body_days` days (a setting, 30 by default, 0 for headers only).
A changed UIDVALIDITY drops the folder's cached messages and fetches it again.

Network calls run in worker threads, one at a time per session; the store is written on the
calling (engine) thread only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from storage import mail_sync
from storage.db import get_setting
from storage.errors import NotFound, ParvisError
from storage.mail import MailAccount, MailStore, MessageBody
from storage.mail_sync import Fetched, FolderState

from ..errors import SyncError
from .actions import replay
from .imap import Endpoint, ImapSession, translate, uid_set

HEADER_BATCH = 500
BODY_BATCH_BYTES = 8 * 1024 * 1024
BODY_BATCH_COUNT = 100
DEFAULT_BODY_DAYS = 30
HEADER_ITEMS = "(UID FLAGS INTERNALDATE RFC822.SIZE BODYSTRUCTURE BODY.PEEK[HEADER])"
BODY_ITEMS = "(UID BODY.PEEK[])"

Opener = Callable[[Endpoint, str, str], ImapSession]


@dataclass
class MailReport:
    """What a mail round did. `notes` are conflicts settled (not errors); `errors` one line per
    account that failed; `failure` the first such error (its type says which: Unreachable,
    AuthFailed, SyncError)."""

    received: int = 0
    bodies: int = 0
    flags: int = 0
    expunged: int = 0
    actions: int = 0
    folders: int = 0
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failure: ParvisError | None = None
    accounts_failed: int = 0


def imap_endpoint(account: MailAccount) -> Endpoint:
    return Endpoint(account.imap_host, account.imap_port, account.imap_security, account.ca_file)


def body_days(conn: Any) -> int:
    value = get_setting(conn, "mail.body_days")
    try:
        return max(0, int(value)) if value is not None else DEFAULT_BODY_DAYS
    except ValueError:
        return DEFAULT_BODY_DAYS


class _Caller:
    """Runs a session's blocking calls in a worker thread, translating failures."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    async def __call__(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args)
        except ParvisError:
            raise
        except Exception as exc:
            raise translate(exc, self.endpoint) from exc


async def open_session(conn: Any, account: MailAccount, opener: Opener | None = None) -> ImapSession:
    """A logged-in session for the account (its password read here, on the caller's thread).
    Raises NotFound, AuthFailed, Unreachable, SyncError, InvalidInput."""
    password = MailStore(conn).password(account.id)
    endpoint = imap_endpoint(account)
    try:
        return await asyncio.to_thread(opener or ImapSession.open, endpoint, account.username, password)
    except ParvisError:
        raise
    except Exception as exc:
        raise translate(exc, endpoint, during_sync=False) from exc


async def sync_mail(conn: Any, report: MailReport | None = None, opener: Opener | None = None) -> MailReport:
    """One mail round for every account. A failing account is reported (`errors`, `failure`)
    and the others go on; never raises for a server's failure. Call on the engine's thread."""
    report = report or MailReport()
    for account in MailStore(conn).accounts():
        try:
            await sync_account(conn, account, report, opener)
        except (SyncError, NotFound) as exc:
            report.errors.append(f"Messagerie {account.address} : {exc}")
            report.failure = report.failure or exc
            report.accounts_failed += 1
    return report


async def sync_account(conn: Any, account: MailAccount, report: MailReport, opener: Opener | None = None) -> None:
    """Sync one account. Raises AuthFailed, Unreachable, SyncError, NotFound."""
    session = await open_session(conn, account, opener)
    call = _Caller(session.endpoint)
    try:
        applied, notes = await replay(conn, session, account, call)
        report.actions += applied
        report.notes += notes
        listed = await call(session.list_folders)
        report.notes += mail_sync.save_folders(conn, account.id, listed)
        days = body_days(conn)
        for state in mail_sync.folder_states(conn, account.id):
            if state.selectable:
                await _sync_folder(conn, session, call, account, state, report, days)
                report.folders += 1
        MailStore(conn).refresh_index()  # here, on the sync thread: the user's searches stay instant
    finally:
        await asyncio.to_thread(session.close)


def _unchanged(state: FolderState, status: dict[bytes, int], condstore: bool) -> bool:
    return (condstore and state.uidvalidity == status.get(b"UIDVALIDITY")
            and state.uidnext == status.get(b"UIDNEXT") and state.messages == status.get(b"MESSAGES")
            and state.highestmodseq == status.get(b"HIGHESTMODSEQ", 0))


async def _sync_folder(conn: Any, session: ImapSession, call: _Caller, account: MailAccount, state: FolderState,
                       report: MailReport, days: int) -> None:
    status = await call(session.status, state.name)
    if _unchanged(state, status, session.condstore):
        return
    selected = await call(session.select, state.name)
    uidvalidity = int(selected.get(b"UIDVALIDITY", 0))
    uidnext = int(selected.get(b"UIDNEXT", 0))
    modseq = int(selected.get(b"HIGHESTMODSEQ", 0))
    exists = int(selected.get(b"EXISTS", 0))
    fetched_uid = state.fetched_uid
    if state.uidvalidity is not None and state.uidvalidity != uidvalidity:
        dropped = mail_sync.reset_folder(conn, state.id, uidvalidity)
        note = f"Le dossier « {state.name} » a été renuméroté sur le serveur (UIDVALIDITY) : il est rechargé."
        if dropped:
            note += f" {dropped} action(s) faite(s) hors ligne sur ses messages sont abandonnées."
        report.notes.append(note)
        fetched_uid, known_modseq = 0, 0
    else:
        known_modseq = state.highestmodseq
    await _changes(conn, session, call, state.id, fetched_uid, known_modseq, report)
    new = [u for u in await call(session.search, ["UID", f"{fetched_uid + 1}:*"]) if u > fetched_uid]
    for start in range(0, len(new), HEADER_BATCH):
        chunk = new[start:start + HEADER_BATCH]
        values, _ = await call(session.fetch, uid_set(chunk), HEADER_ITEMS)
        report.received += mail_sync.store_fetched(conn, account.id, state.id, _fetched(values))
    if mail_sync.local_count(conn, state.id) != exists:
        # Something expunged that VANISHED did not say (no QRESYNC, or a first sync resumed).
        on_server = set(await call(session.search, ["ALL"]))
        gone = mail_sync.local_uids(conn, state.id) - on_server
        removed, notes = mail_sync.expunged(conn, state.id, gone)
        report.expunged += removed
        report.notes += notes
    if days > 0:
        since = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        await _bodies(conn, session, call, mail_sync.needing_body(conn, state.id, since), report)
    mail_sync.synced(conn, state.id, uidvalidity, uidnext, modseq, exists)


async def _changes(conn: Any, session: ImapSession, call: _Caller, folder_id: int, fetched_uid: int,
                   known_modseq: int, report: MailReport) -> None:
    """Flags changed and messages expunged among those already here."""
    if fetched_uid <= 0:
        return
    if session.qresync and known_modseq:
        values, vanished = await call(session.fetch, f"1:{fetched_uid}", "(UID FLAGS)",
                                      f"(CHANGEDSINCE {known_modseq} VANISHED)")
    elif session.condstore and known_modseq:
        values, vanished = await call(session.fetch, f"1:{fetched_uid}", "(UID FLAGS)",
                                      f"(CHANGEDSINCE {known_modseq})")
    else:
        values, vanished = await call(session.fetch, f"1:{fetched_uid}", "(UID FLAGS)")
    changes = {uid: tuple(v.get(b"FLAGS", ())) for uid, v in values.items() if uid <= fetched_uid}
    report.flags += mail_sync.update_flags(conn, folder_id, changes)
    if vanished:
        removed, notes = mail_sync.expunged(conn, folder_id, vanished)
        report.expunged += removed
        report.notes += notes


def _fetched(values: dict[int, dict[bytes, Any]]) -> list[Fetched]:
    items = []
    for uid, v in values.items():
        header = v.get(b"BODY[HEADER]") or b""
        internal = v.get(b"INTERNALDATE")
        items.append(Fetched(uid, tuple(v.get(b"FLAGS", ())), internal if isinstance(internal, datetime) else None,
                             int(v.get(b"RFC822.SIZE") or 0), bytes(header), v.get(b"BODYSTRUCTURE")))
    return items


async def _bodies(conn: Any, session: ImapSession, call: _Caller, wanted: list[tuple[int, int, int]],
                  report: MailReport) -> None:
    """Fetch whole messages in batches of bounded size, each committed on its own."""
    batch: list[tuple[int, int, int]] = []
    size = 0
    for item in wanted + [(0, 0, -1)]:
        last = item[2] < 0
        if batch and (last or size + item[2] > BODY_BATCH_BYTES or len(batch) >= BODY_BATCH_COUNT):
            values, _ = await call(session.fetch, uid_set(uid for _, uid, _ in batch), BODY_ITEMS)
            for message_id, uid, _ in batch:
                raw = values.get(uid, {}).get(b"BODY[]")
                if raw is not None:
                    mail_sync.store_raw(conn, message_id, bytes(raw))
                    report.bodies += 1
            batch, size = [], 0
        if not last:
            batch.append(item)
            size += item[2]


async def fetch_body(conn: Any, message_id: int, opener: Opener | None = None) -> MessageBody:
    """Download a message's whole content now (the user opens it online) and return it as the
    reader shows it. Raises NotFound (unknown, or not on the server yet), AuthFailed,
    Unreachable, SyncError. Call on the thread that owns `conn`."""
    store = MailStore(conn)
    row = conn.execute("SELECT m.account, m.srv_uid, f.name, f.uidvalidity, m.raw IS NOT NULL FROM mail_messages m "
                       "LEFT JOIN mail_folders f ON f.id = m.srv_folder WHERE m.id = ? AND m.deleted = 0",
                       (message_id,)).fetchone()
    if row is None:
        raise NotFound(f"Message introuvable : {message_id}.")
    account_id, uid, folder_name, uidvalidity, has_raw = row
    if not has_raw:
        if uid is None or folder_name is None:
            raise NotFound("Ce message n'est pas encore sur le serveur : synchronisez d'abord.")
        session = await open_session(conn, store.account(int(account_id)), opener)
        call = _Caller(session.endpoint)
        try:
            selected = await call(session.select, folder_name, True)
            if uidvalidity is not None and int(selected.get(b"UIDVALIDITY", 0)) != int(uidvalidity):
                raise SyncError(f"Le dossier « {folder_name} » a été renuméroté sur le serveur : synchronisez, "
                                "puis rouvrez le message.")
            values, _ = await call(session.fetch, str(uid), BODY_ITEMS)
        finally:
            await asyncio.to_thread(session.close)
        raw = values.get(int(uid), {}).get(b"BODY[]")
        if raw is None:
            raise NotFound("Ce message n'est plus sur le serveur : il disparaîtra à la prochaine synchronisation.")
        mail_sync.store_raw(conn, message_id, bytes(raw))
    body = store.message(message_id)
    if body is None:
        raise NotFound(f"Message introuvable : {message_id}.")
    return body

