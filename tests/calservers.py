"""A real CalDAV server for the calendar tests and benchmarks, on a free loopback port.

- `Radicale`: Radicale 3.9 standalone (`python -m radicale`) in a subprocess, with an htpasswd
  file of plain passwords (`--auth-delay 0`: a wrong password costs no time), `owner_only`
  rights and its collections in a temporary folder. `add_user()` appends to the htpasswd file,
  which Radicale re-reads when it changes (size and mtime): no restart.
- `make_calendar(url, user, name)`: a calendar made by a stock `caldav` client.

Everything stops at `stop()` and at interpreter exit. No pytest here: bench/ imports this module
too.
"""

from __future__ import annotations

import atexit
import itertools
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx
from caldav.davclient import DAVClient
from caldav.elements import ical

from tests.e2e.servers import free_port, stop_process, wait_ready

HOST = "127.0.0.1"
START_TIMEOUT = 20.0

_counter = itertools.count(1)
_live: set[Radicale] = set()


@dataclass(frozen=True)
class CalUser:
    name: str
    password: str


class Radicale:
    """One standalone Radicale. `start(tmp_dir)` (or `start()`: a folder of its own, removed by
    `stop()`), then `add_user()`; `restart()` keeps the port, the users and the collections."""

    def __init__(self) -> None:
        self.port = 0
        self.users: dict[str, CalUser] = {}
        self.directory = Path()
        self._own_directory = False
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    # -- life cycle -----------------------------------------------------------------------------

    def start(self, tmp_dir: Path | None = None) -> Self:
        if self.port:
            raise RuntimeError("Radicale déjà démarré : restart() pour le relancer")
        if tmp_dir is None:
            self.directory = Path(tempfile.mkdtemp(prefix="parvis-radicale-"))
            self._own_directory = True
        else:
            self.directory = Path(tmp_dir).absolute() / f"radicale-{next(_counter)}"
            self.directory.mkdir(parents=True)
        self.htpasswd.touch()
        self.port = free_port()
        self._launch()
        _live.add(self)
        return self

    @property
    def url(self) -> str:
        """The server's root URL (a client discovers the user's calendars from there)."""
        return f"http://{HOST}:{self.port}/"

    @property
    def htpasswd(self) -> Path:
        return self.directory / "htpasswd"

    @property
    def collections(self) -> Path:
        return self.directory / "collections"

    @property
    def log_file(self) -> Path:
        return self.directory / "radicale.log"

    def log(self) -> str:
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        self._terminate()
        _live.discard(self)
        if self._own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)
            self._own_directory = False

    def restart(self) -> None:
        """Stop if running, then start again on the same port with the same users and data."""
        if not self.port:
            raise RuntimeError("Radicale jamais démarré : start() d'abord")
        self._terminate()
        self._launch()
        _live.add(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _terminate(self) -> None:
        if self._process is not None:
            stop_process(self._process)

    def _launch(self) -> None:
        command = [
            sys.executable, "-m", "radicale", "--config", "",
            "--server-hosts", f"{HOST}:{self.port}",
            "--storage-filesystem-folder", str(self.collections),
            "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(self.htpasswd),
            "--auth-htpasswd-encryption", "plain", "--auth-delay", "0",
            "--rights-type", "owner_only", "--web-type", "none",
        ]
        with self.log_file.open("ab") as out:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out,
                                             stderr=subprocess.STDOUT)
        problem = wait_ready(self._process, lambda: httpx.request("OPTIONS", self.url, timeout=1.0),
                             lambda r: r.status_code < 500, START_TIMEOUT, pause=0.02)
        if problem is None:
            return
        if self._process.poll() is not None:
            raise RuntimeError(f"Radicale s'est arrêté ({self._process.returncode}) :\n{self.log()[-4000:]}")
        self._terminate()
        raise RuntimeError(f"Radicale ne répond pas après {START_TIMEOUT} s ({problem}) :\n{self.log()[-4000:]}")

    # -- users and calendars --------------------------------------------------------------------

    def add_user(self, name: str | None = None, password: str | None = None) -> CalUser:
        """A new user, known at once to the running server (it re-reads the htpasswd file when
        its size or mtime changes)."""
        with self._lock:
            name = name or f"user{next(_counter)}"
            if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name) or name in self.users:
                raise ValueError(f"nom d'utilisateur invalide ou déjà pris : {name!r}")
            password = password or secrets.token_urlsafe(12)
            if ":" in password or "\n" in password:
                raise ValueError("le mot de passe ne peut contenir ni ':' ni saut de ligne")
            user = CalUser(name, password)
            self.users[name] = user
            lines = "".join(f"{u.name}:{u.password}\n" for u in self.users.values())
            staging = self.htpasswd.with_name(".htpasswd.new")
            staging.write_text(lines, encoding="utf-8")
            staging.replace(self.htpasswd)  # a new inode: a new mtime even within one tick
            return user

    def client(self, user: CalUser) -> DAVClient:
        """A stock `caldav` client for `user` (close it, or use `with`)."""
        return DAVClient(url=self.url, username=user.name, password=user.password)

    def make_calendar(self, user: CalUser, name: str, color: str | None = None) -> str:
        """Create a calendar of `user` named `name` (colour "#RRGGBB" if given); return its URL."""
        return make_calendar(self.url, user.name, user.password, name, color)


def make_calendar(url: str, username: str, password: str, name: str, color: str | None = None) -> str:
    """Create a calendar with a stock `caldav` client (MKCALENDAR under the user's calendar
    home, discovered from `url`); return its URL."""
    with DAVClient(url=url, username=username, password=password) as client:
        calendar = client.principal().make_calendar(name=name)
        if color is not None:
            calendar.set_properties([ical.CalendarColor(color)])
        return str(calendar.url)


@atexit.register
def _stop_all() -> None:
    for server in list(_live):
        server.stop()
