"""The exception tree of the client core. Every message is one line of plain French, fit to
print as is: it says what is wrong and what to do."""


class ParvisError(Exception):
    """Base of every error Parvis reports to a user."""


class ProfileNotFound(ParvisError):
    pass


class ProfileExists(ParvisError):
    pass


class WrongPassphrase(ParvisError):
    pass


class SchemaTooNew(ParvisError):
    pass


class MigrationFailed(ParvisError):
    pass


class CorruptProfile(ParvisError):
    pass


class KeyringUnavailable(ParvisError):
    pass


class NotFound(ParvisError):
    """An unknown document, account or other record."""


class InvalidInput(ParvisError):
    """A position, length, title or option the user gave that cannot be applied."""
