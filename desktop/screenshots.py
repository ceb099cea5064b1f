"""`make screenshots`: PNGs of the main views, for a reviewer to look at.

Each view is built on a throwaway profile, the way a user would reach it, and grabbed
offscreen: first run, unlock with a wrong passphrase, the empty list, a list of documents,
the minutes editor with another editor's cursor, the share dialog, and the window offline.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from storage.db import set_secret, transaction
from storage.docs import DocStore
from storage.vault import Vault

from .app import application, start_window
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


def window_on(profile: Path, docs: list[str] | None = None, server: str | None = None) -> MainWindow:
    vault = Vault.create(profile, PASSPHRASE)
    store = DocStore(vault.conn)
    for title in docs or []:
        store.create(title)
    if server:
        with transaction(vault.conn):
            row = vault.conn.execute("INSERT INTO accounts(server_url, username) VALUES (?, ?)", (server, "mdupre"))
            set_secret(vault.conn, f"token:{row.lastrowid}", "jeton")
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
