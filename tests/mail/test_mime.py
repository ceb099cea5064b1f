"""Malformed messages are shown as well as they can be, never a crash: through the parser alone,
and end to end through a sync from Dovecot."""

from __future__ import annotations

from storage.mail import MailStore
from storage.mail_mime import html_to_text, normalise_subject, parse_body, parse_headers, snippet
from storage.vault import Vault
from tests.mail.tools import add_account, sync
from tests.mailservers import MaildirMessage, MailServers, MailUser

BROKEN_BOUNDARY = (b"From: a@example.test\r\nSubject: Limite cassee\r\nMIME-Version: 1.0\r\n"
                   b"Date: Mon, 06 Jan 2025 10:00:00 +0100\r\n"
                   b"Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
                   b"--ABC\r\nContent-Type: text/plain\r\n\r\nTexte perdu dans une limite fausse\r\n--ABC--\r\n")
UNCLOSED = (b"From: a@example.test\r\nSubject: Sans fin\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
            b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            b"Premi\xc3\xa8re partie\r\n--B\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK")
BAD_CHARSET = (b"From: a@example.test\r\nSubject: Jeu inconnu\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: text/plain; charset=\"x-jeu-inconnu\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
               b"D\xe9lib\xe9ration du conseil\r\n")
TRUNCATED_BASE64 = (b"From: a@example.test\r\nSubject: Base64 tronque\r\nMIME-Version: 1.0\r\n"
                    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    b"Qm9uam91ciDDoCB0b3VzLCBsYSBzw6lhbmNlIGVzdCBvdXZlcnRl\r\nQm9uam91")
EIGHT_BIT_HEADERS = ("From: Bérénice Lefèvre <berenice@example.test>\r\nTo: élus@example.test\r\n"
                     "Subject: Réunion à l'hôtel de ville\r\n\r\nCorps\r\n").encode()
LATIN1_HEADERS = ("From: Hélène <helene@example.test>\r\nSubject: Procès-verbal\r\n"
                  "Date: pas une date\r\n\r\nCorps\r\n").encode("latin-1")
BAD_ENCODED_WORD = (b"From: =?utf-8?B?!!!?= <x@example.test>\r\nSubject: =?x-inconnu?Q?Caf=E9?= et =?utf-8?B?w6k=?=\r\n"
                    b"Date: Mon, 06 Jan 2025 10:00:00 +0100\r\n\r\ncorps\r\n")
HTML_ONLY = (b"From: a@example.test\r\nSubject: HTML seulement\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>p{color:red}</style>"
             b"<script>alert(1)</script></head><body><p>Bonjour&nbsp;<b>\xc3\xa0 tous</b></p>"
             b"<p>Voir <a href=\"https://mairie.example/pv\">le PV</a><img src=\"https://pisteur.example/x.gif\"></p>"
             b"</body></html>")
NOTHING = b"\r\n\r\n"
ALL = [BROKEN_BOUNDARY, UNCLOSED, BAD_CHARSET, TRUNCATED_BASE64, EIGHT_BIT_HEADERS, LATIN1_HEADERS, BAD_ENCODED_WORD,
       HTML_ONLY, NOTHING]


def test_parser_reads_what_it_can() -> None:
    assert "Texte perdu" in (parse_body(BROKEN_BOUNDARY).text or "")
    unclosed = parse_body(UNCLOSED)
    assert unclosed.text == "Première partie"  # the line end before a boundary belongs to it
    assert [(a.name, a.data[:8]) for a in unclosed.attachments] == [("a.pdf", b"%PDF-1.4")]
    assert parse_body(BAD_CHARSET).text == "Délibération du conseil\n"
    assert (parse_body(TRUNCATED_BASE64).text or "").startswith("Bonjour à tous, la séance est ouverte")
    eight = parse_headers(EIGHT_BIT_HEADERS)
    assert (eight.subject, eight.sender, eight.sender_address) == (
        "Réunion à l'hôtel de ville", "Bérénice Lefèvre", "berenice@example.test")
    latin = parse_headers(LATIN1_HEADERS)
    assert latin.subject == "Procès-verbal" and latin.sender == "Hélène" and latin.date == ""
    bad = parse_headers(BAD_ENCODED_WORD)
    assert bad.sender_address == "x@example.test" and "et" in bad.subject
    html = parse_body(HTML_ONLY)
    assert html.text is None and html.html is not None
    text = html_to_text(html.html)
    assert text == "Bonjour à tous\n\nVoir le PV (https://mairie.example/pv)"
    assert snippet(None, html.html).startswith("Bonjour à tous")
    empty = parse_body(NOTHING)
    assert (empty.text or "").strip() == "" and empty.attachments == []
    assert parse_headers(NOTHING).subject == ""


def test_thread_keys_and_subjects() -> None:
    assert normalise_subject("RE: TR: Fwd:  Conseil   municipal") == "conseil municipal"
    reply = parse_headers(b"Subject: Re: x\r\nMessage-ID: <c@x>\r\nIn-Reply-To: <b@x>\r\n"
                          b"References: <a@x> <b@x>\r\n\r\n")
    assert reply.thread_root == "<a@x>" and reply.message_id == "<c@x>"


def test_malformed_messages_sync_and_show(vault: Vault, mail_servers: MailServers, mail_user: MailUser) -> None:
    mail_servers.dovecot.populate(mail_user.name, [MaildirMessage(raw) for raw in ALL])
    account = add_account(vault, mail_servers, mail_user)
    report = sync(vault)
    assert report.errors == [] and report.received == len(ALL)
    store = MailStore(vault.conn)
    inbox = store.special_folder(account, "inbox")
    assert inbox is not None
    listed = store.messages(inbox.id)
    assert len(listed) == len(ALL)
    subjects = {m.subject for m in listed}
    assert {"Limite cassee", "Jeu inconnu", "Réunion à l'hôtel de ville", "Procès-verbal", "HTML seulement"} <= subjects
    for summary in listed:
        body = store.message(summary.id)
        assert body is not None
        for attachment in body.attachments:
            store.attachment_data(summary.id, attachment.index)
    html = next(m for m in listed if m.subject == "HTML seulement")
    assert html.snippet.startswith("Bonjour à tous")
    assert store.search("délibération") and store.search("hôtel")
