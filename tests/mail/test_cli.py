"""`parvis mail …` as a user types it (a subprocess per command), against the test Dovecot and
submission server; and the port detection of `mail account add`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.errors import AuthFailed, Unreachable
from sync.mail.detect import candidates, check_imap, check_smtp, split_host
from sync.mail.imap import CertificateRejected
from tests.e2e.cli import Profile
from tests.mail.tools import message, server_subjects
from tests.mailservers import MailServers, MailUser, free_port


def test_probe_order() -> None:
    assert candidates("imap", None, None) == [(993, "tls"), (143, "starttls")]
    assert candidates("smtp", None, None) == [(465, "tls"), (587, "starttls")]
    assert candidates("imap", None, "starttls") == [(143, "starttls")]
    assert candidates("smtp", None, "tls") == [(465, "tls")]
    assert candidates("smtp", 587, None) == [(587, "starttls")]
    assert candidates("imap", 10993, None) == [(10993, "tls"), (10993, "starttls")]
    assert candidates("imap", 10143, "plain") == [(10143, "plain")]
    assert split_host("mail.mairie.fr:993") == ("mail.mairie.fr", 993)
    assert split_host("[::1]:143") == ("::1", 143) and split_host("mail.mairie.fr") == ("mail.mairie.fr", None)


def test_detection_tries_the_usual_pairs_in_order(mail_servers: MailServers, mail_user: MailUser) -> None:
    dovecot, submission, ca = mail_servers.dovecot, mail_servers.submission, str(mail_servers.ca_file)
    closed = free_port()
    # As on a real server: 993/TLS closed here, 143 with STARTTLS answers.
    found = check_imap(dovecot.host, [(closed, "tls"), (dovecot.imap_port, "starttls")], mail_user.name,
                       mail_user.password, ca)
    assert (found.port, found.security) == (dovecot.imap_port, "starttls")
    # TLS spoken to a port that expects STARTTLS fails the handshake: the next pair is tried.
    found = check_imap(dovecot.host, [(dovecot.imap_port, "tls"), (dovecot.imaps_port, "tls")], mail_user.name,
                       mail_user.password, ca)
    assert found.port == dovecot.imaps_port
    found = check_smtp(submission.host, [(closed, "tls"), (submission.starttls_port, "starttls")], mail_user.name,
                       mail_user.password, ca)
    assert found.port == submission.starttls_port
    assert check_smtp(submission.host, [(submission.smtps_port, "tls")], mail_user.name, mail_user.password,
                      ca).security == "tls"
    # A refused password or an untrusted certificate is the answer: no other port is tried.
    with pytest.raises(AuthFailed, match="Identifiant ou mot de passe refusé par le serveur de messagerie"):
        check_imap(dovecot.host, [(dovecot.imaps_port, "tls"), (closed, "tls")], mail_user.name, "faux", ca)
    with pytest.raises(AuthFailed, match="serveur d'envoi"):
        check_smtp(submission.host, [(submission.smtps_port, "tls")], mail_user.name, "faux", ca)
    with pytest.raises(CertificateRejected):
        check_imap(dovecot.host, [(dovecot.imaps_port, "tls"), (dovecot.imap_port, "starttls")], mail_user.name,
                   mail_user.password)
    with pytest.raises(Unreachable, match="refuse la connexion"):
        check_imap(dovecot.host, [(closed, "tls"), (free_port(), "starttls")], mail_user.name, mail_user.password)


@pytest.fixture
def profile(tmp_path: Path, mail_user: MailUser) -> Profile:
    p = Profile(tmp_path / "profile", mail_user.password)
    p.run("init")
    return p


def _add(profile: Profile, servers: MailServers, user: MailUser, *extra: str) -> str:
    dovecot, submission = servers.dovecot, servers.submission
    return profile.run("mail", "account", "add", "--imap", f"{dovecot.host}:{dovecot.imaps_port}", "--smtp",
                       f"{submission.host}:{submission.smtps_port}", "--user", user.name, "--address", user.address,
                       "--security", "tls", "--ca-file", str(servers.ca_file), *extra).stdout


def test_cli_account_errors(profile: Profile, mail_servers: MailServers, mail_user: MailUser) -> None:
    dovecot = mail_servers.dovecot
    base = ["mail", "account", "add", "--user", mail_user.name, "--address", mail_user.address]
    wrong = Profile(profile.folder, "pas-le-bon")
    result = wrong.run(*base, "--imap", f"{dovecot.host}:{dovecot.imaps_port}", "--ca-file",
                       str(mail_servers.ca_file), check=False)
    assert result.returncode == 1 and "Identifiant ou mot de passe refusé" in result.stderr
    result = profile.run(*base, "--imap", f"{dovecot.host}:{dovecot.imaps_port}", check=False)
    assert result.returncode == 2 and "--ca-file" in result.stderr and "intactes" in result.stderr
    result = profile.run(*base, "--imap", "imap.nulle-part.invalid", "--security", "tls", check=False)
    assert result.returncode == 2 and "est inconnu" in result.stderr
    assert "Aucun compte" in profile.run("mail", "folders", check=False).stderr


def test_cli_mail_session(profile: Profile, mail_servers: MailServers, mail_user: MailUser) -> None:
    mail_servers.dovecot.populate(mail_user.name, [
        message(1, "Ordre du jour", "Point 1 : budget", attachment=("budget.ods", b"tableur")),
        message(2, "Compte rendu", "Rien de neuf")])
    mail_servers.dovecot.create_folder(mail_user.name, "Archive", "\\Archive")
    out = _add(profile, mail_servers, mail_user)
    assert f"Compte de messagerie {mail_user.address} ajouté" in out and "(TLS)" in out
    assert "2 courriel(s) reçu(s)" in profile.run("sync").stdout
    folders = json.loads(profile.run("mail", "folders", "--json").stdout)
    assert [f["display"] for f in folders][:2] == ["Boîte de réception", "Brouillons"]
    listed = json.loads(profile.run("mail", "list", "--json").stdout)
    assert [m["subject"] for m in listed] == ["Compte rendu", "Ordre du jour"]
    assert "Ordre du jour" in profile.run("mail", "list", "INBOX", "--limit", "5").stdout
    first = next(m for m in listed if m["subject"] == "Ordre du jour")
    shown = profile.run("mail", "show", str(first["id"])).stdout
    assert "Objet : Ordre du jour" in shown and "Point 1 : budget" in shown and "[0] budget.ods" in shown
    found = profile.run("mail", "search", "budget").stdout
    assert "Ordre du jour" in found and "Boîte de réception" in found
    assert "Ordre du jour" in profile.run("search", "budget").stdout

    # Offline changes, then a sync applies them on the server.
    other = next(m for m in listed if m["subject"] == "Compte rendu")
    profile.run("mail", "flag", str(first["id"]), "--seen", "--flagged")
    profile.run("mail", "move", str(other["id"]), "Archives")
    assert "mail 3" in profile.run("status").stdout
    assert "suivi" in profile.run("mail", "list").stdout
    assert "Synchronisé" in profile.run("sync").stdout
    assert "En attente : rien" in profile.run("status").stdout
    inbox = server_subjects(mail_servers, mail_user)
    assert [(s, f) for s, f in inbox.values()] == [("Ordre du jour", {b"\\Seen", b"\\Flagged"})]
    assert [s for s, _ in server_subjects(mail_servers, mail_user, "Archive").values()] == ["Compte rendu"]
    profile.run("mail", "delete", str(first["id"]))
    profile.run("sync")
    assert server_subjects(mail_servers, mail_user) == {}
    assert [s for s, _ in server_subjects(mail_servers, mail_user, "Trash").values()] == ["Ordre du jour"]
    bad = profile.run("mail", "flag", "999999", "--seen", check=False)
    assert bad.returncode == 1 and "introuvable" in bad.stderr


def test_cli_sync_exits_2_when_the_mail_server_is_down(profile: Profile, mail_servers: MailServers,
                                                       mail_user: MailUser) -> None:
    _add(profile, mail_servers, mail_user)
    from storage.vault import Vault
    from tests.e2e.cli import PASSPHRASE

    vault = Vault.open(profile.folder, lambda: PASSPHRASE)
    vault.conn.execute("UPDATE mail_accounts SET imap_port = ?", (free_port(),))
    vault.close()
    result = profile.run("sync", check=False)
    assert result.returncode == 2 and "refuse la connexion" in result.stderr
