"""Rooms: compaction keeps content identical and shrinks the tail; rooms nobody holds are
unloaded; a document waiting for a missing dependency is never compacted."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pycrdt

from sync.server.sv import covers

from .helpers import TIMEOUT, ServerThread, yjs

OCTETS = {"content-type": "application/octet-stream"}


def wait_until(predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Poll `predicate` until true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        assert time.monotonic() < deadline, "condition jamais atteinte"
        pause.wait(0.01)


def loaded(server: ServerThread, doc_id: str) -> bool:
    return server.call_sync(lambda: server.services.rooms.get(doc_id) is not None)


def chain(text: str) -> list[bytes]:
    """One update per character, each depending on the previous one."""
    doc = pycrdt.Doc()
    body = doc.get("body", type=pycrdt.Text)
    out: list[bytes] = []
    doc.observe(lambda e: out.append(e.update))
    for ch in text:
        body.insert(len(body), ch)
    return out


def test_live_compaction_keeps_content_and_shrinks_the_tail(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    text = "Le conseil municipal, régulièrement convoqué, s'est réuni 😀 "
    with yjs(server, doc_id, token, ack=True) as peer:
        for ch in text:
            peer.insert(len(peer.text), ch)  # pycrdt indexes UTF-8 bytes
        peer.wait_acked()
        room = server.call_sync(lambda: server.services.rooms.get(doc_id))
        assert room is not None
        server.call(room.settle)  # a compaction may still be running
        stored, tail = server.stored_content(doc_id)
        assert stored == text
        assert server.config.compaction_threshold < len(text)
        assert tail <= len(text) - server.config.compaction_threshold  # without compaction: len(text)
        snapshot = server.call(lambda: server.services.store.load_document(doc_id)).snapshot
        assert snapshot is not None
        assert server.call_sync(lambda: str(room.doc.get("body", type=pycrdt.Text))) == text
    with yjs(server, doc_id, token) as again:
        assert str(again.text) == text


def test_rooms_unload_when_the_last_holder_leaves_and_compact_first(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    with yjs(server, doc_id, token, ack=True) as a:
        with yjs(server, doc_id, token) as b:
            for i in range(10):
                a.insert(i, str(i))
            a.wait_acked()
            b.wait_text("0123456789")
        assert loaded(server, doc_id)  # a still holds it
    wait_until(lambda: not loaded(server, doc_id))
    # Unloading compacted the 10-row tail (>= unload_compaction_threshold) into the snapshot.
    assert server.stored_content(doc_id) == ("0123456789", 0)
    # HTTP catch-up loads the room for the request only.
    with server.client(token) as c:
        assert c.get(f"/api/docs/{doc_id}/update").status_code == 200
    assert not loaded(server, doc_id)


def test_a_document_with_a_missing_dependency_is_not_compacted(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    updates = chain("abcdefgh")
    with server.client(token) as c:
        # Everything but the first keystroke: yrs keeps these pending, out of the encoded state.
        for u in updates[1:]:
            assert c.post(f"/api/docs/{doc_id}/update", content=u, headers=OCTETS).status_code == 200
        text, tail = server.stored_content(doc_id)
        assert (text, tail) == ("", 7)  # not compacted away although past the unload threshold
        assert c.post(f"/api/docs/{doc_id}/update", content=updates[0], headers=OCTETS).status_code == 200
    assert server.stored_content(doc_id)[0] == "abcdefgh"
    with yjs(server, doc_id, token) as peer:
        assert str(peer.text) == "abcdefgh"


def test_covers_tells_integrated_from_pending() -> None:
    author = pycrdt.Doc()
    updates = chain("xy")
    author.apply_update(updates[0])
    author.apply_update(updates[1])
    other: list[bytes] = []
    author.observe(lambda e: other.append(e.update))
    with author.transaction():
        author.get("body", type=pycrdt.Text).insert(1, "-")  # depends on both keystrokes
    server = pycrdt.Doc()
    server.apply_update(updates[1])
    assert not covers(server.get_state(), updates[1])  # its own predecessor is missing
    server.apply_update(other[0])
    assert not covers(server.get_state(), other[0])
    server.apply_update(updates[0])
    assert all(covers(server.get_state(), u) for u in (updates[0], updates[1], other[0]))
    assert str(server.get("body", type=pycrdt.Text)) == "x-y"
    assert covers(b"\x00", b"\x00\x00")
