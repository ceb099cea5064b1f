"""Store figures: size after compaction, time per persisted update, SQLCipher against plain
SQLite on the same workload."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlcipher3

from storage import migrations
from storage.docs import DocStore
from storage.vault import Vault

from .typing import keystrokes, step


def _plain_connection(path: Path) -> Any:
    """The same SQLite build (sqlcipher3) and settings with no key: plain SQLite."""
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "temp_store = MEMORY", "foreign_keys = ON"):
        conn.execute(f"PRAGMA {pragma}")
    migrations.upgrade(conn)
    return conn


def _type(conn: Any, n: int) -> tuple[list[float], DocStore, str]:
    store = DocStore(conn)
    doc_id = store.create("Procès-verbal — banc d'essai")
    od = store.open(doc_id)
    times = []
    for action in keystrokes(n):
        t0 = time.perf_counter()
        store.edit(od, step(action))
        times.append(time.perf_counter() - t0)
    return times, store, doc_id


def size_ratio(n: int = 10_000) -> dict[str, float]:
    """Store size on disk after n single-keystroke updates and compaction, against the live
    document (its encoded CRDT state) and against an empty profile."""
    with tempfile.TemporaryDirectory() as tmp:
        empty = Vault.create(Path(tmp) / "empty", "banc")
        empty.close()
        empty_size = (Path(tmp) / "empty" / "parvis.db").stat().st_size
        vault = Vault.create(Path(tmp) / "p", "banc")
        _, store, doc_id = _type(vault.conn, n)
        od = store.open(doc_id)
        store.compact(od)
        live = len(od.doc.get_update())
        text_bytes = len(od.text().encode("utf-8"))
        vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        vault.close()
        on_disk = (Path(tmp) / "p" / "parvis.db").stat().st_size
    return {"keystrokes": n, "live_state_bytes": live, "text_bytes": text_bytes, "store_bytes": on_disk,
            "empty_profile_bytes": empty_size, "ratio": on_disk / live,
            "ratio_net_of_empty_profile": (on_disk - empty_size) / live}


def cipher_vs_plain(n: int = 3_000, rounds: int = 3) -> dict[str, float]:
    """Time per persisted keystroke (CRDT op, commit with its outbox row), encrypted against
    plain, alternated A B A B in one run. The ratio compares medians: this disk stalls a
    commit for 40-300 ms a few times a minute, and one stall moves a mean by up to 100 µs on
    whichever side it lands. Means are reported too."""
    cipher_all: list[float] = []
    plain_all: list[float] = []
    cipher_medians, plain_medians = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            vault = Vault.create(Path(tmp) / f"c{r}", "banc")
            times, _, _ = _type(vault.conn, n)
            vault.close()
            cipher_medians.append(statistics.median(times))
            cipher_all += times
            conn = _plain_connection(Path(tmp) / f"p{r}.db")
            times, _, _ = _type(conn, n)
            conn.close()
            plain_medians.append(statistics.median(times))
            plain_all += times
    cipher, plain = statistics.median(cipher_medians), statistics.median(plain_medians)
    return {"keystrokes_per_round": n, "rounds": rounds,
            "sqlcipher_us_per_update": cipher * 1e6, "plain_us_per_update": plain * 1e6,
            "sqlcipher_mean_us": statistics.mean(cipher_all) * 1e6, "plain_mean_us": statistics.mean(plain_all) * 1e6,
            "sqlcipher_p99_us": sorted(cipher_all)[int(0.99 * len(cipher_all))] * 1e6,
            "ratio": cipher / plain, "ratio_of_means": statistics.mean(cipher_all) / statistics.mean(plain_all)}
