"""Actions made offline (flags, move, delete) replayed on the real Dovecot: applied once, checked
with another client; conflicts settled with a note, never a crash."""

from __future__ import annotations

import pytest

from storage import outbox
from storage.mail import MAIL_DELETE, MAIL_FLAGS, MAIL_MOVE, MailStore
from storage.vault import Vault
from sync.mail import actions
from tests.mail.tools import add_account, message, other_client, server_subjects, sync
from tests.mailservers import MailServers, MailUser


def _setup(vault: Vault, servers: MailServers, user: MailUser, count: int = 4) -> tuple[MailStore, int, dict[str, int]]:
    servers.dovecot.populate(user.name, [message(i) for i in range(1, count + 1)])
    servers.dovecot.create_folder(user.name, "Archive", "\\Archive")
    account = add_account(vault, servers, user)
    assert sync(vault).errors == []
    store = MailStore(vault.conn)
    inbox = store.special_folder(account, "inbox")
    assert inbox is not None
    return store, account, {m.subject: m.id for m in store.messages(inbox.id)}


def _folder(store: MailStore, account: int, kind: str) -> int:
    folder = store.special_folder(account, kind)
    assert folder is not None
    return folder.id


def test_offline_flags_move_and_delete_apply_at_once_then_on_the_server(
        vault: Vault, mail_servers: MailServers, mail_user: MailUser) -> None:
    store, account, ids = _setup(vault, mail_servers, mail_user)
    inbox, archive, trash = (_folder(store, account, k) for k in ("inbox", "archive", "trash"))
    # Offline: nothing below touches the network.
    assert store.set_seen([ids["Message 1"], ids["Message 2"]], True) == 2
    store.set_flagged([ids["Message 1"]], True)
    store.set_answered(ids["Message 2"])
    store.move([ids["Message 3"]], archive)
    store.delete([ids["Message 4"]])
    assert {m.subject for m in store.messages(inbox)} == {"Message 1", "Message 2"}
    assert [m.subject for m in store.messages(archive)] == ["Message 3"]
    assert [m.subject for m in store.messages(trash)] == ["Message 4"]
    first = store.summary(ids["Message 1"])
    assert first is not None and first.seen and first.flagged and first.pending
    assert store.folder(inbox).unread == 0
    assert outbox.counts(vault.conn) == {"mail": 6}
    assert {e.kind for e in store.pending_actions()} == {MAIL_FLAGS, MAIL_MOVE}

    report = sync(vault)
    assert report.errors == [] and report.notes == [] and report.actions == 6
    assert store.pending_actions() == [] and not any(m.pending for m in store.messages(inbox))
    on_server = {s: f for s, f in server_subjects(mail_servers, mail_user).values()}
    assert on_server == {"Message 1": {b"\\Seen", b"\\Flagged"}, "Message 2": {b"\\Seen", b"\\Answered"}}
    assert [s for s, _ in server_subjects(mail_servers, mail_user, "Archive").values()] == ["Message 3"]
    assert [s for s, _ in server_subjects(mail_servers, mail_user, "Trash").values()] == ["Message 4"]
    # The moved messages know their new UIDs: the next sync brings no copy of them.
    again = sync(vault)
    assert (again.received, again.actions) == (0, 0)
    assert [m.subject for m in store.messages(archive)] == ["Message 3"]
    assert [m.subject for m in store.messages(trash)] == ["Message 4"]

    # Deleting in the Trash deletes for good.
    store.delete([store.messages(trash)[0].id])
    assert store.messages(trash) == []
    assert sync(vault).errors == []
    assert server_subjects(mail_servers, mail_user, "Trash") == {}
    assert store.messages(trash) == [] and store.pending_actions() == []


def test_a_move_back_before_the_sync_leaves_nothing_to_do(vault: Vault, mail_servers: MailServers,
                                                          mail_user: MailUser) -> None:
    store, account, ids = _setup(vault, mail_servers, mail_user, 1)
    inbox, archive, junk = (_folder(store, account, k) for k in ("inbox", "archive", "junk"))
    store.move([ids["Message 1"]], archive)
    store.move([ids["Message 1"]], junk)
    assert len(store.pending_actions()) == 1  # one move per message: the last destination
    store.move([ids["Message 1"]], inbox)
    assert store.pending_actions() == [] and not store.summary(ids["Message 1"]).pending  # type: ignore[union-attr]
    assert sync(vault).actions == 0
    assert [s for s, _ in server_subjects(mail_servers, mail_user).values()] == ["Message 1"]


