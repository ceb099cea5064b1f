"""Two-way binding between a pycrdt `Text` (the document body) and a QTextDocument.

Local edits go Qt first: whatever changed the QTextDocument (typing, paste, a format action),
`contentsChange` turns the changed range into Y operations, in one Y transaction per user
action with this binding's origin. Everything else that changes the `Text` (remote updates,
undo and redo, another component) reaches Qt through the Text event's delta, applied with a
separate QTextCursor so that Qt keeps the user's own cursor on the same text.

A Y text that ends with "\\n" shows without that final newline: Qt's last paragraph is
terminated by it. A `BlockIndex` mirrors the block texts to convert offsets in O(log n).
Everything here runs on the UI thread, the thread that owns the `Doc`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pycrdt import Doc, Text, TransactionEvent, UndoManager
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QTextBlock, QTextCursor, QTextDocument

from . import qtformat as qf
from . import sticky
from .offsets import BlockIndex, common_prefix, common_suffix, join16, slice16, u8len, u16len

BODY = "body"
EMBED = "*"  # one byte and one UTF-16 unit, like the Y embed (image, formula) it stands for
CAPTURE_MS = 500
BULK_CHARS = 20_000


class _Origin:
    """A transaction origin that only its binding holds (hashable by identity)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<origin {self.name}>"


