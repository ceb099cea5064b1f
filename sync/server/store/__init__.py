"""The server's pluggable store: the contract in `base`, SQLite in `sqlite`."""

from .base import Member, Role, Store, StoredDocument, User, load

__all__ = ["Member", "Role", "Store", "StoredDocument", "User", "load"]
