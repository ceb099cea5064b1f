"""Catching up on a room over REST, against the real server: the change revision (`rev`) that
every post, edit, delete and reaction moves, `?changed_after=`, and batch posts (order, replays,
all or nothing, one commit, one event per new message)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from httpx_ws import connect_ws

from .helpers import TIMEOUT, ServerThread
from .test_chat_http import events_of, new_channel, post


def messages_path(room: str) -> str:
    return f"/api/chat/rooms/{room}/messages"


def batch(c: httpx.Client, room: str, *items: dict[str, Any]) -> httpx.Response:
    return c.post(messages_path(room) + "/batch", json={"messages": list(items)})


def item(text: str, client_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"client_id": client_id or str(uuid.uuid4()), "text": text, **extra}


def test_rev_moves_on_every_change_and_changed_after_lists_exactly_those(server: ServerThread) -> None:
    _, ta = server.user_with_token()
    bob, tb = server.user_with_token()
    room = new_channel(server, ta, [bob])
    with server.client(ta) as a, server.client(tb) as b:
        assert a.get(f"/api/chat/rooms/{room}").json()["rev"] == 0
        revs = [post(a, room, f"m{i}").json()["rev"] for i in range(1, 5)]
        assert revs == [1, 2, 3, 4]
        assert a.patch(f"{messages_path(room)}/2", json={"text": "m2 corrigé"}).json()["rev"] == 5
        assert b.put(f"{messages_path(room)}/1/reactions/👍").json()["rev"] == 6
        assert b.put(f"{messages_path(room)}/1/reactions/👍").json()["rev"] == 6  # no change, no new rev
        assert a.delete(f"{messages_path(room)}/4").json()["rev"] == 7
        assert b.delete(f"{messages_path(room)}/1/reactions/👍").json()["rev"] == 8

        def changes(after: int, **q: Any) -> tuple[list[tuple[int, int]], dict[str, Any]]:
            r = b.get(messages_path(room), params={"changed_after": after, **q})
            assert r.status_code == 200, r.text
            body = r.json()
            return [(m["seq"], m["rev"]) for m in body["messages"]], body

        listed, body = changes(4)
        assert listed == [(2, 5), (4, 7), (1, 8)]  # every changed message once, in rev order
        assert body["rev"] == 8 and body["last_seq"] == 4
        assert [(m["text"], m["deleted"], m["reactions"]) for m in body["messages"]] == [
            ("m2 corrigé", False, {}), ("", True, {}), ("m1", False, {})]
        assert changes(6)[0] == [(4, 7), (1, 8)]
        assert changes(8)[0] == []
        assert changes(0, limit=2)[0] == [(3, 3), (2, 5)]  # a full page: go on from its last rev
        assert changes(5, limit=2)[0] == [(4, 7), (1, 8)]
        # the room list and the history pages carry the revs too
        [row] = [r for r in b.get("/api/chat/rooms").json()["rooms"] if r["id"] == room]
        assert row["rev"] == 8 and row["last_seq"] == 4
        page = b.get(messages_path(room)).json()
        assert page["rev"] == 8 and [m["rev"] for m in page["messages"]] == [8, 5, 3, 7]
        for params in ({"changed_after": 1, "after": 1}, {"changed_after": 1, "before": 3}):
            r = b.get(messages_path(room), params=params)
            assert r.status_code == 400
            assert r.json() == {"error": "« changed_after » ne va ni avec « after » ni avec « before »"}
        assert b.get(messages_path(room), params={"changed_after": "hier"}).status_code == 400
        assert b.get(messages_path(room), params={"changed_after": -1}).status_code == 400


def test_a_batch_is_stored_in_order_replayed_without_duplicates_and_pushed_once(server: ServerThread) -> None:
    alice, ta = server.user_with_token()
    bob, tb = server.user_with_token()
    _, tm = server.user_with_token()
    room = new_channel(server, ta, [bob])
    url = f"{server.url}/api/chat/events?token="
    items = [item(f"hors ligne {i}") for i in range(1, 4)]
    items[2]["reply_to"] = 1
    with httpx.Client(timeout=TIMEOUT) as http, connect_ws(url + tb, http) as bws, \
            connect_ws(url + tm, http) as mws, server.client(ta) as a:
        assert post(a, room, "avant").status_code == 201
        r = batch(a, room, *items)
        assert r.status_code == 200, r.text
        stored = r.json()["messages"]
        assert [(m["seq"], m["text"], m["client_id"], m["author"]) for m in stored] == [
            (i + 2, it["text"], it["client_id"], alice) for i, it in enumerate(items)]
        assert stored[2]["reply_to"] == 1 and stored[0]["attachments"] == []
        assert [events_of(bws, "message")["message"] for _ in range(4)] == [
            a.get(messages_path(room), params={"after": 0}).json()["messages"][0], *stored]
        # the flush is retried after a lost answer, with one more message queued meanwhile
        replay = batch(a, room, *items, item("encore un"))
        assert replay.status_code == 200
        again = replay.json()["messages"]
        assert again[:3] == stored and again[3]["seq"] == 5
        # the next event bob gets is the new message: none for the replayed ones
        assert events_of(bws, "message")["message"] == again[3]
        assert a.get(messages_path(room)).json()["last_seq"] == 5
        # mallory, not a member, got none of it: her first event is her own room's
        other_room = new_channel(server, tm)
        with server.client(tm) as m:
            assert post(m, other_room, "à moi").status_code == 201
        event = json.loads(mws.receive_text(timeout=TIMEOUT))
        assert event["type"] == "room" and event["room"]["id"] == other_room


def test_a_refused_message_refuses_the_whole_batch(server: ServerThread) -> None:
    _, ta = server.user_with_token()
    bob, tb = server.user_with_token()
    room = new_channel(server, ta, [bob])
    with server.client(ta) as a, server.client(tb) as b:
        theirs = post(b, room, "de Bob").json()
        cases = [
            ([item("un"), item("   ")], 400, 'message 2 : corps de requête invalide : {"text": "…"} non vide attendu'),
            ([item("un"), item("deux"), {"text": "x"}], 400, "message 3 : client_id invalide : un UUID est attendu"),
            ([item("x" * 10_001)], 413, "message 1 : message trop long : 10001 caractères, maximum 10000"),
            (["pas un objet"], 400, "message 1 : corps de requête invalide : un objet JSON est attendu"),
            ([item("un"), item("à rien", reply_to=99)], 404, "message 2 : message inconnu : 99"),
            ([item("un"), item("vol", theirs["client_id"])], 409,
             f"message 2 : identifiant de message déjà utilisé : {theirs['client_id']}"),
            ([item("un"), item("", attachments=["0" * 32])], 400,
             f"message 2 : pièce jointe inconnue dans ce salon : {'0' * 32}"),
        ]
        for items, status, error in cases:
            r = batch(a, room, *items)
            assert (r.status_code, r.json()) == (status, {"error": error})
        page = a.get(messages_path(room)).json()
        assert [m["text"] for m in page["messages"]] == ["de Bob"] and page["last_seq"] == 1 and page["rev"] == 1
        # the same refusals on a single post, without the prefix
        r = post(a, room, "vol", theirs["client_id"])
        assert r.status_code == 409
        assert r.json()["error"] == f"identifiant de message déjà utilisé : {theirs['client_id']}"


def test_batch_size_cap_and_one_commit_per_batch(server: ServerThread) -> None:
    _, ta = server.user_with_token()
    room = new_channel(server, ta)
    cap = server.config.chat_batch_max
    with server.client(ta) as a:
        r = batch(a, room, *[item(f"m{i}") for i in range(cap + 1)])
        assert (r.status_code, r.json()) == (413, {"error": f"lot trop gros : {cap + 1} messages, maximum {cap}"})
        for body in ({"messages": []}, {"messages": "x"}, {}):
            assert a.post(messages_path(room) + "/batch", json=body).status_code == 400
        assert a.get(messages_path(room)).json()["last_seq"] == 0
        commits = server.call_sync(lambda: server.services.store.commits)  # type: ignore[attr-defined]
        r = batch(a, room, *[item(f"m{i} " + "é" * 500) for i in range(cap)])
        assert r.status_code == 200 and [m["seq"] for m in r.json()["messages"]] == list(range(1, cap + 1))
        assert server.call_sync(lambda: server.services.store.commits) == commits + 1  # type: ignore[attr-defined]
