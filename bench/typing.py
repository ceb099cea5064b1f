"""A deterministic typing session: what a secretary's keystrokes look like to the store."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from storage.docs import OpenDoc, delete_text, insert_text

ALPHABET = "abcdefghijklmnopqrstuvwxyz éèàçùôêâ,.;:'" + "😀"


def keystrokes(n: int, seed: int = 7) -> Iterator[tuple[str, int, str]]:
    """Yield n actions ("ins", pos, char) or ("del", pos, "") over a growing text: mostly
    typing at the caret, some backspaces, and now and then the caret jumps elsewhere."""
    rng = random.Random(seed)
    length = 0
    caret = 0
    for _ in range(n):
        roll = rng.random()
        if roll < 0.01 and length:
            caret = rng.randint(0, length)
        if roll < 0.08 and caret > 0:
            caret -= 1
            length -= 1
            yield "del", caret, ""
        else:
            yield "ins", caret, rng.choice(ALPHABET)
            caret += 1
            length += 1


def apply(od: OpenDoc, action: tuple[str, int, str]) -> None:
    kind, pos, char = action
    if kind == "ins":
        insert_text(od, pos, char)
    else:
        delete_text(od, pos, 1)


def step(action: tuple[str, int, str]) -> Callable[[OpenDoc], None]:
    """The edit for one action, as DocStore.edit takes it."""
    return lambda od: apply(od, action)
