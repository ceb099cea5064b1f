"""The root marker on Windows is hidden, and can be rewritten (Windows refuses to rewrite a
hidden file). Windows cannot run here: its kernel32 is replaced by a recorder of the calls, the
one fake in these tests."""

from __future__ import annotations

import ctypes
from pathlib import Path
from types import SimpleNamespace

import pytest

from sync.files import names
from sync.files.names import MARKER, read_marker, write_marker


def test_marker_is_hidden_on_windows_and_rewritable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, int]] = []

    def set_attributes(path: str, value: int) -> int:
        calls.append((Path(path).name, value))
        return 1

    monkeypatch.setattr(ctypes, "windll", SimpleNamespace(kernel32=SimpleNamespace(SetFileAttributesW=set_attributes)),
                        raising=False)
    monkeypatch.setattr(names, "_WINDOWS", True)
    write_marker(tmp_path, "abc")
    write_marker(tmp_path, "def")  # chosen again: unhidden, rewritten, hidden again
    monkeypatch.undo()
    assert read_marker(tmp_path) == "def"
    assert calls == [(MARKER, 0x2), (MARKER, 0x80), (MARKER, 0x2)]


def test_marker_needs_no_attributes_elsewhere(tmp_path: Path) -> None:
    write_marker(tmp_path, "abc")
    assert read_marker(tmp_path) == "abc" and (tmp_path / MARKER).is_file()
