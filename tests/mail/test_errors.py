"""Mail failures end with a clear French message of the engine's error types, and lose nothing:
wrong password, untrusted certificate, unknown host, closed port, a server killed mid-sync."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.mail import MailStore
from storage.vault import Vault
from sync.engine import Engine
from sync.errors import AuthFailed, Unreachable
from sync.mail import ImapSession
from sync.mail.imap import CertificateRejected, Endpoint, UnknownHost
from tests.mail.tools import Recorder, add_account, message, sync
from tests.mailservers import MailServers, MailUser, free_port


def test_wrong_password(vault: Vault, mail_servers: MailServers, mail_user: MailUser) -> None:
    add_account(vault, mail_servers, mail_user, password="pas-le-bon")
    report = sync(vault)
    assert isinstance(report.failure, AuthFailed)
    assert "Identifiant ou mot de passe refusé par le serveur de messagerie" in report.errors[0]
    assert "pas-le-bon" not in report.errors[0]
    with pytest.raises(AuthFailed, match="Identifiant ou mot de passe refusé"):
        asyncio.run(Engine(vault.conn).sync_once())  # a mail-only profile: the round fails with it


def test_untrusted_certificate_suggests_the_ca_file(mail_servers: MailServers, mail_user: MailUser) -> None:
    endpoint = Endpoint(mail_servers.dovecot.host, mail_servers.dovecot.imaps_port, "tls")  # no CA file
    with pytest.raises(CertificateRejected, match="--ca-file"):
        ImapSession.open(endpoint, mail_user.name, mail_user.password)
    starttls = Endpoint(mail_servers.dovecot.host, mail_servers.dovecot.imap_port, "starttls")
    with pytest.raises(CertificateRejected, match="n'est pas reconnu"):
        ImapSession.open(starttls, mail_user.name, mail_user.password)
    trusted = Endpoint(mail_servers.dovecot.host, mail_servers.dovecot.imap_port, "starttls",
                       str(mail_servers.ca_file))
    ImapSession.open(trusted, mail_user.name, mail_user.password).close()


def test_unknown_host_closed_port_and_plain_towards_another_machine(mail_user: MailUser) -> None:
    with pytest.raises(UnknownHost, match="« imap.nulle-part.invalid » est inconnu"):
        ImapSession.open(Endpoint("imap.nulle-part.invalid", 993, "tls"), "u", "p")
    with pytest.raises(Unreachable, match="refuse la connexion"):
        ImapSession.open(Endpoint("127.0.0.1", free_port(), "tls"), "u", "p")
    from storage.errors import InvalidInput

    with pytest.raises(InvalidInput, match="non chiffrée refusée"):
        ImapSession.open(Endpoint("imap.mairie.example", 143, "plain"), "u", "p")


def test_unreachable_mail_server_exits_as_unreachable_and_keeps_local_actions(
        vault: Vault, mail_servers: MailServers, mail_user: MailUser) -> None:
    mail_servers.dovecot.populate(mail_user.name, [message(1)])
    account = add_account(vault, mail_servers, mail_user)
    sync(vault)
    store = MailStore(vault.conn)
    store.set_flagged([store.search("message")[0].id], True)
    vault.conn.execute("UPDATE mail_accounts SET imap_port = ? WHERE id = ?", (free_port(), account))
    with pytest.raises(Unreachable):
        asyncio.run(Engine(vault.conn).sync_once())
    assert len(store.pending_actions()) == 1 and store.search("message")[0].flagged


def test_server_killed_mid_first_sync_then_resumed_without_duplicates(
        tmp_path: Path, vault: Vault, mail_servers: MailServers, mail_user: MailUser) -> None:
    dovecot = mail_servers.dovecot
    dovecot.populate(mail_user.name, [message(i, days_ago=60) for i in range(2600)])
    account = add_account(vault, mail_servers, mail_user)
    calls = []

    def kill_at_third_batch(what: str, session: ImapSession) -> None:
        calls.append(what)
        if len(calls) == 3:
            dovecot.kill()

    try:
        report = sync(vault, Recorder(kill_at_third_batch))
    finally:
        dovecot.restart()
    assert isinstance(report.failure, Unreachable)
    assert "coupée en cours de synchronisation" in report.errors[0] and "reprendra" in report.errors[0]
    store = MailStore(vault.conn)
    inbox = store.special_folder(account, "inbox")
    assert inbox is not None and inbox.total == 1000  # the two batches committed stay
    recorder = Recorder()
    report = sync(vault, recorder)
    assert report.errors == [] and report.received == 1600
    fetches = [c for c in recorder.commands if c == "UID FETCH"]
    assert len(fetches) == 1 + 4  # the flags of the 1000 here, then only the missing batches (1600 / 500)
    messages = store.messages(inbox.id)
    assert len(messages) == 2600 == len({m.uid for m in messages}) == len({m.subject for m in messages})
