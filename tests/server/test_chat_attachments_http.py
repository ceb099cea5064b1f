"""Chat attachments over REST, against the real server: upload and download of the exact bytes,
replays and conflicts, the size cap (told by Content-Length, or found while streaming) leaving
nothing behind, rights, and messages that carry files."""

from __future__ import annotations

import hashlib
import http.client
import os
import sqlite3
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from sync.server.config import MIB

from .helpers import KIB, ServerThread, make_config
from .test_chat_http import new_channel, post

SMALL_CAP = 64 * KIB


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    srv = ServerThread(make_config(tmp_path_factory.mktemp("small-server"), max_attachment_bytes=SMALL_CAP)).start()
    yield srv
    srv.stop()


def att_path(room: str, att_id: str) -> str:
    return f"/api/chat/rooms/{room}/attachments/{att_id}"


def upload(c: httpx.Client, room: str, att_id: str, data: bytes, name: str = "rapport.pdf",
           kind: str = "application/pdf") -> httpx.Response:
    return c.put(att_path(room, att_id), params={"name": name}, content=data, headers={"Content-Type": kind})


def new_id() -> str:
    return uuid.uuid4().hex


def stored_state(server: ServerThread) -> tuple[list[str], int]:
    """(every file under the blobs folder, number of attachment rows)."""
    root = server.config.blobs_path
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    conn = sqlite3.connect(server.config.database_path)
    try:
        rows = conn.execute("SELECT count(*) FROM chat_attachments").fetchone()[0]
    finally:
        conn.close()
    return files, rows


def test_upload_and_download_give_back_the_same_bytes(server: ServerThread) -> None:
    _, ta = server.user_with_token()
    bob, tb = server.user_with_token()
    room = new_channel(server, ta, [bob])
    data = os.urandom(300 * KIB) + b"\x00fin"
    name = "Procès-verbal été 2024 — n°3 ✓.pdf"
    att = new_id()
    with server.client(ta) as a, server.client(tb) as b:
        r = upload(a, room, att, data, name=f"C:\\Users\\alice\\Documents\\{name}")
        assert r.status_code == 201, r.text
        expected = {"id": att, "name": name, "size": len(data), "type": "application/pdf",
                    "sha256": hashlib.sha256(data).hexdigest()}
        assert r.json() == expected
        got = b.get(att_path(room, att))  # any member of the room
        assert got.status_code == 200 and got.content == data
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-length"] == str(len(data))
        assert got.headers["content-disposition"] == f"attachment; filename*=UTF-8''{quote(name, safe='')}"
        assert got.headers["x-content-type-options"] == "nosniff"
        # the outbox replays the upload after a lost answer
        assert (upload(a, room, att, data, name=name).status_code, upload(a, room, att, data).json()) == (200, expected)
        # the same id for other bytes, or by someone else: refused, the stored file unchanged
        assert upload(a, room, att, data + b"!").status_code == 409
        r = upload(b, room, att, data)
        assert r.status_code == 409 and "déjà utilisé" in r.json()["error"]
        assert b.get(att_path(room, att)).content == data
        # no type given: a plain byte stream; a file in a sub-folder keeps only its name
        r = a.put(att_path(room, new_id()), params={"name": "photos/été.jpg"}, content=b"jpeg")
        assert r.status_code == 201 and r.json()["type"] == "application/octet-stream" and r.json()["name"] == "été.jpg"


def test_bad_names_types_and_ids_are_refused(server: ServerThread) -> None:
    _, ta = server.user_with_token()
    room = new_channel(server, ta)
    with server.client(ta) as a:
        for name in ("", "   ", "dossier/", "..", "a\x00b.txt", "rapport\u202egpj.exe", "x" * 256):
            r = upload(a, room, new_id(), b"data", name=name)
            assert r.status_code == 400 and "nom de fichier" in r.json()["error"], name
        assert a.put(att_path(room, new_id()), content=b"data").status_code == 400  # no ?name=
        assert upload(a, room, new_id(), b"data", kind="pas un type").status_code == 400
        for bad_id in ("court", uuid.uuid4().hex.upper(), str(uuid.uuid4())):
            r = upload(a, room, bad_id, b"data")
            assert r.status_code == 400 and "identifiant de pièce jointe invalide" in r.json()["error"]
        for unknown in (new_id(), "x"):
            r = a.get(att_path(room, unknown))
            assert (r.status_code, r.json()) == (404, {"error": f"pièce jointe inconnue : {unknown}"})
        assert upload(a, room, new_id(), b"x" * 255, name="x" * 255).status_code == 201


