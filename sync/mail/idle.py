"""New mail while online: `wait_for_new_mail` returns as soon as the server says a message
arrived in a folder (IMAP IDLE), or polls with NOOP when the server has no IDLE."""

from __future__ import annotations

import asyncio
import threading
import time

from storage.errors import ParvisError
from storage.mail import MailAccount

from .imap import ImapSession, translate
from .sync import imap_endpoint

POLL = 1.0  # seconds between two looks at the connection (and at `stop`)
NOOP_EVERY = 30.0  # without IDLE
IDLE_RENEW = 25 * 60.0  # RFC 2177: re-issue IDLE before the server's 30-minute cut


def _wait(account: MailAccount, password: str, folder: str, timeout: float, stop: threading.Event) -> bool:
    endpoint = imap_endpoint(account)
    session = ImapSession.open(endpoint, account.username, password)
    client = session.client
    deadline = time.monotonic() + timeout
    try:
        selected = session.select(folder, readonly=True)
        known = int(selected.get(b"EXISTS", 0))
        if b"IDLE" not in session.capabilities:
            while not stop.is_set() and time.monotonic() < deadline:
                stop.wait(min(NOOP_EVERY, max(0.0, deadline - time.monotonic())))
                if stop.is_set():
                    return False
                if int(session.status(folder).get(b"MESSAGES", 0)) > known:
                    return True
            return False
        client.idle()
        started = time.monotonic()
        try:
            while not stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if time.monotonic() - started > IDLE_RENEW:
                    client.idle_done()
                    client.idle()
                    started = time.monotonic()
                for response in client.idle_check(timeout=min(POLL, left)):
                    if len(response) >= 2 and response[1] == b"EXISTS" and int(response[0]) > known:
                        return True
                    if len(response) >= 2 and response[1] == b"EXPUNGE":
                        known = max(0, known - 1)
            return False
        finally:
            try:
                client.idle_done()
            except Exception:
                pass
    finally:
        session.close()


async def wait_for_new_mail(account: MailAccount, password: str, folder: str = "INBOX", timeout: float = 300.0,
                            stop: threading.Event | None = None) -> bool:
    """Wait until a new message arrives in `folder` (True), or `timeout` seconds pass, or `stop`
    is set (False). Read the account and its password from the store (`MailStore.account`,
    `.password`) on the store's thread first. The wait runs in a worker thread; cancelling the
    awaiting task stops it within a second. Raises AuthFailed, Unreachable, SyncError."""
    stop = stop or threading.Event()
    try:
        return await asyncio.to_thread(_wait, account, password, folder, timeout, stop)
    except asyncio.CancelledError:
        stop.set()
        raise
    except ParvisError:
        raise
    except Exception as exc:
        raise translate(exc, imap_endpoint(account)) from exc
