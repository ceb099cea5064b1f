"""Documents with client-generated ids, idempotent creation, roles, sharing and the last owner."""

from __future__ import annotations

import uuid

from .helpers import ServerThread


def test_put_creates_with_the_client_id_then_replays(server: ServerThread) -> None:
    owner, token = server.user_with_token()
    doc_id = str(uuid.uuid4())
    with server.client(token) as c:
        r = c.put(f"/api/docs/{doc_id}")
        assert r.status_code == 201 and r.json() == {"id": doc_id, "role": "owner"}
        r = c.put(f"/api/docs/{doc_id}")  # the outbox replays it after a lost response
        assert r.status_code == 200 and r.json() == {"id": doc_id, "role": "owner"}
        assert {"id": doc_id, "role": "owner", "version": 0} in c.get("/api/docs").json()["documents"]
        members = c.get(f"/api/docs/{doc_id}/members").json()["members"]
        assert members == [{"username": owner, "role": "owner"}]


def test_put_of_someone_elses_id_is_403_and_changes_nothing(server: ServerThread) -> None:
    _, alice = server.user_with_token()
    bob_name, bob = server.user_with_token()
    doc_id = server.new_doc(alice)
    with server.client(bob) as c:
        r = c.put(f"/api/docs/{doc_id}")
        assert r.status_code == 403 and "membre" in r.json()["error"]
        assert c.get("/api/docs").json() == {"documents": []}
    with server.client(alice) as c:
        assert bob_name not in str(c.get(f"/api/docs/{doc_id}/members").json())


def test_a_member_replaying_put_gets_200_and_their_role(server: ServerThread) -> None:
    _, alice = server.user_with_token()
    bob_name, bob = server.user_with_token()
    doc_id = server.new_doc(alice)
    server.share(alice, doc_id, bob_name, "reader")
    with server.client(bob) as c:
        r = c.put(f"/api/docs/{doc_id}")
        assert r.status_code == 200 and r.json()["role"] == "reader"


def test_invalid_document_ids_are_400(server: ServerThread) -> None:
    _, token = server.user_with_token()
    with server.client(token) as c:
        for bad in ("a" * 65, "a.b", "é", "a%20b"):
            r = c.put(f"/api/docs/{bad}")
            assert r.status_code == 400, bad
            assert "identifiant de document invalide" in r.json()["error"]
        assert c.put(f"/api/docs/{'A_b-9' * 12}").status_code == 201


def test_sharing_is_for_owners_only(server: ServerThread) -> None:
    _, alice = server.user_with_token()
    bob_name, bob = server.user_with_token()
    carol_name, _ = server.user_with_token()
    doc_id = server.new_doc(alice)
    server.share(alice, doc_id, bob_name, "editor")
    with server.client(bob) as c:
        r = c.put(f"/api/docs/{doc_id}/members/{carol_name}", json={"role": "reader"})
        assert r.status_code == 403
        assert c.delete(f"/api/docs/{doc_id}/members/{carol_name}").status_code == 403
        assert c.delete(f"/api/docs/{doc_id}").status_code == 403
    with server.client(alice) as c:
        r = c.put(f"/api/docs/{doc_id}/members/{carol_name}", json={"role": "reader"})
        assert r.status_code == 200 and r.json() == {"username": carol_name, "role": "reader"}
        roles = {m["username"]: m["role"] for m in c.get(f"/api/docs/{doc_id}/members").json()["members"]}
        assert roles[bob_name] == "editor" and roles[carol_name] == "reader"


def test_share_with_unknown_user_or_bad_role(server: ServerThread) -> None:
    _, alice = server.user_with_token()
    bob_name, _ = server.user_with_token()
    doc_id = server.new_doc(alice)
    with server.client(alice) as c:
        r = c.put(f"/api/docs/{doc_id}/members/personne", json={"role": "editor"})
        assert r.status_code == 404 and r.json() == {"error": "utilisateur inconnu : personne"}
        for body in ({"role": "admin"}, {}, []):
            r = c.put(f"/api/docs/{doc_id}/members/{bob_name}", json=body)
            assert r.status_code == 400
            assert "error" in r.json()


def test_last_owner_cannot_be_demoted_or_removed(server: ServerThread) -> None:
    alice_name, alice = server.user_with_token()
    bob_name, bob = server.user_with_token()
    doc_id = server.new_doc(alice)
    with server.client(alice) as c:
        r = c.put(f"/api/docs/{doc_id}/members/{alice_name}", json={"role": "editor"})
        assert r.status_code == 409 and "dernier propriétaire" in r.json()["error"]
        r = c.delete(f"/api/docs/{doc_id}/members/{alice_name}")
        assert r.status_code == 409
        # With a second owner, alice may step down.
        assert c.put(f"/api/docs/{doc_id}/members/{bob_name}", json={"role": "owner"}).status_code == 200
        assert c.put(f"/api/docs/{doc_id}/members/{alice_name}", json={"role": "reader"}).status_code == 200
        assert c.put(f"/api/docs/{doc_id}/members/{bob_name}", json={"role": "editor"}).status_code == 403
    with server.client(bob) as c:
        assert c.put(f"/api/docs/{doc_id}/members/{bob_name}", json={"role": "editor"}).status_code == 409


def test_a_member_may_leave_and_others_may_not_remove_them(server: ServerThread) -> None:
    _, alice = server.user_with_token()
    bob_name, bob = server.user_with_token()
    carol_name, carol = server.user_with_token()
    doc_id = server.new_doc(alice)
    server.share(alice, doc_id, bob_name, "editor")
    server.share(alice, doc_id, carol_name, "editor")
    with server.client(carol) as c:
        assert c.delete(f"/api/docs/{doc_id}/members/{bob_name}").status_code == 403
    with server.client(bob) as c:
        assert c.delete(f"/api/docs/{doc_id}/members/{bob_name}").status_code == 204
        assert c.get(f"/api/docs/{doc_id}/members").status_code == 403
        assert c.get("/api/docs").json() == {"documents": []}
    with server.client(alice) as c:
        r = c.delete(f"/api/docs/{doc_id}/members/{bob_name}")
        assert r.status_code == 404 and "n'est pas membre" in r.json()["error"]


def test_owner_deletes_a_document(server: ServerThread) -> None:
    _, alice = server.user_with_token()
    doc_id = server.new_doc(alice)
    with server.client(alice) as c:
        assert c.delete(f"/api/docs/{doc_id}").status_code == 204
        r = c.get(f"/api/docs/{doc_id}/members")
        assert r.status_code == 404 and r.json() == {"error": f"document inconnu : {doc_id}"}
        assert c.delete(f"/api/docs/{doc_id}").status_code == 404
        assert c.get("/api/docs").json() == {"documents": []}
