"""Bounds-checked validation of untrusted Yjs update v1, state vector and awareness bytes.

The server runs these checks before any byte reaches yrs (pycrdt's Rust core): yrs trusts declared
counts and lengths, so a few malformed bytes can make it reserve hundreds of megabytes, panic (and
leave the document unusable) or overflow its stack. The walk below covers the whole structure,
never allocates in proportion to a declared count, and refuses what Yjs cannot produce.

Layout (lib0 varuints unless said otherwise), after yjs src/utils/encoding.js and the Content* readers:

    update      := numClients { numStructs client clock struct* } deleteSet
    struct      := info:u8 ; info & 0x1F is the content ref; 0 GC and 10 Skip carry a varuint length
    item        := [origin id if 0x80] [right origin id if 0x40]
                   [if neither: parentInfo (1: root name string | 0: parent id), parentSub if 0x20]
                   content
    deleteSet   := numClients { client numRanges { clock len } }

Deliberate restrictions (stock Yjs never writes any of these, and yrs mishandles each):
- clocks stay below 2**31: yrs keeps clocks in u32 (a wrapped GC panics and bricks the doc) and
  panics when a struct lands more than 2**31 past its client's known clock (block_store.rs:317);
- content ref 2 (legacy ContentJSON) is refused: yrs reads one string more than Yjs wrote;
- a client appears once per section, and delete ranges are sorted and disjoint (yrs overwrites
  duplicate clients and assumes sorted ranges);
- zero-length structs are refused: yrs drops empty items, which can leave a client with no
  struct (a panic), and a zero-length GC makes the next edit allocate without end (an abort).
  pycrdt does write empty String items when given a Text offset inside a UTF-8 sequence, but
  its receivers then count clocks differently from the author and silently diverge anyway.

Pure functions: bytes in, values out. Error messages are in French.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import MessageTooLarge, ProtocolError
from .lib0 import MAX_SAFE_INT, Reader

# No struct, ID or delete range may end past this clock (see the module docstring).
MAX_CLOCK = (1 << 31) - 1

_GC, _SKIP = 0, 10
_DELETED, _JSON, _BINARY, _STRING, _EMBED, _FORMAT, _TYPE, _ANY, _DOC = range(1, 10)
_XML_ELEMENT, _XML_HOOK, _MAX_TYPE_REF = 3, 5, 6
_ANY_OBJECT, _ANY_ARRAY = 118, 117
# Payload size of the lib0 Any types that have a fixed one (undefined, null, f32, f64, bigint, bools).
_ANY_FIXED = {127: 0, 126: 0, 124: 4, 123: 8, 122: 8, 121: 0, 120: 0}
_BELOW_F0 = bytes(range(0xF0))


@dataclass(frozen=True)
class UpdateLimits:
    """Caps on one update: total bytes, structs, lib0 Any nesting and bytes of one string."""

    max_bytes: int = 8 * 1024 * 1024
    max_structs: int = 1_000_000
    max_any_depth: int = 32
    max_string_bytes: int = 8 * 1024 * 1024


@dataclass(frozen=True)
class UpdateSummary:
    """What a valid update contains."""

    structs: int  # number of structs (items, GC, skip) in the update
    deletes: int  # number of delete ranges
    clients: frozenset[int]  # client ids that authored structs

    @property
    def is_empty(self) -> bool:
        """True when the update has no struct and no delete range."""
        return self.structs == 0 and self.deletes == 0


def _uint(r: Reader) -> int:
    """Read a varuint without a call per byte (this is the hot path). Anything unusual
    (truncated, over 8 bytes, over 2**53 - 1) is left to Reader for its precise error."""
    data, start = r.data, r.pos
    try:
        b = data[start]
        if b < 0x80:
            r.pos = start + 1
            return b
        n, shift = b & 0x7F, 7
        for pos in range(start + 1, start + 8):
            b = data[pos]
            n |= (b & 0x7F) << shift
            if b < 0x80:
                if n <= MAX_SAFE_INT:
                    r.pos = pos + 1
                    return n
                break
            shift += 7
    except IndexError:
        pass
    return r.read_var_uint()


def _count(r: Reader, min_bytes: int) -> int:
    """Read a declared count, refused if its items (at least `min_bytes` each) cannot fit."""
    n = _uint(r)
    if n * min_bytes > r.remaining:
        raise ProtocolError("nombre d'éléments déclaré au-delà de la fin du message")
    return n


def _clock(clock: int) -> int:
    if clock > MAX_CLOCK:
        raise ProtocolError("horloge hors limites")
    return clock


def _raw_string(r: Reader, max_bytes: int) -> bytes:
    """Read a varstring's bytes, checked to be valid UTF-8."""
    n = _uint(r)
    start, data = r.pos, r.data
    if n > len(data) - start:
        raise ProtocolError("longueur déclarée au-delà de la fin du message")
    if n > max_bytes:
        raise MessageTooLarge("chaîne trop longue")
    raw = bytes(data[start : start + n])
    r.pos = start + n
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError("chaîne UTF-8 invalide") from exc
    return raw


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _parse_json(text: str) -> Any:
    """Parse JSON as JavaScript's JSON.parse would (NaN and Infinity refused). A str, never bytes:
    json.loads would guess UTF-16/32 or skip a BOM in bytes, which JSON.parse never does."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError("JSON invalide") from exc


def _json(r: Reader, limits: UpdateLimits) -> None:
    _parse_json(_raw_string(r, limits.max_string_bytes).decode("utf-8"))


def _any(r: Reader, limits: UpdateLimits, depth: int = 1) -> None:
    """Walk one lib0 Any value (decoding.js readAny)."""
    if depth > limits.max_any_depth:
        raise ProtocolError("valeur imbriquée trop profondément")
    kind = r.read_u8()
    fixed = _ANY_FIXED.get(kind)
    if fixed is not None:
        r.skip(fixed)
    elif kind == 125:
        r.read_var_int()
    elif kind == 119:
        _raw_string(r, limits.max_string_bytes)
    elif kind == _ANY_OBJECT:
        for _ in range(_count(r, 2)):
            _raw_string(r, limits.max_string_bytes)
            _any(r, limits, depth + 1)
    elif kind == _ANY_ARRAY:
        for _ in range(_count(r, 1)):
            _any(r, limits, depth + 1)
    elif kind == 116:
        r.skip(_uint(r))
    else:
        raise ProtocolError(f"type de valeur inconnu : {kind}")


def _content(r: Reader, ref: int, limits: UpdateLimits) -> int:
    """Walk an item's content; return its clock length."""
    if ref == _STRING:
        raw = _raw_string(r, limits.max_string_bytes)
        if raw.isascii():
            return len(raw)
        # UTF-16 length: one unit per code point, two for each 4-byte (astral) sequence, whose
        # lead byte is the only one >= 0xF0 in valid UTF-8.
        return len(raw.decode("utf-8")) + len(raw.translate(None, _BELOW_F0))
    if ref == _ANY:
        n = _count(r, 1)
        for _ in range(n):
            _any(r, limits)
        return n
    if ref == _DELETED:
        return _uint(r)
    if ref == _FORMAT:
        _raw_string(r, limits.max_string_bytes)
        _json(r, limits)
    elif ref == _TYPE:
        type_ref = _uint(r)
        if type_ref > _MAX_TYPE_REF:
            raise ProtocolError(f"type partagé inconnu : {type_ref}")
        if type_ref in (_XML_ELEMENT, _XML_HOOK):
            _raw_string(r, limits.max_string_bytes)
    elif ref == _EMBED:
        _json(r, limits)
    elif ref == _BINARY:
        r.skip(_uint(r))
    elif ref == _DOC:
        _raw_string(r, limits.max_string_bytes)
        if r.remaining and r.data[r.pos] != _ANY_OBJECT:
            raise ProtocolError("options de sous-document invalides")
        _any(r, limits)
    elif ref == _JSON:
        raise ProtocolError("contenu JSON historique non pris en charge")
    else:
        raise ProtocolError(f"type de contenu inconnu : {ref}")
    return 1


