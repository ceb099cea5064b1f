"""The server's pluggable store: the contract in `base`, SQLite in `sqlite`; file contents in
`blobs` (`BlobStore`, on disk in `FileBlobStore`)."""

from .base import (
    ChatAttachment,
    ChatMember,
    ChatMessage,
    ChatRole,
    ChatRoom,
    Member,
    NewMessage,
    Role,
    RoomKind,
    RoomSummary,
    Store,
    StoredDocument,
    User,
    load,
)

__all__ = [
    "ChatAttachment",
    "ChatMember",
    "ChatMessage",
    "ChatRole",
    "ChatRoom",
    "Member",
    "NewMessage",
    "Role",
    "RoomKind",
    "RoomSummary",
    "Store",
    "StoredDocument",
    "User",
    "load",
]
