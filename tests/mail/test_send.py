"""Sending mail through the real test servers (aiosmtpd submission relaying into Dovecot): the
Boîte d'envoi, SMTP then the copy in Sent, offline and crash replays, refusals."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from desktop.cli import main
from storage import mail_outgoing, outbox
from storage.mail import MailStore
from storage.mail_compose import Draft
from storage.vault import Vault
from sync.engine import Engine
from sync.errors import Unreachable
from sync.mail.send import send_queued
from tests.conftest import PASSPHRASE
from tests.mailservers import MailServers, MailUser, free_port
from tests.storage.test_no_plaintext import leaks

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)


def add_account(vault: Vault, servers: MailServers, user: MailUser, *, smtp: str = "starttls",
                smtp_port: int | None = None, password: str | None = None,
                ca_file: str | None = "default") -> int:
    """Record `user`'s account (as `parvis mail account add` does once it has checked the login;
    called again with the same user and IMAP server, it updates the account)."""
    ports = {"starttls": servers.submission.starttls_port, "tls": servers.submission.smtps_port,
             "plain": servers.submission.plain_port}
    return MailStore(vault.conn).add_account(
        user.address, user.name, password or user.password, "127.0.0.1", servers.dovecot.imaps_port,
        "tls", "127.0.0.1", smtp_port or ports[smtp], smtp, str(servers.ca_file) if ca_file == "default" else ca_file)


def imap_port(vault: Vault, account_id: int, port: int) -> None:
    """The account's IMAP server moves (a dead port: IMAP is unreachable while SMTP works)."""
    vault.conn.execute("UPDATE mail_accounts SET imap_port = ? WHERE id = ?", (port, account_id))


def send_round(vault: Vault) -> tuple[int, Report]:
    report = Report()
    return asyncio.run(send_queued(vault.conn, report)), report


def imap(servers: MailServers, user: MailUser) -> IMAPClient:
    client = IMAPClient("127.0.0.1", port=servers.dovecot.imaps_port, ssl=True,
                        ssl_context=ssl.create_default_context(cafile=str(servers.ca_file)), timeout=10)
    client.login(user.name, user.password)
    return client


def folder(servers: MailServers, user: MailUser, name: str = "INBOX") -> list[tuple[EmailMessage, set[bytes]]]:
    """Every message of the folder, with its flags."""
    with imap(servers, user) as client:
        client.select_folder(name, readonly=True)
        fetched = client.fetch(client.search(), ["RFC822", "FLAGS"])
    result = []
    for uid in sorted(fetched):
        msg = message_from_bytes(fetched[uid][b"RFC822"], policy=policy.default)
        assert isinstance(msg, EmailMessage)
        result.append((msg, set(fetched[uid][b"FLAGS"])))
    return result


def submitted(servers: MailServers, message_id: str) -> int:
    """How many times the submission server accepted this message."""
    return sum(1 for m in servers.submission.messages if message_id.encode() in m.raw)


def queue(vault: Vault, account_id: int, **fields: object) -> int:
    store = MailStore(vault.conn)
    return mail_outgoing.queue(vault.conn, Draft(account_id, **fields), store.account(account_id))  # type: ignore[arg-type]


def state(vault: Vault, outgoing_id: int) -> mail_outgoing.Outgoing:
    return mail_outgoing.get(vault.conn, outgoing_id)


def sends_pending(vault: Vault) -> list[str]:
    return [e.target for e in outbox.pending(vault.conn, mail_outgoing.MAIL_SEND)]


# -- online --------------------------------------------------------------------------------


