"""The document bank (« Fichiers »): shared folders synced with a folder of this PC."""

from .page import BankPage

__all__ = ["BankPage"]
