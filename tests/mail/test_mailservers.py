"""The mail servers of the test suite work end to end (stdlib, imapclient, aiosmtplib as clients)."""

from __future__ import annotations

import asyncio
import imaplib
import smtplib
import ssl
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import aiosmtplib
import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.mailservers import MaildirMessage, MailServers, MailUser

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def imap(servers: MailServers, user: MailUser) -> IMAPClient:
    client = IMAPClient(servers.dovecot.host, port=servers.dovecot.imaps_port, ssl=True,
                        ssl_context=ssl.create_default_context(cafile=str(servers.ca_file)), timeout=10)
    client.normalise_times = False
    client.login(user.name, user.password)
    return client


def message(sender: MailUser, to: str, subject: str, body: str = "Bonjour", attach: bool = False) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender.address, to, subject
    msg.set_content(body)
    if attach:
        msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="délibération.pdf")
    return msg


def raw(subject: str, date: str = "Mon, 06 Jan 2025 10:00:00 +0100") -> bytes:
    return (f"From: a@example.test\nTo: b@example.test\nSubject: {subject}\nDate: {date}\n"
            f"Message-ID: <{subject}@example.test>\n\nCorps {subject}\n").encode()


def inbox(servers: MailServers, user: MailUser) -> list[EmailMessage]:
    with imap(servers, user) as client:
        client.select_folder("INBOX", readonly=True)
        fetched = client.fetch(client.search(), ["RFC822"])
        return [message_from_bytes(fetched[uid][b"RFC822"], policy=policy.default) for uid in sorted(fetched)]


def test_imaps_login_capabilities_and_special_folders(mail_servers: MailServers, mail_user: MailUser) -> None:
    with imap(mail_servers, mail_user) as client:
        assert {b"CONDSTORE", b"QRESYNC", b"IDLE", b"MOVE", b"UIDPLUS", b"SPECIAL-USE"} <= set(client.capabilities())
        folders = {name: set(flags) for flags, _, name in client.list_folders()}
    assert set(folders) == {"INBOX", "Sent", "Drafts", "Trash", "Junk"}
    for name in ("Sent", "Drafts", "Trash", "Junk"):
        assert f"\\{name}".encode() in folders[name]


def test_wrong_password_and_untrusted_certificate_refused(mail_servers: MailServers, mail_user: MailUser) -> None:
    client = IMAPClient("127.0.0.1", port=mail_servers.dovecot.imaps_port, ssl=True,
                        ssl_context=ssl.create_default_context(cafile=str(mail_servers.ca_file)), timeout=10)
    with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        client.login(mail_user.name, mail_user.password + "x")
    client.shutdown()
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient("127.0.0.1", port=mail_servers.dovecot.imaps_port, ssl=True,
                   ssl_context=ssl.create_default_context(), timeout=10)


def test_plain_imap_port_offers_starttls(mail_servers: MailServers, mail_user: MailUser) -> None:
    client = imaplib.IMAP4("127.0.0.1", mail_servers.dovecot.imap_port, timeout=10)
    assert "STARTTLS" in client.capabilities
    client.starttls(ssl.create_default_context(cafile=str(mail_servers.ca_file)))
    client.login(mail_user.name, mail_user.password)
    client.logout()
    plain = imaplib.IMAP4("127.0.0.1", mail_servers.dovecot.imap_port, timeout=10)  # --security plain
    plain.login(mail_user.address, mail_user.password)  # the address works as a login too
    plain.logout()


def test_lmtp_delivery_lands_in_inbox_and_wakes_idle(mail_servers: MailServers, mail_user: MailUser) -> None:
    with imap(mail_servers, mail_user) as client:
        client.select_folder("INBOX")
        client.idle()
        mail_servers.dovecot.deliver(mail_user.address, raw("livré"))
        responses = client.idle_check(timeout=5)
        client.idle_done()
    assert (1, b"EXISTS") in responses
    assert [m["Subject"] for m in inbox(mail_servers, mail_user)] == ["livré"]


