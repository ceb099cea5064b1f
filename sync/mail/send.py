"""Sending the Boîte d'envoi: SMTP submission, then the copy in the Sent folder.

`send_queued` replays the queued messages in order, account by account, on one SMTP
connection each (aiosmtplib: TLS, STARTTLS, or plain towards a loopback host only; the
account's CA file; its password from the vault). Each message's progress is committed as it
happens, so that a crash or a lost network at any instant neither loses a message nor sends
it twice:

- `sending` is committed before the message is handed to the server (the UI may no longer
  cancel it; a crash right there submits it again next time: the only window left, as in every
  mail client, between the server's acceptance and our record of it);
- `smtp_done` is committed as soon as the server accepts it, before anything else: from then
  on it is never submitted again;
- its copy goes to the account's Sent folder (APPEND, flagged \\Seen) after a search of that
  folder for its Message-ID, so that an APPEND whose answer was lost is not made twice; then
  it leaves the box.

A permanent refusal (5xx: unknown recipient, message too large, credentials refused) marks
the message failed with the server's reason, and the others go on. A temporary refusal (4xx),
a TLS failure or no network leaves it queued for the next round, with the reason shown.

Network I/O runs in the event loop (SMTP) or in worker threads (IMAP, imapclient being
blocking); every database write is made here, on the calling thread, which owns `conn`.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import aiosmtplib
import imapclient
from imapclient.imapclient import SENT

from storage import mail_outgoing
from storage.errors import InvalidInput, NotFound
from storage.mail import MailStore
from storage.mail_outgoing import QUEUED, SENDING, SMTP_DONE, Submission

from .imap import Endpoint, ImapSession, translate
from .tls import check_security
from .tls import context as tls_context

SMTP_TIMEOUT = 60.0


class _Temporary(Exception):
    """Try again next round (network, TLS, 4xx, a setting to fix); str() is the French reason."""


class _Permanent(Exception):
    """The server refused the message for good; str() is the French reason."""


def _errors(report: Any) -> list[str]:
    errors = getattr(report, "errors", None)
    return errors if isinstance(errors, list) else []


async def send_queued(conn: Any, report: Any) -> int:
    """Submit every queued message and put each sent one in its account's Sent folder. Returns
    how many were accepted by an SMTP server in this round. Failures are recorded on the
    messages and added to `report.errors`; nothing raises for one message or one account.
    Runs on the thread that owns `conn` (the sync thread), in its event loop."""
    mail_outgoing.prune(conn)
    items = mail_outgoing.due(conn)
    if not items:
        return 0
    store = MailStore(conn)
    accounts: dict[int, list[Submission]] = {}
    for item in items:
        accounts.setdefault(item.account, []).append(item)
    sent = 0
    for account_id, group in accounts.items():
        try:
            account = store.account(account_id)
            password = store.password(account_id)
        except NotFound as exc:
            _hold(conn, group, str(exc))
            _errors(report).append(str(exc))
            continue
        submit = [item for item in group if item.state in (QUEUED, SENDING)]
        if submit:
            sent += await _submit(conn, account, password, submit, report)
        copies = [item for item in mail_outgoing.due(conn) if item.account == account_id and item.state == SMTP_DONE]
        if copies:
            await _copy_to_sent(conn, store, account, password, copies, report)
    return sent


# -- SMTP -----------------------------------------------------------------------------------


def _where(account: Any) -> str:
    return f"{account.smtp_host}:{account.smtp_port}"


async def _connect(account: Any, password: str) -> aiosmtplib.SMTP:
    """An SMTP session, secured as the account says and signed in. Raises _Temporary,
    _Permanent (credentials refused)."""
    security = account.smtp_security
    try:
        check_security(account.smtp_host, security)
        context = None if security == "plain" else tls_context(account.ca_file)
    except InvalidInput as exc:
        raise _Temporary(f"{exc} (compte {account.address}, serveur d'envoi)") from None
    smtp = aiosmtplib.SMTP(hostname=account.smtp_host, port=account.smtp_port, timeout=SMTP_TIMEOUT,
                           use_tls=security == "tls", start_tls=security == "starttls", tls_context=context)
    try:
        await smtp.connect()
        await smtp.login(account.username, password)
    except aiosmtplib.SMTPAuthenticationError as exc:
        await _close(smtp)
        reason = (f"Le serveur d'envoi {_where(account)} a refusé l'identifiant ou le mot de passe de "
                  f"{account.username} ({_said(exc)}) : corrigez le mot de passe du compte")
        if exc.code >= 500:
            raise _Permanent(reason + ", puis renvoyez le message.") from None
        raise _Temporary(reason + " ; nouvel essai à la prochaine synchronisation.") from None
    except aiosmtplib.SMTPException as exc:
        await _close(smtp)
        raise _network(account, exc) from None
    except (OSError, ssl.SSLError, TimeoutError) as exc:
        await _close(smtp)
        raise _network(account, exc) from None
    return smtp


def _said(exc: aiosmtplib.SMTPResponseException) -> str:
    return f"{exc.code} {' '.join(str(exc.message).split())}".strip()


def _network(account: Any, exc: BaseException) -> _Temporary:
    """The reason, in French, why the SMTP server could not be reached or spoken to."""
    where = _where(account)
    later = "le message partira à la prochaine synchronisation."
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in detail:
        return _Temporary(f"Le certificat du serveur d'envoi {where} n'est pas reconnu ({exc}) : indiquez "
                          f"l'autorité de certification de votre collectivité pour le compte ; {later}")
    if isinstance(exc, ssl.SSLError):
        return _Temporary(f"Échec de la connexion chiffrée (TLS) avec le serveur d'envoi {where} ({detail}) : "
                          f"vérifiez le port et le mode de sécurité du compte ; {later}")
    if isinstance(exc, socket.gaierror):
        return _Temporary(f"Serveur d'envoi introuvable : {account.smtp_host} (nom inconnu ou pas de réseau) ; {later}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _Temporary(f"Le serveur d'envoi {where} ne peut pas prendre le message pour l'instant "
                          f"({_said(exc)}) ; {later}")
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return _Temporary(f"Le serveur d'envoi {where} ne propose pas ce mode de sécurité ({detail}) : vérifiez "
                          f"le port et le mode (tls, starttls) du compte ; {later}")
    return _Temporary(f"Serveur d'envoi injoignable ({where} : {detail}) ; {later}")


async def _close(smtp: aiosmtplib.SMTP) -> None:
    try:
        if smtp.is_connected:
            await asyncio.wait_for(smtp.quit(), 5.0)
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        smtp.close()


def _refusal(exc: aiosmtplib.SMTPException) -> Exception:
    """_Permanent or _Temporary for the server's refusal of one message."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        who = "; ".join(f"{r.recipient} ({_said(r)})" for r in exc.recipients)
        if all(code >= 500 for code in codes):
            return _Permanent(f"Destinataire(s) refusé(s) par le serveur d'envoi : {who}. Corrigez l'adresse, "
                              "puis renvoyez le message.")
        return _Temporary(f"Destinataire(s) refusé(s) pour l'instant : {who} ; nouvel essai à la prochaine "
                          "synchronisation.")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        if exc.code < 500:
            return _Temporary(f"Le serveur d'envoi demande de réessayer plus tard ({_said(exc)}) ; nouvel essai à "
                              "la prochaine synchronisation.")
        if exc.code == 552 or "size" in str(exc.message).lower():
            return _Permanent(f"Message trop gros pour le serveur d'envoi ({_said(exc)}) : retirez des pièces "
                              "jointes ou partagez-les par le porte-documents.")
        if isinstance(exc, aiosmtplib.SMTPSenderRefused):
            return _Permanent(f"Le serveur d'envoi refuse l'expéditeur {exc.sender} ({_said(exc)}) : vérifiez "
                              "l'adresse du compte.")
        return _Permanent(f"Le serveur d'envoi a refusé le message ({_said(exc)}).")
    return _Temporary(f"Échange interrompu avec le serveur d'envoi ({exc}) ; nouvel essai à la prochaine "
                      "synchronisation.")


