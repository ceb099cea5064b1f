"""TLS for mail servers: certificates always verified, against the system's authorities plus,
when the account names one, the CA file of an internal PKI. Plain connections are allowed only
towards this machine (loopback), e.g. a local bridge or the test servers."""

from __future__ import annotations

import ipaddress
import ssl

from storage.errors import InvalidInput


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine: localhost, 127.0.0.0/8 or ::1."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_security(host: str, security: str) -> None:
    """Raises InvalidInput for an unknown mode, or plain towards another machine."""
    if security not in ("tls", "starttls", "plain"):
        raise InvalidInput(f"Sécurité inconnue : {security} (tls, starttls ou plain).")
    if security == "plain" and not is_loopback(host):
        raise InvalidInput(f"Connexion non chiffrée refusée vers {host} : le mode « plain » n'est permis que "
                           "vers cette machine (127.0.0.1). Utilisez --security tls ou starttls.")


def context(ca_file: str | None = None) -> ssl.SSLContext:
    """A client context that verifies the server's certificate and name. Raises InvalidInput
    when the CA file cannot be read."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    if ca_file:
        try:
            ctx.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise InvalidInput(f"Fichier d'autorité de certification illisible : {ca_file} ({exc}).") from exc
    return ctx
