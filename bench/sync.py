"""Sync figures against a real `parvis-server` on loopback: keystroke propagation, offline
merge, and the server's persist-before-ack time.

Every client is a full Parvis client (its own encrypted profile, store commits before sending
and after receiving). All clients run in this one process and its one event loop, so their
work is serialised: with 9 receivers, the last one waits for the 8 others' commits. That cost
is in the figures.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from httpx_ws import AsyncWebSocketSession, aconnect_ws
from pycrdt import Doc, Text

from storage.docs import DocStore
from storage.vault import Vault
from sync import account as accounts
from sync.docs import LiveDoc
from sync.engine import Engine, share
from sync.protocol.messages import MsgType, SyncType, decode_message, encode_sync_step1, encode_update
from tests.e2e.servers import Server, add_user, start_server

from .typing import keystrokes, step

PASSWORD = "banc-d-essai"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _profiles(tmp: Path, server: Server, n: int) -> list[Vault]:
    vaults = []
    for i in range(n):
        vault = Vault.create(tmp / f"p{i}", "banc")
        await accounts.sign_in(vault.conn, server.url, f"u{i}", PASSWORD)
        vaults.append(vault)
    return vaults


class LightPeer:
    """A bare y-websocket client (a pycrdt Doc, no store): one of the crowd on the document,
    so that the server fans out to as many clients as a busy council session has."""

    def __init__(self, client: Any, server: Server, doc_id: str, sent: list[float], latencies: list[float]) -> None:
        self.cm: Any = aconnect_ws(f"{server.url}/yjs/{doc_id}", client)
        self.doc: Doc = Doc()
        self.sent, self.latencies, self.count = sent, latencies, 0
        self.synced = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.ws: AsyncWebSocketSession = await self.cm.__aenter__()
        await self.ws.send_bytes(encode_sync_step1(bytes(self.doc.get_state())))
        self.task = asyncio.create_task(self.read())
        await asyncio.wait_for(self.synced.wait(), 30)

    async def read(self) -> None:
        while True:
            msg = decode_message(await self.ws.receive_bytes(), 1 << 26)
            if msg.carries_update:
                self.doc.apply_update(msg.payload)
                if msg.sync == SyncType.STEP2:
                    self.synced.set()
                elif self.synced.is_set():
                    self.latencies.append(time.perf_counter() - self.sent[self.count])
                    self.count += 1

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        await self.cm.__aexit__(None, None, None)


async def keystroke_latency(tmp: Path, server: Server, clients: int = 10, keys: int = 1000,
                            rate: float = 20.0) -> dict[str, float]:
    """A types `keys` keystrokes at `rate` per second into one document that `clients`
    clients have open. A and B are full Parvis clients: each keystroke is committed to A's
    store, pushed, validated, applied and persisted by the server, acknowledged, fanned out,
    and committed to B's store. The others are bare y-websocket peers. Latency: from before
    A's commit to after B's commit (and, apart, to each bare peer's apply)."""
    a, b = await _profiles(tmp, server, 2)
    writer = DocStore(a.conn)
    doc_id = writer.create("Frappe en direct")
    share(writer.conn, doc_id, "u1", "editor")
    for vault in (a, b):
        await Engine(vault.conn).sync_once()
    sent: list[float] = []
    at_b: list[float] = []
    at_peers: list[float] = []

    def on_remote(_update: bytes) -> None:
        at_b.append(time.perf_counter() - sent[len(at_b)])

    http = [accounts.client(a.conn), accounts.client(b.conn)]
    live_a = LiveDoc(http[0], DocStore(a.connect()), doc_id)
    live_b = LiveDoc(http[1], DocStore(b.connect()), doc_id, on_remote)
    peers = [LightPeer(http[0], server, doc_id, sent, at_peers) for _ in range(clients - 2)]
    for live in (live_a, live_b):
        await live.__aenter__()
        await live.ready()
    for peer in peers:
        await peer.start()
    ui_doc = writer.open(doc_id)
    t_start = time.perf_counter()
    for k, action in enumerate(keystrokes(keys, seed=11)):
        await asyncio.sleep(max(0.0, t_start + k / rate - time.perf_counter()))
        sent.append(time.perf_counter())
        writer.edit(ui_doc, step(action))
        await live_a.push()
    deadline = time.perf_counter() + 30
    while (len(at_b) < keys or len(at_peers) < keys * len(peers)) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    converged = live_b.od.text() == ui_doc.text() and all(str(p.doc.get("body", type=Text)) == ui_doc.text()
                                                           for p in peers)
    for peer in reversed(peers):  # httpx-ws's cancel scopes close last-in, first-out
        await peer.stop()
    await live_b.__aexit__(None, None, None)
    await live_a.__aexit__(None, None, None)
    for client in http:
        await client.aclose()
    a.close()
    b.close()
    return {"clients": clients, "keystrokes": keys, "rate_per_s": rate, "delivered_to_b": len(at_b),
            "converged": float(converged), "b_p50_ms": _pct(at_b, 0.5) * 1e3, "b_p99_ms": _pct(at_b, 0.99) * 1e3,
            "b_max_ms": max(at_b) * 1e3, "peers_p50_ms": _pct(at_peers, 0.5) * 1e3,
            "peers_p99_ms": _pct(at_peers, 0.99) * 1e3}


async def offline_merge(tmp: Path, server: Server, edits: int = 10_000) -> dict[str, float]:
    """Two replicas of one document each make `edits` single-keystroke edits offline; then
    A syncs, B syncs, A syncs. Time to converge and bytes on the wire (both directions)."""
    a, b = await _profiles(tmp, server, 2)
    sa, sb = DocStore(a.conn), DocStore(b.conn)
    doc_id = sa.create("Fusion hors ligne")
    share(sa.conn, doc_id, "u1", "editor")
    await Engine(a.conn).sync_once()
    await Engine(b.conn).sync_once()
    for store, seed in ((sa, 1), (sb, 2)):
        od = store.open(doc_id)
        for action in keystrokes(edits, seed=seed):
            store.edit(od, step(action))
    t0 = time.perf_counter()
    reports = [await Engine(a.conn).sync_once(), await Engine(b.conn).sync_once(), await Engine(a.conn).sync_once()]
    elapsed = time.perf_counter() - t0
    same = sa.open(doc_id).text() == sb.open(doc_id).text()
    length = len(sa.open(doc_id).text())
    a.close()
    b.close()
    return {"edits_per_replica": edits, "converge_s": elapsed, "converged": float(same), "merged_chars": length,
            "bytes_sent": sum(r.bytes_sent for r in reports), "bytes_received": sum(r.bytes_received for r in reports)}


async def persist_ack(tmp: Path, server: Server, updates: int = 1000) -> dict[str, float]:
    """Time per persisted update on the server: one update at a time, from send to ack
    (validate, apply, fsync'd commit, ack); then the same number pipelined (group commit)."""
    (vault,) = await _profiles(tmp, server, 1)
    store = DocStore(vault.conn)
    doc_id = store.create("Persistance")
    await Engine(vault.conn).sync_once()
    od = store.open(doc_id)
    payloads = [store.edit(od, step(("ins", i, "abcdefghij"[i % 10]))) for i in range(2 * updates)]
    async with accounts.client(vault.conn) as client, aconnect_ws(f"{server.url}/yjs/{doc_id}?ack=1", client,
                                                   session_class=AsyncWebSocketSession) as ws:
        await ws.send_bytes(encode_sync_step1(b"\x00"))

        async def until_ack(n: int) -> None:
            while True:
                msg = decode_message(await ws.receive_bytes(), 1 << 26)
                if msg.type == MsgType.ACK and msg.count >= n:
                    return
        times = []
        for i, payload in enumerate(payloads[:updates]):
            t0 = time.perf_counter()
            await ws.send_bytes(encode_update(payload))
            await until_ack(i + 1)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for payload in payloads[updates:]:
            await ws.send_bytes(encode_update(payload))
        await until_ack(2 * updates)
        pipelined = time.perf_counter() - t0
    vault.close()
    return {"updates": updates, "one_at_a_time_mean_us": statistics.mean(times) * 1e6,
            "one_at_a_time_p99_us": _pct(times, 0.99) * 1e6, "pipelined_us_per_update": pipelined / updates * 1e6}


def run_all(quick: bool = False) -> dict[str, dict[str, float]]:
    """Start one server, run every sync benchmark against it, stop it."""
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "server"
        for i in range(10):
            add_user(data, f"u{i}", PASSWORD)
        server = start_server(data)
        try:
            for name, bench in (("keystroke", keystroke_latency), ("offline_merge", offline_merge),
                                ("server_persist", persist_ack)):
                folder = tmp / name
                folder.mkdir()
                kwargs: dict[str, Any] = {}
                if quick:
                    kwargs = {"keystroke": {"keys": 100}, "offline_merge": {"edits": 1000},
                              "server_persist": {"updates": 100}}[name]
                results[name] = asyncio.run(bench(folder, server, **kwargs))
        finally:
            server.stop()
    return results
