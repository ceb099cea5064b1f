"""The child processes of `bench.desktop`, one figure each, reported as one JSON line.

    python -m bench.desktop_start start PROFILE EXPECTED
    python -m bench.desktop_start memory PROFILE EXPECTED ID,ID,...
    python -m bench.desktop_start typing KEYSTROKES PAGES

`start` and `memory` start the app as `parvis` does (the entry point's imports, the styled
QApplication, the French catalogue, the profile unlocked with PARVIS_PASSPHRASE, then
`start_window`), and read BENCH_T0: the parent's `time.time()` just before it spawned us, so
that the interpreter's own start and every import count. This module imports only the standard
library at the top; the app's modules are imported inside the timed start, as `parvis` would.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from desktop.mainwindow import MainWindow
    from editors.richtext import RichTextEditor
    from storage.vault import Vault

RESULT_TAG = "BENCH-RESULT "


def _report(result: dict[str, Any]) -> None:
    print(RESULT_TAG + json.dumps(result), flush=True)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rss() -> dict[str, float]:
    """VmRSS and VmHWM of this process, in MB (10^6 bytes; /proc counts KiB)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024 / 1e6
    return out


def run_until(ready: Callable[[], bool], timeout: float = 60.0) -> None:
    """Turn the Qt event loop until `ready()` holds (checked every millisecond). Raises
    TimeoutError."""
    from PySide6.QtCore import QEventLoop, QTimer

    if ready():
        return
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(1)
    poll.timeout.connect(lambda: loop.exit(0) if ready() else None)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(lambda: loop.exit(1))
    poll.start()
    guard.start(int(timeout * 1000))
    code = loop.exec()
    poll.stop()
    guard.stop()
    if code:
        raise TimeoutError(f"pas prêt après {timeout} s")


# -- start ----------------------------------------------------------------------------------------


def _start(profile: Path, expected: int) -> tuple[QApplication, MainWindow, Vault, dict[str, float]]:
    """Start the app as `parvis` does and return once the window is shown, the event loop has
    turned and the list holds `expected` documents. Times are since BENCH_T0."""
    t0 = float(os.environ["BENCH_T0"])
    import desktop.cli  # noqa: F401  (the `parvis` entry point imports it before the app)
    from desktop import i18n
    from desktop.app import application, start_window
    from desktop.ops import Ops
    from storage.vault import Vault

    imports = time.time() - t0
    app = application()
    i18n.install(i18n.choose())
    passphrase = os.environ["PARVIS_PASSPHRASE"]
    k = time.perf_counter()
    vault = Vault.open(profile, lambda: passphrase)
    vault_open = time.perf_counter() - k
    window = start_window(vault, Ops(vault))
    window.show()
    built = time.time() - t0

    def ready() -> bool:
        handle = window.windowHandle()
        return (handle is not None and handle.isExposed()
                and window.documents.list.model.rowCount() >= expected)

    run_until(ready)
    app.processEvents()  # the paint that shows the rows
    total = time.time() - t0
    return app, window, vault, {"imports_s": imports, "vault_open_s": vault_open, "window_built_s": built,
                                "total_s": total, "rows": window.documents.list.model.rowCount()}


def _close(window: MainWindow, vault: Vault) -> tuple[float, bool]:
    """Close the window (it stops its sync thread and worker); returns the time it took and
    whether both threads stopped."""
    t = time.perf_counter()
    window.close()
    vault.close()
    took = time.perf_counter() - t
    clean = not window.bridge._thread.is_alive() and not window.ops._thread.is_alive()
    return took, clean


def start(profile: Path, expected: int) -> None:
    app, window, vault, times = _start(profile, expected)
    took, clean = _close(window, vault)
    app.processEvents()
    _report({**times, "close_s": took, "clean": clean})


# -- memory ---------------------------------------------------------------------------------------