def test_a_message_reaches_inbox_bcc_and_sent_exactly_once(mail_servers: MailServers, vault: Vault,
                                                           tmp_path: Path) -> None:
    alice, bob, carol = (mail_servers.add_user() for _ in range(3))
    account_id = add_account(vault, mail_servers, alice)
    pdf = tmp_path / "Délibération n°12.pdf"
    pdf.write_bytes(PDF)
    subject = "Séance du conseil — ordre du jour 🏛️"
    outgoing_id = queue(vault, account_id, to=[f"Bob Lefèvre <{bob.address}>"], bcc=[carol.address],
                        subject=subject, body="Bonjour Bob,\nL'ordre du jour est joint.\nÉlodie", attachments=[pdf])
    [item] = mail_outgoing.outgoing(vault.conn)
    assert (item.id, item.state, item.subject) == (outgoing_id, "queued", subject)
    assert sends_pending(vault) == [str(outgoing_id)]
    raw = mail_outgoing.raw(vault.conn, outgoing_id)

    sent, report = send_round(vault)
    assert (sent, report.errors) == (1, [])
    assert mail_outgoing.outgoing(vault.conn) == [] and sends_pending(vault) == []

    [(received, _)] = folder(mail_servers, bob)
    assert received["Subject"] == subject and received["Message-ID"] == item.message_id
    assert received["Bcc"] is None and carol.address not in received.as_string()
    assert [(a.display_name, a.addr_spec) for a in received["To"].addresses] == [("Bob Lefèvre", bob.address)]
    body = received.get_body(("plain",))
    assert body is not None and "L'ordre du jour est joint.\nÉlodie" in body.get_content().replace("\r\n", "\n")
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "Délibération n°12.pdf"
    assert attachment.get_content_type() == "application/pdf" and attachment.get_payload(decode=True) == PDF
    [(hidden, _)] = folder(mail_servers, carol)  # the Bcc recipient has it, and sees no Bcc header
    assert hidden["Message-ID"] == item.message_id and hidden["Bcc"] is None
    [(copy, flags)] = folder(mail_servers, alice, "Sent")
    assert copy["Message-ID"] == item.message_id and b"\\Seen" in flags
    with imap(mail_servers, alice) as client:  # the copy is the very bytes sent
        client.select_folder("Sent", readonly=True)
        assert [v[b"RFC822"] for v in client.fetch(client.search(), ["RFC822"]).values()] == [raw]

    # A new round has nothing to do and duplicates nothing.
    assert send_round(vault) == (0, Report())
    assert len(folder(mail_servers, bob)) == 1 and len(folder(mail_servers, alice, "Sent")) == 1


@pytest.mark.parametrize("security", ["tls", "plain"])
def test_smtps_and_plain_on_loopback(mail_servers: MailServers, mail_user: MailUser, vault: Vault,
                                     security: str) -> None:
    bob = mail_servers.add_user()
    account_id = add_account(vault, mail_servers, mail_user, smtp=security)
    outgoing_id = queue(vault, account_id, to=[bob.address], subject=f"par {security}", body="x")
    message_id = state(vault, outgoing_id).message_id
    assert send_round(vault) == (1, Report())
    assert [m["Message-ID"] for m, _ in folder(mail_servers, bob)] == [message_id]


# -- offline, then online ------------------------------------------------------------------


def test_composed_offline_waits_visible_then_leaves_by_itself(mail_servers: MailServers, mail_user: MailUser,
                                                             vault: Vault) -> None:
    bob = mail_servers.add_user()
    dead = free_port()
    account_id = add_account(vault, mail_servers, mail_user, smtp_port=dead)
    imap_port(vault, account_id, free_port())  # no network at all
    first = queue(vault, account_id, to=[bob.address], subject="Hors ligne 1", body="un")
    second = queue(vault, account_id, to=[bob.address], subject="Hors ligne 2", body="deux")

    sent, report = send_round(vault)
    assert sent == 0
    [error] = report.errors
    assert f"Serveur d'envoi injoignable (127.0.0.1:{dead}" in error and "prochaine synchronisation" in error
    box = mail_outgoing.outgoing(vault.conn, account_id)
    assert [(o.id, o.state) for o in box] == [(first, "queued"), (second, "queued")]
    assert all(o.last_error == error and o.attempts == (1 if o.id == first else 0) for o in box)
    assert sends_pending(vault) == [str(first), str(second)]
    assert folder(mail_servers, bob) == []

    imap_port(vault, account_id, mail_servers.dovecot.imaps_port)  # the network is back
    add_account(vault, mail_servers, mail_user)
    sent, report = send_round(vault)
    assert (sent, report.errors) == (2, [])
    assert [m["Subject"] for m, _ in folder(mail_servers, bob)] == ["Hors ligne 1", "Hors ligne 2"]
    assert [m["Subject"] for m, _ in folder(mail_servers, mail_user, "Sent")] == ["Hors ligne 1", "Hors ligne 2"]
    assert mail_outgoing.outgoing(vault.conn) == [] and sends_pending(vault) == []


