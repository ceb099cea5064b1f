"""The Boîte d'envoi: messages composed here wait in the encrypted store until the sync has
submitted them over SMTP and put their copy in the Sent folder (`sync.mail.send`).

`queue` stores a message at once, offline too: its raw bytes (built once, so the copy in Sent
is exactly what was sent), its SMTP recipients (Bcc included; the headers have none), and its
outbox entry `mail.send`, in one transaction; a reply also marks the replied message answered
there. States: queued → sending → smtp_done → gone (the copy is in Sent); or failed, with the
server's reason, until `retry` or `cancel`.

Every function belongs to the thread that owns `conn`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import outbox
from .db import transaction
from .errors import InvalidInput, NotFound
from .mail_compose import (
    MAX_ATTACHMENT_BYTES,
    Draft,
    Part,
    as_bytes,
    attachments_of,
    build,
    envelope_recipients,
    parse_address,
)

MAIL_SEND = "mail.send"  # target: the mail_outgoing id; payload {"id", "message_id"}
QUEUED, SENDING, SMTP_DONE, FAILED = "queued", "sending", "smtp_done", "failed"
STATE_LABELS = {QUEUED: "en attente", SENDING: "en cours d'envoi",
                SMTP_DONE: "envoyé (copie dans « Envoyés » en attente)", FAILED: "refusé"}


@dataclass(frozen=True)
class Outgoing:
    """A message of the Boîte d'envoi. `to`, `cc`, `bcc` as typed; `created_at` ISO UTC."""

    id: int
    account: int
    subject: str
    to: list[str]
    created_at: str
    state: str
    last_error: str | None
    cc: list[str]
    bcc: list[str]
    message_id: str
    size: int
    attempts: int


@dataclass(frozen=True)
class Submission:
    """What the sync needs to send one message (its bytes: `raw`, read one message at a time)."""

    id: int
    account: int
    message_id: str
    sender: str
    envelope: list[str]
    state: str


_COLUMNS = "id, account, subject, recipients, created_at, state, last_error, message_id, size, attempts"


def _outgoing(row: Sequence[Any]) -> Outgoing:
    i, account, subject, recipients, created_at, state, last_error, message_id, size, attempts = row
    who = json.loads(recipients or "{}")
    return Outgoing(int(i), int(account), str(subject), list(who.get("to", [])), str(created_at), str(state),
                    last_error, list(who.get("cc", [])), list(who.get("bcc", [])), str(message_id), int(size),
                    int(attempts))


def _forwarded_parts(conn: Any, message_id: int) -> list[Part]:
    """The attached files of the local message `message_id`, from its raw form. Raises
    InvalidInput when it has some but its raw form is not stored (never downloaded)."""
    row = conn.execute("SELECT raw, has_attachments FROM mail_messages WHERE id = ?", (message_id,)).fetchone()
    if row is None:
        raise NotFound(f"Message à transférer introuvable : {message_id}.")
    raw, has_attachments = row
    if raw:
        return attachments_of(bytes(raw))
    if has_attachments:
        raise InvalidInput("Les pièces jointes du message transféré ne sont pas encore téléchargées : ouvrez-le "
                           "une fois en ligne, puis transférez-le.")
    return []


def _mark_answered(conn: Any, message_id: int) -> None:
    """Mark the replied message answered (here, and queued for the server), if still here."""
    from .mail import MailStore  # storage.mail does not import this module

    try:
        MailStore(conn).set_answered(message_id)
    except NotFound:
        pass  # deleted since the reply was started: the reply goes all the same


