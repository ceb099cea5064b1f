"""`parvis-server`: serve, and manage users and groups.

    parvis-server serve --data DIR [--host 127.0.0.1] [--port 8765] [--tls-cert F --tls-key F]
    parvis-server user add NAME --data DIR      (password from PARVIS_PASSWORD, else prompted twice)
    parvis-server user list --data DIR
    parvis-server group add NAME --data DIR
    parvis-server group list --data DIR
    parvis-server group add-member NAME USER --data DIR
    parvis-server group remove-member NAME USER --data DIR
    parvis-server files list --data DIR                 (shared folders: id, quota, used, name)
    parvis-server files quota FOLDER SIZE --data DIR    (SIZE in bytes, or 500M, 20G, 1T)

Exit 0 on success; otherwise one line on stderr and a non-zero status.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import re
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from .app import create_app
from .auth import Authenticator, make_hasher
from .config import ServerConfig, check_group_name, check_username
from .errors import ServerError
from .store import load as load_store

_TOKEN_RE = re.compile(r"(token=)[^&\s\"']+", re.IGNORECASE)


class CliError(Exception):
    """A one-line error for the user."""


class _RedactTokens(logging.Filter):
    """Scrubs `token=…` from log records (uvicorn logs request paths with their query string)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message.lower():
            record.msg, record.args = _TOKEN_RE.sub(r"\1***", message), None
        return True


class _QuietDenials(logging.Filter):
    """Drops uvicorn's spurious error after a WebSocket denial response: its websockets-sansio
    protocol (0.54) does not mark the handshake complete once it has sent a 401/403/404 built
    with the denial-response extension, although the client did receive that response."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


class _Server(uvicorn.Server):
    """uvicorn's server, printing one line once it listens."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            sock = self.servers[0].sockets[0]
            port = sock.getsockname()[1]
            scheme = "https" if self.config.ssl else "http"
            print(f"parvis-server à l'écoute sur {scheme}://{self.config.host}:{port}", flush=True)


async def check_store(config: ServerConfig) -> None:
    """Open (creating or migrating) and close the store, so that `serve` fails with one clear line
    rather than a traceback. Raises StoreError, SchemaTooNew."""
    store = load_store(config)
    await store.open()
    await store.close()


def serve(config: ServerConfig, log_level: str = "warning") -> int:
    """Run the server until SIGTERM or SIGINT; return the exit status. Raises CliError, StoreError.
    Main thread."""
    for path in (config.tls_cert, config.tls_key):
        if path is not None and not path.is_file():
            raise CliError(f"fichier TLS introuvable : {path}")
    asyncio.run(check_store(config))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).addFilter(_RedactTokens())
    logging.getLogger("uvicorn.error").addFilter(_QuietDenials())
    uv_config = uvicorn.Config(
        create_app(config),
        host=config.host,
        port=config.port,
        ssl_certfile=str(config.tls_cert) if config.tls_cert else None,
        ssl_keyfile=str(config.tls_key) if config.tls_key else None,
        ws_max_size=config.max_message_bytes + 64,
        ws_per_message_deflate=False,
        access_log=False,
        log_level=log_level,
        lifespan="on",
        server_header=False,
    )
    server = _Server(uv_config)
    # uvicorn re-raises the signal that stopped it once it has shut down: let it land on no-ops
    # so SIGTERM and Ctrl-C end in a clean exit 0.
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    except SystemExit as exc:
        raise CliError("le serveur n'a pas pu démarrer (voir le message ci-dessus)") from exc
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


async def add_user(config: ServerConfig, username: str, password: str) -> None:
    """Create a user with an Argon2id hash of `password`. Raises InvalidName, UserExists,
    StoreError. Loop thread (of a short-lived loop: the CLI, a test)."""
    check_username(username)
    store = load_store(config)
    await store.open()
    try:
        auth = Authenticator(store, make_hasher(config))
        await store.create_user(username, await auth.hash_password(password))
    finally:
        await store.close()


async def user_exists(config: ServerConfig, username: str) -> bool:
    """Whether the user exists. Raises StoreError."""
    store = load_store(config)
    await store.open()
    try:
        return await store.get_user(username) is not None
    finally:
        await store.close()


async def list_users(config: ServerConfig) -> list[str]:
    """Return every user name, sorted. Raises StoreError."""
    store = load_store(config)
    await store.open()
    try:
        return await store.list_users()
    finally:
        await store.close()


async def manage_group(
    config: ServerConfig, action: str, name: str | None = None, user: str | None = None
) -> list[str]:
    """Run one `group` action ("add", "list", "add-member", "remove-member") and return the lines
    to print. Raises InvalidName, GroupExists, UnknownGroup, UnknownUser, NotAMember, StoreError.
    Loop thread (of a short-lived loop: the CLI, a test)."""
    if name is not None:
        check_group_name(name)
    store = load_store(config)
    await store.open()
    try:
        if action == "list":
            return [f"{g} ({len(await store.group_members(g))} membres)" for g in await store.list_groups()]
        assert name is not None
        if action == "add":
            await store.create_group(name)
            return [f"groupe « {name} » créé"]
        assert user is not None
        if action == "add-member":
            added = await store.add_group_member(name, user)
            return [f"« {user} » {'ajouté au' if added else 'est déjà dans le'} groupe « {name} »"]
        await store.remove_group_member(name, user)
        return [f"« {user} » retiré du groupe « {name} »"]
    finally:
        await store.close()


