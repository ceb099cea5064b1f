"""One sync round of one synced folder: a three-way comparison of the disk, the store's rows
(the versions last in sync) and the server's change feed.

Order: check the folder is there (its marker), scan the disk, fetch the server's changes, apply
them (downloads, moves, deletes; a local change of the same file decides a conflict), then push
what remains of the local changes (moves, new versions, new files, deletes). Each file's
outcome is committed on its own, so a cut leaves what was done done, and the next round starts
from the disk and the rows again: there is no queue to lose.

Rules:
- Nothing is ever overwritten: a local file is replaced by a download only while it is still
  the synced version (same size and mtime as the row), and an edit on both sides keeps the
  local one as "nom (conflit de USER, date).ext", uploaded as a new file.
- A local delete is sent (to the server's trash, with If-Match) only for a file the row knew
  and the disk no longer has, in a folder whose root and marker are there: an unmounted or
  missing folder deletes nothing. A remote delete removes the local file only while it is the
  synced version; a local edit is kept and sent again as a new file.
- A server change wins over a local delete: the file comes back.
- A file refused (name, rights, quota) gets its own error and blocks nothing else.
Sync thread.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from storage.db import transaction
from storage.files import ERROR, PENDING, Entry, FilesStore, Folder

from ..errors import Refused
from ..http import check
from .names import MARKER, conflict_name, local_path, read_marker
from .progress import Transfers
from .scan import LocalFile, Scan, Unstable, hash_file, scan
from .transfer import Conflict, Gone, Options, download, etag, folder_url, upload


@dataclass
class FilesReport:
    up: int = 0
    down: int = 0
    moved: int = 0
    deleted: int = 0
    conflicts: int = 0
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Retry(Exception):
    """This change cannot be applied now (a file being written…): the next round will."""


def availability(folder: Folder) -> str | None:
    """Return why the folder's local copy cannot be synced now (root or marker missing), or
    None. Any thread."""
    if folder.local_path is None:
        return "dossier non synchronisé sur ce poste"
    root = Path(folder.local_path)
    if not root.is_dir():
        return (f"dossier local {root} introuvable (disque débranché, ou dossier déplacé ?) : rien n'est "
                "supprimé sur le serveur ; rebranchez-le, ou choisissez son nouvel emplacement avec "
                "« parvis files sync-folder »")
    if read_marker(root) != folder.id:
        return (f"dossier local {root} non reconnu (le fichier {MARKER} manque : disque non monté ?) : rien "
                "n'est supprimé sur le serveur ; choisissez à nouveau son emplacement avec "
                "« parvis files sync-folder »")
    return None


class FolderSync:
    def __init__(self, client: httpx.AsyncClient, store: FilesStore, folder: Folder, user: str,
                 transfers: Transfers, options: Options, report: FilesReport) -> None:
        assert folder.local_path is not None
        self.client, self.store, self.folder, self.user = client, store, folder, user
        self.transfers, self.options, self.report = transfers, options, report
        self.root = Path(folder.local_path)
        self.url = folder_url(folder.id)
        self.entries: dict[str, Entry] = {}
        self.paths: dict[str, str] = {}  # file id → path in `entries`: lookups stay O(1) at 10,000 files
        self.issues: dict[str, tuple[str, str]] = {}
        self.retry_rev: int | None = None  # the first change that must wait for the next round
        self.scan = Scan()
        self._conflicts: dict[str, str] = {}  # conflict copy made this round → the path it copies

    # -- the round ----------------------------------------------------------------------

    async def run(self) -> None:
        """Sync the folder. Raises httpx.TransportError (the server went away: what was done
        stays done), AuthFailed, SyncError."""
        problem = availability(self.folder)
        if problem is not None:
            with transaction(self.store.conn):
                self.store.set_error(self.folder.id, problem)
            self.report.errors.append(f"« {self.folder.name} » : {problem}")
            return
        self.scan = await asyncio.to_thread(scan, self.root, self.store.entries(self.folder.id))
        with transaction(self.store.conn):
            self.store.touch_entries(self.folder.id, self.scan.touched)
        self.entries = self.store.entries(self.folder.id)
        self.paths = {e.file_id: p for p, e in self.entries.items()}
        try:
            remote, rev = await self._changes()
        except Refused as exc:
            with transaction(self.store.conn):
                self.store.set_error(self.folder.id, str(exc))
            self.report.errors.append(f"« {self.folder.name} » : {exc}")
            return
        # Files new to this PC, whose path is free here, cannot meet any other change: they come
        # several at once (a first sync of thousands of files waits on the network, not the
        # disk); the others one by one, in the server's order.
        here = {p.casefold() for p in (*self.entries, *self.scan.disk)}
        fresh = [e for e in remote if not e["deleted"] and e["path"].casefold() not in here
                 and self._by_id(e["file_id"]) is None]
        ids = {e["file_id"] for e in fresh}
        for entry in remote:
            if entry["file_id"] not in ids:
                await self._take(entry)
        await _some_at_once(self._take(entry) for entry in fresh)
        await self._push()
        for rel in self.scan.unstable:
            self.issues.setdefault(rel, (PENDING, "en cours d'écriture : envoyé quand il sera refermé"))
        for rel, why in self.scan.refused.items():
            self.issues[rel] = (ERROR, why)
        with transaction(self.store.conn):
            self.store.set_issues(self.folder.id, self.issues)
            self.store.set_rev(self.folder.id, rev if self.retry_rev is None else self.retry_rev - 1)
            self.store.synced_now(self.folder.id)
        for rel, (state, why) in sorted(self.issues.items()):
            if state == ERROR:
                self.report.errors.append(f"« {rel} » ({self.folder.name}) : {why}")

    async def _changes(self) -> tuple[list[dict[str, Any]], int]:
        """The server's changes since the folder's rev, the latest per file, in rev order."""
        since, latest, rev = self.folder.rev, {}, self.folder.rev
        while True:
            page = check(await self.client.get(f"{self.url}/changes", params={"since": since})).json()
            for e in page["entries"]:
                latest[e["file_id"]] = e
            rev = int(page["rev"])
            if not page["more"] or not page["entries"]:
                break
            since = int(page["entries"][-1]["rev"])
        return sorted(latest.values(), key=lambda e: int(e["rev"])), rev

    async def _take(self, entry: dict[str, Any]) -> None:
        """Apply one change of the server's; one that must wait keeps the folder's rev before it."""
        try:
            await self._guard(entry["path"], self._remote(entry))
        except Retry:
            self.retry_rev = entry["rev"] if self.retry_rev is None else min(self.retry_rev, entry["rev"])

    async def _guard(self, rel: str, step: Any) -> None:
        """Run one file's step: a refusal or a local disk error becomes that file's error,
        a file being written waits (Retry); the rest of the folder goes on."""
        try:
            await step
        except Refused as exc:
            self.issues[rel] = (ERROR, str(exc))
        except Unstable:
            self.issues[rel] = (PENDING, "en cours d'écriture : envoyé quand il sera refermé")
            raise Retry() from None
        except Gone:
            raise Retry() from None
        except OSError as exc:
            self.issues[rel] = (ERROR, f"impossible d'écrire ce fichier ici ({exc.strerror or exc})")
            raise Retry() from None

    # -- the server's changes -----------------------------------------------------------

    def _by_id(self, file_id: str) -> Entry | None:
        path = self.paths.get(file_id)
        return None if path is None else self.entries.get(path)

    async def _remote(self, e: dict[str, Any]) -> None:
        row, rpath = self._by_id(e["file_id"]), e["path"]
        s = self.scan
        if row is None:
            if e["deleted"]:
                return
            if rpath in self.entries or rpath in s.unstable:
                raise Retry()  # the path is still another file's here, or being written
            local = s.new.pop(rpath, None)
            if local is not None:
                self._forget_move_to(rpath)
                if local.sha256 == e["sha256"]:
                    self._record(e, local.disk)
                    return
                await self._keep_as_conflict(local, rpath)
            await self._download(e, expect=None)
            return
        p = row.path
        if p in s.unstable:
            raise Retry()
        if e["deleted"]:
            await self._remote_delete(row)
            return
        if p in s.missing:  # deleted or moved here, changed or moved there
            moved_to = s.moves.pop(p, None)
            if moved_to is not None and e["sha256"] == row.sha256:
                # Moved on both sides: ours wins, from where the server has it now.
                s.missing.discard(p)
                s.missing.add(rpath)
                s.moves[rpath] = moved_to
                self._set(replace(row, path=rpath, version=int(e["version"])))
                return
            s.missing.discard(p)
            self._drop(p)
            await self._download(e, expect=None)  # the server's change wins over a local delete
            return
        if rpath != p:
            await self._local_rename(row, rpath)
            row = self.entries[rpath]
        if e["sha256"] == row.sha256:
            if int(e["version"]) != row.version:
                self._set(replace(row, version=int(e["version"])))
            return
        local = s.changed.pop(rpath, None)
        if local is not None:
            if local.sha256 == e["sha256"]:
                self._record(e, local.disk)
                return
            await self._keep_as_conflict(local, rpath)
            self._drop(rpath)
            await self._download(e, expect=None)
            return
        await self._download(e, expect=row)

    async def _remote_delete(self, row: Entry) -> None:
        s, p = self.scan, row.path
        self._drop(p)
        if p in s.missing:
            s.missing.discard(p)
            s.moves.pop(p, None)  # the moved copy stays, sent as a new file
            return
        local = s.changed.pop(p, None)
        if local is not None:
            s.new[p] = local
            self.report.notes.append(f"« {p} » a été supprimé sur le serveur mais modifié ici : gardé et renvoyé.")
            return
        disk = local_path(self.root, p)
        if self._still(disk, row):
            disk.unlink()
            self._prune(disk.parent)
            s.unchanged.pop(p, None)
            self.report.deleted += 1
        else:  # changed since the scan: keep it, as a new file next round
            self.report.notes.append(f"« {p} » a été supprimé sur le serveur mais modifié ici : gardé.")

    async def _local_rename(self, row: Entry, rpath: str) -> None:
        """The server moved a file: move it here too (a new local file in the way is kept as a
        conflict copy first)."""
        s = self.scan
        source, target = local_path(self.root, row.path), local_path(self.root, rpath)
        in_way = s.new.pop(rpath, None)
        if in_way is not None:
            await self._keep_as_conflict(in_way, rpath)
        elif target.exists() and not os.path.samefile(source, target):  # samefile: a case-only move
            raise Retry()
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(source, target)
        self._prune(source.parent)
        for table in (s.unchanged, s.changed):
            if row.path in table:
                table[rpath] = replace(table.pop(row.path), path=rpath, disk=target)
        self._set(replace(row, path=rpath))
        self.report.moved += 1

    async def _download(self, e: dict[str, Any], expect: Entry | None) -> None:
        """Download version `e` and put it in place, if the local file is still `expect` (the
        synced version; None: no file there). A local file that changed meanwhile is kept as a
        conflict copy first."""
        temp = await download(self.client, self.store, self.folder.id, self.root, e, self.transfers)
        target = local_path(self.root, e["path"])
        ok = self._still(target, expect) if expect is not None else not target.exists()
        if not ok and target.exists():
            sha, size, mtime = await asyncio.to_thread(hash_file, target)
            await self._keep_as_conflict(LocalFile(e["path"], target, size, mtime, sha), e["path"])
        os.replace(temp, target)
        with transaction(self.store.conn):
            self.store.drop_download(self.folder.id, e["file_id"])
        self._record(e, target)
        self.report.down += 1

    # -- local changes ------------------------------------------------------------------

    async def _push(self) -> None:
        s = self.scan
        for old, new in sorted(s.moves.items()):
            local = s.new.pop(new)
            s.missing.discard(old)
            try:
                await self._guard(new, self._move(self.entries[old], local))
            except Retry:
                pass
        sends: list[tuple[str, LocalFile, Entry | None]] = [
            (rel, local, self.entries[rel]) for rel, local in sorted(s.changed.items())]
        sends += [(rel, local, None) for rel, local in sorted(s.new.items())]
        await _some_at_once(self._try(rel, self._send(local, row)) for rel, local, row in sends)
        for rel in sorted(s.missing):
            if rel in self.entries:
                await self._try(rel, self._delete(self.entries[rel]))

    async def _try(self, rel: str, step: Any) -> None:
        try:
            await self._guard(rel, step)
        except Retry:
            pass

    async def _move(self, row: Entry, local: LocalFile) -> None:
        response = await self.client.post(f"{self.url}/files/{row.file_id}/move", json={"path": local.path},
                                          headers={"If-Match": etag(row.sha256)})
        if response.status_code in (404, 409, 412):  # gone, taken, or changed there: new file + delete
            self.scan.new[local.path] = local
            await self._send(local, None)
            await self._delete(row)
            return
        self._record(check(response).json(), local.disk, conflict_of=row.conflict_of)
        self._drop(row.path)
        self.report.moved += 1

    async def _send(self, local: LocalFile, row: Entry | None, session_of: str | None = None) -> None:
        try:
            entry = await upload(self.client, self.store, self.folder.id, local, row.sha256 if row else None,
                                 self.transfers, self.options, session_of)
        except Conflict as exc:
            await self._keep_as_conflict(local, local.path)
            if row is not None or exc.current is not None:
                self._drop(local.path)
            if exc.current is not None:
                await self._download(exc.current, expect=None)
            return
        self._record(entry, local.disk, conflict_of=row.conflict_of if row else self._conflicts.get(local.path))
        self.scan.new.pop(local.path, None)
        self.report.up += 1

    async def _delete(self, row: Entry) -> None:
        response = await self.client.delete(f"{self.url}/files/{row.file_id}", headers={"If-Match": etag(row.sha256)})
        if response.status_code == 412:  # changed there meanwhile: it comes back here
            self._drop(row.path)
            current = response.json().get("current")
            if current is not None and current["file_id"] == row.file_id:
                await self._download(current, expect=None)
            return
        if response.status_code != 404:
            check(response)
        self._drop(row.path)
        self.report.deleted += 1

    # -- conflicts and bookkeeping ------------------------------------------------------

    async def _keep_as_conflict(self, local: LocalFile, of: str) -> None:
        """Rename the local file to a conflict copy beside `of` and send it as a new file."""
        taken = {p.casefold() for p in (*self.entries, *self.scan.disk, *self.scan.new)}
        name = conflict_name(of, self.user, datetime.now(), taken)
        disk = local_path(self.root, name)
        os.rename(local.disk, disk)
        copy = replace(local, path=name, disk=disk)
        self.scan.disk[name] = disk
        self._conflicts[name] = of
        self.report.conflicts += 1
        self.report.notes.append(f"« {of} » modifié des deux côtés : votre version est gardée sous « {name} ».")
        await self._try(name, self._send(copy, None, session_of=local.path))

    def _still(self, disk: Path, row: Entry) -> bool:
        """True while the local file is the synced version (same size and mtime as the row)."""
        try:
            st = os.stat(disk)
        except FileNotFoundError:
            return False
        return (st.st_size, st.st_mtime_ns) == (row.size, row.mtime_ns)

    def _record(self, e: dict[str, Any], disk: Path, conflict_of: str | None = None) -> None:
        st = os.stat(disk)
        self._set(Entry(self.folder.id, e["path"], e["file_id"], int(e["version"]), e["sha256"], st.st_size,
                        st.st_mtime_ns, conflict_of))
        self.issues.pop(e["path"], None)

    def _set(self, entry: Entry) -> None:
        with transaction(self.store.conn):
            self.store.put_entry(entry)
        old_path = self.paths.get(entry.file_id)
        if old_path is not None and old_path != entry.path:  # a move: the row leaves its old path
            self.entries.pop(old_path, None)
        replaced = self.entries.get(entry.path)
        if replaced is not None and replaced.file_id != entry.file_id:  # another file had this path
            self.paths.pop(replaced.file_id, None)
        self.entries[entry.path] = entry
        self.paths[entry.file_id] = entry.path

    def _drop(self, rel: str) -> None:
        with transaction(self.store.conn):
            self.store.drop_entry(self.folder.id, rel)
        dropped = self.entries.pop(rel, None)
        if dropped is not None and self.paths.get(dropped.file_id) == rel:
            del self.paths[dropped.file_id]

    def _forget_move_to(self, rel: str) -> None:
        for old, new in list(self.scan.moves.items()):
            if new == rel:
                del self.scan.moves[old]

    def _prune(self, folder: Path) -> None:
        """Remove the empty folders a move or a delete left, up to the root."""
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent


AT_ONCE = 8  # transfers of one folder in flight together


async def _some_at_once(steps: Iterable[Awaitable[None]]) -> None:
    """Run `steps` (each for its own path) AT_ONCE at a time: a small file's transfer waits on
    the network and the fsyncs far more than it works, so several in flight keep both sides
    busy. The first failure cancels the others and is raised."""
    pending: set[asyncio.Future[None]] = set()
    try:
        for step in steps:
            if len(pending) >= AT_ONCE:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
            pending.add(asyncio.ensure_future(step))
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
