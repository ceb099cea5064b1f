"""Mail sync against the real Dovecot: first sync, incremental sync, the no-change sync, a
UIDVALIDITY change, bodies on demand, new mail while online."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from storage.db import set_setting, transaction
from storage.mail import MailStore
from storage.vault import Vault
from sync.mail import fetch_body, wait_for_new_mail
from tests.mail.tools import Recorder, add_account, message, other_client, server_subjects, sync
from tests.mailservers import MailServers, MailUser


def test_first_sync_lists_special_folders_headers_and_recent_bodies(
        vault: Vault, mail_servers: MailServers, mail_user: MailUser) -> None:
    dovecot = mail_servers.dovecot
    dovecot.populate(mail_user.name, [message(1, "Récent", "Texte récent", days_ago=2),
                                      message(2, "Ancien", "Texte ancien", days_ago=90),
                                      message(3, "Avec pièce", "Voir la pièce", days_ago=1,
                                                attachment=("délibération.pdf", b"%PDF-1.4 contenu"))])
    dovecot.create_folder(mail_user.name, "Archive", "\\Archive")
    dovecot.create_folder(mail_user.name, "Dossiers/Élus")
    account = add_account(vault, mail_servers, mail_user)
    report = sync(vault)
    assert report.errors == [] and report.received == 3 and report.bodies == 2
    store = MailStore(vault.conn)
    folders = {f.name: f for f in store.folders(account)}
    assert {n: f.special for n, f in folders.items()} == {
        "INBOX": "inbox", "Sent": "sent", "Drafts": "drafts", "Trash": "trash", "Junk": "junk", "Archive": "archive",
        "Dossiers": None, "Dossiers/Élus": None}
    assert folders["INBOX"].display == "Boîte de réception" and folders["Trash"].display == "Corbeille"
    assert folders["Dossiers/Élus"].display == "Dossiers/Élus"  # modified UTF-7 decoded
    assert [f.special for f in store.folders(account)][:2] == ["inbox", "drafts"]
    inbox = store.special_folder(account, "inbox")
    assert inbox is not None and (inbox.total, inbox.unread) == (3, 3)
    listed = {m.subject: m for m in store.messages(inbox.id)}
    assert [m.subject for m in store.messages(inbox.id)] == ["Avec pièce", "Récent", "Ancien"]  # newest first
    assert listed["Récent"].has_body and listed["Avec pièce"].has_body and not listed["Ancien"].has_body
    assert listed["Avec pièce"].has_attachments and not listed["Récent"].has_attachments
    assert listed["Ancien"].sender == "Camille Dupont" and listed["Ancien"].sender_address == "camille@example.test"
    assert listed["Récent"].snippet == "Texte récent"
    old = store.message(listed["Ancien"].id)
    assert old is not None and old.text is None and old.from_ == "Camille Dupont <camille@example.test>"
    with_file = store.message(listed["Avec pièce"].id)
    assert with_file is not None and with_file.text == "Voir la pièce\n"
    assert [(a.name, a.size) for a in with_file.attachments] == [("délibération.pdf", 16)]
    assert store.attachment_data(listed["Avec pièce"].id, 0) == ("délibération.pdf", "application/octet-stream",
                                                                 b"%PDF-1.4 contenu")
    # Attachment names of a message whose body is not here come from its BODYSTRUCTURE.
    assert [m.subject for m in store.search("délibération")] == ["Avec pièce"]
    assert [m.subject for m in store.messages(inbox.id, search="ancien")] == ["Ancien"]
    assert store.known_addresses("cam") == ["Camille Dupont <camille@example.test>"]
    assert store.known_addresses("dup") == ["Camille Dupont <camille@example.test>"]


def test_headers_only_setting_and_body_on_demand(vault: Vault, mail_servers: MailServers, mail_user: MailUser) -> None:
    mail_servers.dovecot.populate(mail_user.name, [message(1, "Sans corps", "Le texte complet", days_ago=0.1)])
    add_account(vault, mail_servers, mail_user)
    with transaction(vault.conn):
        set_setting(vault.conn, "mail.body_days", "0")
    report = sync(vault)
    assert report.received == 1 and report.bodies == 0
    store = MailStore(vault.conn)
    summary = store.search("sans corps")[0]
    assert not summary.has_body and store.raw(summary.id) is None
    body = asyncio.run(fetch_body(vault.conn, summary.id))
    assert body.text == "Le texte complet\n" and body.summary.has_body
    assert store.raw(summary.id) is not None and store.search("complet")[0].id == summary.id
    # Opening does not mark it read on the server (BODY.PEEK).
    assert all(b"\\Seen" not in flags for _, flags in server_subjects(mail_servers, mail_user).values())


def test_incremental_sync_new_mail_flags_and_expunges_from_another_client(
        vault: Vault, mail_servers: MailServers, mail_user: MailUser) -> None:
    mail_servers.dovecot.populate(mail_user.name, [message(i) for i in range(1, 6)])
    account = add_account(vault, mail_servers, mail_user)
    sync(vault)
    store = MailStore(vault.conn)
    inbox = store.special_folder(account, "inbox")
    assert inbox is not None and inbox.total == 5
    mail_servers.dovecot.deliver(mail_user.address, message(6, "Nouveau").raw)
    with other_client(mail_servers, mail_user) as client:
        client.select_folder("INBOX")
        uids = {v[b"ENVELOPE"].subject.decode(): uid for uid, v in client.fetch(client.search(), ["ENVELOPE"]).items()}
        client.add_flags([uids["Message 1"]], [b"\\Seen", b"\\Flagged"])
        client.delete_messages([uids["Message 2"]])
        client.expunge()
    report = sync(vault)
    assert (report.received, report.expunged) == (1, 1) and report.errors == []
    listed = {m.subject: m for m in store.messages(inbox.id)}
    assert set(listed) == {"Message 1", "Message 3", "Message 4", "Message 5", "Nouveau"}
    assert listed["Message 1"].seen and listed["Message 1"].flagged and not listed["Message 3"].seen
    assert store.folder(inbox.id).unread == 4
    # And back: unflagged elsewhere.
    with other_client(mail_servers, mail_user) as client:
        client.select_folder("INBOX")
        client.remove_flags([uids["Message 1"]], [b"\\Flagged"])
    sync(vault)
    assert not store.summary(listed["Message 1"].id).flagged  # type: ignore[union-attr]


def test_no_change_sync_sends_no_select_and_no_fetch(vault: Vault, mail_servers: MailServers,
                                                     mail_user: MailUser) -> None:
    mail_servers.dovecot.populate(mail_user.name, [message(i, days_ago=60) for i in range(1000)])
    add_account(vault, mail_servers, mail_user)
    started = time.perf_counter()
    first = sync(vault)
    first_took = time.perf_counter() - started
    assert first.received == 1000
    recorder = Recorder()
    started = time.perf_counter()
    report = sync(vault, recorder)
    took = time.perf_counter() - started
    assert report.received == report.flags == report.expunged == 0
    verbs = set(recorder.commands)
    assert not {v for v in verbs if "FETCH" in v or "SEARCH" in v or v in ("SELECT", "EXAMINE")}, verbs
    assert verbs <= {"LOGIN", "CAPABILITY", "ENABLE", "LIST", "STATUS", "LOGOUT"}, verbs
    print(f"first sync of 1000 headers: {first_took:.2f} s; no-change sync: {took * 1000:.0f} ms")
    assert took < 1.0


def test_uidvalidity_change_drops_the_cache_and_fetches_again(vault: Vault, mail_servers: MailServers,
                                                               mail_user: MailUser) -> None:
    mail_servers.dovecot.populate(mail_user.name, [message(i) for i in range(1, 4)])
    account = add_account(vault, mail_servers, mail_user)
    sync(vault)
    store = MailStore(vault.conn)
    inbox = store.special_folder(account, "inbox")
    assert inbox is not None
    before = {m.subject: m.uid for m in store.messages(inbox.id)}
    # A flag changed offline on a message whose numbering will change: dropped, with a note.
    store.set_flagged([store.messages(inbox.id)[0].id], True)
    old, new = mail_servers.dovecot.uidvalidity_change(mail_user.name)
    mail_servers.dovecot.populate(mail_user.name, [message(4, "Après migration")])
    report = sync(vault)
    assert report.errors == []
    assert any("renuméroté" in n for n in report.notes)
    after = store.messages(inbox.id)
    assert sorted(m.subject for m in after) == ["Après migration", "Message 1", "Message 2", "Message 3"]
    assert len({m.uid for m in after}) == 4 and store.pending_actions() == []
    row = vault.conn.execute("SELECT uidvalidity FROM mail_folders WHERE id = ?", (inbox.id,)).fetchone()
    assert row[0] == new != old and before  # the folder's cache is now of the new numbering
    assert sync(vault).received == 0


def test_wait_for_new_mail_returns_when_a_message_arrives(vault: Vault, mail_servers: MailServers,
                                                          mail_user: MailUser) -> None:
    account_id = add_account(vault, mail_servers, mail_user)
    store = MailStore(vault.conn)
    account, password = store.account(account_id), store.password(account_id)

    async def scenario() -> tuple[bool, float, bool]:
        waiting = asyncio.create_task(wait_for_new_mail(account, password, timeout=20))
        await asyncio.sleep(0.5)
        started = time.perf_counter()
        await asyncio.to_thread(mail_servers.dovecot.deliver, mail_user.address, message(1, "Arrivé").raw)
        arrived = await waiting
        delay = time.perf_counter() - started
        quiet = await wait_for_new_mail(account, password, timeout=1.0)
        return arrived, delay, quiet

    arrived, delay, quiet = asyncio.run(scenario())
    assert arrived and delay < 5 and not quiet


def test_profile_folder_holds_no_plaintext_of_mail(tmp_path: Path, mail_servers: MailServers,
                                                  mail_user: MailUser) -> None:
    from tests.conftest import PASSPHRASE
    from tests.storage.test_no_plaintext import leaks

    secrets = ["Objet Ornithorynque confidentiel", "Corps Quetzalcoatl secret", "Annexe Zygomatique"]
    mail_servers.dovecot.populate(mail_user.name, [
        message(1, secrets[0], secrets[1], attachment=("annexe.txt", secrets[2].encode()))])
    folder = tmp_path / "profile"
    vault = Vault.create(folder, PASSPHRASE)
    add_account(vault, mail_servers, mail_user)
    assert sync(vault).bodies == 1
    store = MailStore(vault.conn)
    assert store.search("quetzalcoatl") and store.search("ornithorynque")
    assert leaks(folder, secrets + [mail_user.password]) == []
    vault.close()
    assert leaks(folder, secrets + [mail_user.password]) == []
