"""`parvis`: the desktop app, and subcommands that drive the same core headlessly.

Every command takes --profile DIR, reads PARVIS_PASSPHRASE / PARVIS_PASSWORD when set and
prompts otherwise, prints plain text (or JSON with --json), and exits 0 on success or non-zero
after one line on stderr. `parvis sync` exits 2 when the server cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import platformdirs

from desktop import policy
from editors.export import export, export_format
from storage import outbox, search
from storage.chat import ChatStore, Message, human_size
from storage.docs import DocStore, delete_text, insert_text
from storage.errors import InvalidInput, NotFound, ParvisError
from storage.vault import Vault
from sync import account as accounts
from sync.chat import fetch_attachment
from sync.engine import Engine, share
from sync.errors import AuthFailed, Unreachable
from sync.http import explain, make_client

EXIT_ERROR = 1
EXIT_UNREACHABLE = 2


def default_profile() -> Path:
    env = os.environ.get("PARVIS_PROFILE")
    return Path(env) if env else Path(platformdirs.user_data_dir("Parvis", appauthor=False))


def _secret(env: str, prompt: str, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise InvalidInput(f"{prompt} requise : définissez {env} ou lancez la commande dans un terminal.")
    value = getpass.getpass(f"{prompt} : ")
    if confirm and getpass.getpass(f"{prompt} (confirmation) : ") != value:
        raise InvalidInput("Les deux saisies diffèrent.")
    return value


def _open(args: argparse.Namespace) -> Vault:
    return Vault.open(args.profile, lambda: _secret("PARVIS_PASSPHRASE", "Phrase de passe du profil"))


def _out(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else text)


# -- commands ---------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> None:
    passphrase = None if args.keyring else _secret("PARVIS_PASSPHRASE", "Nouvelle phrase de passe", True)
    vault = Vault.create(args.profile, passphrase)
    vault.close()
    how = "le trousseau système" if args.keyring else "une phrase de passe"
    _out(args, {"profile": str(args.profile), "protection": vault.protection},
         f"Profil créé dans {args.profile}, protégé par {how}.")


def _managed(machine: policy.Policies, name: str, given: str | None) -> str | None:
    """An option's value under the machine's policies: an enforced value wins (and a different
    one given is refused), otherwise what was given, otherwise the installation preset."""
    setting = machine.get(name)
    if setting.locked:
        if given and given != setting.value:
            raise InvalidInput(f"{name} est imposé par votre collectivité ({setting.value}) : "
                               "retirez l'option, ou voyez votre service informatique.")
        return str(setting.value)
    return given or setting.value


def cmd_account_add(args: argparse.Namespace) -> None:
    machine = policy.load()
    server, ca_file = _managed(machine, "ServerUrl", args.server), _managed(machine, "CaFile", args.ca_file)
    if not server:
        raise InvalidInput("Indiquez l'adresse du serveur avec --server (aucune n'est préréglée sur ce poste).")
    vault = _open(args)
    password = _secret("PARVIS_PASSWORD", f"Mot de passe de {args.user} sur {server}")
    account = asyncio.run(accounts.sign_in(vault.conn, server, args.user, password, ca_file))
    _out(args, {"server": account.server_url, "user": account.username},
         f"Compte {account.username} connecté à {account.server_url}.")


def cmd_docs_new(args: argparse.Namespace) -> None:
    vault = _open(args)
    doc_id = DocStore(vault.conn).create(args.title)
    _out(args, {"id": doc_id}, doc_id)


def cmd_docs_list(args: argparse.Namespace) -> None:
    docs = DocStore(_open(args).conn).all()
    lines = [f"{d.id}  {d.title or '(sans titre)'}" + (f"  [{d.pending} en attente]" if d.pending else "")
             for d in docs]
    _out(args, [d.__dict__ for d in docs], "\n".join(lines) if lines else "Aucun document.")


def _open_doc(args: argparse.Namespace) -> tuple[DocStore, Any]:
    store = DocStore(_open(args).conn)
    return store, store.open(store.resolve(args.id))


def cmd_docs_cat(args: argparse.Namespace) -> None:
    _, od = _open_doc(args)
    text = od.text()
    if args.json:
        _out(args, {"id": od.id, "title": od.title(), "text": text}, "")
    else:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")


def _position(value: str) -> int | None:
    if value == "end":
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"Position invalide « {value} » : un nombre de caractères, ou « end ».") from None


def cmd_docs_insert(args: argparse.Namespace) -> None:
    store, od = _open_doc(args)
    pos = _position(args.pos)
    store.edit(od, lambda o: insert_text(o, pos, args.text))


def cmd_docs_delete(args: argparse.Namespace) -> None:
    store, od = _open_doc(args)
    store.edit(od, lambda o: delete_text(o, args.pos, args.len))


def cmd_docs_share(args: argparse.Namespace) -> None:
    store, od = _open_doc(args)
    share(store.conn, od.id, args.user, args.role)
    _out(args, {"id": od.id, "user": args.user, "role": args.role},
         f"Partage avec {args.user} ({args.role}) enregistré ; il part à la prochaine synchronisation.")


def cmd_docs_export(args: argparse.Namespace) -> None:
    path = Path(args.file)
    export_format(path)  # an unknown extension is refused before the passphrase is asked
    _, od = _open_doc(args)
    export(od, path)
    _out(args, {"id": od.id, "file": args.file}, f"Exporté vers {args.file}.")


def _members(value: str | None) -> list[str]:
    return [m.strip() for m in (value or "").split(",") if m.strip()]


def cmd_chat_rooms(args: argparse.Namespace) -> None:
    rooms = ChatStore(_open(args).conn).rooms()
    lines = []
    for r in rooms:
        extra = [f"{r.unread} non lu(s)"] if r.unread else []
        extra += [f"{r.pending} en attente"] if r.pending else []
        extra += [f"{r.failed} refusé(s)"] if r.failed else []
        lines.append(f"{r.id}  {r.name or '(conversation directe)'}" + (f"  [{', '.join(extra)}]" if extra else ""))
    _out(args, [asdict(r) for r in rooms], "\n".join(lines) if lines else "Aucun salon.")


def cmd_chat_new(args: argparse.Namespace) -> None:
    store = ChatStore(_open(args).conn)
    room_id = store.create_room(args.name, _members(args.members), args.group)
    _out(args, {"id": room_id, "name": args.name.strip()}, room_id)


def cmd_chat_send(args: argparse.Namespace) -> None:
    conn = _open(args).conn
    store = ChatStore(conn)
    room_id = store.resolve(args.room)
    account = accounts.current(conn)
    client_id = store.send(room_id, args.text, account.username if account else "", attachments=args.attach or [])
    _out(args, {"room": room_id, "client_id": client_id, "state": "pending"},
         f"Message enregistré ({client_id}) ; il part à la prochaine synchronisation.")


def cmd_chat_retry(args: argparse.Namespace) -> None:
    store = ChatStore(_open(args).conn)
    store.retry(args.client_id)
    _out(args, {"client_id": args.client_id, "state": "pending"},
         f"Message {args.client_id} remis en attente ; il repart à la prochaine synchronisation.")


def cmd_chat_save(args: argparse.Namespace) -> None:
    conn = _open(args).conn
    store = ChatStore(conn)
    room_id = store.attachment_room(args.id)
    if room_id is None:
        raise NotFound(f"Pièce jointe introuvable : {args.id}.")
    data = store.attachment_data(args.id)
    if data is None:
        data = asyncio.run(_download(conn, room_id, args.id))
    Path(args.file).write_bytes(data)
    _out(args, {"id": args.id, "file": args.file, "size": len(data)}, f"Enregistré dans {args.file}.")


async def _download(conn: Any, room_id: str, att_id: str) -> bytes:
    account = accounts.required(conn)
    async with accounts.client(conn, account) as client:
        try:
            return await fetch_attachment(client, conn, room_id, att_id)
        except (httpx.TransportError, OSError) as exc:
            raise explain(exc, account.server_url) from exc


_STATE = {"pending": " (en attente)", "failed": " (refusé)", "sent": ""}


def _local_time(iso_utc: str) -> str:
    """'2026-11-22 17:09' in local time, from the store's ISO UTC form."""
    try:
        moment = datetime.fromisoformat(iso_utc.replace("Z", "+00:00"))
    except ValueError:
        return iso_utc[:16]
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _line(m: Message) -> str:
    seq = f"#{m.seq}" if m.seq is not None else "#…"
    text = "(message supprimé)" if m.deleted else m.text
    edited = " (modifié)" if m.edited_at and not m.deleted else ""
    line = f"{seq} {_local_time(m.created_at)} {m.author or '?'}{_STATE.get(m.state, '')}{edited} : {text}"
    if m.state == "failed" and m.last_error:
        line += f" — {m.last_error}"
    for emoji, users in m.reactions.items():
        line += f"  {emoji} {len(users)}"
    for att in m.attachments:
        line += f"\n    📎 {att.name} ({human_size(att.size)}) [{att.id}]"
    return line


