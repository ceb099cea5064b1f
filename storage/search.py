"""The full-text index (FTS5, inside the encrypted database) for every module.

Writers only mark a source as dirty, in their own transaction; `refresh` re-indexes dirty
sources before a query. So a keystroke in a 100-page document costs one tiny insert, not a
re-index, and the index is never stale when read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .db import transaction

# kind -> function returning (title, body) of a source, or None if it no longer exists.
Loader = Callable[[str], "tuple[str, str] | None"]


@dataclass(frozen=True)
class Hit:
    kind: str
    ref: str
    title: str
    snippet: str


def mark_dirty(conn: Any, kind: str, ref: str) -> None:
    conn.execute("INSERT OR IGNORE INTO search_dirty(kind, ref) VALUES (?, ?)", (kind, ref))


def refresh(conn: Any, loaders: dict[str, Loader]) -> int:
    """Re-index every dirty source whose kind has a loader. Returns how many were indexed."""
    dirty = conn.execute("SELECT kind, ref FROM search_dirty").fetchall()
    done = 0
    for kind, ref in dirty:
        loader = loaders.get(kind)
        if loader is None:
            continue
        content = loader(ref)
        with transaction(conn):
            conn.execute("DELETE FROM search_index WHERE kind = ? AND ref = ?", (kind, ref))
            if content is not None:
                conn.execute(
                    "INSERT INTO search_index(kind, ref, title, body) VALUES (?, ?, ?, ?)", (kind, ref, *content)
                )
            conn.execute("DELETE FROM search_dirty WHERE kind = ? AND ref = ?", (kind, ref))
        done += 1
    return done


_WORD = re.compile(r"\w+", re.UNICODE)


def to_fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word must appear, the last one as
    a prefix (so results come while typing). FTS5 operators in the input have no effect."""
    words = _WORD.findall(text)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def query(conn: Any, text: str, limit: int = 50) -> list[Hit]:
    """Return the best matches for `text`, accents and case ignored."""
    fts = to_fts_query(text)
    if not fts:
        return []
    rows = conn.execute(
        "SELECT kind, ref, title, snippet(search_index, 3, '[', ']', '…', 12) FROM search_index "
        "WHERE search_index MATCH ? ORDER BY rank LIMIT ?",
        (fts, limit),
    ).fetchall()
    return [Hit(*row) for row in rows]
