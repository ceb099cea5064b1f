"""Offsets between Qt (UTF-16 code units) and pycrdt `Text` (UTF-8 bytes), without O(document) work.

`BlockIndex` mirrors the text of every QTextDocument block, each followed by its "\\n", together
with a Fenwick tree of their UTF-8 sizes: a block's byte offset is a prefix sum (O(log n)), and
only the block being edited is ever encoded. The mirror also keeps the word and character
counts up to date.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence


def u8len(s: str) -> int:
    """Return the UTF-8 size of `s` in bytes. Any thread."""
    return len(s) if s.isascii() else len(s.encode("utf-8", "surrogatepass"))


def u16len(s: str) -> int:
    """Return the UTF-16 length of `s` in code units (astral characters count 2). Any thread."""
    return len(s) if s.isascii() else len(s.encode("utf-16-le", "surrogatepass")) // 2


def _bmp_only(s: str) -> bool:
    return s.isascii() or max(s) <= "\uffff"


def slice16(s: str, start: int, stop: int) -> str:
    """Return `s` between two UTF-16 offsets. Any thread."""
    if _bmp_only(s):
        return s[start:stop]
    raw = s.encode("utf-16-le", "surrogatepass")
    return raw[2 * start : 2 * stop].decode("utf-16-le", "surrogatepass")


def u8_to_u16(s: str, offset: int) -> int:
    """Return the UTF-16 offset of the UTF-8 byte `offset` of `s` (a byte inside a character
    counts as that character's start). Any thread."""
    if s.isascii():
        return offset
    head = s.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "ignore")
    return u16len(head)


def common_prefix(a: str, b: str) -> int:
    """Return the length of the longest common prefix of `a` and `b`. Any thread."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # binary search on C-speed slice comparisons
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: str, b: str) -> int:
    """Return the length of the longest common suffix of `a` and `b`. Any thread."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


class _Fenwick:
    """Prefix sums of positive sizes, with O(log n) updates and searches."""

    def __init__(self, sizes: Sequence[int]) -> None:
        self.n = len(sizes)
        tree = [0, *sizes]
        for i in range(1, self.n + 1):
            j = i + (i & -i)
            if j <= self.n:
                tree[j] += tree[i]
        self.tree = tree
        self.top = 1 << self.n.bit_length() if self.n else 0

    def add(self, i: int, delta: int) -> None:
        """Add `delta` to size `i`."""
        i += 1
        while i <= self.n:
            self.tree[i] += delta
            i += i & -i

    def prefix(self, i: int) -> int:
        """The sum of the first `i` sizes."""
        total = 0
        while i > 0:
            total += self.tree[i]
            i -= i & -i
        return total

    def find(self, target: int) -> int:
        """The number of leading sizes whose sum is <= target. Any thread."""
        pos, step = 0, self.top
        while step:
            nxt = pos + step
            if nxt <= self.n and self.tree[nxt] <= target:
                pos = nxt
                target -= self.tree[nxt]
            step >>= 1
        return pos


def _words(s: str) -> int:
    return len(s.split())


class BlockIndex:
    """The QTextDocument's block texts, each counted with one "\\n" after it.

    Byte offsets are those of the Y text as if every block, the last one included, ended
    with "\\n"; the binding accounts for a Y text that lacks its final newline.
    """

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts or [""]
        self._sizes = [u8len(t) + 1 for t in self.texts]
        self._tree: _Fenwick | None = None
        self.chars = sum(len(t) for t in self.texts) + len(self.texts) - 1
        self.words = sum(_words(t) for t in self.texts)

    def _fenwick(self) -> _Fenwick:
        if self._tree is None:  # rebuilt lazily: a burst of new blocks costs one O(n) pass
            self._tree = _Fenwick(self._sizes)
        return self._tree

    @property
    def total(self) -> int:
        """Bytes of all blocks, one "\\n" each. Any thread."""
        return self._fenwick().prefix(len(self._sizes))

    def start(self, block: int) -> int:
        """Byte offset where `block` starts. Any thread."""
        return self._fenwick().prefix(block)

    def newline(self, block: int) -> int:
        """Byte offset of the "\\n" that ends `block`. Any thread."""
        return self.start(block) + self._sizes[block] - 1

    def byte_at(self, block: int, off16: int) -> int:
        """Byte offset of UTF-16 offset `off16` inside `block`. Any thread."""
        return self.start(block) + u8len(slice16(self.texts[block], 0, off16))

    def locate(self, offset: int) -> tuple[int, int]:
        """(block, UTF-16 offset in it) of a byte offset below `total`; the "\\n" of a block maps
        to the block's end. Any thread."""
        block = min(self._fenwick().find(offset), len(self._sizes) - 1)
        return block, u8_to_u16(self.texts[block], offset - self.start(block))

    def segment(self, block: int, off16: int, n16: int) -> str:
        """The text of `n16` UTF-16 units from (block, off16), blocks joined by "\\n". Any thread."""
        return join16((self.texts[i] for i in range(block, len(self.texts))), off16, n16)

    def replace(self, first: int, stop: int, texts: list[str]) -> None:
        """Replace the mirrored blocks `first` to `stop` (excluded) with `texts`. Any thread."""
        old = self.texts[first:stop]
        self.chars += sum(len(t) for t in texts) + len(texts) - sum(len(t) for t in old) - len(old)
        self.words += sum(_words(t) for t in texts) - sum(_words(t) for t in old)
        sizes = [u8len(t) + 1 for t in texts]
        self.texts[first:stop] = texts
        if len(texts) == len(old) and self._tree is not None:
            for i, size in enumerate(sizes):
                delta = size - self._sizes[first + i]
                if delta:
                    self._tree.add(first + i, delta)
            self._sizes[first:stop] = sizes
        else:
            self._sizes[first:stop] = sizes
            self._tree = None


def join16(texts: Iterator[str], off16: int, n16: int) -> str:
    """`n16` UTF-16 units of the paragraphs `texts` joined by "\\n", from `off16` in the first."""
    parts: list[str] = []
    for text in texts:
        if n16 <= 0:
            break
        piece = text if off16 == 0 and n16 >= u16len(text) else slice16(text, off16, off16 + n16)
        parts.append(piece)
        n16 -= u16len(piece)
        if n16 > 0:
            parts.append("\n")
            n16 -= 1
        off16 = 0
    return "".join(parts)