def memory(profile: Path, expected: int, ids: list[str]) -> None:
    """RSS once the window is up and idle, then after opening each of `ids` in its tab, one
    after another (open, wait for the tab and an idle worker, let it paint, next)."""
    app, window, vault, _ = _start(profile, expected)
    run_until(lambda: not window.ops.busy)
    for _ in range(3):
        app.processEvents()
    baseline = _rss()["VmRSS"]
    page = window.documents
    opens = []
    for doc_id in ids:
        t = time.perf_counter()
        page.open_document(doc_id)
        run_until(lambda doc_id=doc_id: doc_id in page.tabs_by_id and not window.ops.busy)  # type: ignore[misc]
        app.processEvents()
        opens.append(time.perf_counter() - t)
    run_until(lambda: len(page.tabs_by_id) == len(ids) and not window.ops.busy)
    for _ in range(3):
        app.processEvents()
    after = _rss()
    opened = len(page.tabs_by_id)
    _, clean = _close(window, vault)
    app.processEvents()
    _report({"opened": opened, "baseline_rss_mb": baseline,
             "rss_mb": after["VmRSS"], "hwm_mb": after["VmHWM"], "open_median_ms": _pct(opens, 0.5) * 1e3,
             "open_max_ms": max(opens) * 1e3, "clean": clean})


# -- typing ---------------------------------------------------------------------------------------

# What a secretary types: accents, punctuation, now and then an emoji (a surrogate pair in Qt).
_KEYS = "abcdefghijklmnopqrstuvwxyz      eeeaaiiss éèàçùôêâ,.;:'’«»" + "😀"


