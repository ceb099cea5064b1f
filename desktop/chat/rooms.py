"""The room list: one line per room, its unread count in a badge, muted rooms dimmed, and a
mark for messages waiting to leave or refused. UI thread only."""

from __future__ import annotations

from PySide6.QtCore import QCollator, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from storage.chat import Room

ROOM_ROLE = Qt.ItemDataRole.UserRole + 1
ACCENT = "#000091"


def display_name(room: Room, me: str | None) -> str:
    """A channel's name; for a direct conversation, the other people in it (its name lists
    everyone, us included)."""
    if room.kind == "direct":
        others = [n for n in room.name.split(", ") if n and n != me]
        return ", ".join(others) or room.name
    return room.name or room.id[:8]


class _RoomDelegate(QStyledItemDelegate):
    def __init__(self, rooms: RoomList) -> None:
        super().__init__(rooms)
        self.rooms = rooms

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(option.rect.width(), QFontMetrics(option.font).height() + 16)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        room: Room | None = index.data(ROOM_ROLE)
        if room is None:
            return
        painter.save()
        rect = option.rect
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, QColor("#e3e3fd"))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, QColor("#f5f5fe"))
        font = QFont(option.font)
        font.setBold(room.unread > 0 and not room.muted)
        painter.setFont(font)
        right = rect.right() - 10
        if room.unread > 0:
            text = str(room.unread) if room.unread < 1000 else "999+"
            metrics = QFontMetrics(font)
            width = max(metrics.horizontalAdvance(text) + 12, metrics.height() + 2)
            badge = QRect(right - width, rect.center().y() - metrics.height() // 2 - 1, width, metrics.height() + 2)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#929292" if room.muted else ACCENT))
            painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
            right = badge.left() - 8
        marks = ("⚠ " if room.failed else "") + ("⏳ " if room.pending else "") + ("🔕" if room.muted else "")
        if marks:
            metrics = QFontMetrics(font)
            width = metrics.horizontalAdvance(marks)
            painter.setPen(QColor("#ce0500" if room.failed else "#666666"))
            painter.drawText(QRect(right - width, rect.top(), width, rect.height()),
                             Qt.AlignmentFlag.AlignVCenter, marks)
            right -= width + 6
        prefix = "@ " if room.kind == "direct" else "# "
        painter.setPen(QColor("#929292" if room.muted else "#161616"))
        text_rect = QRect(rect.left() + 12, rect.top(), right - rect.left() - 12, rect.height())
        name = QFontMetrics(font).elidedText(prefix + display_name(room, self.rooms.me), Qt.TextElideMode.ElideRight,
                                             text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)
        painter.restore()


class RoomList(QListWidget):
    def __init__(self, me: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.me = me
        self.setObjectName("rooms")
        self.setAccessibleName(self.tr("Salons de discussion"))
        self.setItemDelegate(_RoomDelegate(self))
        self.setMouseTracking(True)
        self.setUniformItemSizes(True)

    def show_rooms(self, rooms: list[Room], filter_text: str = "") -> None:
        """Show `rooms` (direct conversations after channels), keeping the selection."""
        current = self.current_id()
        needle = filter_text.casefold().strip()
        self.blockSignals(True)
        try:
            self.clear()
            collator = QCollator(self.locale())  # "Élus" before "Voirie", as a French reader expects
            collator.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            named = [(display_name(r, self.me), r) for r in rooms]
            for name, room in sorted(named, key=lambda nr: (nr[1].kind == "direct", collator.sortKey(nr[0]), nr[1].id)):
                if needle and needle not in name.casefold():
                    continue
                item = QListWidgetItem(name)
                item.setData(ROOM_ROLE, room)
                unread = self.tr("{0} non lus").format(room.unread) if room.unread else self.tr("rien de nouveau")
                item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{name}, {unread}")
                self.addItem(item)
                if room.id == current:
                    self.setCurrentItem(item)
        finally:
            self.blockSignals(False)

    def current_id(self) -> str | None:
        item = self.currentItem()
        room: Room | None = item.data(ROOM_ROLE) if item else None
        return room.id if room else None

    def select(self, room_id: str) -> None:
        for row in range(self.count()):
            room: Room | None = self.item(row).data(ROOM_ROLE)
            if room and room.id == room_id:
                self.setCurrentRow(row)
                return
