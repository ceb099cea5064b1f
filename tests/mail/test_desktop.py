"""The Messagerie module against the real Dovecot and submission server: the folder tree, the
list, the safe reader, attachments, and the issue's "done when": offline, reply, flag, move and
delete; quit; start again; online: everything applied on the server, the reply delivered."""

from __future__ import annotations

import imaplib
import threading
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from desktop.mainwindow import MainWindow
from storage.mail import MailStore
from tests.desktop.conftest import Opener, connection, idle, open_window  # noqa: F401 (a fixture)
from tests.mailservers import MailServers, MailUser
from tests.storage.test_no_plaintext import leaks

pytestmark = pytest.mark.slow

PDF = b"%PDF-1.4 plan de la rue des Tilleuls " + bytes(range(256)) * 8
PIXEL = bytes.fromhex("47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b")


class _Tracker(BaseHTTPRequestHandler):
    """A sender's image server (a read-receipt pixel), on loopback: it records each request."""

    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        _Tracker.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", str(len(PIXEL)))
        self.end_headers()
        self.wfile.write(PIXEL)

    def log_message(self, *args: Any) -> None:
        pass


def _mail(sender: MailUser, to: MailUser, subject: str, text: str, html: str | None = None,
          attachment: bytes | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f"Bob Martin <{sender.address}>", to.address, subject
    msg["Message-ID"] = f"<{abs(hash(subject))}@example.test>"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="plan – Tilleuls.pdf")
    return bytes(msg)


def _window(qtbot: QtBot, open_window: Opener, servers: MailServers, user: MailUser) -> MainWindow:  # noqa: F811
    """The app on the user's profile, in Messagerie; the first time, the account is added as a
    new user would: the dialog, a wrong password first (said, nothing saved), then the right one."""
    window = open_window(user.name)
    window.rail.setCurrentRow(2)
    if MailStore(connection(window)).accounts():
        window.bridge.sync_now()
        return window
    assert window.mail.empty.isVisible()
    dialog = window.mail.add_account()
    dialog.address.setText(user.address)  # guesses the login and the server names
    assert dialog.username.text() == user.address and dialog.imap.text() == "imap.example.test"
    dialog.username.setText(user.name)
    dialog.imap.setText(f"127.0.0.1:{servers.dovecot.imaps_port}")
    dialog.smtp.setText(f"127.0.0.1:{servers.submission.starttls_port}")
    dialog.security.setCurrentIndex(dialog.security.findData("tls"))
    dialog.ca_file.setText(str(servers.ca_file))
    dialog.password.setText("pas le bon")
    dialog.ok.click()
    qtbot.waitUntil(lambda: dialog.ok.isEnabled(), timeout=20_000)
    assert "mot de passe refusé" in dialog.status.text() and dialog.isVisible()
    assert MailStore(connection(window)).accounts() == []
    dialog.password.setText(user.password)
    dialog.security.setCurrentIndex(dialog.security.findData(None))  # each port's usual security
    dialog.ok.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    account = MailStore(connection(window)).accounts()[0]
    assert (account.imap_security, account.smtp_security) == ("tls", "starttls")
    return window


def _folder(window: MainWindow, display: str) -> Any:
    tree = window.mail.tree
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        for j in range(top.childCount()):
            if top.child(j).text(0).split("  (")[0] == display:
                return top.child(j)
    return None


def _rows(window: MainWindow) -> list[str]:
    """The list's second lines: marks and subjects."""
    model = window.mail.model
    return [model.index(r, 0).data().split("\n")[1] for r in range(model.rowCount())]


def _open(qtbot: QtBot, window: MainWindow, subject_part: str) -> None:
    model = window.mail.model
    row = next(r for r in range(model.rowCount()) if subject_part in model.index(r, 0).data())
    window.mail.list.setCurrentIndex(model.index(row, 0))
    qtbot.waitUntil(lambda: subject_part in window.mail.reader.subject.text(), timeout=10_000)


def _server(servers: MailServers, user: MailUser, folder: str) -> list[tuple[bytes, bytes]]:
    """(flags, subject header) of every message of a server folder."""
    imap: imaplib.IMAP4_SSL = servers.dovecot.imap(user)
    try:
        imap.select(folder)
        _, data = imap.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        return [(item[0], item[1]) for item in data if isinstance(item, tuple)]
    finally:
        imap.logout()


