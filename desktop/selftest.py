"""`parvis --self-test`: does this installation work? For municipal IT after a deployment, and
for the MSI smoke test. It touches no real profile: everything happens in a temporary folder,
and the window is built offscreen (never shown)."""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _steps(tmp: Path) -> list[tuple[str, Callable[[], object]]]:
    from storage import search
    from storage.docs import DocStore, insert_text
    from storage.vault import Vault

    state: dict[str, object] = {}
    text = "Procès-verbal : séance ouverte à 18 h 😀"

    def store() -> None:
        vault = Vault.create(tmp / "profile", secrets.token_urlsafe(16))
        _opened.append(vault)
        docs = DocStore(vault.conn)
        doc_id = docs.create("Auto-test")
        docs.edit(docs.open(doc_id), lambda od: insert_text(od, None, text))
        if docs.open(doc_id).text() != text:
            raise AssertionError("le texte relu diffère du texte écrit")
        search.refresh(vault.conn, {"doc": docs.search_content})
        if [hit.ref for hit in search.query(vault.conn, "séance")] != [doc_id]:
            raise AssertionError("la recherche ne trouve pas le document")
        state.update(vault=vault, doc_id=doc_id)

    def window() -> None:
        from .app import application, start_window
        from .ops import Ops

        vault = state["vault"]
        app = application()
        win = start_window(vault, Ops(vault))  # type: ignore[arg-type]
        deadline = time.monotonic() + 20
        while win.documents.list.model.rowCount() != 1 and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        rows = win.documents.list.model.rowCount()
        win.close()
        if rows != 1:
            raise AssertionError(f"la liste affiche {rows} document(s) au lieu d'un")

    def export() -> None:
        from editors.export import export as write
        from storage.docs import DocStore

        vault = state["vault"]
        docs = DocStore(vault.conn)  # type: ignore[attr-defined]
        target = write(docs.open(str(state["doc_id"])), tmp / "auto-test.odt")
        with zipfile.ZipFile(target) as odt:
            if "séance ouverte" not in odt.read("content.xml").decode():
                raise AssertionError("le texte manque dans l'ODT")

    return [("stockage chiffré, document et recherche", store), ("fenêtre de l'application", window),
            ("export ODT", export)]


def run() -> int:
    """Run every step, print one line each, and return the exit status (0: all passed)."""
    if sys.platform not in ("win32", "darwin"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    else:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # never show a window to the person testing
    if (sys.stdout.encoding or "").lower().replace("-", "") != "utf8":
        # Windows writes redirected output in the ANSI code page, which has no ✓.
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    # On Windows an open database cannot be deleted: a failed step must not hide its own
    # message behind the cleanup's.
    with tempfile.TemporaryDirectory(prefix="parvis-auto-test-", ignore_cleanup_errors=True) as folder:
        steps = _steps(Path(folder))
        try:
            for label, step in steps:
                try:
                    step()
                except Exception as exc:  # report any failure as the step's, then stop
                    print(f"✗ {label} : {exc!r}")
                    print("Auto-test de Parvis : ÉCHEC.")
                    return 1
                print(f"✓ {label}")
        finally:
            _close_all()
    print("Auto-test de Parvis : réussi.")
    return 0


_opened: list[Any] = []


def _close_all() -> None:
    for vault in _opened:
        try:
            vault.close()
        except Exception:
            pass
    _opened.clear()
