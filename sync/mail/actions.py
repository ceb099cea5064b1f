"""Replay of the mail actions made here (flags, moves, deletions) on the IMAP server.

Per server folder: one SELECT, one UID SEARCH to learn which of the messages concerned are still
there, then the flags (UID STORE, grouped per flag), the moves (UID MOVE, or COPY and expunge,
grouped per destination) and the deletions (\\Deleted then UID EXPUNGE). IMAP MOVE keeps the
flags, so flags go first whatever the order they were made in.

Every action is idempotent: a flag is a wish (set or not), a move whose message is no longer in
its source folder is looked for in the destination by Message-ID (a replay after a cut: it is
there, the move is done), and a deletion of a message already gone is done. Conflicts end in a
sane state, with a note: a message moved here but deleted on the server meanwhile is removed
here and its move dropped; a flag on a vanished message is dropped.

The network calls run in worker threads (`call`); the store is written here, on the caller's
thread, one transaction per folder step.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from storage import outbox, search
from storage.db import transaction
from storage.mail import MAIL_DELETE, MAIL_FLAGS, MAIL_MOVE, SEARCH_KIND, MailAccount, MailStore

from ..errors import SyncError, Unreachable
from .imap import ImapSession

Call = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class _Item:
    entry: outbox.Entry
    message_id: int
    srv_folder: int | None
    srv_uid: int | None
    folder: int
    rfc_id: str
    subject: str


def _items(conn: Any, account: MailAccount) -> list[_Item]:
    store = MailStore(conn)
    items = []
    for entry in store.pending_actions():
        row = conn.execute("SELECT srv_folder, srv_uid, folder, message_id, subject FROM mail_messages "
                           "WHERE id = ? AND account = ?", (int(entry.target), account.id)).fetchone()
        if row is None:
            if conn.execute("SELECT 1 FROM mail_messages WHERE id = ?", (int(entry.target),)).fetchone() is None:
                with transaction(conn):  # its message is gone: nothing left to do
                    outbox.remove(conn, entry)
            continue
        items.append(_Item(entry, int(entry.target), row[0], row[1], int(row[2]), str(row[3]), str(row[4])))
    return items


def _done(conn: Any, items: list[_Item]) -> None:
    store = MailStore(conn)
    with transaction(conn):
        for item in items:
            outbox.done(conn, item.entry)
        for message_id in {i.message_id for i in items}:
            store.settle(message_id)


def _drop_message(conn: Any, message_id: int) -> None:
    """Remove a message here with what was queued on it. Call in a transaction."""
    MailStore(conn)._forget_actions([message_id])
    conn.execute("DELETE FROM mail_messages WHERE id = ?", (message_id,))
    search.mark_dirty(conn, SEARCH_KIND, str(message_id))


async def replay(conn: Any, session: ImapSession, account: MailAccount, call: Call) -> tuple[int, list[str]]:
    """Apply the account's queued actions on the server. Returns (how many actions were
    applied, notes about the conflicts). Raises as `call` does (network, server)."""
    items = _items(conn, account)
    by_folder: dict[int, list[_Item]] = defaultdict(list)
    unplaced = []
    for item in items:
        if item.srv_folder is None or item.srv_uid is None:
            unplaced.append(item)
        else:
            by_folder[item.srv_folder].append(item)
    if unplaced:  # never on the server as far as we know: nothing to apply there
        _done(conn, unplaced)
    applied, notes = 0, []
    for folder_id, group in by_folder.items():
        row = conn.execute("SELECT name, uidvalidity FROM mail_folders WHERE id = ?", (folder_id,)).fetchone()
        if row is None:
            _done(conn, group)
            continue
        name, uidvalidity = str(row[0]), row[1]
        selected = await call(session.select, name)
        if uidvalidity is not None and int(selected.get(b"UIDVALIDITY", 0)) != int(uidvalidity):
            notes.append(f"Le dossier « {name} » a été renuméroté sur le serveur : {len(group)} action(s) faite(s) "
                         "hors ligne sur ses messages sont abandonnées ; il est rechargé.")
            _done(conn, group)
            continue
        present = set(await call(session.search, ["UID", _uid_list(group)]))
        applied += await _flags(conn, session, [i for i in group if i.entry.kind == MAIL_FLAGS], present, call)
        applied += await _deletes(conn, session, [i for i in group if i.entry.kind == MAIL_DELETE], present, call)
        moved, move_notes = await _moves(conn, session, [i for i in group if i.entry.kind == MAIL_MOVE], present,
                                         call)
        applied += moved
        notes += move_notes
    return applied, notes


def _uid_list(items: list[_Item]) -> str:
    from .imap import uid_set

    return uid_set(i.srv_uid for i in items if i.srv_uid is not None)


async def _flags(conn: Any, session: ImapSession, items: list[_Item], present: set[int], call: Call) -> int:
    groups: dict[tuple[str, bool], list[int]] = defaultdict(list)
    for item in items:
        payload = json.loads(item.entry.payload or "{}")
        if item.srv_uid in present:
            groups[(str(payload["flag"]), bool(payload["on"]))].append(int(item.srv_uid))
    for (flag, on), uids in groups.items():
        await call(session.store, uids, flag, on)
    _done(conn, items)  # on a vanished message, the flag is dropped (the folder sync removes it)
    return sum(len(u) for u in groups.values())


async def _moves(conn: Any, session: ImapSession, items: list[_Item], present: set[int],
                 call: Call) -> tuple[int, list[str]]:
    notes: list[str] = []
    by_target: dict[int, list[_Item]] = defaultdict(list)
    for item in items:
        by_target[int(json.loads(item.entry.payload or "{}")["to"])].append(item)
    moved = 0
    for target, group in by_target.items():
        row = conn.execute("SELECT name FROM mail_folders WHERE id = ?", (target,)).fetchone()
        here = [i for i in group if i.srv_uid in present]
        gone = [i for i in group if i.srv_uid not in present]
        mapping: dict[int, int] = {}
        if row is None:
            notes.append(f"{len(group)} déplacement(s) abandonné(s) : le dossier de destination n'existe plus.")
            _revert(conn, group)
            continue
        if here:
            try:
                mapping = await call(session.move, [int(i.srv_uid) for i in here if i.srv_uid is not None],
                                     str(row[0]))
            except Unreachable:
                raise
            except SyncError as exc:  # e.g. [TRYCREATE]: the folder is gone on the server
                notes.append(f"{len(here)} déplacement(s) vers « {row[0]} » refusé(s) par le serveur ({exc}) : "
                             "les messages restent où ils étaient.")
                _revert(conn, group)
                continue
            moved += len(here)
        found = await _find_moved(session, gone, str(row[0]), _source_name(conn, group), call) if gone else {}
        with transaction(conn):
            for item in here:
                _placed(conn, item.message_id, target, mapping.get(int(item.srv_uid or 0)))
            for item in gone:
                if item.message_id in found:
                    _placed(conn, item.message_id, target, found[item.message_id])
                else:
                    notes.append(f"Le message « {item.subject or '(sans objet)'} » a été supprimé sur le serveur "
                                 "pendant qu'il était déplacé hors ligne : le déplacement est abandonné et la copie "
                                 "locale retirée.")
                    _drop_message(conn, item.message_id)
        _done(conn, group)
    return moved, notes


def _source_name(conn: Any, items: list[_Item]) -> str:
    row = conn.execute("SELECT name FROM mail_folders WHERE id = ?", (items[0].srv_folder,)).fetchone()
    return str(row[0]) if row else "INBOX"


async def _find_moved(session: ImapSession, gone: list[_Item], target_name: str, source_name: str,
                      call: Call) -> dict[int, int]:
    """Messages missing from their source folder that are already in the destination (a move
    replayed after a cut): {message id: uid in the destination}. The source folder is selected
    again before it returns."""
    with_ids = [i for i in gone if i.rfc_id]
    if not with_ids:
        return {}
    await call(session.select, target_name)
    found = {}
    for item in with_ids:
        uids = await call(session.search, ["HEADER", "Message-ID", item.rfc_id])
        if uids:
            found[item.message_id] = max(uids)
    await call(session.select, source_name)
    return found


def _placed(conn: Any, message_id: int, folder: int, uid: int | None) -> None:
    """A move was applied: the message is in `folder` on the server, with `uid` if known. If the
    destination was synced since and holds it already, or its UID is unknown (the next sync
    fetches it there), this copy goes. Call in a transaction."""
    taken = uid is not None and conn.execute("SELECT 1 FROM mail_messages WHERE srv_folder = ? AND srv_uid = ? "
                                             "AND id <> ?", (folder, uid, message_id)).fetchone() is not None
    if uid is None or taken:
        _drop_message(conn, message_id)
        return
    conn.execute("UPDATE mail_messages SET srv_folder = ?, srv_uid = ? WHERE id = ?", (folder, uid, message_id))
    # A move made after this one waits in the outbox (it got a new seq): the message stays where
    # the user put it last.


def _revert(conn: Any, items: list[_Item]) -> None:
    with transaction(conn):
        for item in items:
            conn.execute("UPDATE mail_messages SET folder = srv_folder WHERE id = ?", (item.message_id,))
            outbox.remove(conn, item.entry)
            MailStore(conn).settle(item.message_id)


async def _deletes(conn: Any, session: ImapSession, items: list[_Item], present: set[int], call: Call) -> int:
    uids = [int(i.srv_uid) for i in items if i.srv_uid in present and i.srv_uid is not None]
    if uids:
        await call(session.expunge, uids)
    with transaction(conn):
        for item in items:
            outbox.remove(conn, item.entry)
            _drop_message(conn, item.message_id)
    return len(uids)
