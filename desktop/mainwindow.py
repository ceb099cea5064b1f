"""The main window: a navigation rail of modules, the current module, menus and the status bar."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QSystemTrayIcon,
    QWidget,
)

from storage import outbox
from storage.calendar import CalendarStore
from storage.db import set_setting
from storage.mail import MailStore
from sync.engine import Status

from . import i18n
from .bank import BankPage
from .calendar.page import CalendarPage
from .chat.page import ChatPage
from .documents import actions
from .documents.page import DocumentsPage
from .icons import badged, icon
from .mail.page import MailPage
from .ops import Changes, Context, Ops
from .statusbar import SyncIndicator
from .syncbridge import SyncBridge

UNREAD_ROLE = Qt.ItemDataRole.UserRole + 1


class MainWindow(QMainWindow):
    """Owns the operations worker and the sync bridge; closing the window stops both."""

    def __init__(self, ops: Ops, bridge: SyncBridge, identity: actions.Identity, lang: str) -> None:
        super().__init__()
        self.ops = ops
        self.bridge = bridge
        self.identity = identity
        self.lang = lang
        self.setWindowTitle(self.tr("Parvis"))
        self.setAccessibleName(self.tr("Parvis"))
        screen = self.screen().availableGeometry()
        self.resize(min(1280, screen.width()), min(800, screen.height()))

        self.rail = QListWidget()
        self.rail.setObjectName("rail")
        self.rail.setAccessibleName(self.tr("Modules"))
        self.rail.setFixedWidth(116)
        self.rail.setIconSize(QSize(26, 26))
        self.rail.setViewMode(QListWidget.ViewMode.IconMode)
        self.rail.setMovement(QListWidget.Movement.Static)
        self.rail.setFlow(QListWidget.Flow.TopToBottom)
        self.modules = QStackedWidget()
        self.documents = DocumentsPage(ops, bridge, identity)
        self._add_module(self.tr("Documents"), "documents", self.documents)
        self.chat = ChatPage(ops, bridge, identity)
        self._add_module(self.tr("Discussions"), "chat", self.chat)
        self.chat.unreadChanged.connect(self._show_unread)
        self.chat.notify.connect(self.notify)
        self.chat.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.mail = MailPage(ops, bridge, identity)
        self._add_module(self.tr("Messagerie"), "mail", self.mail)
        self.mail.notify.connect(self.notify)
        self.mail.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.calendar = CalendarPage(ops, bridge, identity)
        self._add_module(self.tr("Agenda"), "calendar", self.calendar)
        self.calendar.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.calendar.openDocument.connect(self._open_document)
        self.calendar.notify.connect(self.notify)
        self.bank = BankPage(ops, bridge, identity)
        self._add_module(self.tr("Fichiers"), "folder", self.bank)
        self.bank.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon("chat", QColor("#000091")), self)
            self.tray.setToolTip(self.tr("Parvis"))
            self.tray.messageClicked.connect(self._show_chat)
            self.tray.show()
        self.notifications: list[tuple[str, str]] = []  # what was notified, newest last
        self.rail.currentRowChanged.connect(self._module_changed)
        self.rail.setCurrentRow(0)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.rail)
        layout.addWidget(self.modules, 1)
        self.setCentralWidget(central)

        self.sync = SyncIndicator(identity.user is not None)
        self.sync.syncRequested.connect(bridge.sync_now)
        self.counts = QLabel()
        self.counts.setAccessibleName(self.tr("Nombre de mots et de caractères"))
        self.statusBar().addPermanentWidget(self.counts)
        self.statusBar().addWidget(self.sync)
        self.statusBar().setSizeGripEnabled(False)
        self.documents.countsChanged.connect(self._show_counts)
        self.documents.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        bridge.status.connect(self.sync.show_status)
        bridge.status.connect(self._tell_notes)
        self._notes_told: tuple[str, ...] = ()
        ops.changed.connect(self._changed)
        ops.failed.connect(lambda message: QMessageBox.warning(self, self.tr("Parvis"), message))
        self._pending_timer = QTimer(self, singleShot=True, interval=300)
        self._pending_timer.timeout.connect(self._refresh_pending)
        self._build_menus()
        self._refresh_pending()
        if identity.user is None:
            self.ops.run(lambda ctx: bool(MailStore(ctx.conn).accounts() or CalendarStore(ctx.conn).accounts()),
                         on_done=self._syncs_without_server)
            bridge.mailAccountChecked.connect(self._account_added)
            bridge.calAccountChecked.connect(self._account_added)

    def _tell_notes(self, status: Status) -> None:
        """What a round settled for the user (a calendar conflict kept as a copy, a message moved
        elsewhere meanwhile) is said once, as a notification and in the status bar."""
        if status.syncing or not status.notes or status.notes is self._notes_told:
            return
        self._notes_told = status.notes
        for note in status.notes[:3]:
            self.notify(self.tr("Synchronisation"), note)
        more = len(status.notes) - 3
        self.statusBar().showMessage(status.notes[0] if more <= 0 else
                                     self.tr("{0} (et {1} autre(s))").format(status.notes[0], more), 15000)

    def _account_added(self, account_id: int, _error: str) -> None:
        self._syncs_without_server(account_id > 0)

    def _syncs_without_server(self, has_accounts: bool) -> None:
        """A profile with no Parvis server but mail or calendar accounts still syncs: say so."""
        if has_accounts:
            self.sync.syncs_something()
            self.sync_action.setEnabled(True)

    def _add_module(self, name: str, icon_name: str, page: QWidget) -> None:
        item = QListWidgetItem(icon(icon_name, QColor("#000091")), name)
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        item.setSizeHint(QSize(108, 64))
        item.setData(Qt.ItemDataRole.AccessibleTextRole, name)
        self.rail.addItem(item)
        self.modules.addWidget(page)

    def _module_changed(self, row: int) -> None:
        """Show module `row`. The Documents menu commands keep their shortcuts only while
        Documents is shown: other modules give Ctrl+N, Ctrl+F or Suppr their own meaning."""
        self.modules.setCurrentIndex(row)
        if not hasattr(self, "_document_keys"):
            self._document_keys = {name: a.shortcut() for name, a in self.documents.commands.items()}
        for name, action in self.documents.commands.items():
            action.setShortcut(self._document_keys[name] if row == 0 else QKeySequence())

    def _open_document(self, doc_id: str) -> None:
        """A document the Agenda made or links to (a procès-verbal): shown in Documents."""
        self.rail.setCurrentRow(0)
        self.documents.open_document(doc_id)

    def _show_unread(self, unread: int) -> None:
        """The unread count as a badge on the Discussions icon (the label keeps its width)."""
        item = self.rail.item(1)
        name = self.tr("Discussions")
        item.setIcon(badged(icon("chat", QColor("#000091")), unread))
        item.setData(UNREAD_ROLE, unread)
        item.setData(Qt.ItemDataRole.AccessibleTextRole,
                     name if not unread else self.tr("{0}, {1} messages non lus").format(name, unread))

    def notify(self, title: str, text: str) -> None:
        """A desktop notification (a mention, a direct message), through the system tray."""
        self.notifications.append((title, text))
        del self.notifications[:-20]
        if self.tray is not None:
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)
        QApplication.alert(self)

    def _show_chat(self) -> None:
        self.rail.setCurrentRow(1)
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def _build_menus(self) -> None:
        docs = self.documents.commands
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&Fichier"))
        for name in ("new", "minutes", "export", "close"):
            file_menu.addAction(docs[name])
        file_menu.addSeparator()
        quit_action = file_menu.addAction(self.tr("Quitter"))
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        edit_menu = bar.addMenu(self.tr("&Édition"))
        for name in ("find", "rename", "share", "delete"):
            edit_menu.addAction(docs[name])
        sync_menu = bar.addMenu(self.tr("&Synchronisation"))
        self.sync_action = QAction(self.tr("Synchroniser maintenant"), self)
        self.sync_action.setShortcut(QKeySequence("F5"))
        self.sync_action.triggered.connect(self.bridge.sync_now)
        self.sync_action.setEnabled(self.identity.user is not None)
        sync_menu.addAction(self.sync_action)
        view_menu = bar.addMenu(self.tr("&Affichage"))
        language = view_menu.addMenu(self.tr("Langue"))
        group = QActionGroup(self)
        for code, label in i18n.LANGUAGES.items():
            act = language.addAction(label)
            act.setCheckable(True)
            act.setChecked(code == self.lang)
            act.triggered.connect(lambda _=False, c=code: self._choose_language(c))
            group.addAction(act)
        help_menu = bar.addMenu(self.tr("&Aide"))
        keys = help_menu.addAction(self.tr("Raccourcis clavier"))
        keys.triggered.connect(self._show_shortcuts)
        about = help_menu.addAction(self.tr("À propos de Parvis"))
        about.triggered.connect(lambda: QMessageBox.about(
            self, self.tr("À propos de Parvis"),
            self.tr("<b>Parvis</b><br>Suite bureautique hors ligne d'abord pour les collectivités.<br>"
                    "Vos données sont chiffrées sur cet ordinateur.")))

    def _show_counts(self, words: int, chars: int) -> None:
        self.counts.setText("" if words < 0 else self.tr("{0} mots · {1} caractères").format(
            f"{words:n}".replace(",", "\u202f"), f"{chars:n}".replace(",", "\u202f")))

    def _changed(self, changes: Changes) -> None:
        if changes.outbox:
            self._pending_timer.start()

    def _refresh_pending(self) -> None:
        """Local edits change the pending count before the engine next reports: read it."""
        self.ops.run(lambda ctx: outbox.counts(ctx.conn), on_done=self._show_pending)

    def _show_pending(self, counts: dict[str, int]) -> None:
        last: Status = getattr(self.sync, "last", Status())
        if last.pending != counts:
            from dataclasses import replace

            self.sync.show_status(replace(last, pending=counts))

    def _choose_language(self, code: str) -> None:
        if code == self.lang:
            return

        def save(ctx: Context) -> None:
            set_setting(ctx.conn, "ui.language", code)

        self.ops.run(save)
        QMessageBox.information(self, self.tr("Langue"),
                                self.tr("La nouvelle langue s'appliquera au prochain démarrage de Parvis."))

    def _show_shortcuts(self) -> None:
        rows = [(self.tr("Nouveau document"), "Ctrl+N"), (self.tr("Nouveau procès-verbal"), "Ctrl+Shift+N"),
                (self.tr("Rechercher"), "Ctrl+F"), (self.tr("Exporter"), "Ctrl+S"),
                (self.tr("Synchroniser maintenant"), "F5"), (self.tr("Renommer"), "F2"),
                (self.tr("Discussions : aller au salon"), "Ctrl+K"),
                (self.tr("Discussions : envoyer, aller à la ligne"), "Return, Shift+Return"),
                (self.tr("Discussions : modifier son dernier message"), "Up"),
                (self.tr("Discussions : joindre un fichier"), "Ctrl+Shift+J"),
                (self.tr("Fichiers : ouvrir le fichier choisi"), "Ctrl+O"),
                (self.tr("Partager"), "Ctrl+Shift+P"), (self.tr("Fermer le document"), "Ctrl+W"),
                (self.tr("Gras, italique, souligné"), "Ctrl+B, Ctrl+I, Ctrl+U"),
                (self.tr("Titres 1 à 3, paragraphe"), "Ctrl+1, Ctrl+2, Ctrl+3, Ctrl+0"),
                (self.tr("Annuler, rétablir"), "Ctrl+Z, Ctrl+Y")]
        native = QKeySequence.SequenceFormat.NativeText  # "Maj" in French, "Shift" in English
        table = "".join(f"<tr><td>{label}</td><td>&nbsp;&nbsp;<b>{QKeySequence(keys).toString(native)}</b></td></tr>"
                        for label, keys in rows)
        QMessageBox.information(self, self.tr("Raccourcis clavier"), f"<table>{table}</table>")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow() and self.chat.isVisible():
            self.chat.load_current()  # back to the window: what is on screen is now read

    def closeEvent(self, event: QCloseEvent) -> None:
        for doc_id in list(self.documents.tabs_by_id):
            self.documents.close_document(self.documents.tabs_by_id[doc_id])
        self.bridge.stop()
        self.ops.close()
        self.chat.close_files()
        self.mail.close_files()
        for window in list(self.mail.composers):
            window.close()
        event.accept()