def test_read_offline_act_quit_restart_and_everything_reaches_the_server(
        qtbot: QtBot, open_window: Opener, mail_servers: MailServers, tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    dovecot = mail_servers.dovecot
    alice, bob = dovecot.add_user(), dovecot.add_user()
    tracker = ThreadingHTTPServer(("127.0.0.1", 0), _Tracker)
    threading.Thread(target=tracker.serve_forever, daemon=True).start()
    pixel = f"http://127.0.0.1:{tracker.server_address[1]}/lu.gif?alice"
    _Tracker.requests.clear()
    dovecot.create_folder(alice.name, "Voirie")
    dovecot.deliver(alice.address, _mail(bob, alice, "Affaissement rue des Tilleuls", "Voir le plan joint.",
                                         attachment=PDF), bob.address)
    dovecot.deliver(alice.address, _mail(bob, alice, "Lettre d'information", "Version texte",
                                         html=f"<p>Bonjour <b>Alice</b></p><img src='{pixel}'>"
                                              "<script>alert(1)</script>"), bob.address)
    dovecot.deliver(alice.address, _mail(bob, alice, "Publicité", "À supprimer"), bob.address)

    window = _window(qtbot, open_window, mail_servers, alice)
    qtbot.waitUntil(lambda: _folder(window, "Boîte de réception") is not None
                    and _folder(window, "Boîte de réception").text(0).endswith("(3)"), timeout=20_000)
    window.mail.tree.setCurrentItem(_folder(window, "Boîte de réception"))
    qtbot.waitUntil(lambda: len(_rows(window)) == 3, timeout=10_000)

    # The HTML newsletter: shown, its remote image blocked (the bar says so), no script run.
    _open(qtbot, window, "Lettre d'information")
    reader = window.mail.reader
    qtbot.waitUntil(lambda: "Bonjour" in reader.body.toPlainText(), timeout=10_000)
    qtbot.waitUntil(reader.remote_bar.isVisible, timeout=5_000)
    assert reader.body.blocked == {pixel}
    assert "alert" not in reader.body.toPlainText()
    assert _Tracker.requests == []  # the sender learns nothing from opening the message
    # The user allows the images: the sync thread fetches them (the UI never calls the network).
    reader.allowRemote.emit(sorted(reader.body.blocked))
    qtbot.waitUntil(lambda: reader.body.remote.get(pixel) == PIXEL, timeout=10_000)
    assert _Tracker.requests == ["/lu.gif?alice"] and not reader.remote_bar.isVisible()
    tracker.shutdown()

    # The attachment opens, byte for byte, from outside the profile.
    _open(qtbot, window, "Affaissement")
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    reader.openAttachment.emit(0)
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    assert Path(opened[0]).read_bytes() == PDF
    assert not Path(opened[0]).is_relative_to(tmp_path / alice.name)

    # Offline: flag it, reply to it, move the newsletter, delete the advert.
    dovecot.kill()
    page = window.mail
    page.reader.toggleFlag.emit()
    page.answer("reply")
    qtbot.waitUntil(lambda: bool(page.composers) and page.composers[-1].isVisible(), timeout=10_000)
    composer = page.composers[-1]
    assert composer.subject.text() == "Re: Affaissement rue des Tilleuls"
    assert composer.to.text().endswith(f"<{bob.address}>") or bob.address in composer.to.text()
    assert "> Voir le plan joint." in composer.body.toPlainText()
    composer.body.setPlainText("J'envoie une équipe demain.\n\n" + composer.body.toPlainText())
    composer._send()
    qtbot.waitUntil(lambda: composer.sent, timeout=10_000)
    _open(qtbot, window, "Lettre d'information")
    voirie = MailStore(connection(window)).resolve_folder("Voirie").id
    page.move_selected(voirie)
    idle(qtbot, window)
    _open(qtbot, window, "Publicité")
    page.delete_selected()
    idle(qtbot, window)
    qtbot.waitUntil(lambda: _rows(window) == ["★ 📎 Affaissement rue des Tilleuls"], timeout=10_000)

    # Quit, start again (still offline): the Boîte d'envoi holds the reply.
    window.close()
    window = _window(qtbot, open_window, mail_servers, alice)
    qtbot.waitUntil(lambda: _folder(window, "Boîte d'envoi") is not None, timeout=10_000)
    assert _folder(window, "Boîte d'envoi").text(0).endswith("(1)")
    window.mail.tree.setCurrentItem(_folder(window, "Boîte d'envoi"))
    qtbot.waitUntil(lambda: _rows(window) == ["Re: Affaissement rue des Tilleuls"], timeout=10_000)

    # Online again: everything is applied on the server, the reply delivered once.
    dovecot.restart()
    window.bridge.sync_now()
    qtbot.waitUntil(lambda: _folder(window, "Boîte d'envoi").text(0) == "Boîte d'envoi", timeout=30_000)
    inbox = _server(mail_servers, alice, "INBOX")
    assert len(inbox) == 1 and b"\\Flagged" in inbox[0][0] and b"\\Answered" in inbox[0][0]
    assert [s for _, s in _server(mail_servers, alice, "Voirie")] == [b"Subject: Lettre d'information\r\n\r\n"]
    assert len(_server(mail_servers, alice, "Trash")) == 1  # the advert, restorable
    sent = _server(mail_servers, alice, "Sent")
    assert [s for _, s in sent] == [b"Subject: Re: Affaissement rue des Tilleuls\r\n\r\n"] and b"\\Seen" in sent[0][0]
    reply = b"Subject: Re: Affaissement rue des Tilleuls\r\n\r\n"
    assert [s for _, s in _server(mail_servers, bob, "INBOX")] == [reply]
    assert not leaks(tmp_path / alice.name, ["Voir le plan joint", "Affaissement", "une équipe demain",
                                              "plan de la rue des Tilleuls"])

    # New mail while Parvis is in the background: the next sync brings it, a notification says so.
    monkeypatch.setattr(window, "isActiveWindow", lambda: False)
    dovecot.deliver(alice.address, _mail(bob, alice, "Arrêté de circulation", "À signer."), bob.address)
    qtbot.waitUntil(lambda: (alice.address, "1 nouveau(x) message(s)") in window.notifications, timeout=30_000)
