"""Errors of the sync engine, in the client's exception tree."""

from storage.errors import ParvisError


class SyncError(ParvisError):
    """A sync round could not finish; local data is untouched."""


class Unreachable(SyncError):
    """No server answered: offline, wrong address, or the server stopped mid-sync."""


class AuthFailed(SyncError):
    """The server refused the credentials or the token."""


class Refused(SyncError):
    """The server refused one operation (rights, validation); the rest can go on."""


class NoAccount(SyncError):
    """The profile has no server account: it works locally only."""
