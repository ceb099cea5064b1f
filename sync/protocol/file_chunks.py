"""The body of a resumable upload's chunk request, as the client and the server agree on it:
pure functions, no I/O.

`PUT …/uploads/{id}/chunks/{first}` carries one or more consecutive chunks from `first`, each
as its bytes followed by their BLAKE3 digest (`DIGEST_SIZE` bytes):

    chunk[first] ‖ BLAKE3(chunk[first]) ‖ chunk[first+1] ‖ BLAKE3(chunk[first+1]) ‖ …

so that a whole file can travel in one streamed request, like a plain HTTP copy, while the
server still checks every chunk on its own (the way S3's streamed uploads sign each chunk in
the body). A chunk's length follows from the session (`chunk_size`, the last one shorter),
so the body needs no other framing.

Why BLAKE3 for chunks: a chunk's digest only has to show that its bytes arrived whole; the
file's identity stays the SHA-256 of its whole content, which the server computes itself
before the file becomes a version. BLAKE3 is a cryptographic hash too, and ~2.5× faster than
SHA-256 on the same core (4.6 against 1.8 GB/s measured here), which matters when a 500 Mo
upload is hashed on both sides.
"""

from __future__ import annotations

from typing import Any

import blake3

DIGEST_SIZE = 32


def chunk_hasher() -> Any:
    """A new BLAKE3 hasher (`update(bytes)`, `digest()`)."""
    return blake3.blake3()


def chunk_digest(data: bytes | bytearray | memoryview) -> bytes:
    """The BLAKE3 digest of one chunk's bytes."""
    return bytes(blake3.blake3(data).digest())


def chunk_length(size: int, chunk_size: int, index: int) -> int:
    """The length of chunk `index` of a file of `size` bytes cut by `chunk_size`."""
    return min(chunk_size, size - index * chunk_size)


def body_length(size: int, chunk_size: int, first: int, count: int) -> int:
    """The length of a body carrying `count` chunks from `first`, digests included."""
    end = min(size, (first + count) * chunk_size)
    return end - first * chunk_size + count * DIGEST_SIZE


def chunks_in_body(size: int, chunk_size: int, first: int, length: int) -> int | None:
    """How many chunks from `first` a body of `length` bytes carries, or None when it is not a
    whole number of them (or runs past the last chunk)."""
    chunks = -(-size // chunk_size)
    if not 0 <= first < chunks:
        return None
    frame = chunk_size + DIGEST_SIZE
    count = length // frame  # every chunk but the file's last is `chunk_size` long
    for n in (count, count + 1):  # the last chunk, shorter, may end the body
        if 1 <= n <= chunks - first and body_length(size, chunk_size, first, n) == length:
            return n
    return None
