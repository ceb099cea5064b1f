"""Login, logout, token revocation, 401s and malformed bodies."""

from __future__ import annotations

import hashlib
import sqlite3

import httpx

from .helpers import ServerThread


def test_healthz_needs_no_auth(server: ServerThread) -> None:
    r = httpx.get(f"{server.url}/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_login_me_logout(server: ServerThread) -> None:
    name = server.add_user(password="secret")
    with server.client() as c:
        r = c.post("/api/login", json={"username": name, "password": "secret"})
        assert r.status_code == 200
        token = r.json()["token"]
        assert len(token) >= 40
    with server.client(token) as c:
        assert c.get("/api/me").json() == {"username": name}
        assert c.post("/api/logout").status_code == 204
        r = c.get("/api/me")
        assert r.status_code == 401 and "jeton" in r.json()["error"]


def test_logout_revokes_only_that_token(server: ServerThread) -> None:
    name = server.add_user()
    first, second = server.login(name), server.login(name)
    with server.client(first) as c:
        assert c.post("/api/logout").status_code == 204
    with server.client(second) as c:
        assert c.get("/api/me").status_code == 200
    with server.client(first) as c:
        assert c.get("/api/docs").status_code == 401


def test_bad_credentials_are_401(server: ServerThread) -> None:
    name = server.add_user(password="right")
    with server.client() as c:
        for body in ({"username": name, "password": "wrong"}, {"username": "nobody", "password": "right"}):
            r = c.post("/api/login", json=body)
            assert r.status_code == 401
            assert r.json() == {"error": "identifiant ou mot de passe incorrect"}


def test_malformed_login_bodies_are_400(server: ServerThread) -> None:
    with server.client() as c:
        for content in (b"{not json", b"[]", b'{"username": "a"}', b'{"username": 1, "password": "x"}'):
            r = c.post("/api/login", content=content, headers={"content-type": "application/json"})
            assert r.status_code == 400, content
            assert "corps de requête invalide" in r.json()["error"]


def test_api_routes_need_a_valid_token(server: ServerThread) -> None:
    routes = [("GET", "/api/me"), ("POST", "/api/logout"), ("GET", "/api/docs"), ("PUT", "/api/docs/abc"),
              ("GET", "/api/docs/abc/members"), ("GET", "/api/docs/abc/update")]
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        with httpx.Client(base_url=server.url, headers=headers) as c:
            for method, path in routes:
                r = c.request(method, path)
                assert r.status_code == 401, (method, path, headers)
                assert "error" in r.json()


def test_tokens_and_passwords_are_stored_hashed(server: ServerThread) -> None:
    name = server.add_user(password="mot de passe très secret")
    token = server.login(name, "mot de passe très secret")
    db = server.config.database_path
    with sqlite3.connect(db) as conn:
        (digest,) = conn.execute("SELECT digest FROM tokens WHERE digest = ?",
                                 (hashlib.sha256(token.encode()).hexdigest(),)).fetchone()
        (pw_hash,) = conn.execute("SELECT password_hash FROM users WHERE username = ?", (name,)).fetchone()
    conn.close()
    assert digest != token and pw_hash.startswith("$argon2id$")
    raw = b"".join(p.read_bytes() for p in db.parent.iterdir() if p.name.startswith(db.name))
    assert token.encode() not in raw
    assert "mot de passe très secret".encode() not in raw


def test_unknown_routes_and_methods_answer_json_in_french(server: ServerThread) -> None:
    r = httpx.get(f"{server.url}/nulle-part")
    assert r.status_code == 404 and r.json() == {"error": "ressource introuvable"}
    r = httpx.delete(f"{server.url}/healthz")
    assert r.status_code == 405 and "méthode" in r.json()["error"]
