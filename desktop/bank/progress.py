"""The transfers under way, under the file list: name, a bar, bytes done and the speed. UI thread."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

from storage.chat import human_size
from sync.files import Transfer
from sync.files.progress import UP

POLL_MS = 250  # the snapshot is read at most 4 times a second, only while the page shows


def speed_text(bytes_per_second: float) -> str:
    """'3,2 Mo/s', '512 octets/s'."""
    return f"{human_size(int(bytes_per_second))}/s"


def progress_text(t: Transfer) -> str:
    """'12,0 Mo sur 48,0 Mo · 3,2 Mo/s'."""
    return f"{human_size(t.done)} / {human_size(t.total)} · {speed_text(t.speed)}"


class TransfersView(QWidget):
    """One row per transfer under way (finished ones drop out); hidden when there is none.
    `source()` returns the current snapshot (`SyncBridge.transfers`)."""

    def __init__(self, source: Callable[[], list[Transfer]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.setObjectName("transfers")
        self.setAccessibleName(self.tr("Transferts en cours"))
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(8, 6, 8, 6)
        self.grid.setHorizontalSpacing(12)
        self.grid.setColumnStretch(1, 1)
        self.rows: dict[tuple[str, str, str], tuple[QLabel, QProgressBar, QLabel]] = {}
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.hide()

    def poll(self) -> None:
        self.show_transfers(self.source())

    def show_transfers(self, snapshot: list[Transfer]) -> None:
        """Show the transfers of `snapshot` not finished yet."""
        running = {(t.folder, t.path, t.direction): t for t in snapshot if not t.finished}
        for key in set(self.rows) - set(running):
            for widget in self.rows.pop(key):
                self.grid.removeWidget(widget)
                widget.deleteLater()
        for key, t in sorted(running.items(), key=lambda kv: kv[0][1].casefold()):
            if key not in self.rows:
                arrow = "↑" if t.direction == UP else "↓"
                name = QLabel(f"{arrow} {t.path}")
                name.setToolTip(self.tr("Envoi vers le serveur") if t.direction == UP else
                                self.tr("Réception depuis le serveur"))
                bar = QProgressBar()
                bar.setRange(0, 1000)
                bar.setTextVisible(False)
                bar.setFixedHeight(8)
                bar.setAccessibleName(self.tr("Progression de {0}").format(t.path))
                detail = QLabel()
                detail.setObjectName("hint")
                row = self.grid.rowCount()
                self.grid.addWidget(name, row, 0)
                self.grid.addWidget(bar, row, 1)
                self.grid.addWidget(detail, row, 2)
                self.rows[key] = (name, bar, detail)
            _, bar, detail = self.rows[key]
            bar.setValue(int(t.fraction * 1000))
            detail.setText(progress_text(t))
        self.setVisible(bool(self.rows))
