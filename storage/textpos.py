"""Offset conversions between the three ways of counting text positions.

pycrdt's `Text` indexes UTF-8 bytes; Qt and Yjs JS index UTF-16 code units; the CLI counts
characters (code points). Convert at each boundary so that accents and emoji land where the
user put them.
"""

from __future__ import annotations


def char_to_utf8(text: str, pos: int) -> int:
    """Return the UTF-8 byte offset of character index `pos` in `text` (0 <= pos <= len)."""
    if not 0 <= pos <= len(text):
        raise IndexError(pos)
    return len(text[:pos].encode("utf-8"))


def utf8_to_char(text: str, offset: int) -> int:
    """Return the character index of a UTF-8 byte offset that falls on a character boundary."""
    raw = text.encode("utf-8")
    if not 0 <= offset <= len(raw):
        raise IndexError(offset)
    return len(raw[:offset].decode("utf-8"))


def char_to_utf16(text: str, pos: int) -> int:
    """Return the UTF-16 code-unit offset of character index `pos` (astral characters count 2)."""
    if not 0 <= pos <= len(text):
        raise IndexError(pos)
    return pos + sum(1 for ch in text[:pos] if ord(ch) > 0xFFFF)


def utf16_to_char(text: str, offset: int) -> int:
    """Return the character index at a UTF-16 offset; an offset inside a surrogate pair maps
    to the character that holds it."""
    units = 0
    for i, ch in enumerate(text):
        if units >= offset:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    if offset > units:
        raise IndexError(offset)
    return len(text)