def test_submission_starttls_auth_delivers_utf8_subject_and_pdf(mail_servers: MailServers) -> None:
    alice, bob = mail_servers.add_user(), mail_servers.add_user()
    with smtplib.SMTP("127.0.0.1", mail_servers.submission.starttls_port, timeout=10) as smtp:
        smtp.ehlo()
        assert "auth" not in smtp.esmtp_features  # AUTH only after STARTTLS
        assert smtp.mail(alice.address)[0] == 530
        smtp.rset()
        smtp.starttls(context=ssl.create_default_context(cafile=str(mail_servers.ca_file)))
        smtp.login(alice.name, alice.password)
        smtp.send_message(message(alice, bob.address, "Réunion du conseil — ordre du jour ✓", attach=True))
    [received] = inbox(mail_servers, bob)
    assert received["Subject"] == "Réunion du conseil — ordre du jour ✓"
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "délibération.pdf"
    assert attachment.get_content() == PDF
    assert mail_servers.submission.messages[-1].login == alice.name


def test_submission_smtps_and_plain_ports(mail_servers: MailServers) -> None:
    alice, bob = mail_servers.add_user(), mail_servers.add_user()
    tls = ssl.create_default_context(cafile=str(mail_servers.ca_file))

    async def send() -> None:
        await aiosmtplib.send(message(alice, bob.address, "par SMTPS"), hostname="127.0.0.1",
                              port=mail_servers.submission.smtps_port, use_tls=True, tls_context=tls,
                              username=alice.name, password=alice.password, timeout=10)
        await aiosmtplib.send(message(alice, bob.address, "en clair"), hostname="127.0.0.1",
                              port=mail_servers.submission.plain_port, use_tls=False, start_tls=False,
                              username=alice.name, password=alice.password, timeout=10)

    asyncio.run(send())
    assert [m["Subject"] for m in inbox(mail_servers, bob)] == ["par SMTPS", "en clair"]


def test_submission_refusals(mail_servers: MailServers, mail_user: MailUser) -> None:
    with smtplib.SMTP_SSL("127.0.0.1", mail_servers.submission.smtps_port, timeout=10,
                          context=ssl.create_default_context(cafile=str(mail_servers.ca_file))) as smtp:
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            smtp.login(mail_user.name, "mauvais")
        assert refused.value.smtp_code == 535
        smtp.login(mail_user.name, mail_user.password)
        with pytest.raises(smtplib.SMTPRecipientsRefused) as unknown:
            smtp.send_message(message(mail_user, "personne@example.test", "perdu"))
        assert unknown.value.recipients["personne@example.test"][0] == 550
        # Another domain: accepted and only recorded (the outside world).
        smtp.send_message(message(mail_user, "elu@ailleurs.test", "dehors"))
    assert mail_servers.submission.messages[-1].rcpt_tos == ["elu@ailleurs.test"]


