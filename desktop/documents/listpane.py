"""The document list: search, filter, and the documents, most recently changed first."""

from __future__ import annotations

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    QTimeZone,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from storage.docs import DocInfo

ID_ROLE = Qt.ItemDataRole.UserRole + 1
INFO_ROLE = Qt.ItemDataRole.UserRole + 2
FILTERS = ("all", "mine", "shared", "pending")


def when(iso_utc: str) -> str:
    """'aujourd'hui à 14:52', 'hier à 09:10' or '22/11/2026 à 14:52', in local time (translated)."""
    moment = QDateTime.fromString(iso_utc, Qt.DateFormat.ISODateWithMs)
    moment.setTimeZone(QTimeZone.utc())
    local = moment.toLocalTime()
    days = local.date().daysTo(QDate.currentDate())
    if days == 0:
        return local.toString(QCoreApplication.translate("DocumentList", "'aujourd''hui à' HH:mm"))
    if days == 1:
        return local.toString(QCoreApplication.translate("DocumentList", "'hier à' HH:mm"))
    return local.toString(QCoreApplication.translate("DocumentList", "'le' dd/MM/yyyy 'à' HH:mm"))


class _Delegate(QStyledItemDelegate):
    """Two lines per document: the title, then when it changed, the access and what is
    waiting to be sent, in grey."""

    def __init__(self, pane: DocumentList) -> None:
        super().__init__(pane)
        self.pane = pane

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(option.rect.width(), option.fontMetrics.height() * 2 + 18)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        info: DocInfo = index.data(INFO_ROLE)
        style = option.widget.style() if option.widget else None
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        rect = option.rect.adjusted(12, 7, -12, -7)
        line = option.fontMetrics.height()
        painter.save()
        title_font = QFont(option.font)
        title_font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(title_font)
        painter.setPen(QColor("#161616"))
        title = index.data(Qt.ItemDataRole.DisplayRole)
        painter.drawText(rect.adjusted(0, 0, 0, -line), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                         QFontMetrics(title_font).elidedText(title, Qt.TextElideMode.ElideRight, rect.width()))
        painter.setFont(option.font)
        painter.setPen(QColor("#666666"))
        detail = self.pane.detail(info)
        painter.drawText(rect.adjusted(0, line + 2, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                         option.fontMetrics.elidedText(detail, Qt.TextElideMode.ElideRight, rect.width()))
        painter.restore()


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
        self.model = QStandardItemModel(0, 1, self)
        self.proxy = _Filter()
        self.proxy.setSourceModel(self.model)
        self.view = QListView()
        self.view.setModel(self.proxy)
        self.view.setObjectName("documents")
        self.view.setAccessibleName(self.tr("Liste des documents"))
        self.view.setItemDelegate(_Delegate(self))
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.roles = {"owner": self.tr("Propriétaire"), "editor": self.tr("Modification"),
                      "reader": self.tr("Lecture seule")}
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
        for info in docs:
            title = QStandardItem(info.title or self.tr("(sans titre)"))
            title.setData(info.id, ID_ROLE)
            title.setData(info, INFO_ROLE)
            title.setToolTip(info.title)
            title.setData(f"{info.title}, {self.detail(info)}", Qt.ItemDataRole.AccessibleTextRole)
            self.model.appendRow(title)
        self._refresh_stack()
        if selected:
            self.select(selected)

    def detail(self, info: DocInfo) -> str:
        """The grey line under a title: when, access, and (with a server) what waits."""
        parts = [self.tr("Modifié {0}").format(when(info.updated_at))]
        if info.role != "owner":  # one's own documents are the rule; say only when shared with us
            parts.append(self.tr("Partagé, {0}").format(self.roles.get(info.role, info.role).lower()))
        if self.has_account:
            parts.append(self.tr("synchronisé") if not info.pending else self.tr("à envoyer"))
        return " · ".join(parts)

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
