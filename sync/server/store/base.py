"""The store contract: what any server store (SQLite today, PostgreSQL later) must do.

Every method is called from the event-loop thread and never blocks it: implementations run their
I/O elsewhere (threads, an async driver). Writes are durable when their awaitable resolves.

Data model:

- users: a name and an Argon2id hash;
- tokens: the SHA-256 hex digest of an opaque bearer token, bound to a user, revocable;
- documents: a client-generated id, members with a role, and the CRDT content stored as one
  snapshot (an update v1 that encodes the whole state, or nothing) plus a tail of update rows.
  Row ids increase strictly and are never reused, so "every row up to id N" is well defined;
- groups (one per service): a name and member users;
- chat rooms: a channel (named, optionally open to a group: every group member is a member) or a
  direct conversation; explicit members with a `ChatRole`; a log of messages numbered 1, 2, 3…
  per room, each carrying the client's UUID (unique per room: a replay returns the stored
  message); reactions per (message, emoji, user); a read marker per (room, user);
- a change counter per room (`rev`): every message insert, edit, delete and reaction change
  sets that message's `rev` to the room's incremented `rev`, in the same write, so "every
  message with rev > N" is what changed since a client saw rev N;
- chat attachments: the metadata of an uploaded file (client-chosen id, room, uploader, name,
  type, size, SHA-256 of the content) and the message it is attached to, if any. The content
  itself lives in a `BlobStore` (`blobs.py`), by SHA-256.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from ..errors import MessageRefused

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


class ChatRole(StrEnum):
    """A member's role in a chat room: admins manage the room, members read and post."""

    ADMIN = "admin"
    MEMBER = "member"


class RoomKind(StrEnum):
    """A channel (named, per service or topic) or a direct conversation between people."""

    CHANNEL = "channel"
    DIRECT = "direct"


@dataclass(frozen=True)
class ChatRoom:
    id: str
    kind: RoomKind
    name: str
    group: str | None
    created_by: str
    last_seq: int
    rev: int = 0


@dataclass(frozen=True)
class ChatMember:
    """An effective member: `explicit` is False for a group member who was never added by name."""

    username: str
    role: ChatRole
    explicit: bool


@dataclass(frozen=True)
class RoomSummary:
    """One row of a user's room list: `unread` counts the messages after `read_seq`."""

    room: ChatRoom
    role: ChatRole
    read_seq: int
    unread: int


@dataclass(frozen=True)
class ChatAttachment:
    """A file uploaded to a room. `seq` is the message it is attached to (None until then);
    `created_at` and `seq` are set by the store."""

    id: str
    room_id: str
    uploader: str
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: float = 0.0
    seq: int | None = None


