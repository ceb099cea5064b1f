"""The Documents module: the list on the left, open documents in tabs on the right.

Edits flow UI → worker → sync thread: the editor's update is stored by the operations worker,
then the sync bridge pushes it. Remote updates flow back from the bridge to the open tab.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pycrdt import Doc
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editors.export import export
from storage.docs import DocInfo, OpenDoc
from storage.errors import ParvisError

from ..icons import icon
from ..ops import Changes, Ops
from ..syncbridge import SyncBridge
from . import actions
from .dialogs import ShareDialog, ask_title, confirm_delete
from .listpane import INFO_ROLE, DocumentList
from .tab import DocumentTab

EXPORT_SUFFIXES = (".odt", ".pdf", ".html", ".md", ".txt")


class DocumentsPage(QWidget):
    """Emits `countsChanged(words, chars)` for the current editor and `message(text)` for the
    status bar."""

    countsChanged = Signal(int, int)
    message = Signal(str)

    def __init__(self, ops: Ops, bridge: SyncBridge, identity: actions.Identity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.bridge = bridge
        self.identity = identity
        self.tabs_by_id: dict[str, DocumentTab] = {}
        self.list = DocumentList()
        self.list.has_account = identity.user is not None
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Documents ouverts"))
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.currentChanged.connect(self._current_changed)
        self.placeholder = QLabel(self.tr("<p>Ouvrez un document dans la liste, ou créez-en un (Ctrl+N).</p>"))
        self.placeholder.setObjectName("emptyState")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.right = QStackedWidget()
        self.right.addWidget(self.placeholder)
        self.right.addWidget(self.tabs)
        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(self.right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 840])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addWidget(splitter)

        self.commands = self._make_actions()
        self.list.opened.connect(self.open_document)
        self.list.newRequested.connect(self.new_document)
        self.list.minutesRequested.connect(self.new_minutes)
        self.list.searchChanged.connect(self._search)
        self.list.selectionChanged.connect(self._update_actions)
        ops.changed.connect(self._changed)
        bridge.remote.connect(self._remote)
        bridge.peers.connect(self._peers)
        bridge.roundDone.connect(self.refresh)
        self._list_timer = QTimer(self, singleShot=True, interval=800)
        self._list_timer.timeout.connect(self.refresh)
        self.refresh()
        self._update_actions()

    # -- actions ---------------------------------------------------------------------------

    def _make_actions(self) -> dict[str, QAction]:
        made: dict[str, QAction] = {}

        def action(name: str, text: str, shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
                   slot: Callable[[], Any]) -> None:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            made[name] = act

        action("new", self.tr("Nouveau document"), QKeySequence.StandardKey.New, self.new_document)
        action("minutes", self.tr("Nouveau procès-verbal"), "Ctrl+Shift+N", self.new_minutes)
        action("export", self.tr("Exporter…"), QKeySequence.StandardKey.Save, self.export_current)
        action("close", self.tr("Fermer le document"), QKeySequence.StandardKey.Close,
               lambda: self.close_document(self.tabs.currentWidget()))
        action("find", self.tr("Rechercher"), QKeySequence.StandardKey.Find, self.list.focus_search)
        action("rename", self.tr("Renommer…"), "F2", self.rename_current)
        action("share", self.tr("Partager…"), "Ctrl+Shift+P", self.share_current)
        action("delete", self.tr("Supprimer…"), None, self.delete_current)
        # Suppr deletes only from the list: in the editor it deletes text.
        delete_key = QAction(self)
        delete_key.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete_key.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        delete_key.triggered.connect(self.delete_current)
        self.list.view.addAction(delete_key)
        return made

    def _target(self) -> str | None:
        """The document an action applies to: the open tab when the editor has focus, else the
        list's selection."""
        tab = self.tabs.currentWidget()
        if isinstance(tab, DocumentTab) and (tab.isAncestorOf(self.focusWidget()) or self.list.current() is None):
            return tab.doc_id
        return self.list.current() or (tab.doc_id if isinstance(tab, DocumentTab) else None)

    def _update_actions(self) -> None:
        has = self._target() is not None
        for name in ("rename", "share", "delete"):
            self.commands[name].setEnabled(has)
        self.commands["export"].setEnabled(isinstance(self.tabs.currentWidget(), DocumentTab) or has)
        self.commands["close"].setEnabled(self.tabs.count() > 0)

    # -- list --------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.ops.run(actions.list_documents, on_done=self._show_list)

    def _show_list(self, docs: list[DocInfo]) -> None:
        self.list.set_documents(docs)
        present = {d.id for d in docs}
        for doc_id, tab in list(self.tabs_by_id.items()):
            if doc_id not in present:  # its owner deleted it, or it is no longer shared with us
                self.close_document(tab)
                self.message.emit(self.tr("« {0} » a été supprimé par son propriétaire, ou ne vous est plus "
                                          "partagé.").format(tab.title()))
        self._update_actions()

    def _changed(self, changes: Changes) -> None:
        if changes.documents:
            self.refresh()
        elif changes.outbox:
            self._list_timer.start()

    def _search(self, text: str) -> None:
        if text:
            self.ops.run(lambda ctx: actions.matching(ctx, text), on_done=lambda ids: self.list.set_matches(text, ids))

    def new_document(self) -> None:
        self.ops.run(lambda ctx: actions.create(ctx, self.tr("Sans titre")), on_done=self._created,
                     on_error=self._error, changes=actions.LIST)

    def new_minutes(self) -> None:
        self.ops.run(actions.create_minutes, on_done=self._created, on_error=self._error, changes=actions.LIST)

    def _created(self, doc_id: str) -> None:
        self.bridge.sync_now()
        self.open_document(doc_id)

    # -- open documents ----------------------------------------------------------------------

    def open_document(self, doc_id: str) -> None:
        tab = self.tabs_by_id.get(doc_id)
        if tab is not None:
            self.tabs.setCurrentWidget(tab)
            tab.editor.setFocus()
            return
        self.ops.run(lambda ctx: actions.load(ctx, doc_id), on_done=self._show_loaded, on_error=self._error)

    def _show_loaded(self, loaded: actions.Loaded) -> None:
        if loaded.id in self.tabs_by_id:
            return
        doc: Doc = Doc(client_id=loaded.client_id)
        doc.apply_update(loaded.state)
        tab = DocumentTab(loaded.id, doc, loaded.role, self.identity.user or self.tr("Moi"), loaded.client_id)
        doc_id = loaded.id
        tab.editor.localUpdate.connect(lambda update: self._record(doc_id, bytes(update)))
        tab.editor.countsChanged.connect(lambda w, c: self._counts(tab, w, c))
        tab.presenceChanged.connect(lambda state: self.bridge.set_presence(doc_id, state))
        tab.titleChanged.connect(lambda title: self._retitle(tab, title))
        self.tabs_by_id[doc_id] = tab
        index = self.tabs.addTab(tab, loaded.title or self.tr("(sans titre)"))
        self.tabs.setTabToolTip(index, loaded.title)
        close = QToolButton()
        close.setIcon(icon("close", QColor("#666666")))
        close.setAutoRaise(True)
        close.setToolTip(self.tr("Fermer le document (Ctrl+W)"))
        close.setAccessibleName(self.tr("Fermer le document"))
        close.clicked.connect(lambda: self.close_document(tab))
        self.tabs.tabBar().setTabButton(index, QTabBar.ButtonPosition.RightSide, close)
        self.tabs.setCurrentIndex(index)
        self.right.setCurrentWidget(self.tabs)
        self.bridge.open_document(doc_id, bytes(doc.get_state()))
        tab.editor.setFocus()
        self._update_actions()

    def _record(self, doc_id: str, update: bytes) -> None:
        self.ops.run(lambda ctx: actions.record(ctx, doc_id, update), on_done=lambda _: self.bridge.push(doc_id),
                     on_error=self._error, changes=actions.EDIT)

    def close_document(self, tab: QWidget | None) -> None:
        if not isinstance(tab, DocumentTab):
            return
        self.tabs.removeTab(self.tabs.indexOf(tab))
        self.tabs_by_id.pop(tab.doc_id, None)
        self.bridge.close_document(tab.doc_id)
        self.ops.run(lambda ctx: actions.release(ctx, tab.doc_id))
        tab.deleteLater()
        if self.tabs.count() == 0:
            self.right.setCurrentWidget(self.placeholder)
            self.countsChanged.emit(-1, -1)
        self._update_actions()

    def _remote(self, doc_id: str, update: bytes) -> None:
        tab = self.tabs_by_id.get(doc_id)
        if tab is not None and update:
            tab.apply_remote(update)

    def _peers(self, doc_id: str, states: dict[int, dict[str, Any]]) -> None:
        tab = self.tabs_by_id.get(doc_id)
        if tab is not None:
            tab.set_peers(states)

    def _retitle(self, tab: DocumentTab, title: str) -> None:
        index = self.tabs.indexOf(tab)
        if index >= 0:
            self.tabs.setTabText(index, title or self.tr("(sans titre)"))
            self.tabs.setTabToolTip(index, title)
        self._list_timer.start()

    def _counts(self, tab: DocumentTab, words: int, chars: int) -> None:
        if self.tabs.currentWidget() is tab:
            self.countsChanged.emit(words, chars)

    def _current_changed(self, _: int) -> None:
        tab = self.tabs.currentWidget()
        if isinstance(tab, DocumentTab):
            self.countsChanged.emit(*tab.editor.counts())
            self.list.select(tab.doc_id)
        self._update_actions()

    # -- rename, share, delete, export ---------------------------------------------------------

    def _title_of(self, doc_id: str) -> str:
        tab = self.tabs_by_id.get(doc_id)
        return tab.title() if tab is not None else self.list.title_of(doc_id)

    def rename_current(self) -> None:
        doc_id = self._target()
        if doc_id is None:
            return
        title = ask_title(self, self._title_of(doc_id))
        if title is not None:
            self.ops.run(lambda ctx: actions.rename(ctx, doc_id, title),
                         on_done=lambda update: self._renamed(doc_id, update), on_error=self._error,
                         changes=actions.LIST)

    def _renamed(self, doc_id: str, update: bytes) -> None:
        self._remote(doc_id, update)
        self.bridge.push(doc_id)
        self.bridge.sync_now()

    def share_current(self) -> None:
        doc_id = self._target()
        if doc_id is None:
            return
        dialog = ShareDialog(self._title_of(doc_id), self.identity.user is not None, self)
        if dialog.exec():
            user, role = dialog.user, dialog.role
            self.ops.run(lambda ctx: actions.share(ctx, doc_id, user, role),
                         on_done=lambda _: self._shared(user), on_error=self._error, changes=actions.LIST)

    def _shared(self, user: str) -> None:
        self.bridge.sync_now()
        self.message.emit(self.tr("Partage avec {0} en cours d'envoi.").format(user))

    def delete_current(self) -> None:
        doc_id = self._target()
        if doc_id is None:
            return
        role = next((d.role for d in self._infos() if d.id == doc_id), "owner")
        if not confirm_delete(self, self._title_of(doc_id), role == "owner"):
            return
        self.close_document(self.tabs_by_id.get(doc_id))
        self.ops.run(lambda ctx: actions.delete(ctx, doc_id), on_done=lambda _: self.bridge.sync_now(),
                     on_error=self._error, changes=actions.LIST)

    def _infos(self) -> list[DocInfo]:
        return [self.list.model.item(r, 0).data(INFO_ROLE) for r in range(self.list.model.rowCount())]

    def export_current(self) -> None:
        tab = self.tabs.currentWidget()
        if not isinstance(tab, DocumentTab):
            doc_id = self.list.current()
            if doc_id is None:
                return
            self.open_document(doc_id)
            return
        name = (tab.title() or self.tr("document")).replace("/", "-")
        filters = [self.tr("Texte OpenDocument (*.odt)"), self.tr("PDF (*.pdf)"), self.tr("Page web (*.html)"),
                   self.tr("Markdown (*.md)"), self.tr("Texte brut (*.txt)")]
        path, chosen = QFileDialog.getSaveFileName(self, self.tr("Exporter le document"), str(Path.home() / name),
                                                   ";;".join(filters))
        if not path:
            return
        suffix = EXPORT_SUFFIXES[filters.index(chosen)] if chosen in filters else ".odt"
        target = Path(path) if Path(path).suffix.lower() in EXPORT_SUFFIXES else Path(path + suffix)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            export(OpenDoc(tab.doc_id, tab.doc, 0), target)
        except ParvisError as exc:
            self._error(exc)
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.message.emit(self.tr("Exporté vers {0}").format(target))

    def _error(self, error: ParvisError) -> None:
        QMessageBox.warning(self, self.tr("Parvis"), str(error))
