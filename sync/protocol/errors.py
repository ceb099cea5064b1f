"""Errors of the wire layer, shared by the client and the server."""


class ProtocolError(Exception):
    """A message or an update that does not follow the wire format. Nothing was applied or stored."""


class MessageTooLarge(ProtocolError):
    """A message or a declared length over the configured cap."""
