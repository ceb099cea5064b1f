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
  itself lives in a `BlobStore` (`blobs.py`), by SHA-256;
- the document bank: shared folders (name, optional group whose members are editors, quota,
  explicit members with a `Role`), files (a stable id, a path unique case-insensitively among
  the folder's live files, a current version, a deleted flag: deleted files are the trash and
  keep their versions), versions (number, SHA-256 and size of the content in the `BlobStore`,
  author, time), and a change counter per folder (`rev`): every create, new version, move,
  delete and restore sets the file's `rev` to the folder's incremented `rev` in the same write.
  The quota counts the current versions of live files. Resumable upload sessions record the
  chunks received (index and BLAKE3); their bytes live in part files outside the store.
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
class FileFolder:
    """A shared folder of the document bank. `used_bytes` is the size of the current versions of
    its live files; `rev` its change counter."""

    id: str
    name: str
    group: str | None
    quota_bytes: int
    used_bytes: int
    rev: int
    created_by: str


@dataclass(frozen=True)
class FolderMember:
    """An effective member of a shared folder: `explicit` is False for a member of the folder's
    group who was never added by name (an editor)."""

    username: str
    role: Role
    explicit: bool


@dataclass(frozen=True)
class FileEntry:
    """A file of a shared folder, at its current version; `sha256` is its ETag. A deleted file
    is in the trash (`deleted_at`, `deleted_by` set)."""

    id: str
    folder_id: str
    path: str
    version: int
    sha256: str
    size: int
    modified_by: str
    modified_at: float
    deleted: bool
    rev: int
    deleted_at: float | None = None
    deleted_by: str | None = None


@dataclass(frozen=True)
class FileVersion:
    """One kept version of a file."""

    file_id: str
    version: int
    sha256: str
    size: int
    modified_by: str
    modified_at: float


