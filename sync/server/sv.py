"""Whether a document has integrated an update, or keeps part of it pending."""

from __future__ import annotations

import pycrdt


def covers(state_vector: bytes, update: bytes) -> bool:
    """Whether a document with `state_vector` has integrated every struct of `update` (an update
    already applied to it, hence validated). False means yrs keeps some structs pending, waiting
    for a missing dependency (of the same author or another): such a document must not be
    compacted, since its encoded state leaves pending structs out.

    The diff of `update` against the state vector holds exactly the structs the document lacks;
    its first varuint counts their clients (0: none). Deletes of unknown items cannot be told
    apart this way (the diff always carries the delete set). Thread of the caller.
    """
    return pycrdt.get_update(update, state_vector)[:1] == b"\x00"
