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
from storage.calendar import CalendarStore
from storage.chat import ChatStore, Message, human_size
from storage.docs import DocStore, delete_text, insert_text
from storage.errors import InvalidInput, NotFound, ParvisError
from storage.mail import MailAccount, MailStore, MessageSummary
from storage.mail_mime import html_to_text
from storage.vault import Vault
from sync import account as accounts
from sync.chat import fetch_attachment
from sync.engine import Engine, share
from sync.errors import AuthFailed, Unreachable
from sync.http import make_client
from sync.mail import fetch_body
from sync.mail.detect import save, split_host, verify

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
    return await accounts.online(conn, lambda client, _: fetch_attachment(client, conn, room_id, att_id))


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


# -- mail -------------------------------------------------------------------------------

_SECURITY_NAMES = {"tls": "TLS", "starttls": "STARTTLS", "plain": "sans chiffrement"}


def cmd_mail_account_add(args: argparse.Namespace) -> None:
    if args.address is None and "@" not in args.user:
        raise InvalidInput("Indiquez l'adresse de messagerie avec --address (l'identifiant n'en est pas une).")
    vault = _open(args)
    password = _secret("PARVIS_PASSWORD", f"Mot de passe de {args.user} sur {split_host(args.imap)[0]}")
    verified = verify(args.address or "", args.user, password, args.imap, args.smtp, args.security, args.ca_file)
    account_id = save(vault.conn, verified, password)
    account = MailStore(vault.conn).account(account_id)
    address, imap, smtp = account.address, verified.imap, verified.smtp
    _out(args, asdict(account),
         f"Compte de messagerie {address} ajouté (n° {account_id}) : réception {imap} "
         f"({_SECURITY_NAMES[imap.security]}), envoi {smtp} ({_SECURITY_NAMES[smtp.security]}). "
         "Lancez « parvis sync » pour relever le courrier.")


def _mail_account(store: MailStore, ref: str | None) -> MailAccount:
    """The account given by number or address, or the first one. Raises NotFound."""
    accounts = store.accounts()
    if not accounts:
        raise NotFound("Aucun compte de messagerie : ajoutez-en un avec « parvis mail account add ».")
    if ref is None:
        return accounts[0]
    for account in accounts:
        if str(account.id) == ref or account.address.lower() == ref.lower():
            return account
    raise NotFound(f"Compte de messagerie introuvable : {ref}.")


def _mail_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"Numéro de message invalide : « {value} ».") from None


def cmd_mail_folders(args: argparse.Namespace) -> None:
    store = MailStore(_open(args).conn)
    account = _mail_account(store, args.account)
    folders = store.folders(account.id)
    lines = [f"{f.id}  {f.display}" + (f"  ({f.name})" if f.special and f.display != f.name else "")
             + f"  [{f.unread} non lu(s) / {f.total}]" for f in folders]
    _out(args, [asdict(f) for f in folders],
         "\n".join(lines) if lines else "Aucun dossier : lancez « parvis sync » pour relever le courrier.")


def _mail_line(m: MessageSummary, folder: str | None = None) -> str:
    marks = [] if m.seen else ["non lu"]
    marks += ["suivi"] if m.flagged else []
    marks += ["répondu"] if m.answered else []
    marks += ["pièce jointe"] if m.has_attachments else []
    marks += ["en attente"] if m.pending else []
    where = f"{folder}  " if folder else ""
    line = f"{m.id}  {where}{_local_time(m.date) if m.date else '?':16}  {m.sender or m.sender_address or '?'} : "
    return line + (m.subject or "(sans objet)") + (f"  [{', '.join(marks)}]" if marks else "")


def cmd_mail_list(args: argparse.Namespace) -> None:
    store = MailStore(_open(args).conn)
    account = _mail_account(store, args.account)
    folder = store.resolve_folder(args.folder, account.id) if args.folder else store.special_folder(account.id,
                                                                                                      "inbox")
    if folder is None:
        raise NotFound("Pas encore de boîte de réception : lancez « parvis sync » pour relever le courrier.")
    messages = store.messages(folder.id, limit=args.limit)
    _out(args, [asdict(m) for m in messages], "\n".join(_mail_line(m) for m in messages) or "Aucun message.")


