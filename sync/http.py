"""HTTP clients for a server account: verified TLS (with an optional CA file for an internal
PKI), the system proxy settings, and errors translated into plain French."""

from __future__ import annotations

import functools
import os
import ssl
from dataclasses import dataclass
from typing import Any

import httpx

from .errors import AuthFailed, Refused, SyncError, Unreachable

TIMEOUT = httpx.Timeout(20.0, connect=10.0)


@dataclass(frozen=True)
class Account:
    id: int
    server_url: str
    username: str
    ca_file: str | None


def _mtime(path: str | None) -> int:
    try:
        return os.stat(path).st_mtime_ns if path else 0
    except OSError:
        return 0


@functools.lru_cache(maxsize=8)
def _tls(ca_file: str | None, mtime_ns: int) -> ssl.SSLContext:
    """The TLS settings for `ca_file` (None: the system's, as httpx makes them), made once per
    version of the file: building them reads every CA certificate (~40 ms of CPU here), and
    every sync round opens a client. A context may serve many connections and threads."""
    if ca_file:
        return ssl.create_default_context(cafile=ca_file)
    return httpx.create_ssl_context(verify=True, trust_env=True)


def make_client(account_url: str, ca_file: str | None = None, token: str | None = None,
                transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """Return an AsyncClient for the server. `transport` replaces the network (tests run the
    server in-process through it). trust_env honours HTTP(S)_PROXY and, on Windows, the system
    proxy settings that urllib reads."""
    verify = _tls(ca_file, _mtime(ca_file))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(base_url=account_url.rstrip("/"), verify=verify, headers=headers,
                             timeout=TIMEOUT, transport=transport, trust_env=True)


def explain(exc: BaseException, server_url: str) -> SyncError:
    """Translate a transport exception into a SyncError a user can act on."""
    text = str(exc)
    if isinstance(exc, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        return Unreachable(
            f"Le certificat TLS de {server_url} n'est pas reconnu ({text or type(exc).__name__}). "
            "Vérifiez l'adresse ou indiquez le fichier de l'autorité de certification (--ca-file)."
        )
    if isinstance(exc, httpx.TimeoutException):
        return Unreachable(f"Le serveur {server_url} ne répond pas (délai dépassé).")
    if isinstance(exc, httpx.ConnectError):
        # httpx's own words ("All connection attempts failed") mean nothing to a user.
        lowered = text.lower()
        if "name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered:
            return Unreachable(f"Serveur injoignable : le nom de {server_url} est inconnu. "
                               "Vérifiez l'adresse, ou le réseau.")
        return Unreachable(f"Serveur injoignable : {server_url} ne répond pas "
                           "(hors ligne, ou serveur arrêté).")
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)):
        # The server stopped, or the network dropped, in the middle of an exchange.
        return Unreachable(f"Connexion coupée avec {server_url} en cours d'échange (serveur arrêté ou "
                           "réseau perdu) : ce qui était fait reste fait, la suite reprendra.")
    return Unreachable(f"Serveur injoignable : {server_url} ({text or type(exc).__name__}).")


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object, or {} when its body is not one (a proxy's error page, say)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def check(response: httpx.Response) -> httpx.Response:
    """Return the response if it succeeded; raise AuthFailed, Refused or SyncError otherwise."""
    if response.is_success:
        return response
    message = str(json_body(response).get("error", "")) or response.reason_phrase
    if response.status_code == 401:
        raise AuthFailed(f"Le serveur refuse l'authentification : {message}. Reconnectez le compte "
                         "avec « parvis account add ».")
    if response.status_code in (403, 404, 409, 413, 400):
        raise Refused(f"Refusé par le serveur ({response.status_code}) : {message}.")
    raise SyncError(f"Erreur du serveur ({response.status_code}) : {message}.")
