"""`parvis files …`: the document bank (shared folders synced with a folder of this PC) from
the command line, on the same store and sync as the app.

Creating a folder, sharing it, listing versions and restoring one need the server (exit 2
without it); choosing where a folder syncs and the status work offline; the files themselves
go with `parvis sync`. The synced folder holds plain files, as any synced folder: protect the
disk with the system's encryption (BitLocker, FileVault, LUKS).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from storage.chat import human_size
from storage.errors import InvalidInput, NotFound
from storage.files import FilesStore, Folder
from sync import account as accounts
from sync import files
from sync.errors import Unreachable

from .cli import _members, _open, _out

T = TypeVar("T")
_STATES = {"synced": "synchronisé", "pending": "en attente", "conflict": "en conflit", "error": "erreur"}
_COUNTED = {"synced": "synchronisé(s)", "pending": "en attente", "conflict": "en conflit", "error": "en erreur"}
ROLE_NAMES = {"owner": "propriétaire", "editor": "modification", "reader": "lecture seule"}


def _online(conn: Any, step: Callable[[httpx.AsyncClient, str], Awaitable[T]]) -> T:
    """Run `step(client, username)` against the profile's server. Raises NoAccount,
    Unreachable, AuthFailed, Refused."""
    return asyncio.run(accounts.online(conn, lambda client, account: step(client, account.username)))


def _folder_line(f: Folder) -> str:
    where = f"  → {f.local_path}" if f.local_path else "  (non synchronisé ici)"
    error = f"  [erreur : {f.error}]" if f.error else ""
    space = f"{human_size(f.used_bytes)} / {human_size(f.quota_bytes)}"
    return f"{f.id}  {f.name}  ({ROLE_NAMES.get(f.role, f.role)}, {space}){where}{error}"


def cmd_folders(args: argparse.Namespace) -> None:
    conn = _open(args).conn
    note = ""
    try:
        found = _online(conn, lambda client, _: files.refresh_folders(client, conn))
    except Unreachable as exc:
        found, note = FilesStore(conn).folders(), f"\n(liste gardée sur ce poste : {exc})"
    _out(args, [asdict(f) for f in found],
         ("\n".join(_folder_line(f) for f in found) or "Aucun dossier partagé.") + note)


def cmd_new(args: argparse.Namespace) -> None:
    conn = _open(args).conn
    folder = _online(conn, lambda client, _: files.create_folder(client, conn, args.name, _members(args.members),
                                                                 args.group))
    _out(args, asdict(folder), f"Dossier partagé « {folder.name} » créé.\n{folder.id}")


def _resolve(conn: Any, ref: str) -> Folder:
    store = FilesStore(conn)
    try:
        return store.resolve(ref)
    except NotFound:
        try:  # not known here yet: the server may have it
            _online(conn, lambda client, _: files.refresh_folders(client, conn))
        except Unreachable:
            pass
        return store.resolve(ref)


def cmd_sync_folder(args: argparse.Namespace) -> None:
    conn = _open(args).conn
    folder = _resolve(conn, args.folder)
    root = files.choose_folder(conn, folder.id, Path(args.local_path), args.profile)
    _out(args, {"id": folder.id, "name": folder.name, "local_path": str(root)},
         f"« {folder.name} » se synchronise dans {root} (fichiers en clair : protégez le disque par le chiffrement "
         "du système). Lancez « parvis sync ».")


def cmd_share(args: argparse.Namespace) -> None:
    conn = _open(args).conn
    folder = _resolve(conn, args.folder)
    listed = _online(conn, lambda client, _: files.share_folder(client, folder.id, args.user, args.role))
    _out(args, listed, f"« {folder.name} » partagé avec {args.user} ({ROLE_NAMES[args.role]}).")


def cmd_status(args: argparse.Namespace) -> None:
    conn = _open(args).conn
    store = FilesStore(conn)
    data, lines = [], []
    for folder in store.synced_folders():
        states = files.local_status(conn, folder.id)
        folder = store.folder(folder.id)
        data.append({**asdict(folder), "files": [asdict(s) for s in states]})
        when = datetime.fromtimestamp(folder.last_sync).strftime("%Y-%m-%d %H:%M") if folder.last_sync else "jamais"
        lines.append(f"{folder.name} → {folder.local_path} (dernière synchronisation : {when})")
        if folder.error:
            lines.append(f"  erreur : {folder.error}")
        counts: dict[str, int] = {}
        for s in states:
            counts[s.state] = counts.get(s.state, 0) + 1
            if s.state != "synced":
                lines.append(f"  {_STATES[s.state]} : {s.path}" + (f" — {s.message}" if s.message else ""))
        lines.append("  " + (", ".join(f"{n} {_COUNTED[k]}" for k, n in sorted(counts.items())) or "vide"))
    _out(args, data, "\n".join(lines) or "Aucun dossier synchronisé : voyez « parvis files sync-folder ».")


def cmd_versions(args: argparse.Namespace) -> None:
    conn = _open(args).conn
    folder, rel = files.locate(conn, Path(args.path))
    found = _online(conn, lambda client, _: files.versions(client, conn, folder, rel))
    lines = [f"{v.version}  {datetime.fromtimestamp(v.modified_at):%Y-%m-%d %H:%M}  {v.modified_by}  "
             f"{human_size(v.size)}" for v in found]
    _out(args, [asdict(v) for v in found], "\n".join(lines) or "Aucune version.")


def cmd_restore(args: argparse.Namespace) -> None:
    conn = _open(args).conn
    folder, rel = files.locate(conn, Path(args.path))
    if args.version < 1:
        raise InvalidInput("Numéro de version invalide : voyez « parvis files versions ».")
    report = _online(conn, lambda client, user: files.restore(client, conn, folder, rel, args.version, user))
    _out(args, {"folder": folder.id, "path": rel, "restored": args.version, "notes": report.notes},
         f"Version {args.version} de « {rel} » rétablie (elle devient la plus récente ; l'historique est gardé)."
         + "".join(f"\n{n}" for n in report.notes))


def register(sub: Any, command: Callable[[Any, str, Callable[[argparse.Namespace], None], str], Any]) -> None:
    """Add `parvis files …` to the parser (`command` is cli.build_parser's helper)."""
    group = sub.add_parser("files", help="banque documentaire (dossiers partagés)").add_subparsers(dest="sub",
                                                                                                 required=True)
    command(group, "folders", cmd_folders, "liste les dossiers partagés")
    p = command(group, "new", cmd_new, "crée un dossier partagé (en ligne) ; affiche son identifiant en dernier")
    p.add_argument("name")
    p.add_argument("--members", help="membres (éditeurs), séparés par des virgules : alice,bob")
    p.add_argument("--group", help="ouvre le dossier à un groupe (un service)")
    p = command(group, "sync-folder", cmd_sync_folder, "synchronise un dossier partagé dans un dossier de ce poste")
    p.add_argument("folder", help="identifiant ou nom du dossier partagé")
    p.add_argument("local_path", help="dossier de ce poste (créé s'il n'existe pas)")
    p = command(group, "share", cmd_share, "partage un dossier avec quelqu'un (propriétaires)")
    p.add_argument("folder", help="identifiant ou nom du dossier partagé")
    p.add_argument("user")
    p.add_argument("--role", choices=files.api.ROLES, default="editor")
    command(group, "status", cmd_status, "état de chaque dossier synchronisé et des fichiers pas à jour")
    command(group, "versions", cmd_versions, "versions gardées d'un fichier").add_argument("path")
    p = command(group, "restore", cmd_restore, "rétablit une version d'un fichier")
    p.add_argument("path")
    p.add_argument("version", type=int)
