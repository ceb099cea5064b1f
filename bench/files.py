"""Document bank benchmarks against a real `parvis-server` on loopback (`tests/e2e/servers.py`),
with full Parvis clients (each its own encrypted profile, `sync.files.sync_files`):

- the initial sync of 10,000 small files (1 to 4 Kio, in 100 subfolders): the upload by a PC
  whose folder already holds them, then the download by a second PC into an empty folder;
  then a round with nothing new (what the engine does every 30 s, and after each wake);
- upload and download throughput of one large file (256 Mio; 64 Mio with --quick; any size
  with PARVIS_BENCH_FILES_MIB=N), through the resumable upload session, against a raw HTTP
  copy of the same bytes on the same machine, as a ratio: the transfer itself, and the whole
  sync round around it (which also finds the change: the scan hashes the new file);
- the CPU used by the watcher (watchdog, `sync.files.watch.FolderWatcher`) on the folder of
  10,000 files while nothing changes.

Everything lives in a temporary folder of $TMPDIR (the real disk, as a server's `--data`
would), removed at the end; servers listen on free ports of 127.0.0.1 and are stopped even
on failure.

Run alone with `python -m bench.files [--quick] [--json]`; `make bench` includes it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from storage.vault import Vault
from sync import account as accounts
from sync import files
from sync.docs import relax_durability
from sync.files import FilesReport, Transfers
from sync.files.watch import FolderWatcher
from tests.e2e.servers import Server, add_user, free_port, start_server, stop_process, wait_ready

from .report import Line, standalone

PASSPHRASE = "banc d'essai"
PASSWORD = "banc-d-essai"
OWNER, MEMBER = "agent1", "agent2"
MIB = 1024 * 1024
BLOCK = MIB  # the raw copy reads its files by 1 Mio
ROOT = Path(__file__).resolve().parent.parent


# -- Parvis clients ------------------------------------------------------------------------


@contextmanager
def _parvis_server(tmp: Path) -> Iterator[Server]:
    data = tmp / "serveur-parvis"
    for user in (OWNER, MEMBER):
        add_user(data, user, PASSWORD)
    server = start_server(data)
    try:
        yield server
    finally:
        server.stop()


class _Pc:
    """One user's PC: a profile signed in to the server, as the running app's sync thread has
    it (its connection's durability relaxed, like the engine's). `spans` holds, for each
    transfer that finished, when it started and ended (time.monotonic)."""

    def __init__(self, tmp: Path, name: str, server: Server, user: str) -> None:
        self.user = user
        self.vault = Vault.create(tmp / f"profil-{name}", PASSPHRASE)
        relax_durability(self.vault.conn)
        asyncio.run(accounts.sign_in(self.vault.conn, server.url, user, PASSWORD))
        self.transfers = Transfers()
        self.spans: list[tuple[float, float]] = []
        self.transfers.listeners.append(
            lambda t: self.spans.append((t.started, time.monotonic())) if t.finished else None)

    def call(self, step: Callable[[httpx.AsyncClient], Any]) -> Any:
        async def run() -> Any:
            async with accounts.client(self.vault.conn) as client:
                return await step(client)

        return asyncio.run(run())

    def sync(self) -> tuple[FilesReport, float]:
        """One files round (`sync_files`, as the engine runs it); returns it and its seconds.
        Raises RuntimeError when the round reports an error: its figure would mean nothing."""
        t0 = time.perf_counter()
        report: FilesReport = self.call(lambda c: files.sync_files(c, self.vault.conn, self.user, self.transfers))
        seconds = time.perf_counter() - t0
        if report.errors:
            raise RuntimeError("synchronisation en erreur : " + "; ".join(report.errors[:5]))
        return report, seconds

    def share_folder(self, name: str, root: Path) -> str:
        """Create a shared folder owned by this user with MEMBER as editor, sync it into
        `root`; returns its id."""
        folder = self.call(lambda c: files.create_folder(c, self.vault.conn, name, [MEMBER]))
        files.choose_folder(self.vault.conn, folder.id, root, self.vault.folder)
        return str(folder.id)

    def join_folder(self, folder_id: str, root: Path) -> None:
        self.call(lambda c: files.refresh_folders(c, self.vault.conn))
        files.choose_folder(self.vault.conn, folder_id, root, self.vault.folder)

    def close(self) -> None:
        self.vault.close()


def _small_files(root: Path, n: int, folders: int = 100) -> int:
    """Write `n` files of 1 to 4 Kio of random bytes in `folders` subfolders; return their bytes."""
    rng = random.Random(8)
    total = 0
    for i in range(n):
        path = root / f"service-{i % folders:03d}" / f"piece-{i:05d}.odt"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = rng.randbytes(rng.randint(1024, 4096))
        path.write_bytes(data)
        total += len(data)
    return total


# -- 1 and 3: 10,000 small files, then watching them ---------------------------------------


def small_files_figures(tmp: Path, server: Server, n: int, idle_s: float) -> dict[str, float]:
    """Initial sync of `n` small files (upload, then download by a second PC), a round with
    nothing new, then the watcher's CPU on the uploader's folder for `idle_s` seconds."""
    a, b = _Pc(tmp, "A", server, OWNER), _Pc(tmp, "B", server, MEMBER)
    try:
        root_a, root_b = tmp / "PC-A" / "Services", tmp / "PC-B" / "Services"
        total = _small_files(root_a, n)
        folder_id = a.share_folder("Services", root_a)
        b.join_folder(folder_id, root_b)
        os.sync()
        up, up_s = a.sync()
        down, down_s = b.sync()
        _, again_s = a.sync()
        if (up.up, down.down) != (n, n):
            raise RuntimeError(f"synchronisation incomplète : {up.up} envoyés, {down.down} reçus sur {n}")
        idle = idle_figures(root_a, folder_id, idle_s)
    finally:
        a.close()
        b.close()
    return {"files": n, "bytes": total, "up_s": up_s, "down_s": down_s, "up_per_s": n / up_s,
            "down_per_s": n / down_s, "no_change_s": again_s, **idle}


def idle_figures(root: Path, folder_id: str, seconds: float) -> dict[str, float]:
    """CPU of this process (every thread: watchdog's inotify observer and emitters, the
    watcher's settle thread waking every 0.25 s) while a `FolderWatcher` watches `root` and
    nothing changes, over `seconds` of wall time. Nothing else runs in this process meanwhile
    (the server is another process, and the client's sync is not running). The engine's round
    every 30 s is not idle watching: its cost is the "round with nothing new" figure. Then
    checks that the watcher does see a change (the time until `on_ready`)."""
    ready = threading.Event()
    watcher = FolderWatcher(lambda _folder: ready.set())
    watcher.start()
    try:
        t0 = time.perf_counter()
        watcher.watch(folder_id, root)
        setup_s = time.perf_counter() - t0
        time.sleep(1.0)  # start-up done before the measure
        ready.clear()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        time.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        spurious = ready.is_set()
        t0 = time.perf_counter()
        (root / "service-000" / "nouvelle-piece.odt").write_bytes(b"contenu")
        seen = ready.wait(15)
        seen_s = time.perf_counter() - t0 if seen else float("nan")
    finally:
        watcher.stop()
    return {"idle_wall_s": wall, "idle_cpu_s": cpu, "idle_cpu_pct": 100 * cpu / wall, "watch_setup_s": setup_s,
            "idle_spurious": float(spurious), "change_seen_s": seen_s}


# -- 2: one large file, Parvis against a raw HTTP copy -------------------------------------
#
# What each side does, so that the ratio compares like with like (same machine, same disk,
# same HTTP stack: httpx client, uvicorn with the same defaults, server in its own process):
#
# Two figures for Parvis, each against the same raw copy:
# - the transfer: from its first request to the file made durable on the other side (the
#   progress shown to the user starts and ends there), which is what the raw copy does;
# - the round: one whole `sync_files` round, which also lists the folders and the changes, and
#   for an upload first finds the new file (the scan hashes it: a SHA-256 of 256 Mio is
#   ~0.15 s here) and creates the upload session.
# Parvis upload: the file is read by 1 Mio and streamed in one request, each 8 Mio chunk
# followed by its BLAKE3; the server hashes each chunk as it arrives, writes the bytes at their
# offset in a part file from a worker thread (no fsync per chunk), records each chunk that
# matched, and feeds a running SHA-256 of the whole file from another thread; the commit
# fsyncs the part file, checks the SHA-256, renames it into the blob store (and fsyncs the
# folder), and records the version in its store.
# Parvis download: one streamed GET (the server reads the blob by 256 Kio); the client writes
# the pieces into a hidden temp file as they come, hashing them, flushes it to disk as it
# grows, fsyncs it, and renames it over the target once the SHA-256 matched.
#
# A third figure for uploads: the raw copy whose server also computes the SHA-256 of what it
# receives (`?sha256=1`), as any server must that checks a file is the one announced before
# keeping it: it shows what the check itself costs on this machine, where the client and the
# server share two cores.
#
# Raw copy: a minimal Starlette app under uvicorn (`serve_raw`). Upload: one streamed httpx
# PUT of the file read by 1 Mio; the app writes the body to a file as it comes and fsyncs it at
# the end. Download: one streamed GET, the app reading the file by 1 Mio; the client writes the
# pieces as they come and fsyncs the file at the end. No hashing, no temp file nor rename, no
# store.
#
# Before each timed transfer, the source file is on disk (fsynced) and `os.sync()` has flushed
# what the previous step left; the page cache is not dropped (the same for both sides).


def _raw_app(folder: Path) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response, StreamingResponse
    from starlette.routing import Route

    async def healthz(request: Request) -> Response:
        return Response("ok")

    async def put(request: Request) -> Response:
        digest = hashlib.sha256() if request.query_params.get("sha256") else None
        with open(folder / request.path_params["name"], "wb") as f:
            async for piece in request.stream():
                f.write(piece)
                if digest is not None:
                    digest.update(piece)
            f.flush()
            os.fsync(f.fileno())
        return Response(digest.hexdigest() if digest is not None else "", status_code=201)

    async def get(request: Request) -> Response:
        path = folder / request.path_params["name"]

        async def blocks() -> AsyncIterator[bytes]:
            with open(path, "rb") as f:
                while block := f.read(BLOCK):
                    yield block

        return StreamingResponse(blocks(), headers={"content-length": str(path.stat().st_size)},
                                 media_type="application/octet-stream")

    return Starlette(routes=[Route("/healthz", healthz), Route("/f/{name}", put, methods=["PUT"]),
                             Route("/f/{name}", get, methods=["GET"])])


def serve_raw(folder: str, port: int) -> None:
    """The raw copy's server (run in its own process, like parvis-server): uvicorn with
    parvis-server's defaults (uvloop and httptools when installed, no access log)."""
    import uvicorn

    Path(folder).mkdir(parents=True, exist_ok=True)
    uvicorn.run(_raw_app(Path(folder)), host="127.0.0.1", port=port, access_log=False, log_level="warning",
                lifespan="off", server_header=False)


@contextmanager
def _raw_server(folder: Path) -> Iterator[str]:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder.parent / "serveur-brut.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-c", f"from bench.files import serve_raw; "
                                                          f"serve_raw({str(folder)!r}, {port})"],
                                   cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        problem = wait_ready(process, lambda: httpx.get(f"{url}/healthz", timeout=1.0),
                             lambda r: r.status_code == 200, 30.0)
        if problem is not None:
            if process.poll() is not None:
                raise RuntimeError(f"le serveur brut s'est arrêté :\n{log.read_text(errors='replace')}")
            raise RuntimeError(f"le serveur brut ne répond pas ({problem})")
        yield url
    finally:
        stop_process(process)


async def _raw_put(url: str, source: Path) -> None:
    async def body() -> AsyncIterator[bytes]:
        with open(source, "rb") as f:
            while block := f.read(BLOCK):
                yield block

    async with httpx.AsyncClient(timeout=60.0) as client:
        response = await client.put(url, content=body(), headers={"content-length": str(source.stat().st_size)})
        response.raise_for_status()


async def _raw_get(url: str, target: Path) -> None:
    async with httpx.AsyncClient(timeout=60.0) as client, client.stream("GET", url) as response:
        response.raise_for_status()
        with open(target, "wb") as f:
            async for block in response.aiter_bytes():  # as they come: no re-chunking copies
                f.write(block)
            f.flush()
            os.fsync(f.fileno())


def _write_synced(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.sync()


def _timed(step: Callable[..., Any], *args: Any) -> float:
    os.sync()
    t0 = time.perf_counter()
    step(*args)
    return time.perf_counter() - t0


def throughput_figures(tmp: Path, server: Server, size_mib: int, rounds: int) -> dict[str, float]:
    """Upload then download one file of `size_mib` Mio, through Parvis and through the raw copy,
    alternately, `rounds` times (a new content each round); the best time of each."""
    size = size_mib * MIB
    a, b = _Pc(tmp, "gros-A", server, OWNER), _Pc(tmp, "gros-B", server, MEMBER)
    raw: dict[str, list[float]] = {"up": [], "down": [], "up_sha256": []}
    parvis: dict[str, list[float]] = {"up": [], "down": []}  # the transfers
    rounds_s: dict[str, list[float]] = {"up": [], "down": []}  # the rounds around them
    try:
        root_a, root_b = tmp / "PC-gros-A" / "Plans", tmp / "PC-gros-B" / "Plans"
        folder_id = a.share_folder("Plans", root_a)
        b.join_folder(folder_id, root_b)
        data = bytearray(os.urandom(size))
        with _raw_server(tmp / "serveur-brut" / "fichiers") as url:
            for r in range(rounds):
                data[:8] = r.to_bytes(8, "big")  # another content each round
                source = tmp / "brut-source" / f"plan-{r}.bin"
                _write_synced(source, bytes(data))
                target = tmp / "brut-copie" / source.name
                target.parent.mkdir(parents=True, exist_ok=True)
                raw["up"].append(_timed(asyncio.run, _raw_put(f"{url}/f/{source.name}", source)))
                raw["up_sha256"].append(_timed(asyncio.run, _raw_put(f"{url}/f/{source.name}?sha256=1", source)))
                raw["down"].append(_timed(asyncio.run, _raw_get(f"{url}/f/{source.name}", target)))
                if target.stat().st_size != size:
                    raise RuntimeError("copie brute incomplète")

                _write_synced(root_a / f"plan-{r}.bin", bytes(data))
                os.sync()
                a.spans.clear()
                up, up_s = a.sync()
                os.sync()
                b.spans.clear()
                down, down_s = b.sync()
                if (up.up, down.down) != (1, 1) or (root_b / f"plan-{r}.bin").stat().st_size != size:
                    raise RuntimeError(f"transfert incomplet : {up.up} envoyé, {down.down} reçu")
                rounds_s["up"].append(up_s)
                rounds_s["down"].append(down_s)
                for way, pc in (("up", a), ("down", b)):
                    (start, end), = pc.spans
                    parvis[way].append(end - start)
    finally:
        a.close()
        b.close()
    mb = size / 1e6
    result: dict[str, float] = {"size_mib": size_mib, "rounds": rounds}
    for way in ("up", "down"):
        result[f"raw_{way}_mbps"] = mb / min(raw[way])
        result[f"parvis_{way}_mbps"] = mb / min(parvis[way])
        result[f"ratio_{way}"] = result[f"parvis_{way}_mbps"] / result[f"raw_{way}_mbps"]
        result[f"round_{way}_mbps"] = mb / min(rounds_s[way])
        result[f"round_ratio_{way}"] = result[f"round_{way}_mbps"] / result[f"raw_{way}_mbps"]
    result["raw_up_sha256_mbps"] = mb / min(raw["up_sha256"])
    result["ratio_up_sha256"] = result["parvis_up_mbps"] / result["raw_up_sha256_mbps"]
    return result


# -- the module ----------------------------------------------------------------------------


def run_all(quick: bool = False) -> dict[str, dict[str, float]]:
    size_mib = int(os.environ.get("PARVIS_BENCH_FILES_MIB") or (64 if quick else 256))
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="parvis-bench-files-") as name:
        tmp = Path(name)
        with _parvis_server(tmp) as server:
            small = small_files_figures(tmp, server, 1_000 if quick else 10_000, 10.0 if quick else 20.0)
            big = throughput_figures(tmp, server, size_mib, 1 if quick else 5)
    small["total_s"] = time.perf_counter() - t0
    return {"files_small": small, "files_big": big}


def print_section(r: dict[str, dict[str, float]], line: Line) -> None:
    s, g = r["files_small"], r["files_big"]
    n = int(s["files"])
    print(f"Banque documentaire : {n} petits fichiers ({s['bytes'] / 1e6:.1f} Mo, 1 à 4 Kio, 100 sous-dossiers), "
          "parvis-server réel")
    print(line("premier envoi (dossier plein → serveur vide)", s["up_s"], "s", f"{s['up_per_s']:.0f} fichiers/s",
               None))
    print(line("première réception (2e poste, dossier vide)", s["down_s"], "s",
               f"{s['down_per_s']:.0f} fichiers/s", None))
    print(line("  tour sans changement (refait toutes les 30 s)", s["no_change_s"], "s", "", None))
    print(line(f"CPU de la surveillance au repos ({s['idle_wall_s']:.0f} s, watchdog)", s["idle_cpu_pct"], "%",
               "< 1 %", s["idle_cpu_pct"] < 1 if n >= 10_000 else None))
    seen = "NON VUE" if s["change_seen_s"] != s["change_seen_s"] else "vue"
    print(line(f"  puis une modification {seen} en (dont 1,5 s de calme)", s["change_seen_s"], "s", "", None))
    print(f"Gros fichier de {int(g['size_mib'])} Mio sur la boucle locale, contre une copie HTTP brute "
          f"(meilleur de {int(g['rounds'])})")
    for way, label, how in (("up", "envoi", "morceaux en un flux"), ("down", "réception", "flux vérifié")):
        print(line(f"{label} Parvis ({how})", g[f"parvis_{way}_mbps"], "Mo/s",
                   f"brut {g[f'raw_{way}_mbps']:.0f} Mo/s", None))
        print(line(f"  {label} : Parvis / copie brute", g[f"ratio_{way}"], "×", "≥ 0.7×", g[f"ratio_{way}"] >= 0.7))
        if way == "up":
            print(line("  copie brute + SHA-256 côté serveur", g["raw_up_sha256_mbps"], "Mo/s",
                       f"Parvis = {g['ratio_up_sha256']:.2f}× celle-ci", None))
        print(line(f"  tour de synchro entier ({'détection comprise' if way == 'up' else 'liste des changements'})",
                   g[f"round_{way}_mbps"], "Mo/s", f"{g[f'round_ratio_{way}']:.2f}× la copie brute", None))
    print(line("  (durée de ce banc, préparation comprise)", s["total_s"], "s", "", None))


def main() -> int:
    return standalone("python -m bench.files", run_all, print_section)


if __name__ == "__main__":
    raise SystemExit(main())