def cmd_chat_read(args: argparse.Namespace) -> None:
    store = ChatStore(_open(args).conn)
    room = store.room(store.resolve(args.room))
    messages = store.messages(room.id, args.limit)
    _out(args, {"room": asdict(room), "messages": [asdict(m) for m in messages]},
         "\n".join(_line(m) for m in messages) if messages else "Aucun message.")


def cmd_sync(args: argparse.Namespace) -> None:
    engine = Engine(_open(args).conn)
    report = asyncio.run(engine.sync_once())
    pending = engine.status.pending
    if report.errors:
        raise ParvisError("Synchronisation incomplète : " + " ; ".join(report.errors))
    done = f"{report.documents} document(s)"
    if report.chat_sent or report.chat_received:
        done += f", {report.chat_sent} message(s) envoyé(s), {report.chat_received} reçu(s)"
    _out(args, {"documents": report.documents, "chat_sent": report.chat_sent, "chat_received": report.chat_received,
                "pending": pending},
         f"Synchronisé : {done}, rien en attente." if not pending
         else f"Synchronisé : {done} ; encore en attente : {pending}.")


async def _probe(url: str, ca_file: str | None) -> str | None:
    """Return None if the server answers /healthz, else the reason."""
    try:
        async with make_client(url, ca_file) as client:
            response = await client.get("/healthz", timeout=5.0)
            return None if response.is_success else f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        return str(exc) or type(exc).__name__