def queue(conn: Any, draft: Draft, account: Any, now: datetime | None = None, *,
          max_attachment_bytes: int = MAX_ATTACHMENT_BYTES) -> int:
    """Build `draft` from `account` (a `storage.mail.MailAccount`) and put it in the Boîte
    d'envoi with its outbox entry, one transaction (a reply also marks the replied message
    answered, queued for the server). Returns the outgoing id. Raises InvalidInput (see
    `mail_compose.build`), nothing stored then."""
    extra = _forwarded_parts(conn, draft.forwarding) if draft.forwarding is not None else []
    msg = build(draft, account, now or datetime.now(UTC), max_attachment_bytes=max_attachment_bytes,
                extra_parts=extra)
    envelope = envelope_recipients(draft)
    raw = as_bytes(msg)
    message_id = str(msg["Message-ID"])
    sender = parse_address(account.address).addr_spec
    recipients = json.dumps({"to": draft.to, "cc": draft.cc, "bcc": draft.bcc}, ensure_ascii=False)
    with transaction(conn):
        cursor = conn.execute(
            "INSERT INTO mail_outgoing(account, message_id, sender, subject, recipients, envelope, replying_to, "
            "size, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (account.id, message_id, sender, str(msg["Subject"] or ""), recipients, json.dumps(envelope),
             draft.replying_to, len(raw), raw))
        outgoing_id = int(cursor.lastrowid)
        _enqueue(conn, outgoing_id, message_id)
        if draft.replying_to is not None:
            _mark_answered(conn, draft.replying_to)
    return outgoing_id


def _enqueue(conn: Any, outgoing_id: int, message_id: str) -> None:
    outbox.add(conn, MAIL_SEND, str(outgoing_id), f"{MAIL_SEND}:{message_id}",
               json.dumps({"id": outgoing_id, "message_id": message_id}))


def _dequeue(conn: Any, message_id: str) -> None:
    entry = outbox.get(conn, f"{MAIL_SEND}:{message_id}")
    if entry is not None:
        outbox.remove(conn, entry)


def outgoing(conn: Any, account_id: int | None = None) -> list[Outgoing]:
    """The Boîte d'envoi, oldest first: what waits, is being sent, waits for its copy in Sent,
    or was refused (with the reason), of one account or all."""
    if account_id is None:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM mail_outgoing ORDER BY id").fetchall()
    else:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM mail_outgoing WHERE account = ? ORDER BY id",
                            (account_id,)).fetchall()
    return [_outgoing(row) for row in rows]


def get(conn: Any, outgoing_id: int) -> Outgoing:
    """One message of the Boîte d'envoi. Raises NotFound."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM mail_outgoing WHERE id = ?", (outgoing_id,)).fetchone()
    if row is None:
        raise NotFound(f"Message introuvable dans la boîte d'envoi : {outgoing_id} (déjà parti ?).")
    return _outgoing(row)


def raw(conn: Any, outgoing_id: int) -> bytes:
    """The message's bytes as they go on the wire. Raises NotFound."""
    row = conn.execute("SELECT raw FROM mail_outgoing WHERE id = ?", (outgoing_id,)).fetchone()
    if row is None:
        raise NotFound(f"Message introuvable dans la boîte d'envoi : {outgoing_id}.")
    return bytes(row[0])


def cancel(conn: Any, outgoing_id: int) -> None:
    """Withdraw a message that has not left: queued, or refused. Raises NotFound, or
    InvalidInput once the SMTP server has it (or may have it)."""
    with transaction(conn):
        item = get(conn, outgoing_id)
        if item.state not in (QUEUED, FAILED):
            raise InvalidInput(f"Le message {outgoing_id} est déjà parti (ou en train de partir) : "
                               "il ne peut plus être annulé.")
        conn.execute("DELETE FROM mail_outgoing WHERE id = ?", (outgoing_id,))
        _dequeue(conn, item.message_id)


