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


class UnknownFileFolder(StoreError):
    """No shared folder of the document bank with that id."""


class UnknownFile(StoreError):
    """No file (or no such version of it) with that id in the shared folder."""


class UnknownUpload(StoreError):
    """No upload session with that id."""


class PathConflict(StoreError):
    """The path is taken by another file, differs only by case from an existing file or folder,
    or crosses a file (a file cannot hold other files)."""


class FilePreconditionFailed(StoreError):
    """The file is not in the state the request expected (If-Match / If-None-Match): `current`
    is the live file at that path (a `FileEntry`), or None."""

    def __init__(self, message: str, current: object = None) -> None:
        super().__init__(message)
        self.current = current


class QuotaExceeded(StoreError):
    """The change would take the shared folder over its quota; nothing was stored."""

    def __init__(self, quota: int, used: int, needed: int) -> None:
        super().__init__(f"quota du dossier dépassé : {needed} octets de plus demandés, {used} utilisés sur {quota}")
        self.quota = quota
        self.used = used
        self.needed = needed
