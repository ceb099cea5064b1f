"""The document bank against a real `parvis-server` process: a 200 MB upload streamed in chunks,
cut by the server being killed (SIGKILL, no clean shutdown) half way, resumed after a restart
from the first chunk it did not keep,
then downloaded in two ranges as a resumed download would; and the CLI that sets a quota."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sync.protocol.file_chunks import body_length, chunk_digest
from sync.server.config import MIB
from tests.e2e.servers import add_user, api, login, run_server_cli, start_server

SIZE = 200 * MIB
CHUNK = 8 * MIB
PASSWORD = "mot de passe"


def test_large_upload_survives_a_server_crash(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    add_user(data_dir, "agent", PASSWORD)
    data = os.urandom(SIZE)
    digest = hashlib.sha256(data).hexdigest()
    chunks = -(-SIZE // CHUNK)
    server = start_server(data_dir)
    try:
        token = login(server, "agent", PASSWORD)
        with api(server, token) as c:
            fid = c.post("/api/files/folders", json={"name": "Vidéos"}).json()["id"]
            s = c.post(f"/api/files/folders/{fid}/uploads", json={
                "path": "conseil municipal.mp4", "size": SIZE, "sha256": digest, "chunk_size": CHUNK,
                "base_etag": None}).json()
            uploads = f"/api/files/folders/{fid}/uploads/{s['id']}"

            def frames() -> Iterator[bytes]:  # the whole file in one streamed request, as the client sends it
                for i in range(chunks):
                    part = data[i * CHUNK:(i + 1) * CHUNK]
                    yield part
                    yield chunk_digest(part)
                    if i == chunks // 2:  # half way: the power goes (no shutdown, SIGKILL)
                        server.process.kill()
                        server.process.wait(10)

            with pytest.raises(httpx.TransportError):
                c.put(f"{uploads}/chunks/0", content=frames(),
                      headers={"Content-Length": str(body_length(SIZE, CHUNK, 0, chunks))})
        server = start_server(data_dir, port=server.port)
        with api(server, token) as c:
            received = c.get(uploads).json()["received"]
            # what was received whole before the cut is kept (from the start, in order), nothing after it
            assert 0 < len(received) <= chunks // 2 + 1 and received == list(range(len(received)))
            rest = len(received)
            r = c.put(f"{uploads}/chunks/{rest}", content=b"".join(
                data[i * CHUNK:(i + 1) * CHUNK] + chunk_digest(data[i * CHUNK:(i + 1) * CHUNK])
                for i in range(rest, chunks)))
            assert r.status_code == 200, r.text
            r = c.post(f"{uploads}/commit")
            assert r.status_code == 201, r.text
            file_url = f"/api/files/folders/{fid}/files/{r.json()['file_id']}/content"
            half = SIZE // 2
            first = c.get(file_url, headers={"Range": f"bytes=0-{half - 1}"})
            rest_ = c.get(file_url, headers={"Range": f"bytes={half}-", "If-Range": r.headers["etag"]})
            assert (first.status_code, rest_.status_code) == (206, 206)
            assert hashlib.sha256(first.content + rest_.content).hexdigest() == digest
    finally:
        server.stop()


def test_quota_set_by_the_administrator(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    add_user(data_dir, "agent", PASSWORD)
    server = start_server(data_dir)
    try:
        with api(server, login(server, "agent", PASSWORD)) as c:
            fid = c.post("/api/files/folders", json={"name": "Plans", "quota_bytes": 1000}).json()["id"]
    finally:
        server.stop()
    out = run_server_cli(data_dir, "files", "quota", "Plans", "20G").stdout
    assert "21474836480 octets" in out
    assert f"{fid}  0/21474836480 octets  Plans" in run_server_cli(data_dir, "files", "list").stdout
    server = start_server(data_dir)
    try:
        with api(server, login(server, "agent", PASSWORD)) as c:
            assert c.get(f"/api/files/folders/{fid}").json()["quota_bytes"] == 20 * 1024 * MIB
    finally:
        server.stop()