def _in_sync(editor: RichTextEditor, body: Any) -> bool:
    """Whether Qt shows exactly the Y text, formatting included (runs normalised the same way
    on both sides, as the editor's tests compare them)."""
    from editors import qtformat as qf

    def add(out: list[tuple[str, dict[str, Any]]], text: str, attrs: dict[str, Any]) -> None:
        if out and out[-1][1] == attrs:
            out[-1] = (out[-1][0] + text, attrs)
        else:
            out.append((text, attrs))

    def normalise(runs: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
        out: list[tuple[str, dict[str, Any]]] = []
        for text, attrs in runs:
            for i, piece in enumerate(text.split("\n")):
                if i:
                    add(out, "\n", qf.clean_block(attrs))
                if piece:
                    add(out, piece, qf.clean_inline(attrs))
        return out

    y_text = str(body)
    tail = y_text.endswith("\n")
    qdoc = editor.document()
    qt = normalise(qf.read_runs(qdoc, 0, qdoc.characterCount() - (0 if tail else 1)))
    y = normalise([(v if isinstance(v, str) else "*", a or {}) for v, a in body.diff()])
    plain = y_text[:-1] if tail else y_text
    return qt == y and editor.toPlainText() == plain


def typing(n: int, pages: int, seed: int = 5) -> None:
    """Per-keystroke cost in a `pages`-page document, in a shown RichTextEditor of 900×700.

    Local: key events sent to the editor at a caret in the middle of the document (letters,
    accents, an emoji now and then, a few backspaces, a new paragraph once in a while); each
    is timed around `sendEvent`, which runs the binding synchronously up to `localUpdate`.
    Remote: a second Doc, loaded from the first, makes single-character edits at random
    places; each update is timed through `editor.apply_remote`. After each, the event loop
    turns once (timed apart: the repaint and what the editor defers to it).
    """
    import random

    from pycrdt import Doc, Text
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    from bench.desktop import pages_ops
    from desktop.app import application
    from desktop.documents.template import insert_delta
    from editors.richtext import RichTextEditor
    from storage.textpos import char_to_utf8

    send = QApplication.sendEvent
    rng = random.Random(seed)
    app = application()
    doc: Doc = Doc()
    body = doc.get("body", type=Text)
    with doc.transaction():
        insert_delta(body, pages_ops(rng, pages))
    text = str(body)

    t = time.perf_counter()
    editor = RichTextEditor(doc)
    editor.resize(900, 700)
    editor.show()
    run_until(lambda: editor.windowHandle() is not None and editor.windowHandle().isExposed())
    app.processEvents()
    opened = time.perf_counter() - t

    updates: list[bytes] = []
    editor.localUpdate.connect(updates.append)
    # The caret: the middle of the longest paragraph around the middle of the document.
    qdoc = editor.document()
    middle = qdoc.findBlock(qdoc.characterCount() // 2)
    block = max((middle.previous(), middle, middle.next()), key=lambda b: b.length())
    cursor = editor.textCursor()
    cursor.setPosition(block.position() + block.length() // 2)
    editor.setTextCursor(cursor)
    editor.setFocus()
    app.processEvents()

    local, local_paint, silent = [], [], 0
    press, release = QEvent.Type.KeyPress, QEvent.Type.KeyRelease
    no_mod = Qt.KeyboardModifier.NoModifier
    for i in range(n):
        roll = rng.random()
        if roll < 0.07 and i:
            key, char = Qt.Key.Key_Backspace, ""
        elif roll < 0.08:
            key, char = Qt.Key.Key_Return, "\r"
        else:
            key, char = Qt.Key.Key_unknown, rng.choice(_KEYS)
        before = len(updates)
        t = time.perf_counter()
        send(editor, QKeyEvent(press, key, no_mod, char))
        local.append(time.perf_counter() - t)
        silent += len(updates) == before
        send(editor, QKeyEvent(release, key, no_mod, char))
        t = time.perf_counter()
        app.processEvents()
        local_paint.append(time.perf_counter() - t)
    local_ok = _in_sync(editor, body)

    peer: Doc = Doc()
    peer.apply_update(doc.get_update())
    peer_body = peer.get("body", type=Text)
    remote, remote_paint = [], []
    for _ in range(n):
        current = str(peer_body)
        pos = rng.randrange(1, len(current) - 1)
        state = peer.get_state()
        if rng.random() < 0.1 and current[pos] != "\n":
            start, stop = char_to_utf8(current, pos), char_to_utf8(current, pos + 1)
            del peer_body[start:stop]
        else:
            peer_body.insert(char_to_utf8(current, pos), rng.choice(_KEYS))
        update = peer.get_update(state)
        t = time.perf_counter()
        editor.apply_remote(update)
        remote.append(time.perf_counter() - t)
        t = time.perf_counter()
        app.processEvents()
        remote_paint.append(time.perf_counter() - t)
    peer.apply_update(doc.get_update(peer.get_state()))
    converged = str(peer_body) == str(body)
    in_sync = local_ok and _in_sync(editor, body)

    ms = 1e3
    _report({
        "pages": pages, "paragraphs": text.count("\n"), "chars": len(text), "keystrokes": n,
        "open_s": opened,
        "local_p50_ms": _pct(local, 0.5) * ms, "local_p99_ms": _pct(local, 0.99) * ms, "local_max_ms": max(local) * ms,
        "local_paint_p50_ms": _pct(local_paint, 0.5) * ms, "local_paint_p99_ms": _pct(local_paint, 0.99) * ms,
        "remote_p50_ms": _pct(remote, 0.5) * ms, "remote_p99_ms": _pct(remote, 0.99) * ms,
        "remote_max_ms": max(remote) * ms,
        "remote_paint_p50_ms": _pct(remote_paint, 0.5) * ms, "remote_paint_p99_ms": _pct(remote_paint, 0.99) * ms,
        "keys_without_update": silent, "local_updates": len(updates),
        "in_sync": in_sync, "local_in_sync": local_ok, "converged": converged,
    })
    editor.close()


def main(argv: list[str]) -> int:
    mode = argv[0]
    if mode == "start":
        start(Path(argv[1]), int(argv[2]))
    elif mode == "memory":
        memory(Path(argv[1]), int(argv[2]), argv[3].split(","))
    elif mode == "typing":
        typing(int(argv[1]), int(argv[2]))
    else:
        raise SystemExit(f"mode inconnu : {mode}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
