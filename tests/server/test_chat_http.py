"""Chat over REST and the event stream, against the real server: rooms, roles, the sequenced
log with deduplication, edits, tombstones, reactions, mentions, paging, read markers, and the
rights of non-members (same 404 as an unknown room; no events)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from httpx_ws import WebSocketSession, WebSocketUpgradeError, connect_ws

from .helpers import TIMEOUT, ServerThread


def new_channel(server: ServerThread, token: str, members: tuple[str, ...] | list[str] = (),
                group: str | None = None) -> str:
    with server.client(token) as c:
        r = c.post("/api/chat/rooms", json={"kind": "channel", "name": "Urbanisme", "members": list(members),
                                             "group": group})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


def post(c: httpx.Client, room: str, text: str, client_id: str | None = None, **extra: Any) -> httpx.Response:
    return c.post(f"/api/chat/rooms/{room}/messages", json={"client_id": client_id or str(uuid.uuid4()),
                                                            "text": text, **extra})


def test_channel_log_dedup_edit_delete_reactions_mentions(server: ServerThread) -> None:
    alice, ta = server.user_with_token()
    bob, tb = server.user_with_token()
    room = new_channel(server, ta, [bob])
    with server.client(ta) as a, server.client(tb) as b:
        cid = str(uuid.uuid4())
        first = post(a, room, f"Bonjour @{bob}, et @channel.", cid)
        assert first.status_code == 201
        m = first.json()
        assert m["seq"] == 1 and m["author"] == alice and m["mentions"] == sorted([bob, "channel"])
        replay = post(a, room, "autre texte", cid)
        assert replay.status_code == 200 and replay.json() == m  # exactly once
        r = post(b, room, "Réponse", reply_to=1)
        assert r.status_code == 201 and r.json()["seq"] == 2 and r.json()["reply_to"] == 1
        assert post(b, room, "à rien", reply_to=42).status_code == 404
        assert post(b, room, "vol", cid).status_code == 409
        assert post(b, room, "   ").status_code == 400
        # edit / delete: own messages only
        assert b.patch(f"/api/chat/rooms/{room}/messages/1", json={"text": "x"}).status_code == 403
        r = a.patch(f"/api/chat/rooms/{room}/messages/1", json={"text": "Bonjour à tous"})
        assert r.status_code == 200 and r.json()["text"] == "Bonjour à tous" and r.json()["edited_at"]
        r = b.put(f"/api/chat/rooms/{room}/messages/1/reactions/👍")
        assert r.status_code == 200 and r.json()["reactions"] == {"👍": [bob]}
        assert b.delete(f"/api/chat/rooms/{room}/messages/1/reactions/👍").json()["reactions"] == {}
        assert b.delete(f"/api/chat/rooms/{room}/messages/1").status_code == 403
        r = a.delete(f"/api/chat/rooms/{room}/messages/1")
        assert r.status_code == 200 and r.json()["deleted"] and r.json()["text"] == ""
        msgs = a.get(f"/api/chat/rooms/{room}/messages").json()
        assert [(x["seq"], x["deleted"], x["text"]) for x in msgs["messages"]] == [(1, True, ""), (2, False, "Réponse")]
        assert msgs["last_seq"] == 2


def test_history_paging_and_read_markers(server: ServerThread) -> None:
    _, ta = server.user_with_token()
    bob, tb = server.user_with_token()
    room = new_channel(server, ta, [bob])
    with server.client(ta) as a, server.client(tb) as b:
        for i in range(1, 8):
            assert post(a, room, f"m{i}").status_code == 201
        page = lambda **q: [m["seq"] for m in b.get(f"/api/chat/rooms/{room}/messages", params=q).json()["messages"]]  # noqa: E731
        assert page(limit=3) == [5, 6, 7]
        assert page(after=2, limit=2) == [3, 4]
        assert page(before=3) == [1, 2]
        assert page(limit=1000) == list(range(1, 8))  # capped, not refused
        assert b.get(f"/api/chat/rooms/{room}/messages", params={"after": "x"}).status_code == 400
        [row] = [r for r in b.get("/api/chat/rooms").json()["rooms"] if r["id"] == room]
        assert row["unread"] == 7 and row["read_seq"] == 0 and row["role"] == "member" and row["last_seq"] == 7
        assert b.put(f"/api/chat/rooms/{room}/read", json={"seq": 5}).json() == {"room": room, "seq": 5}
        assert b.put(f"/api/chat/rooms/{room}/read", json={"seq": 2}).json()["seq"] == 5
        [row] = [r for r in b.get("/api/chat/rooms").json()["rooms"] if r["id"] == room]
        assert row["unread"] == 2


def test_admins_manage_channels_and_groups_open_them(server: ServerThread) -> None:
    alice, ta = server.user_with_token()
    bob, tb = server.user_with_token()
    carol, tc = server.user_with_token()
    group = f"g{uuid.uuid4().hex[:8]}"

    async def make_group() -> None:
        await server.services.store.create_group(group)
        await server.services.store.add_group_member(group, alice)
        await server.services.store.add_group_member(group, carol)

    server.call(make_group)
    with server.client(tb) as b:  # bob is not in the group
        r = b.post("/api/chat/rooms", json={"kind": "channel", "name": "x", "group": group})
        assert r.status_code == 403
    room = new_channel(server, ta, [bob], group=group)
    with server.client(ta) as a, server.client(tb) as b, server.client(tc) as c:
        assert post(c, room, "via le groupe").status_code == 201  # group member reads and posts
        members = a.get(f"/api/chat/rooms/{room}").json()["members"]
        assert {m["username"]: (m["role"], m["via_group"]) for m in members} == {
            alice: ("admin", False), bob: ("member", False), carol: ("member", True)}
        assert b.patch(f"/api/chat/rooms/{room}", json={"name": "pirate"}).status_code == 403
        assert a.patch(f"/api/chat/rooms/{room}", json={"name": "PLU"}).json()["name"] == "PLU"
        assert a.put(f"/api/chat/rooms/{room}/members/{bob}", json={"role": "admin"}).status_code == 200
        assert b.delete(f"/api/chat/rooms/{room}/members/{alice}").status_code == 204
        assert a.get(f"/api/chat/rooms/{room}").status_code == 200  # still in through the group
        assert b.delete(f"/api/chat/rooms/{room}/members/{bob}").status_code == 409  # last admin


def test_direct_conversations(server: ServerThread) -> None:
    alice, ta = server.user_with_token()
    bob, tb = server.user_with_token()
    with server.client(ta) as a, server.client(tb) as b:
        r = a.post("/api/chat/rooms", json={"kind": "direct", "members": [bob]})
        assert r.status_code == 201 and r.json()["kind"] == "direct"
        room = r.json()["id"]
        assert post(b, room, "salut").status_code == 201
        assert a.patch(f"/api/chat/rooms/{room}", json={"name": "x"}).status_code == 409
        assert a.post("/api/chat/rooms", json={"kind": "direct", "members": []}).status_code == 400
        assert a.post("/api/chat/rooms", json={"kind": "direct", "members": ["zz-nobody"]}).status_code == 404
        r = a.post("/api/chat/rooms", json={"kind": "direct", "members": [bob], "id": room})
        assert r.status_code == 200  # replayed creation


def test_a_non_member_learns_nothing(server: ServerThread) -> None:
    _, ta = server.user_with_token()
    _, tm = server.user_with_token()
    room = new_channel(server, ta)
    with server.client(ta) as a:
        assert post(a, room, "secret").status_code == 201
    missing = uuid.uuid4().hex
    with server.client(tm) as m:
        for rid in (room, missing):
            for method, path, kw in [
                ("GET", "", {}), ("PATCH", "", {"json": {"name": "x"}}),
                ("PUT", "/members/someone", {"json": {"role": "member"}}), ("DELETE", "/members/someone", {}),
                ("GET", "/messages", {}),
                ("POST", "/messages", {"json": {"client_id": str(uuid.uuid4()), "text": "x"}}),
                ("POST", "/messages/batch", {"json": {"messages": [{"client_id": str(uuid.uuid4()), "text": "x"}]}}),
                ("GET", "/messages", {"params": {"changed_after": 0}}),
                ("PUT", f"/attachments/{uuid.uuid4().hex}", {"params": {"name": "a.txt"}, "content": b"x"}),
                ("GET", f"/attachments/{uuid.uuid4().hex}", {}),
                ("PATCH", "/messages/1", {"json": {"text": "x"}}), ("DELETE", "/messages/1", {}),
                ("PUT", "/messages/1/reactions/👍", {}), ("PUT", "/read", {"json": {"seq": 1}}),
            ]:
                r = m.request(method, f"/api/chat/rooms/{rid}{path}", **kw)  # type: ignore[arg-type]
                assert r.status_code == 404 and r.json() == {"error": f"salon inconnu : {rid}"}, (method, path)
        assert all(r["id"] != room for r in m.get("/api/chat/rooms").json()["rooms"])
    with server.client() as anon:
        assert anon.get("/api/chat/rooms").status_code == 401


# -- event stream ----------------------------------------------------------------------------------


def events_of(ws: WebSocketSession, wanted: str, timeout: float = TIMEOUT) -> dict[str, Any]:
    while True:
        event = json.loads(ws.receive_text(timeout=timeout))
        if event["type"] == wanted:
            return dict(event)


def test_event_stream_pushes_room_events_to_members_only(server: ServerThread) -> None:
    _, ta = server.user_with_token()
    bob, tb = server.user_with_token()
    _, tm = server.user_with_token()
    room = new_channel(server, ta, [bob])
    other_room = new_channel(server, tm)
    url = f"{server.url}/api/chat/events?token="
    with httpx.Client(timeout=TIMEOUT) as http, connect_ws(url + tb, http) as bws, \
            connect_ws(url + tm, http) as mws, server.client(ta) as a, server.client(tm) as m:
        assert post(a, room, "nouveau").status_code == 201
        event = events_of(bws, "message")
        assert event["message"]["text"] == "nouveau" and event["message"]["room"] == room
        a.patch(f"/api/chat/rooms/{room}/messages/1", json={"text": "modifié"})
        assert events_of(bws, "edit")["message"]["text"] == "modifié"
        a.put(f"/api/chat/rooms/{room}/messages/1/reactions/🎉")
        assert events_of(bws, "reaction")["message"]["reactions"] == {"🎉": [a.get("/api/me").json()["username"]]}
        a.delete(f"/api/chat/rooms/{room}/messages/1")
        assert events_of(bws, "delete")["message"]["deleted"] is True
        with server.client(tb) as b:
            b.put(f"/api/chat/rooms/{room}/read", json={"seq": 1})
        assert events_of(bws, "read") == {"type": "read", "room": room, "seq": 1}
        # typing: a member's notice reaches the others; a non-member's is refused
        with connect_ws(url + ta, http) as aws:
            aws.send_text(json.dumps({"type": "typing", "room": room}))
            assert events_of(bws, "typing")["room"] == room
            mws.send_text(json.dumps({"type": "typing", "room": room}))
            # mallory saw nothing of the room: her first event is the refusal, then her own room's
            assert json.loads(mws.receive_text(timeout=TIMEOUT)) == {
                "type": "error", "error": f"salon inconnu : {room}"}
        assert post(m, other_room, "à moi").status_code == 201
        event = json.loads(mws.receive_text(timeout=TIMEOUT))
        assert event["type"] == "message" and event["message"]["room"] == other_room


def test_event_stream_requires_a_token(server: ServerThread) -> None:
    with httpx.Client(timeout=TIMEOUT) as http, pytest.raises(WebSocketUpgradeError) as info:
        with connect_ws(f"{server.url}/api/chat/events?token=faux", http):
            pass
    assert info.value.response.status_code == 401
