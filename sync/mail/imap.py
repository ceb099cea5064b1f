"""An IMAP session over imapclient, and IMAP failures translated into the engine's errors.

Every method of `ImapSession` blocks on the network: call them from a worker thread
(`asyncio.to_thread`), one at a time (a session is not shared by two threads at once), and
never touch the store from there.

imapclient has no API for QRESYNC's VANISHED responses, and its `fetch` refuses ranges such as
`1:*`; `fetch` here sends the UID FETCH itself (imaplib's tagged-command plumbing) and parses
the answer with imapclient's own parser, VANISHED (EARLIER) included. QRESYNC is used through
`UID FETCH 1:n (FLAGS) (CHANGEDSINCE m VANISHED)` after an ordinary SELECT: the flags changed
and the UIDs expunged since the last sync, in one round trip, without the SELECT parameter.
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError
from imapclient.response_parser import parse_fetch_response

from storage.errors import ParvisError

from ..errors import AuthFailed, SyncError, Unreachable
from .tls import check_security, context

TIMEOUT = 30.0
_COPYUID = re.compile(rb"COPYUID\s+(\d+)\s+([\d:,]+)\s+([\d:,]+)", re.IGNORECASE)


class CertificateRejected(Unreachable):
    """The server's TLS certificate is not trusted (an internal PKI needs --ca-file)."""


class UnknownHost(Unreachable):
    """The server's name does not resolve."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    security: str  # tls | starttls | plain
    ca_file: str | None = None

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def parse_uid_set(text: bytes | str) -> list[int]:
    """'1:3,7' → [1, 2, 3, 7]."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    result: list[int] = []
    for piece in text.replace("(EARLIER)", "").strip().split(","):
        piece = piece.strip()
        if not piece:
            continue
        if ":" in piece:
            low, high = sorted(int(x) for x in piece.split(":", 1))
            result.extend(range(low, high + 1))
        else:
            result.append(int(piece))
    return result


def uid_set(uids: Iterable[int]) -> str:
    """[1, 2, 3, 7] → '1:3,7'."""
    ordered = sorted(set(uids))
    ranges: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        ranges.append(str(ordered[i]) if i == j else f"{ordered[i]}:{ordered[j]}")
        i = j + 1
    return ",".join(ranges)


