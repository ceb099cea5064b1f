"""The y-websocket protocol with pycrdt on both ends: handshake, convergence, awareness, the ack
extension, and what happens to malformed, oversize and forbidden messages."""

from __future__ import annotations

import json

import pycrdt
import pytest
from httpx_ws import WebSocketDisconnect

from sync.protocol.lib0 import write_var_bytes, write_var_uint
from sync.protocol.messages import (
    MsgType,
    SyncType,
    encode_awareness,
    encode_query_awareness,
    encode_update,
)
from sync.server.awareness import encode_awareness_update

from .helpers import KIB, ServerThread, YClient, yjs


def closed_with(peer: YClient) -> int:
    """Read until the server closes the socket; return the close code."""
    with pytest.raises(WebSocketDisconnect) as info:
        while True:
            peer.recv()
    return info.value.code


def presence(client: int, clock: int, state: object) -> bytes:
    return encode_awareness(encode_awareness_update([(client, clock, json.dumps(state))]))


def test_two_connections_converge(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    with yjs(server, doc_id, token) as a, yjs(server, doc_id, token) as b:
        a.insert(0, "Séance du conseil")
        b.wait_text("Séance du conseil")
        b.insert(len(b.text), " — 12 mars 😀")
        a.wait_text("Séance du conseil — 12 mars 😀")
    # A newcomer gets everything in step 2, from the room or from the store once unloaded.
    with yjs(server, doc_id, token) as c:
        assert str(c.text) == "Séance du conseil — 12 mars 😀"
    assert server.stored_content(doc_id)[0] == "Séance du conseil — 12 mars 😀"


def test_offline_edits_merge_through_the_handshake(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    with yjs(server, doc_id, token) as a:
        a.insert(0, "Présents : ")
    offline = pycrdt.Doc()
    offline.get("body", type=pycrdt.Text).insert(0, "hors ligne")
    with yjs(server, doc_id, token, handshake=False) as b:
        b.doc.apply_update(offline.get_update())  # edits made before connecting
        b.handshake()  # our step 2 carries them to the server
        assert "hors ligne" in str(b.text) and "Présents" in str(b.text)
    with yjs(server, doc_id, token) as c:
        merged = str(c.text)
        assert "hors ligne" in merged and "Présents : " in merged and len(merged) == len("Présents : hors ligne")


def test_awareness_relay_query_and_removal_on_disconnect(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    with yjs(server, doc_id, token) as a:
        with yjs(server, doc_id, token, client_id=4242) as b:
            b.ws.send_bytes(presence(4242, 1, {"user": {"name": "Bob"}}))
            msg = a.wait_for(lambda m: m.type == MsgType.AWARENESS)
            assert b"Bob" in msg.payload
            # A newcomer receives the known states right after step 1.
            with yjs(server, doc_id, token, handshake=False) as c:
                first = c.recv()
                assert first.sync == SyncType.STEP1
                assert b"Bob" in c.wait_for(lambda m: m.type == MsgType.AWARENESS).payload
            a.awareness.clear()
            a.ws.send_bytes(encode_query_awareness())
            assert b"Bob" in a.wait_for(lambda m: m.type == MsgType.AWARENESS).payload
        # Bob's connection closed: the others learn his state is gone (null, clock + 1).
        removal = a.wait_for(lambda m: m.type == MsgType.AWARENESS and b"null" in m.payload).payload
        assert removal == encode_awareness_update([(4242, 2, "null")])


def test_acks_count_every_update_message_in_order(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    with yjs(server, doc_id, token, ack=True) as a, yjs(server, doc_id, token) as plain:
        for i in range(20):
            a.insert(len(a.text), f"{i};")
        a.send_update_message(b"\x00\x02\x02\x00\x00")  # an empty update counts too
        a.wait_acked()
        assert a.sent == 22  # the handshake's step 2, 20 keystrokes, the empty update
        assert a.acks == sorted(a.acks) and a.acks[-1] == 22
        # Acked means stored: the store alone rebuilds all of it.
        expected = "".join(f"{i};" for i in range(20))
        assert server.stored_content(doc_id)[0] == expected
        plain.wait_text(expected)
        assert not plain.acks  # stock clients never see the extension


def test_malformed_update_closes_only_that_connection(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    with yjs(server, doc_id, token, ack=True) as good, yjs(server, doc_id, token) as bad:
        good.insert(0, "avant")
        good.wait_acked()
        # Claims a huge number of structs in 4 bytes: what makes yrs allocate 500 MB.
        bad.ws.send_bytes(encode_update(b"\x01\xff\xff\xff\x0f"))
        assert closed_with(bad) == 4400
        good.insert(len(good.text), " après")
        good.wait_acked()
    assert server.stored_content(doc_id) == ("avant après", 2)


@pytest.mark.parametrize(
    "frame",
    [
        b"\x00\x02\x05\x00\x00",  # declared length past the end
        b"\x07\x00",  # unknown message type
        b"\x00\x00\x03\x01\x01",  # truncated state vector in step 1
        b"\x01" + write_var_bytes(write_var_uint(1) + write_var_uint(1) + write_var_uint(1) + write_var_bytes(b"{no")),
    ],
)
def test_malformed_frames_close_with_4400(server: ServerThread, frame: bytes) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    with yjs(server, doc_id, token) as peer:
        peer.ws.send_bytes(frame)
        assert closed_with(peer) == 4400
    assert server.stored_content(doc_id) == ("", 0)


def test_text_frames_close_with_4400(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    with yjs(server, doc_id, token) as peer:
        peer.ws.send_text("bonjour")
        assert closed_with(peer) == 4400


def test_oversize_update_closes_with_1009_and_stores_nothing(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    big = pycrdt.Doc()
    big.get("body", type=pycrdt.Text).insert(0, "x" * (server.config.update_limits.max_bytes + KIB))
    with yjs(server, doc_id, token, ack=True) as other, yjs(server, doc_id, token) as peer:
        peer.ws.send_bytes(encode_update(big.get_update()))
        assert closed_with(peer) == 1009
        other.insert(0, "toujours là")
        other.wait_acked()
    assert server.stored_content(doc_id) == ("toujours là", 1)


def test_removed_member_and_deleted_document_are_disconnected(server: ServerThread) -> None:
    _, alice = server.user_with_token()
    bob_name, bob = server.user_with_token()
    doc_id = server.new_doc(alice)
    server.share(alice, doc_id, bob_name, "editor")
    with yjs(server, doc_id, bob) as peer:
        with server.client(alice) as c:
            assert c.delete(f"/api/docs/{doc_id}/members/{bob_name}").status_code == 204
        assert closed_with(peer) == 4403
    with yjs(server, doc_id, alice) as peer:
        with server.client(alice) as c:
            assert c.delete(f"/api/docs/{doc_id}").status_code == 204
        assert closed_with(peer) == 4404


def test_demoted_editor_can_no_longer_write(server: ServerThread) -> None:
    _, alice = server.user_with_token()
    bob_name, bob = server.user_with_token()
    doc_id = server.new_doc(alice)
    server.share(alice, doc_id, bob_name, "editor")
    with yjs(server, doc_id, bob, ack=True) as peer:
        peer.insert(0, "oui")
        peer.wait_acked()
        server.share(alice, doc_id, bob_name, "reader")
        peer.insert(0, "non")
        assert closed_with(peer) == 4403
    assert server.stored_content(doc_id)[0] == "oui"
