"""Real mail servers for the mail tests and benchmarks, on free loopback ports.

- `Dovecot`: Debian's `dovecot` (scripts/system-deps.sh test|bench) in a subprocess with its own
  config, base_dir and passwd-file: IMAP (plain, STARTTLS offered), IMAPS (implicit TLS) and LMTP.
  Maildirs in a temporary folder; every user has INBOX, Sent, Drafts, Trash and Junk with their
  SPECIAL-USE flags (and Archive, \\Archive, once created).
- `Submission`: an aiosmtpd SMTP submission server (threads) with STARTTLS, SMTPS and plain ports,
  AUTH against Dovecot's users, relaying to Dovecot's LMTP.
- `MailServers`: both, sharing one throwaway CA (trustme) whose PEM is `ca_file`.

Everything stops at `stop()`, at interpreter exit, and (Dovecot, when started from the main
thread) when the process that started it dies. No pytest here: bench/ imports this module too.
"""

from __future__ import annotations

import asyncio
import atexit
import email.utils
import imaplib
import itertools
import os
import re
import secrets
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imapclient import imap_utf7

from tests.e2e.servers import free_port

HOST = "127.0.0.1"
DOMAIN = "example.test"
START_TIMEOUT = 15.0
# Folders every user has (created on first access and subscribed), with their SPECIAL-USE flag.
SPECIAL_FOLDERS = {"Sent": "\\Sent", "Drafts": "\\Drafts", "Trash": "\\Trash", "Junk": "\\Junk"}
# Known to the config with its flag, but only present once created (create_folder).
OPTIONAL_SPECIAL_FOLDERS = {"Archive": "\\Archive"}
SEPARATOR = "/"
MAILDIR_FLAGS = {"\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S", "\\Deleted": "T"}

_counter = itertools.count(1)
_live: set[Dovecot | Submission] = set()


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if found is None:
        raise FileNotFoundError(f"{name} introuvable : installez Dovecot (./scripts/system-deps.sh test).")
    return found


@dataclass(frozen=True)
class MailUser:
    name: str
    password: str
    address: str


@dataclass(frozen=True)
class MaildirMessage:
    """A message for `Dovecot.populate`: IMAP system flags (\\Seen…) and keywords ($Forwarded…);
    `date` is the INTERNALDATE (default: the Date header, else now)."""

    raw: bytes
    flags: tuple[str, ...] = ()
    date: datetime | None = None