def test_replay_cut_after_the_server_applied_it_has_no_second_effect(
        vault: Vault, mail_servers: MailServers, mail_user: MailUser, monkeypatch: pytest.MonkeyPatch) -> None:
    store, account, ids = _setup(vault, mail_servers, mail_user, 2)
    archive = _folder(store, account, "archive")
    store.set_flagged([ids["Message 1"]], True)
    store.move([ids["Message 1"], ids["Message 2"]], archive)
    placed = actions._placed

    def crash(*args: object) -> None:  # the process dies after the server moved them
        raise RuntimeError("coupure")

    monkeypatch.setattr(actions, "_placed", crash)
    with pytest.raises(RuntimeError):
        sync(vault)
    assert [e.kind for e in store.pending_actions()] == [MAIL_MOVE, MAIL_MOVE]  # the flag went first
    monkeypatch.setattr(actions, "_placed", placed)
    report = sync(vault)
    assert report.errors == [] and report.notes == []
    archived = server_subjects(mail_servers, mail_user, "Archive")
    assert sorted((s, b"\\Flagged" in f) for s, f in archived.values()) == [("Message 1", True),
                                                                             ("Message 2", False)]  # once each
    assert server_subjects(mail_servers, mail_user) == {}
    assert sorted(m.subject for m in store.messages(archive)) == ["Message 1", "Message 2"]
    assert {m.uid for m in store.messages(archive)} == set(archived)
    assert sync(vault).received == 0 and len(store.messages(archive)) == 2


def test_move_of_a_message_deleted_on_the_server_is_dropped_with_a_note(
        vault: Vault, mail_servers: MailServers, mail_user: MailUser) -> None:
    store, account, ids = _setup(vault, mail_servers, mail_user, 3)
    inbox, archive = _folder(store, account, "inbox"), _folder(store, account, "archive")
    store.move([ids["Message 1"]], archive)
    store.set_seen([ids["Message 2"]], True)
    with other_client(mail_servers, mail_user) as client:  # meanwhile, on the webmail
        client.select_folder("INBOX")
        by_subject = {v[b"ENVELOPE"].subject.decode(): uid
                      for uid, v in client.fetch(client.search(), ["ENVELOPE"]).items()}
        client.delete_messages([by_subject["Message 1"], by_subject["Message 2"]])
        client.expunge()
    report = sync(vault)
    assert report.errors == []
    assert any("Message 1" in n and "supprimé sur le serveur" in n for n in report.notes)
    assert store.messages(archive) == [] and server_subjects(mail_servers, mail_user, "Archive") == {}
    assert [m.subject for m in store.messages(inbox)] == ["Message 3"]  # the flagged one vanished too
    assert store.pending_actions() == [] and outbox.counts(vault.conn) == {}


def test_flags_on_messages_expunged_during_the_same_round_never_crash(
        vault: Vault, mail_servers: MailServers, mail_user: MailUser) -> None:
    store, account, ids = _setup(vault, mail_servers, mail_user, 2)
    store.set_flagged(list(ids.values()), True)
    store.delete([ids["Message 2"]])
    with other_client(mail_servers, mail_user) as client:
        client.select_folder("INBOX")
        client.delete_messages(client.search())
        client.expunge()
    report = sync(vault)
    assert report.errors == [] and store.pending_actions() == []
    assert store.messages(_folder(store, account, "inbox")) == []
    assert store.messages(_folder(store, account, "trash")) == []


def test_permanent_delete_is_queued_and_replayed(vault: Vault, mail_servers: MailServers,
                                                 mail_user: MailUser) -> None:
    store, account, ids = _setup(vault, mail_servers, mail_user, 2)
    vault.conn.execute("UPDATE mail_folders SET special = NULL WHERE special = 'trash'")  # an account without Trash
    store.delete([ids["Message 1"]])
    assert [e.kind for e in store.pending_actions()] == [MAIL_DELETE]
    assert store.summary(ids["Message 1"]) is None
    assert sync(vault).errors == []
    assert [s for s, _ in server_subjects(mail_servers, mail_user).values()] == ["Message 2"]


def test_move_into_a_folder_deleted_on_the_server_leaves_the_message_in_place(
        vault: Vault, mail_servers: MailServers, mail_user: MailUser) -> None:
    store, account, ids = _setup(vault, mail_servers, mail_user, 1)
    store.move([ids["Message 1"]], _folder(store, account, "archive"))
    with other_client(mail_servers, mail_user) as client:
        client.delete_folder("Archive")
    report = sync(vault)
    assert report.errors == [] and any("Archive" in n for n in report.notes)
    assert [m.subject for m in store.messages(_folder(store, account, "inbox"))] == ["Message 1"]
    assert store.special_folder(account, "archive") is None and store.pending_actions() == []
    assert [s for s, _ in server_subjects(mail_servers, mail_user).values()] == ["Message 1"]
