"""The « Fichiers » module (banque documentaire): real windows on real profiles, against a real
`parvis-server` on loopback; another PC is a second profile driven by `sync.files`."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from desktop.app import start_window
from desktop.bank.page import BankPage
from desktop.bank.progress import TransfersView, progress_text, speed_text
from desktop.mainwindow import MainWindow
from desktop.ops import Ops
from desktop.syncbridge import SyncBridge
from storage.db import transaction
from storage.files import Entry, FilesStore
from storage.vault import Vault
from sync import account as accounts
from sync import files
from sync.account import sign_in
from sync.files import Transfer
from tests.conftest import PASSPHRASE
from tests.e2e.servers import Link, Server, add_user, api, login, start_server

from .conftest import _VAULTS, Opener, connection, idle

pytestmark = pytest.mark.slow
WAIT = 30_000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    data = tmp_path / "server"
    for name in ("alice", "bob", "carole"):
        add_user(data, name, f"mdp-{name}")
    running = start_server(data)
    yield running
    running.stop()


def _api(server: Server, user: str = "alice") -> Any:
    return api(server, login(server, user, f"mdp-{user}"))


def _new_folder(server: Server, name: str, members: list[str] | None = None) -> str:
    with _api(server) as client:
        response = client.post("/api/files/folders", json={"name": name, "members": members or []})
        assert response.status_code in (200, 201), response.text
        return str(response.json()["id"])


def _server_files(server: Server, folder_id: str) -> dict[str, str]:
    """The live files on the server: path → sha256."""
    with _api(server) as client:
        page = client.get(f"/api/files/folders/{folder_id}/changes", params={"since": 0}).json()
    return {e["path"]: e["sha256"] for e in page["entries"] if not e["deleted"]}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _page(qtbot: QtBot, window: MainWindow, folders: int) -> BankPage:
    window.rail.setCurrentRow(4)
    page = window.bank
    qtbot.waitUntil(lambda: page.folder_list.count() == folders, timeout=WAIT)
    idle(qtbot, window)
    return page


def _synced(qtbot: QtBot, page: BankPage, monkeypatch: pytest.MonkeyPatch, folder_id: str, where: Path) -> None:
    """Choose `where` for the folder through « Synchroniser dans un dossier… »."""
    page.select_folder(folder_id)
    monkeypatch.setattr(page, "ask_directory", lambda folder: where)
    qtbot.mouseClick(page.choose, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (f := page.selected_folder()) is not None and f.local_path == str(where.resolve()),
                    timeout=WAIT)


def _other_pc(tmp_path: Path, server_url: str, name: str, folder_id: str) -> tuple[Vault, Path]:
    """Another user's PC, synced by `sync.files` itself: its profile and synced folder."""
    vault = Vault.create(tmp_path / f"profil-{name}", PASSPHRASE)
    asyncio.run(sign_in(vault.conn, server_url, name, f"mdp-{name}"))
    _call(vault, lambda c: files.refresh_folders(c, vault.conn))
    root = files.choose_folder(vault.conn, folder_id, tmp_path / f"PC-{name}", vault.folder)
    return vault, root


def _call(vault: Vault, step: Any) -> Any:
    async def go() -> Any:
        async with accounts.client(vault.conn) as client:
            return await step(client)

    return asyncio.run(go())


@pytest.fixture
def quiet_window(qtbot: QtBot, tmp_path: Path) -> Iterator[Any]:
    """Like `open_window`, but the engine never syncs on its own schedule (an hour between
    rounds): only a wake-up (the watcher, F5) starts one."""
    opened: list[tuple[MainWindow, Vault]] = []

    def opener(name: str, server_url: str) -> MainWindow:
        vault = Vault.create(tmp_path / name, PASSPHRASE)
        asyncio.run(sign_in(vault.conn, server_url, name, f"mdp-{name}"))
        window = start_window(vault, Ops(vault), bridge=SyncBridge(vault, idle_poll=3600.0, reconnect_cap=0.5))
        qtbot.addWidget(window)
        window.show()
        _VAULTS[id(window)] = vault
        opened.append((window, vault))
        return window

    yield opener
    for window, vault in opened:
        window.close()
        vault.close()