class Certificates:
    """A throwaway CA (trustme) and a server certificate for 127.0.0.1, localhost and
    mail.example.test, written as PEM files into `directory`."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._ca = trustme.CA(organization_name="Parvis test CA")
        self._cert = self._ca.issue_cert(HOST, "localhost", f"mail.{DOMAIN}")
        self.ca_file = directory / "ca.pem"
        self.cert_file = directory / "server-cert.pem"
        self.key_file = directory / "server-key.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_file))
        self._cert.cert_chain_pems[0].write_to_path(str(self.cert_file))
        for pem in self._cert.cert_chain_pems[1:]:
            pem.write_to_path(str(self.cert_file), append=True)
        self._cert.private_key_pem.write_to_path(str(self.key_file))
        self.key_file.chmod(0o600)
        for path in (self.ca_file, self.cert_file):
            path.chmod(0o644)

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(ctx)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """An SSL context that trusts this CA (and only it)."""
        return ssl.create_default_context(cafile=str(self.ca_file))


class Dovecot:
    """One Dovecot instance. `start(tmp_dir)`, then `add_user()`; `stop()` (about 1 s), `kill()`
    (SIGKILL of every Dovecot process: connections drop) and `restart()` (same ports, same mail).

    As root, mail belongs to the `dovecot` system user (Dovecot refuses root), which must reach
    the files: if a parent of `tmp_dir` is closed to others (pytest's and mkdtemp's are 0700),
    the data goes to a folder of the system temporary folder instead, linked from `tmp_dir` and
    removed by `stop()`. As another user, everything runs as that user, in `tmp_dir`."""

    def __init__(self, certificates: Certificates | None = None, domain: str = DOMAIN) -> None:
        self.domain = domain
        self.host = HOST
        self.users: dict[str, MailUser] = {}
        self._certificates = certificates
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._file_counter = itertools.count()
        self._epoch = int(time.time())
        self.instance = f"parvis-{os.getpid()}-{next(_counter)}"
        self.directory = self._link = Path()
        self._own_directory = False
        self._group_alive = False
        self.imap_port = self.imaps_port = self.lmtp_port = 0

    # -- life cycle -----------------------------------------------------------------------------

    def start(self, tmp_dir: Path) -> Self:
        if self.imap_port:
            raise RuntimeError("Dovecot déjà démarré : restart() pour le relancer")
        self._link = link = Path(tmp_dir).absolute() / self.instance
        link.parent.mkdir(parents=True, exist_ok=True)
        self._root = os.geteuid() == 0
        if self._root:
            import pwd

            entry = pwd.getpwnam("dovecot")
            self.uid, self.gid = entry.pw_uid, entry.pw_gid
        else:
            self.uid, self.gid = os.getuid(), os.getgid()
        parent = link.parent.resolve()
        closed = self._root and not all(p.stat().st_mode & 0o001 for p in (parent, *parent.parents))
        # base_dir holds unix sockets, whose paths must stay under 108 bytes
        if closed or len(str(link / "run" / "login" / "imap-urlauth-login")) > 100:
            self.directory = Path(tempfile.mkdtemp(prefix=f"{self.instance}-"))
            self._own_directory = True
            link.symlink_to(self.directory)
        else:
            self.directory = link
            self.directory.mkdir()
        self.directory.chmod(0o711)
        for sub in ("run", "state", "home", "users"):
            (self.directory / sub).mkdir()
        (self.directory / "users").chmod(0o711)
        if self._root:
            os.chown(self.directory / "home", self.uid, self.gid)
        if self._certificates is None:
            self._certificates = Certificates(self.directory / "tls")
        self.imap_port, self.imaps_port, self.lmtp_port = free_port(), free_port(), free_port()
        self.config_file.write_text(self._config(), encoding="utf-8")
        self._launch()
        _live.add(self)
        return self

    @property
    def ca_file(self) -> Path:
        assert self._certificates is not None, "Dovecot non démarré"
        return self._certificates.ca_file

    @property
    def certificates(self) -> Certificates:
        assert self._certificates is not None, "Dovecot non démarré"
        return self._certificates

    @property
    def config_file(self) -> Path:
        return self.directory / "dovecot.conf"

    @property
    def log_file(self) -> Path:
        return self.directory / "dovecot.log"

    def log(self) -> str:
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """SIGTERM, then wait (Dovecot takes about a second to stop)."""
        self._terminate()
        _live.discard(self)
        if self._own_directory:  # keep the logs where the caller looks
            self._link.unlink(missing_ok=True)
            self._link.mkdir(exist_ok=True)
            for name in ("dovecot.log", "dovecot.stderr"):
                if (self.directory / name).exists():
                    shutil.copyfile(self.directory / name, self._link / name)
            shutil.rmtree(self.directory, ignore_errors=True)
            self._own_directory = False

    def _terminate(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()  # the master stops its children, then itself
            try:
                process.wait(10)
                self._group_alive = False
            except subprocess.TimeoutExpired:
                pass
        self._kill_group(wait=False)

    def kill(self) -> None:
        """SIGKILL the master and every process it started: open connections drop at once."""
        self._kill_group(wait=True)

    def restart(self) -> None:
        """Stop if running (gracefully; `kill()` first for a quick one), then start again on the
        same ports with the same users and mail."""
        if not self.imap_port:
            raise RuntimeError("Dovecot jamais démarré : start(tmp_dir) d'abord")
        if self.running:
            self._terminate()
        else:
            self._kill_group(wait=True)
        self._launch()
        _live.add(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _launch(self) -> None:
        (self.directory / "run" / "master.pid").unlink(missing_ok=True)
        command = [_binary("dovecot"), "-F", "-c", str(self.config_file)]
        setpriv = shutil.which("setpriv")
        if setpriv and threading.current_thread() is threading.main_thread():
            # Dies with us: the parent-death signal belongs to the thread that forks it.
            command = [setpriv, "--pdeathsig", "TERM", *command]
        with (self.directory / "dovecot.stderr").open("ab") as stderr:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                             stderr=stderr, start_new_session=True)
        self._group_alive = True
        self._wait_for_greeting()

    def _wait_for_greeting(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        problem = "pas de réponse"
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                self._failed(f"Dovecot s'est arrêté ({self._process.returncode})")
            try:
                with socket.create_connection((HOST, self.imap_port), timeout=2) as s:
                    greeting = s.makefile("rb").readline()
                if greeting.startswith(b"* OK"):
                    return
                problem = repr(greeting)
            except OSError as exc:
                problem = str(exc)
            time.sleep(0.02)
        self._kill_group(wait=True)
        self._failed(f"pas de salut IMAP après {START_TIMEOUT} s ({problem})")

    def _failed(self, message: str) -> None:
        stderr = (self.directory / "dovecot.stderr").read_text(errors="replace")
        raise RuntimeError(f"{message} :\n{stderr}\n{self.log()[-4000:]}")

    def _kill_group(self, wait: bool) -> None:
        process = self._process
        if process is None or not self._group_alive:
            return
        try:  # its own session: the master and all its children
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if process.poll() is None:
            process.kill()
        process.wait(10)
        self._group_alive = False
        if wait:  # orphaned children die too, but their listening sockets close a moment later
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and any(
                _accepts(port) for port in (self.imap_port, self.imaps_port, self.lmtp_port)
            ):
                time.sleep(0.01)

    def _config(self) -> str:
        d = self.directory
        assert self._certificates is not None
        special = "".join(
            f"  mailbox {name} {{\n    special_use = {flag}\n    auto = subscribe\n  }}\n"
            for name, flag in SPECIAL_FOLDERS.items()
        ) + "".join(
            f"  mailbox {name} {{\n    special_use = {flag}\n    auto = no\n  }}\n"
            for name, flag in OPTIONAL_SPECIAL_FOLDERS.items()
        )
        unprivileged = ""
        chroot = "" if self._root else "  chroot =\n"  # chroot needs root
        if not self._root:
            import grp
            import pwd

            user = pwd.getpwuid(self.uid).pw_name
            group = grp.getgrgid(self.gid).gr_name
            unprivileged = f"""default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