def test_the_sync_round_sends_the_box_then_fetches_the_copy_in_sent(mail_servers: MailServers,
                                                                    mail_user: MailUser, vault: Vault) -> None:
    bob = mail_servers.add_user()
    account_id = add_account(vault, mail_servers, mail_user, smtp_port=free_port())
    imap_port(vault, account_id, free_port())
    outgoing_id = queue(vault, account_id, to=[bob.address], subject="Par la synchronisation", body="x")
    engine = Engine(vault.conn)
    with pytest.raises(Unreachable):  # a profile with mail only: nothing could be reached
        asyncio.run(engine.sync_once())
    assert state(vault, outgoing_id).state == "queued" and engine.status.pending == {"mail": 1}

    imap_port(vault, account_id, mail_servers.dovecot.imaps_port)
    add_account(vault, mail_servers, mail_user)
    report = asyncio.run(engine.sync_once())
    assert (report.mail_sent, report.errors) == (1, [])
    assert mail_outgoing.outgoing(vault.conn) == [] and engine.status.pending == {}
    store = MailStore(vault.conn)
    sent = store.special_folder(account_id, "sent")
    assert sent is not None
    assert [m.subject for m in store.messages(sent.id)] == ["Par la synchronisation"]
    assert [m["Subject"] for m, _ in folder(mail_servers, bob)] == ["Par la synchronisation"]


def test_a_lost_sent_copy_is_appended_once_and_the_mail_never_sent_twice(
        mail_servers: MailServers, mail_user: MailUser, vault: Vault) -> None:
    bob = mail_servers.add_user()
    # SMTP works, IMAP does not: the round stops between the submission and the APPEND.
    account_id = add_account(vault, mail_servers, mail_user)
    imap_port(vault, account_id, free_port())
    outgoing_id = queue(vault, account_id, to=[bob.address], subject="Copie perdue", body="une seule fois")
    message_id = state(vault, outgoing_id).message_id
    sent, report = send_round(vault)
    assert sent == 1
    [error] = report.errors
    assert "Copie dans « Envoyés » impossible" in error and "le message, lui, est parti" in error
    item = state(vault, outgoing_id)
    assert (item.state, item.last_error) == ("smtp_done", error)
    with pytest.raises(Exception, match="déjà parti"):
        mail_outgoing.cancel(vault.conn, outgoing_id)

    # Rounds while IMAP is still away submit nothing again.
    assert send_round(vault)[0] == 0
    assert submitted(mail_servers, message_id) == 1 and len(folder(mail_servers, bob)) == 1

    imap_port(vault, account_id, mail_servers.dovecot.imaps_port)
    assert send_round(vault) == (0, Report())
    [(copy, flags)] = folder(mail_servers, mail_user, "Sent")
    assert copy["Message-ID"] == message_id and b"\\Seen" in flags
    assert submitted(mail_servers, message_id) == 1 and len(folder(mail_servers, bob)) == 1
    assert mail_outgoing.outgoing(vault.conn) == [] and sends_pending(vault) == []


def test_an_append_whose_answer_was_lost_is_not_made_twice(mail_servers: MailServers, mail_user: MailUser,
                                                            vault: Vault) -> None:
    bob = mail_servers.add_user()
    account_id = add_account(vault, mail_servers, mail_user)
    imap_port(vault, account_id, free_port())
    outgoing_id = queue(vault, account_id, to=[bob.address], subject="Réponse perdue", body="x")
    assert send_round(vault)[0] == 1 and state(vault, outgoing_id).state == "smtp_done"
    # The APPEND reached the server, but the connection dropped before its answer came back.
    with imap(mail_servers, mail_user) as client:
        client.append("Sent", mail_outgoing.raw(vault.conn, outgoing_id), flags=[b"\\Seen"])
    imap_port(vault, account_id, mail_servers.dovecot.imaps_port)
    assert send_round(vault) == (0, Report())
    assert len(folder(mail_servers, mail_user, "Sent")) == 1
    assert mail_outgoing.outgoing(vault.conn) == []


# -- refusals --------------------------------------------------------------------------------


