"""The server's exception tree. Messages are in French: they may reach a user or an administrator."""

from __future__ import annotations


class ServerError(Exception):
    """Base of every error the server raises on purpose."""


class StoreError(ServerError):
    """The store could not do what was asked (I/O error, schema too new, …)."""


class SchemaTooNew(StoreError):
    """The database was written by a newer server; it is left untouched."""


class UserExists(StoreError):
    """A user with that name already exists."""


class UnknownUser(StoreError):
    """No user with that name."""


class UnknownDocument(StoreError):
    """No document with that id."""


class NotAMember(StoreError):
    """The user is not a member of the document."""


class LastOwner(StoreError):
    """The change would leave the document without an owner."""


class InvalidName(ServerError):
    """A user name or document id that does not follow the allowed pattern."""


class GroupExists(StoreError):
    """A group with that name already exists."""


class UnknownGroup(StoreError):
    """No group with that name."""


class UnknownChatRoom(StoreError):
    """No chat room with that id."""


class UnknownMessage(StoreError):
    """No message with that sequence number in the room."""


class ClientIdConflict(StoreError):
    """The message's client UUID was already used in the room by another author."""


class MessageRefused(StoreError):
    """One message of a batch was refused, so the whole batch was: `index` (0-based) says which,
    `error` is the store's reason (UnknownMessage, ClientIdConflict, AttachmentUnusable)."""

    def __init__(self, index: int, error: StoreError) -> None:
        super().__init__(f"message {index + 1} : {error}")
        self.index = index
        self.error = error


class AttachmentUnusable(StoreError):
    """A message names an attachment that is not in its room, not its author's, or already
    attached to another message."""


class UnknownBlob(StoreError):
    """No stored file content with that SHA-256."""


class BlobTooLarge(ServerError):
    """A file being written went past the size cap; nothing was kept of it."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"fichier trop gros : plus de {limit} octets")
        self.limit = limit
