"""Two PCs sync one shared folder through the real server (in-process): creations, edits,
renames, moves and deletes on each side, offline and online; both sides editing one file; a
remote delete of a file edited here; a case-only rename; names the server refuses; rights; an
unmounted folder; a file still being written; no plaintext in the profile."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from storage.files import CONFLICT, ERROR, PENDING, SYNCED
from sync import files
from sync.files import scan as scan_module
from tests.storage.test_no_plaintext import leaks

from .conftest import bank, sha


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def states(peer: object) -> dict[str, str]:
    from storage.files import FilesStore
    store = FilesStore(peer.conn)  # type: ignore[attr-defined]
    return {s.path: s.state for s in store.file_states(store.synced_folders()[0].id)}


def test_create_modify_rename_move_delete_on_each_side(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            # alice creates, offline (nothing but the disk), then syncs; bob receives.
            b.alice.write("Délibérations/2026-03 budget.odt", "budget v1")
            b.alice.write("plan.pdf", b"%PDF plan")
            report = await b.alice.sync()
            assert (report.up, report.errors) == (2, [])
            assert await b.server_files() == {"Délibérations/2026-03 budget.odt": sha("budget v1"),
                                              "plan.pdf": sha(b"%PDF plan")}
            report = await b.bob.sync()
            assert report.down == 2
            assert b.bob.tree() == b.alice.tree()
            assert set(states(b.bob).values()) == {SYNCED}

            # bob edits, renames and moves, alice follows; history is kept (same file id).
            file_id = b.bob.store.entry(b.folder.id, "plan.pdf").file_id  # type: ignore[union-attr]
            b.bob.write("Délibérations/2026-03 budget.odt", "budget v2")
            (b.bob.root / "plan.pdf").rename(b.bob.root / "plan de masse.pdf")
            report = await b.bob.sync()
            assert (report.up, report.moved, report.errors) == (1, 1, [])
            (b.bob.root / "Archives").mkdir()
            (b.bob.root / "Délibérations").rename(b.bob.root / "Archives" / "Délibérations")
            report = await b.bob.sync()
            assert (report.up, report.moved, report.deleted, report.errors) == (0, 1, 0, [])
            assert b.bob.store.entry(b.folder.id, "plan de masse.pdf").file_id == file_id  # type: ignore[union-attr]
            report = await b.alice.sync()
            assert report.errors == []
            assert b.alice.tree() == {"Archives/Délibérations/2026-03 budget.odt": "budget v2",
                                      "plan de masse.pdf": "%PDF plan"}
            assert not (b.alice.root / "Délibérations").exists()  # the emptied folder went too

            # alice deletes; it goes to the server's trash, and away from bob's disk.
            (b.alice.root / "plan de masse.pdf").unlink()
            assert (await b.alice.sync()).deleted == 1
            assert "plan de masse.pdf" in await b.trash()
            assert (await b.bob.sync()).deleted == 1
            assert b.bob.tree() == {"Archives/Délibérations/2026-03 budget.odt": "budget v2"}

            # A second round with nothing changed does nothing, and hashes nothing.
            hashed: list[Path] = []
            real = scan_module.hash_file

            def spy(path: Path) -> tuple[str, int, int]:
                hashed.append(path)
                return real(path)

            scan_module.hash_file = spy  # type: ignore[assignment]
            try:
                report = await b.alice.sync()
            finally:
                scan_module.hash_file = real  # type: ignore[assignment]
            assert (report.up, report.down, report.deleted, report.moved, hashed) == (0, 0, 0, 0, [])

    run(scenario())


def test_both_sides_edit_offline_keep_both(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            b.alice.write("compte-rendu.odt", "base")
            await b.alice.sync()
            await b.bob.sync()
            # Offline on both PCs: each edits the same file.
            b.alice.write("compte-rendu.odt", "version d'alice")
            b.bob.write("compte-rendu.odt", "version de bob")
            assert (await b.alice.sync()).up == 1  # alice first: hers becomes the server's
            report = await b.bob.sync()
            assert report.conflicts == 1
            assert report.notes and "conflit de bob" in report.notes[0]
            tree = b.bob.tree()
            copies = [p for p in tree if p.startswith("compte-rendu (conflit de bob, ")]
            assert len(copies) == 1 and copies[0].endswith(").odt")
            assert tree == {"compte-rendu.odt": "version d'alice", copies[0]: "version de bob"}
            assert states(b.bob)[copies[0]] == CONFLICT
            await b.alice.sync()
            assert b.alice.tree() == tree  # nothing lost, on either PC
            assert await b.server_files() == {p: sha(d) for p, d in tree.items()}

    run(scenario())


def test_an_edit_racing_an_upload_becomes_a_conflict_copy(tmp_path: Path) -> None:
    """The 412 path: the server changed after our feed was read (If-Match refused)."""
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            b.alice.write("note.txt", "base")
            await b.alice.sync()
            await b.bob.sync()
            b.bob.write("note.txt", "bob")
            real = files.folder.FolderSync._changes

            async def feed_then_alice_writes(self: files.folder.FolderSync) -> object:
                result = await real(self)
                files.folder.FolderSync._changes = real  # type: ignore[method-assign]
                b.alice.write("note.txt", "alice, plus longue")
                await b.alice.sync()
                return result

            files.folder.FolderSync._changes = feed_then_alice_writes  # type: ignore[method-assign]
            try:
                report = await b.bob.sync()
            finally:
                files.folder.FolderSync._changes = real  # type: ignore[method-assign]
            assert report.conflicts == 1
            tree = b.bob.tree()
            assert tree["note.txt"] == "alice, plus longue"
            assert sorted(tree.values()) == ["alice, plus longue", "bob"]

    run(scenario())


def test_deletes_against_edits_lose_nothing(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            b.alice.write("a.txt", "a")
            b.alice.write("b.txt", "b")
            await b.alice.sync()
            await b.bob.sync()
            # alice deletes a.txt while bob edits it; bob deletes b.txt while alice edits it.
            (b.alice.root / "a.txt").unlink()
            b.alice.write("b.txt", "b modifié par alice")
            b.bob.write("a.txt", "a modifié par bob")
            (b.bob.root / "b.txt").unlink()
            await b.alice.sync()
            report = await b.bob.sync()
            assert report.errors == []
            assert b.bob.tree() == {"a.txt": "a modifié par bob", "b.txt": "b modifié par alice"}
            await b.alice.sync()
            assert b.alice.tree() == b.bob.tree()

    run(scenario())


def test_case_only_rename(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            b.alice.write("rapport.odt", "r")
            await b.alice.sync()
            await b.bob.sync()
            os.rename(b.alice.root / "rapport.odt", b.alice.root / "Rapport.odt")
            report = await b.alice.sync()
            assert (report.moved, report.up, report.errors) == (1, 0, [])
            assert await b.server_files() == {"Rapport.odt": sha("r")}
            await b.bob.sync()
            assert b.bob.tree() == {"Rapport.odt": "r"}

    run(scenario())


def test_absurd_names_get_a_clear_error_and_block_nothing(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            for name in ("CON", "point final.", "a:b.txt", "NUL.txt"):
                b.alice.write(name, "x")
            b.alice.write("correct.txt", "ok")
            report = await b.alice.sync()
            assert await b.server_files() == {"correct.txt": sha("ok")}
            found = {s.path: s for s in b.alice.store.file_states(b.folder.id)}
            assert found["CON"].state == ERROR and "réservé par Windows" in found["CON"].message
            assert "finit par un point" in found["point final."].message
            assert "« : »" in found["a:b.txt"].message
            assert found["correct.txt"].state == SYNCED
            assert len([e for e in report.errors if "nom refusé" in e]) == 4
            assert (b.alice.root / "CON").read_text() == "x"  # left alone

    run(scenario())


def test_a_readers_edit_is_refused_and_kept(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with bank(tmp_path, bob_role="reader") as b:
            b.alice.write("arrêté.pdf", "officiel")
            await b.alice.sync()
            await b.bob.sync()
            b.bob.write("arrêté.pdf", "bricolé")
            b.bob.write("nouveau.txt", "de bob")
            report = await b.bob.sync()
            assert any("lecteur" in e for e in report.errors), report.errors
            assert await b.server_files() == {"arrêté.pdf": sha("officiel")}
            assert b.bob.tree() == {"arrêté.pdf": "bricolé", "nouveau.txt": "de bob"}  # nothing lost here
            assert states(b.bob) == {"arrêté.pdf": ERROR, "nouveau.txt": ERROR}

    run(scenario())


@pytest.mark.parametrize("how", ["removed", "unmounted"])
def test_a_missing_or_unmounted_folder_deletes_nothing(tmp_path: Path, how: str) -> None:
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            for i in range(5):
                b.alice.write(f"dossier/{i}.txt", str(i))
            await b.alice.sync()
            before = await b.server_files()
            moved = tmp_path / "ailleurs"
            b.alice.root.rename(moved)
            if how == "unmounted":
                b.alice.root.mkdir()  # an empty mount point, no marker
            report = await b.alice.sync()
            assert report.deleted == 0
            assert any("rien n'est supprimé" in e for e in report.errors)
            assert await b.server_files() == before and await b.trash() == []
            assert "rien n'est supprimé" in (b.alice.store.folder(b.folder.id).error or "")
            if how == "unmounted":
                b.alice.root.rmdir()
            moved.rename(b.alice.root)  # plugged back: back to normal
            report = await b.alice.sync()
            assert (report.errors, report.deleted) == ([], 0)
            assert b.alice.store.folder(b.folder.id).error is None

    run(scenario())


def test_a_file_still_being_written_is_not_uploaded(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            path = b.alice.write("photo.jpg", b"\xff\xd8" + b"a" * 100_000)
            real = scan_module.hashlib

            class WriterStillAppending:
                """hashlib, but the writer appends to the photo while the scan reads it."""

                @staticmethod
                def sha256() -> object:
                    digest = real.sha256()

                    class Digest:
                        def update(self, block: bytes) -> None:
                            if block.startswith(b"\xff\xd8"):  # once: while the first block is read
                                with open(path, "ab") as f:
                                    f.write(b"b" * 1000)
                            digest.update(block)

                        def hexdigest(self) -> str:
                            return digest.hexdigest()

                    return Digest()

            scan_module.hashlib = WriterStillAppending  # type: ignore[assignment]
            try:
                report = await b.alice.sync()
            finally:
                scan_module.hashlib = real
            assert report.up == 0 and await b.server_files() == {}
            assert states(b.alice) == {"photo.jpg": PENDING}
            report = await b.alice.sync()  # closed now: it goes, whole
            assert report.up == 1
            assert await b.server_files() == {"photo.jpg": sha(path.read_bytes())}

    run(scenario())


def test_a_libreoffice_save_uploads_once_with_the_final_content(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            b.alice.write("pv.odt", "v1")
            await b.alice.sync()
            # LibreOffice: a lock file, a temp file written, then renamed over the document.
            lock = b.alice.write(".~lock.pv.odt#", "alice,PC,01.01.2026")
            b.alice.write("lu1234abcd.tmp", "v2 complète")
            os.replace(b.alice.root / "lu1234abcd.tmp", b.alice.root / "pv.odt")
            report = await b.alice.sync()
            assert (report.up, report.moved, report.errors) == (1, 0, [])
            assert await b.server_files() == {"pv.odt": sha("v2 complète")}
            lock.unlink()
            assert (await b.alice.sync()).up == 0
            await b.bob.sync()
            assert b.bob.tree() == {"pv.odt": "v2 complète"}

    run(scenario())


def test_versions_and_restore(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            for text in ("v1", "v2", "v3"):
                b.alice.write("budget.ods", text)
                await b.alice.sync()
            folder, rel = files.locate(b.alice.conn, b.alice.root / "budget.ods")
            found = await b.alice.call(lambda c: files.versions(c, b.alice.conn, folder, rel))
            assert [v.version for v in found] == [3, 2, 1]
            report = await b.alice.call(lambda c: files.restore(c, b.alice.conn, folder, rel, 1, "alice"))
            assert report.errors == []
            assert b.alice.read("budget.ods") == b"v1"
            found = await b.alice.call(lambda c: files.versions(c, b.alice.conn, folder, rel))
            assert found[0].version == 4 and found[0].sha256 == sha("v1")

    run(scenario())


def test_remote_changes_while_offline_and_local_status(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            b.alice.write("x.txt", "x")
            await b.alice.sync()
            await b.bob.sync()
            # bob, offline: his edits are seen by a scan without the server.
            b.bob.write("x.txt", "x2")
            b.bob.write("y.txt", "y")
            found = {s.path: s.state for s in files.local_status(b.bob.conn, b.folder.id)}
            assert found == {"x.txt": PENDING, "y.txt": PENDING}
            assert b.bob.store.pending_count() == 2
            await b.bob.sync()
            assert {s.state for s in files.local_status(b.bob.conn, b.folder.id)} == {SYNCED}

    run(scenario())


def test_choose_folder_refuses_overlaps(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            other = await b.alice.call(lambda c: files.create_folder(c, b.alice.conn, "Voirie"))
            from storage.errors import InvalidInput
            with pytest.raises(InvalidInput, match="recouvre"):
                files.choose_folder(b.alice.conn, other.id, b.alice.root / "sous-dossier")
            with pytest.raises(InvalidInput, match="profil"):
                files.choose_folder(b.alice.conn, other.id, b.alice.vault.folder / "x", b.alice.vault.folder)
            assert b.alice.store.folder(other.id).local_path is None

    run(scenario())


def test_no_plaintext_in_the_profile(tmp_path: Path) -> None:
    async def scenario() -> None:
        secret_name, secret_text = "Zébulon-confidentiel.odt", "Délibération Xylophage secrète"
        async with bank(tmp_path) as b:
            b.alice.write(f"Xérès/{secret_name}", secret_text)
            await b.alice.sync()
            await b.bob.sync()
            assert b.bob.read(f"Xérès/{secret_name}") == secret_text.encode()
            for peer in (b.alice, b.bob):
                assert leaks(peer.vault.folder, [secret_name, secret_text, "Xérès"]) == []

    run(scenario())


def test_same_new_name_on_both_sides_and_a_move_against_an_edit(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            b.alice.write("budget.ods", "base")
            await b.alice.sync()
            await b.bob.sync()
            # Offline: both create "affiche.pdf"; alice moves budget.ods while bob edits it.
            b.alice.write("affiche.pdf", "affiche d'alice")
            b.bob.write("affiche.pdf", "affiche de bob")
            (b.alice.root / "Finances").mkdir()
            os.rename(b.alice.root / "budget.ods", b.alice.root / "Finances" / "budget.ods")
            b.bob.write("budget.ods", "base modifiée par bob")
            await b.alice.sync()
            report = await b.bob.sync()
            assert (report.conflicts, report.errors) == (1, [])
            tree = b.bob.tree()
            copy = next(p for p in tree if p.startswith("affiche (conflit de bob, "))
            assert tree == {"affiche.pdf": "affiche d'alice", copy: "affiche de bob",
                            "Finances/budget.ods": "base modifiée par bob"}
            await b.alice.sync()
            assert b.alice.tree() == tree

    run(scenario())


def test_the_engine_round_includes_files_with_progress(tmp_path: Path) -> None:
    async def scenario() -> None:
        from sync.engine import Engine
        async with bank(tmp_path) as b:
            b.alice.write("a.txt", "a")
            engine = Engine(b.alice.conn, b.world.transport)
            seen: list[str] = []
            engine.transfers.listeners.append(lambda t: seen.append(f"{t.path} {t.done}/{t.total}"))
            report = await engine.sync_once()
            assert (report.files_up, report.errors) == (1, [])
            assert seen[-1] == "a.txt 1/1"
            assert engine.status.pending == {}
            b.bob.write("b.txt", "b")
            files.local_status(b.bob.conn, b.folder.id)
            assert b.bob.store.pending_count() == 1
            bob = Engine(b.bob.conn, b.world.transport)
            report = await bob.sync_once()
            assert (report.files_up, report.files_down) == (1, 1)
            assert bob.status.pending == {} and b.bob.tree() == {"a.txt": "a", "b.txt": "b"}

    run(scenario())


def test_many_files_at_once_with_conflicts_among_them(tmp_path: Path) -> None:
    """Uploads and first downloads go several at once: 60 files in subfolders, three edited
    on both sides among them, arrive whole on both PCs, each conflict kept once."""
    async def scenario() -> None:
        async with bank(tmp_path) as b:
            for i in range(3):
                b.alice.write(f"Actes/acte-{i}.txt", f"base {i}")
            await b.alice.sync()
            await b.bob.sync()
            for i in range(60):
                b.alice.write(f"Photos/lot-{i % 4}/photo-{i}.jpg", f"photo {i} " * (i + 1))
            for i in range(3):
                b.alice.write(f"Actes/acte-{i}.txt", f"alice {i}")
                b.bob.write(f"Actes/acte-{i}.txt", f"bob {i}")
            assert (await b.alice.sync()).up == 63
            report = await b.bob.sync()
            assert (report.down, report.conflicts, report.errors) == (63, 3, [])
            await b.alice.sync()
            tree = b.bob.tree()
            assert len(tree) == 66 and b.alice.tree() == tree
            assert {p: d for p, d in tree.items() if p.startswith("Actes/acte-") and "conflit" not in p} == {
                f"Actes/acte-{i}.txt": f"alice {i}" for i in range(3)}
            assert sorted(d for p, d in tree.items() if "conflit de bob" in p) == [f"bob {i}" for i in range(3)]
            assert await b.server_files() == {p: sha(d) for p, d in tree.items()}

    run(scenario())
