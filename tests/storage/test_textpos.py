from __future__ import annotations

import pytest

from storage.textpos import char_to_utf8, char_to_utf16, utf8_to_char, utf16_to_char

TEXT = "aé😀b"


@pytest.mark.parametrize(("pos", "utf8", "utf16"), [(0, 0, 0), (1, 1, 1), (2, 3, 2), (3, 7, 4), (4, 8, 5)])
def test_conversions(pos: int, utf8: int, utf16: int) -> None:
    assert char_to_utf8(TEXT, pos) == utf8
    assert utf8_to_char(TEXT, utf8) == pos
    assert char_to_utf16(TEXT, pos) == utf16
    assert utf16_to_char(TEXT, utf16) == pos


def test_out_of_range() -> None:
    with pytest.raises(IndexError):
        char_to_utf8(TEXT, 5)
    with pytest.raises(IndexError):
        utf16_to_char(TEXT, 6)
