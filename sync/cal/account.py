"""Adding a CalDAV account: the login is checked and the calendars listed before anything is
saved, so a wrong password or address leaves the profile as it was. Shared by `parvis cal account
add` and the app's dialog (on the sync thread)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from storage import calendar as store
from storage.calendar import CalendarStore
from storage.db import transaction
from storage.errors import InvalidInput

from ..errors import AuthFailed
from .dav import Dav, RemoteCalendar


async def add_account(conn: Any, url: str, username: str, password: str, ca_file: str | None = None,
                      transport: httpx.AsyncBaseTransport | None = None) -> tuple[int, list[RemoteCalendar]]:
    """Check the login, then record the account and its calendars. Returns the account id and
    the calendars found. Raises InvalidInput, AuthFailed, Unreachable, SyncError; nothing is
    stored then. Call on the thread that owns `conn`."""
    url, username = url.strip(), username.strip()
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"Adresse CalDAV invalide : « {url} » (http:// ou https:// attendu).")
    if not username or not password:
        raise InvalidInput("Indiquez l'identifiant et le mot de passe du compte d'agenda.")
    if ca_file and not Path(ca_file).is_file():
        raise InvalidInput(f"Fichier de certificat introuvable : {ca_file}.")
    async with Dav(url, username, password, ca_file or None, transport) as dav:
        try:
            remote = await dav.discover()
        except AuthFailed:
            raise AuthFailed(f"Le serveur d'agenda {url} refuse l'identifiant « {username} » ou son mot de "
                             "passe : rien n'a été enregistré.") from None
    with transaction(conn):
        account_id = CalendarStore(conn).add_account(url, username, password, ca_file or None)
        store.save_calendars(conn, account_id, [(c.href, c.name, c.color) for c in remote])
    return account_id, remote