def test_oversize_declared_by_content_length_is_refused_before_reading(server: ServerThread) -> None:
    _, ta = server.user_with_token()
    room = new_channel(server, ta)
    before = stored_state(server)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:  # headers only: the server must answer without waiting for 31 MB that never come
        conn.putrequest("PUT", att_path(room, new_id()) + "?name=gros.bin")
        conn.putheader("Authorization", f"Bearer {ta}")
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(31 * MIB))
        conn.endheaders()
        response = conn.getresponse()
        assert response.status == 413
        assert response.read().decode() == '{"error":"pièce jointe trop grosse : 31,0 Mo, maximum 25 Mo"}'
    finally:
        conn.close()
    assert stored_state(server) == before


def test_oversize_streamed_without_content_length_leaves_nothing(small_server: ServerThread) -> None:
    _, ta = small_server.user_with_token()
    room = new_channel(small_server, ta)
    before = stored_state(small_server)
    att = new_id()

    def body() -> Iterator[bytes]:  # a generator: chunked, no Content-Length
        for _ in range(5):
            yield b"z" * (20 * KIB)

    with small_server.client(ta) as a:
        r = a.put(att_path(room, att), params={"name": "gros.bin"}, content=body())
        assert "content-length" not in r.request.headers
        assert r.status_code == 413
        assert r.json() == {"error": "pièce jointe trop grosse : elle dépasse le maximum de 64 Ko"}
        assert stored_state(small_server) == before
        assert not list(small_server.config.blobs_path.glob("*.part"))
        assert a.get(att_path(room, att)).status_code == 404
        exact = upload(a, room, att, b"z" * SMALL_CAP)  # the cap itself is allowed
        assert exact.status_code == 201 and exact.json()["size"] == SMALL_CAP


def test_only_members_upload_and_download(server: ServerThread) -> None:
    _, ta = server.user_with_token()
    _, tm = server.user_with_token()
    room = new_channel(server, ta)
    mine = new_channel(server, tm)
    att = new_id()
    with server.client(ta) as a, server.client(tm) as m:
        assert upload(a, room, att, b"secret").status_code == 201
        before = stored_state(server)
        for r in (m.get(att_path(room, att)), upload(m, room, new_id(), b"intrus")):
            assert (r.status_code, r.json()) == (404, {"error": f"salon inconnu : {room}"})
        assert stored_state(server) == before
        # through a room she is in, the id of another room's file is unknown
        r = m.get(att_path(mine, att))
        assert (r.status_code, r.json()) == (404, {"error": f"pièce jointe inconnue : {att}"})
        assert upload(m, mine, att, b"secret").status_code == 409  # taken, and nothing learnt by reading
    with server.client() as anon:
        assert anon.get(att_path(room, att)).status_code == 401