async def _submit(conn: Any, account: Any, password: str, items: list[Submission], report: Any) -> int:
    """Hand `items` to the account's SMTP server, in order, on one session (opened again if the
    server closes it). Returns how many it accepted."""
    smtp: aiosmtplib.SMTP | None = None
    sent = 0
    try:
        for n, item in enumerate(items):
            try:
                if not mail_outgoing.sending(conn, item.id):
                    continue  # cancelled meanwhile
                data = mail_outgoing.raw(conn, item.id)
            except NotFound:
                continue  # its account was removed meanwhile
            try:
                if smtp is None or not smtp.is_connected:
                    smtp = await _connect(account, password)
                refused, _ = await smtp.sendmail(item.sender, item.envelope, data)
            except _Permanent as exc:  # credentials refused: no message of the account can go
                for other in items[n:]:
                    mail_outgoing.failed(conn, other.id, str(exc))
                _errors(report).append(str(exc))
                return sent
            except _Temporary as exc:
                _hold(conn, items[n:], str(exc))
                _errors(report).append(str(exc))
                return sent
            except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused) as exc:
                _settle(conn, item, _refusal(exc), report)  # this message only: the next ones go on
                continue
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                reason = str(_network(account, exc))
                _hold(conn, items[n:], reason)
                _errors(report).append(reason)
                return sent
            note = None
            if refused:
                who = "; ".join(f"{addr} ({r.code} {' '.join(r.message.split())})" for addr, r in refused.items())
                note = f"Envoyé, mais refusé pour : {who}."
                _errors(report).append(note)
            mail_outgoing.smtp_done(conn, item.id, note)
            sent += 1
    finally:
        if smtp is not None:
            await _close(smtp)
    return sent