_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """Return a size in bytes from "1073741824", "500M", "20G", "1T" (binary units; "Go", "Gio"
    and "GB" read as "G"). Raises CliError. Any thread."""
    m = re.fullmatch(r"\s*(\d+)\s*([KMGT]?)(?:I?[OB])?\s*", text.upper())
    if m is None or int(m.group(1)) <= 0:
        raise CliError(f"taille invalide : « {text} » (exemples : 500M, 20G, 1T, ou un nombre d'octets)")
    return int(m.group(1)) * _UNITS[m.group(2)]


async def manage_files(config: ServerConfig, action: str, folder: str | None = None, size: int = 0) -> list[str]:
    """Run one `files` action ("list", "quota") and return the lines to print. FOLDER is a
    folder id or a name that only one folder has. Raises CliError, StoreError. Loop thread."""
    store = load_store(config)
    await store.open()
    try:
        folders = await store.all_file_folders()
        if action == "list":
            return [f"{f.id}  {f.used_bytes}/{f.quota_bytes} octets  {f.name}" for f in folders]
        matches = [f for f in folders if folder in (f.id, f.name)]
        if len(matches) != 1:
            why = "inconnu" if not matches else "ambigu : plusieurs dossiers portent ce nom, donnez l'identifiant"
            raise CliError(f"dossier partagé {why} : {folder}")
        updated = await store.set_file_quota(matches[0].id, size)
        return [f"quota du dossier « {updated.name} » : {updated.quota_bytes} octets "
                f"({updated.used_bytes} utilisés)"]
    finally:
        await store.close()


def _read_password() -> str:
    password = os.environ.get("PARVIS_PASSWORD")
    if password is None:
        try:
            password = getpass.getpass("Mot de passe : ")
            if getpass.getpass("Mot de passe (encore) : ") != password:
                raise CliError("les deux mots de passe ne correspondent pas")
        except (EOFError, KeyboardInterrupt) as exc:
            raise CliError("saisie du mot de passe interrompue") from exc
    if not password:
        raise CliError("mot de passe vide refusé")
    return password


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="parvis-server", description="Serveur souverain Parvis.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="lance le serveur")
    s.add_argument("--data", required=True, type=Path, help="dossier des données")
    s.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (127.0.0.1 par défaut)")
    s.add_argument("--port", default=8765, type=int, help="port d'écoute (8765 par défaut, 0 : au choix)")
    s.add_argument("--tls-cert", type=Path, help="certificat TLS (PEM)")
    s.add_argument("--tls-key", type=Path, help="clé privée TLS (PEM)")
    s.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    u = sub.add_parser("user", help="gère les utilisateurs").add_subparsers(dest="action", required=True)
    add = u.add_parser("add", help="crée un utilisateur")
    add.add_argument("name")
    add.add_argument("--data", required=True, type=Path)
    lst = u.add_parser("list", help="liste les utilisateurs")
    lst.add_argument("--data", required=True, type=Path)
    g = sub.add_parser("group", help="gère les groupes (un par service)").add_subparsers(dest="action", required=True)
    gadd = g.add_parser("add", help="crée un groupe")
    gadd.add_argument("name")
    glist = g.add_parser("list", help="liste les groupes")
    for action, text in (("add-member", "ajoute un membre"), ("remove-member", "retire un membre")):
        gm = g.add_parser(action, help=text)
        gm.add_argument("name")
        gm.add_argument("user")
        gm.add_argument("--data", required=True, type=Path)
    for gp in (gadd, glist):
        gp.add_argument("--data", required=True, type=Path)
    f = sub.add_parser("files", help="gère la banque documentaire").add_subparsers(dest="action", required=True)
    f.add_parser("list", help="liste les dossiers partagés").add_argument("--data", required=True, type=Path)
    fq = f.add_parser("quota", help="fixe le quota d'un dossier partagé")
    fq.add_argument("folder", help="identifiant ou nom du dossier")
    fq.add_argument("size", help="taille : 500M, 20G, 1T ou un nombre d'octets")
    fq.add_argument("--data", required=True, type=Path)
    return p


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        if bool(args.tls_cert) != bool(args.tls_key):
            raise CliError("--tls-cert et --tls-key vont ensemble")
        config = ServerConfig(
            data_dir=args.data, host=args.host, port=args.port, tls_cert=args.tls_cert, tls_key=args.tls_key
        )
        return serve(config, args.log_level)
    config = ServerConfig(data_dir=args.data)
    if args.command == "files":
        size = parse_size(args.size) if args.action == "quota" else 0
        for line in asyncio.run(manage_files(config, args.action, getattr(args, "folder", None), size)):
            print(line)
        return 0
    if args.command == "group":
        lines = asyncio.run(manage_group(config, args.action, getattr(args, "name", None), getattr(args, "user", None)))
        for line in lines:
            print(line)
        return 0
    if args.action == "add":
        check_username(args.name)
        if asyncio.run(user_exists(config, args.name)):  # before asking for a password
            raise CliError(f"l'utilisateur « {args.name} » existe déjà")
        asyncio.run(add_user(config, args.name, _read_password()))
        print(f"utilisateur « {args.name} » créé")
    else:
        for name in asyncio.run(list_users(config)):
            print(name)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `parvis-server`; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (CliError, ServerError) as exc:
        print(f"parvis-server : erreur : {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