def cmd_mail_show(args: argparse.Namespace) -> None:
    conn = _open(args).conn
    store = MailStore(conn)
    message_id = _mail_id(args.id)
    body = store.message(message_id)
    if body is None:
        raise NotFound(f"Message introuvable : {args.id}.")
    note = ""
    if body.text is None and body.html is None:
        try:
            body = asyncio.run(fetch_body(conn, message_id))
        except (Unreachable, AuthFailed, NotFound) as exc:
            note = f"(Contenu non téléchargé : {exc})"
    if args.json:
        _out(args, asdict(body), "")
        return
    s = body.summary
    lines = [f"De : {body.from_}", f"À : {', '.join(body.to)}"]
    lines += [f"Cc : {', '.join(body.cc)}"] if body.cc else []
    lines += [f"Répondre à : {', '.join(body.reply_to)}"] if body.reply_to else []
    lines += [f"Date : {_local_time(s.date) if s.date else '?'}", f"Objet : {s.subject or '(sans objet)'}", ""]
    text = body.text if body.text is not None else html_to_text(body.html) if body.html is not None else note
    lines.append(text.rstrip("\n"))
    if body.attachments:
        lines += ["", "Pièces jointes :"]
        lines += [f"  [{a.index}] {a.name} ({a.type}, {human_size(a.size)})" for a in body.attachments]
    print("\n".join(lines))


def cmd_mail_search(args: argparse.Namespace) -> None:
    store = MailStore(_open(args).conn)
    found = store.search(args.query, limit=args.limit)
    names = {f.id: f.display for a in store.accounts() for f in store.folders(a.id)}
    _out(args, [asdict(m) for m in found],
         "\n".join(_mail_line(m, names.get(m.folder)) for m in found) or "Aucun résultat.")


def cmd_mail_flag(args: argparse.Namespace) -> None:
    store = MailStore(_open(args).conn)
    ids = [_mail_id(i) for i in args.ids]
    if args.seen is None and args.flagged is None:
        raise InvalidInput("Indiquez --seen, --unseen, --flagged ou --unflagged.")
    if args.seen is not None:
        store.set_seen(ids, args.seen)
    if args.flagged is not None:
        store.set_flagged(ids, args.flagged)
    _out(args, {"ids": ids, "seen": args.seen, "flagged": args.flagged},
         "Enregistré ; le serveur de messagerie le saura à la prochaine synchronisation.")


def cmd_mail_move(args: argparse.Namespace) -> None:
    store = MailStore(_open(args).conn)
    message_id = _mail_id(args.id)
    summary = store.summary(message_id)
    if summary is None:
        raise NotFound(f"Message introuvable : {args.id}.")
    folder = store.resolve_folder(args.folder, summary.account)
    store.move([message_id], folder.id)
    _out(args, {"id": message_id, "folder": folder.id},
         f"Message déplacé dans « {folder.display} » ; le serveur suivra à la prochaine synchronisation.")


def cmd_mail_delete(args: argparse.Namespace) -> None:
    store = MailStore(_open(args).conn)
    ids = [_mail_id(i) for i in args.ids]
    count = store.delete(ids)
    _out(args, {"ids": ids, "deleted": count},
         f"{count} message(s) supprimé(s) (dans la corbeille, ou définitivement s'ils y étaient) ; "
         "le serveur suivra à la prochaine synchronisation.")


# `parvis mail send`: the Boîte d'envoi (storage.mail_outgoing, sync.mail.send).


