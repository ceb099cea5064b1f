"""HTTP catch-up: GET what you lack (with the server's state vector), POST an update."""

from __future__ import annotations

from collections.abc import Iterator

import pycrdt

from sync.protocol.catchup import b64url_decode, b64url_encode

from .helpers import KIB, ServerThread, yjs

OCTETS = {"content-type": "application/octet-stream"}


def edit(doc: pycrdt.Doc, index: int, value: str) -> bytes:
    updates: list[bytes] = []
    sub = doc.observe(lambda e: updates.append(e.update))
    doc.get("body", type=pycrdt.Text).insert(index, value)
    doc.unobserve(sub)
    return updates[0]


def test_get_returns_the_missing_update_and_the_server_state_vector(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    author = pycrdt.Doc()
    with server.client(token) as c:
        assert c.post(f"/api/docs/{doc_id}/update", content=edit(author, 0, "Délibération n°1"),
                      headers=OCTETS).json() == {"persisted": True}
        r = c.get(f"/api/docs/{doc_id}/update")
        assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
        mirror = pycrdt.Doc()
        mirror.apply_update(r.content)
        assert str(mirror.get("body", type=pycrdt.Text)) == "Délibération n°1"
        assert b64url_decode(r.headers["X-Parvis-State-Vector"]) == mirror.get_state()
        # With our state vector (unpadded, as clients may send it), nothing is missing.
        sv = b64url_encode(mirror.get_state()).rstrip("=")
        r = c.get(f"/api/docs/{doc_id}/update", params={"sv": sv})
        assert r.status_code == 200 and r.content == b"\x00\x00"


def test_post_is_fanned_out_to_live_connections(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    with yjs(server, doc_id, token) as live:
        live.insert(0, "en direct")
        proxy_client = pycrdt.Doc()
        with server.client(token) as c:
            proxy_client.apply_update(c.get(f"/api/docs/{doc_id}/update").content)
            update = edit(proxy_client, len("en direct"), " et par HTTP")
            assert c.post(f"/api/docs/{doc_id}/update", content=update, headers=OCTETS).status_code == 200
        live.wait_text("en direct et par HTTP")
    assert server.stored_content(doc_id)[0] == "en direct et par HTTP"


def test_malformed_post_is_400_and_stores_nothing(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    with server.client(token) as c:
        for body in (b"\x01\xff\xff\xff\x0f", b"\x00", b"\x00\x00\x00", b""):
            r = c.post(f"/api/docs/{doc_id}/update", content=body, headers=OCTETS)
            assert r.status_code == 400, body
            assert r.json()["error"].startswith("mise à jour invalide")
        r = c.post(f"/api/docs/{doc_id}/update", content=b"\x00\x00", headers={"content-type": "text/plain"})
        assert r.status_code == 415
    assert server.stored_content(doc_id) == ("", 0)
    with yjs(server, doc_id, token, ack=True) as peer:  # the room is fine
        peer.insert(0, "ok")
        peer.wait_acked()
    assert server.stored_content(doc_id) == ("ok", 1)


def test_oversize_post_is_413_by_header_or_by_stream(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    cap = server.config.update_limits.max_bytes
    big = pycrdt.Doc()
    update = edit(big, 0, "x" * (cap + KIB))
    assert len(update) > cap

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count what it reads
        for i in range(0, len(update), 8 * KIB):
            yield update[i : i + 8 * KIB]

    with server.client(token) as c:
        r = c.post(f"/api/docs/{doc_id}/update", content=update, headers=OCTETS)
        assert r.status_code == 413 and "trop gros" in r.json()["error"]
        r = c.post(f"/api/docs/{doc_id}/update", content=chunks(), headers=OCTETS)
        assert r.status_code == 413
    assert server.stored_content(doc_id) == ("", 0)


def test_bad_state_vector_is_400(server: ServerThread) -> None:
    _, token = server.user_with_token()
    doc_id = server.new_doc(token)
    with server.client(token) as c:
        for sv in ("***", b64url_encode(b"\x05\x01"), b64url_encode(b"\x01\x01\x01\x00")):
            r = c.get(f"/api/docs/{doc_id}/update", params={"sv": sv})
            assert r.status_code == 400, sv
            assert "sv" in r.json()["error"]