def test_populate_is_fast_and_seen_with_flags_dates_and_order(mail_servers: MailServers, mail_user: MailUser) -> None:
    with imap(mail_servers, mail_user) as client:  # a first look, so that the list index exists
        assert client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 0
    start = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)

    def flags(i: int) -> tuple[str, ...]:
        return (("\\Seen",) if i % 2 else ()) + (("\\Flagged",) if i % 3 == 0 else ()) + \
            (("$Forwarded",) if i % 5 == 0 else ())

    messages = (MaildirMessage(raw(f"m{i}"), flags(i), start + timedelta(minutes=i)) for i in range(2000))
    began = time.monotonic()
    assert mail_servers.dovecot.populate(mail_user.name, messages) == 2000
    assert time.monotonic() - began < 5  # about 0.3 s on an idle disk; far more means something is wrong
    with imap(mail_servers, mail_user) as client:
        assert client.folder_status("INBOX", ["MESSAGES", "UNSEEN"]) == {b"MESSAGES": 2000, b"UNSEEN": 1000}
        assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 2000
        uids = client.search()
        fetched = client.fetch(uids, ["FLAGS", "INTERNALDATE", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    assert len(uids) == 2000
    for i, uid in enumerate(sorted(uids)):
        item = fetched[uid]
        assert item[b"BODY[HEADER.FIELDS (SUBJECT)]"].strip() == f"Subject: m{i}".encode()
        assert set(item[b"FLAGS"]) - {b"\\Recent"} == {f.encode() for f in flags(i)}
        assert item[b"INTERNALDATE"] == start + timedelta(minutes=i)


def test_populate_other_folders_and_date_from_header(mail_servers: MailServers, mail_user: MailUser) -> None:
    dovecot = mail_servers.dovecot
    dovecot.populate(mail_user.name, [raw("envoyé")], folder="Sent", flags=["\\Seen"])
    dovecot.populate(mail_user.name, [raw("reçu", "Tue, 07 Jan 2025 09:30:00 +0000")], folder="Archives/Reçus")
    dovecot.create_folder(mail_user.name, "Archive", special_use="\\Archive")
    with imap(mail_servers, mail_user) as client:
        folders = {name: set(flags) for flags, _, name in client.list_sub_folders()}
        assert "Archives/Reçus" in folders and b"\\Archive" in folders["Archive"]
        assert client.folder_status("Sent", ["MESSAGES", "UNSEEN"]) == {b"MESSAGES": 1, b"UNSEEN": 0}
        client.select_folder("Archives/Reçus", readonly=True)
        [item] = client.fetch(client.search(), ["INTERNALDATE"]).values()
    assert item[b"INTERNALDATE"] == datetime(2025, 1, 7, 9, 30, tzinfo=UTC)


def test_kill_mid_session_then_restart_keeps_mail(mail_servers: MailServers, mail_user: MailUser) -> None:
    dovecot = mail_servers.dovecot
    dovecot.deliver(mail_user.address, raw("avant"))
    client = imap(mail_servers, mail_user)
    client.select_folder("INBOX")
    dovecot.kill()
    with pytest.raises((OSError, imaplib.IMAP4.abort)):
        client.noop()
    with pytest.raises(OSError):
        imap(mail_servers, mail_user)
    dovecot.restart()
    assert [m["Subject"] for m in inbox(mail_servers, mail_user)] == ["avant"]
    dovecot.deliver(mail_user.address, raw("après"))
    assert [m["Subject"] for m in inbox(mail_servers, mail_user)] == ["avant", "après"]


def test_uidvalidity_change(mail_servers: MailServers, mail_user: MailUser) -> None:
    dovecot = mail_servers.dovecot
    dovecot.populate(mail_user.name, [raw("un"), raw("deux"), raw("trois")])
    with imap(mail_servers, mail_user) as client:
        client.select_folder("INBOX")
        client.add_flags([2], ["\\Seen"])  # stored in the file name: survives the change
        client.delete_messages([1])
        client.expunge()
        before = client.select_folder("INBOX")
        idle = imap(mail_servers, mail_user)  # a session open during the change is kicked
        idle.select_folder("INBOX")
        old, new = dovecot.uidvalidity_change(mail_user.name)
        with pytest.raises((OSError, imaplib.IMAP4.abort, imaplib.IMAP4.error)):
            idle.noop()
    assert old == before[b"UIDVALIDITY"] and new != old
    dovecot.populate(mail_user.name, [raw("classé")], folder="Archives/2024")
    old_archive, new_archive = dovecot.uidvalidity_change(mail_user.name, "Archives/2024")
    assert new_archive != old_archive
    with imap(mail_servers, mail_user) as client:
        after = client.select_folder("INBOX")
        fetched = client.fetch(client.search(), ["FLAGS", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    assert after[b"UIDVALIDITY"] == new
    assert sorted(fetched) == [1, 2]  # numbered again
    assert [(fetched[u][b"BODY[HEADER.FIELDS (SUBJECT)]"].strip(), set(fetched[u][b"FLAGS"]) - {b"\\Recent"})
            for u in (1, 2)] == [(b"Subject: deux", {b"\\Seen"}), (b"Subject: trois", set())]
