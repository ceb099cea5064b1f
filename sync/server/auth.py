"""Accounts: Argon2id password hashes and opaque, revocable bearer tokens stored as SHA-256 digests.

Never log a password or a token: only user names appear in messages.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .config import USERNAME_RE, ServerConfig
from .store.base import Store, User

# Argon2 hashing takes tens of MiB and milliseconds of CPU: cap how many run at once.
_MAX_CONCURRENT_HASHES = 2


def make_hasher(config: ServerConfig) -> PasswordHasher:
    """Return an Argon2id hasher with the configured cost. Any thread."""
    return PasswordHasher(
        time_cost=config.argon2_time_cost,
        memory_cost=config.argon2_memory_cost,
        parallelism=config.argon2_parallelism,
    )


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored. Any thread."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    """Return the token of an `Authorization: Bearer <token>` header value, or None. Any thread."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


class Authenticator:
    """Logs users in and out and resolves tokens. Loop thread."""

    def __init__(self, store: Store, hasher: PasswordHasher) -> None:
        self._store = store
        self._hasher = hasher
        self._gate = asyncio.Semaphore(_MAX_CONCURRENT_HASHES)
        self._dummy_hash: str | None = None

    async def hash_password(self, password: str) -> str:
        """Return a new Argon2id hash of `password`, computed off the loop."""
        async with self._gate:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def login(self, username: str, password: str) -> str | None:
        """Check the password; return a new token, or None for bad credentials. An unknown user
        costs the same time as a wrong password. Raises StoreError."""
        user = await self._store.get_user(username)
        if not await self._matches(user, password):
            return None
        assert user is not None
        stored = user.password_hash
        if self._hasher.check_needs_rehash(stored):
            await self._store.set_password_hash(username, await self.hash_password(password))
        token = secrets.token_urlsafe(32)
        await self._store.add_token(token_digest(token), username)
        return token

    async def verify_password(self, username: str, password: str) -> bool:
        """Whether `password` is `username`'s (HTTP Basic for CalDAV clients). A malformed or
        unknown name costs the same time as a wrong password. Raises StoreError."""
        user = await self._store.get_user(username) if USERNAME_RE.fullmatch(username) else None
        return await self._matches(user, password)

    async def _matches(self, user: User | None, password: str) -> bool:
        stored = user.password_hash if user else await self._dummy()
        return await self._verify(stored, password) and user is not None

    async def user_for(self, token: str | None) -> str | None:
        """Return the user a token belongs to, or None if absent, unknown or revoked."""
        if not token or len(token) > 512:
            return None
        return await self._store.user_for_token(token_digest(token))

    async def logout(self, token: str) -> bool:
        """Revoke a token. Return whether it was live."""
        return await self._store.revoke_token(token_digest(token))

    async def _verify(self, stored: str, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return False

        async with self._gate:
            return await asyncio.to_thread(check)

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash_password(secrets.token_urlsafe(16))
        return self._dummy_hash
