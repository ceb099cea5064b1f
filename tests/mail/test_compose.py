"""Composing mail: the MIME message built from a draft, the refusals, and the drafts of a reply,
a reply to all and a forward, from messages kept in a real (encrypted) store."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from storage import mail_outgoing, outbox
from storage.errors import InvalidInput
from storage.mail import MailStore
from storage.mail_compose import Draft, as_bytes, build, envelope_recipients, forward, reply
from storage.mail_sync import Fetched, save_folders, store_fetched
from storage.vault import Vault

NOW = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _account(vault: Vault, address: str = "agent@mairie-test.fr") -> int:
    return MailStore(vault.conn).add_account(address, "agent", "secret", "127.0.0.1", 1993, "tls", "127.0.0.1",
                                             1465, "tls", None)


def _parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_build_sets_headers_encodes_utf8_and_keeps_bcc_out(vault: Vault, tmp_path: Path) -> None:
    account = MailStore(vault.conn).account(_account(vault))
    pdf = tmp_path / "Délibération n°12.pdf"
    pdf.write_bytes(PDF)
    odt = tmp_path / "compte-rendu.odt"
    odt.write_bytes(b"PK\x03\x04 odt")
    other = tmp_path / "notes.zzz-inconnu"
    other.write_bytes(b"\x00\x01")
    draft = Draft(account.id, to=["Hélène Lefèvre <helene@mairie-test.fr>", "bob@example.test"],
                  cc=["\"Dupont, Jean\" <jean@mairie-test.fr>"], bcc=["secret@example.test"],
                  subject="Ordre du jour : séance du 12 mars — à relire", body="Bonjour,\nVoici l'ordre du jour.",
                  attachments=[pdf, odt, other])
    raw = as_bytes(build(draft, account, NOW))
    assert raw.isascii(), "headers and body go 7-bit (RFC 2047, quoted-printable, base64)"
    assert b"\r\n" in raw and b"Bcc" not in raw and b"secret@example.test" not in raw
    msg = _parse(raw)
    assert msg["From"] == "agent@mairie-test.fr"
    assert msg["Subject"] == "Ordre du jour : séance du 12 mars — à relire"
    assert msg["Date"] == "Thu, 12 Mar 2026 09:30:00 +0000"
    assert str(msg["Message-ID"]).endswith("@mairie-test.fr>")
    to = msg["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in to] == [("Hélène Lefèvre", "helene@mairie-test.fr"),
                                                           ("", "bob@example.test")]
    assert [(a.display_name, a.addr_spec) for a in msg["Cc"].addresses] == [("Dupont, Jean", "jean@mairie-test.fr")]
    body = msg.get_body(("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n") == "Bonjour,\nVoici l'ordre du jour.\n"
    files = [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in msg.iter_attachments()]
    assert files == [("Délibération n°12.pdf", "application/pdf", PDF),
                     ("compte-rendu.odt", "application/vnd.oasis.opendocument.text", b"PK\x03\x04 odt"),
                     ("notes.zzz-inconnu", "application/octet-stream", b"\x00\x01")]
    assert envelope_recipients(draft) == ["helene@mairie-test.fr", "bob@example.test", "jean@mairie-test.fr",
                                          "secret@example.test"]
    # Each build is a new message: a fresh Message-ID.
    assert _parse(as_bytes(build(draft, account, NOW)))["Message-ID"] != msg["Message-ID"]


def test_bcc_only_gives_undisclosed_recipients(vault: Vault) -> None:
    account = MailStore(vault.conn).account(_account(vault))
    draft = Draft(account.id, bcc=["a@example.test", "b@example.test"], subject="Convocation", body="x")
    raw = as_bytes(build(draft, account, NOW))
    assert b"To: undisclosed-recipients:;\r\n" in raw and b"example.test" not in raw
    assert envelope_recipients(draft) == ["a@example.test", "b@example.test"]


def test_build_threads_a_reply(vault: Vault) -> None:
    account = MailStore(vault.conn).account(_account(vault))
    draft = Draft(account.id, to=["a@example.test"], subject="Re: x", body="ok", in_reply_to="<b@x>",
                  references=["<a@x>"])
    msg = _parse(as_bytes(build(draft, account, NOW)))
    assert msg["In-Reply-To"] == "<b@x>"
    assert msg["References"] == "<a@x> <b@x>"
    # Nothing but <ids> from these fields reaches the headers.
    sneaky = Draft(account.id, to=["a@example.test"], body="ok", in_reply_to="<b@x>\r\nBcc: espion@example.test",
                   references=["<r0@x>", *(f"<r{i}@x> junk" for i in range(1, 30))])
    raw = as_bytes(build(sneaky, account, NOW))
    assert b"espion" not in raw and b"junk" not in raw
    refs = _parse(raw)["References"].split()
    assert len(refs) == 20 and refs[0] == "<r0@x>" and refs[-1] == "<b@x>"


@pytest.mark.parametrize("change, message", [
    (dict(to=[], cc=[], bcc=[]), "au moins un destinataire"),
    (dict(to=["jean.dupont"]), "Adresse mal formée : « jean.dupont »"),
    (dict(to=["ok@example.test", "a@"]), "Adresse mal formée : « a@ »"),
    (dict(cc=["jean dupont@example.test"]), "Adresse mal formée"),
    (dict(bcc=["x@exa mple.test"]), "Adresse mal formée"),
    (dict(attachments=[Path("/nulle/part/budget.pdf")]), "Pièce jointe introuvable : /nulle/part/budget.pdf"),
])
def test_build_refuses_bad_input_with_a_clear_message(vault: Vault, change: dict[str, object], message: str) -> None:
    account = MailStore(vault.conn).account(_account(vault))
    fields: dict[str, object] = dict(to=["ok@example.test"], subject="s", body="b")
    fields.update(change)
    draft = Draft(account.id, **fields)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=message):
        build(draft, account, NOW)
    with pytest.raises(InvalidInput):  # and nothing is queued
        mail_outgoing.queue(vault.conn, draft, account, NOW)
    assert mail_outgoing.outgoing(vault.conn) == [] and outbox.pending(vault.conn) == []


def test_build_refuses_a_file_over_the_limit(vault: Vault, tmp_path: Path) -> None:
    account = MailStore(vault.conn).account(_account(vault))
    big = tmp_path / "plan.pdf"
    big.write_bytes(b"x" * 2_000_001)
    draft = Draft(account.id, to=["a@example.test"], attachments=[big])
    with pytest.raises(InvalidInput, match=r"plan\.pdf est trop grosse \(1,9 Mo\) : 1,9 Mo au plus"):
        build(draft, account, NOW, max_attachment_bytes=2_000_000)
    assert build(draft, account, NOW, max_attachment_bytes=3_000_000).get_content_type() == "multipart/mixed"
    with pytest.raises(InvalidInput, match="trop grosse"):  # 25 Mo by default
        (tmp_path / "video.mp4").write_bytes(b"\0" * (25 * 1024 * 1024 + 1))
        build(Draft(account.id, to=["a@example.test"], attachments=[tmp_path / "video.mp4"]), account, NOW)
    folder = tmp_path / "dossier"
    folder.mkdir()
    with pytest.raises(InvalidInput, match="introuvable"):
        build(Draft(account.id, to=["a@example.test"], attachments=[folder]), account, NOW)


# -- replies and forwards from stored messages -----------------------------------------------


ORIGINAL = (
    "From: =?utf-8?q?Mairie_de_Sainte-H=C3=A9l=C3=A8ne?= <accueil@sainte-helene.example>\r\n"
    "Reply-To: Secrétariat <secretariat@sainte-helene.example>\r\n"
    "To: agent@mairie-test.fr, \"Dupont, Jean\" <jean@example.test>\r\n"
    "Cc: Claire <claire@example.test>, AGENT@mairie-test.fr\r\n"
    "Subject: RE: Re: Conseil municipal\r\n"
    "Date: Thu, 12 Mar 2026 10:15:00 +0100\r\n"
    "Message-ID: <orig-2@sainte-helene.example>\r\n"
    "In-Reply-To: <orig-1@sainte-helene.example>\r\n"
    "References: <orig-0@sainte-helene.example> <orig-1@sainte-helene.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Bonjour,\r\nLa séance est avancée.\r\n> déjà cité\r\n"
    "--b1\r\n"
    "Content-Type: application/pdf; name=\"convocation.pdf\"\r\n"
    "Content-Disposition: attachment; filename=\"convocation.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
).encode() + email.base64mime.body_encode(PDF).encode() + b"\r\n--b1--\r\n"


def _stored(vault: Vault, account_id: int, raw: bytes | None = ORIGINAL) -> int:
    save_folders(vault.conn, account_id, [((b"\\HasNoChildren",), "/", "INBOX"),
                                          ((b"\\Sent",), "/", "Sent")])
    inbox = next(f for f in MailStore(vault.conn).folders(account_id) if f.special == "inbox")
    headers = ORIGINAL.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    store_fetched(vault.conn, account_id, inbox.id, [Fetched(7, (b"\\Seen",), NOW, len(ORIGINAL), headers, raw=raw)])
    row = vault.conn.execute("SELECT id FROM mail_messages WHERE srv_uid = 7").fetchone()
    return int(row[0])


def test_reply_quotes_and_threads(vault: Vault) -> None:
    account_id = _account(vault)
    store = MailStore(vault.conn)
    original = store.message(_stored(vault, account_id))
    assert original is not None
    draft = reply(original, "agent@mairie-test.fr", all=False)
    assert draft.account_id == account_id and draft.replying_to == original.summary.id
    assert draft.subject == "Re: Conseil municipal"
    assert draft.to == ["Secrétariat <secretariat@sainte-helene.example>"]  # Reply-To wins over From
    assert draft.cc == [] and draft.bcc == []
    assert draft.in_reply_to == "<orig-2@sainte-helene.example>"
    assert draft.references == ["<orig-0@sainte-helene.example>", "<orig-1@sainte-helene.example>",
                                "<orig-2@sainte-helene.example>"]
    # 10:15 in Paris is 09:15 UTC; shown in local time.
    local = datetime(2026, 3, 12, 9, 15, tzinfo=UTC).astimezone()
    intro = f"Le 12 mars 2026 à {local:%H:%M}, Mairie de Sainte-Hélène <accueil@sainte-helene.example> a écrit :"
    assert draft.body == f"\n\n{intro}\n> Bonjour,\n> La séance est avancée.\n>> déjà cité\n"
    # It builds, and threads on the server's side too.
    msg = _parse(as_bytes(build(draft, store.account(account_id), NOW)))
    assert msg["Subject"] == "Re: Conseil municipal" and msg["In-Reply-To"] == "<orig-2@sainte-helene.example>"


def test_reply_to_all_leaves_me_out(vault: Vault) -> None:
    account_id = _account(vault)
    original = MailStore(vault.conn).message(_stored(vault, account_id))
    assert original is not None
    draft = reply(original, "Agent <agent@mairie-test.fr>", all=True)
    assert draft.to == ["Secrétariat <secretariat@sainte-helene.example>", "\"Dupont, Jean\" <jean@example.test>"]
    assert draft.cc == ["Claire <claire@example.test>"]  # AGENT@… is me too
    assert envelope_recipients(draft) == ["secretariat@sainte-helene.example", "jean@example.test",
                                          "claire@example.test"]
    # Replying to one's own message goes to its recipients, not to oneself.
    again = reply(original, "secretariat@sainte-helene.example", all=False)
    assert again.to == ["Secrétariat <secretariat@sainte-helene.example>"]


def test_forward_keeps_the_text_and_the_attachments(vault: Vault) -> None:
    account_id = _account(vault)
    store = MailStore(vault.conn)
    message_id = _stored(vault, account_id)
    original = store.message(message_id)
    assert original is not None
    draft = forward(original, "agent@mairie-test.fr")
    assert draft.subject == "Tr: Conseil municipal"
    assert draft.to == [] and draft.forwarding == message_id and draft.in_reply_to is None
    assert "-------- Message transféré --------\nObjet : RE: Re: Conseil municipal\n" in draft.body
    assert "De : Mairie de Sainte-Hélène <accueil@sainte-helene.example>\n" in draft.body
    assert "À : agent@mairie-test.fr, \"Dupont, Jean\" <jean@example.test>\n" in draft.body
    assert draft.body.endswith("\n\nBonjour,\nLa séance est avancée.\n> déjà cité\n")
    queued = mail_outgoing.queue(vault.conn, Draft(**{**draft.__dict__, "to": ["maire@example.test"]}),
                                 store.account(account_id), NOW)
    msg = _parse(mail_outgoing.raw(vault.conn, queued))
    assert msg["Subject"] == "Tr: Conseil municipal"
    files = [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in msg.iter_attachments()]
    assert files == [("convocation.pdf", "application/pdf", PDF)]


def test_forward_of_a_message_not_downloaded_is_refused_clearly(vault: Vault) -> None:
    account_id = _account(vault)
    store = MailStore(vault.conn)
    headers_only = _stored(vault, account_id, raw=None)
    vault.conn.execute("UPDATE mail_messages SET has_attachments = 1 WHERE id = ?", (headers_only,))
    original = store.message(headers_only)
    assert original is not None and original.text is None
    draft = Draft(**{**forward(original, "agent@mairie-test.fr").__dict__, "to": ["maire@example.test"]})
    with pytest.raises(InvalidInput, match="pas encore téléchargées"):
        mail_outgoing.queue(vault.conn, draft, store.account(account_id), NOW)
    assert mail_outgoing.outgoing(vault.conn) == []


def test_queue_stores_the_message_and_marks_the_replied_one_answered(vault: Vault, tmp_path: Path) -> None:
    account_id = _account(vault)
    store = MailStore(vault.conn)
    original_id = _stored(vault, account_id)
    original = store.message(original_id)
    assert original is not None and not original.summary.answered
    draft = Draft(**{**reply(original, "agent@mairie-test.fr").__dict__, "bcc": ["archives@example.test"]})
    outgoing_id = mail_outgoing.queue(vault.conn, draft, store.account(account_id), NOW)
    [item] = mail_outgoing.outgoing(vault.conn, account_id)
    assert (item.id, item.subject, item.state, item.to, item.bcc) == (
        outgoing_id, "Re: Conseil municipal", "queued", ["Secrétariat <secretariat@sainte-helene.example>"],
        ["archives@example.test"])
    assert mail_outgoing.outgoing(vault.conn, account_id + 1) == []
    kinds = [e.kind for e in outbox.pending(vault.conn)]
    assert kinds.count(mail_outgoing.MAIL_SEND) == 1
    assert outbox.counts(vault.conn)["mail"] == 2  # the send and the \Answered flag
    summary = store.summary(original_id)
    assert summary is not None and summary.answered
    # Being handed to the SMTP server: too late to cancel; back to queued if that fails.
    assert mail_outgoing.sending(vault.conn, outgoing_id)
    with pytest.raises(InvalidInput, match="déjà parti"):
        mail_outgoing.cancel(vault.conn, outgoing_id)
    mail_outgoing.later(vault.conn, outgoing_id, "Serveur d'envoi injoignable")
    assert mail_outgoing.get(vault.conn, outgoing_id).state == "queued"
    # Cancelled while queued: gone, with its outbox entry.
    mail_outgoing.cancel(vault.conn, outgoing_id)
    assert mail_outgoing.outgoing(vault.conn) == []
    assert mail_outgoing.MAIL_SEND not in [e.kind for e in outbox.pending(vault.conn)]
    with pytest.raises(Exception, match="introuvable"):
        mail_outgoing.cancel(vault.conn, outgoing_id)
