"""What the mail sync writes into the store: the folder list, headers of new messages, bodies,
flags changed on the server, expunges, and the bookkeeping of replayed actions.

Every function runs on the thread that owns the connection (the engine's), after the network
work was done in a worker thread; each batch is one transaction, so a sync cut short keeps what
it committed and the next one resumes after it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import outbox, search
from .db import transaction
from .mail import ANSWERED, FLAG_COLUMNS, FLAGGED, MAIL_FLAGS, MAIL_KINDS, SEARCH_KIND, SEEN, MailStore
from .mail_mime import (
    is_reply_subject,
    normalise_subject,
    parse_body,
    parse_headers,
    snippet,
    structure_attachments,
)

SPECIAL_USE = {b"\\sent": "sent", b"\\drafts": "drafts", b"\\trash": "trash", b"\\junk": "junk",
               b"\\archive": "archive"}
# Usual names of special folders on servers without SPECIAL-USE (lower case, leaf name).
SPECIAL_NAMES = {
    "sent": ("sent", "sent items", "sent messages", "envoyés", "envoyes", "éléments envoyés", "messages envoyés"),
    "drafts": ("drafts", "brouillons", "draft"),
    "trash": ("trash", "corbeille", "deleted items", "deleted messages", "éléments supprimés"),
    "junk": ("junk", "spam", "indésirables", "courrier indésirable", "junk e-mail"),
    "archive": ("archive", "archives"),
}


@dataclass(frozen=True)
class FolderState:
    """A folder as the last complete sync left it."""

    id: int
    name: str
    special: str | None
    selectable: bool
    uidvalidity: int | None
    uidnext: int
    highestmodseq: int
    messages: int
    fetched_uid: int


@dataclass(frozen=True)
class Fetched:
    """A message's headers as fetched: UID, flags, arrival date, size, header block, attachment
    names from the BODYSTRUCTURE, and the whole message when it came too."""

    uid: int
    flags: tuple[bytes, ...]
    internal_date: datetime | None
    size: int
    headers: bytes
    structure: Any = None
    raw: bytes | None = None


def _special(name: str, delimiter: str, flags: tuple[bytes, ...]) -> str | None:
    if name.upper() == "INBOX":
        return "inbox"
    for flag in flags:
        kind = SPECIAL_USE.get(flag.lower())
        if kind:
            return kind
    leaf = name.split(delimiter)[-1].lower() if delimiter else name.lower()
    for kind, names in SPECIAL_NAMES.items():
        if leaf in names:
            return kind
    return None


def folder_states(conn: Any, account_id: int) -> list[FolderState]:
    rows = conn.execute("SELECT id, name, special, selectable, uidvalidity, uidnext, highestmodseq, messages, "
                        "fetched_uid FROM mail_folders WHERE account = ? ORDER BY id", (account_id,)).fetchall()
    return [FolderState(int(r[0]), r[1], r[2], bool(r[3]), r[4], int(r[5]), int(r[6]), int(r[7]), int(r[8]))
            for r in rows]


def save_folders(conn: Any, account_id: int, listed: list[tuple[tuple[bytes, ...], str, str]]) -> list[str]:
    """Record the folder list the server gave ((flags, delimiter, name) as imapclient lists it):
    special folders recognised by their SPECIAL-USE flag, else by their usual names (one per
    kind); folders gone from the server are dropped with their messages. Returns notes about
    messages moved here into a folder that is gone."""
    notes: list[str] = []
    with transaction(conn):
        taken: set[str] = set()
        seen_names = set()
        # Flags first: a folder that says it is \Sent wins over one merely named "Sent".
        ranked = sorted(listed, key=lambda f: 0 if any(fl.lower() in SPECIAL_USE for fl in f[0]) else 1)
        for flags, delimiter, name in ranked:
            lowered = {f.lower() for f in flags}
            special = _special(name, delimiter, flags)
            if special in taken:
                special = None
            if special:
                taken.add(special)
            selectable = 0 if b"\\noselect" in lowered or b"\\nonexistent" in lowered else 1
            seen_names.add(name)
            conn.execute(
                "INSERT INTO mail_folders(account, name, delimiter, special, selectable) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(account, name) DO UPDATE SET delimiter = excluded.delimiter, special = excluded.special, "
                "selectable = excluded.selectable", (account_id, name, delimiter or "/", special, selectable))
        for folder_id, name in conn.execute("SELECT id, name FROM mail_folders WHERE account = ?",
                                            (account_id,)).fetchall():
            if name not in seen_names:
                notes += _drop_folder(conn, int(folder_id), name)
    return notes


def _drop_folder(conn: Any, folder_id: int, name: str) -> list[str]:
    store = MailStore(conn)
    # Moved into it here, still elsewhere on the server: back where the server has them.
    back = [int(r[0]) for r in conn.execute("SELECT id FROM mail_messages WHERE folder = ? AND srv_folder IS NOT NULL "
                                            "AND srv_folder <> ?", (folder_id, folder_id))]
    for message_id in back:
        store._forget_actions([message_id])
        conn.execute("UPDATE mail_messages SET folder = srv_folder, pending = 0 WHERE id = ?", (message_id,))
    ids = [int(r[0]) for r in conn.execute("SELECT id FROM mail_messages WHERE folder = ? OR srv_folder = ?",
                                           (folder_id, folder_id))]
    for message_id in ids:
        store._forget_actions([message_id])
        search.mark_dirty(conn, SEARCH_KIND, str(message_id))
    conn.execute("DELETE FROM mail_messages WHERE folder = ? OR srv_folder = ?", (folder_id, folder_id))
    conn.execute("DELETE FROM mail_folders WHERE id = ?", (folder_id,))
    notes = [f"Le dossier « {name} » n'existe plus sur le serveur ; sa copie locale est retirée."] if ids else []
    if back:
        notes.append(f"{len(back)} message(s) déplacé(s) vers « {name} » restent où ils étaient.")
    return notes


def reset_folder(conn: Any, folder_id: int, uidvalidity: int) -> int:
    """The folder's UIDVALIDITY changed: its cached messages (and the actions queued on them)
    mean nothing any more. Drop them; the sync fetches the folder again. Returns how many
    actions were dropped."""
    with transaction(conn):
        ids = [int(r[0]) for r in conn.execute("SELECT id FROM mail_messages WHERE srv_folder = ?", (folder_id,))]
        dropped = 0
        store = MailStore(conn)
        for message_id in ids:
            dropped += conn.execute("SELECT count(*) FROM outbox WHERE target = ? AND kind IN (?, ?, ?)",
                                    (str(message_id), *MAIL_KINDS)).fetchone()[0]
            store._forget_actions([message_id])
            search.mark_dirty(conn, SEARCH_KIND, str(message_id))
        conn.execute("DELETE FROM mail_messages WHERE srv_folder = ?", (folder_id,))
        conn.execute("UPDATE mail_folders SET uidvalidity = ?, uidnext = 0, highestmodseq = 0, messages = 0, "
                     "fetched_uid = 0 WHERE id = ?", (uidvalidity, folder_id))
    return dropped


def synced(conn: Any, folder_id: int, uidvalidity: int, uidnext: int, highestmodseq: int, messages: int) -> None:
    """The folder is complete as of these server figures."""
    with transaction(conn):
        conn.execute("UPDATE mail_folders SET uidvalidity = ?, uidnext = ?, highestmodseq = ?, messages = ?, "
                     "fetched_uid = max(fetched_uid, ?) WHERE id = ?",
                     (uidvalidity, uidnext, highestmodseq, messages, uidnext - 1, folder_id))


def local_uids(conn: Any, folder_id: int) -> set[int]:
    return {int(r[0]) for r in conn.execute("SELECT srv_uid FROM mail_messages WHERE srv_folder = ? AND "
                                            "srv_uid IS NOT NULL", (folder_id,))}


def local_count(conn: Any, folder_id: int) -> int:
    return int(conn.execute("SELECT count(*) FROM mail_messages WHERE srv_folder = ? AND srv_uid IS NOT NULL",
                            (folder_id,)).fetchone()[0])


def _thread(conn: Any, account_id: int, headers: Any) -> str:
    root = headers.thread_root
    if root:
        row = conn.execute("SELECT thread FROM mail_messages WHERE account = ? AND message_id = ? LIMIT 1",
                           (account_id, root)).fetchone()
        return str(row[0]) if row and row[0] else root
    subject = normalise_subject(headers.subject)
    if is_reply_subject(headers.subject) and subject:
        row = conn.execute("SELECT thread FROM mail_messages WHERE account = ? AND subject_key = ? "
                           "ORDER BY date DESC LIMIT 1", (account_id, subject)).fetchone()
        return str(row[0]) if row else f"s:{subject}"
    return headers.message_id or (f"s:{subject}" if subject else "")


def _body_fields(raw: bytes | None, structure: Any) -> tuple[str, list[str]]:
    """(snippet, attachment names) from the whole message if here, else from the structure."""
    if raw is not None:
        body = parse_body(raw)
        return snippet(body.text, body.html), [p.name for p in body.attachments]
    return "", structure_attachments(structure) if structure is not None else []


def _remember_addresses(conn: Any, pairs: list[tuple[str, str]]) -> None:
    for name, address in pairs:
        conn.execute("INSERT INTO mail_addresses(address, name) VALUES (?, ?) ON CONFLICT(address) DO UPDATE SET "
                     "seen = seen + 1, name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END",
                     (address.lower(), name))


def store_fetched(conn: Any, account_id: int, folder_id: int, items: list[Fetched]) -> int:
    """Insert messages fetched from the server (headers, maybe the whole message) in one
    transaction, and move the folder's `fetched_uid` past them. A message already here (same
    folder and UID: a replay, or a move whose new UID we learnt) only has its flags refreshed.
    Returns how many are new."""
    new = 0
    with transaction(conn):
        for item in sorted(items, key=lambda i: i.uid):
            flags = {f.lower() for f in item.flags}
            seen, flagged, answered = (1 if f.lower().encode() in flags else 0 for f in (SEEN, FLAGGED, ANSWERED))
            exists = conn.execute("SELECT id FROM mail_messages WHERE srv_folder = ? AND srv_uid = ?",
                                  (folder_id, item.uid)).fetchone()
            if exists is not None:
                _apply_flags(conn, int(exists[0]), seen, flagged, answered)
                continue
            headers = parse_headers(item.headers, item.internal_date)
            text, names = _body_fields(item.raw, item.structure)
            recipients = ", ".join(headers.to + headers.cc)
            cur = conn.execute(
                "INSERT INTO mail_messages(account, folder, srv_folder, srv_uid, message_id, thread, subject_key, "
                "subject, sender, sender_address, recipients, date, size, seen, flagged, answered, has_attachments, "
                "attachment_names, snippet, headers, raw) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (account_id, folder_id, folder_id, item.uid, headers.message_id, _thread(conn, account_id, headers),
                 normalise_subject(headers.subject), headers.subject, headers.sender, headers.sender_address,
                 recipients, headers.date, item.size, seen, flagged, answered, 1 if names else 0, "\n".join(names),
                 text, item.headers, item.raw))
            _remember_addresses(conn, headers.addresses)
            search.mark_dirty(conn, SEARCH_KIND, str(cur.lastrowid))
            new += 1
        if items:
            conn.execute("UPDATE mail_folders SET fetched_uid = max(fetched_uid, ?) WHERE id = ?",
                         (max(i.uid for i in items), folder_id))
    return new


def store_raw(conn: Any, message_id: int, raw: bytes) -> None:
    """Keep a message's whole content (fetched with the sync, or on demand). Call in a
    transaction or not."""
    text, names = _body_fields(raw, None)
    with transaction(conn):
        conn.execute("UPDATE mail_messages SET raw = ?, snippet = ?, has_attachments = ?, attachment_names = ?, "
                     "size = max(size, ?) WHERE id = ?",
                     (raw, text, 1 if names else 0, "\n".join(names), len(raw), message_id))
        search.mark_dirty(conn, SEARCH_KIND, str(message_id))


def needing_body(conn: Any, folder_id: int, since: str) -> list[tuple[int, int, int]]:
    """(id, uid, size) of the folder's messages dated `since` or later whose body is not here,
    newest first."""
    rows = conn.execute("SELECT id, srv_uid, size FROM mail_messages WHERE srv_folder = ? AND srv_uid IS NOT NULL "
                        "AND raw IS NULL AND date >= ? ORDER BY date DESC", (folder_id, since)).fetchall()
    return [(int(a), int(b), int(c)) for a, b, c in rows]


def uid_of(conn: Any, folder_id: int, uid: int) -> int | None:
    row = conn.execute("SELECT id FROM mail_messages WHERE srv_folder = ? AND srv_uid = ?",
                       (folder_id, uid)).fetchone()
    return None if row is None else int(row[0])


def _pending_flags(conn: Any, message_id: int) -> set[str]:
    return {e.payload and json.loads(e.payload).get("flag") or ""
            for e in outbox.with_prefix(conn, f"{MAIL_FLAGS}:{message_id}:")}


def _apply_flags(conn: Any, message_id: int, seen: int, flagged: int, answered: int) -> None:
    """The server's flags, except those with a local change still queued (the user's wish wins
    until it is replayed)."""
    values = {SEEN: seen, FLAGGED: flagged, ANSWERED: answered}
    for flag in _pending_flags(conn, message_id):
        values.pop(flag, None)
    if values:
        sets = ", ".join(f"{FLAG_COLUMNS[f]} = ?" for f in values)
        conn.execute(f"UPDATE mail_messages SET {sets} WHERE id = ?", (*values.values(), message_id))


def update_flags(conn: Any, folder_id: int, changes: dict[int, tuple[bytes, ...]]) -> int:
    """Apply flags changed on the server ({uid: flags}). Returns how many messages were here."""
    count = 0
    with transaction(conn):
        for uid, flags in changes.items():
            message_id = uid_of(conn, folder_id, uid)
            if message_id is None:
                continue
            lowered = {f.lower() for f in flags}
            _apply_flags(conn, message_id, *(1 if f.lower().encode() in lowered else 0
                                             for f in (SEEN, FLAGGED, ANSWERED)))
            count += 1
    return count


def expunged(conn: Any, folder_id: int, uids: set[int]) -> tuple[int, list[str]]:
    """Messages gone from the server folder: drop them here, and the actions queued on them.
    Returns (how many, notes for the moves that can no longer happen)."""
    notes: list[str] = []
    removed = 0
    with transaction(conn):
        for uid in sorted(uids):
            row = conn.execute("SELECT id, folder, subject FROM mail_messages WHERE srv_folder = ? AND srv_uid = ?",
                               (folder_id, uid)).fetchone()
            if row is None:
                continue
            message_id, folder, subject = int(row[0]), int(row[1]), str(row[2])
            if folder != folder_id:
                notes.append(f"Le message « {subject or '(sans objet)'} » a été supprimé sur le serveur : "
                             "son déplacement est abandonné.")
            MailStore(conn)._forget_actions([message_id])
            conn.execute("DELETE FROM mail_messages WHERE id = ?", (message_id,))
            search.mark_dirty(conn, SEARCH_KIND, str(message_id))
            removed += 1
    return removed, notes