def test_folders_states_choose_watch_and_open(qtbot: QtBot, quiet_window: Any, server: Server, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    urbanisme = _new_folder(server, "Urbanisme", ["bob"])
    conseil = _new_folder(server, "Conseil municipal")
    window = quiet_window("alice", server.url)
    page = _page(qtbot, window, 2)  # fetched from the server when the page shows
    names = {f.id: f.name for f in page.listing.folders}
    assert names == {urbanisme: "Urbanisme", conseil: "Conseil municipal"}
    assert all(page.folder_state(f)[0] == "Non synchronisé" for f in page.listing.folders)
    assert not page.stop.isEnabled() and not page.open_folder.isEnabled()

    # The profile's own folder is refused, clearly, and nothing changes.
    page.select_folder(conseil)
    page.choose_local_folder(window.bridge.profile / "fichiers")
    qtbot.waitUntil(lambda: page.notice.isVisible(), timeout=WAIT)
    assert "profil" in page.notice.text()
    assert FilesStore(connection(window)).folder(conseil).local_path is None

    where = tmp_path / "PC-alice" / "Urbanisme"
    _synced(qtbot, page, monkeypatch, urbanisme, where)
    assert page.stop.isEnabled() and page.view.isVisible()
    # The round that choosing started is over (the folder was synced once).
    qtbot.waitUntil(lambda: page.folder_state(page.selected_folder())[0] == "À jour", timeout=WAIT)  # type: ignore[arg-type]

    # A file saved in the folder reaches the server by itself: the watcher wakes the engine
    # (which would otherwise wait an hour).
    (where / "Délibération 2026-014.odt").write_bytes(b"version du maire")
    qtbot.waitUntil(lambda: _server_files(server, urbanisme).get("Délibération 2026-014.odt")
                    == _sha(b"version du maire"), timeout=WAIT)
    qtbot.waitUntil(lambda: page.file_state("Délibération 2026-014.odt") == "synced", timeout=WAIT)
    qtbot.waitUntil(lambda: page.folder_state(page.selected_folder())[0] == "À jour", timeout=WAIT)  # type: ignore[arg-type]

    # A file bob saves on the server reaches alice's folder by itself too: the server nudges her
    # app through its event stream (no round would come for an hour).
    with _api(server, "bob") as bob:
        r = bob.put(f"/api/files/folders/{urbanisme}/content", params={"path": "Plan de zonage.pdf"},
                    content=b"plan de bob", headers={"If-None-Match": "*"})
        assert r.status_code == 201, r.text
    qtbot.waitUntil(lambda: (where / "Plan de zonage.pdf").exists(), timeout=WAIT)
    assert (where / "Plan de zonage.pdf").read_bytes() == b"plan de bob"

    # Ctrl+O opens the selected file with the system's application; Suppr deletes nothing.
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    assert page.select_file("Délibération 2026-014.odt")
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_Delete)
    qtbot.keyClick(page.view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert opened == [str(where.resolve() / "Délibération 2026-014.odt")]
    assert (where / "Délibération 2026-014.odt").exists()

    # Stopping keeps the files where they are.
    qtbot.mouseClick(page.stop, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.selected_folder() is not None and page.selected_folder().local_path is None,  # type: ignore[union-attr]
                    timeout=WAIT)
    assert (where / "Délibération 2026-014.odt").read_bytes() == b"version du maire"


def test_conflict_shown_after_offline_edits_on_both_sides(qtbot: QtBot, open_window: Opener, server: Server,
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder_id = _new_folder(server, "Urbanisme", ["bob"])
    link = Link(server.port)
    try:
        window = open_window("alice", link.url)
        page = _page(qtbot, window, 1)
        where = tmp_path / "PC-alice" / "Urbanisme"
        _synced(qtbot, page, monkeypatch, folder_id, where)
        (where / "plan.odt").write_bytes(b"plan initial")
        qtbot.waitUntil(lambda: "plan.odt" in _server_files(server, folder_id), timeout=WAIT)
        qtbot.waitUntil(lambda: page.file_state("plan.odt") == "synced", timeout=WAIT)
        bob, bob_root = _other_pc(tmp_path, server.url, "bob", folder_id)
        _call(bob, lambda c: files.sync_files(c, bob.conn, "bob"))
        assert (bob_root / "plan.odt").read_bytes() == b"plan initial"

        link.cut()  # Alice's PC goes offline; she edits, and so does Bob, online
        (where / "plan.odt").write_bytes(b"plan modifie par alice, hors ligne")
        qtbot.waitUntil(lambda: page.file_state("plan.odt") == "pending", timeout=WAIT)
        (bob_root / "plan.odt").write_bytes(b"plan modifie par bob")
        _call(bob, lambda c: files.sync_files(c, bob.conn, "bob"))
        assert _server_files(server, folder_id)["plan.odt"] == _sha(b"plan modifie par bob")

        link.restore()
        window.bridge.sync_now()
        qtbot.waitUntil(lambda: any(s.state == "conflict" for s, _, _ in page.listing.files), timeout=WAIT)
        copy = next(s.path for s, _, _ in page.listing.files if s.state == "conflict")
        assert page.file_state(copy) == "conflict"
        row = next(r for r in range(page.model.rowCount()) if page.model.item(r, 0).text() == copy)
        assert page.model.item(row, 1).text().startswith("⚠")
        assert "conflit" in page.folder_state(page.selected_folder())[0]  # type: ignore[arg-type]
        bob.close()
    finally:
        link.close()


def test_versions_dialog_lists_and_restores(qtbot: QtBot, open_window: Opener, server: Server, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    folder_id = _new_folder(server, "Conseil municipal")
    window = open_window("alice", server.url)
    page = _page(qtbot, window, 1)
    where = tmp_path / "PC-alice" / "Conseil"
    _synced(qtbot, page, monkeypatch, folder_id, where)
    path = where / "PV du 12 mars.odt"
    for text in (b"premier jet", b"version relue"):
        path.write_bytes(text)
        qtbot.waitUntil(lambda t=text: _server_files(server, folder_id).get("PV du 12 mars.odt") == _sha(t),
                        timeout=WAIT)
    qtbot.waitUntil(lambda: page.select_file("PV du 12 mars.odt") and page.versions.isEnabled(), timeout=WAIT)
    qtbot.mouseClick(page.versions, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    from desktop.bank.dialogs import VersionsDialog
    assert isinstance(dialog, VersionsDialog)
    qtbot.waitUntil(lambda: dialog.list.topLevelItemCount() == 2, timeout=WAIT)
    assert [v.version for v in dialog.versions] == [2, 1]
    assert dialog.list.topLevelItem(1).text(2) == "alice"
    dialog.list.setCurrentItem(dialog.list.topLevelItem(0))
    assert not dialog.restore.isEnabled()  # the newest already is what everyone has
    dialog.list.setCurrentItem(dialog.list.topLevelItem(1))
    qtbot.mouseClick(dialog.restore, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "rétablie" in dialog.status.text(), timeout=WAIT)
    assert path.read_bytes() == b"premier jet"
    assert _server_files(server, folder_id)["PV du 12 mars.odt"] == _sha(b"premier jet")
    qtbot.waitUntil(lambda: dialog.list.topLevelItemCount() == 3, timeout=WAIT)  # the history stays


def test_share_dialog_adds_a_member(qtbot: QtBot, open_window: Opener, server: Server) -> None:
    folder_id = _new_folder(server, "Urbanisme", ["bob"])
    window = open_window("alice", server.url)
    page = _page(qtbot, window, 1)
    qtbot.mouseClick(page.share, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    from desktop.bank.dialogs import ShareFolderDialog
    assert isinstance(dialog, ShareFolderDialog)
    qtbot.waitUntil(lambda: dialog.members.topLevelItemCount() == 2, timeout=WAIT)
    dialog.user.setText("carole")
    dialog.role.setCurrentIndex(dialog.role.findData("reader"))
    qtbot.mouseClick(dialog.add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.members.topLevelItemCount() == 3, timeout=WAIT)
    with _api(server) as client:
        members = client.get(f"/api/files/folders/{folder_id}/members").json()["members"]
    assert {m["username"]: m["role"] for m in members}["carole"] == "reader"
    assert "carole" in dialog.status.text()

    # An unknown person: the server's refusal is shown, nothing changes.
    dialog.user.setText("personne")
    qtbot.mouseClick(dialog.add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=WAIT)
    assert dialog.members.topLevelItemCount() == 3


def test_offline_local_works_and_network_actions_say_unreachable(qtbot: QtBot, open_window: Opener,
                                                                 tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_window("alice", unreachable_account=True)
    conn = connection(window)
    FilesStore(conn).save_listing([{"id": "a" * 32, "name": "Urbanisme", "role": "owner"},
                                   {"id": "b" * 32, "name": "Élus", "role": "reader"}])
    page = _page(qtbot, window, 2)
    qtbot.waitUntil(lambda: page.server_note.isVisible(), timeout=WAIT)  # the list is the one kept here

    where = tmp_path / "PC" / "Urbanisme"
    where.mkdir(parents=True)
    (where / "plan.odt").write_bytes(b"deja la")
    _synced(qtbot, page, monkeypatch, "a" * 32, where)  # choosing a folder needs no network
    qtbot.waitUntil(lambda: page.file_state("plan.odt") == "pending", timeout=WAIT)
    assert page.folder_state(page.selected_folder())[0] == "1 en attente"  # type: ignore[arg-type]
    st = (where / "plan.odt").stat()
    with transaction(conn):  # as a sync before the network went away would have left it
        FilesStore(conn).put_entry(Entry("a" * 32, "plan.odt", "c" * 32, 1, _sha(b"deja la"), st.st_size,
                                         st.st_mtime_ns))
    page.refresh()
    qtbot.waitUntil(lambda: page.file_state("plan.odt") == "synced", timeout=WAIT)

    new = page.new_folder()
    new.name.setText("Voirie")
    qtbot.mouseClick(new.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: new.error.isVisible(), timeout=WAIT)
    assert "injoignable" in new.error.text()
    assert new.isVisible()
    new.reject()

    share = page.share_folder()
    assert share is not None
    qtbot.waitUntil(lambda: share.error.isVisible(), timeout=WAIT)
    assert "injoignable" in share.error.text()
    share.reject()

    assert page.select_file("plan.odt")
    versions = page.show_versions()
    assert versions is not None
    qtbot.waitUntil(lambda: versions.error.isVisible(), timeout=WAIT)
    assert "injoignable" in versions.error.text()
    versions.reject()
    assert {f.name: f.local_path for f in FilesStore(conn).folders()} == {"Urbanisme": str(where.resolve()),
                                                                          "Élus": None}


def test_transfers_shown_from_a_snapshot(qtbot: QtBot) -> None:
    assert speed_text(3.2 * 1024 ** 2) == "3,2 Mo/s"
    assert speed_text(512) == "512 octets/s"
    started = time.monotonic() - 4.0
    running = Transfer("f", "Plans/PLU.pdf", "up", 40 * 1024 ** 2, 12 * 1024 ** 2, started)
    assert progress_text(running).startswith("12,0 Mo / 40,0 Mo · ")
    snapshot = [running, Transfer("f", "photo.jpg", "down", 1000, 1000, started, finished=True)]
    view = TransfersView(lambda: snapshot)
    qtbot.addWidget(view)
    view.poll()
    assert list(view.rows) == [("f", "Plans/PLU.pdf", "up")]
    name, bar, detail = view.rows[("f", "Plans/PLU.pdf", "up")]
    assert name.text() == "↑ Plans/PLU.pdf" and bar.value() == 300 and "Mo/s" in detail.text()
    assert not view.isHidden()
    snapshot[0] = Transfer("f", "Plans/PLU.pdf", "up", 40 * 1024 ** 2, 40 * 1024 ** 2, started, finished=True)
    view.poll()
    assert view.rows == {} and view.isHidden()
