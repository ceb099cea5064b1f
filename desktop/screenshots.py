"""`make screenshots`: PNGs of the main views, for a reviewer to look at.

Each view is built on a throwaway profile, the way a user would reach it, and grabbed
offscreen: first run, unlock with a wrong passphrase, the empty list, a list of documents,
the minutes editor with another editor's cursor, the share dialog, and the window offline.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from storage.cal_ical import apply, master, new_event, parse
from storage.calendar import CalendarStore, conflict_copy, save_calendars
from storage.calendar import write as cal_write
from storage.chat import ChatStore
from storage.db import set_secret, transaction
from storage.docs import DocStore
from storage.files import Entry, FilesStore
from storage.mail import MailStore
from storage.mail_sync import Fetched, save_folders, store_fetched
from storage.vault import Vault
from sync import files
from sync.files import Transfer, Version

from .app import application, start_window
from .chat.page import NewRoomDialog
from .documents.dialogs import ShareDialog
from .documents.listpane import ID_ROLE
from .documents.tab import DocumentTab, colour_for
from .mainwindow import MainWindow
from .ops import Ops
from .welcome import UnlockDialog, WelcomeDialog

PASSPHRASE = "capture d'écran"
TITLES = ("Procès-verbal du conseil municipal du 12 mars 2026", "Ordre du jour — commission voirie",
          "Délibération n° 2026-014 — tarifs de la cantine", "Compte rendu — réunion des associations",
          "Arrêté de circulation — fête de la Saint-Jean", "Note au maire — travaux de l'école",
          "Convention de mise à disposition de la salle polyvalente")


def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while not check() and time.monotonic() < end:
        QTest.qWait(50)


def save(widget: QWidget, folder: Path, name: str) -> Path:
    QTest.qWait(400)  # the word count is debounced
    QApplication.processEvents()
    path = folder / f"{name}.png"
    widget.grab().save(str(path))
    print(path)
    return path


def window_on(profile: Path, docs: list[str] | None = None, server: str | None = None,
              fill: Callable[[Any], None] | None = None) -> MainWindow:
    vault = Vault.create(profile, PASSPHRASE)
    store = DocStore(vault.conn)
    for title in docs or []:
        store.create(title)
    if server:
        with transaction(vault.conn):
            row = vault.conn.execute("INSERT INTO accounts(server_url, username) VALUES (?, ?)", (server, "mdupre"))
            set_secret(vault.conn, f"token:{row.lastrowid}", "jeton")
    if fill is not None:
        fill(vault.conn)
    window = start_window(vault, Ops(vault))
    window.resize(1280, 800)
    window.show()
    wait_until(lambda: not window.ops.busy)
    return window


def shoot(out: Path) -> None:
    application()
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="parvis-shots-"))

    welcome = WelcomeDialog(tmp / "new")
    welcome.show()
    save(welcome, out, "01-premier-demarrage")
    welcome.close()

    Vault.create(tmp / "locked", PASSPHRASE).close()
    unlock = UnlockDialog(tmp / "locked")
    unlock.show()
    unlock.passphrase.setText("mauvaise phrase")
    unlock.submit()
    save(unlock, out, "02-deverrouillage-erreur")
    unlock.close()

    empty = window_on(tmp / "empty")
    save(empty, out, "03-liste-vide")
    empty.close()

    listed = window_on(tmp / "list", list(TITLES))
    listed.documents.list.view.setCurrentIndex(listed.documents.list.proxy.index(1, 0))
    save(listed, out, "04-liste-des-documents")

    listed.documents.new_minutes()
    wait_until(lambda: bool(listed.documents.tabs_by_id))
    tab = next(iter(listed.documents.tabs_by_id.values()))
    _remote_cursor(tab)
    save(listed, out, "05-editeur-avec-curseur-distant")

    share = ShareDialog(tab.title(), True, listed)
    share.user_field.setText("m.lefevre")
    share.show()
    save(share, out, "06-dialogue-de-partage")
    share.close()
    listed.close()

    # An account on a server that does not answer: the window says it is offline.
    offline = window_on(tmp / "offline", list(TITLES[:3]), server="http://127.0.0.1:9")
    store_tab = offline.documents
    store_tab.open_document(store_tab.list.model.item(0, 0).data(ID_ROLE))
    wait_until(lambda: bool(store_tab.tabs_by_id))
    editor = next(iter(store_tab.tabs_by_id.values())).editor
    editor.textCursor().insertText("Séance ouverte à 18 h 30.")
    wait_until(lambda: offline.sync.state.text() == "Hors ligne" and offline.sync.pending.isVisible())
    save(offline, out, "07-hors-ligne")
    save(offline.statusBar(), out, "08-barre-d-etat-hors-ligne")
    offline.close()

    chat = window_on(tmp / "chat", server="http://127.0.0.1:9", fill=_fill_chat)
    chat.rail.setCurrentRow(1)
    page = chat.chat
    wait_until(lambda: page.room_list.count() == 4)
    page.room_list.select(next(r.id for r in page.rooms.values() if r.name == "Urbanisme – voirie"))
    wait_until(lambda: len(page.conversation.messages) >= 8)
    page._someone_typing(page.current or "", "p.girard")
    page.composer.edit.setPlainText("Je passe à l'atelier demain matin, @")
    page.composer.edit.moveCursor(QTextCursor.MoveOperation.End)
    page.composer.edit.set_names(["m.lefevre", "p.girard", "s.benali"])
    save(chat, out, "09-discussions")
    page.composer.edit.clear()
    dialog = NewRoomDialog(chat)
    dialog.name.setText("Élections – bureau de vote n° 3")
    dialog.members.setText("m.lefevre, s.benali")
    dialog.group.setText("etat-civil")
    dialog.show()
    save(dialog, out, "10-nouveau-salon")
    dialog.close()
    chat.close()

    mail = window_on(tmp / "mail", fill=_fill_mail)
    mail.rail.setCurrentRow(2)
    wait_until(lambda: mail.mail.model.rowCount() >= 5)
    model = mail.mail.model
    row = next(r for r in range(model.rowCount()) if "Affaissement" in model.index(r, 0).data())
    mail.mail.list.setCurrentIndex(model.index(row, 0))
    wait_until(lambda: "Affaissement" in mail.mail.reader.subject.text())
    save(mail, out, "11-messagerie")
    mail.mail.answer("reply")
    wait_until(lambda: bool(mail.mail.composers))
    composer = mail.mail.composers[-1]
    composer.body.setPlainText("Bonjour,\n\nUne équipe passe demain matin poser des barrières.\n\n"
                               + composer.body.toPlainText())
    save(composer, out, "12-messagerie-reponse")
    composer.sent = True
    composer.close()
    mail.close()

    no_mail = window_on(tmp / "no-mail")
    no_mail.rail.setCurrentRow(2)
    account = no_mail.mail.add_account()
    account.address.setText("m.dupre@mairie-saint-aubin.fr")
    account.password.setText("secret")
    account.failed("Identifiant ou mot de passe refusé par le serveur de réception imap.mairie-saint-aubin.fr:993 : "
                   "vérifiez-les.")
    save(account, out, "13-compte-de-messagerie")
    account.close()
    no_mail.close()

    agenda = window_on(tmp / "agenda", server="http://127.0.0.1:9", fill=_fill_agenda)
    agenda.rail.setCurrentRow(3)
    cal_page = agenda.calendar
    wait_until(lambda: len(cal_page.month.chips) > 20)
    save(agenda, out, "14-agenda-mois")
    cal_page.go_to(_council_day(), "week")
    wait_until(lambda: len(cal_page.week.grid.chips) > 5)
    save(agenda, out, "15-agenda-semaine")
    cal_page.go_to(_nth(5, 2), "month")
    wait_until(lambda: any(c.occ.state == "conflict" for c in cal_page.month.chips))
    cal_page.edit_event(next(c.occ for c in cal_page.month.chips if c.occ.state == "conflict"))
    wait_until(lambda: cal_page.dialog is not None and cal_page.dialog.isVisible())
    assert cal_page.dialog is not None
    save(cal_page.dialog, out, "16-agenda-conflit")
    cal_page.dialog.reject()
    cal_account = cal_page.add_account()
    wait_until(lambda: bool(cal_account.url.text()))
    cal_account.password.setText("secret")
    cal_account.failed("Le serveur d'agenda http://127.0.0.1:9/dav/ refuse l'identifiant « mdupre » ou son mot de "
                       "passe : rien n'a été enregistré.")
    save(cal_account, out, "17-compte-agenda")
    cal_account.close()
    agenda.close()

    bank = window_on(tmp / "bank", server="http://127.0.0.1:9", fill=lambda conn: _fill_bank(conn, tmp / "PC"))
    bank.rail.setCurrentRow(4)
    files_page = bank.bank
    wait_until(lambda: files_page.folder_list.count() == 4 and files_page.model.rowCount() >= 6)
    folder_id = "a" * 32
    files_page.select_folder(folder_id)
    wait_until(lambda: files_page.file_state("NUL.txt") is not None)
    engine = bank.bridge._engine
    assert engine is not None
    engine.transfers.advance(Transfer(folder_id, "Plans/PLU – plan de zonage.pdf", "up", 48 * 1024 ** 2, 0,
                                      time.monotonic() - 4.7), 15 * 1024 ** 2)
    wait_until(lambda: files_page.transfers.isVisible())
    files_page.select_file("Délibération 2026-014 – PLU.odt")
    save(bank, out, "18-fichiers")
    versions = files_page.show_versions()
    assert versions is not None
    wait_until(lambda: versions.error.isVisible())  # no server here: the versions are the ones below
    now = time.time()
    versions.listed(folder_id, versions.path, [
        Version(4, "d", 48_213, "s.benali", now - 3600), Version(3, "c", 47_980, "mdupre", now - 86400 * 2),
        Version(2, "b", 41_502, "s.benali", now - 86400 * 6), Version(1, "a", 38_114, "m.lefevre", now - 86400 * 9)],
        "")
    older = versions.list.topLevelItem(2)
    assert older is not None
    versions.list.setCurrentItem(older)
    save(versions, out, "19-fichiers-versions")
    versions.close()
    bank.close()


def _fill_bank(conn: Any, pc: Path) -> None:
    """The folders of a mairie's document bank as syncs would have left them: one up to date but
    for a file in progress, a conflict copy and a name Windows refuses; one whose disk is
    unplugged; one synced and up to date; one not synced on this PC."""
    store = FilesStore(conn)
    store.save_listing([
        {"id": "a" * 32, "name": "Urbanisme", "role": "owner", "group": "urbanisme"},
        {"id": "b" * 32, "name": "Conseil municipal", "role": "editor"},
        {"id": "c" * 32, "name": "Photos du terrain", "role": "editor"},
        {"id": "d" * 32, "name": "État civil", "role": "reader", "group": "etat-civil"}])
    for folder_id, name in (("a" * 32, "Urbanisme"), ("b" * 32, "Conseil municipal"), ("c" * 32, "Photos")):
        files.choose_folder(conn, folder_id, pc / name)
    synced = {"a" * 32: ["Délibération 2026-014 – PLU.odt", "Plans/Cadastre section AB.pdf",
                         "Arrêté de voirie – rue des Tilleuls.odt",
                         "Arrêté de voirie – rue des Tilleuls (conflit de Sophie Benali, 2026-03-10 14h05).odt",
                         "Permis de construire/PC 033 012 26 00004.pdf"],
              "b" * 32: ["Procès-verbal du 12 mars 2026.odt", "Ordre du jour – 9 avril.odt"]}
    for folder_id, paths in synced.items():
        root = Path(store.folder(folder_id).local_path or "")
        with transaction(conn):
            for n, rel in enumerate(paths):
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(b"x" * (24_000 + 9_000 * n))
                st = target.stat()
                store.put_entry(Entry(folder_id, rel, f"{n:032x}", 1 + n % 3, "0" * 64, st.st_size, st.st_mtime_ns))
            store.synced_now(folder_id)
    urbanisme = Path(store.folder("a" * 32).local_path or "")
    (urbanisme / "Plans").mkdir(exist_ok=True)
    (urbanisme / "Plans/PLU – plan de zonage.pdf").write_bytes(b"p" * 48_000)
    (urbanisme / "NUL.txt").write_bytes(b"brouillon")
    photos = pc / "Photos"
    for child in photos.iterdir():
        child.unlink()
    photos.rmdir()  # the USB disk it lives on is unplugged: the page's scan says so


def _nth(weekday: int, n: int) -> date:
    """The `n`th `weekday` (0: Monday) of the current month."""
    first = date.today().replace(day=1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _council_day() -> date:
    return _nth(3, 3)  # the third Thursday


def _fill_agenda(conn: Any) -> None:
    """A mairie's calendars as a sync would have stored them, in the current month: the council
    and its commissions, weddings at the état civil, the weekly management meeting, the
    technical services; one event written offline (pending) and one in conflict."""
    store = CalendarStore(conn)
    account = store.add_account("http://127.0.0.1:9/dav/", "mdupre", "secret")
    save_calendars(conn, account, [("/dav/mdupre/elus/", "Élus et conseil", "#000091FF"),
                                   ("/dav/mdupre/etat-civil/", "État civil", "#B34000FF"),
                                   ("/dav/mdupre/services-techniques/", "Services techniques", "#18753CFF"),
                                   ("/dav/mdupre/personnel/", "Mon agenda", "#6E445AFF")])
    cals = {c.name: c for c in store.calendars()}
    paris = ZoneInfo("Europe/Paris")

    def at(day: date, hour: float) -> datetime:
        return datetime.combine(day, datetime.min.time(), paris) + timedelta(hours=hour)

    def synced(cal: str, title: str, start: date | datetime, end: date | datetime, place: str = "",
               rule: str | None = None) -> None:
        uid = str(uuid.uuid4())
        href = f"{cals[cal].href}{uid}.ics"
        with transaction(conn):
            cal_write(conn, cals[cal].id, href, new_event(uid, title, start, end, place, "", rule), etag='"1"',
                      state="synced")

    council = _council_day()
    monday = _nth(0, 1)
    synced("Élus et conseil", "Réunion de direction", at(monday, 9), at(monday, 10), "Bureau du maire",
           "FREQ=WEEKLY;BYDAY=MO")
    synced("Élus et conseil", "Conseil municipal", at(council, 18.5), at(council, 21), "Salle du conseil")
    synced("Élus et conseil", "Commission des finances", at(council - timedelta(days=7), 17.5),
           at(council - timedelta(days=7), 19), "Salle des commissions")
    synced("Élus et conseil", "Commission urbanisme", at(council - timedelta(days=2), 18),
           at(council - timedelta(days=2), 19.5), "Salle des commissions")
    synced("Élus et conseil", "Commission travaux – voirie", at(council + timedelta(days=11), 17.5),
           at(council + timedelta(days=11), 19), "Services techniques")
    synced("Élus et conseil", "Bureau municipal", at(council - timedelta(days=2), 10),
           at(council - timedelta(days=2), 11.5), "Bureau du maire")
    synced("Élus et conseil", "Congrès des maires", _nth(1, 4), _nth(1, 4) + timedelta(days=3), "Paris")
    for week in (1, 2, 3, 4):
        sat = _nth(5, week)
        synced("État civil", "Mariage Martin – Lopez" if week % 2 else "Mariage Bernard – Nguyen", at(sat, 11),
               at(sat, 11.75), "Salle des mariages")
        if week in (2, 3):
            synced("État civil", "Mariage Petit – Moreau" if week == 2 else "PACS Garcia – Roux", at(sat, 15),
                   at(sat, 15.75), "Salle des mariages")
        synced("Services techniques", "Astreinte voirie", at(_nth(4, week), 17), at(_nth(4, week), 20))
    synced("Services techniques", "Chantier rue des Tilleuls", _nth(0, 3), _nth(0, 3) + timedelta(days=3),
           "Rue des Tilleuls")
    synced("Services techniques", "Réunion de chantier école", at(council - timedelta(days=3), 9),
           at(council - timedelta(days=3), 10.5), "École Jules-Ferry")
    synced("Services techniques", "Visite du bureau de contrôle", at(council, 10), at(council, 11.5),
           "Salle polyvalente")
    synced("Mon agenda", "Permanence du maire", at(_nth(2, 1), 10), at(_nth(2, 1), 12), "Mairie",
           "FREQ=WEEKLY;BYDAY=WE")
    synced("Mon agenda", "Préparation du conseil", at(council - timedelta(days=1), 14),
           at(council - timedelta(days=1), 16), "Bureau du maire")
    store.create(cals["Élus et conseil"].id, "Réunion publique – PLU", at(council + timedelta(days=6), 19),
                 at(council + timedelta(days=6), 21), "Salle polyvalente")
    synced("État civil", "Mariage Dubois – Leroy", at(_nth(5, 2), 16.5), at(_nth(5, 2), 17), "Salle des mariages")
    theirs = next(e for e in store.events() if e.summary == "Mariage Dubois – Leroy")
    mine = parse(theirs.ics)
    apply(master(mine), start=at(_nth(5, 2), 17), end=at(_nth(5, 2), 17.5), location="Salle du conseil")
    with transaction(conn):  # moved here while the server's copy changed too: both kept
        conflict_copy(conn, cals["État civil"].id, theirs.href, mine.to_ical().decode())


def _fill_mail(conn: Any) -> None:
    """A mail account as a first sync would have stored it: folders with special use, and a
    morning's mail (a thread, an attachment, a newsletter), some read, one flagged."""
    store = MailStore(conn)
    account = store.add_account("m.dupre@mairie-saint-aubin.fr", "mdupre", "secret", "imap.mairie-saint-aubin.fr",
                                993, "tls", "smtp.mairie-saint-aubin.fr", 465, "tls")
    save_folders(conn, account, [((b"\\HasNoChildren",), "/", "INBOX"), ((b"\\Sent",), "/", "Sent"),
                                 ((b"\\Drafts",), "/", "Drafts"), ((b"\\Trash",), "/", "Trash"),
                                 ((b"\\Junk",), "/", "Junk"), ((), "/", "Urbanisme")])
    inbox = next(f for f in store.folders(account) if f.special == "inbox")
    today = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
    letters = [
        ("Sophie Benali <s.benali@mairie-saint-aubin.fr>", "Affaissement rue des Tilleuls", 95, False, True,
         "Bonjour Marc,\n\nUn riverain signale un affaissement de chaussée devant le n° 14. Photo et plan joints.\n"
         "Pouvez-vous faire passer une équipe ?\n\nSophie Benali\nService urbanisme", True),
        ("Préfecture de la Gironde <pref-collectivites@gironde.gouv.fr>", "Rappel : transmission des délibérations",
         80, True, False, "Madame, Monsieur le Maire,\n\nNous vous rappelons que les délibérations…", False),
        ("Paul Girard <p.girard@mairie-saint-aubin.fr>", "Planning de la balayeuse – semaine 48", 60, False, False,
         "Voici le planning de la semaine prochaine.", False),
        ("Association des parents d'élèves <ape.saintaubin@example.org>", "Kermesse du 20 juin : salle polyvalente",
         -900, True, False, "Bonjour, nous souhaitons réserver la salle polyvalente…", False),
        ("Lettre des maires <lettre@example.org>", "La lettre des maires ruraux – novembre", -1500, True, False,
         "Au sommaire ce mois-ci…", False),
    ]
    items = []
    for uid, (sender, subject, minutes, seen, flagged, text, attach) in enumerate(letters, start=1):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = sender, "Marc Dupré <m.dupre@mairie-saint-aubin.fr>", subject
        msg["Date"] = format_datetime(today + timedelta(minutes=minutes))
        msg["Message-ID"] = f"<{uid}.capture@mairie-saint-aubin.fr>"
        msg.set_content(text)
        if attach:
            msg.add_attachment(b"%PDF-1.4 plan", maintype="application", subtype="pdf", filename="plan – n° 14.pdf")
            msg.add_attachment(b"\xff\xd8 photo", maintype="image", subtype="jpeg", filename="photo chaussée.jpg")
        raw = bytes(msg)
        flags = ((b"\\Seen",) if seen else ()) + ((b"\\Flagged",) if flagged else ())
        head = raw.split(b"\n\n", 1)[0] + b"\n\n"
        items.append(Fetched(uid, flags, today + timedelta(minutes=minutes), len(raw), head, raw=raw))
    store_fetched(conn, account, inbox.id, items)