@dataclass(frozen=True)
class FileWrite:
    """What a write of file content did: the file at its new version, whether it was created,
    and the hashes of the versions pruned by it (the caller frees the blobs nothing uses)."""

    entry: FileEntry
    created: bool
    pruned: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileUpload:
    """A resumable upload session: `path`, total `size` and `sha256` declared by its `username`,
    cut into chunks of `chunk_size` bytes (the last one shorter); `base_etag` is the version it
    replaces (None: the path must be free). `received` maps chunk index to its BLAKE3 (hex)."""

    id: str
    folder_id: str
    username: str
    path: str
    size: int
    sha256: str
    chunk_size: int
    base_etag: str | None
    created_at: float = 0.0
    updated_at: float = 0.0
    received: tuple[tuple[int, str], ...] = ()

    @property
    def chunks(self) -> int:
        """How many chunks make the file (0 for an empty one)."""
        return -(-self.size // self.chunk_size)

    def chunk_length(self, index: int) -> int:
        """The length in bytes of chunk `index` (< `chunks`)."""
        return min(self.chunk_size, self.size - index * self.chunk_size)


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
        """Return the SHA-256 hashes among `hashes` that at least one chat attachment or one kept
        version of a bank file (trash included) uses."""

    # -- document bank: folders -------------------------------------------------------------------

    @abstractmethod
    async def create_file_folder(
        self, folder_id: str, name: str, group: str | None, quota_bytes: int, creator: str,
        members: Sequence[tuple[str, Role]] = (),
    ) -> FileFolder:
        """Create a shared folder (`folder_id` is a fresh UUID made by the caller); the creator
        is owner, `members` get their role; return it. Raises UnknownUser, UnknownGroup. One
        atomic write."""

    @abstractmethod
    async def all_file_folders(self) -> list[FileFolder]:
        """Return every shared folder, by name (for the administrator)."""

    @abstractmethod
    async def get_file_folder(self, folder_id: str) -> FileFolder | None:
        """Return the folder, or None."""

    @abstractmethod
    async def file_folder_role(self, folder_id: str, username: str) -> Role | None:
        """Return the user's effective role (explicit, else EDITOR through the folder's group),
        or None for a non-member. Raises UnknownFileFolder."""

    @abstractmethod
    async def list_file_folders(self, username: str) -> list[tuple[FileFolder, Role]]:
        """Return every folder the user is an effective member of, with their role, by name."""

    @abstractmethod
    async def list_file_members(self, folder_id: str) -> list[FolderMember]:
        """Return the effective members, sorted by name. Raises UnknownFileFolder."""

    @abstractmethod
    async def set_file_member(self, folder_id: str, username: str, role: Role) -> None:
        """Add an explicit member or change their role. Raises UnknownFileFolder, UnknownUser,
        LastOwner (that would demote the last owner). Atomic."""

    @abstractmethod
    async def remove_file_member(self, folder_id: str, username: str) -> None:
        """Remove an explicit member. Raises UnknownFileFolder, NotAMember, LastOwner."""

    @abstractmethod
    async def set_file_folder_group(self, folder_id: str, group: str | None) -> FileFolder:
        """Share the folder with a group (its members are editors), or with none; return it.
        Raises UnknownFileFolder, UnknownGroup."""

    @abstractmethod
    async def set_file_quota(self, folder_id: str, quota_bytes: int) -> FileFolder:
        """Set the folder's quota (it may be under what is used: only growth is refused then);
        return it. Raises UnknownFileFolder."""

    # -- document bank: files ---------------------------------------------------------------------

    @abstractmethod
    async def list_file_changes(self, folder_id: str, since: int, limit: int) -> tuple[int, list[FileEntry]]:
        """Return (the folder's rev, up to `limit` files with rev > `since` in rev order, deleted
        ones included). Raises UnknownFileFolder."""

    @abstractmethod
    async def get_file(self, folder_id: str, file_id: str) -> FileEntry | None:
        """Return the file (live or in the trash), or None."""

    @abstractmethod
    async def get_file_by_path(self, folder_id: str, path: str) -> FileEntry | None:
        """Return the live file at exactly `path`, or None."""

    @abstractmethod
    async def write_file(
        self, folder_id: str, path: str, expect: str | None, sha256: str, size: int, user: str, keep: int
    ) -> FileWrite:
        """Store a new version of the live file at `path`, keeping its `keep` newest versions, or
        create the file. `expect` is the precondition: None, the path must be free (If-None-Match:
        *); "*", a live file must be there; else its current SHA-256 must equal `expect`
        (If-Match). Content equal to the current version changes nothing (created=False, same
        version). Raises UnknownFileFolder, FilePreconditionFailed, PathConflict, QuotaExceeded;
        then nothing is stored. One atomic write."""

    @abstractmethod
    async def check_file_write(self, folder_id: str, path: str, expect: str | None, sha256: str, size: int) -> None:
        """Raise what `write_file` with these arguments would raise now (UnknownFileFolder,
        FilePreconditionFailed, PathConflict, QuotaExceeded), changing nothing: to refuse an
        upload before its bytes are sent or moved."""

    @abstractmethod
    async def move_file(self, folder_id: str, file_id: str, path: str, expect: str | None) -> FileEntry:
        """Move or rename a live file (same id and versions; a case-only rename is allowed);
        `expect`, if given, must be its current SHA-256. Moving to its own path changes nothing.
        Raises UnknownFile (also in the trash), FilePreconditionFailed, PathConflict."""

    @abstractmethod
    async def move_tree(self, folder_id: str, source: str, target: str) -> list[FileEntry]:
        """Move every live file under the folder path `source` to under `target`, in one write
        (a case-only rename of a folder included), each file taking its own rev; return them
        moved, by path. Raises UnknownFile (no file under `source`), PathConflict (a moved path
        is taken, or `target` is inside `source`)."""

    @abstractmethod
    async def delete_file(self, folder_id: str, file_id: str, expect: str, user: str) -> FileEntry:
        """Move a live file to the trash; `expect` must be its current SHA-256 ("*": any).
        Deleting a file already in the trash with the same `expect` returns it unchanged (a
        replay). Raises UnknownFile, FilePreconditionFailed."""

    @abstractmethod
    async def list_trash(self, folder_id: str) -> list[FileEntry]:
        """Return the deleted files, newest deletion first. Raises UnknownFileFolder."""

    @abstractmethod
    async def restore_file(self, folder_id: str, file_id: str, path: str | None) -> FileEntry:
        """Bring a file back from the trash, at `path` or where it was. Raises UnknownFile,
        PathConflict (path taken, or the file is not in the trash), QuotaExceeded."""

    @abstractmethod
    async def purge_file(self, folder_id: str, file_id: str) -> tuple[str, ...]:
        """Forget a file of the trash for good, with its versions; return their hashes (the
        caller frees the blobs nothing uses). Raises UnknownFile (also for a live file)."""

    @abstractmethod
    async def list_file_versions(self, folder_id: str, file_id: str) -> list[FileVersion]:
        """Return the kept versions, newest first. Raises UnknownFile."""

    @abstractmethod
    async def restore_file_version(
        self, folder_id: str, file_id: str, version: int, expect: str | None, user: str, keep: int
    ) -> FileWrite:
        """Make a new version of a live file with the content of its kept `version`; `expect`,
        if given, must be its current SHA-256. Raises UnknownFile (unknown file or version, or
        a file in the trash), FilePreconditionFailed, QuotaExceeded."""

    # -- document bank: upload sessions -----------------------------------------------------------

    @abstractmethod
    async def create_file_upload(self, upload: FileUpload) -> FileUpload:
        """Record a new session (stamping its times); return it. Raises UnknownFileFolder."""

    @abstractmethod
    async def get_file_upload(self, upload_id: str) -> FileUpload | None:
        """Return the session with its received chunks, or None."""

    @abstractmethod
    async def add_upload_chunk(self, upload_id: str, index: int, digest: str) -> None:
        """Record (or re-record) a received chunk with its BLAKE3 (hex) and touch the session.
        Raises UnknownUpload."""

    @abstractmethod
    async def drop_upload_chunks(self, upload_id: str, indices: Collection[int]) -> None:
        """Forget received chunks found damaged (they are to be sent again)."""

    @abstractmethod
    async def delete_file_upload(self, upload_id: str) -> bool:
        """Forget a session; return whether it existed."""

    @abstractmethod
    async def expire_file_uploads(self, before: float) -> set[str]:
        """Forget the sessions untouched since `before`; return the ids of the others."""


def load(config: ServerConfig) -> Store:
    """Return the (unopened) store named by `config.store`. Raises ValueError for an unknown name.
    Any thread."""
    if config.store == "sqlite":
        from .sqlite import SqliteStore

        return SqliteStore(config.database_path, read_threads=config.read_threads)
    raise ValueError(f"stockage inconnu : {config.store}")
