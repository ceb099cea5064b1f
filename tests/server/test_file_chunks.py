"""The chunk request body's arithmetic (`sync.protocol.file_chunks`), shared by client and
server: how many chunks a body of a given length carries."""

from __future__ import annotations

from sync.protocol.file_chunks import DIGEST_SIZE, body_length, chunk_digest, chunks_in_body


def test_a_body_is_whole_chunks_each_with_its_digest() -> None:
    size, chunk = 10 * 1024 + 5, 1024  # 11 chunks, the last one 5 bytes long
    assert body_length(size, chunk, 0, 1) == chunk + DIGEST_SIZE
    assert body_length(size, chunk, 10, 1) == 5 + DIGEST_SIZE
    assert body_length(size, chunk, 0, 11) == size + 11 * DIGEST_SIZE
    for first in range(11):
        for count in range(1, 12 - first):
            assert chunks_in_body(size, chunk, first, body_length(size, chunk, first, count)) == count
    assert chunks_in_body(size, chunk, 0, chunk) is None  # no digest
    assert chunks_in_body(size, chunk, 0, chunk + DIGEST_SIZE + 1) is None
    assert chunks_in_body(size, chunk, 9, body_length(size, chunk, 9, 2) + chunk + DIGEST_SIZE) is None  # past the end
    assert chunks_in_body(size, chunk, 11, 5 + DIGEST_SIZE) is None  # no chunk 11
    assert chunks_in_body(size, chunk, 0, 0) is None


def test_the_digest_is_blake3() -> None:
    # the BLAKE3 test vector of the empty input
    assert chunk_digest(b"").hex() == "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
    assert len(chunk_digest(b"x" * 100_000)) == DIGEST_SIZE
