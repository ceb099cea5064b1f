"""Helpers of the mail sync tests: messages, a profile with a mail account, a second IMAP client
(another device or webmail) to change things on the server behind Parvis's back."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from imapclient import IMAPClient

from storage.mail import MailStore
from storage.vault import Vault
from sync.mail import ImapSession, MailReport, sync_mail
from sync.mail.imap import Endpoint
from tests.mailservers import MaildirMessage, MailServers, MailUser


def message(n: int, subject: str | None = None, body: str | None = None, days_ago: float = 1.0,
            attachment: tuple[str, bytes] | None = None, sender: str = "Camille Dupont <camille@example.test>",
            to: str = "moi@example.test", refs: str | None = None, message_id: str | None = None) -> MaildirMessage:
    """A message dated `days_ago` days ago (Date header and INTERNALDATE)."""
    msg = EmailMessage()
    when = datetime.now(UTC) - timedelta(days=days_ago)
    msg["From"], msg["To"] = sender, to
    msg["Subject"] = subject if subject is not None else f"Message {n}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id or f"<m{n}.{id(msg)}@example.test>"
    if refs:
        msg["In-Reply-To"] = refs.split()[-1]
        msg["References"] = refs
    msg.set_content(body if body is not None else f"Corps du message {n}.\n")
    if attachment:
        msg.add_attachment(attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0])
    return MaildirMessage(msg.as_bytes(), date=when)


def add_account(vault: Vault, servers: MailServers, user: MailUser, password: str | None = None,
                security: str = "tls") -> int:
    dovecot = servers.dovecot
    port = dovecot.imaps_port if security == "tls" else dovecot.imap_port
    return MailStore(vault.conn).add_account(
        user.address, user.name, password if password is not None else user.password, dovecot.host, port, security,
        servers.submission.host, servers.submission.smtps_port, "tls", str(servers.ca_file))


def other_client(servers: MailServers, user: MailUser) -> IMAPClient:
    """Another IMAP client of the same user (a webmail, a phone)."""
    client = IMAPClient(servers.dovecot.host, port=servers.dovecot.imaps_port, ssl=True,
                        ssl_context=ssl.create_default_context(cafile=str(servers.ca_file)), timeout=10)
    client.login(user.name, user.password)
    return client


def server_subjects(servers: MailServers, user: MailUser, folder: str = "INBOX") -> dict[int, tuple[str, set[bytes]]]:
    """{uid: (subject, flags)} of a server folder, as another client sees it."""
    with other_client(servers, user) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        if not uids:
            return {}
        fetched = client.fetch(uids, ["ENVELOPE", "FLAGS"])
        return {uid: ((v[b"ENVELOPE"].subject or b"").decode(), set(v[b"FLAGS"]) - {b"\\Recent"})
                for uid, v in fetched.items()}


class Recorder:
    """An opener that keeps every session it opens (to count the commands sent), and can run a
    hook before each of their network calls."""

    def __init__(self, hook: Callable[[str, ImapSession], None] | None = None) -> None:
        self.sessions: list[ImapSession] = []
        self.hook = hook

    def __call__(self, endpoint: Endpoint, username: str, password: str) -> ImapSession:
        session = ImapSession.open(endpoint, username, password)
        self.sessions.append(session)
        if self.hook is not None:
            hook, original_fetch = self.hook, session.fetch

            def fetch(*args: Any, **kwargs: Any) -> Any:
                hook("fetch", session)
                return original_fetch(*args, **kwargs)

            session.fetch = fetch  # type: ignore[method-assign]
        return session

    @property
    def commands(self) -> list[str]:
        return [c for s in self.sessions for c in s.commands]


def sync(vault: Vault, opener: Any = None) -> MailReport:
    return asyncio.run(sync_mail(vault.conn, opener=opener))
