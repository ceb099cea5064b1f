"""Files shown or handed over by the modules (chat and mail attachments). UI thread only."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from storage.chat import human_size


def files_label(paths: list[Path]) -> str:
    """"📎 plan.pdf (1,2 Mo)   📎 photo.jpg (840,0 Ko)": files about to be attached."""
    parts = []
    for path in paths:
        try:
            parts.append(f"📎 {path.name} ({human_size(path.stat().st_size)})")
        except OSError:
            parts.append(f"📎 {path.name}")
    return "   ".join(parts)


class OpenedFiles:
    """Hands an attachment to the computer's usual application. The store keeps it encrypted;
    the application needs a file, so a copy goes to a private temporary folder outside the
    profile (only this user can read it), removed by `cleanup` when Parvis quits."""

    def __init__(self) -> None:
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self.last: Path | None = None

    def open(self, name: str, data: bytes) -> Path:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="parvis-")
        safe = "".join(c for c in Path(name).name if c not in '<>:"/\\|?*\x00').strip(". ") or "piece-jointe"
        path = Path(self._folder.name) / safe
        path.write_bytes(data)
        self.last = path
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return path

    def cleanup(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
