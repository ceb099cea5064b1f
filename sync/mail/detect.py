"""Adding a mail account: which ports and security to use (the usual ones are tried in order
when none is given), and a check of the login on the IMAP and SMTP servers before anything is
saved. Blocking functions: call them from a worker thread (the CLI has no other)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.errors import InvalidInput, ParvisError
from storage.mail import MailStore

from ..errors import AuthFailed, SyncError, Unreachable
from .imap import CertificateRejected, Endpoint, ImapSession, UnknownHost, translate
from .tls import check_security, context

IMAP_PROBES: tuple[tuple[int, str], ...] = ((993, "tls"), (143, "starttls"))
SMTP_PROBES: tuple[tuple[int, str], ...] = ((465, "tls"), (587, "starttls"))
USUAL_PORTS = {"imap": {"tls": 993, "starttls": 143, "plain": 143},
               "smtp": {"tls": 465, "starttls": 587, "plain": 587}}
SECURITY_OF_PORT = {993: "tls", 143: "starttls", 465: "tls", 587: "starttls", 25: "starttls"}
PROBE_TIMEOUT = 10.0


def split_host(value: str) -> tuple[str, int | None]:
    """'mail.mairie.fr:993' → ('mail.mairie.fr', 993); '[::1]:143' → ('::1', 143); no port → None.
    Raises InvalidInput."""
    value = value.strip()
    if not value:
        raise InvalidInput("Adresse de serveur vide.")
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    else:
        host, port_text = value, ""
    if not port_text:
        return host, None
    try:
        port = int(port_text)
    except ValueError:
        raise InvalidInput(f"Port invalide dans « {value} ».") from None
    if not 0 < port < 65536:
        raise InvalidInput(f"Port invalide dans « {value} ».")
    return host, port


def candidates(kind: str, port: int | None, security: str | None,
               probes: Sequence[tuple[int, str]] | None = None) -> list[tuple[int, str]]:
    """The (port, security) pairs to try, in order, for `kind` ("imap" or "smtp"): what was
    given; a port alone with its usual security (both TLS and STARTTLS for an unusual port); a
    security alone on its usual port; nothing: the usual pairs (`probes`, by default 993/TLS
    then 143/STARTTLS for IMAP, 465/TLS then 587/STARTTLS for SMTP)."""
    if port is not None and security:
        return [(port, security)]
    if port is not None:
        known = SECURITY_OF_PORT.get(port)
        return [(port, known)] if known else [(port, "tls"), (port, "starttls")]
    if security:
        return [(USUAL_PORTS[kind][security], security)]
    return list(probes if probes is not None else IMAP_PROBES if kind == "imap" else SMTP_PROBES)


def _keeps_trying(error: ParvisError) -> bool:
    """Whether another port may do better: nothing listened, or it did not speak that security.
    A refused password or an untrusted certificate is the answer: say it."""
    return isinstance(error, Unreachable) and not isinstance(error, (CertificateRejected, UnknownHost))


def check_imap(host: str, tries: Sequence[tuple[int, str]], username: str, password: str,
               ca_file: str | None = None, timeout: float = PROBE_TIMEOUT) -> Endpoint:
    """The first (port, security) where the IMAP login succeeds. Raises AuthFailed, Unreachable,
    SyncError, InvalidInput with the clearest reason."""
    last: ParvisError | None = None
    for port, security in tries:
        endpoint = Endpoint(host, port, security, ca_file)
        try:
            ImapSession.open(endpoint, username, password, timeout=timeout).close()
            return endpoint
        except ParvisError as exc:
            if not _keeps_trying(exc):
                raise
            last = exc
    raise last or Unreachable(f"Aucun port à essayer pour {host}.")


def _smtp_translate(exc: BaseException, endpoint: Endpoint) -> ParvisError:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return AuthFailed(f"Identifiant ou mot de passe refusé par le serveur d'envoi {endpoint} : vérifiez-les.")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Unreachable(f"Le serveur d'envoi {endpoint} ne propose pas STARTTLS : essayez --security tls.")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Unreachable(f"Le serveur d'envoi {endpoint} a coupé la connexion : le port ou le mode de sécurité "
                           "ne correspond sans doute pas.")
    if isinstance(exc, smtplib.SMTPException):
        return SyncError(f"Le serveur d'envoi {endpoint} a refusé : {exc}.")
    error = translate(exc, endpoint, during_sync=False)
    return type(error)(str(error).replace("serveur de messagerie", "serveur d'envoi"))  # same type, its words


def _smtp_login(endpoint: Endpoint, username: str, password: str, timeout: float) -> None:
    check_security(endpoint.host, endpoint.security)
    ctx = context(endpoint.ca_file) if endpoint.security != "plain" else None
    client: smtplib.SMTP
    if endpoint.security == "tls":
        client = smtplib.SMTP_SSL(endpoint.host, endpoint.port, timeout=timeout, context=ctx)
    else:
        client = smtplib.SMTP(endpoint.host, endpoint.port, timeout=timeout)
    try:
        client.ehlo()
        if endpoint.security == "starttls":
            client.starttls(context=ctx)
            client.ehlo()
        if client.has_extn("auth"):
            client.login(username, password)
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def check_smtp(host: str, tries: Sequence[tuple[int, str]], username: str, password: str,
               ca_file: str | None = None, timeout: float = PROBE_TIMEOUT) -> Endpoint:
    """The first (port, security) where the SMTP submission server answers and accepts the
    login (when it asks for one). Raises AuthFailed, Unreachable, SyncError, InvalidInput."""
    last: ParvisError | None = None
    for port, security in tries:
        endpoint = Endpoint(host, port, security, ca_file)
        try:
            _smtp_login(endpoint, username, password, timeout)
            return endpoint
        except InvalidInput:
            raise
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            error = _smtp_translate(exc, endpoint)
            if not _keeps_trying(error):
                raise error from exc
            last = error
    raise last or Unreachable(f"Aucun port à essayer pour {host}.")


@dataclass(frozen=True)
class Verified:
    """An account whose login both servers accepted, ready to be saved."""

    address: str
    username: str
    imap: Endpoint
    smtp: Endpoint
    ca_file: str | None


def verify(address: str, username: str, password: str, imap: str, smtp: str | None = None,
           security: str | None = None, ca_file: str | None = None) -> Verified:
    """Check a new account as a user gives it: `imap` and `smtp` as "host[:port]" (SMTP defaults
    to the IMAP host), `security` None to try the usual ports. Blocking (network): call it from
    a worker thread. Raises InvalidInput, AuthFailed, Unreachable, SyncError."""
    imap_host, imap_port = split_host(imap)
    smtp_host, smtp_port = split_host(smtp or imap_host)
    address = (address or (username if "@" in username else "")).strip()
    if "@" not in address:
        raise InvalidInput("Indiquez l'adresse de messagerie (l'identifiant n'en est pas une).")
    if not username.strip():
        raise InvalidInput("Indiquez l'identifiant de connexion.")
    if ca_file:
        ca_file = str(Path(ca_file).resolve())
        if not Path(ca_file).is_file():
            raise InvalidInput(f"Fichier d'autorité de certification introuvable : {ca_file}.")
    imap_end = check_imap(imap_host, candidates("imap", imap_port, security), username, password, ca_file or None)
    smtp_end = check_smtp(smtp_host, candidates("smtp", smtp_port, security), username, password, ca_file or None)
    return Verified(address, username, imap_end, smtp_end, ca_file or None)


def save(conn: Any, verified: Verified, password: str) -> int:
    """Record a verified account (its password in the vault). Returns its id. On the store's
    thread."""
    v = verified
    return MailStore(conn).add_account(v.address, v.username, password, v.imap.host, v.imap.port, v.imap.security,
                                       v.smtp.host, v.smtp.port, v.smtp.security, v.ca_file)
