"""The « Fichiers » module (banque documentaire): the shared folders on the left, with their sync
state and where they sync on this PC; the files of the chosen one on the right, each with its
state; the transfers under way below.

The list and the states come from the store (the operations worker; a scan of the disk needs no
network), so that everything here works offline but what asks the server (a new folder,
sharing, versions), which goes through the sync bridge. The synced folder holds plain files:
the page says so. UI thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, QSize, QSortFilterProxyModel, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QColor, QDesktopServices, QKeySequence, QShowEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from storage.chat import human_size
from storage.files import CONFLICT, ERROR, PENDING, SYNCED, FilesStore, FileState, Folder, FolderState
from sync import files

from ..documents.actions import Identity
from ..ops import Ops
from ..syncbridge import SyncBridge
from .dialogs import NewFolderDialog, ShareFolderDialog, VersionsDialog, when
from .progress import TransfersView

FOLDER_ID = Qt.ItemDataRole.UserRole + 1
PATH_ROLE = Qt.ItemDataRole.UserRole + 2
STATE_ROLE = Qt.ItemDataRole.UserRole + 3
COLOURS = {SYNCED: "#18753c", PENDING: "#0063cb", CONFLICT: "#b34000", ERROR: "#ce0500"}
CLI_HINT = "« parvis files sync-folder »"


@dataclass(frozen=True)
class Listing:
    """What the page shows, read in one go on the operations worker."""

    folders: list[Folder]
    states: dict[str, FolderState]
    files: list[tuple[FileState, int | None, float | None]]  # the selected folder's, with the local size, mtime


def read(conn: Any, selected: str | None, scan: bool) -> Listing:
    """The folders and their states, and the files of `selected` (scanned first when `scan`:
    what changed on the disk since the last round shows as pending). Operations worker."""
    store = FilesStore(conn)
    if scan:
        for folder in store.synced_folders():
            files.local_status(conn, folder.id)
    folders = store.folders()
    states = {s.folder.id: s for s in store.folder_states()}
    listed: list[tuple[FileState, int | None, float | None]] = []
    chosen = next((f for f in folders if f.id == selected), None)
    if chosen is not None and chosen.local_path is not None:
        root = Path(chosen.local_path)
        for state in store.file_states(chosen.id):
            try:
                st = os.stat(root / state.path)
                listed.append((state, st.st_size, st.st_mtime))
            except OSError:
                listed.append((state, state.size, None))
    return Listing(folders, states, listed)


class BankPage(QWidget):
    """Emits `message(text)` for the status bar and `loaded()` once a listing is shown."""

    message = Signal(str)
    loaded = Signal()

    def __init__(self, ops: Ops, bridge: SyncBridge, identity: Identity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops, self.bridge, self.identity = ops, bridge, identity
        self.listing = Listing([], {}, [])
        self.current: str | None = None
        self.dialog: QWidget | None = None
        self.opened: list[Path] = []  # what was handed to the system (tests read it)
        self._stale = True

        new = QPushButton(self.tr("Nouveau dossier partagé…"))
        new.setToolTip(self.tr("Créer un dossier partagé sur le serveur, pour un service ou des personnes"))
        new.clicked.connect(self.new_folder)
        heading = QLabel(self.tr("Dossiers partagés"))
        heading.setObjectName("hint")
        self.folder_list = QListWidget()
        self.folder_list.setObjectName("bankFolders")
        self.folder_list.setAccessibleName(self.tr("Dossiers partagés"))
        self.folder_list.currentItemChanged.connect(self._folder_chosen)
        self.server_note = QLabel()
        self.server_note.setObjectName("hint")
        self.server_note.setWordWrap(True)
        self.server_note.hide()
        self.choose = QPushButton(self.tr("Synchroniser dans un dossier…"))
        self.choose.setToolTip(self.tr("Choisir le dossier de ce poste où ce dossier partagé se synchronise"))
        self.choose.clicked.connect(lambda: self.choose_local_folder())
        self.open_folder = QPushButton(self.tr("Ouvrir le dossier"))
        self.open_folder.setToolTip(self.tr("Ouvrir le dossier synchronisé dans l'explorateur de fichiers"))
        self.open_folder.clicked.connect(self.open_local_folder)
        self.share = QPushButton(self.tr("Partager…"))
        self.share.setToolTip(self.tr("Voir les membres du dossier et en ajouter (propriétaires)"))
        self.share.clicked.connect(self.share_folder)
        self.stop = QPushButton(self.tr("Arrêter la synchronisation"))
        self.stop.setToolTip(self.tr("Ne plus synchroniser ce dossier sur ce poste : ses fichiers restent où "
                                     "ils sont"))
        self.stop.clicked.connect(self.stop_syncing)
        left = QWidget()
        left.setFixedWidth(300)
        side = QVBoxLayout(left)
        side.setContentsMargins(8, 8, 8, 8)
        side.setSpacing(8)
        side.addWidget(QLabel(self.tr("<b>Fichiers</b>")))
        side.addWidget(new)
        side.addSpacing(4)
        side.addWidget(heading)
        side.addWidget(self.folder_list, 1)
        side.addWidget(self.server_note)
        for button in (self.choose, self.open_folder, self.share, self.stop):
            side.addWidget(button)

        self.title = QLabel()
        self.title.setObjectName("bankTitle")
        self.where = QLabel()
        self.where.setObjectName("hint")
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice = QLabel()
        self.notice.setObjectName("error")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.search = QLineEdit(placeholderText=self.tr("Filtrer les fichiers…"))
        self.search.setAccessibleName(self.tr("Filtrer les fichiers par nom"))
        self.search.setClearButtonEnabled(True)
        self.open_file = QPushButton(self.tr("Ouvrir"))
        self.open_file.setToolTip(self.tr("Ouvrir le fichier avec son application (Ctrl+O)"))
        self.open_file.clicked.connect(lambda: self.open_selected())
        self.versions = QPushButton(self.tr("Versions…"))
        self.versions.setToolTip(self.tr("Les versions gardées sur le serveur, et en restaurer une"))
        self.versions.clicked.connect(lambda: self.show_versions())
        tools = QHBoxLayout()
        tools.addWidget(self.search, 1)
        tools.addWidget(self.open_file)
        tools.addWidget(self.versions)

        self.model = QStandardItemModel(0, 4, self)
        self.model.setHorizontalHeaderLabels([self.tr("Nom"), self.tr("État"), self.tr("Taille"),
                                              self.tr("Modifié le")])
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = QTreeView()
        self.view.setObjectName("bankFiles")
        self.view.setAccessibleName(self.tr("Fichiers du dossier"))
        self.view.setModel(self.proxy)
        self.view.setRootIsDecorated(False)
        self.view.setAlternatingRowColors(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # the extension and a conflict's date show
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._file_menu)
        self.view.doubleClicked.connect(lambda index: self.open_selected(index))
        self.view.selectionModel().currentChanged.connect(lambda *_: self._enable())
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        for column, width in ((1, 150), (2, 90), (3, 140)):
            header.resizeSection(column, width)
        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.transfers = TransfersView(bridge.transfers)
        note = QLabel(self.tr("Les fichiers du dossier synchronisé sont des fichiers ordinaires : toute personne "
                              "qui accède au disque de ce poste peut les lire, contrairement au reste de Parvis, "
                              "chiffré dans votre profil. Activez le chiffrement du disque (BitLocker sous "
                              "Windows)."))
        note.setObjectName("plainFilesNote")
        note.setWordWrap(True)
        right = QWidget()
        main = QVBoxLayout(right)
        main.setContentsMargins(12, 8, 12, 8)
        main.setSpacing(8)
        main.addWidget(self.title)
        main.addWidget(self.where)
        main.addWidget(self.notice)
        main.addLayout(tools)
        main.addWidget(self.view, 1)
        main.addWidget(self.empty, 1)
        main.addWidget(self.transfers)
        main.addWidget(note)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(left)
        layout.addWidget(right, 1)
        self.setStyleSheet("QListWidget#bankFolders { border: 1px solid #e5e5e5; border-radius: 4px; outline: 0; }"
                           "QListWidget#bankFolders::item { border-bottom: 1px solid #f0f0f0; }"
                           "QListWidget#bankFolders::item:selected { background: #e3e3fd; }"
                           "QLabel#bankTitle { font-size: 13pt; font-weight: bold; }"
                           "QLabel#plainFilesNote { background: #f5f5fe; border-radius: 4px; padding: 8px 10px;"
                           " color: #3a3a3a; }"
                           "QWidget#transfers { background: #fafafa; border-radius: 4px; }"
                           "QProgressBar { border: none; background: #e5e5e5; border-radius: 4px; }"
                           "QProgressBar::chunk { background: #000091; border-radius: 4px; }")

        self.open_action = QAction(self.tr("Ouvrir"), self)
        self.open_action.setShortcut(QKeySequence("Ctrl+O"))
        self.open_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.open_action.triggered.connect(lambda: self.open_selected())
        self.versions_action = QAction(self.tr("Versions…"), self)
        self.versions_action.triggered.connect(lambda: self.show_versions())
        self.addAction(self.open_action)
        bridge.roundDone.connect(self._round_done)
        bridge.foldersRefreshed.connect(self._folders_refreshed)
        self._show_folder()

    # -- reading -------------------------------------------------------------------------

    def refresh(self, scan: bool = True) -> None:
        """Read the folders and the selected folder's files again (scanning the disk first)."""
        selected = self.current
        self.ops.run(lambda ctx: read(ctx.conn, selected, scan), on_done=self._show)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.transfers.timer.start()
        if self._stale:
            self._stale = False
            self.refresh()
            if self.identity.user is not None:
                self.bridge.refresh_folders()  # folders shared with us since

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.transfers.timer.stop()

    def _round_done(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def _folders_refreshed(self, error: str) -> None:
        self.server_note.setText(self.tr("Hors ligne : liste des dossiers enregistrée sur ce poste.") if error else "")
        self.server_note.setToolTip(error)
        self.server_note.setVisible(bool(error))
        self.refresh(scan=False)

    def _show(self, listing: Listing) -> None:
        self.listing = listing
        self.folder_list.blockSignals(True)
        self.folder_list.clear()
        for folder in listing.folders:
            self._add_folder_item(folder)
        self.folder_list.blockSignals(False)
        ids = [f.id for f in listing.folders]
        if self.current not in ids:
            self.current = ids[0] if ids else None
            if self.current is not None:
                self.refresh(scan=False)  # its files
        if self.current is not None:
            self.folder_list.setCurrentRow(ids.index(self.current))
        self._show_folder()
        self.loaded.emit()

    def _add_folder_item(self, folder: Folder) -> None:
        text, kind, detail = self.folder_state(folder)
        colour = COLOURS.get(kind, "#666666")
        where = folder.local_path or self.tr("Non synchronisé sur ce poste")
        metrics = self.folder_list.fontMetrics()
        shown = [metrics.elidedText(t, Qt.TextElideMode.ElideMiddle if t is where else Qt.TextElideMode.ElideRight,
                                    250) for t in (folder.name, text, where)]
        label = QLabel(f"<b>{_html(shown[0])}</b><br><span style='color:{colour}'>{_html(shown[1])}</span>"
                       f"<br><span style='color:#666666'>{_html(shown[2])}</span>")
        label.setContentsMargins(8, 6, 8, 6)
        label.setToolTip(detail or where)
        item = QListWidgetItem()
        item.setData(FOLDER_ID, folder.id)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{folder.name}, {text}, {where}")
        item.setSizeHint(QSize(260, label.sizeHint().height()))
        self.folder_list.addItem(item)
        self.folder_list.setItemWidget(item, label)

    def folder_state(self, folder: Folder) -> tuple[str, str, str]:
        """(what the list says, its kind: synced, pending, conflict, error or "", the full error)."""
        if folder.local_path is None:
            return self.tr("Non synchronisé"), "", ""
        if folder.error:
            # "dossier local X introuvable (disque débranché…) : rien n'est supprimé…": the path
            # is on the line below, the whole text in the tooltip and above the files.
            short = folder.error.split(" : ")[0].split(" (")[0].replace(f" {folder.local_path}", "")
            return short[:1].upper() + short[1:], ERROR, self.readable(folder.error)
        state = self.listing.states.get(folder.id)
        if state is None:
            return self.tr("En attente de synchronisation"), PENDING, ""
        parts, kind = [], SYNCED
        if state.conflicts:
            parts.append(self.tr("{0} conflit(s)").format(state.conflicts))
            kind = CONFLICT
        if state.errors:
            parts.append(self.tr("{0} erreur(s)").format(state.errors))
            kind = ERROR
        if state.pending:
            parts.append(self.tr("{0} en attente").format(state.pending))
            kind = PENDING if kind == SYNCED else kind
        if not parts and folder.last_sync is None:
            return self.tr("En attente de synchronisation"), PENDING, ""
        return (" · ".join(parts) or self.tr("À jour")), kind, ""

    def readable(self, error: str) -> str:
        """The store's error words, with the app's action instead of the command line's."""
        return error.replace(CLI_HINT, self.tr("« Synchroniser dans un dossier… »"))

    def select_folder(self, folder_id: str) -> None:
        """Show the folder `folder_id` (its files come with the next read)."""
        for row in range(self.folder_list.count()):
            if self.folder_list.item(row).data(FOLDER_ID) == folder_id:
                self.folder_list.setCurrentRow(row)

    def selected_folder(self) -> Folder | None:
        return next((f for f in self.listing.folders if f.id == self.current), None)

    def _folder_chosen(self, item: QListWidgetItem | None) -> None:
        folder_id = item.data(FOLDER_ID) if item is not None else None
        if folder_id == self.current:
            return
        self.current = folder_id
        self.notice.hide()
        self.model.removeRows(0, self.model.rowCount())
        self._show_folder()
        self.refresh(scan=False)

    def _show_folder(self) -> None:
        folder = self.selected_folder()
        self.title.setText(folder.name if folder else self.tr("Aucun dossier partagé"))
        synced = folder is not None and folder.local_path is not None
        if folder is None:
            self.where.setText("")
            self.empty.setText(self.tr("Aucun dossier partagé pour l'instant. Créez-en un pour votre service avec "
                                       "« Nouveau dossier partagé… », ou demandez à un collègue de vous en "
                                       "partager un."))
        elif not synced:
            self.where.setText(self.tr("Non synchronisé sur ce poste"))
            self.empty.setText(self.tr("Ce dossier n'est pas encore sur ce poste. Choisissez « Synchroniser dans "
                                       "un dossier… » : ses fichiers y arriveront, et ce que vous y enregistrez "
                                       "partira vers le serveur."))
        else:
            assert folder.local_path is not None
            self.where.setText(self.tr("Synchronisé dans {0}").format(folder.local_path))
        if folder is not None and folder.error:
            self.notice.setText(self.readable(folder.error))
            self.notice.show()
        if synced:
            self._fill_files()
        self.view.setVisible(synced)
        self.empty.setVisible(not synced)
        self._enable()

    def _fill_files(self) -> None:
        names = {SYNCED: self.tr("✓ À jour"), PENDING: self.tr("⏳ En attente"), CONFLICT: self.tr("⚠ Conflit"),
                 ERROR: self.tr("✖ Erreur")}
        current = self.current_path()
        self.model.removeRows(0, self.model.rowCount())
        for state, size_now, mtime in self.listing.files:
            name = QStandardItem(state.path)
            name.setData(state.path, PATH_ROLE)
            name.setData(state.path.casefold(), Qt.ItemDataRole.UserRole)
            name.setToolTip(state.path)
            status = QStandardItem(names.get(state.state, state.state))
            status.setData(state.state, STATE_ROLE)
            status.setData(state.state, Qt.ItemDataRole.UserRole)
            status.setForeground(QColor(COLOURS.get(state.state, "#3a3a3a")))
            status.setToolTip(state.message or status.text())
            size = QStandardItem("" if size_now is None else human_size(size_now))
            size.setData(size_now or 0, Qt.ItemDataRole.UserRole)
            size.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            modified = QStandardItem("" if mtime is None else when(mtime))
            modified.setData(mtime or 0.0, Qt.ItemDataRole.UserRole)
            self.model.appendRow([name, status, size, modified])
        if current is not None:
            for row in range(self.proxy.rowCount()):
                if self.proxy.index(row, 0).data(PATH_ROLE) == current:
                    self.view.setCurrentIndex(self.proxy.index(row, 0))

    def _enable(self) -> None:
        folder = self.selected_folder()
        synced = folder is not None and folder.local_path is not None
        has_file = synced and self.current_path() is not None
        self.choose.setEnabled(folder is not None)
        self.open_folder.setEnabled(synced)
        self.share.setEnabled(folder is not None)
        self.stop.setEnabled(synced)
        for widget in (self.open_file, self.versions, self.open_action, self.versions_action):
            widget.setEnabled(has_file)
        self.search.setEnabled(synced)

    def current_path(self) -> str | None:
        index = self.view.currentIndex()
        return index.siblingAtColumn(0).data(PATH_ROLE) if index.isValid() else None

    def select_file(self, path: str) -> bool:
        """Make `path` the current file; False when it is not listed."""
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(PATH_ROLE) == path:
                self.view.setCurrentIndex(self.proxy.index(row, 0))
                return True
        return False

    def file_state(self, path: str) -> str | None:
        """The state shown for `path` (synced, pending, conflict, error), or None."""
        for row in range(self.model.rowCount()):
            if self.model.item(row, 0).data(PATH_ROLE) == path:
                return str(self.model.item(row, 1).data(STATE_ROLE))
        return None

    # -- local actions -------------------------------------------------------------------

    def _say(self, text: str, error: bool = False) -> None:
        if error:
            self.notice.setText(text)
            self.notice.show()
        else:
            self.notice.hide()
            self.message.emit(text)

    def ask_directory(self, folder: Folder) -> Path | None:
        """Ask where `folder` should sync, with a word on plain files; None when cancelled."""
        dialog = QFileDialog(self, self.tr("Synchroniser « {0} » dans un dossier").format(folder.name))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        # Qt's own dialog, so that the note below can sit in it.
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        note = QLabel(self.tr("Les fichiers de ce dossier seront des fichiers ordinaires, lisibles par toute "
                              "personne qui accède au disque de ce poste (le reste de Parvis est chiffré). "
                              "Activez le chiffrement du disque (BitLocker sous Windows)."))
        note.setObjectName("plainFilesNote")
        note.setWordWrap(True)
        grid = dialog.layout()
        if isinstance(grid, QGridLayout):
            grid.addWidget(note, grid.rowCount(), 0, 1, grid.columnCount())
        if not dialog.exec() or not dialog.selectedFiles():
            return None
        return Path(dialog.selectedFiles()[0])

    def choose_local_folder(self, where: Path | None = None) -> None:
        """Sync the selected folder into `where` (asked when None). What the API refuses (the
        profile's folder, another synced folder's) is said, and nothing changes."""
        folder = self.selected_folder()
        if folder is None:
            return
        where = where or self.ask_directory(folder)
        if where is None:
            return
        profile = self.bridge.profile

        def chosen(root: Path) -> None:
            self._say(self.tr("« {0} » se synchronise dans {1}.").format(folder.name, root))
            self.bridge.watch_folders()
            self.refresh()

        self.ops.run(lambda ctx: files.choose_folder(ctx.conn, folder.id, where, profile), on_done=chosen,
                     on_error=lambda exc: self._say(str(exc), error=True))

    def stop_syncing(self) -> None:
        """Stop syncing the selected folder here; its files stay on the disk."""
        folder = self.selected_folder()
        if folder is None or folder.local_path is None:
            return

        def stopped(_: None) -> None:
            self._say(self.tr("« {0} » n'est plus synchronisé sur ce poste ; ses fichiers restent dans {1}.")
                      .format(folder.name, folder.local_path))
            self.bridge.watch_folders()
            self.refresh()

        self.ops.run(lambda ctx: files.stop_syncing(ctx.conn, folder.id), on_done=stopped,
                     on_error=lambda exc: self._say(str(exc), error=True))

    def open_local_folder(self) -> None:
        folder = self.selected_folder()
        if folder is not None and folder.local_path is not None:
            self._hand_over(Path(folder.local_path))

    def open_selected(self, index: QModelIndex | None = None) -> None:
        """Open the current file (or the one at `index`) with the system's application."""
        folder = self.selected_folder()
        path = (index.siblingAtColumn(0).data(PATH_ROLE) if index is not None and index.isValid()
                else self.current_path())
        if folder is None or folder.local_path is None or path is None:
            return
        target = Path(folder.local_path) / path
        if not target.exists():
            self._say(self.tr("« {0} » n'est pas (ou plus) sur ce poste.").format(path), error=True)
            return
        self._hand_over(target)

    def _hand_over(self, path: Path) -> None:
        self.opened.append(path)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _file_menu(self, pos: QPoint) -> None:
        if not self.view.indexAt(pos).isValid():
            return
        self.view.setCurrentIndex(self.view.indexAt(pos))
        menu = QMenu(self)
        menu.addAction(self.open_action)
        menu.addAction(self.versions_action)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    # -- what needs the server -------------------------------------------------------------

    def _keep(self, dialog: QWidget) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def new_folder(self) -> NewFolderDialog:
        dialog = NewFolderDialog(self.bridge, self)
        dialog.accepted.connect(lambda: self._created(dialog.created))
        self._keep(dialog)
        return dialog

    def _created(self, folder_id: str) -> None:
        self.current = folder_id
        self._say(self.tr("Dossier partagé créé : choisissez où le synchroniser sur ce poste."))
        self.refresh(scan=False)

    def share_folder(self) -> ShareFolderDialog | None:
        folder = self.selected_folder()
        if folder is None:
            return None
        dialog = ShareFolderDialog(self.bridge, folder, self)
        self._keep(dialog)
        return dialog

    def show_versions(self) -> VersionsDialog | None:
        path = self.current_path()
        if self.current is None or path is None:
            return None
        dialog = VersionsDialog(self.bridge, self.current, path, self)
        dialog.finished.connect(lambda _: self.refresh())
        self._keep(dialog)
        return dialog


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

