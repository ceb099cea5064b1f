"""The store contract: what any server store (SQLite today, PostgreSQL later) must do.

Every method is called from the event-loop thread and never blocks it: implementations run their
I/O elsewhere (threads, an async driver). Writes are durable when their awaitable resolves.

Data model:

- users: a name and an Argon2id hash;
- tokens: the SHA-256 hex digest of an opaque bearer token, bound to a user, revocable;
- documents: a client-generated id, members with a role, and the CRDT content stored as one
  snapshot (an update v1 that encodes the whole state, or nothing) plus a tail of update rows.
  Row ids increase strictly and are never reused, so "every row up to id N" is well defined.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import ServerConfig


class Role(StrEnum):
    """A member's role in a document: readers read, editors write, owners also share and delete."""

    OWNER = "owner"
    EDITOR = "editor"
    READER = "reader"

    @property
    def can_write(self) -> bool:
        """Whether this role may change the content."""
        return self in (Role.OWNER, Role.EDITOR)

    @property
    def can_share(self) -> bool:
        """Whether this role may share and delete the document."""
        return self is Role.OWNER


@dataclass(frozen=True)
class User:
    username: str
    password_hash: str


@dataclass(frozen=True)
class Member:
    username: str
    role: Role


@dataclass(frozen=True)
class StoredDocument:
    """What `Store.load_document` returns: apply `snapshot` (if any) then every `tail` update, in
    order. `last_id` is the id of the last tail row, or the id the snapshot covers up to."""

    snapshot: bytes | None
    tail: list[bytes]
    last_id: int


class Store(ABC):
    """The server's persistent state. See the module docstring for the rules every method follows."""

    # -- lifecycle --------------------------------------------------------------------------------

    @abstractmethod
    async def open(self) -> None:
        """Open (and create or migrate) the store. Raises StoreError, SchemaTooNew. Loop thread."""

    @abstractmethod
    async def close(self) -> None:
        """Finish every submitted write, then release everything. Loop thread."""

    # -- users ------------------------------------------------------------------------------------

    @abstractmethod
    async def create_user(self, username: str, password_hash: str) -> None:
        """Create a user. Raises UserExists."""

    @abstractmethod
    async def get_user(self, username: str) -> User | None:
        """Return the user, or None."""

    @abstractmethod
    async def list_users(self) -> list[str]:
        """Return every user name, sorted."""

    @abstractmethod
    async def set_password_hash(self, username: str, password_hash: str) -> None:
        """Replace a user's password hash. Raises UnknownUser."""

    # -- tokens -----------------------------------------------------------------------------------

    @abstractmethod
    async def add_token(self, token_digest: str, username: str) -> None:
        """Remember a token by its SHA-256 hex digest. Raises UnknownUser."""

    @abstractmethod
    async def user_for_token(self, token_digest: str) -> str | None:
        """Return the user a live token belongs to, or None (unknown or revoked)."""

    @abstractmethod
    async def revoke_token(self, token_digest: str) -> bool:
        """Forget a token. Return whether it existed."""

    # -- documents and members --------------------------------------------------------------------

    @abstractmethod
    async def create_document(self, doc_id: str, owner: str) -> bool:
        """Create a document with `owner` as its owner. Return False (and change nothing) if the id
        exists already. Raises UnknownUser."""

    @abstractmethod
    async def get_role(self, doc_id: str, username: str) -> Role | None:
        """Return the user's role in the document, or None if not a member. Raises UnknownDocument."""

    @abstractmethod
    async def set_member(self, doc_id: str, username: str, role: Role) -> None:
        """Add a member or change their role. Raises UnknownDocument, UnknownUser, and LastOwner if
        that would demote the last owner. Atomic: the last-owner check and the change are one write."""

    @abstractmethod
    async def remove_member(self, doc_id: str, username: str) -> None:
        """Remove a member. Raises UnknownDocument, NotAMember, LastOwner (the last owner stays)."""

    @abstractmethod
    async def list_members(self, doc_id: str) -> list[Member]:
        """Return the members, sorted by name. Raises UnknownDocument."""

    @abstractmethod
    async def list_documents(self, username: str) -> list[tuple[str, Role, int]]:
        """Return (doc_id, role, version) for every document the user is a member of, sorted by
        id. The version changes whenever the document's content changes (it is the id of its
        newest stored update): clients skip the documents whose version they have already
        synced."""

    @abstractmethod
    async def delete_document(self, doc_id: str) -> bool:
        """Delete a document with its members and content. Return whether it existed."""

    # -- content ----------------------------------------------------------------------------------

    @abstractmethod
    def append_updates(self, doc_id: str, updates: Sequence[bytes]) -> Awaitable[int]:
        """Submit `updates` as one atomic batch of tail rows and return an awaitable of the last
        row id. Not a coroutine on purpose: the write is submitted when this is called, so writes
        submitted one after the other are stored in that order even before anyone awaits them.
        The awaitable raises UnknownDocument, StoreError. Loop thread."""

    @abstractmethod
    async def load_document(self, doc_id: str) -> StoredDocument:
        """Return the snapshot and the tail in row order. Raises UnknownDocument."""

    @abstractmethod
    def compact(self, doc_id: str, snapshot: bytes, upto_id: int) -> Awaitable[int]:
        """Atomically replace the snapshot and drop the tail rows with id <= `upto_id`; rows
        appended concurrently (id > `upto_id`) stay. The caller guarantees `snapshot` reflects
        every row up to `upto_id`. Submitted when called, like `append_updates`; the awaitable
        returns how many rows were dropped and raises UnknownDocument. Loop thread."""


def load(config: ServerConfig) -> Store:
    """Return the (unopened) store named by `config.store`. Raises ValueError for an unknown name.
    Any thread."""
    if config.store == "sqlite":
        from .sqlite import SqliteStore

        return SqliteStore(config.database_path, read_threads=config.read_threads)
    raise ValueError(f"stockage inconnu : {config.store}")
