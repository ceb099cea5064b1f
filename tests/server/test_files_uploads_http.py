"""Resumable uploads of the document bank, against the real server: chunks checked one by one
(alone or streamed many in one request), a cut upload resumed (also across a server restart and
a connection dropped in the middle of a chunk), damaged chunks found and asked for again, a
stream superseded by a newer one, a wrong total refused, the base version checked at commit,
sessions private and expiring, and the bank's files surviving the start-up sweep of unused
blobs."""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.protocol.file_chunks import DIGEST_SIZE, chunk_digest
from sync.server.config import MIB

from .helpers import KIB, ServerThread, make_config
from .test_files_http import get, new_folder, put, sha

CHUNK = 256 * KIB


def config_for(data: Path, **overrides: Any) -> Any:
    return make_config(data, files_min_chunk_bytes=64 * KIB, **overrides)


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    srv = ServerThread(config_for(tmp_path_factory.mktemp("uploads"), files_default_quota_bytes=64 * MIB)).start()
    yield srv
    srv.stop()


def start_session(c: httpx.Client, fid: str, path: str, data: bytes, base: str | None = None,
                  chunk: int = CHUNK, declared_sha: str | None = None) -> httpx.Response:
    return c.post(f"/api/files/folders/{fid}/uploads", json={
        "path": path, "size": len(data), "sha256": declared_sha or sha(data), "chunk_size": chunk, "base_etag": base})


def body(data: bytes, first: int, count: int, chunk: int = CHUNK, spoil: Collection[int] = ()) -> bytes:
    """Chunks `first`… of `data`, each followed by its BLAKE3 (a wrong one for those in `spoil`)."""
    frames = []
    for i in range(first, first + count):
        part = data[i * chunk:(i + 1) * chunk]
        frames += [part, chunk_digest(part if i not in spoil else part + b"!")]
    return b"".join(frames)


def send_chunks(c: httpx.Client, fid: str, uid: str, data: bytes, first: int, count: int, chunk: int = CHUNK,
                spoil: Collection[int] = ()) -> httpx.Response:
    return c.put(f"/api/files/folders/{fid}/uploads/{uid}/chunks/{first}",
                 content=body(data, first, count, chunk, spoil))


def send_chunk(c: httpx.Client, fid: str, uid: str, data: bytes, index: int, chunk: int = CHUNK,
               spoil: bool = False) -> httpx.Response:
    return send_chunks(c, fid, uid, data, index, 1, chunk, [index] if spoil else [])


