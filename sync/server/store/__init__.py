"""The server's pluggable store: the contract in `base`, SQLite in `sqlite`."""

from .base import (
    ChatMember,
    ChatMessage,
    ChatRole,
    ChatRoom,
    Member,
    Role,
    RoomKind,
    RoomSummary,
    Store,
    StoredDocument,
    User,
    load,
)

__all__ = [
    "ChatMember",
    "ChatMessage",
    "ChatRole",
    "ChatRoom",
    "RoomKind",
    "Member",
    "Role",
    "RoomKind",
    "RoomSummary",
    "Store",
    "StoredDocument",
    "User",
    "load",
]