def test_an_unknown_recipient_fails_with_the_reason_and_the_others_go(mail_servers: MailServers,
                                                                      mail_user: MailUser, vault: Vault) -> None:
    bob = mail_servers.add_user()
    account_id = add_account(vault, mail_servers, mail_user)
    nobody = "personne-de-ce-nom@example.test"
    first = queue(vault, account_id, to=[bob.address], subject="Avant", body="1")
    refused = queue(vault, account_id, to=[nobody], subject="Perdu", body="2")
    partly = queue(vault, account_id, to=[bob.address], cc=[nobody], subject="En partie", body="3")
    last = queue(vault, account_id, to=[bob.address], subject="Après", body="4")

    sent, report = send_round(vault)
    assert sent == 3
    assert [m["Subject"] for m, _ in folder(mail_servers, bob)] == ["Avant", "En partie", "Après"]
    [box] = mail_outgoing.outgoing(vault.conn)
    assert (box.id, box.state) == (refused, "failed")
    assert box.last_error is not None
    assert f"Destinataire(s) refusé(s) par le serveur d'envoi : {nobody} (550 5.1.1" in box.last_error
    assert "User unknown" in box.last_error and "Corrigez l'adresse" in box.last_error
    assert box.last_error in report.errors
    assert any(e.startswith(f"Envoyé, mais refusé pour : {nobody} (550") for e in report.errors)
    assert sends_pending(vault) == []  # a refused message waits for the user, not for the sync
    assert {first, partly, last}.isdisjoint({o.id for o in mail_outgoing.outgoing(vault.conn)})

    with pytest.raises(Exception, match="n'a pas été refusé|introuvable"):
        mail_outgoing.retry(vault.conn, first)
    mail_outgoing.retry(vault.conn, refused)
    assert state(vault, refused).state == "queued" and sends_pending(vault) == [str(refused)]
    assert send_round(vault)[0] == 0 and state(vault, refused).state == "failed"
    mail_outgoing.cancel(vault.conn, refused)
    assert mail_outgoing.outgoing(vault.conn) == []


def test_a_temporary_refusal_keeps_the_message_queued(mail_servers: MailServers, mail_user: MailUser,
                                                      vault: Vault) -> None:
    bob = mail_servers.add_user()
    account_id = add_account(vault, mail_servers, mail_user)
    outgoing_id = queue(vault, account_id, to=[bob.address], subject="Plus tard", body="x")
    mail_servers.dovecot.kill()  # the submission server cannot deliver: it answers 451
    try:
        sent, report = send_round(vault)
    finally:
        mail_servers.dovecot.restart()
    item = state(vault, outgoing_id)
    assert (sent, item.state) == (0, "queued") and sends_pending(vault) == [str(outgoing_id)]
    assert item.last_error is not None and item.last_error.startswith(
        "Le serveur d'envoi demande de réessayer plus tard (451 4.4.1")
    assert report.errors == [item.last_error]
    assert send_round(vault) == (1, Report())
    assert [m["Subject"] for m, _ in folder(mail_servers, bob)] == ["Plus tard"]


def test_a_wrong_smtp_password_says_so(mail_servers: MailServers, mail_user: MailUser, vault: Vault) -> None:
    bob = mail_servers.add_user()
    account_id = add_account(vault, mail_servers, mail_user, password="pas-le-bon")
    outgoing_id = queue(vault, account_id, to=[bob.address], subject="Mot de passe", body="x")
    sent, report = send_round(vault)
    assert sent == 0
    item = state(vault, outgoing_id)
    assert item.state == "failed" and item.last_error is not None
    assert item.last_error.startswith(f"Le serveur d'envoi 127.0.0.1:{mail_servers.submission.starttls_port} a "
                                      f"refusé l'identifiant ou le mot de passe de {mail_user.name} (535")
    assert item.last_error.endswith("corrigez le mot de passe du compte, puis renvoyez le message.")
    assert report.errors == [item.last_error]
    # Fixed, then sent again on request.
    add_account(vault, mail_servers, mail_user)
    mail_outgoing.retry(vault.conn, outgoing_id)
    assert send_round(vault) == (1, Report())
    assert [m["Subject"] for m, _ in folder(mail_servers, bob)] == ["Mot de passe"]


def test_an_unknown_certificate_authority_keeps_the_message_queued(mail_servers: MailServers, mail_user: MailUser,
                                                                    vault: Vault) -> None:
    account_id = add_account(vault, mail_servers, mail_user, ca_file=None)
    outgoing_id = queue(vault, account_id, to=["x@example.test"], subject="TLS", body="x")
    sent, report = send_round(vault)
    item = state(vault, outgoing_id)
    assert (sent, item.state) == (0, "queued")
    assert item.last_error is not None and "n'est pas reconnu" in item.last_error
    assert "autorité de certification" in item.last_error and report.errors == [item.last_error]


def test_plain_towards_another_machine_is_refused(mail_servers: MailServers, mail_user: MailUser,
                                                  vault: Vault) -> None:
    store = MailStore(vault.conn)
    account_id = store.add_account(mail_user.address, mail_user.name, mail_user.password, "127.0.0.1",
                                   mail_servers.dovecot.imaps_port, "tls", "192.0.2.7", 25, "plain", None)
    outgoing_id = queue(vault, account_id, to=["x@example.test"], subject="clair", body="x")
    sent, report = send_round(vault)
    item = state(vault, outgoing_id)
    assert (sent, item.state) == (0, "queued")
    assert item.last_error is not None and "Connexion non chiffrée refusée vers 192.0.2.7" in item.last_error


