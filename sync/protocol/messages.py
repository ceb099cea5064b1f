"""The y-websocket wire messages (y-protocols sync and awareness), plus Parvis's ack extension.

Message layout, each field a lib0 varuint unless said otherwise:

    [0 sync][0 step1][var bytes: state vector]
    [0 sync][1 step2][var bytes: update v1]
    [0 sync][2 update][var bytes: update v1]
    [1 awareness][var bytes: awareness update]
    [3 query awareness]
    [100 ack][n]      Parvis extension, server -> client, only on connections opened with ?ack=1:
                      the first n step2/update messages this client sent on this connection are
                      persisted on the server. Stock Yjs clients never see it.

Pure functions: bytes in, values out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from .errors import MessageTooLarge, ProtocolError
from .lib0 import Reader, write_var_bytes, write_var_uint


class MsgType(IntEnum):
    SYNC = 0
    AWARENESS = 1
    AUTH = 2
    QUERY_AWARENESS = 3
    ACK = 100


class SyncType(IntEnum):
    STEP1 = 0
    STEP2 = 1
    UPDATE = 2


@dataclass(frozen=True, slots=True)
class Message:
    """A decoded message. `payload` is the state vector, update or awareness bytes; `count` is
    the ack counter. Fields a type does not use are empty."""

    type: MsgType
    sync: SyncType | None = None
    payload: bytes = b""
    count: int = 0

    @property
    def carries_update(self) -> bool:
        return self.type == MsgType.SYNC and self.sync in (SyncType.STEP2, SyncType.UPDATE)


def encode_sync_step1(state_vector: bytes) -> bytes:
    return b"\x00\x00" + write_var_bytes(state_vector)


def encode_sync_step2(update: bytes) -> bytes:
    return b"\x00\x01" + write_var_bytes(update)


def encode_update(update: bytes) -> bytes:
    return b"\x00\x02" + write_var_bytes(update)


def encode_awareness(awareness_update: bytes) -> bytes:
    return b"\x01" + write_var_bytes(awareness_update)


def encode_query_awareness() -> bytes:
    return b"\x03"


def encode_ack(count: int) -> bytes:
    return bytes([MsgType.ACK]) + write_var_uint(count)


def decode_message(data: bytes, max_size: int) -> Message:
    """Decode one WebSocket frame. Raises MessageTooLarge over `max_size` bytes, and
    ProtocolError for an unknown type, a truncated field or trailing bytes. The update payload
    is not validated here: see `update.validate_update`."""
    if len(data) > max_size:
        raise MessageTooLarge(f"message de {len(data)} octets, maximum {max_size}")
    r = Reader(data)
    kind = r.read_var_uint()
    if kind == MsgType.SYNC:
        sub = r.read_var_uint()
        if sub not in (0, 1, 2):
            raise ProtocolError(f"type de message de synchronisation inconnu : {sub}")
        msg = Message(MsgType.SYNC, SyncType(sub), r.read_var_bytes())
    elif kind == MsgType.AWARENESS:
        msg = Message(MsgType.AWARENESS, None, r.read_var_bytes())
    elif kind == MsgType.QUERY_AWARENESS:
        msg = Message(MsgType.QUERY_AWARENESS)
    elif kind == MsgType.ACK:
        msg = Message(MsgType.ACK, count=r.read_var_uint())
    elif kind == MsgType.AUTH:
        # y-protocols auth: [2][0 permission denied][var string reason]
        r.read_var_uint()
        msg = Message(MsgType.AUTH, payload=r.read_var_bytes())
    else:
        raise ProtocolError(f"type de message inconnu : {kind}")
    if not r.done():
        raise ProtocolError("octets en trop après le message")
    return msg
