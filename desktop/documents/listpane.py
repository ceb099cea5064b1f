"""The document list: search, filter, and the documents, most recently changed first."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from storage.docs import DocInfo

ID_ROLE = Qt.ItemDataRole.UserRole + 1
INFO_ROLE = Qt.ItemDataRole.UserRole + 2
FILTERS = ("all", "mine", "shared", "pending")


def when(iso_utc: str) -> str:
    """'22/11/2026 14:52' in local time, in the UI's locale."""
    moment = QDateTime.fromString(iso_utc, Qt.DateFormat.ISODateWithMs)
    moment.setTimeZone(moment.timeZone().utc())
    local = moment.toLocalTime()
    return local.toString("dd/MM/yyyy HH:mm")


class _Filter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.kind = "all"
        self.text = ""
        self.matches: set[str] = set()

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        info: DocInfo = self.sourceModel().index(row, 0, parent).data(INFO_ROLE)
        if self.kind == "mine" and info.role != "owner" or self.kind == "shared" and info.role == "owner":
            return False
        if self.kind == "pending" and not info.pending:
            return False
        if self.text:
            return self.text.casefold() in info.title.casefold() or info.id in self.matches
        return True


class DocumentList(QWidget):
    """Emits `opened(doc_id)` on double-click or Entrée; `searchChanged(text)` asks the page
    for full-text matches, which come back through `set_matches`."""

    opened = Signal(str)
    selectionChanged = Signal()
    searchChanged = Signal(str)
    newRequested = Signal()
    minutesRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(placeholderText=self.tr("Rechercher dans les documents…"))
        self.search.setAccessibleName(self.tr("Rechercher dans les documents"))
        self.search.setClearButtonEnabled(True)
        self.filter = QComboBox()
        self.filter.setAccessibleName(self.tr("Filtrer les documents"))
        for label in (self.tr("Tous les documents"), self.tr("Mes documents"), self.tr("Partagés avec moi"),
                      self.tr("En attente d'envoi")):
            self.filter.addItem(label)
        self.model = QStandardItemModel(0, 4, self)
        self.model.setHorizontalHeaderLabels([self.tr("Titre"), self.tr("Modifié le"), self.tr("Accès"),
                                              self.tr("État")])
        self.proxy = _Filter()
        self.proxy.setSourceModel(self.model)
        self.view = QTreeView()
        self.view.setModel(self.proxy)
        self.view.setAccessibleName(self.tr("Liste des documents"))
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.view.header()
        header.setAccessibleName(self.tr("Colonnes de la liste"))
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.view.activated.connect(lambda index: self.opened.emit(index.data(ID_ROLE)))
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.selectionChanged.emit())

        self.empty = QWidget()
        empty_layout = QVBoxLayout(self.empty)
        empty_layout.addStretch(1)
        self.empty_text = QLabel(self.tr("<h3>Aucun document pour l'instant</h3>"
                                         "<p>Créez un document, ou un procès-verbal prêt à remplir.</p>"))
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text.setObjectName("emptyState")
        empty_layout.addWidget(self.empty_text)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for text, signal in ((self.tr("Nouveau document"), self.newRequested),
                             (self.tr("Nouveau procès-verbal"), self.minutesRequested)):
            button = QPushButton(text)
            button.setAccessibleName(text)
            button.clicked.connect(signal)
            buttons.addWidget(button)
        buttons.addStretch(1)
        empty_layout.addLayout(buttons)
        empty_layout.addStretch(2)
        self.no_match = QLabel(self.tr("Aucun document ne correspond."))
        self.no_match.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_match.setObjectName("emptyState")

        self.stack = QStackedWidget()
        for widget in (self.view, self.empty, self.no_match):
            self.stack.addWidget(widget)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(lambda: self.searchChanged.emit(self.search.text().strip()))
        self.search.textChanged.connect(self._text_changed)
        self.filter.currentIndexChanged.connect(self._filter_changed)
        self.has_account = False

    def set_documents(self, docs: list[DocInfo]) -> None:
        """Replace the list, keeping the selection. UI thread."""
        selected = self.current()
        self.model.removeRows(0, self.model.rowCount())
        roles = {"owner": self.tr("Propriétaire"), "editor": self.tr("Modification"),
                 "reader": self.tr("Lecture seule")}
        for info in docs:
            title = QStandardItem(info.title or self.tr("(sans titre)"))
            title.setData(info.id, ID_ROLE)
            title.setData(info, INFO_ROLE)
            title.setToolTip(info.title)
            state = (self.tr("{0} en attente").format(info.pending) if info.pending
                     else self.tr("À jour") if self.has_account else "")
            row = [title, QStandardItem(when(info.updated_at)), QStandardItem(roles.get(info.role, info.role)),
                   QStandardItem(state)]
            self.model.appendRow(row)
        self._refresh_stack()
        if selected:
            self.select(selected)

    def set_matches(self, text: str, ids: set[str]) -> None:
        if text == self.search.text().strip():
            self.proxy.matches = ids
            self.proxy.invalidate()
            self._refresh_stack()

    def current(self) -> str | None:
        index = self.view.currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def select(self, doc_id: str) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(ID_ROLE) == doc_id:
                self.view.setCurrentIndex(index)
                return

    def title_of(self, doc_id: str) -> str:
        for row in range(self.model.rowCount()):
            item = self.model.item(row, 0)
            if item.data(ID_ROLE) == doc_id:
                return str(item.data(INFO_ROLE).title)
        return ""

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _text_changed(self, text: str) -> None:
        self.proxy.text = text.strip()
        self.proxy.matches = set()
        self.proxy.invalidate()
        self._refresh_stack()
        if text.strip():
            self._debounce.start()

    def _filter_changed(self, index: int) -> None:
        self.proxy.kind = FILTERS[index]
        self.proxy.invalidate()
        self._refresh_stack()

    def _refresh_stack(self) -> None:
        if self.model.rowCount() == 0:
            self.stack.setCurrentWidget(self.empty)
        elif self.proxy.rowCount() == 0:
            self.stack.setCurrentWidget(self.no_match)
        else:
            self.stack.setCurrentWidget(self.view)