# -- at rest --------------------------------------------------------------------------------


def test_no_plaintext_of_the_message_in_the_profile(mail_servers: MailServers, mail_user: MailUser,
                                                    tmp_path: Path) -> None:
    folder_path = tmp_path / "profil"
    vault = Vault.create(folder_path, PASSPHRASE)
    secrets = ["Zebulon-ordre-du-jour", "Quorum Xylophage atteint", "Budget-Hippocampe-2027"]
    attachment = tmp_path / "budget.txt"
    attachment.write_text(secrets[2] * 20, encoding="utf-8")
    try:
        account_id = add_account(vault, mail_servers, mail_user, smtp_port=free_port())
        queue(vault, account_id, to=[mail_user.address], subject=secrets[0], body=secrets[1], attachments=[attachment])
        assert mail_outgoing.raw(vault.conn, mail_outgoing.outgoing(vault.conn)[0].id).count(b"Xylophage") == 1
        send_round(vault)  # offline: stays in the box
        assert leaks(folder_path, secrets) == []
        add_account(vault, mail_servers, mail_user)
        assert send_round(vault)[0] == 1
        assert leaks(folder_path, secrets) == []
    finally:
        vault.close()
    assert leaks(folder_path, secrets) == []


# -- command line ---------------------------------------------------------------------------


def test_parvis_mail_send(mail_servers: MailServers, mail_user: MailUser, vault: Vault, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PARVIS_PASSPHRASE", PASSPHRASE)
    bob, carol = mail_servers.add_user(), mail_servers.add_user()
    account_id = add_account(vault, mail_servers, mail_user)
    pdf = tmp_path / "convocation.pdf"
    pdf.write_bytes(PDF)
    base = ["--profile", str(vault.folder), "mail", "send"]
    assert main([*base, "--to", bob.address, "--bcc", carol.address, "--subject", "Convocation à la séance",
                 "--body", "Bonjour,\nVous êtes convoqué.", "--attach", str(pdf)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Message envoyé (copie dans « Envoyés »)." and out[-1].isdigit()
    [(received, _)] = folder(mail_servers, bob)
    assert received["Subject"] == "Convocation à la séance"
    assert [p.get_payload(decode=True) for p in received.iter_attachments()] == [PDF]
    assert len(folder(mail_servers, carol)) == 1 and len(folder(mail_servers, mail_user, "Sent")) == 1

    # Offline: kept in the box, and said so; the id still comes last.
    add_account(vault, mail_servers, mail_user, smtp_port=free_port())
    assert main([*base, "--to", bob.address, "--subject", "Hors ligne", "--body", "x"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Message placé dans la boîte d'envoi ; il partira à la prochaine synchronisation "
                             "(Serveur d'envoi injoignable")
    [item] = mail_outgoing.outgoing(vault.conn, account_id)
    assert out[-1] == str(item.id) and item.state == "queued"
    assert main([*base, "--later", "--to", bob.address, "--subject", "Plus tard", "--body", "x", "--json"]) == 0
    assert '"state": "queued"' in capsys.readouterr().out

    # Refused for good: the id on stdout, the reason on stderr, exit 1.
    add_account(vault, mail_servers, mail_user)
    assert main([*base, "--to", "inconnu@example.test", "--subject", "Refusé", "--body", "x"]) == 1
    captured = capsys.readouterr()
    assert captured.out.strip().isdigit()
    assert captured.err.startswith("parvis : Message refusé, gardé dans la boîte d'envoi")
    assert "inconnu@example.test (550 5.1.1" in captured.err
    # That round sent the two waiting ones too.
    assert [m["Subject"] for m, _ in folder(mail_servers, bob)] == ["Convocation à la séance", "Hors ligne",
                                                                    "Plus tard"]
    # Bad input: one line, nothing queued.
    before = len(mail_outgoing.outgoing(vault.conn))
    assert main([*base, "--to", "pas-une-adresse", "--subject", "s", "--body", "x"]) == 1
    assert capsys.readouterr().err == "parvis : Adresse mal formée : « pas-une-adresse » (attendu : nom@mairie.fr, " \
                                      "ou Prénom Nom <nom@mairie.fr>).\n"
    assert main([*base, "--to", bob.address, "--subject", "s", "--body", "x", "--attach", "/nulle/part.pdf"]) == 1
    assert "Pièce jointe introuvable : /nulle/part.pdf" in capsys.readouterr().err
    assert len(mail_outgoing.outgoing(vault.conn)) == before
