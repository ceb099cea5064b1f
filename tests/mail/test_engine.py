"""Mail inside the engine's round: after documents and chat, with its counters in the report; a
mail failure is an error of the round and stops nothing else. And the store's reading side:
threads, sorting, paging, forgetting an account."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage import outbox
from storage.db import set_secret, transaction
from storage.docs import DocStore
from storage.mail import MailStore
from storage.vault import Vault
from sync.engine import Engine
from sync.errors import Unreachable
from tests.mail.tools import add_account, message, sync
from tests.mailservers import MailServers, MailUser, free_port
from tests.sync.conftest import world


def test_round_syncs_documents_chat_and_mail_and_a_mail_failure_stops_nothing(
        tmp_path: Path, mail_servers: MailServers, mail_user: MailUser) -> None:
    mail_servers.dovecot.populate(mail_user.name, [message(1, "Convocation")])

    async def scenario() -> None:
        async with world(tmp_path) as w:
            vault = w.profiles["alice"]
            account = add_account(vault, mail_servers, mail_user)
            engine = Engine(vault.conn, w.transport)
            docs = DocStore(vault.conn)
            docs.create("Procès-verbal")
            report = await engine.sync_once()
            assert report.errors == [] and report.documents == 1 and report.mail_received == 1
            assert engine.status.online and engine.status.last_error is None
            # The mail server goes away: documents still sync; the round reports the mail error.
            vault.conn.execute("UPDATE mail_accounts SET imap_port = ? WHERE id = ?", (free_port(), account))
            store = MailStore(vault.conn)
            store.set_seen([store.search("convocation")[0].id], True)
            docs.create("Ordre du jour")
            report = await engine.sync_once()
            assert report.documents >= 1 and isinstance(report.mail_error, Unreachable)
            assert len(report.errors) == 1 and "Messagerie" in report.errors[0]
            assert engine.status.pending == {"mail": 1} and "refuse la connexion" in (engine.status.last_error or "")
            assert outbox.counts(vault.conn) == {"mail": 1}

    asyncio.run(scenario())


def test_mail_only_profile_syncs_without_a_sovereign_server(vault: Vault, mail_servers: MailServers,
                                                           mail_user: MailUser) -> None:
    mail_servers.dovecot.populate(mail_user.name, [message(1)])
    add_account(vault, mail_servers, mail_user)
    report = asyncio.run(Engine(vault.conn).sync_once())
    assert report.errors == [] and report.mail_received == 1 and report.documents == 0


def test_threads_sort_paging_and_forgetting_an_account(vault: Vault, mail_servers: MailServers,
                                                       mail_user: MailUser) -> None:
    mail_servers.dovecot.populate(mail_user.name, [
        message(1, "Travaux rue Haute", days_ago=5, message_id="<root@x>", sender="Zoé <zoe@example.test>"),
        message(2, "Re: Travaux rue Haute", days_ago=4, refs="<root@x>", sender="Alain <alain@example.test>"),
        message(3, "RE: Travaux rue Haute", days_ago=3, sender="Bruno <bruno@example.test>"),  # no References
        message(4, "Budget", days_ago=2, sender="Chloé <chloe@example.test>"),
    ])
    account = add_account(vault, mail_servers, mail_user)
    sync(vault)
    store = MailStore(vault.conn)
    inbox = store.special_folder(account, "inbox")
    assert inbox is not None
    listed = {m.subject: m for m in store.messages(inbox.id)}
    assert listed["Re: Travaux rue Haute"].thread == listed["Travaux rue Haute"].thread == "<root@x>"
    assert listed["RE: Travaux rue Haute"].thread == "<root@x>"  # joined by its subject
    assert listed["Budget"].thread != "<root@x>"
    assert [m.sender for m in store.messages(inbox.id, sort="sender", descending=False)] == [
        "Alain", "Bruno", "Chloé", "Zoé"]
    assert [m.subject for m in store.messages(inbox.id, sort="date", descending=False, limit=2, offset=1)] == [
        "Re: Travaux rue Haute", "RE: Travaux rue Haute"]
    assert store.known_addresses("zo") == ["Zoé <zoe@example.test>"]
    store.remove_account(account)
    assert store.accounts() == [] and store.search("travaux") == []
    assert vault.conn.execute("SELECT count(*) FROM mail_messages").fetchone()[0] == 0
    assert vault.conn.execute("SELECT count(*) FROM search_index WHERE kind = 'mail'").fetchone()[0] == 0


def test_mail_still_comes_when_the_sovereign_server_is_out_of_reach(vault: Vault, mail_servers: MailServers,
                                                                     mail_user: MailUser) -> None:
    """A field agent whose Parvis server is down, but whose mail server answers, gets mail."""
    with transaction(vault.conn):
        row = vault.conn.execute("INSERT INTO accounts(server_url, username) VALUES (?, ?)",
                                 (f"http://127.0.0.1:{free_port()}", mail_user.name))
        set_secret(vault.conn, f"token:{row.lastrowid}", "jeton")
    mail_servers.dovecot.populate(mail_user.name, [message(1, "Coupure d'eau rue Haute")])
    add_account(vault, mail_servers, mail_user)
    with pytest.raises(Unreachable):
        asyncio.run(Engine(vault.conn).sync_once())
    assert [m.subject for m in MailStore(vault.conn).search("coupure")] == ["Coupure d'eau rue Haute"]