def _id(r: Reader) -> None:
    _uint(r)
    if _uint(r) > MAX_CLOCK:
        raise ProtocolError("horloge hors limites")


def _item(r: Reader, info: int, limits: UpdateLimits) -> int:
    """Walk an item (Item.js) after its info byte; return its clock length."""
    if info & 0x80:
        _id(r)
    if info & 0x40:
        _id(r)
    if not info & 0xC0:
        parent_info = _uint(r)
        if parent_info == 1:
            _raw_string(r, limits.max_string_bytes)
        elif parent_info == 0:
            _id(r)
        else:
            raise ProtocolError("parent invalide")
        if info & 0x20:
            _raw_string(r, limits.max_string_bytes)
    return _content(r, info & 0x1F, limits)


def _struct(r: Reader, limits: UpdateLimits) -> int:
    """Walk one struct; return its clock length, never 0."""
    info = r.read_u8()
    if info == _GC or info == _SKIP:
        length = _uint(r)
    elif (info & 0x1F) in (_GC, _SKIP):
        raise ProtocolError("structure invalide")
    else:
        length = _item(r, info, limits)
    if length == 0:
        raise ProtocolError("structure vide")
    return length


def _structs(r: Reader, limits: UpdateLimits) -> tuple[int, frozenset[int]]:
    """Walk the structs section; return the struct count and the authoring clients."""
    clients: set[int] = set()
    total = 0
    for _ in range(_count(r, 3)):
        n = _uint(r)
        client = _uint(r)
        clock = _clock(_uint(r))
        if n == 0 or n * 2 > r.remaining:
            raise ProtocolError("nombre de structures invalide")
        if client in clients:
            raise ProtocolError("client en double")
        clients.add(client)
        total += n
        if total > limits.max_structs:
            raise MessageTooLarge("trop de structures dans la mise à jour")
        for _ in range(n):
            clock += _struct(r, limits)
            if clock > MAX_CLOCK:
                raise ProtocolError("horloge hors limites")
    return total, frozenset(clients)


