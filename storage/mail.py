"""Mail in the local store: IMAP/SMTP accounts, their folders and messages, all inside the
encrypted database (headers; the raw message with its attachments once downloaded).

What the user does to a message (read, star, answered, move, delete) applies here at once and is
queued in the outbox in the same transaction; `sync.mail` replays it on the server, idempotently
(a flag is the last wish per message and flag; a move the last destination per message).
A message keeps two places: `folder`, where the user sees it, and its server place
(`srv_folder`, `srv_uid`), where the sync finds it until the move is replayed.

The writes the sync makes (folders, headers, bodies, server flags, expunges) are in
`storage.mail_sync`. Every method belongs to the thread that owns `conn`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import outbox, search
from .db import delete_secret, get_secret, like_prefix, set_secret, transaction
from .errors import InvalidInput, NotFound
from .mail_mime import format_address, parse_body, parse_headers

SEARCH_KIND = "mail"
MAIL_FLAGS = "mail.flags"  # one per (message, flag), the last wish: {"flag": "\\Seen", "on": true}
MAIL_MOVE = "mail.move"  # one per message, the last destination: {"to": folder id}
MAIL_DELETE = "mail.delete"  # expunge for good (deleting in the Trash, or with no Trash): {}
MAIL_KINDS = (MAIL_FLAGS, MAIL_MOVE, MAIL_DELETE)
SECURITIES = ("tls", "starttls", "plain")
SEEN, FLAGGED, ANSWERED = "\\Seen", "\\Flagged", "\\Answered"
FLAG_COLUMNS = {SEEN: "seen", FLAGGED: "flagged", ANSWERED: "answered"}
SPECIAL_DISPLAY = {"inbox": "Boîte de réception", "sent": "Envoyés", "drafts": "Brouillons",
                   "trash": "Corbeille", "junk": "Indésirables", "archive": "Archives"}
SORTS = {"date": "m.date", "sender": "m.sender COLLATE NOCASE", "subject": "m.subject COLLATE NOCASE",
         "size": "m.size", "thread": "m.thread"}
_CHUNK = 500


@dataclass(frozen=True)
class MailAccount:
    id: int
    address: str
    username: str
    imap_host: str
    imap_port: int
    imap_security: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    ca_file: str | None


@dataclass(frozen=True)
class Folder:
    """A folder. `display` is French for the special ones, else the server's name (decoded);
    `unread` and `total` count what is here (what the user sees)."""

    id: int
    account: int
    name: str
    display: str
    special: str | None
    unread: int
    total: int
    delimiter: str = "/"


@dataclass(frozen=True)
class MessageSummary:
    """A message in a list. `date` is ISO UTC; `thread` groups a conversation; `has_body`: the
    whole message is here; `pending`: an action made here waits to be applied on the server."""

    id: int
    account: int
    folder: int
    uid: int | None
    subject: str
    sender: str
    sender_address: str
    to: str
    date: str
    seen: bool
    flagged: bool
    answered: bool
    has_attachments: bool
    snippet: str
    thread: str
    size: int
    has_body: bool
    pending: bool


@dataclass(frozen=True)
class MailAttachment:
    index: int
    name: str
    type: str
    size: int


@dataclass(frozen=True)
class MessageBody:
    """A message as the reader shows it. `text` and `html` are None while only the headers are
    here (fetch the body with `sync.mail.fetch_body`)."""

    summary: MessageSummary
    from_: str
    to: list[str]
    cc: list[str]
    reply_to: list[str]
    message_id: str
    in_reply_to: str
    references: list[str]
    text: str | None
    html: str | None
    attachments: list[MailAttachment]


_SUMMARY = ("m.id, m.account, m.folder, m.srv_uid, m.subject, m.sender, m.sender_address, m.recipients, m.date, "
            "m.seen, m.flagged, m.answered, m.has_attachments, m.snippet, m.thread, m.size, m.raw IS NOT NULL, "
            "m.pending")


def _summary(row: Sequence[Any]) -> MessageSummary:
    return MessageSummary(int(row[0]), int(row[1]), int(row[2]), row[3], row[4], row[5], row[6], row[7], row[8],
                          bool(row[9]), bool(row[10]), bool(row[11]), bool(row[12]), row[13], row[14], int(row[15]),
                          bool(row[16]), bool(row[17]))


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def password_key(account_id: int) -> str:
    return f"mail:{account_id}"


class MailStore:
    """Mail accounts, folders and messages of one profile."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    # -- accounts -----------------------------------------------------------------------

    def add_account(self, address: str, username: str, password: str, imap_host: str, imap_port: int,
                    imap_security: str, smtp_host: str, smtp_port: int, smtp_security: str,
                    ca_file: str | None = None) -> int:
        """Record an account (the caller has checked the login) and keep its password in the
        vault. An account with the same user on the same IMAP server is updated instead.
        Returns its id. Raises InvalidInput for an unknown security mode."""
        for security in (imap_security, smtp_security):
            if security not in SECURITIES:
                raise InvalidInput(f"Sécurité inconnue : {security} (tls, starttls ou plain).")
        with transaction(self.conn):
            row = self.conn.execute("SELECT id FROM mail_accounts WHERE username = ? AND imap_host = ? "
                                    "AND imap_port = ?", (username, imap_host, imap_port)).fetchone()
            values = (address, username, imap_host, imap_port, imap_security, smtp_host, smtp_port, smtp_security,
                      ca_file)
            if row is None:
                cur = self.conn.execute(
                    "INSERT INTO mail_accounts(address, username, imap_host, imap_port, imap_security, smtp_host, "
                    "smtp_port, smtp_security, ca_file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
                account_id = int(cur.lastrowid)
            else:
                account_id = int(row[0])
                self.conn.execute(
                    "UPDATE mail_accounts SET address = ?, username = ?, imap_host = ?, imap_port = ?, "
                    "imap_security = ?, smtp_host = ?, smtp_port = ?, smtp_security = ?, ca_file = ? WHERE id = ?",
                    (*values, account_id))
            set_secret(self.conn, password_key(account_id), password)
        return account_id

    def accounts(self) -> list[MailAccount]:
        rows = self.conn.execute("SELECT id, address, username, imap_host, imap_port, imap_security, smtp_host, "
                                 "smtp_port, smtp_security, ca_file FROM mail_accounts ORDER BY id").fetchall()
        return [MailAccount(*row) for row in rows]

    def account(self, account_id: int) -> MailAccount:
        """Raises NotFound."""
        for account in self.accounts():
            if account.id == account_id:
                return account
        raise NotFound(f"Compte de messagerie introuvable : {account_id}.")

    def password(self, account_id: int) -> str:
        """The account's password, from the vault. Raises NotFound."""
        value = get_secret(self.conn, password_key(account_id))
        if value is None:
            raise NotFound(f"Mot de passe du compte de messagerie {account_id} absent : ajoutez le compte à "
                           "nouveau avec « parvis mail account add ».")
        return value

    def remove_account(self, account_id: int) -> None:
        """Forget an account, its folders, messages, queued actions and password."""
        with transaction(self.conn):
            ids = [r[0] for r in self.conn.execute("SELECT id FROM mail_messages WHERE account = ?", (account_id,))]
            for chunk in _chunks(ids):
                self._forget_actions(chunk)
                for message_id in chunk:
                    search.mark_dirty(self.conn, SEARCH_KIND, str(message_id))
            self.conn.execute("DELETE FROM mail_messages WHERE account = ?", (account_id,))
            self.conn.execute("DELETE FROM mail_folders WHERE account = ?", (account_id,))
            self.conn.execute("DELETE FROM mail_accounts WHERE id = ?", (account_id,))
            delete_secret(self.conn, password_key(account_id))

    # -- folders ------------------------------------------------------------------------

    def _folders(self, where: str, params: tuple[Any, ...]) -> list[Folder]:
        rows = self.conn.execute(
            "SELECT f.id, f.account, f.name, f.special, f.delimiter, "
            "  (SELECT count(*) FROM mail_messages m WHERE m.folder = f.id AND m.deleted = 0 AND m.seen = 0), "
            "  (SELECT count(*) FROM mail_messages m WHERE m.folder = f.id AND m.deleted = 0) "
            f"FROM mail_folders f WHERE {where} "
            "ORDER BY f.account, CASE f.special WHEN 'inbox' THEN 0 WHEN 'drafts' THEN 1 WHEN 'sent' THEN 2 "
            "WHEN 'archive' THEN 3 WHEN 'junk' THEN 4 WHEN 'trash' THEN 5 ELSE 6 END, f.name COLLATE NOCASE",
            params).fetchall()
        return [Folder(int(i), int(a), name, SPECIAL_DISPLAY.get(special or "", name), special, int(unread),
                       int(total), delimiter or "/")
                for i, a, name, special, delimiter, unread, total in rows]

    def folders(self, account_id: int) -> list[Folder]:
        """The account's folders: the special ones first (inbox, drafts, sent, archive, junk,
        trash), then the others by name."""
        return self._folders("f.account = ?", (account_id,))

    def folder(self, folder_id: int) -> Folder:
        """Raises NotFound."""
        found = self._folders("f.id = ?", (folder_id,))
        if not found:
            raise NotFound(f"Dossier introuvable : {folder_id}.")
        return found[0]

    def special_folder(self, account_id: int, kind: str) -> Folder | None:
        found = self._folders("f.account = ? AND f.special = ?", (account_id, kind))
        return found[0] if found else None

    def resolve_folder(self, ref: str, account_id: int | None = None) -> Folder:
        """The folder whose id, server name or French name is `ref` (case ignored), in the given
        account or any. Raises NotFound, or InvalidInput when `ref` names several."""
        folders = []
        for account in self.accounts():
            if account_id is None or account.id == account_id:
                folders += self.folders(account.id)
        for test in (lambda f: str(f.id) == ref, lambda f: f.name == ref,
                     lambda f: f.name.lower() == ref.lower() or f.display.lower() == ref.lower()):
            matches = [f for f in folders if test(f)]
            if len(matches) > 1:
                raise InvalidInput(f"« {ref} » désigne plusieurs dossiers : donnez son numéro.")
            if matches:
                return matches[0]
        raise NotFound(f"Dossier introuvable : {ref}.")

    # -- messages -----------------------------------------------------------------------

    def messages(self, folder_id: int, search: str | None = None, sort: str = "date", descending: bool = True,
                 limit: int | None = None, offset: int = 0) -> list[MessageSummary]:
        """A folder's messages, newest first by default. `search` keeps those matching the words
        typed (subject, people, text, attachment names; accents and case ignored). `sort` is
        date, sender, subject, size or thread (a conversation's messages together, by date).
        Raises InvalidInput for an unknown sort."""
        if sort not in SORTS:
            raise InvalidInput(f"Tri inconnu : {sort} ({', '.join(SORTS)}).")
        direction = "DESC" if descending else "ASC"
        order = f"{SORTS[sort]} {direction}, m.date {direction}, m.id {direction}"
        sql = f"SELECT {_SUMMARY} FROM mail_messages m WHERE m.folder = ? AND m.deleted = 0"
        params: list[Any] = [folder_id]
        if search is not None and search.strip():
            fts = self._fts(search)
            if not fts:
                return []
            sql += (" AND m.id IN (SELECT CAST(ref AS INTEGER) FROM search_index WHERE search_index MATCH ? "
                    "AND kind = 'mail')")
            params.append(fts)
        sql += f" ORDER BY {order}"
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            params += [-1 if limit is None else limit, offset]
        return [_summary(row) for row in self.conn.execute(sql, params).fetchall()]

    def summary(self, message_id: int) -> MessageSummary | None:
        row = self.conn.execute(f"SELECT {_SUMMARY} FROM mail_messages m WHERE m.id = ? AND m.deleted = 0",
                                (message_id,)).fetchone()
        return None if row is None else _summary(row)

    def message(self, message_id: int) -> MessageBody | None:
        """The message as the reader shows it, or None if unknown. Its text, HTML and attachments
        come from the raw message when it is here; from the headers only otherwise."""
        summary = self.summary(message_id)
        if summary is None:
            return None
        headers_blob, raw = self.conn.execute("SELECT headers, raw FROM mail_messages WHERE id = ?",
                                              (message_id,)).fetchone()
        source = bytes(raw) if raw is not None else bytes(headers_blob or b"")
        headers = parse_headers(source)
        text = html = None
        attachments: list[MailAttachment] = []
        if raw is not None:
            body = parse_body(bytes(raw))
            text, html = body.text, body.html
            attachments = [MailAttachment(p.index, p.name, p.type, len(p.data)) for p in body.attachments]
        return MessageBody(summary, headers.from_, headers.to, headers.cc, headers.reply_to, headers.message_id,
                           headers.in_reply_to, headers.references, text, html, attachments)

    def raw(self, message_id: int) -> bytes | None:
        """The whole message (RFC 822), or None while only its headers are here (or unknown)."""
        row = self.conn.execute("SELECT raw FROM mail_messages WHERE id = ?", (message_id,)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def attachment_data(self, message_id: int, index: int) -> tuple[str, str, bytes]:
        """(name, type, bytes) of a message's attachment number `index` (as listed in
        `message().attachments`). Raises NotFound, also while the body is not here."""
        raw = self.raw(message_id)
        if raw is None:
            raise NotFound(f"Le contenu du message {message_id} n'est pas encore téléchargé : ouvrez-le "
                           "en ligne d'abord.")
        for part in parse_body(raw).attachments:
            if part.index == index:
                return part.name, part.type, part.data
        raise NotFound(f"Pièce jointe introuvable : n° {index} du message {message_id}.")

    def known_addresses(self, prefix: str, limit: int = 10) -> list[str]:
        """'Nom <adresse>' of the people seen in messages whose address or a word of whose name
        starts with `prefix`, the most frequent first (for the composer's completion)."""
        prefix = prefix.strip()
        if not prefix:
            return []
        pattern = like_prefix(prefix)
        rows = self.conn.execute(
            "SELECT name, address FROM mail_addresses WHERE address LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\' "
            "OR name LIKE ? ESCAPE '\\' ORDER BY seen DESC, address LIMIT ?",
            (pattern, pattern, "% " + pattern, limit)).fetchall()
        return [format_address(name, address) for name, address in rows]

    # -- search -------------------------------------------------------------------------

    def _fts(self, text: str) -> str:
        self.refresh_index()
        return search.to_fts_query(text)

    def refresh_index(self) -> int:
        """Re-index the mail messages that changed since the last search, in batches (a message
        deleted meanwhile left the index with its row). Returns how many."""
        done = 0
        while True:
            refs = [r[0] for r in self.conn.execute("SELECT ref FROM search_dirty WHERE kind = ? LIMIT ?",
                                                    (SEARCH_KIND, _CHUNK))]
            if not refs:
                return done
            with transaction(self.conn):
                for ref in refs:
                    row = self.conn.execute("SELECT search_rowid FROM mail_messages WHERE id = ?",
                                            (int(ref),)).fetchone()
                    if row is not None and row[0] is not None:
                        self.conn.execute("DELETE FROM search_index WHERE rowid = ?", (row[0],))
                    content = self.search_content(ref) if row is not None else None
                    rowid = None
                    if content is not None:
                        rowid = self.conn.execute("INSERT INTO search_index(kind, ref, title, body) "
                                                  "VALUES (?, ?, ?, ?)", (SEARCH_KIND, ref, *content)).lastrowid
                    if row is not None:
                        self.conn.execute("UPDATE mail_messages SET search_rowid = ? WHERE id = ?", (rowid, int(ref)))
                    self.conn.execute("DELETE FROM search_dirty WHERE kind = ? AND ref = ?", (SEARCH_KIND, ref))
            done += len(refs)

    def search(self, text: str, account_id: int | None = None, limit: int = 50) -> list[MessageSummary]:
        """Messages matching `text` in any folder (of one account, or all), best first."""
        fts = self._fts(text)
        if not fts:
            return []
        sql = (f"SELECT {_SUMMARY} FROM search_index s JOIN mail_messages m ON m.id = CAST(s.ref AS INTEGER) "
               "WHERE search_index MATCH ? AND s.kind = 'mail' AND m.deleted = 0")
        params: list[Any] = [fts]
        if account_id is not None:
            sql += " AND m.account = ?"
            params.append(account_id)
        sql += " ORDER BY s.rank LIMIT ?"
        return [_summary(row) for row in self.conn.execute(sql, (*params, limit)).fetchall()]

    def search_content(self, ref: str) -> tuple[str, str] | None:
        """The (title, body) the search index holds for a message: its subject; its sender,
        recipients, text and attachment names. None once it is gone. Index mail with
        `refresh_index` (it keeps each message's index row, which leaves with the message), not
        with `search.refresh`."""
        row = self.conn.execute("SELECT subject, sender, sender_address, recipients, attachment_names, raw, "
                                "deleted FROM mail_messages WHERE id = ?", (int(ref),)).fetchone()
        if row is None or row[6]:
            return None
        subject, sender, address, recipients, names, raw, _ = row
        parts = [f"{sender} {address}", recipients, names]
        if raw is not None:
            body = parse_body(bytes(raw))
            if body.text:
                parts.append(body.text)
            elif body.html:
                from .mail_mime import html_to_text

                parts.append(html_to_text(body.html))
        return str(subject), "\n".join(p for p in parts if p)

    # -- actions made here, queued for the server ---------------------------------------

    def _rows(self, ids: Iterable[int]) -> list[tuple[int, int, int, int | None, int | None, int]]:
        """(id, account, folder, srv_folder, srv_uid, pending) of the messages still shown."""
        wanted = sorted({int(i) for i in ids})
        rows: list[Any] = []
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows += self.conn.execute(f"SELECT id, account, folder, srv_folder, srv_uid, pending FROM mail_messages "
                                      f"WHERE id IN ({marks}) AND deleted = 0", tuple(chunk)).fetchall()
        if wanted and not rows:
            raise NotFound(f"Message introuvable : {', '.join(map(str, wanted[:5]))}.")
        return rows

    def _set_flag(self, ids: Iterable[int], flag: str, on: bool) -> int:
        column = FLAG_COLUMNS[flag]
        changed = 0
        with transaction(self.conn):
            for message_id, *_ in self._rows(ids):
                current = self.conn.execute(f"SELECT {column} FROM mail_messages WHERE id = ?",
                                            (message_id,)).fetchone()[0]
                key = f"{MAIL_FLAGS}:{message_id}:{flag}"
                if bool(current) == on and outbox.get(self.conn, key) is None:
                    continue
                self.conn.execute(f"UPDATE mail_messages SET {column} = ?, pending = 1 WHERE id = ?",
                                  (1 if on else 0, message_id))
                outbox.put(self.conn, MAIL_FLAGS, str(message_id), key, json.dumps({"flag": flag, "on": on}))
                changed += 1
        return changed

    def set_seen(self, ids: Iterable[int], seen: bool) -> int:
        """Mark messages read or unread, here at once and on the server at the next sync.
        Returns how many changed. Raises NotFound when none is known."""
        return self._set_flag(ids, SEEN, seen)

    def set_flagged(self, ids: Iterable[int], flagged: bool) -> int:
        """Star messages or not. Returns how many changed. Raises NotFound."""
        return self._set_flag(ids, FLAGGED, flagged)

    def set_answered(self, message_id: int) -> int:
        """The user answered this message (its reply is queued). Raises NotFound."""
        return self._set_flag([message_id], ANSWERED, True)

    def move(self, ids: Iterable[int], folder_id: int) -> int:
        """Move messages to another folder of their account, here at once and on the server at
        the next sync. Returns how many moved. Raises NotFound, InvalidInput (another account)."""
        target = self.folder(folder_id)
        moved = 0
        with transaction(self.conn):
            for message_id, account, folder, srv_folder, _, _ in self._rows(ids):
                if account != target.account:
                    raise InvalidInput("Un message ne peut aller que dans un dossier de son propre compte.")
                if folder == target.id:
                    continue
                self._queue_move(message_id, srv_folder, target.id)
                moved += 1
        return moved

    def _queue_move(self, message_id: int, srv_folder: int | None, target: int) -> None:
        key = f"{MAIL_MOVE}:{message_id}"
        self.conn.execute("UPDATE mail_messages SET folder = ?, pending = 1 WHERE id = ?", (target, message_id))
        if srv_folder == target:  # back where the server has it: nothing to do there any more
            entry = outbox.get(self.conn, key)
            if entry is not None:
                outbox.remove(self.conn, entry)
            self.settle(message_id)
        else:
            outbox.put(self.conn, MAIL_MOVE, str(message_id), key, json.dumps({"to": target}))

    def delete(self, ids: Iterable[int]) -> int:
        """Delete messages: to the account's Trash; for good when they are in the Trash already
        (or the account has none). Here at once, on the server at the next sync. Returns how
        many. Raises NotFound."""
        count = 0
        with transaction(self.conn):
            for message_id, account, folder, srv_folder, srv_uid, _ in self._rows(ids):
                trash = self.special_folder(account, "trash")
                if trash is not None and folder != trash.id:
                    self._queue_move(message_id, srv_folder, trash.id)
                else:
                    self._forget_actions([message_id])
                    if srv_folder is None or srv_uid is None:
                        self.conn.execute("DELETE FROM mail_messages WHERE id = ?", (message_id,))
                    else:
                        self.conn.execute("UPDATE mail_messages SET deleted = 1, pending = 1 WHERE id = ?",
                                          (message_id,))
                        outbox.add(self.conn, MAIL_DELETE, str(message_id), f"{MAIL_DELETE}:{message_id}", "{}")
                search.mark_dirty(self.conn, SEARCH_KIND, str(message_id))
                count += 1
        return count

    def _forget_actions(self, ids: Iterable[int]) -> None:
        """Drop the queued actions on these messages. Call in a transaction."""
        for message_id in ids:
            self.conn.execute("DELETE FROM outbox WHERE target = ? AND kind IN (?, ?, ?)",
                              (str(message_id), *MAIL_KINDS))

    def settle(self, message_id: int) -> None:
        """Clear a message's pending mark once nothing of it waits in the outbox. Call in a
        transaction."""
        left = self.conn.execute("SELECT 1 FROM outbox WHERE target = ? AND kind IN (?, ?, ?) LIMIT 1",
                                 (str(message_id), *MAIL_KINDS)).fetchone()
        if left is None:
            self.conn.execute("UPDATE mail_messages SET pending = 0 WHERE id = ?", (message_id,))

    def pending_actions(self) -> list[outbox.Entry]:
        """The queued mail actions, oldest first."""
        return [e for e in outbox.pending(self.conn) if e.kind in MAIL_KINDS]