class TextBinding(QObject):
    """Keeps `doc["body"]` and `qdoc` equal. Emits `localUpdate(bytes)` once per local Y
    transaction (edits, undo, redo) and `changed()` after any change to the QTextDocument."""

    localUpdate = Signal(bytes)
    changed = Signal()

    def __init__(self, doc: Doc, qdoc: QTextDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.text = doc.get(BODY, type=Text)
        self.qdoc = qdoc
        self.origin = _Origin("local")
        self._local_hash = hash(self.origin)
        self.remote_origin = _Origin("remote")
        self._skew = 0
        self._undo = UndoManager(scopes=[self.text], capture_timeout_millis=CAPTURE_MS, timestamp=self._now)
        self._undo.include_origin(self.origin)
        self._undo_origin = self._undo.origin  # not readable while the manager is undoing
        self._in_history = False
        self._applying = 0  # > 0: Qt is being changed from Y, contentsChange only updates the mirror
        self._loading = False
        self._depth = 0
        self._pending: list[bytes] = []
        self.tail = False  # the Y text ends with a newline that Qt does not show
        self.last_applied = -1  # Qt position of the last change applied from Y
        qdoc.setUndoRedoEnabled(False)
        self.index = BlockIndex([""])
        self._load()
        qdoc.contentsChange.connect(self._on_contents_change)
        # The raw yrs event: pycrdt's TextEvent computes the delta eagerly, even for the local
        # transactions we ignore, which costs a third of a keystroke in a long document.
        text_sub = self.text.integrated.observe(self._on_text_event)
        doc_sub = doc.observe(self._on_transaction)
        qdoc.destroyed.connect(lambda: _drop(doc, text_sub, doc_sub))  # no callback into a deleted widget

    # ---- local side ---------------------------------------------------------------------

    @contextmanager
    def local_action(self) -> Iterator[None]:
        """Group every Qt edit made inside into one Y transaction with the local origin; its
        update is emitted on leaving the outermost block. UI thread."""
        self._depth += 1
        try:
            with self.doc.transaction(origin=self.origin):
                yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._flush()

    @contextmanager
    def presentation(self) -> Iterator[None]:
        """Change how the document looks (margins, default font) without Qt's resulting
        contentsChange being taken for an edit: neither text nor model attributes change.
        UI thread."""
        loading, self._loading = self._loading, True
        try:
            yield
        finally:
            self._loading = loading

    def stop_capturing(self) -> None:
        """Make the next local change a new undo step. UI thread."""
        self._skew += 10 * CAPTURE_MS

    def _now(self) -> int:
        return time.monotonic_ns() // 1_000_000 + self._skew

    def undo(self) -> bool:
        """Undo the last local step (remote changes stay); returns whether anything changed. UI thread."""
        self.stop_capturing()
        return self._undo_redo(self._undo.undo)

    def redo(self) -> bool:
        """Redo the last undone step; returns whether anything changed. UI thread."""
        return self._undo_redo(self._undo.redo)

    def can_undo(self) -> bool:
        """Return whether there is a local step to undo (False while undoing). UI thread."""
        return not self._in_history and self._undo.can_undo()

    def can_redo(self) -> bool:
        """Return whether there is an undone step to redo (False while undoing). UI thread."""
        return not self._in_history and self._undo.can_redo()

    def _undo_redo(self, step: Any) -> bool:
        # Qt signals fired while yrs undoes must not query the manager (it is borrowed).
        self.last_applied = -1
        self._in_history = True
        try:
            return bool(step())
        finally:
            self._in_history = False
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        for update in pending:
            self.localUpdate.emit(update)

    def _on_transaction(self, event: TransactionEvent) -> None:
        origin = event.transaction.origin()  # type: ignore[attr-defined]
        if origin is not None and origin in (self._local_hash, self._undo_origin):
            self._pending.append(event.update)

    def insert_runs(self, pos: int, runs: list[qf.Run]) -> int:
        """Insert model runs at Qt position `pos` as a local edit; returns the end position. UI thread."""
        with self.local_action():
            self._ensure_tail()
            y0 = self._byte(pos)
            with self._bulk(sum(len(text) for text, _ in runs)):
                end = self._qt_insert(pos, runs)
            self._insert_from_qt(y0, pos, end)
            self._reconcile(end, end, self._byte(end), (pos, end))
        return end

    @contextmanager
    def _bulk(self, size: int) -> Iterator[None]:
        """Change Qt from Y; past a few pages, rebuild the mirror once instead of per edit."""
        big = size > BULK_CHARS and not self._loading
        self._applying += 1
        self._loading = self._loading or big
        try:
            yield
        finally:
            self._applying -= 1
            if big:
                self._loading = False
                self.index = BlockIndex(list(_texts_from(self.qdoc.begin())))
                self.changed.emit()

    def _on_contents_change(self, pos: int, removed: int, added: int) -> None:
        if self._loading:
            return
        block = self.qdoc.findBlock(pos)
        first, off16 = block.blockNumber(), pos - block.position()
        old = self.index.segment(first, off16, removed)
        new = join16(_texts_from(block), off16, added)
        y0 = self.index.byte_at(first, off16) if not self._applying else 0
        stop = min(first + old.count("\n") + 1, len(self.index.texts))
        texts = [block.text()]
        for _ in range(min(new.count("\n"), self.qdoc.blockCount() - 1 - first)):
            block = block.next()
            texts.append(block.text())
        self.index.replace(first, stop, texts)
        if not self._applying:
            self._push(pos, added, y0, old, new)
        self.changed.emit()

    def _push(self, pos: int, added: int, y0: int, old: str, new: str) -> None:
        with self.local_action():
            self._ensure_tail()
            # Qt may report a whole paragraph for a one-character edit: keep only what differs.
            suffix = common_suffix(old, new)
            prefix = common_prefix(old[: len(old) - suffix], new[: len(new) - suffix])
            removed = old[prefix : len(old) - suffix]
            y = y0 + u8len(old[:prefix])
            if removed:
                del self.text[y : y + u8len(removed)]
            inserted = new[prefix : len(new) - suffix]
            start = pos + u16len(new[:prefix])
            stop = start + u16len(inserted)
            if inserted:
                self._insert_from_qt(y, start, stop)
            if old and new or "\n" in old or "\n" in new:  # typing inside a paragraph changes no format
                self._reconcile(pos, pos + added, y0, (start, stop))

    def _insert_from_qt(self, y: int, start: int, stop: int) -> None:
        for text, attrs in qf.read_runs(self.qdoc, start, stop):
            self.text.insert(y, text, attrs)
            y += u8len(text)

    def _reconcile(self, start: int, stop: int, y: int, fresh: tuple[int, int] = (0, 0)) -> None:
        """Give the Y text Qt's attributes over [start, stop], whose bytes start at `y`, except
        for `fresh`, the Qt range just inserted with its attributes: formatting text inserted in
        the same transaction makes yrs' commit quadratic."""
        low, high = fresh
        if high <= low:
            low = high = stop
        self._format_inline(start, min(low, stop), y)
        if high < stop:
            self._format_inline(high, stop, self._byte(high))
        end = min(stop, self.qdoc.characterCount() - 1)
        block, last = self.qdoc.findBlock(start), self.qdoc.findBlock(end).blockNumber()
        while block.isValid() and block.blockNumber() <= last:
            separator = block.position() + block.length() - 1
            if not low <= separator < high:
                nl = self.index.newline(block.blockNumber())
                self.text.format(nl, nl + 1, qf.full(qf.block_attrs(block), qf.BLOCK_KEYS))
            block = block.next()

    def _format_inline(self, start: int, stop: int, y: int) -> None:
        for text, attrs in qf.read_runs(self.qdoc, start, stop):
            size = u8len(text)
            self.text.format(y, y + size, qf.full(attrs, qf.INLINE_KEYS))
            y += size

    def _ensure_tail(self) -> None:
        if not self.tail:  # Quill's convention: a body with content ends with "\n"
            self.text.insert(len(self.text), "\n", qf.block_attrs(self.qdoc.lastBlock()))
            self.tail = True

    def _byte(self, pos: int) -> int:
        # valid for positions in the unchanged part of the text while Qt reports an edit
        block = self.qdoc.findBlock(pos)
        return self.index.byte_at(block.blockNumber(), pos - block.position())

    # ---- Y side -----------------------------------------------------------------------------

    def apply_remote(self, update: bytes) -> None:
        """Apply a Yjs update from elsewhere: the Doc changes with the remote origin, Qt follows,
        nothing is emitted. Raises what pycrdt raises for a malformed update. UI thread."""
        with self.doc.transaction(origin=self.remote_origin):
            self.doc.apply_update(update)

    def _on_text_event(self, event: Any) -> None:
        if event.transaction.origin() == self._local_hash:
            return
        self._applying += 1
        try:
            self._apply_delta(event.delta)
        except Exception as exc:  # raised by pycrdt when the transaction ends, as for its observers
            self.doc._exceptions.append(exc)
        finally:
            self._applying -= 1

    def _apply_delta(self, delta: list[dict[str, Any]]) -> None:
        y = 0
        for op in delta:
            if "insert" in op:
                value = op["insert"]
                text = value if isinstance(value, str) else EMBED
                self._y_insert(y, text, op.get("attributes") or {})
                y += u8len(text)
            elif "delete" in op:
                self._y_delete(y, op["delete"])
            elif "retain" in op:
                if op.get("attributes"):
                    self._y_format(y, op["retain"], op["attributes"])
                y += op["retain"]
        last = self.qdoc.lastBlock()
        if not self.tail and last.length() == 1 and self.qdoc.blockCount() > 1:
            # the Y text now ends with "\n": that newline terminates the paragraph before
            attrs = qf.block_attrs(last.previous())
            self._qt_delete(last.position() - 1, last.position())
            qf.set_block_attrs(self.qdoc.lastBlock(), attrs)
            self.tail = True

    def _qpos(self, y: int) -> int:
        if y >= self.index.total:
            return self.qdoc.characterCount() - 1
        block, off16 = self.index.locate(y)
        return self.qdoc.findBlockByNumber(block).position() + off16

    def _y_insert(self, y: int, text: str, attrs: qf.Attrs) -> None:
        runs: list[qf.Run] = [(text, attrs)]
        after_tail = self.tail and y >= self.index.total  # after the final newline: it becomes visible
        if after_tail:
            runs.insert(0, ("\n", qf.block_attrs(self.qdoc.lastBlock())))
        pos = self._qpos(y)
        with self._bulk(len(text)):
            self._qt_insert(pos, runs)
        if after_tail:
            qf.set_block_attrs(self.qdoc.lastBlock(), {})
            self.tail = False

    def _y_delete(self, y: int, size: int) -> None:
        if self.tail and y + size >= self.index.total:  # takes the final newline
            self._qt_delete(self._qpos(y), self.qdoc.characterCount() - 1)
            qf.set_block_attrs(self.qdoc.lastBlock(), {})
            self.tail = False
        else:
            self._qt_delete(self._qpos(y), self._qpos(y + size))

    def _y_format(self, y: int, size: int, attrs: dict[str, Any]) -> None:
        inline = {k: attrs[k] for k in qf.INLINE_KEYS if k in attrs}
        if inline:
            cursor = QTextCursor(self.qdoc)
            for pos, length, old, heading in list(qf.fragments(self.qdoc, self._qpos(y), self._qpos(y + size))):
                cursor.setPosition(pos)
                cursor.setPosition(pos + length, QTextCursor.MoveMode.KeepAnchor)
                cursor.setCharFormat(qf.char_format(qf.clean_inline({**old, **inline}), heading))
        block_changes = {k: attrs[k] for k in qf.BLOCK_KEYS if k in attrs}
        if block_changes:
            count = self.qdoc.blockCount()
            first = self.index.locate(min(y, self.index.total - 1))[0]
            for number in range(first, count):
                nl = self.index.newline(number)
                if nl >= y + size or (number == count - 1 and not self.tail):
                    break
                if nl >= y:
                    block = self.qdoc.findBlockByNumber(number)
                    qf.set_block_attrs(block, {**qf.block_attrs(block), **block_changes})

    def _qt_insert(self, pos: int, runs: list[qf.Run]) -> int:
        """Insert runs into Qt; each "\\n" gives the paragraph it ends its block attributes,
        the last paragraph keeps those of the one split. Returns the end position."""
        cursor = QTextCursor(self.qdoc)
        cursor.setPosition(pos)
        for text, attrs in runs:
            heading = cursor.block().blockFormat().headingLevel()
            if "\n" in text and qf.clean_block(attrs) == qf.block_attrs(cursor.block()):
                # new paragraphs copy the current one, which already has these attributes
                cursor.insertText(text, qf.char_format(qf.clean_inline(attrs), heading))
                continue
            for i, line in enumerate(text.split("\n")):
                if i:
                    cursor.insertBlock()
                    qf.set_block_attrs(cursor.block().previous(), attrs)
                if line:
                    heading = cursor.block().blockFormat().headingLevel()
                    cursor.insertText(line, qf.char_format(qf.clean_inline(attrs), heading))
        self.last_applied = cursor.position()
        return cursor.position()

    def _qt_delete(self, start: int, stop: int) -> None:
        if stop <= start:
            return
        first, last = self.qdoc.findBlock(start), self.qdoc.findBlock(stop)
        merged = qf.block_attrs(last) if first != last else None  # the surviving "\n" is last's
        cursor = QTextCursor(self.qdoc)
        cursor.setPosition(start)
        cursor.setPosition(stop, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        if merged is not None:
            qf.set_block_attrs(self.qdoc.findBlock(start), merged)
        self.last_applied = start

    def _load(self) -> None:
        runs: list[qf.Run] = [(v if isinstance(v, str) else EMBED, a or {}) for v, a in self.text.diff()]
        tail_attrs = None
        if runs and runs[-1][0].endswith("\n"):
            text, tail_attrs = runs[-1]
            runs[-1] = (text[:-1], tail_attrs)
        self._loading = True
        try:
            self.qdoc.clear()
            self._qt_insert(0, runs)
            if tail_attrs is not None:
                qf.set_block_attrs(self.qdoc.lastBlock(), tail_attrs)
        finally:
            self._loading = False
        self.tail = tail_attrs is not None
        self.index = BlockIndex(list(_texts_from(self.qdoc.begin())))

    # ---- positions for awareness --------------------------------------------------------------

    def sticky(self, pos: int) -> dict[str, Any] | None:
        """Return the Yjs relative-position JSON of Qt position `pos`, or None for an empty text.
        UI thread."""
        size = self.qdoc.characterCount() - 1 + (1 if self.tail else 0)
        return sticky.encode(self.text, max(0, min(pos, size)), size, self)

    def resolve(self, data: Any, state: dict[int, int]) -> int | None:
        """Return the Qt position of a relative-position JSON, or None if it is malformed or
        names an item this Doc does not hold yet. `state` is `state_vector()`. UI thread."""
        if not _valid_sticky(data, state):
            return None
        try:
            pos = sticky.decode(self.text, {**data, "assoc": data.get("assoc", 0)}, self)
        except BaseException as exc:  # yrs panics surface as BaseException
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            return None
        return max(0, min(pos, self.qdoc.characterCount() - 1))

    # sticky.Positions, over the mirror
    def byte(self, pos: int) -> int:
        """Byte offset of Qt position `pos`. UI thread."""
        return self._byte(pos)

    def qt(self, offset: int) -> int:
        """Qt position of a byte offset that starts a character. UI thread."""
        return self._qpos(offset)

    def snap(self, offset: int) -> int:
        """The character boundary at or before a byte offset. UI thread."""
        return self.index.byte_at(*self.index.locate(offset))

    def after(self, offset: int) -> int:
        """The character boundary after the character at a byte offset. UI thread."""
        block, off16 = self.index.locate(offset)
        text = self.index.texts[block]
        if off16 >= u16len(text):
            return offset + 1
        return offset + u8len(slice16(text, off16, off16 + 2)[:1])

    def state_vector(self) -> dict[int, int]:
        """Return the Doc's state vector, client id to clock. UI thread."""
        return _decode_state(self.doc.get_state())


def _drop(doc: Doc, text_sub: Any, doc_sub: Any) -> None:
    text_sub.drop()
    doc.unobserve(doc_sub)


def _texts_from(block: QTextBlock) -> Iterator[str]:
    while block.isValid():
        yield block.text()
        block = block.next()


def _valid_sticky(data: Any, state: dict[int, int]) -> bool:
    if not isinstance(data, dict) or data.get("assoc", 0) not in (0, -1) or isinstance(data.get("assoc"), bool):
        return False
    item = data.get("item")
    if item is not None:
        if not isinstance(item, dict):
            return False
        client, clock = item.get("client"), item.get("clock")
        if not isinstance(client, int) or not isinstance(clock, int) or not _uint(client) or not _uint(clock):
            return False
        return clock < state.get(client, 0)
    return data.get("tname") == BODY and "type" not in data


def _uint(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _decode_state(raw: bytes) -> dict[int, int]:
    def varuint(i: int) -> tuple[int, int]:
        value, shift = 0, 0
        while True:
            byte = raw[i]
            value |= (byte & 0x7F) << shift
            i += 1
            if byte < 0x80:
                return value, i
            shift += 7

    count, i = varuint(0)
    state: dict[int, int] = {}
    for _ in range(count):
        client, i = varuint(i)
        state[client], i = varuint(i)
    return state
