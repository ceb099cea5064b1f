"""Rights on every route: non-members get 403 (REST) or are refused before the WebSocket opens;
readers read but never write."""

from __future__ import annotations

import uuid

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, WebSocketUpgradeError, connect_ws
from starlette.websockets import WebSocket

from sync.server.ws import deny

from .helpers import TIMEOUT, ServerThread, yjs


def routes(doc_id: str, someone: str) -> list[tuple[str, str, dict[str, object]]]:
    return [
        ("PUT", f"/api/docs/{doc_id}", {}),
        ("DELETE", f"/api/docs/{doc_id}", {}),
        ("GET", f"/api/docs/{doc_id}/members", {}),
        ("PUT", f"/api/docs/{doc_id}/members/{someone}", {"json": {"role": "reader"}}),
        ("DELETE", f"/api/docs/{doc_id}/members/{someone}", {}),
        ("GET", f"/api/docs/{doc_id}/update", {}),
        ("POST", f"/api/docs/{doc_id}/update",
         {"content": b"\x00\x00", "headers": {"content-type": "application/octet-stream"}}),
    ]


def test_a_non_member_gets_403_on_every_document_route(server: ServerThread) -> None:
    owner, alice = server.user_with_token()
    _, mallory = server.user_with_token()
    doc_id = server.new_doc(alice)
    with server.client(mallory) as c:
        for method, path, kw in routes(doc_id, owner):
            r = c.request(method, path, **kw)  # type: ignore[arg-type]
            assert r.status_code == 403, (method, path, r.text)
            assert "accès refusé" in r.json()["error"]
    with server.client(alice) as c:  # nothing changed
        assert c.get(f"/api/docs/{doc_id}/members").json()["members"] == [{"username": owner, "role": "owner"}]


def test_unknown_document_is_404_on_every_route_but_put(server: ServerThread) -> None:
    someone, token = server.user_with_token()
    missing = str(uuid.uuid4())
    with server.client(token) as c:
        for method, path, kw in routes(missing, someone)[1:]:
            r = c.request(method, path, **kw)  # type: ignore[arg-type]
            assert r.status_code == 404, (method, path)
            assert r.json() == {"error": f"document inconnu : {missing}"}


UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


def refusal(server: ServerThread, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """The server's answer to a WebSocket handshake it refuses (status and JSON body)."""
    with httpx.Client(timeout=TIMEOUT) as http, pytest.raises(WebSocketUpgradeError):
        with connect_ws(f"{server.url}{path}", http, headers=dict(headers or {})):
            pass
    return httpx.get(f"{server.url}{path}", headers={**UPGRADE, **(headers or {})}, timeout=TIMEOUT)


def test_websocket_is_refused_before_accepting(server: ServerThread) -> None:
    _, alice = server.user_with_token()
    _, mallory = server.user_with_token()
    doc_id = server.new_doc(alice)
    cases = [
        (f"/yjs/{doc_id}", None, 401),
        (f"/yjs/{doc_id}?token=faux", None, 401),
        (f"/yjs/{doc_id}?token={mallory}", None, 403),
        (f"/yjs/{doc_id}", {"Authorization": f"Bearer {mallory}"}, 403),
        (f"/yjs/{uuid.uuid4()}?token={alice}", None, 404),
        (f"/yjs/pas.valide?token={alice}", None, 404),
    ]
    for path, headers, status in cases:
        r = refusal(server, path, headers)
        assert r.status_code == status, path
        assert "error" in r.json()
    # The owner gets in, with the header as well as with the query.
    with yjs(server, doc_id, alice) as peer:
        assert str(peer.text) == ""


def test_a_reader_reads_but_cannot_write(server: ServerThread) -> None:
    _, alice = server.user_with_token()
    reader_name, reader = server.user_with_token()
    doc_id = server.new_doc(alice)
    server.share(alice, doc_id, reader_name, "reader")
    with yjs(server, doc_id, alice, ack=True) as writer:
        writer.insert(0, "Ordre du jour")
        writer.wait_acked()
    with server.client(reader) as c:
        assert c.get(f"/api/docs/{doc_id}/update").status_code == 200
        r = c.post(f"/api/docs/{doc_id}/update", content=b"\x00\x00",
                   headers={"content-type": "application/octet-stream"})
        assert r.status_code == 403 and "éditeur" in r.json()["error"]
    with yjs(server, doc_id, reader, ack=True) as peer:
        assert str(peer.text) == "Ordre du jour"
        # An empty update (what stock clients send in reply to step 1) is fine, and acked.
        peer.send_update_message(b"\x00\x02\x02\x00\x00")
        peer.wait_acked()
        peer.insert(0, "Pirate : ")
        with pytest.raises(WebSocketDisconnect) as info:
            while True:
                peer.recv()
        assert info.value.code == 4403
    assert server.stored_content(doc_id)[0] == "Ordre du jour"


@pytest.mark.anyio
async def test_without_the_denial_extension_refusals_are_close_codes() -> None:
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/yjs/x", "headers": [], "query_string": b""}  # no "extensions"
    for status in (401, 403, 404):
        await deny(WebSocket(scope, receive, send), status, "refusé")  # type: ignore[arg-type]
    assert [(m["type"], m["code"]) for m in sent] == [("websocket.close", 4401), ("websocket.close", 4403),
                                                       ("websocket.close", 4404)]