def cmd_status(args: argparse.Namespace) -> None:
    conn = _open(args).conn
    account = accounts.current(conn)
    pending = outbox.counts(conn)
    errors = [e.last_error for e in outbox.pending(conn) if e.last_error]
    errors += [f"message refusé ({m.client_id}) : {m.last_error}" for m in ChatStore(conn).failed_messages()]
    data: dict[str, Any] = {"account": None, "online": None, "pending": pending, "errors": errors}
    lines = []
    if account is None:
        lines.append("Profil local, sans serveur.")
    else:
        reason = asyncio.run(_probe(account.server_url, account.ca_file))
        data.update(account={"server": account.server_url, "user": account.username}, online=reason is None)
        lines.append(f"Compte : {account.username} sur {account.server_url}")
        lines.append("Serveur : en ligne" if reason is None else f"Serveur : hors ligne ({reason})")
    lines.append("En attente : " + (", ".join(f"{m} {n}" for m, n in sorted(pending.items())) or "rien"))
    lines += [f"Erreur : {e}" for e in errors]
    _out(args, data, "\n".join(lines))


def cmd_search(args: argparse.Namespace) -> None:
    store = DocStore(_open(args).conn)
    search.refresh(store.conn, {"doc": store.search_content, "chat": ChatStore(store.conn).search_content})
    hits = search.query(store.conn, args.query)
    _out(args, [h.__dict__ for h in hits],
         "\n".join(f"{h.ref}  {h.title}  — {h.snippet}" for h in hits) or "Aucun résultat.")


