"""Yjs relative positions (awareness cursors) for a pycrdt `Text`, exact with any characters.

pycrdt 0.14 (yrs) mixes units in sticky indexes: it finds the item holding a position by
counting UTF-8 bytes, then adds the offset inside that item to the item's clock as if both
counted the same way (clocks count UTF-16 units, as in Yjs). The result is only right when the
item's text before the position is ASCII. So both directions first find where the item starts
(a binary search over yrs answers, which are consistent within one item), then count the
offset inside the item in UTF-16 units. Costs O(log n) yrs calls. UI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pycrdt import Assoc, StickyIndex, Text

ROOT = "body"


class Positions(Protocol):
    """Conversions between Qt positions (UTF-16) and byte offsets of the Y text."""

    def byte(self, pos: int) -> int:
        """Byte offset of a Qt position. UI thread."""
        ...

    def qt(self, offset: int) -> int:
        """Qt position of a byte offset that starts a character. UI thread."""
        ...

    def snap(self, offset: int) -> int:
        """The character boundary at or before a byte offset. UI thread."""
        ...

    def after(self, offset: int) -> int:
        """The character boundary after the character starting at a byte offset. UI thread."""
        ...


def _at(text: Text, offset: int) -> tuple[int, int]:
    item = text.sticky_index(offset, Assoc.AFTER).to_json()["item"]
    return int(item["client"]), int(item["clock"])


def _index(text: Text, client: int, clock: int, assoc: int = 0) -> int:
    data = {"item": {"client": client, "clock": clock}, "assoc": assoc}
    return int(StickyIndex.from_json(data, text).get_index())


def _lowest(high: int, holds: Callable[[int], bool]) -> int:
    """The smallest x in [0, high] where `holds` (false, then true up to `high`) is true.
    Searches down from `high` in growing steps: an item usually starts close by."""
    top, step = high, 1
    while top - step >= 0 and holds(top - step):
        top -= step
        step *= 2
    low = max(0, top - step + 1)
    while low < top:
        mid = (low + top) // 2
        if holds(mid):
            top = mid
        else:
            low = mid + 1
    return top


def encode(text: Text, pos: int, size: int, positions: Positions) -> dict[str, Any] | None:
    """Return the relative-position JSON (as `Y.relativePositionToJSON` gives) of Qt position
    `pos` in a Y text of `size` UTF-16 units, or None for an empty text. UI thread."""
    if size == 0:
        return None
    if pos >= size:
        return {"tname": ROOT, "assoc": 0}  # the end of the type, as Yjs encodes it
    offset = positions.byte(pos)
    client, clock = _at(text, offset)
    skew = clock - offset  # constant over one item in yrs' answers

    def same_item(at: int) -> bool:
        boundary = positions.snap(at)
        other_client, other_clock = _at(text, boundary)
        return other_client == client and other_clock - boundary == skew

    low = _lowest(offset, same_item)  # where the item starts, a character boundary
    start_clock = skew + low
    return {"tname": ROOT, "item": {"client": client, "clock": start_clock + pos - positions.qt(low)}, "assoc": 0}


def decode(text: Text, data: dict[str, Any], positions: Positions) -> int:
    """Return the Qt position of a validated relative-position JSON. Raises what yrs raises
    (BaseException for its panics) when it cannot. UI thread."""
    if "item" not in data:
        return positions.qt(int(StickyIndex.from_json({"tname": ROOT, "assoc": data["assoc"]}, text).get_index()))
    client, clock = int(data["item"]["client"]), int(data["item"]["clock"])
    found = _index(text, client, clock)
    skew = found - clock
    low = _lowest(clock, lambda mid: _index(text, client, mid) - mid == skew)  # the item's first clock
    pos = positions.qt(skew + low) + clock - low
    if data.get("assoc", 0) == -1:
        pos += _index(text, client, clock, -1) - found  # 1 after a live character, 0 if deleted
    return pos
