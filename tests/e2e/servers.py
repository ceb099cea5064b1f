"""A real `parvis-server` in a subprocess, for end-to-end tests: free port, start and stop,
accounts, login. No fixtures here: each test module wraps these in the scope it needs."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

START_TIMEOUT = 20.0


def executable(name: str) -> str:
    """Return the path of a console script of this project: next to the running interpreter
    (the virtualenv's bin), else on PATH."""
    candidate = Path(sys.executable).with_name(name)
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} introuvable : installez le projet (make test).")
    return found


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop a server process: SIGTERM, then SIGKILL if it is still there after 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def wait_ready(process: subprocess.Popen[bytes], ask: Callable[[], httpx.Response],
               ready: Callable[[httpx.Response], bool], timeout: float, pause: float = 0.05) -> str | None:
    """Ask a starting server until its answer is `ready`, it exits, or `timeout` s pass. Return
    None once ready, else why not (the caller says it in its own words): the process's exit, or
    its last answer or error."""
    deadline = time.monotonic() + timeout
    problem = "pas de réponse"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"arrêté ({process.returncode})"
        try:
            response = ask()
            if ready(response):
                return None
            problem = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            problem = str(exc) or type(exc).__name__
        time.sleep(pause)
    return problem


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    data: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """Base URL of the y-websocket endpoint; a client appends `/{doc_id}`."""
        return f"ws://127.0.0.1:{self.port}/yjs"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        stop_process(self.process)


def run_server_cli(data: Path, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `parvis-server ARGS --data DATA` (PARVIS_PASSWORD set when `password` is given);
    raises with its output when it fails."""
    env = dict(os.environ)
    if password is not None:
        env["PARVIS_PASSWORD"] = password
    result = subprocess.run([executable("parvis-server"), *args, "--data", str(data)], env=env,
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError(f"parvis-server {' '.join(args)} a échoué ({result.returncode}) :\n"
                             f"{result.stdout}{result.stderr}")
    return result


def add_user(data: Path, name: str, password: str) -> None:
    run_server_cli(data, "user", "add", name, password=password)


def start_server(data: Path, timeout: float = START_TIMEOUT, port: int | None = None) -> Server:
    """Start `parvis-server serve` on a free port of 127.0.0.1 and return once /healthz answers
    200; `port` restarts a server where its clients expect it. Its output goes to
    `data`/../server-PORT.log (shown if it does not come up)."""
    data.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log = data.parent / f"server-{port}.log"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [executable("parvis-server"), "serve", "--data", str(data), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
        )
    server = Server(process, port, data, log)
    problem = wait_ready(process, lambda: httpx.get(f"{server.url}/healthz", timeout=1.0),
                         lambda r: r.status_code == 200, timeout)
    if problem is None:
        return server
    if process.poll() is not None:
        raise AssertionError(f"parvis-server s'est arrêté ({process.returncode}) :\n{server.output()}")
    server.stop()
    raise AssertionError(f"parvis-server ne répond pas sur /healthz après {timeout} s ({problem}) :\n"
                         f"{server.output()}")


def login(server: Server, username: str, password: str) -> str:
    """Return a bearer token for `username`."""
    response = httpx.post(f"{server.url}/api/login", json={"username": username, "password": password},
                          timeout=10.0)
    assert response.status_code == 200, f"login {username}: {response.status_code} {response.text}"
    return str(response.json()["token"])


def api(server: Server, token: str) -> httpx.Client:
    """A client for the server's HTTP API, authenticated with `token` (close it, or use `with`)."""
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10.0)


class Link:
    """A TCP relay on a free loopback port to `target_port`, whose network can be cut: one
    client goes offline while the server stays up for the others. `cut()` drops every open
    connection and refuses new ones until `restore()`. Threads; `close()` stops them."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._up = True
        self._closed = False
        threading.Thread(target=self._accept, name="link-accept", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self) -> None:
        with self._lock:
            self._up = False
            for sock in self._open:
                _shut(sock)
            self._open.clear()

    def restore(self) -> None:
        with self._lock:
            self._up = True

    def close(self) -> None:
        self.cut()
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                up = self._up
            if not up:
                _shut(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                _shut(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), name="link-pump", daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                _shut(sock)
            with self._lock:
                self._open -= {source, sink}


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