def translate(exc: BaseException, endpoint: Endpoint, during_sync: bool = True) -> ParvisError:
    """A network or IMAP failure as an error a user can act on (French, one line)."""
    where = f"le serveur de messagerie {endpoint}"
    if isinstance(exc, ParvisError):
        return exc
    if isinstance(exc, LoginError):
        return AuthFailed(f"Identifiant ou mot de passe refusé par {where} : vérifiez-les (le mot de passe est "
                          "celui de la messagerie), puis ajoutez à nouveau le compte avec « parvis mail account add ».")
    if isinstance(exc, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        reason = getattr(exc, "verify_message", "") or str(exc)
        return CertificateRejected(f"Le certificat TLS de {where} n'est pas reconnu ({reason}). Vérifiez l'adresse, ou "
                           "indiquez le fichier de l'autorité de certification de votre collectivité (--ca-file).")
    if isinstance(exc, ssl.SSLError):
        return Unreachable(f"La connexion chiffrée avec {where} a échoué ({exc.reason or exc}) : le port ou le mode "
                           "de sécurité ne correspond sans doute pas (--security tls ou starttls).")
    if isinstance(exc, socket.gaierror):
        return UnknownHost(f"Serveur de messagerie injoignable : le nom « {endpoint.host} » est inconnu. "
                           "Vérifiez l'adresse, ou le réseau.")
    if isinstance(exc, ConnectionRefusedError):
        return Unreachable(f"Serveur de messagerie injoignable : {endpoint} refuse la connexion "
                           "(port fermé, ou serveur arrêté).")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return Unreachable(f"Le serveur de messagerie {endpoint} ne répond pas (délai dépassé).")
    if isinstance(exc, (IMAPClientAbortError, ConnectionError, EOFError, OSError)):
        if during_sync:
            return Unreachable(f"La connexion avec {where} a été coupée en cours de synchronisation. Ce qui était "
                               "reçu est enregistré ; la prochaine synchronisation reprendra là.")
        return Unreachable(f"Serveur de messagerie injoignable : {endpoint} ({exc or type(exc).__name__}).")
    if isinstance(exc, IMAPClientError):
        text = str(exc)
        if "STARTTLS" in text.upper():
            return Unreachable(f"{where.capitalize()} ne propose pas STARTTLS : essayez --security tls.")
        return SyncError(f"{where.capitalize()} a refusé une commande : {text}.")
    return SyncError(f"Erreur avec {where} : {exc or type(exc).__name__}.")


class ImapSession:
    """One logged-in IMAP connection. `commands` lists the verbs sent (never their arguments,
    so never a password): tests count them."""

    def __init__(self, client: IMAPClient, endpoint: Endpoint) -> None:
        self.client = client
        self.endpoint = endpoint
        self.commands: list[str] = []
        self.capabilities: set[bytes] = set()
        self.qresync = self.condstore = False
        imap = client._imap
        send = imap.send

        def counting_send(data: bytes) -> None:
            words = data.split(b" ", 3)
            if len(words) > 1 and words[0].isalnum() and not data.startswith(b"DONE"):
                verb = words[1].decode("ascii", "replace").upper()
                if verb == "UID" and len(words) > 2:
                    verb += " " + words[2].decode("ascii", "replace").upper()
                self.commands.append(verb.strip())
            send(data)

        imap.send = counting_send

    @classmethod
    def open(cls, endpoint: Endpoint, username: str, password: str, timeout: float = TIMEOUT) -> ImapSession:
        """Connect with the endpoint's security, log in and enable QRESYNC (or CONDSTORE) when
        offered. Raises InvalidInput (plain towards another machine), or the translated
        AuthFailed / Unreachable / SyncError."""
        check_security(endpoint.host, endpoint.security)
        ctx = context(endpoint.ca_file) if endpoint.security != "plain" else None
        try:
            client = IMAPClient(endpoint.host, endpoint.port, ssl=endpoint.security == "tls", ssl_context=ctx,
                                timeout=timeout)
        except Exception as exc:
            raise translate(exc, endpoint, during_sync=False) from exc
        session = cls(client, endpoint)
        try:
            if endpoint.security == "starttls":
                client.starttls(ctx)
            client.login(username, password)
            session.capabilities = {c.upper() for c in client.capabilities()}
            if b"ENABLE" in session.capabilities and b"QRESYNC" in session.capabilities:
                session.qresync = b"QRESYNC" in {c.upper() for c in client.enable("QRESYNC")}
            if session.qresync:
                session.condstore = True
            elif b"CONDSTORE" in session.capabilities:
                if b"ENABLE" in session.capabilities:
                    client.enable("CONDSTORE")
                session.condstore = True
        except Exception as exc:
            session.close()
            raise translate(exc, endpoint, during_sync=False) from exc
        return session

    def close(self) -> None:
        """Log out, or drop the connection if the server is gone. Never raises."""
        try:
            self.client.logout()
        except Exception:
            try:
                self.client.shutdown()
            except Exception:
                pass

    # -- folders ------------------------------------------------------------------------

    def list_folders(self) -> list[tuple[tuple[bytes, ...], str, str]]:
        """(flags, delimiter, name) of every folder, names decoded from modified UTF-7. With
        SPECIAL-USE, its flags (\\Sent, \\Trash…) come with them."""
        listed = self.client.list_folders()
        result = []
        for flags, delimiter, name in listed:
            delim = delimiter.decode() if isinstance(delimiter, bytes) else str(delimiter or "/")
            result.append((tuple(flags), delim, name if isinstance(name, str) else name.decode("utf-8", "replace")))
        return result

    def status(self, name: str) -> dict[bytes, int]:
        """MESSAGES, UIDNEXT, UIDVALIDITY (and HIGHESTMODSEQ with CONDSTORE) of a folder."""
        what = ["MESSAGES", "UIDNEXT", "UIDVALIDITY"] + (["HIGHESTMODSEQ"] if self.condstore else [])
        return {k.upper(): int(v) for k, v in self.client.folder_status(name, what).items()}

    def select(self, name: str, readonly: bool = False) -> dict[bytes, Any]:
        """SELECT (or EXAMINE) a folder; returns EXISTS, UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ."""
        self.client._imap.untagged_responses.clear()
        return dict(self.client.select_folder(name, readonly=readonly))

    # -- messages -----------------------------------------------------------------------

    def search(self, criteria: Sequence[Any]) -> list[int]:
        """UID SEARCH; e.g. ["UID", "5:*"], ["ALL"], ["SINCE", date]."""
        return sorted(int(u) for u in self.client.search(list(criteria)))

    def fetch(self, uids: str, items: str, modifiers: str | None = None) -> tuple[dict[int, dict[bytes, Any]],
                                                                                  set[int]]:
        """UID FETCH `uids` (a set such as '1:500') `items` with optional modifiers, e.g.
        '(CHANGEDSINCE 12 VANISHED)'. Returns ({uid: {item: value}}, UIDs reported VANISHED)."""
        imap = self.client._imap
        imap.untagged_responses.pop("VANISHED", None)
        imap.untagged_responses.pop("FETCH", None)
        args = ["UID", "FETCH", uids, items] + ([modifiers] if modifiers else [])
        tag = imap._command(*args)
        typ, data = imap._command_complete("FETCH", tag)
        if typ != "OK":
            raise IMAPClientError(f"FETCH : {data[0]!r}")
        typ, data = imap._untagged_response(typ, data, "FETCH")
        vanished: set[int] = set()
        for line in imap.untagged_responses.pop("VANISHED", []):
            vanished.update(parse_uid_set(line))
        parsed = parse_fetch_response(data, True, True) if data and data != [None] else {}
        return {int(uid): dict(values) for uid, values in parsed.items() if isinstance(uid, int)}, vanished

    def store(self, uids: Sequence[int], flag: str, on: bool) -> None:
        if not uids:
            return
        if on:
            self.client.add_flags(list(uids), [flag], silent=True)
        else:
            self.client.remove_flags(list(uids), [flag], silent=True)

    def move(self, uids: Sequence[int], folder: str) -> dict[int, int]:
        """Move messages of the selected folder to `folder` (MOVE, or COPY then expunge).
        Returns {old uid: new uid} when the server says (UIDPLUS), else {}."""
        if not uids:
            return {}
        imap = self.client._imap
        imap.untagged_responses.pop("COPYUID", None)
        verb = "MOVE" if b"MOVE" in self.capabilities else "COPY"
        tag = imap._command("UID", verb, uid_set(uids), self.client._normalise_folder(folder))
        typ, data = imap._command_complete(verb, tag)
        if typ != "OK":
            raise IMAPClientError(f"{verb} : {data[0]!r}")
        texts = [b"COPYUID " + line for line in imap.untagged_responses.pop("COPYUID", []) if isinstance(line, bytes)]
        texts += [d for d in data if isinstance(d, bytes)]
        mapping: dict[int, int] = {}
        for text in texts:
            match = _COPYUID.search(text)
            if match:
                mapping.update(zip(parse_uid_set(match.group(2)), parse_uid_set(match.group(3)), strict=False))
        if verb == "COPY":
            self.expunge(uids)
        return mapping

    def expunge(self, uids: Sequence[int]) -> None:
        """Delete these messages of the selected folder for good (only them with UIDPLUS)."""
        if not uids:
            return
        self.client.add_flags(list(uids), [b"\\Deleted"], silent=True)
        if b"UIDPLUS" in self.capabilities:
            self.client.uid_expunge(list(uids))
        else:
            self.client.expunge()

    def noop(self) -> None:
        self.client.noop()
