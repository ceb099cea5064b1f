"""lib0 variable-length integers and byte strings, as Yjs encodes them.

Pure functions over bytes; every read is bounds-checked and raises ProtocolError instead of
over-reading or allocating, because the server feeds them untrusted input.
"""

from __future__ import annotations

from .errors import ProtocolError

# JavaScript numbers are exact up to 2**53; Yjs never writes larger unsigned integers.
MAX_SAFE_INT = (1 << 53) - 1


def write_var_uint(n: int) -> bytes:
    """Return the lib0 encoding of a non-negative integer."""
    if n < 0:
        raise ValueError("negative varuint")
    out = bytearray()
    while n > 0x7F:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    out.append(n)
    return bytes(out)


def write_var_bytes(data: bytes) -> bytes:
    """Return `data` prefixed by its length as a varuint."""
    return write_var_uint(len(data)) + data


class Reader:
    """A cursor over untrusted bytes. Every method raises ProtocolError on truncation."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def done(self) -> bool:
        return self.pos >= len(self.data)

    def read_u8(self) -> int:
        if self.pos >= len(self.data):
            raise ProtocolError("message tronqué")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def read_var_uint(self) -> int:
        n = 0
        shift = 0
        while True:
            b = self.read_u8()
            n |= (b & 0x7F) << shift
            if b < 0x80:
                break
            shift += 7
            if shift > 56:
                raise ProtocolError("entier variable trop long")
        if n > MAX_SAFE_INT:
            raise ProtocolError("entier variable hors limites")
        return n

    def read_var_int(self) -> int:
        """A lib0 signed varint: sign in bit 6 of the first byte."""
        b = self.read_u8()
        n = b & 0x3F
        negative = bool(b & 0x40)
        shift = 6
        while b & 0x80:
            b = self.read_u8()
            n |= (b & 0x7F) << shift
            shift += 7
            if shift > 60:
                raise ProtocolError("entier signé trop long")
        return -n if negative else n

    def read_bytes(self, n: int) -> bytes:
        if n < 0 or n > self.remaining:
            raise ProtocolError("longueur déclarée au-delà de la fin du message")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return bytes(chunk)

    def skip(self, n: int) -> None:
        if n < 0 or n > self.remaining:
            raise ProtocolError("longueur déclarée au-delà de la fin du message")
        self.pos += n

    def read_var_bytes(self) -> bytes:
        return self.read_bytes(self.read_var_uint())

    def read_var_string(self) -> str:
        raw = self.read_var_bytes()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError("chaîne UTF-8 invalide") from exc
