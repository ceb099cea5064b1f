"""What a user does with the document bank, as functions of storage and sync: list and create
shared folders, share them, choose where one syncs, see each file's state, its versions, restore
one, and the files step of a sync round.

The functions taking a `client` (an authenticated httpx.AsyncClient, `sync.account.client`)
run in the sync thread's loop; the others only touch the store and the disk, in the thread
that owns `conn`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from storage.db import transaction
from storage.errors import InvalidInput, NotFound
from storage.files import ERROR, PENDING, FilesStore, FileState, Folder

from ..errors import Refused
from ..http import check
from .folder import FilesReport, FolderSync, availability
from .names import MARKER, read_marker, write_marker
from .progress import Transfers
from .scan import scan
from .transfer import Options, etag, folder_url

ROLES = ("owner", "editor", "reader")


@dataclass(frozen=True)
class Version:
    version: int
    sha256: str
    size: int
    modified_by: str
    modified_at: float


async def refresh_folders(client: httpx.AsyncClient, conn: Any) -> list[Folder]:
    """Fetch the shared folders this user sees and record them. Returns them. Raises
    httpx.TransportError, AuthFailed, SyncError."""
    listed = check(await client.get("/api/files/folders")).json()["folders"]
    store = FilesStore(conn)
    store.save_listing(listed)
    return store.folders()


async def create_folder(client: httpx.AsyncClient, conn: Any, name: str, members: list[str] | None = None,
                        group: str | None = None) -> Folder:
    """Create a shared folder on the server (its id is the server's: this needs the network),
    owned by this user, `members` editors, open to `group`. Returns it. Raises InvalidInput
    (empty name), Refused (unknown user or group…), httpx.TransportError, SyncError."""
    if not name.strip():
        raise InvalidInput("Nom de dossier vide : donnez un nom, par exemple « Urbanisme ».")
    body: dict[str, Any] = {"name": name.strip(), "members": members or []}
    if group:
        body["group"] = group
    created = check(await client.post("/api/files/folders", json=body)).json()
    await refresh_folders(client, conn)
    return FilesStore(conn).folder(created["id"])


async def share_folder(client: httpx.AsyncClient, folder_id: str, user: str,
                       role: str = "editor") -> list[dict[str, Any]]:
    """Give `user` the role `role` in the folder (owners only). Returns the member list
    [{"username", "role", "via_group"}]. Raises InvalidInput, Refused, SyncError."""
    if role not in ROLES:
        raise InvalidInput(f"Rôle inconnu : {role} (owner, editor ou reader).")
    response = await client.put(f"{folder_url(folder_id)}/members/{user}", json={"role": role})
    result: list[dict[str, Any]] = check(response).json()["members"]
    return result


async def members(client: httpx.AsyncClient, folder_id: str) -> list[dict[str, Any]]:
    """Return the folder's members [{"username", "role", "via_group"}]. Raises Refused, SyncError."""
    result: list[dict[str, Any]] = check(await client.get(f"{folder_url(folder_id)}/members")).json()["members"]
    return result


def choose_folder(conn: Any, folder_id: str, where: Path, profile: Path | None = None) -> Path:
    """Sync shared folder `folder_id` into `where` (created if needed; files already there are
    merged in at the next round). Writes the marker that tells the sync the folder is really
    there. Returns the absolute folder. Raises NotFound, InvalidInput (inside the profile, or
    inside or around another synced folder, or already another folder's copy), nothing
    changed then."""
    store = FilesStore(conn)
    folder = store.folder(folder_id)
    root = where.expanduser().resolve()
    if profile is not None:
        home = profile.expanduser().resolve()
        if root == home or home in root.parents or root in home.parents:
            raise InvalidInput(f"{root} touche au dossier du profil : choisissez un dossier à part.")
    for other in store.synced_folders():
        there = Path(other.local_path or "")
        if other.id != folder.id and (root == there or there in root.parents or root in there.parents):
            raise InvalidInput(f"{root} recouvre le dossier synchronisé de « {other.name} » ({there}) : "
                               "choisissez un dossier à part.")
    if root.exists() and not root.is_dir():
        raise InvalidInput(f"{root} est un fichier, pas un dossier.")
    marker = read_marker(root)
    if marker is not None and marker != folder.id:
        raise InvalidInput(f"{root} est déjà la copie d'un autre dossier partagé ({marker}) : choisissez-en un autre.")
    try:
        root.mkdir(parents=True, exist_ok=True)
        write_marker(root, folder.id)
    except OSError as exc:
        raise InvalidInput(f"Impossible d'utiliser {root} : {exc.strerror or exc}.") from exc
    store.set_local_path(folder.id, root)
    return root


def stop_syncing(conn: Any, folder_id: str) -> None:
    """Stop syncing a folder here: its sync state is forgotten, its local files stay as they
    are (and its marker is removed, so that nothing takes it for a synced copy)."""
    store = FilesStore(conn)
    folder = store.folder(folder_id)
    if folder.local_path is not None:
        (Path(folder.local_path) / MARKER).unlink(missing_ok=True)
    store.set_local_path(folder_id, None)


def local_status(conn: Any, folder_id: str) -> list[FileState]:
    """Scan a synced folder (no network) and return every file's state: what changed here since
    the last sync shows as pending, a name the server would refuse as an error. Records it for
    `FilesStore.file_states`."""
    store = FilesStore(conn)
    folder = store.folder(folder_id)
    problem = availability(folder)
    if problem is not None:
        with transaction(conn):
            store.set_error(folder_id, problem)
        return store.file_states(folder_id)
    assert folder.local_path is not None
    entries = store.entries(folder_id)
    found = scan(Path(folder.local_path), entries)
    issues = {**{p: (PENDING, "modifié ici, pas encore envoyé") for p in found.changed},
              **{p: (PENDING, "nouveau, pas encore envoyé") for p in found.new},
              **{p: (PENDING, "supprimé ici, pas encore supprimé sur le serveur") for p in found.missing},
              **{new: (PENDING, f"renommé (de « {old} »), pas encore envoyé") for old, new in found.moves.items()},
              **{p: (PENDING, "en cours d'écriture") for p in found.unstable}}
    for old in found.moves:
        issues.pop(old, None)
    errors = {p: (state, why) for p, (state, why) in store.issues(folder_id).items() if state == ERROR}
    with transaction(conn):
        store.touch_entries(folder_id, found.touched)
        store.set_issues(folder_id, {**errors, **issues, **{p: (ERROR, w) for p, w in found.refused.items()}})
    return store.file_states(folder_id)


def locate(conn: Any, path: Path) -> tuple[Folder, str]:
    """Return the synced folder holding the local file `path`, and the file's path in it.
    Raises NotFound."""
    target = path.expanduser().absolute()
    for folder in FilesStore(conn).synced_folders():
        root = Path(folder.local_path or "")
        try:
            rel = target.relative_to(root)
        except ValueError:
            try:
                rel = target.resolve().relative_to(root)
            except ValueError:
                continue
        if rel.parts:
            return folder, "/".join(rel.parts)
    raise NotFound(f"{path} n'est dans aucun dossier synchronisé (voyez « parvis files status »).")


def _file_id(conn: Any, folder: Folder, rel: str) -> str:
    entry = FilesStore(conn).entry(folder.id, rel)
    if entry is None:
        raise NotFound(f"« {rel} » n'est pas encore synchronisé : lancez « parvis sync ».")
    return entry.file_id


async def versions(client: httpx.AsyncClient, conn: Any, folder: Folder, rel: str) -> list[Version]:
    """Return the versions the server keeps of a synced file, newest first. Raises NotFound,
    Refused, SyncError, httpx.TransportError."""
    file_id = _file_id(conn, folder, rel)
    listed = check(await client.get(f"{folder_url(folder.id)}/files/{file_id}/versions")).json()["versions"]
    return [Version(int(v["version"]), v["sha256"], int(v["size"]), v["modified_by"], float(v["modified_at"]))
            for v in listed]


async def restore(client: httpx.AsyncClient, conn: Any, folder: Folder, rel: str, version: int, user: str,
                  transfers: Transfers | None = None) -> FilesReport:
    """Make version `version` of a synced file its newest version on the server (the others
    stay in the history), then sync the folder so that the local file follows (a local edit
    not sent yet is kept as a conflict copy). Returns the folder's report. Raises NotFound,
    Refused (version not kept, rights), SyncError, httpx.TransportError."""
    file_id = _file_id(conn, folder, rel)
    entry = FilesStore(conn).entry(folder.id, rel)
    assert entry is not None
    response = await client.post(f"{folder_url(folder.id)}/files/{file_id}/versions/{version}/restore",
                                 headers={"If-Match": etag(entry.sha256)})
    if response.status_code == 412:
        raise Refused(f"« {rel} » a changé sur le serveur entre-temps : synchronisez, puis recommencez.")
    check(response)
    report = FilesReport()
    await FolderSync(client, FilesStore(conn), FilesStore(conn).folder(folder.id), user, transfers or Transfers(),
                     Options.of(conn), report).run()
    return report


async def sync_files(client: httpx.AsyncClient, conn: Any, user: str, transfers: Transfers | None = None,
                     report: FilesReport | None = None) -> FilesReport:
    """The files step of a sync round: refresh the folder list, then sync every folder synced
    here, one after the other. Raises httpx.TransportError (the server went away), AuthFailed,
    SyncError; a folder that cannot sync (missing, unshared) is an error of the report."""
    report = report or FilesReport()
    transfers = transfers or Transfers()
    store = FilesStore(conn)
    if not store.synced_folders():
        return report
    await refresh_folders(client, conn)
    options = Options.of(conn)
    transfers.clear()
    for folder in store.synced_folders():
        if folder.error and "n'est plus partagé" in folder.error:
            report.errors.append(f"« {folder.name} » : {folder.error}")
            continue
        await FolderSync(client, store, folder, user, transfers, options, report).run()
        await asyncio.sleep(0)
    return report