def _fill_chat(conn: Any) -> None:
    """Rooms and messages as a sync would have stored them: others' messages with a reply,
    reactions, a mention and an attachment; then ours, one refused by the server and one
    written offline (pending)."""
    store = ChatStore(conn)
    today = datetime.now().astimezone().replace(hour=9, minute=12, second=0, microsecond=0)
    rooms = {"Urbanisme – voirie": 8, "Élus – conseil municipal": 2, "État civil": 0, "p.girard": 0}
    ids = {}
    with transaction(conn):
        for n, (name, unread) in enumerate(rooms.items()):
            ids[name] = f"{n + 1:032x}"
            store.adopt_room({"id": ids[name], "kind": "direct" if "." in name else "channel", "name": name,
                              "role": "member", "last_seq": 20, "read_seq": 20 - unread, "unread": unread, "rev": 0})
        room = ids["Urbanisme – voirie"]
        lines = [
            (-1, 16, 40, "p.girard", "Le camion-benne est réparé, il reprend la tournée lundi.", None, {}, []),
            (0, 8, 2, "m.lefevre", "Bonjour à tous. Un riverain signale un affaissement de chaussée rue des Tilleuls, "
             "devant le n° 14.", None, {}, []),
            (0, 8, 3, "m.lefevre", "Photo jointe, prise ce matin.", None, {"👀": ["p.girard", "s.benali"]},
             [{"id": "a" * 32, "name": "rue des Tilleuls – affaissement.jpg", "size": 2_412_883,
               "type": "image/jpeg"}]),
            (0, 8, 15, "s.benali", "@mdupre pouvez-vous prévenir le service des eaux ? Il y a peut-être une fuite "
             "sous la chaussée.", None, {}, []),
            (0, 8, 41, "p.girard", "J'y suis passé : barrières posées, circulation alternée jusqu'à l'intervention.",
             3, {"👍": ["m.lefevre", "s.benali", "mdupre"], "✅": ["m.lefevre"]}, []),
            (0, 9, 5, "m.lefevre", "Merci ! Je mets l'arrêté de circulation à la signature.", None, {}, []),
        ]
        for seq, (day, hour, minute, author, text, reply, reactions, attachments) in enumerate(lines, start=1):
            when = (today + timedelta(days=day)).replace(hour=hour, minute=minute).astimezone(UTC)
            store.store_remote({"room": room, "seq": seq, "rev": seq, "client_id": str(uuid.uuid4()), "author": author,
                                "text": text, "reply_to": reply, "reactions": reactions, "attachments": attachments,
                                "created_at": when.timestamp(), "edited_at": None, "deleted": False})
    refused = store.send(room, "Le service des eaux est prévenu, passage prévu à 14 h.", "mdupre")
    with transaction(conn):
        store.refused(refused, "le serveur a refusé le message (salon en lecture seule)")
    store.send(room, "Je préviens aussi l'école : les cars passent par là à 16 h 30.", "mdupre")


def _remote_cursor(tab: DocumentTab) -> None:
    """Another editor, Marie Lefèvre, with 'Le quorum' selected: her presence is encoded by the
    editor's own code, as her Parvis would send it (pycrdt's sticky indexes are off after
    accented text; the editor corrects that)."""
    text = tab.editor.toPlainText()
    cursor = tab.editor.textCursor()
    cursor.setPosition(text.index("Le quorum"))
    cursor.setPosition(text.index("Le quorum") + len("Le quorum"), QTextCursor.MoveMode.KeepAnchor)
    tab.editor.setTextCursor(cursor)
    state = {"user": {"name": "Marie Lefèvre", "color": colour_for(3)}, "cursor": tab.editor.local_cursor()}
    cursor.setPosition(text.index("Secrétaire de séance"))
    tab.editor.setTextCursor(cursor)
    tab.set_peers({4242: state})
    tab.editor.verticalScrollBar().setValue(0)


def main(argv: list[str]) -> int:
    shoot(Path(argv[1] if len(argv) > 1 else "screenshots"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