def session(c: httpx.Client, fid: str, uid: str) -> dict[str, Any]:
    r = c.get(f"/api/files/folders/{fid}/uploads/{uid}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def commit(c: httpx.Client, fid: str, uid: str, **body: Any) -> httpx.Response:
    return c.post(f"/api/files/folders/{fid}/uploads/{uid}/commit", json=body or None)


def test_chunked_upload_cut_and_resumed(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    data = os.urandom(20 * MIB + 12345)
    chunk = 1 * MIB
    with bank.client(ta) as a:
        fid = new_folder(a)
        r = start_session(a, fid, "Vidéos/conseil.mp4", data, chunk=chunk)
        assert r.status_code == 201, r.text
        s = r.json()
        assert (s["chunks"], s["received"], s["size"], s["path"]) == (21, [], len(data), "Vidéos/conseil.mp4")
        for i in range(8):
            assert send_chunk(a, fid, s["id"], data, i, chunk).status_code == 200
        # the link drops; later the client asks what the server has, and sends the rest
        missing = commit(a, fid, s["id"])
        assert missing.status_code == 409 and missing.json()["missing"] == list(range(8, 21))
        assert session(a, fid, s["id"])["received"] == list(range(8))
        assert get(a, fid, "Vidéos/conseil.mp4").status_code == 404  # nothing visible yet
        for i in session(a, fid, s["id"])["received"][-1:] + list(range(8, 21)):  # one sent twice: harmless
            assert send_chunk(a, fid, s["id"], data, i, chunk).status_code == 200
        r = commit(a, fid, s["id"])
        assert r.status_code == 201, r.text
        assert (r.json()["sha256"], r.json()["size"], r.json()["version"]) == (sha(data), len(data), 1)
        got = get(a, fid, "Vidéos/conseil.mp4")
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == sha(data)
        assert a.get(f"/api/files/folders/{fid}/uploads/{s['id']}").status_code == 404  # the session is done
        assert not list(bank.config.uploads_path.glob("*.part"))  # renamed into the blobs, not left behind


def test_chunks_out_of_order(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    data = os.urandom(5 * CHUNK + 7)
    with bank.client(ta) as a:
        fid = new_folder(a)
        s = start_session(a, fid, "désordre.bin", data).json()
        for i in reversed(range(6)):
            assert send_chunk(a, fid, s["id"], data, i).status_code == 200
        assert commit(a, fid, s["id"]).status_code == 201
        assert get(a, fid, "désordre.bin").content == data


def test_bad_chunks_are_refused_without_harm(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    data = os.urandom(5 * CHUNK + 10)
    with bank.client(ta) as a:
        fid = new_folder(a)
        s = start_session(a, fid, "a.bin", data).json()
        url = f"/api/files/folders/{fid}/uploads/{s['id']}/chunks"
        assert send_chunk(a, fid, s["id"], data, 0).status_code == 200
        # a stream whose middle chunk is damaged: that one is refused, the others are kept
        r = send_chunks(a, fid, s["id"], data, 1, 3, spoil=[2])
        assert r.status_code == 400 and "abîmé" in r.json()["error"] and r.json()["bad"] == [2]
        assert session(a, fid, s["id"])["received"] == [0, 1, 3]
        # a chunk received before and sent again damaged changes nothing on disk
        assert send_chunk(a, fid, s["id"], data, 1, spoil=True).status_code == 400
        framed = body(data, 4, 1)
        r = a.put(f"{url}/4", content=framed[:-1])  # one byte short of a whole chunk and its digest
        assert r.status_code == 400 and "longueur du corps" in r.json()["error"]
        r = a.put(f"{url}/4", content=body(data, 4, 2) + framed)  # runs past the last chunk (5)
        assert r.status_code == 400 and "longueur du corps" in r.json()["error"]
        r = a.put(f"{url}/6", content=b"x" * (10 + DIGEST_SIZE))
        assert r.status_code == 400 and "numéro de morceau" in r.json()["error"]
        r = a.put(f"{url}/4", content=iter([framed]))  # streamed without a length
        assert r.status_code == 411 and "Content-Length" in r.json()["error"]
        r = a.put(f"{url}/4", content=data[4 * CHUNK:5 * CHUNK])  # the bytes alone, no digest
        assert r.status_code == 400
        assert session(a, fid, s["id"])["received"] == [0, 1, 3]
        assert send_chunks(a, fid, s["id"], data, 2, 4).status_code == 200  # 3 again, harmless
        assert commit(a, fid, s["id"]).status_code == 201
        assert get(a, fid, "a.bin").content == data


def _open_stream(bank: ServerThread, token: str, url: str, length: int) -> socket.socket:
    """A raw connection that has sent a chunk request's headers (to send its body by hand)."""
    sock = socket.create_connection(("127.0.0.1", bank.port))
    sock.sendall((f"PUT {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                  f"Content-Length: {length}\r\n\r\n").encode())
    return sock


def _wait_received(a: httpx.Client, fid: str, uid: str, expected: list[int]) -> None:
    deadline = time.monotonic() + 30
    while session(a, fid, uid)["received"] != expected:
        assert time.monotonic() < deadline, session(a, fid, uid)["received"]
        time.sleep(0.02)


def test_a_stream_cut_mid_chunk_keeps_the_whole_chunks(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    data = os.urandom(6 * CHUNK)
    with bank.client(ta) as a:
        fid = new_folder(a)
        s = start_session(a, fid, "coupé.bin", data).json()
        url = f"/api/files/folders/{fid}/uploads/{s['id']}/chunks/0"
        whole = body(data, 0, 6)
        sock = _open_stream(bank, ta, url, len(whole))
        sock.sendall(whole[:len(whole) // 2])  # chunks 0 to 2 and half of chunk 3: then the link drops
        _wait_received(a, fid, s["id"], [0, 1, 2])
        sock.close()
        time.sleep(0.2)
        assert session(a, fid, s["id"])["received"] == [0, 1, 2]  # the half chunk is not kept
        assert send_chunks(a, fid, s["id"], data, 3, 3).status_code == 200
        assert commit(a, fid, s["id"]).status_code == 201
        assert get(a, fid, "coupé.bin").content == data


def test_a_newer_stream_supersedes_a_stalled_one(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    data = os.urandom(4 * CHUNK)
    with bank.client(ta) as a:
        fid = new_folder(a)
        s = start_session(a, fid, "repris.bin", data).json()
        url = f"/api/files/folders/{fid}/uploads/{s['id']}/chunks/0"
        whole = body(data, 0, 4)
        # A 4G link dies without a word: the server still holds the old connection open.
        stalled = _open_stream(bank, ta, url, len(whole))
        stalled.sendall(whole[:CHUNK + DIGEST_SIZE + 1000])
        _wait_received(a, fid, s["id"], [0])
        assert send_chunks(a, fid, s["id"], data, 1, 3).status_code == 200  # not kept waiting
        stalled.sendall(b"\0" * 5000)  # what the old one still sends is not written
        time.sleep(0.2)
        assert commit(a, fid, s["id"]).status_code == 201
        assert get(a, fid, "repris.bin").content == data
        stalled.close()


def test_wrong_total_is_refused_and_the_session_dropped(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    data = os.urandom(2 * CHUNK)
    with bank.client(ta) as a:
        fid = new_folder(a)
        s = start_session(a, fid, "faux.bin", data, declared_sha=sha(b"pas ce fichier")).json()
        for i in range(2):
            assert send_chunk(a, fid, s["id"], data, i).status_code == 200
        r = commit(a, fid, s["id"])
        assert r.status_code == 400 and "SHA-256" in r.json()["error"]
        assert a.get(f"/api/files/folders/{fid}/uploads/{s['id']}").status_code == 404
        assert get(a, fid, "faux.bin").status_code == 404
        assert not (bank.config.uploads_path / f"{s['id']}.part").exists()
        bad = a.post(f"/api/files/folders/{fid}/uploads", json={
            "path": "x.bin", "size": 10, "sha256": "zz", "chunk_size": CHUNK, "base_etag": None})
        assert bad.status_code == 400
        tiny = a.post(f"/api/files/folders/{fid}/uploads", json={
            "path": "x.bin", "size": 10, "sha256": sha(b"x"), "chunk_size": 10, "base_etag": None})
        assert tiny.status_code == 400 and "taille de morceau" in tiny.json()["error"]


def test_base_version_checked_at_commit_and_conflict_copy(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    bob, tb = bank.user_with_token()
    v1 = b"version 1"
    data = os.urandom(2 * CHUNK)
    with bank.client(ta) as a, bank.client(tb) as b:
        fid = new_folder(a, members=[bob])
        put(a, fid, "plan.pdf", v1)
        assert start_session(a, fid, "plan.pdf", data).status_code == 412  # told before sending anything
        s = start_session(a, fid, "plan.pdf", data, base=sha(v1)).json()
        for i in range(2):
            send_chunk(a, fid, s["id"], data, i)
        assert put(b, fid, "plan.pdf", "bob est passé".encode(), sha(v1)).status_code == 200  # meanwhile
        r = commit(a, fid, s["id"])
        assert r.status_code == 412 and r.json()["current"]["modified_by"] == bob
        r = commit(a, fid, s["id"], path="plan (conflit).pdf", base_etag=None)  # the same bytes, elsewhere
        assert r.status_code == 201, r.text
        assert get(a, fid, "plan (conflit).pdf").content == data
        assert get(a, fid, "plan.pdf").content == "bob est passé".encode()


def test_sessions_are_private_and_quota_is_told_first(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    bob, tb = bank.user_with_token()
    data = os.urandom(CHUNK)
    with bank.client(ta) as a, bank.client(tb) as b:
        fid = new_folder(a, members=[bob], quota_bytes=2 * CHUNK)
        s = start_session(a, fid, "a.bin", data).json()
        assert b.get(f"/api/files/folders/{fid}/uploads/{s['id']}").status_code == 404
        assert send_chunk(b, fid, s["id"], data, 0).status_code == 404
        r = b.post(f"/api/files/folders/{fid}/uploads", json={
            "path": "gros.bin", "size": 3 * CHUNK, "sha256": sha(b"x"), "chunk_size": CHUNK, "base_etag": None})
        assert r.status_code == 507 and "quota" in r.json()["error"]
        assert a.delete(f"/api/files/folders/{fid}/uploads/{s['id']}").status_code == 204
        assert a.get(f"/api/files/folders/{fid}/uploads/{s['id']}").status_code == 404
        assert not (bank.config.uploads_path / f"{s['id']}.part").exists()


def test_resume_after_restart_with_a_torn_chunk_and_files_survive(tmp_path: Path) -> None:
    config = config_for(tmp_path / "data")
    srv = ServerThread(config).start()
    name = srv.add_user()
    data = os.urandom(6 * CHUNK + 100)
    small = os.urandom(5000)
    try:
        token = srv.login(name)
        with srv.client(token) as a:
            fid = new_folder(a)
            assert put(a, fid, "petit.txt", small).status_code == 201
            s = start_session(a, fid, "gros.bin", data).json()
            for i in range(4):
                assert send_chunk(a, fid, s["id"], data, i).status_code == 200
    finally:
        srv.stop()
    # a crash tore chunk 2 on disk after the store had recorded it
    part = config.uploads_path / f"{s['id']}.part"
    with part.open("r+b") as f:
        f.seek(2 * CHUNK + 10)
        f.write(b"\0" * 100)
    srv = ServerThread(config).start()
    try:
        with srv.client(token) as a:
            assert session(a, fid, s["id"])["received"] == [0, 1, 2, 3]
            for i in range(4, 7):
                assert send_chunk(a, fid, s["id"], data, i).status_code == 200
            r = commit(a, fid, s["id"])
            assert r.status_code == 409 and r.json()["missing"] == [2]
            assert send_chunk(a, fid, s["id"], data, 2).status_code == 200
            assert commit(a, fid, s["id"]).status_code == 201
    finally:
        srv.stop()
    srv = ServerThread(config).start()  # the start-up sweep must keep the bank's blobs
    try:
        with srv.client(token) as a:
            assert get(a, fid, "petit.txt").content == small
            assert get(a, fid, "gros.bin").content == data
    finally:
        srv.stop()


def test_abandoned_sessions_expire_at_start_up(tmp_path: Path) -> None:
    config = config_for(tmp_path / "data")
    srv = ServerThread(config).start()
    data = os.urandom(2 * CHUNK)
    try:
        token = srv.login(srv.add_user())
        with srv.client(token) as a:
            fid = new_folder(a)
            kept = start_session(a, fid, "a.bin", data).json()
            send_chunk(a, fid, kept["id"], data, 0)
    finally:
        srv.stop()
    (config.uploads_path / ("0" * 32 + ".part")).write_bytes(b"orphan")
    srv = ServerThread(config).start()  # within the TTL: kept; the orphan part file goes
    srv.stop()
    assert (config.uploads_path / f"{kept['id']}.part").exists()
    assert not (config.uploads_path / ("0" * 32 + ".part")).exists()
    expired = config_for(tmp_path / "data", files_upload_ttl_seconds=0.0)
    srv = ServerThread(expired).start()
    try:
        with srv.client(token) as a:
            assert a.get(f"/api/files/folders/{fid}/uploads/{kept['id']}").status_code == 404
    finally:
        srv.stop()
    assert not (config.uploads_path / f"{kept['id']}.part").exists()
