"""Mail fixtures: one real Dovecot and one SMTP submission server per test session
(tests/mailservers.py), and a fresh user for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mailservers import MailServers, MailUser


@pytest.fixture(scope="session")
def mail_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailServers]:
    """Dovecot (IMAP, IMAPS, LMTP) and submission (STARTTLS, SMTPS, plain) on loopback, with a
    throwaway CA (`mail_servers.ca_file`). Started once: stopping Dovecot takes about a second."""
    try:
        servers = MailServers().start(tmp_path_factory.mktemp("mail"))
    except FileNotFoundError as exc:  # Dovecot not installed: say how, do not skip silently
        pytest.fail(str(exc), pytrace=False)
    yield servers
    servers.stop()


@pytest.fixture
def mail_user(mail_servers: MailServers) -> MailUser:
    """A new user with an empty mailbox (INBOX, Sent, Drafts, Trash, Junk on first access).
    Also brings back a Dovecot that an earlier test killed without restarting it."""
    if not mail_servers.dovecot.running:
        mail_servers.dovecot.restart()
    return mail_servers.add_user()