# -- parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--profile", type=Path, default=argparse.SUPPRESS, help="dossier du profil")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="sortie JSON")
    parser = argparse.ArgumentParser(prog="parvis", description="Parvis : suite bureautique hors ligne d'abord.")
    parser.add_argument("--profile", type=Path, default=default_profile(), help="dossier du profil")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    parser.add_argument("--self-test", action="store_true",
                        help="vérifie l'installation (profil temporaire, fenêtre invisible) et quitte")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE")

    def command(group: Any, name: str, fn: Callable[[argparse.Namespace], None], help: str) -> Any:
        p = group.add_parser(name, parents=[common], help=help)
        p.set_defaults(fn=fn)
        return p

    p = command(sub, "init", cmd_init, "crée le profil")
    p.add_argument("--keyring", action="store_true", help="protéger la clé par le trousseau système")
    acc = sub.add_parser("account", help="compte sur un serveur souverain").add_subparsers(dest="sub", required=True)
    p = command(acc, "add", cmd_account_add, "se connecter à un serveur")
    p.add_argument("--server", help="adresse du serveur, ex. https://parvis.mairie.fr (par défaut : celle "
                                    "préréglée par le service informatique)")
    p.add_argument("--user", required=True)
    p.add_argument("--ca-file", help="certificat de l'autorité interne (PKI municipale)")
    docs = sub.add_parser("docs", help="documents").add_subparsers(dest="sub", required=True)
    command(docs, "new", cmd_docs_new, "crée un document, hors ligne ; affiche son identifiant").add_argument("title")
    command(docs, "list", cmd_docs_list, "liste les documents")
    command(docs, "cat", cmd_docs_cat, "affiche le texte").add_argument("id")
    p = command(docs, "insert", cmd_docs_insert, "insère du texte à une position (en caractères, ou end)")
    p.add_argument("id")
    p.add_argument("pos")
    p.add_argument("text")
    p = command(docs, "delete", cmd_docs_delete, "supprime LEN caractères à la position POS")
    p.add_argument("id")
    p.add_argument("pos", type=int)
    p.add_argument("len", type=int)
    p = command(docs, "share", cmd_docs_share, "partage un document")
    p.add_argument("id")
    p.add_argument("user")
    p.add_argument("--role", choices=("editor", "reader", "owner"), default="editor")
    p = command(docs, "export", cmd_docs_export, "exporte ; le format suit l'extension : .odt .pdf .html .md .txt")
    p.add_argument("id")
    p.add_argument("file")
    chat = sub.add_parser("chat", help="discussions").add_subparsers(dest="sub", required=True)
    command(chat, "rooms", cmd_chat_rooms, "liste les salons")
    p = command(chat, "new", cmd_chat_new, "crée un salon, hors ligne ; affiche son identifiant")
    p.add_argument("name")
    p.add_argument("--members", help="membres, séparés par des virgules : alice,bob")
    p.add_argument("--group", help="ouvre le salon à un groupe (un service)")
    p = command(chat, "send", cmd_chat_send, "écrit un message, hors ligne ; il part à la prochaine synchronisation")
    p.add_argument("room", help="identifiant (ou son début) ou nom du salon")
    p.add_argument("text")
    p.add_argument("--attach", metavar="FILE", type=Path, action="append",
                   help="pièce jointe (répétable ; le texte peut alors être vide : \"\")")
    command(chat, "retry", cmd_chat_retry, "renvoie un message refusé").add_argument("client_id")
    p = command(chat, "save", cmd_chat_save, "enregistre une pièce jointe dans un fichier (la télécharge si besoin)")
    p.add_argument("id", help="identifiant de la pièce jointe (affiché par « parvis chat read »)")
    p.add_argument("file")
    p = command(chat, "read", cmd_chat_read, "affiche les messages d'un salon")
    p.add_argument("room", help="identifiant (ou son début) ou nom du salon")
    p.add_argument("--limit", type=int, help="seulement les N derniers messages")
    command(sub, "sync", cmd_sync, "synchronise tout avec le serveur")
    command(sub, "status", cmd_status, "état de la synchronisation")
    command(sub, "search", cmd_search, "recherche dans tout le profil").add_argument("query")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from desktop.selftest import run as self_test

        return self_test()
    if not hasattr(args, "fn"):
        from desktop.app import run  # Qt is loaded only for the window, not for commands

        return run(args.profile)
    try:
        args.fn(args)
    except Unreachable as exc:
        print(f"parvis : {exc} Les données locales sont intactes.", file=sys.stderr)
        return EXIT_UNREACHABLE
    except (ParvisError, AuthFailed) as exc:
        print(f"parvis : {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("parvis : interrompu.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