def test_messages_carry_their_authors_files_of_their_room(server: ServerThread) -> None:
    alice, ta = server.user_with_token()
    bob, tb = server.user_with_token()
    room = new_channel(server, ta, [bob])
    other = new_channel(server, ta)
    pdf, png, bobs, elsewhere, extra = (new_id() for _ in range(5))
    with server.client(ta) as a, server.client(tb) as b:
        assert upload(a, room, pdf, b"%PDF-1.7", name="PV.pdf").status_code == 201
        assert upload(a, room, png, b"\x89PNG", name="plan.png", kind="image/png").status_code == 201
        assert upload(b, room, bobs, b"de bob").status_code == 201
        assert upload(a, other, elsewhere, b"ailleurs").status_code == 201
        cid = str(uuid.uuid4())
        r = post(a, room, "", cid, attachments=[png, pdf])  # files alone: no text needed
        assert r.status_code == 201, r.text
        message = r.json()
        assert message["attachments"] == [
            {"id": png, "name": "plan.png", "size": 4, "type": "image/png"},
            {"id": pdf, "name": "PV.pdf", "size": 8, "type": "application/pdf"}]
        assert post(a, room, "", cid, attachments=[png, pdf]).json() == message  # a replay is fine
        assert b.get(f"/api/chat/rooms/{room}/messages").json()["messages"] == [message]
        for ids, words in [([bobs], "envoyée par quelqu'un d'autre"), ([elsewhere], "inconnue dans ce salon"),
                           ([pdf], "déjà jointe"), ([new_id()], "inconnue dans ce salon"),
                           ([extra, extra], "deux fois"), ([new_id() for _ in range(11)], "maximum 10"),
                           (["../etc"], "identifiant de pièce jointe invalide"), ("x", "liste")]:
            r = post(a, room, "avec fichier", attachments=ids)
            assert r.status_code == 400 and words in r.json()["error"], (ids, r.json())
        assert post(a, room, "").status_code == 400  # no text and no file
        r = b.post(f"/api/chat/rooms/{room}/messages/batch", json={"messages": [
            {"client_id": str(uuid.uuid4()), "text": "voici", "attachments": [bobs]}]})
        assert r.status_code == 200 and r.json()["messages"][0]["attachments"][0]["id"] == bobs
        assert b.get(f"/api/chat/rooms/{room}/messages").json()["last_seq"] == 2
        # deleting the message deletes its files, from the table and from the disk
        sha = hashlib.sha256(b"%PDF-1.7").hexdigest()
        blob = server.config.blobs_path / sha[:2] / sha
        assert blob.is_file()
        tomb = a.delete(f"/api/chat/rooms/{room}/messages/1").json()
        assert tomb["deleted"] and tomb["attachments"] == []
        assert a.get(att_path(room, pdf)).status_code == 404 and not blob.exists()
        assert b.get(att_path(room, bobs)).content == b"de bob"


def test_same_content_twice_is_stored_once_and_kept_while_used(server: ServerThread) -> None:
    _, ta = server.user_with_token()
    room = new_channel(server, ta)
    data = b"le meme fichier, envoye deux fois " + uuid.uuid4().bytes
    sha = hashlib.sha256(data).hexdigest()
    first, second = new_id(), new_id()
    with server.client(ta) as a:
        assert upload(a, room, first, data).json()["sha256"] == sha
        assert upload(a, room, second, data, name="copie.pdf").json()["sha256"] == sha
        assert [p.name for p in (server.config.blobs_path / sha[:2]).iterdir() if p.name == sha] == [sha]
        assert post(a, room, "un", attachments=[first]).status_code == 201
        assert post(a, room, "deux", attachments=[second]).status_code == 201
        a.delete(f"/api/chat/rooms/{room}/messages/1")
        assert a.get(att_path(room, second)).content == data  # still used by the other message
        a.delete(f"/api/chat/rooms/{room}/messages/2")
        assert not (server.config.blobs_path / sha[:2] / sha).exists()


def test_start_up_sweeps_files_nothing_uses(tmp_path_factory: pytest.TempPathFactory) -> None:
    config = make_config(tmp_path_factory.mktemp("sweep"))
    first = ServerThread(config).start()
    try:
        _, ta = first.user_with_token()
        room = new_channel(first, ta)
        kept = new_id()
        with first.client(ta) as a:
            assert upload(a, room, kept, b"garde-moi").status_code == 201
    finally:
        first.stop()
    # what a crash can leave: a file written but never recorded, and a half-written upload
    orphan = hashlib.sha256(b"orphelin").hexdigest()
    (config.blobs_path / orphan[:2]).mkdir(exist_ok=True)
    (config.blobs_path / orphan[:2] / orphan).write_bytes(b"orphelin")
    (config.blobs_path / "tmp-0123.part").write_bytes(b"a moitie")
    second = ServerThread(config).start()
    try:
        files, rows = stored_state(second)
        kept_sha = hashlib.sha256(b"garde-moi").hexdigest()
        assert files == [f"{kept_sha[:2]}/{kept_sha}"] and rows == 1
        with second.client(ta) as a:  # tokens live in the database: still valid
            assert a.get(att_path(room, kept)).content == b"garde-moi"
    finally:
        second.stop()