def cmd_mail_send(args: argparse.Namespace) -> None:
    from storage import mail_outgoing
    from storage.mail_compose import Draft
    from sync.mail import MailReport
    from sync.mail.send import send_queued

    conn = _open(args).conn
    store = MailStore(conn)
    account = _mail_account(store, args.account)
    body = sys.stdin.read() if args.body == "-" else args.body
    draft = Draft(account.id, to=args.to or [], cc=args.cc or [], bcc=args.bcc or [], subject=args.subject,
                  body=body, attachments=args.attach or [])
    outgoing_id = mail_outgoing.queue(conn, draft, account)
    state, reason = "queued", None
    if not args.later:
        report = MailReport()
        asyncio.run(send_queued(conn, report))
        try:
            item = mail_outgoing.get(conn, outgoing_id)
            state, reason = item.state, item.last_error
        except NotFound:
            state = "sent"
    texts = {"sent": "Message envoyé (copie dans « Envoyés »).",
             "smtp_done": f"Message envoyé ; sa copie dans « Envoyés » sera faite à la prochaine synchronisation "
                          f"({reason}).",
             "queued": "Message placé dans la boîte d'envoi ; il partira à la prochaine synchronisation"
                       + (f" ({reason})." if reason else ".")}
    if state == "failed":
        _out(args, {"id": outgoing_id, "state": state, "error": reason}, str(outgoing_id))
        raise ParvisError(f"Message refusé, gardé dans la boîte d'envoi (n° {outgoing_id}) : {reason}")
    _out(args, {"id": outgoing_id, "state": state, "error": reason}, f"{texts[state]}\n{outgoing_id}")


