"""The anchors: the same stock Yjs clients (../shared/peer-bench/loadgen.mjs) against
parvis-server, Hocuspocus and the reference y-websocket server, alternated in one run.

Hocuspocus and the reference server keep everything in memory; parvis-server validates,
applies and persists (fsync) each update before it acknowledges it.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.servers import add_user, free_port, login, start_server

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "bench" / "js"
PEER_BENCH = ROOT.parent / "shared" / "peer-bench"


def available() -> str | None:
    """None if the comparison can run, else why not."""
    if not (PEER_BENCH / "loadgen.mjs").exists():
        return f"{PEER_BENCH} est absent"
    if not (JS / "node_modules" / "@hocuspocus" / "server").exists():
        return "bench/js/node_modules est absent (make bench l'installe)"
    if shutil.which("node") is None:
        return "node est absent"
    return None


def _wait_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"rien n'écoute sur le port {port}")


def _node_server(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(["node", *args], cwd=JS, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    _wait_port(port)
    return process


def _loadgen(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(["node", str(JS / ".run" / "loadgen.mjs"), *args], cwd=JS, capture_output=True,
                         text=True, timeout=600, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def compare(docs: int = 5, clients: int = 10, rate: int = 10, seconds: int = 10, rounds: int = 2) -> dict[str, Any]:
    """Run the load `rounds` times against each server in turn (A B C A B C); return the
    median p50/p99 per server and every run's figures."""
    run_dir = JS / ".run"
    run_dir.mkdir(exist_ok=True)
    for name in ("loadgen.mjs", "hocus-server.mjs"):
        shutil.copy(PEER_BENCH / name, run_dir / name)  # ESM resolves packages from the script's folder
    load = ["--docs", str(docs), "--clients", str(clients), "--rate", str(rate), "--seconds", str(seconds)]
    runs: dict[str, list[dict[str, Any]]] = {"parvis": [], "hocuspocus": [], "y-websocket": []}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "server"
        add_user(data, "banc", "banc-d-essai")
        server = start_server(data)
        try:
            token = login(server, "banc", "banc-d-essai")
            ids = [f"banc-{i}" for i in range(docs)]
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as api:
                for doc_id in ids:
                    api.put(f"/api/docs/{doc_id}").raise_for_status()
            (tmp / "ids.txt").write_text("\n".join(ids) + "\n")
            for _ in range(rounds):
                runs["parvis"].append(_loadgen(["--kind", "yws", "--url", f"ws://127.0.0.1:{server.port}/yjs",
                                                "--token", token, "--docs-file", str(tmp / "ids.txt"), *load]))
                port = free_port()
                hocus = _node_server([str(run_dir / "hocus-server.mjs"), str(port)], {}, port)
                try:
                    runs["hocuspocus"].append(_loadgen(["--kind", "hocus", "--url", f"ws://127.0.0.1:{port}", *load]))
                finally:
                    hocus.kill()
                    hocus.wait()
                port = free_port()
                reference = _node_server(["node_modules/y-websocket-reference/bin/server.js"],
                                         {"HOST": "127.0.0.1", "PORT": str(port)}, port)
                try:
                    runs["y-websocket"].append(_loadgen(["--kind", "yws", "--url", f"ws://127.0.0.1:{port}", *load]))
                finally:
                    reference.kill()
                    reference.wait()
        finally:
            server.stop()
    summary: dict[str, Any] = {"load": f"{docs} docs × {clients} clients × {rate} frappes/s × {seconds} s"}
    for name, results in runs.items():
        summary[name] = {
            "p50_ms": statistics.median(r["p50_ms"] for r in results),
            "p99_ms": statistics.median(r["p99_ms"] for r in results),
            "delivered": min(r["delivered"] for r in results),
            "expected": results[0]["expected"],
        }
    summary["runs"] = runs
    return summary
