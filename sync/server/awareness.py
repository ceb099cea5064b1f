"""Awareness states of one room: who announced which client id, the latest state of each, and the
encoding of awareness updates (y-protocols: count, then client, clock, JSON state per entry)."""

from __future__ import annotations

from collections.abc import Iterable

from sync.protocol.lib0 import write_var_bytes, write_var_uint

NULL_STATE = "null"


def encode_awareness_update(entries: Iterable[tuple[int, int, str]]) -> bytes:
    """Return the awareness update (not the wrapping message) for (client, clock, json) entries.
    Any thread."""
    items = list(entries)
    out = [write_var_uint(len(items))]
    for client, clock, state in items:
        out.append(write_var_uint(client))
        out.append(write_var_uint(clock))
        out.append(write_var_bytes(state.encode("utf-8")))
    return b"".join(out)


class AwarenessBook:
    """Latest state per client id and which connection announced it. Loop thread only."""

    def __init__(self) -> None:
        self._states: dict[int, tuple[int, str]] = {}
        self._owner: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._states)

    def apply(self, owner: str, entries: Iterable[tuple[int, int, str]]) -> None:
        """Record validated entries announced by connection `owner` ("" for another node). A
        `null` state removes the client; an older clock than the one known is ignored."""
        for client, clock, state in entries:
            known = self._states.get(client)
            if known is not None and clock < known[0]:
                continue
            if state == NULL_STATE:
                self._states.pop(client, None)
                self._owner.pop(client, None)
            else:
                self._states[client] = (clock, state)
                self._owner[client] = owner

    def encode_all(self) -> bytes | None:
        """Return an awareness update with every known state, or None if there is none."""
        if not self._states:
            return None
        return encode_awareness_update((c, clock, s) for c, (clock, s) in self._states.items())

    def drop_owner(self, owner: str) -> bytes | None:
        """Forget the clients `owner` announced; return the awareness update that tells the others
        (state null, clock + 1), or None if it announced none."""
        clients = [c for c, o in self._owner.items() if o == owner]
        if not clients:
            return None
        removals = []
        for client in clients:
            clock, _ = self._states.pop(client)
            del self._owner[client]
            removals.append((client, clock + 1, NULL_STATE))
        return encode_awareness_update(removals)
