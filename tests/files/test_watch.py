"""The watcher, on real watchdog events: lock files and temp files never wake the sync; a file
still being written wakes it only once closed (settled), with its final size; a LibreOffice-like
save (temp file, then rename over the document) wakes it once."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from sync.files.watch import FolderWatcher

SETTLE = 1.0


def test_the_watcher_waits_for_closed_files_and_ignores_lock_files(tmp_path: Path) -> None:
    root = tmp_path / "Urbanisme"
    root.mkdir()
    target = root / "pv.odt"
    fired: list[tuple[str, int]] = []
    woken = threading.Event()

    def ready(folder_id: str) -> None:
        fired.append((folder_id, target.stat().st_size if target.exists() else -1))
        woken.set()

    watcher = FolderWatcher(ready, settle=SETTLE, poll=0.05)
    watcher.watch("f1", root)
    watcher.start()
    try:
        (root / ".~lock.pv.odt#").write_text("alice,PC,01.01.2026")
        (root / ".parvis-tmp-0123456789abcdef").write_bytes(b"x")
        (root / "~$budget.docx").write_bytes(b"x")
        (root / "sauvegarde.tmp").write_bytes(b"x")
        assert not woken.wait(SETTLE * 3)

        with open(target, "wb") as f:  # written in pieces, with pauses shorter than the delay
            for _ in range(10):
                f.write(b"a" * 1000)
                f.flush()
                time.sleep(0.05)
        assert woken.wait(20)
        assert fired == [("f1", 10_000)]

        woken.clear()
        fired.clear()
        temp = root / "lu1234abcd.tmp"
        temp.write_bytes(b"b" * 5000)
        os.replace(temp, target)
        assert woken.wait(20)
        woken.clear()
        assert not woken.wait(SETTLE * 3)  # once, not once per event
        assert fired == [("f1", 5000)]

        woken.clear()
        fired.clear()
        target.unlink()  # a delete wakes it too
        assert woken.wait(20)
        assert fired == [("f1", -1)]
    finally:
        watcher.stop()
