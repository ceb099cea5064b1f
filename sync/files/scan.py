"""The local scan of a synced folder: what changed on disk since the last sync, from the rows
of the store (path, size, mtime, SHA-256 of the synced content).

A file whose size and mtime are those recorded is unchanged without being read, so a scan of
10,000 quiet files is 10,000 `stat`s. Any other file is hashed, and stat-ed again after: if it
moved meanwhile it is still being written, and waits for the next round ("unstable"). A file
that disappeared while one with its content appeared is a rename (or a move). Runs in any
thread that owns no store connection: it only reads the disk and the entries given.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from storage.files import Entry
from sync.protocol.file_paths import PathRefused, check_path

from .names import ignored

READ = 1024 * 1024


class Unstable(Exception):
    """The file changed while it was read: it is still being written."""


@dataclass(frozen=True)
class LocalFile:
    path: str  # relative, POSIX, NFC (as the server knows it)
    disk: Path  # the file as named on disk
    size: int
    mtime_ns: int
    sha256: str


@dataclass
class Scan:
    """What a scan found, by relative path. `touched` are unchanged contents whose size or
    mtime moved (to record, so that the next scan does not hash them again)."""

    unchanged: dict[str, LocalFile] = field(default_factory=dict)
    changed: dict[str, LocalFile] = field(default_factory=dict)
    new: dict[str, LocalFile] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    moves: dict[str, str] = field(default_factory=dict)  # old path → new path
    unstable: set[str] = field(default_factory=set)
    refused: dict[str, str] = field(default_factory=dict)  # path → why
    touched: list[tuple[str, int, int]] = field(default_factory=list)
    disk: dict[str, Path] = field(default_factory=dict)  # every path seen → its file on disk


def hash_file(path: Path) -> tuple[str, int, int]:
    """Return (sha256, size, mtime_ns) of a file that did not change while it was read.
    Raises Unstable, OSError."""
    before = os.stat(path)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(READ):
            digest.update(block)
    after = os.stat(path)
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise Unstable(str(path))
    return digest.hexdigest(), after.st_size, after.st_mtime_ns


def walk(root: Path) -> dict[str, tuple[Path, os.stat_result]]:
    """Return every regular file under `root` (symbolic links and ignored names skipped), by
    relative POSIX path as written on disk."""
    found: dict[str, tuple[Path, os.stat_result]] = {}
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                items = list(it)
        except OSError:
            continue
        for item in items:
            if ignored(item.name):
                continue
            rel = f"{prefix}{item.name}"
            try:
                if item.is_symlink():
                    continue
                if item.is_dir():
                    stack.append((Path(item.path), rel + "/"))
                elif item.is_file():
                    found[rel] = (Path(item.path), item.stat())
            except OSError:
                continue
    return found


def scan(root: Path, entries: dict[str, Entry]) -> Scan:
    """Compare the tree under `root` with the entries in sync. Never raises for one file: a
    file that cannot be read is left for the next round."""
    result = Scan()
    for raw, (disk, st) in walk(root).items():
        try:
            rel = check_path(raw)
        except PathRefused as exc:
            result.refused[raw] = f"nom refusé par le serveur : {exc}"
            continue
        result.disk[rel] = disk
        entry = entries.get(rel)
        if entry is not None and (st.st_size, st.st_mtime_ns) == (entry.size, entry.mtime_ns):
            result.unchanged[rel] = LocalFile(rel, disk, st.st_size, st.st_mtime_ns, entry.sha256)
            continue
        try:
            sha, size, mtime = hash_file(disk)
        except (Unstable, OSError):
            result.unstable.add(rel)
            continue
        local = LocalFile(rel, disk, size, mtime, sha)
        if entry is None:
            result.new[rel] = local
        elif sha == entry.sha256:
            result.unchanged[rel] = local
            result.touched.append((rel, size, mtime))
        else:
            result.changed[rel] = local
    seen = set(result.unchanged) | set(result.changed) | set(result.new) | result.unstable
    result.missing = {p for p in entries if p not in seen}
    by_sha: dict[str, list[str]] = {}
    for rel, local in result.new.items():
        by_sha.setdefault(local.sha256, []).append(rel)
    for old in sorted(result.missing):
        candidates = by_sha.get(entries[old].sha256)
        if candidates:
            result.moves[old] = candidates.pop(0)
    return result