"""
        return f"""# Written by tests/mailservers.py
instance_name = {self.instance}
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap lmtp
listen = {HOST}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes
first_valid_uid = {self.uid}
last_valid_uid = {self.uid}
mail_location = maildir:~/Maildir
mail_fsync = never
mail_max_userip_connections = 100
ssl = yes
ssl_cert = <{self._certificates.cert_file}
ssl_key = <{self._certificates.key_file}
namespace inbox {{
  inbox = yes
  separator = {SEPARATOR}
{special}}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {d}/users/%n
}}
userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={d}/home/%n
}}
protocol lmtp {{
  auth_username_format = %n
}}
{unprivileged}service imap-login {{
{chroot}  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    port = {self.lmtp_port}
  }}
}}
# No auth penalty: after a failed login from 127.0.0.1 (every test's address), the next login
# would wait 2 to 15 s. A failed login still answers after 0.5 s (auth_failure_delay = 0).
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
{chroot}}}
"""

    # -- users and mail -------------------------------------------------------------------------

    def add_user(self, name: str | None = None, password: str | None = None) -> MailUser:
        """A new user (picked up by the running server: passwd-file changes are read at once)."""
        with self._lock:
            name = name or f"user{next(_counter)}"
            if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name) or name in self.users:
                raise ValueError(f"nom d'utilisateur invalide ou déjà pris : {name!r}")
            password = password or secrets.token_urlsafe(12)
            if ":" in password or "\n" in password:
                raise ValueError("le mot de passe ne peut contenir ni ':' ni saut de ligne")
            user = MailUser(name, password, f"{name}@{self.domain}")
            self.users[name] = user
            # One passwd-file per user: Dovecot looks at a given file at most once a second, so
            # a user added to a shared file just after a login would stay unknown for a while.
            path = self.directory / "users" / name
            staging = path.with_name(f".{name}.new")
            staging.write_text(f"{name}:{{PLAIN}}{password}::::::\n", encoding="utf-8")
            staging.chmod(0o644)
            staging.replace(path)
            return user

    def user(self, login: str) -> MailUser | None:
        """The user for a login name or an address of our domain (as Dovecot's %n does)."""
        local, _, domain = login.partition("@")
        if domain and domain.lower() != self.domain:
            return None
        return self.users.get(local)

    def home(self, name: str) -> Path:
        return self.directory / "home" / name

    def maildir(self, name: str, folder: str = "INBOX") -> Path:
        """The Maildir++ directory of `folder` ("INBOX", "Sent", "Archives/2024"…)."""
        root = self.home(name) / "Maildir"
        if folder.upper() == "INBOX":
            return root
        on_disk = imap_utf7.encode(folder).decode("ascii").replace(SEPARATOR, ".")
        return root / f".{on_disk}"

    def deliver(self, address: str, raw: bytes, mail_from: str = f"sender@{DOMAIN}") -> None:
        """Deliver `raw` to `address` through Dovecot's LMTP (raises smtplib errors)."""
        with smtplib.LMTP(HOST, self.lmtp_port, timeout=30) as lmtp:
            lmtp.sendmail(mail_from, [address], raw)

    def imap(self, user: MailUser) -> imaplib.IMAP4_SSL:
        """A logged-in stdlib IMAPS client (for helpers and tests)."""
        client = imaplib.IMAP4_SSL(HOST, self.imaps_port, ssl_context=self.certificates.client_context(),
                                   timeout=30)
        client.login(user.name, user.password)
        return client

    def create_folder(self, name: str, folder: str, special_use: str | None = None) -> None:
        """Create and subscribe `folder` over IMAP (no error if it exists). `special_use`:
        Sent/Drafts/Trash/Junk carry theirs already, and Archive gets \\Archive; another flag
        can only go on a folder whose name the config knows (ValueError otherwise)."""
        known = {**SPECIAL_FOLDERS, **OPTIONAL_SPECIAL_FOLDERS}
        if special_use is not None and known.get(folder, "").lower() != special_use.lower():
            raise ValueError(f"{folder!r} ne peut pas porter {special_use} : dossiers spéciaux connus {known}")
        client = self.imap(self.users[name])
        try:
            encoded = '"' + imap_utf7.encode(folder).decode("ascii").replace("\\", "\\\\") + '"'
            client.list()  # creates the auto folders
            if not self.maildir(name, folder).is_dir():
                typ, data = client.create(encoded)
                if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(d for d in data if isinstance(d, bytes)):
                    raise RuntimeError(f"CREATE {folder}: {typ} {data}")
            client.subscribe(encoded)
        finally:
            client.logout()

    def populate(self, name: str, messages: Iterable[bytes | MaildirMessage], folder: str = "INBOX",
                 flags: Iterable[str] = ()) -> int:
        """Write `messages` straight into the user's maildir, one file each and no IMAP (10,000 in
        0.2 s on tmpfs, 2 to 4 s on a busy disk: file creation is the cost);
        `flags` apply to plain bytes. Dovecot numbers them in this order at its next look at the
        folder (and, as for any new message, the first session to see them gets \\Recent).
        Returns how many were written."""
        directory = self.maildir(name, folder)
        if not (directory / "cur").is_dir():
            if folder.upper() == "INBOX":
                self._make_maildir(self.home(name), self.home(name) / "Maildir")
            else:
                self.create_folder(name, folder)
                if not (directory / "cur").is_dir():  # created lazily by Dovecot: do it here
                    self._make_maildir(self.home(name), directory)
        default_flags = tuple(flags)
        keywords = _read_keywords(directory / "dovecot-keywords")
        keywords_before = dict(keywords)
        cur = os.open(directory / "cur", os.O_RDONLY | os.O_DIRECTORY)
        try:
            count = self._write_messages(cur, messages, default_flags, keywords)
        finally:
            os.close(cur)
        if keywords != keywords_before:
            keywords_file = directory / "dovecot-keywords"
            keywords_file.write_text("".join(f"{i} {k}\n" for k, i in keywords.items()), encoding="utf-8")
            if self._root:
                os.chown(keywords_file, self.uid, self.gid)
        return count

    def _write_messages(self, cur: int, messages: Iterable[bytes | MaildirMessage], default_flags: tuple[str, ...],
                        keywords: dict[str, int]) -> int:
        pid = os.getpid()
        count = 0
        now = time.time()
        for item in messages:
            message = item if isinstance(item, MaildirMessage) else MaildirMessage(item, default_flags)
            letters = []
            for flag in message.flags:
                if flag.startswith("\\"):
                    if flag.title() not in MAILDIR_FLAGS:
                        raise ValueError(f"drapeau système inconnu : {flag}")
                    letters.append(MAILDIR_FLAGS[flag.title()])
                else:
                    if flag not in keywords:
                        index = max(keywords.values(), default=-1) + 1
                        if index >= 26:
                            raise ValueError("plus de 26 mots-clés dans un maildir")
                        keywords[flag] = index
                    letters.append(chr(ord("a") + keywords[flag]))
            n = next(self._file_counter)
            # Dovecot numbers new files sorted by the seconds then the microseconds of their name
            # (not in directory order): this keeps the order of `messages`.
            base = f"{self._epoch + n // 1_000_000}.M{n % 1_000_000}P{pid}Q{n}.parvis"
            name = f"{base},S={len(message.raw)}:2,{''.join(sorted(set(letters)))}"
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=cur)
            try:
                view = memoryview(message.raw)
                while view:
                    view = view[os.write(fd, view):]
                stamp = message.date.timestamp() if message.date else _date_header(message.raw) or now
                os.utime(fd, (stamp, stamp))
                if self._root:
                    os.fchown(fd, self.uid, self.gid)
            finally:
                os.close(fd)
            count += 1
        return count

    def uidvalidity_change(self, name: str, folder: str = "INBOX") -> tuple[int, int]:
        """Give `folder` a new UIDVALIDITY, as after a server migration: the user's sessions
        are kicked, the folder's uidlist and indexes deleted, so Dovecot rebuilds them with a
        new UIDVALIDITY and numbers the messages again from 1 (flags kept: they are in the file
        names). Returns (old, new) UIDVALIDITY."""
        user = self.users[name]
        old = self._uidvalidity(user, folder)
        self.doveadm("kick", name)
        directory = self.maildir(name, folder)
        root = self.home(name) / "Maildir"
        for path in [*directory.glob("dovecot-uidlist*"), *directory.glob("dovecot.index*"),
                     *root.glob("dovecot.list.index*")]:
            path.unlink(missing_ok=True)
        new = self._uidvalidity(user, folder)
        if new == old:
            raise RuntimeError(f"UIDVALIDITY de {folder} inchangée ({old})")
        return old, new

    def _uidvalidity(self, user: MailUser, folder: str) -> int:
        client = self.imap(user)
        try:
            typ, _ = client.select('"' + imap_utf7.encode(folder).decode("ascii") + '"', readonly=True)
            if typ != "OK":
                raise RuntimeError(f"EXAMINE {folder}: {typ}")
            _, data = client.response("UIDVALIDITY")
            assert data and data[0] is not None
            return int(data[0])
        finally:
            client.logout()

    def doveadm(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `doveadm ARGS` against this instance (its output; the return code is not checked:
        `kick` answers 68 when nobody was connected)."""
        return subprocess.run([_binary("doveadm"), "-c", str(self.config_file), *args],
                              capture_output=True, text=True, timeout=30)

    def _make_maildir(self, home: Path, directory: Path) -> None:
        created = []
        for path in (home, home / "Maildir", directory, directory / "cur", directory / "new", directory / "tmp"):
            if not path.exists():
                path.mkdir(mode=0o700)
                created.append(path)
        if directory != home / "Maildir" and not (directory / "maildirfolder").exists():
            (directory / "maildirfolder").touch()
            created.append(directory / "maildirfolder")
        if self._root:
            for path in created:
                os.chown(path, self.uid, self.gid)


class _Relay:
    """aiosmtpd handler: recipients of our domain must exist (550 otherwise) and are delivered
    over LMTP at DATA; other domains are accepted and only recorded (an outside world sink)."""

    def __init__(self, submission: Submission) -> None:
        self.submission = submission

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        dovecot = self.submission.dovecot
        _, _, domain = address.rpartition("@")
        if domain.lower() == dovecot.domain and dovecot.user(address) is None:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        dovecot = self.submission.dovecot
        raw = envelope.original_content or b""
        local = [a for a in envelope.rcpt_tos if a.rpartition("@")[2].lower() == dovecot.domain]
        if local:
            try:
                await asyncio.get_running_loop().run_in_executor(None, self._lmtp, envelope.mail_from or "", local, raw)
            except smtplib.SMTPRecipientsRefused as exc:
                code, message = next(iter(exc.recipients.values()))
                return f"{code} {_text(message)}"
            except smtplib.SMTPResponseException as exc:
                return f"{exc.smtp_code} {_text(exc.smtp_error)}"
            except OSError as exc:
                return f"451 4.4.1 Dovecot LMTP injoignable : {exc}"
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.submission.messages.append(Submitted(envelope.mail_from or "", list(envelope.rcpt_tos), raw, login))
        return "250 2.0.0 OK: queued"

    def _lmtp(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        with smtplib.LMTP(HOST, self.submission.dovecot.lmtp_port, timeout=30) as lmtp:
            refused = lmtp.sendmail(mail_from, rcpt_tos, raw)
        if refused:  # some recipients only: the message is partly delivered, report the first
            raise smtplib.SMTPRecipientsRefused(refused)


@dataclass
class Submitted:
    """A message accepted by `Submission` (delivered to local recipients, recorded for all)."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    login: str | None


class Submission:
    """aiosmtpd submission on three loopback ports: `starttls_port` (587-style: STARTTLS
    required, AUTH only after it), `smtps_port` (465-style implicit TLS) and `plain_port` (no
    TLS, AUTH in clear: loopback only). AUTH PLAIN/LOGIN with Dovecot's users (535 otherwise).
    `messages`: what it accepted, in order."""

    def __init__(self, dovecot: Dovecot) -> None:
        self.dovecot = dovecot
        self.host = HOST
        self.starttls_port = self.smtps_port = self.plain_port = 0
        self.messages: list[Submitted] = []
        self._controllers: list[Controller] = []

    def start(self) -> Self:
        context = self.dovecot.certificates.server_context()
        common: dict[str, Any] = dict(
            hostname=HOST, server_hostname=f"mail.{self.dovecot.domain}", authenticator=self._authenticate,
            auth_required=True, ready_timeout=10,  # no SMTPUTF8: Dovecot's LMTP does not offer it
        )
        handler = _Relay(self)
        for attribute, extra in (
            ("starttls_port", dict(tls_context=context, require_starttls=True, auth_require_tls=True)),
            ("smtps_port", dict(ssl_context=context, auth_require_tls=False)),  # already TLS
            ("plain_port", dict(auth_require_tls=False)),
        ):
            port = free_port()
            controller = _Controller(handler, port=port, **common, **extra)
            controller.start()
            self._controllers.append(controller)
            setattr(self, attribute, port)
        _live.add(self)
        return self

    def stop(self) -> None:
        while self._controllers:
            self._controllers.pop().stop()
        _live.discard(self)

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user = self.dovecot.user(auth_data.login.decode(errors="replace"))
            if user is not None and secrets.compare_digest(auth_data.password, user.password.encode()):
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)


