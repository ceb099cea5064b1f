"""Names in a synced folder: what the scan and the watcher ignore, the marker at its root, our
temp files, and conflict copies. Pure functions, no I/O except the marker's.
"""

from __future__ import annotations

import fnmatch
import os
import secrets
from datetime import datetime
from pathlib import Path, PurePosixPath

MARKER = ".parvis-dossier"
TEMP_PREFIX = ".parvis-tmp-"
# Office suites' lock files and temp saves, editors' backups, the OS's own droppings: never
# synced. LibreOffice saves by writing a temp file and renaming it over the document; the temp
# file is skipped, and the rename shows as a change of the document.
IGNORED = (MARKER, f"{TEMP_PREFIX}*", ".~lock.*#", "~$*", ".~*", "*.tmp", "*.part", "*.crdownload", "*~",
           ".DS_Store", "Thumbs.db", "desktop.ini")


def ignored(name: str) -> bool:
    """True for a file name the sync leaves alone (lock files, temp saves, our own files).
    Any thread."""
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in IGNORED)


def ignored_path(rel: str) -> bool:
    """True when any segment of a relative POSIX path is ignored."""
    return any(ignored(part) for part in rel.split("/"))


def temp_name() -> str:
    """A fresh hidden temp file name for a download (ignored by the scan and the watcher)."""
    return f"{TEMP_PREFIX}{secrets.token_hex(8)}"


def conflict_name(path: str, user: str, when: datetime, taken: set[str]) -> str:
    """Return "dir/nom (conflit de USER, 2026-11-22 14h05).ext" for `path`, with " 2", " 3"…
    added when that name is in `taken` (casefolded paths)."""
    pure = PurePosixPath(path)
    suffix = "".join(pure.suffixes[-1:]) if pure.suffix and pure.stem else ""
    stem = pure.name[: len(pure.name) - len(suffix)] if suffix else pure.name
    label = f"conflit de {user}, {when:%Y-%m-%d %Hh%M}"
    n = 1
    while True:
        name = f"{stem} ({label}{'' if n == 1 else f' {n}'}){suffix}"
        candidate = str(pure.with_name(name))
        if candidate.casefold() not in taken:
            return candidate
        n += 1


def local_path(root: Path, rel: str) -> Path:
    """The local file of a relative POSIX path under `root`."""
    return root.joinpath(*rel.split("/"))


def read_marker(root: Path) -> str | None:
    """Return the folder id written in `root`'s marker, or None (no root, no marker)."""
    try:
        return (root / MARKER).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def write_marker(root: Path, folder_id: str) -> None:
    """Write the marker that says `root` is the synced copy of `folder_id`: hidden on Windows,
    where a leading dot hides nothing and a secretary would wonder what it is. Raises OSError."""
    path = root / MARKER
    _hide(path, False)  # Windows refuses to rewrite a hidden file
    path.write_text(folder_id + "\n", encoding="utf-8")
    _hide(path, True)


_HIDDEN, _NORMAL = 0x2, 0x80  # FILE_ATTRIBUTE_HIDDEN, FILE_ATTRIBUTE_NORMAL
_WINDOWS = os.name == "nt"


def _hide(path: Path, hidden: bool) -> None:
    if not _WINDOWS or not path.exists():
        return
    import ctypes

    kernel32 = getattr(ctypes, "windll").kernel32  # noqa: B009 (Windows only: not in Linux's stubs)
    if not kernel32.SetFileAttributesW(str(path), _HIDDEN if hidden else _NORMAL):
        raise OSError(f"attributs de {path} impossibles à changer")
