"""The document bank over HTTP, against the real server: folders and sharing, rights, one-request
uploads with If-Match / If-None-Match, downloads with ranges, the change feed, versions, moves
and case-only renames, the trash, quotas and path refusals."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from httpx_ws import connect_ws

from sync.server.config import MIB

from .helpers import KIB, TIMEOUT, ServerThread, make_config
from .test_chat_http import events_of

KEEP = 3
QUOTA = 4 * MIB
SIMPLE_CAP = 1 * MIB


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    config = make_config(tmp_path_factory.mktemp("bank"), files_keep_versions=KEEP, files_default_quota_bytes=QUOTA,
                         files_max_simple_upload_bytes=SIMPLE_CAP, files_min_chunk_bytes=64 * KIB)
    srv = ServerThread(config).start()
    yield srv
    srv.stop()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_folder(c: httpx.Client, name: str = "Urbanisme", **extra: Any) -> str:
    r = c.post("/api/files/folders", json={"name": name, **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def put(c: httpx.Client, folder: str, path: str, data: bytes, etag: str | None = None) -> httpx.Response:
    """Create (`etag` None) or replace the version `etag`."""
    headers = {"If-Match": f'"{etag}"'} if etag else {"If-None-Match": "*"}
    return c.put(f"/api/files/folders/{folder}/content", params={"path": path}, content=data, headers=headers)


def get(c: httpx.Client, folder: str, path: str, **headers: str) -> httpx.Response:
    return c.get(f"/api/files/folders/{folder}/content", params={"path": path}, headers=headers)


def changes(c: httpx.Client, folder: str, since: int = 0) -> dict[str, Any]:
    r = c.get(f"/api/files/folders/{folder}/changes", params={"since": since})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_create_share_and_list_folders(bank: ServerThread) -> None:
    alice, ta = bank.user_with_token()
    bob, tb = bank.user_with_token()
    carol, tc = bank.user_with_token()
    with bank.client(ta) as a, bank.client(tb) as b, bank.client(tc) as c:
        fid = new_folder(a, "Services techniques", members=[bob])
        [listed] = [f for f in a.get("/api/files/folders").json()["folders"] if f["id"] == fid]
        assert listed == {"id": fid, "name": "Services techniques", "group": None, "quota_bytes": QUOTA,
                          "used_bytes": 0, "rev": 0, "created_by": alice, "role": "owner"}
        assert [f["role"] for f in b.get("/api/files/folders").json()["folders"]] == ["editor"]
        assert c.get("/api/files/folders").json()["folders"] == []
        assert c.get(f"/api/files/folders/{fid}").status_code == 404  # a stranger cannot tell it exists
        assert b.put(f"/api/files/folders/{fid}/members/{carol}", json={"role": "reader"}).status_code == 403
        r = a.put(f"/api/files/folders/{fid}/members/{carol}", json={"role": "reader"})
        assert r.status_code == 200
        assert {m["username"]: m["role"] for m in r.json()["members"]} == {alice: "owner", bob: "editor",
                                                                              carol: "reader"}
        assert c.get(f"/api/files/folders/{fid}").json()["role"] == "reader"
        assert a.put(f"/api/files/folders/{fid}/members/{alice}", json={"role": "reader"}).status_code == 409
        assert a.put(f"/api/files/folders/{fid}/members/personne", json={"role": "reader"}).status_code == 404
        assert a.delete(f"/api/files/folders/{fid}/members/{carol}").status_code == 200
        assert c.get(f"/api/files/folders/{fid}").status_code == 404
        r = a.post("/api/files/folders", json={"name": "Trop", "quota_bytes": QUOTA + 1})
        assert r.status_code == 400 and "administrateur" in r.json()["error"]
        assert a.post("/api/files/folders", json={"name": ""}).status_code == 400


def test_group_members_are_editors(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    dave, td = bank.user_with_token()
    group = f"g{os.urandom(4).hex()}"
    bank.call(lambda: bank.services.store.create_group(group))
    bank.call(lambda: bank.services.store.add_group_member(group, dave))
    with bank.client(ta) as a, bank.client(td) as d:
        fid = new_folder(a, group=group)
        assert d.get(f"/api/files/folders/{fid}").json()["role"] == "editor"
        assert put(d, fid, "de dave.txt", b"bonjour").status_code == 201
        members = a.get(f"/api/files/folders/{fid}/members").json()
        assert {"username": dave, "role": "editor", "via_group": True} in members["members"]
        assert a.put(f"/api/files/folders/{fid}/group", json={"group": None}).status_code == 200
        assert d.get(f"/api/files/folders/{fid}").status_code == 404


def test_rights_on_every_request(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    reader, tr = bank.user_with_token()
    _, ts = bank.user_with_token()
    with bank.client(ta) as a, bank.client(tr) as r, bank.client(ts) as s, bank.client() as anon:
        fid = new_folder(a)
        a.put(f"/api/files/folders/{fid}/members/{reader}", json={"role": "reader"})
        e = put(a, fid, "pv.odt", b"v1").json()
        base, file = f"/api/files/folders/{fid}", f"/api/files/folders/{fid}/files/{e['file_id']}"
        # a reader reads
        assert get(r, fid, "pv.odt").content == b"v1"
        assert r.get(f"{file}/content").status_code == 200
        assert r.get(f"{file}/versions").status_code == 200
        assert len(changes(r, fid)["entries"]) == 1
        # ...and writes nothing
        writes = [
            put(r, fid, "autre.odt", b"x"),
            put(r, fid, "pv.odt", b"v2", e["sha256"]),
            r.post(f"{file}/move", json={"path": "x.odt"}),
            r.delete(file, headers={"If-Match": e["sha256"]}),
            r.post(f"{file}/versions/1/restore"),
            r.post(f"{base}/uploads", json={"path": "g.bin", "size": 1, "sha256": sha(b"x"), "chunk_size": 64 * KIB,
                                            "base_etag": None}),
            r.put(f"{base}/quota", json={"quota_bytes": 1}),
        ]
        assert [w.status_code for w in writes] == [403] * len(writes)
        assert "éditeur" in writes[0].json()["error"]
        # a stranger sees nothing, not even that the folder exists
        for resp in [s.get(base), get(s, fid, "pv.odt"), s.get(f"{file}/content"), s.get(f"{base}/changes"),
                     put(s, fid, "pv.odt", b"x", e["sha256"]), s.get(f"{base}/trash")]:
            assert resp.status_code == 404 and "dossier partagé inconnu" in resp.json()["error"]
        assert anon.get(f"{base}/changes").status_code == 401
        assert get(a, fid, "pv.odt").content == b"v1"  # nothing changed


def test_upload_download_and_if_match(bank: ServerThread) -> None:
    alice, ta = bank.user_with_token()
    with bank.client(ta) as a:
        fid = new_folder(a)
        data = os.urandom(300 * KIB)
        r = put(a, fid, "Délibérations/2024 été.pdf", data)
        assert r.status_code == 201, r.text
        e = r.json()
        assert (e["path"], e["version"], e["sha256"], e["size"], e["modified_by"], e["deleted"]) == (
            "Délibérations/2024 été.pdf", 1, sha(data), len(data), alice, False)
        assert r.headers["etag"] == f'"{sha(data)}"'
        got = get(a, fid, "Délibérations/2024 été.pdf")
        assert got.status_code == 200 and got.content == data
        assert (got.headers["etag"], got.headers["x-file-id"], got.headers["x-file-version"]) == (
            f'"{sha(data)}"', e["file_id"], "1")
        assert put(a, fid, "Délibérations/2024 été.pdf", data).status_code == 200  # a replay: same content
        # create over an existing file: 412 with the file as it is
        r = put(a, fid, "Délibérations/2024 été.pdf", b"autre")
        assert r.status_code == 412 and r.json()["current"]["sha256"] == sha(data)
        # replace with a stale ETag: 412, nothing changed
        v2 = put(a, fid, "Délibérations/2024 été.pdf", b"v2", sha(data))
        assert v2.status_code == 200 and v2.json()["version"] == 2
        stale = put(a, fid, "Délibérations/2024 été.pdf", b"v3", sha(data))
        assert stale.status_code == 412 and stale.json()["current"]["sha256"] == sha(b"v2")
        assert "modifié sur le serveur" in stale.json()["error"]
        gone = put(a, fid, "absent.txt", b"x", sha(data))
        assert gone.status_code == 412 and gone.json()["current"] is None
        blind = a.put(f"/api/files/folders/{fid}/content", params={"path": "x.txt"}, content=b"x")
        assert blind.status_code == 428
        assert get(a, fid, "Délibérations/2024 été.pdf").content == b"v2"
        assert get(a, fid, "Délibérations/2024 été.pdf", **{"If-None-Match": f'"{sha(b"v2")}"'}).status_code == 304
        too_big = put(a, fid, "gros.bin", b"\0" * (SIMPLE_CAP + 1))
        assert too_big.status_code == 413 and "morceaux" in too_big.json()["error"]
        assert get(a, fid, "gros.bin").status_code == 404


def test_download_ranges_resume(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    with bank.client(ta) as a:
        fid = new_folder(a)
        data = os.urandom(700 * KIB)
        tag = put(a, fid, "plan.dwg", data).headers["etag"]
        r = get(a, fid, "plan.dwg", Range="bytes=100-")
        assert r.status_code == 206 and r.content == data[100:]
        assert r.headers["content-range"] == f"bytes 100-{len(data) - 1}/{len(data)}"
        assert get(a, fid, "plan.dwg", Range="bytes=10-19").content == data[10:20]
        assert get(a, fid, "plan.dwg", Range="bytes=-5").content == data[-5:]
        r = get(a, fid, "plan.dwg", Range=f"bytes={len(data)}-")
        assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{len(data)}"
        r = get(a, fid, "plan.dwg", Range="bytes=100-", **{"If-Range": '"' + "0" * 64 + '"'})
        assert r.status_code == 200 and r.content == data  # another version: the whole file
        assert get(a, fid, "plan.dwg", Range="bytes=100-", **{"If-Range": tag}).status_code == 206


def test_versions_kept_and_restored(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    with bank.client(ta) as a:
        fid = new_folder(a)
        etag = None
        for n in range(1, 6):
            r = put(a, fid, "budget.ods", f"version {n}".encode(), etag)
            etag = r.json()["sha256"]
        file_id = r.json()["file_id"]
        base = f"/api/files/folders/{fid}/files/{file_id}"
        kept = a.get(f"{base}/versions").json()["versions"]
        assert [v["version"] for v in kept] == [5, 4, 3]  # the last KEEP
        assert a.get(f"{base}/content", params={"version": 3}).content == b"version 3"
        assert a.get(f"{base}/content", params={"version": 1}).status_code == 404
        assert a.post(f"{base}/versions/1/restore").status_code == 404
        assert a.post(f"{base}/versions/3/restore", headers={"If-Match": sha(b"version 1")}).status_code == 412
        r = a.post(f"{base}/versions/3/restore", headers={"If-Match": etag})
        assert r.status_code == 200 and r.json()["version"] == 6
        assert get(a, fid, "budget.ods").content == b"version 3"
        assert [v["version"] for v in a.get(f"{base}/versions").json()["versions"]] == [6, 5, 4]
        # the pruned contents are gone from disk, the kept ones are there
        blobs = bank.config.blobs_path
        assert not (blobs / sha(b"version 1")[:2] / sha(b"version 1")).exists()
        assert (blobs / sha(b"version 4")[:2] / sha(b"version 4")).exists()


def test_move_rename_and_case(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    with bank.client(ta) as a:
        fid = new_folder(a)
        e = put(a, fid, "brouillon.odt", b"texte").json()
        other = put(a, fid, "Archives/ancien.odt", b"ancien").json()
        move = f"/api/files/folders/{fid}/files/{e['file_id']}/move"
        r = a.post(move, json={"path": "Archives/PV final.odt"})
        assert r.status_code == 200 and (r.json()["file_id"], r.json()["path"], r.json()["version"]) == (
            e["file_id"], "Archives/PV final.odt", 1)
        r = a.post(move, json={"path": "Archives/pv FINAL.odt"}, headers={"If-Match": e["sha256"]})
        assert r.status_code == 200 and r.json()["path"] == "Archives/pv FINAL.odt"  # case-only rename
        r = a.post(move, json={"path": "ARCHIVES/ancien.odt"})
        assert r.status_code == 409 and "Archives/ancien.odt" in r.json()["error"]
        r = put(a, fid, "archives/nouveau.odt", b"x")
        assert r.status_code == 409 and "« Archives »" in r.json()["error"]
        r = put(a, fid, "ARCHIVES/ANCIEN.ODT", b"x")
        assert r.status_code == 409 and "casse" in r.json()["error"]
        assert a.post(move, json={"path": "../évasion.odt"}).status_code == 400
        assert a.post(move, json={"path": "x.odt"}, headers={"If-Match": sha(b"autre")}).status_code == 412
        assert get(a, fid, "Archives/pv FINAL.odt").content == b"texte"
        assert get(a, fid, "brouillon.odt").status_code == 404
        feed = changes(a, fid)
        assert [(x["file_id"], x["path"]) for x in feed["entries"]] == [
            (other["file_id"], "Archives/ancien.odt"), (e["file_id"], "Archives/pv FINAL.odt")]


def test_delete_to_trash_and_restore(bank: ServerThread) -> None:
    alice, ta = bank.user_with_token()
    with bank.client(ta) as a:
        fid = new_folder(a)
        e = put(a, fid, "photo.jpg", b"pixels").json()
        file = f"/api/files/folders/{fid}/files/{e['file_id']}"
        assert a.delete(file).status_code == 428
        assert a.delete(file, headers={"If-Match": sha(b"autre")}).status_code == 412
        r = a.delete(file, headers={"If-Match": f'"{e["sha256"]}"'})
        assert r.status_code == 200 and r.json()["deleted"] and r.json()["deleted_by"] == alice
        assert a.delete(file, headers={"If-Match": e["sha256"]}).status_code == 200  # a replay
        assert get(a, fid, "photo.jpg").status_code == 404
        assert a.get(f"{file}/content").content == b"pixels"  # the trash keeps it
        assert [t["file_id"] for t in a.get(f"/api/files/folders/{fid}/trash").json()["entries"]] == [e["file_id"]]
        feed = changes(a, fid, e["rev"])
        assert [(x["file_id"], x["deleted"]) for x in feed["entries"]] == [(e["file_id"], True)]
        put(a, fid, "photo.jpg", b"nouvelle")
        assert a.post(f"{file}/restore").status_code == 409  # its place is taken: restore elsewhere
        r = a.post(f"{file}/restore", json={"path": "photo (restaurée).jpg"})
        assert r.status_code == 200 and not r.json()["deleted"]
        assert get(a, fid, "photo (restaurée).jpg").content == b"pixels"
        assert a.post(f"{file}/restore").status_code == 409  # not in the trash any more


def test_purge_frees_the_blob(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    editor, te = bank.user_with_token()
    with bank.client(ta) as a, bank.client(te) as ed:
        fid = new_folder(a, members=[editor])
        data = os.urandom(1000)
        e = put(a, fid, "à jeter.bin", data).json()
        a.delete(f"/api/files/folders/{fid}/files/{e['file_id']}", headers={"If-Match": e["sha256"]})
        blob = bank.config.blobs_path / sha(data)[:2] / sha(data)
        assert blob.exists()
        assert ed.delete(f"/api/files/folders/{fid}/trash/{e['file_id']}").status_code == 403
        assert a.delete(f"/api/files/folders/{fid}/trash/{e['file_id']}").status_code == 204
        assert not blob.exists()
        assert a.get(f"/api/files/folders/{fid}/files/{e['file_id']}").status_code == 404


def test_quota_507_stores_nothing(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    with bank.client(ta) as a:
        fid = new_folder(a, quota_bytes=1500 * KIB)
        first = put(a, fid, "a.bin", os.urandom(900 * KIB))
        assert first.status_code == 201
        data = os.urandom(700 * KIB)
        r = put(a, fid, "b.bin", data)
        assert r.status_code == 507 and "quota du dossier dépassé" in r.json()["error"]
        assert not (bank.config.blobs_path / sha(data)[:2] / sha(data)).exists()
        assert get(a, fid, "b.bin").status_code == 404
        # replacing a.bin by something smaller is fine; the freed room is usable
        assert put(a, fid, "a.bin", b"petit", first.json()["sha256"]).status_code == 200
        assert put(a, fid, "b.bin", data).status_code == 201
        folder = a.get(f"/api/files/folders/{fid}").json()
        assert folder["used_bytes"] == 5 + len(data)
        assert a.put(f"/api/files/folders/{fid}/quota", json={"quota_bytes": 100}).json()["quota_bytes"] == 100
        assert put(a, fid, "c.txt", b"x").status_code == 507


@pytest.mark.parametrize(("path", "words"), [
    ("../../etc/passwd", "« .. »"),
    ("/absolu.txt", "absolu"),
    ("CON", "réservé"),
    ("nul.txt", "réservé"),
    ("rapport.", "point"),
    ("rapport ", "espace"),
    ("a\\b", "barre oblique inverse"),
    ("x" * 300, "trop long"),
    ("a:b", "« : »"),
])
def test_bad_paths_are_refused_clearly(bank: ServerThread, path: str, words: str) -> None:
    _, ta = bank.user_with_token()
    with bank.client(ta) as a:
        fid = new_folder(a)
        r = put(a, fid, path, b"x")
        assert r.status_code == 400 and words in r.json()["error"]
        assert changes(a, fid)["entries"] == []


def test_changes_feed_pages_and_is_cheap_when_nothing_changed(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    with bank.client(ta) as a:
        fid = new_folder(a)
        for n in range(5):
            put(a, fid, f"f{n}.txt", b"%d" % n)
        feed = a.get(f"/api/files/folders/{fid}/changes", params={"since": 0, "limit": 2}).json()
        assert feed["more"] and [e["path"] for e in feed["entries"]] == ["f0.txt", "f1.txt"] and feed["rev"] == 5
        feed = a.get(f"/api/files/folders/{fid}/changes", params={"since": feed["entries"][-1]["rev"]}).json()
        assert not feed["more"] and [e["path"] for e in feed["entries"]] == ["f2.txt", "f3.txt", "f4.txt"]
        assert changes(a, fid, 5) == {"rev": 5, "entries": [], "more": False}
        assert a.get(f"/api/files/folders/{fid}/changes", params={"since": "x"}).status_code == 400


def test_move_folder_renames_its_case(bank: ServerThread) -> None:
    _, ta = bank.user_with_token()
    reader, tr = bank.user_with_token()
    with bank.client(ta) as a, bank.client(tr) as r:
        fid = new_folder(a)
        a.put(f"/api/files/folders/{fid}/members/{reader}", json={"role": "reader"})
        one = put(a, fid, "Marchés/2024/lot 1.pdf", b"1").json()
        put(a, fid, "Marchés/2024/lot 2.pdf", b"2")
        # file by file, a case-only folder rename collides with the files not moved yet
        r1 = a.post(f"/api/files/folders/{fid}/files/{one['file_id']}/move", json={"path": "marchés/2024/lot 1.pdf"})
        assert r1.status_code == 409
        body = {"from": "Marchés", "to": "marchés"}
        assert r.post(f"/api/files/folders/{fid}/move-folder", json=body).status_code == 403
        moved = a.post(f"/api/files/folders/{fid}/move-folder", json=body)
        assert moved.status_code == 200, moved.text
        assert [e["path"] for e in moved.json()["entries"]] == ["marchés/2024/lot 1.pdf", "marchés/2024/lot 2.pdf"]
        assert moved.json()["entries"][0]["file_id"] == one["file_id"]
        assert get(a, fid, "marchés/2024/lot 2.pdf").content == b"2"
        assert a.post(f"/api/files/folders/{fid}/move-folder", json={"from": "rien", "to": "x"}).status_code == 404
        assert a.post(f"/api/files/folders/{fid}/move-folder", json={"from": "..", "to": "x"}).status_code == 400


def test_members_apps_are_nudged_when_a_folder_changes(bank: ServerThread) -> None:
    """A change in a folder reaches its members' event streams as {"type": "files", "folder"},
    so that their apps sync within seconds; an added or removed member is told too; anyone else
    hears nothing of it."""
    _, ta = bank.user_with_token()
    bob, tb = bank.user_with_token()
    carol, tc = bank.user_with_token()
    url = f"{bank.url}/api/chat/events?token="
    with bank.client(ta) as a, bank.client(tc) as c, httpx.Client(timeout=TIMEOUT) as http, \
            connect_ws(url + tb, http) as bws, connect_ws(url + tc, http) as cws:
        fid = new_folder(a, members=[bob])
        own = new_folder(c, "Les miens")
        nudge = {"type": "files", "folder": fid}
        assert put(a, fid, "plan.pdf", b"v1").status_code == 201
        assert events_of(bws, "files") == nudge
        blind = a.put(f"/api/files/folders/{fid}/content", params={"path": "plan.pdf"}, content=b"v2")
        assert blind.status_code == 428  # refused: nothing changed, nobody nudged
        assert a.put(f"/api/files/folders/{fid}/members/{carol}", json={"role": "reader"}).status_code == 200
        assert events_of(cws, "files") == nudge  # her app now lists the folder
        assert a.delete(f"/api/files/folders/{fid}/members/{carol}").status_code == 200
        assert events_of(cws, "files") == nudge  # and drops it
        assert put(a, fid, "autre.pdf", b"x").status_code == 201
        assert put(c, own, "à moi.pdf", b"x").status_code == 201
        assert events_of(cws, "files") == {"type": "files", "folder": own}  # carol: nothing of fid since
        for _ in range(3):  # bob: carol added, carol removed, the new file
            assert events_of(bws, "files") == nudge