def _delete_set(r: Reader) -> int:
    """Walk the delete set (DeleteSet.js); return the number of ranges."""
    clients: set[int] = set()
    total = 0
    for _ in range(_count(r, 2)):
        client = _uint(r)
        if client in clients:
            raise ProtocolError("client en double")
        clients.add(client)
        n = _count(r, 2)
        end = 0
        for _ in range(n):
            clock = _uint(r)
            length = _uint(r)
            if length == 0 or clock < end:
                raise ProtocolError("plage de suppression invalide")
            end = _clock(clock + length)
        total += n
    return total


def validate_update(data: bytes, limits: UpdateLimits = UpdateLimits()) -> UpdateSummary:
    """Walk a whole Yjs update v1 and return its summary.

    Raises MessageTooLarge over `limits`, ProtocolError if the bytes are malformed, truncated,
    followed by trailing bytes, or something Yjs does not write."""
    if len(data) > limits.max_bytes:
        raise MessageTooLarge(f"mise à jour de {len(data)} octets, maximum {limits.max_bytes}")
    r = Reader(data)
    structs, clients = _structs(r, limits)
    deletes = _delete_set(r)
    if not r.done():
        raise ProtocolError("octets en trop après la mise à jour")
    return UpdateSummary(structs, deletes, clients)


def validate_state_vector(data: bytes, max_bytes: int = 64 * 1024) -> dict[int, int]:
    """Return the state vector as {client: clock}.

    Raises MessageTooLarge over `max_bytes`, ProtocolError if malformed, truncated, with trailing
    bytes, a duplicate client or a clock past what yrs can hold."""
    if len(data) > max_bytes:
        raise MessageTooLarge(f"vecteur d'état de {len(data)} octets, maximum {max_bytes}")
    r = Reader(data)
    state: dict[int, int] = {}
    for _ in range(_count(r, 2)):
        client = _uint(r)
        if client in state:
            raise ProtocolError("client en double")
        state[client] = _clock(_uint(r))
    if not r.done():
        raise ProtocolError("octets en trop après le vecteur d'état")
    return state


def validate_awareness(data: bytes, max_bytes: int = 64 * 1024) -> list[tuple[int, int, str]]:
    """Return (client_id, clock, json_state) per entry of a y-protocols awareness update.

    Each state must parse as JSON (JSON.parse rules); a null state (a client leaving) is returned
    as exactly "null". Raises MessageTooLarge over `max_bytes`, ProtocolError if malformed,
    truncated, with trailing bytes or with invalid JSON."""
    if len(data) > max_bytes:
        raise MessageTooLarge(f"mise à jour de présence de {len(data)} octets, maximum {max_bytes}")
    r = Reader(data)
    entries: list[tuple[int, int, str]] = []
    for _ in range(_count(r, 3)):
        client = _uint(r)
        clock = _uint(r)
        state = r.read_var_string()
        entries.append((client, clock, "null" if _parse_json(state) is None else state))
    if not r.done():
        raise ProtocolError("octets en trop après la mise à jour de présence")
    return entries
