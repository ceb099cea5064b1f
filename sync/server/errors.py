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