@dataclass(frozen=True)
class NewMessage:
    """One message to post: `attachments` are attachment ids, in the order to show them."""

    client_id: str
    text: str
    reply_to: int | None = None
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChatMessage:
    """A message of a room's log. A deleted message is a tombstone: empty text, no reactions, no
    attachments. `reactions` is ((emoji, (user, …)), …), both sorted; `rev` is the room's change
    counter at its last change; `attachments` are in the order they were posted."""

    room_id: str
    seq: int
    client_id: str
    author: str
    text: str
    reply_to: int | None
    created_at: float
    edited_at: float | None
    deleted: bool
    reactions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    rev: int = 0
    attachments: tuple[ChatAttachment, ...] = ()


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

    # -- groups -----------------------------------------------------------------------------------

    @abstractmethod
    async def create_group(self, name: str) -> None:
        """Create an empty group. Raises GroupExists."""

    @abstractmethod
    async def list_groups(self) -> list[str]:
        """Return every group name, sorted."""

    @abstractmethod
    async def group_members(self, name: str) -> list[str]:
        """Return the group's member names, sorted. Raises UnknownGroup."""

    @abstractmethod
    async def add_group_member(self, name: str, username: str) -> bool:
        """Add a user to a group; return False if they were already in it. Raises UnknownGroup,
        UnknownUser."""

    @abstractmethod
    async def remove_group_member(self, name: str, username: str) -> None:
        """Remove a user from a group. Raises UnknownGroup, NotAMember."""

    # -- chat rooms -------------------------------------------------------------------------------

    @abstractmethod
    async def create_chat_room(
        self, room_id: str, kind: RoomKind, name: str, group: str | None, creator: str, members: Sequence[str]
    ) -> bool:
        """Create a room; the creator is admin, `members` are members. Return False (and change
        nothing) if the id exists already. Raises UnknownUser, UnknownGroup. One atomic write."""

    @abstractmethod
    async def get_chat_room(self, room_id: str) -> ChatRoom | None:
        """Return the room, or None."""

    @abstractmethod
    async def chat_role(self, room_id: str, username: str) -> ChatRole | None:
        """Return the user's effective role (explicit, else MEMBER through the room's group), or
        None for a non-member. Raises UnknownChatRoom."""

    @abstractmethod
    async def list_chat_members(self, room_id: str) -> list[ChatMember]:
        """Return the effective members (explicit ones and the group's), sorted by name. Raises
        UnknownChatRoom."""

    @abstractmethod
    async def set_chat_member(self, room_id: str, username: str, role: ChatRole) -> None:
        """Add an explicit member or change their role. Raises UnknownChatRoom, UnknownUser, and
        LastOwner if that would demote the last admin. Atomic."""

    @abstractmethod
    async def remove_chat_member(self, room_id: str, username: str) -> None:
        """Remove an explicit member. Raises UnknownChatRoom, NotAMember, LastOwner (last admin)."""

    @abstractmethod
    async def rename_chat_room(self, room_id: str, name: str) -> None:
        """Rename a room. Raises UnknownChatRoom."""

    @abstractmethod
    async def list_chat_rooms(self, username: str) -> list[RoomSummary]:
        """Return a summary of every room the user is an effective member of, sorted by id."""

    # -- chat messages ----------------------------------------------------------------------------

    @abstractmethod
    async def post_messages(
        self, room_id: str, author: str, messages: Sequence[NewMessage]
    ) -> list[tuple[ChatMessage, bool]]:
        """Post `messages` in order, all or nothing, in ONE write; return (message, created) for
        each, in order. Each one is appended with the next seq (and rev), its attachments linked
        to it; but if its `client_id` is already in the room from the same author, it is the
        stored message with created=False, and nothing of it changes (a replay). Raises
        UnknownChatRoom, and MessageRefused(index, error) with `error` one of UnknownMessage
        (`reply_to` not in the room), ClientIdConflict (the UUID belongs to another author's
        message), AttachmentUnusable (not in this room, not the author's, or attached to another
        message); then nothing is stored. Durable when it returns."""

    async def post_message(
        self, room_id: str, client_id: str, author: str, text: str, reply_to: int | None,
        attachments: Sequence[str] = (),
    ) -> tuple[ChatMessage, bool]:
        """Post one message, as `post_messages` does; return (message, created). Raises
        UnknownChatRoom, UnknownMessage, ClientIdConflict, AttachmentUnusable."""
        try:
            [result] = await self.post_messages(
                room_id, author, [NewMessage(client_id, text, reply_to, tuple(attachments))]
            )
        except MessageRefused as exc:
            raise exc.error from None
        return result

    @abstractmethod
    async def get_message(self, room_id: str, seq: int) -> ChatMessage:
        """Return one message. Raises UnknownMessage (also for an unknown room)."""

    @abstractmethod
    async def edit_message(self, room_id: str, seq: int, text: str) -> ChatMessage:
        """Replace the text and stamp `edited_at`; return the message. Raises UnknownMessage (also
        for a tombstone)."""

    @abstractmethod
    async def delete_message(self, room_id: str, seq: int) -> ChatMessage:
        """Turn a message into a tombstone (no text, no reactions, and its attachments forgotten:
        their rows go; seq and author stay); return it. Idempotent: deleting a tombstone changes
        nothing, not even its rev. Raises UnknownMessage. The caller frees the blobs that no
        attachment uses any more (`blobs_in_use`)."""

    @abstractmethod
    async def set_reaction(self, room_id: str, seq: int, username: str, emoji: str, present: bool) -> ChatMessage:
        """Add (`present`) or remove a user's emoji on a message; return the message. Idempotent:
        the rev moves only when a reaction was really added or removed. Raises UnknownMessage
        (also for a tombstone)."""

    @abstractmethod
    async def list_messages(
        self, room_id: str, *, after: int | None = None, before: int | None = None, limit: int = 50
    ) -> list[ChatMessage]:
        """Return up to `limit` messages in seq order: the first ones with seq > `after`, else the
        last ones with seq < `before` (or the newest). Raises UnknownChatRoom."""

    @abstractmethod
    async def list_changes(self, room_id: str, after_rev: int, limit: int = 50) -> list[ChatMessage]:
        """Return up to `limit` messages with rev > `after_rev`, in rev order: everything posted,
        edited, deleted or reacted to since the client saw `after_rev`. Raises UnknownChatRoom."""

    @abstractmethod
    async def mark_read(self, room_id: str, username: str, seq: int) -> int:
        """Move the user's read marker to `seq` (capped at the room's last seq), never backwards;
        return the marker. Raises UnknownChatRoom."""

    # -- chat attachments -------------------------------------------------------------------------

    @abstractmethod
    async def add_attachment(self, attachment: ChatAttachment) -> tuple[ChatAttachment, bool]:
        """Record an uploaded file (its `created_at` is stamped here, `seq` stays None) and return
        (it, True); if the id exists already, in any room, return (the stored one, False) and
        change nothing: the caller compares them. Raises UnknownChatRoom."""

    @abstractmethod
    async def get_attachment(self, attachment_id: str) -> ChatAttachment | None:
        """Return the attachment, or None."""

    @abstractmethod
    async def blobs_in_use(self, hashes: Collection[str]) -> set[str]:
        """Return the SHA-256 hashes among `hashes` that at least one attachment uses."""


def load(config: ServerConfig) -> Store:
    """Return the (unopened) store named by `config.store`. Raises ValueError for an unknown name.
    Any thread."""
    if config.store == "sqlite":
        from .sqlite import SqliteStore

        return SqliteStore(config.database_path, read_threads=config.read_threads)
    raise ValueError(f"stockage inconnu : {config.store}")