def retry(conn: Any, outgoing_id: int) -> None:
    """Queue a refused message again (after the account or the addresses were fixed); it goes
    with the next round. Raises NotFound, or InvalidInput if it was not refused."""
    with transaction(conn):
        item = get(conn, outgoing_id)
        if item.state != FAILED:
            raise InvalidInput(f"Le message {outgoing_id} n'a pas été refusé : il est {STATE_LABELS[item.state]}.")
        conn.execute("UPDATE mail_outgoing SET state = 'queued', last_error = NULL WHERE id = ?", (outgoing_id,))
        _enqueue(conn, outgoing_id, item.message_id)


# -- for the sync (sync.mail.send) ----------------------------------------------------------


def due(conn: Any) -> list[Submission]:
    """What the sync has to do, oldest first: messages to submit (queued, or `sending` when a
    round stopped mid-way) and messages whose Sent copy is missing (smtp_done)."""
    rows = conn.execute(
        "SELECT id, account, message_id, sender, envelope, state FROM mail_outgoing "
        "WHERE state IN ('queued', 'sending', 'smtp_done') ORDER BY id").fetchall()
    return [Submission(int(i), int(account), str(mid), str(sender), list(json.loads(envelope)), str(state))
            for i, account, mid, sender, envelope, state in rows]


def prune(conn: Any) -> int:
    """Drop the `mail.send` outbox entries whose message is gone (its account was removed).
    Returns how many."""
    with transaction(conn):
        cursor = conn.execute(
            "DELETE FROM outbox WHERE kind = ? AND NOT EXISTS "
            "(SELECT 1 FROM mail_outgoing o WHERE CAST(o.id AS TEXT) = outbox.target)", (MAIL_SEND,))
    return int(cursor.rowcount)


def sending(conn: Any, outgoing_id: int) -> bool:
    """Record that the message is being handed to the SMTP server (committed before it is:
    `cancel` is refused from then on). Returns False if it was cancelled meanwhile."""
    with transaction(conn):
        cursor = conn.execute(
            "UPDATE mail_outgoing SET state = 'sending', attempts = attempts + 1 "
            "WHERE id = ? AND state IN ('queued', 'sending')", (outgoing_id,))
    return bool(cursor.rowcount)


def smtp_done(conn: Any, outgoing_id: int, note: str | None = None) -> None:
    """The SMTP server accepted the message: it is never submitted again. `note` says which
    recipients it refused, if some."""
    with transaction(conn):
        conn.execute("UPDATE mail_outgoing SET state = 'smtp_done', last_error = ?, "
                     "smtp_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?", (note, outgoing_id))


def later(conn: Any, outgoing_id: int, reason: str) -> None:
    """A temporary failure: the message stays where it was (queued if not submitted yet), with
    the reason shown, for the next round."""
    with transaction(conn):
        conn.execute("UPDATE mail_outgoing SET state = CASE state WHEN 'sending' THEN 'queued' ELSE state END, "
                     "last_error = ? WHERE id = ?", (reason, outgoing_id))
        # `parvis status` and the status bar show the reason of what waits.
        conn.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE kind = ? AND target = ?",
                     (reason, MAIL_SEND, str(outgoing_id)))


def failed(conn: Any, outgoing_id: int, reason: str) -> None:
    """The server refused the message for good: it stays in the box, refused, with `reason`,
    out of the outbox until `retry`."""
    with transaction(conn):
        row = conn.execute("SELECT message_id FROM mail_outgoing WHERE id = ?", (outgoing_id,)).fetchone()
        conn.execute("UPDATE mail_outgoing SET state = 'failed', last_error = ? WHERE id = ?", (reason, outgoing_id))
        if row is not None:
            _dequeue(conn, str(row[0]))


def done(conn: Any, outgoing_id: int) -> None:
    """The message was sent and its copy is in Sent: it leaves the box and the outbox."""
    with transaction(conn):
        row = conn.execute("SELECT message_id FROM mail_outgoing WHERE id = ?", (outgoing_id,)).fetchone()
        conn.execute("DELETE FROM mail_outgoing WHERE id = ?", (outgoing_id,))
        if row is not None:
            _dequeue(conn, str(row[0]))
