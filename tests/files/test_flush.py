"""EarlyFlush: background fdatasyncs of a file being written; a failed one is not lost."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from sync.flush import EarlyFlush


def test_flushes_run_one_at_a_time_and_a_failure_is_told(tmp_path: Path) -> None:
    fd = os.open(tmp_path / "f.bin", os.O_WRONLY | os.O_CREAT)
    early = EarlyFlush(fd)
    try:
        os.write(fd, b"x" * 1_000_000)
        early.kick()
        early.kick()  # one under way: not started twice
        asyncio.run(early.wait())
        os.close(fd)
        early.kick()  # on a closed descriptor: this flush fails…
        asyncio.run(asyncio.sleep(0.2))
        other = os.open(tmp_path / "g.bin", os.O_WRONLY | os.O_CREAT)
        if other != fd:  # the descriptor works again: the next flush succeeds…
            os.dup2(other, fd)
            os.close(other)
        early.kick()
        with pytest.raises(OSError):  # …but the failed one is still told
            asyncio.run(early.wait())
        os.close(fd)
    finally:
        early.close()