class _Smtp(SMTP):
    """AUTH required without aiosmtpd's warning at every connection when the port does not
    require STARTTLS (SMTPS is TLS from the start; the plain port is loopback only)."""

    def __init__(self, handler: Any, *, auth_required: bool = False, **kwargs: Any) -> None:
        super().__init__(handler, auth_required=False, **kwargs)
        self._auth_required = auth_required


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _Smtp(self.handler, **self.SMTP_kwargs)


class MailServers:
    """Dovecot and the submission server, sharing one CA: `start(tmp_dir)` … `stop()`."""

    def __init__(self) -> None:
        self.dovecot = Dovecot()
        self.submission = Submission(self.dovecot)

    def start(self, tmp_dir: Path) -> Self:
        try:
            self.dovecot.start(tmp_dir)
            self.submission.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.submission.stop()
        self.dovecot.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def ca_file(self) -> Path:
        return self.dovecot.ca_file

    def add_user(self, name: str | None = None, password: str | None = None) -> MailUser:
        return self.dovecot.add_user(name, password)


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _read_keywords(path: Path) -> dict[str, int]:
    keywords: dict[str, int] = {}
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            index, _, keyword = line.partition(" ")
            if index.isdigit() and keyword:
                keywords[keyword] = int(index)
    except FileNotFoundError:
        pass
    return keywords


_DATE = re.compile(rb"^Date:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def _date_header(raw: bytes) -> float | None:
    header = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    match = _DATE.search(header)
    if match is None:
        return None
    try:
        return email.utils.parsedate_to_datetime(match.group(1).decode("ascii", "replace").strip()).timestamp()
    except (TypeError, ValueError):
        return None


@atexit.register
def _stop_all() -> None:
    for server in list(_live):
        try:
            server.stop()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
