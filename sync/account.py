"""The server account of a profile: sign-in, and the token kept in the vault."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from storage.db import get_secret, set_secret, transaction

from .errors import AuthFailed, NoAccount
from .http import Account, check, explain, make_client


async def sign_in(conn: Any, server_url: str, username: str, password: str, ca_file: str | None = None,
                  transport: httpx.AsyncBaseTransport | None = None) -> Account:
    """Log in and store the account and its token in the vault (the password is not kept).
    Raises Unreachable, AuthFailed, SyncError. Call from the sync thread."""
    server_url = server_url.rstrip("/")
    async with make_client(server_url, ca_file, transport=transport) as client:
        try:
            response = await client.post("/api/login", json={"username": username, "password": password})
        except httpx.HTTPError as exc:
            raise explain(exc, server_url) from exc
        if response.status_code == 401:
            raise AuthFailed(f"Identifiant ou mot de passe refusé par {server_url}.")
        token = str(check(response).json()["token"])
    with transaction(conn):
        conn.execute("DELETE FROM accounts")
        cur = conn.execute(
            "INSERT INTO accounts(server_url, username, ca_file) VALUES (?, ?, ?)", (server_url, username, ca_file)
        )
        set_secret(conn, f"token:{cur.lastrowid}", token)
    return Account(int(cur.lastrowid), server_url, username, ca_file)


def current(conn: Any) -> Account | None:
    """Return the profile's account, or None for a local-only profile."""
    row = conn.execute("SELECT id, server_url, username, ca_file FROM accounts ORDER BY id LIMIT 1").fetchone()
    return None if row is None else Account(*row)


def required(conn: Any) -> Account:
    """Return the profile's account. Raises NoAccount for a local-only profile."""
    account = current(conn)
    if account is None:
        raise NoAccount("Ce profil travaille en local seulement : ajoutez un compte avec « parvis account add ».")
    return account


def client(conn: Any, account: Account | None = None,
           transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """Return an HTTP client signed in to the profile's server (its token in the headers).
    Raises NoAccount for a local-only profile or a missing token."""
    account = account or required(conn)
    return make_client(account.server_url, account.ca_file, token(conn, account), transport)


T = TypeVar("T")


async def online(conn: Any, step: Callable[[httpx.AsyncClient, Account], Awaitable[T]],
                 transport: httpx.AsyncBaseTransport | None = None) -> T:
    """Run `step(client, account)` with a client signed in to the profile's server; a network
    failure becomes the French Unreachable of `explain`. Raises NoAccount, Unreachable,
    AuthFailed, and whatever `step` raises."""
    account = required(conn)
    async with client(conn, account, transport) as signed_in:
        try:
            return await step(signed_in, account)
        except (httpx.TransportError, OSError) as exc:
            raise explain(exc, account.server_url) from exc


def token(conn: Any, account: Account) -> str:
    value = get_secret(conn, f"token:{account.id}")
    if value is None:
        raise NoAccount("Le jeton du compte est absent : reconnectez-vous avec « parvis account add ».")
    return value