def _hold(conn: Any, items: Iterable[Submission], reason: str) -> None:
    for item in items:
        mail_outgoing.later(conn, item.id, reason)


def _settle(conn: Any, item: Submission, reason: Exception, report: Any) -> None:
    if isinstance(reason, _Permanent):
        mail_outgoing.failed(conn, item.id, str(reason))
    else:
        mail_outgoing.later(conn, item.id, str(reason))
    _errors(report).append(str(reason))


# -- the copy in Sent ----------------------------------------------------------------------


class _SentFolder:
    """An IMAP session (the mail sync's `ImapSession`) on the account's Sent folder; every
    method blocks (call in a worker thread)."""

    def __init__(self, account: Any, password: str, name: str | None) -> None:
        self.account, self.password, self.name = account, password, name
        self.endpoint = Endpoint(account.imap_host, account.imap_port, account.imap_security, account.ca_file)
        self.session: ImapSession | None = None

    def open(self) -> None:
        """Log in, and find the Sent folder (the one the store knows, else the server's \\Sent,
        else "Sent", created if missing). Raises ParvisError."""
        self.session = ImapSession.open(self.endpoint, self.account.username, self.password)
        client = self.session.client
        if not self.name:
            self.name = client.find_special_folder(SENT) or "Sent"
        if not client.folder_exists(self.name):
            client.create_folder(self.name)
            client.subscribe_folder(self.name)

    def put(self, message_id: str, raw: bytes) -> bool:
        """Append `raw` (\\Seen) unless a message with `message_id` is there already (an APPEND
        whose answer was lost). Returns whether it appended."""
        assert self.session is not None and self.name
        client = self.session.client
        client.select_folder(self.name, readonly=True)
        if client.search(["HEADER", "Message-ID", message_id]):
            return False
        client.append(self.name, raw, flags=[imapclient.SEEN])
        return True

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def _sent_name(store: MailStore, account_id: int) -> str | None:
    folder = store.special_folder(account_id, "sent")
    return None if folder is None else str(folder.name)


def _imap_reason(endpoint: Endpoint, exc: BaseException) -> str:
    reason = str(translate(exc, endpoint, during_sync=False)).rstrip(".")
    return (f"Copie dans « Envoyés » impossible pour l'instant ({reason}) ; elle sera faite à la prochaine "
            "synchronisation (le message, lui, est parti).")


async def _copy_to_sent(conn: Any, store: MailStore, account: Any, password: str, items: list[Submission],
                        report: Any) -> None:
    """Put each sent message in the account's Sent folder, once; each leaves the box as soon
    as its copy is there. On failure, the rest wait for the next round."""
    session = _SentFolder(account, password, _sent_name(store, account.id))
    try:
        try:
            await asyncio.to_thread(session.open)
        except Exception as exc:  # noqa: BLE001 - any IMAP failure: the copies wait
            reason = _imap_reason(session.endpoint, exc)
            _hold(conn, items, reason)
            _errors(report).append(reason)
            return
        for n, item in enumerate(items):
            try:
                data = mail_outgoing.raw(conn, item.id)
            except NotFound:
                continue  # its account was removed meanwhile
            try:
                await asyncio.to_thread(session.put, item.message_id, data)
            except Exception as exc:  # noqa: BLE001
                reason = _imap_reason(session.endpoint, exc)
                _hold(conn, items[n:], reason)
                _errors(report).append(reason)
                return
            mail_outgoing.done(conn, item.id)
    finally:
        await asyncio.to_thread(session.close)