def cmd_sync(args: argparse.Namespace) -> None:
    engine = Engine(_open(args).conn)
    report = asyncio.run(engine.sync_once())
    pending = engine.status.pending
    for note in report.mail_notes + report.cal_notes + report.files_notes:
        print(f"parvis : {note}", file=sys.stderr)
    if report.errors:
        message = "Synchronisation incomplète : " + " ; ".join(report.errors)
        if isinstance(report.mail_error, Unreachable):  # a server could not be reached: exit 2
            raise Unreachable(message)
        raise ParvisError(message)
    done = f"{report.documents} document(s)"
    if report.chat_sent or report.chat_received:
        done += f", {report.chat_sent} message(s) envoyé(s), {report.chat_received} reçu(s)"
    if report.mail_received or report.mail_sent or report.mail_actions:
        done += (f", {report.mail_received} courriel(s) reçu(s), {report.mail_sent} envoyé(s), "
                 f"{report.mail_actions} action(s) appliquée(s)")
    if report.cal_received or report.cal_sent or report.cal_conflicts:
        done += (f", {report.cal_received} événement(s) reçu(s), {report.cal_sent} envoyé(s)"
                 + (f", {report.cal_conflicts} conflit(s)" if report.cal_conflicts else ""))
    if report.files_up or report.files_down or report.files_moved or report.files_deleted or report.files_conflicts:
        done += (f", {report.files_up} fichier(s) envoyé(s), {report.files_down} reçu(s)"
                 + (f", {report.files_moved} déplacé(s)" if report.files_moved else "")
                 + (f", {report.files_deleted} supprimé(s)" if report.files_deleted else "")
                 + (f", {report.files_conflicts} conflit(s)" if report.files_conflicts else ""))
    _out(args, {"documents": report.documents, "chat_sent": report.chat_sent, "chat_received": report.chat_received,
                "mail_received": report.mail_received, "mail_bodies": report.mail_bodies,
                "mail_sent": report.mail_sent, "mail_actions": report.mail_actions, "mail_notes": report.mail_notes,
                "cal_received": report.cal_received, "cal_sent": report.cal_sent,
                "cal_conflicts": report.cal_conflicts, "cal_notes": report.cal_notes,
                "files_up": report.files_up, "files_down": report.files_down, "files_moved": report.files_moved,
                "files_deleted": report.files_deleted, "files_conflicts": report.files_conflicts,
                "files_notes": report.files_notes,
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
    mail_accounts = MailStore(conn).accounts()
    data["mail"] = [{"address": a.address, "imap": f"{a.imap_host}:{a.imap_port}"} for a in mail_accounts]
    if account is None and mail_accounts:
        lines[-1] = "Profil sans serveur souverain."
    lines += [f"Messagerie : {a.address} ({a.imap_host}:{a.imap_port})" for a in mail_accounts]
    lines.append("En attente : " + (", ".join(f"{m} {n}" for m, n in sorted(pending.items())) or "rien"))
    lines += [f"Erreur : {e}" for e in errors]
    _out(args, data, "\n".join(lines))


def cmd_search(args: argparse.Namespace) -> None:
    store = DocStore(_open(args).conn)
    MailStore(store.conn).refresh_index()
    CalendarStore(store.conn).refresh_index()
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
    mail = sub.add_parser("mail", help="messagerie (IMAP/SMTP)").add_subparsers(dest="sub", required=True)
    mail_account = mail.add_parser("account", help="comptes de messagerie").add_subparsers(dest="sub2", required=True)
    p = command(mail_account, "add", cmd_mail_account_add,
                "ajoute un compte (vérifie l'identifiant ; ports usuels essayés s'ils ne sont pas donnés)")
    p.add_argument("--imap", required=True, metavar="HÔTE[:PORT]", help="serveur de réception (IMAP)")
    p.add_argument("--smtp", metavar="HÔTE[:PORT]", help="serveur d'envoi (SMTP ; par défaut celui de réception)")
    p.add_argument("--user", required=True, help="identifiant de messagerie")
    p.add_argument("--address", help="adresse de messagerie (par défaut l'identifiant, s'il en est une)")
    p.add_argument("--security", choices=("tls", "starttls", "plain"),
                   help="chiffrement (par défaut : TLS, sinon STARTTLS ; plain : vers cette machine seulement)")
    p.add_argument("--ca-file", help="certificat de l'autorité interne (PKI municipale)")
    p = command(mail, "folders", cmd_mail_folders, "liste les dossiers")
    p.add_argument("--account", help="numéro ou adresse du compte (par défaut le premier)")
    p = command(mail, "list", cmd_mail_list, "liste les messages d'un dossier (la boîte de réception par défaut)")
    p.add_argument("folder", nargs="?", help="numéro, nom ou nom affiché du dossier")
    p.add_argument("--limit", type=int, help="seulement les N plus récents")
    p.add_argument("--account", help="numéro ou adresse du compte (par défaut le premier)")
    command(mail, "show", cmd_mail_show, "affiche un message (le télécharge si besoin)").add_argument("id")
    p = command(mail, "search", cmd_mail_search, "cherche dans les messages")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=50)
    p = command(mail, "flag", cmd_mail_flag, "marque lu, non lu, suivi ou non, hors ligne")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--seen", dest="seen", action="store_const", const=True, help="lu")
    p.add_argument("--unseen", dest="seen", action="store_const", const=False, help="non lu")
    p.add_argument("--flagged", dest="flagged", action="store_const", const=True, help="suivi (étoile)")
    p.add_argument("--unflagged", dest="flagged", action="store_const", const=False, help="non suivi")
    p = command(mail, "move", cmd_mail_move, "déplace un message dans un dossier, hors ligne")
    p.add_argument("id")
    p.add_argument("folder", help="numéro, nom ou nom affiché du dossier")
    p = command(mail, "delete", cmd_mail_delete, "supprime (vers la corbeille ; définitivement depuis la corbeille)")
    p.add_argument("ids", nargs="+", metavar="ID")
    p = command(mail, "send", cmd_mail_send, "écrit un message, hors ligne s'il le faut : il part tout de suite, "
                "ou de la boîte d'envoi à la prochaine synchronisation ; affiche son numéro en dernier")
    for option, what in (("--to", "destinataire"), ("--cc", "copie"), ("--bcc", "copie cachée")):
        p.add_argument(option, action="append", metavar="ADRESSE", help=f"{what} (répétable)")
    p.add_argument("--subject", required=True, help="objet")
    p.add_argument("--body", required=True, metavar="TEXTE", help="texte du message (« - » : lu sur l'entrée)")
    p.add_argument("--attach", metavar="FICHIER", type=Path, action="append", help="pièce jointe (répétable)")
    p.add_argument("--account", help="numéro ou adresse du compte (par défaut le premier)")
    p.add_argument("--later", action="store_true", help="seulement dans la boîte d'envoi, sans essayer maintenant")
    from desktop.cli_cal import register as register_cal  # here: cli_cal uses this module's helpers

    register_cal(sub, command)
    from desktop.cli_files import register as register_files

    register_files(sub, command)
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
