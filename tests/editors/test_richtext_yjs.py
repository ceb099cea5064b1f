"""Awareness cursors agree with stock Yjs (Node), whatever the characters before them."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc
from pytestqt.qtbot import QtBot

from tests.editors.test_richtext import body, make_editor, select, type_text

JS_DIR = Path(__file__).resolve().parents[1] / "js"

SCRIPT = """
import * as Y from 'yjs'
let input = ''
process.stdin.on('data', (d) => { input += d })
process.stdin.on('end', () => {
  const req = JSON.parse(input)
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Buffer.from(req.update, 'base64'))
  const text = doc.getText('body')
  const encode = (p, assoc) => Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, p, assoc))
  const decode = (j) => {
    const abs = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(j), doc)
    return abs ? abs.index : null
  }
  process.stdout.write(JSON.stringify({
    after: req.positions.map((p) => encode(p, 0)),
    before: req.positions.map((p) => encode(p, -1)),
    decoded: req.ours.map(decode),
    text: text.toString(),
  }))
})
"""


def yjs(update: bytes, positions: list[int], ours: list[Any]) -> dict[str, Any]:
    if shutil.which("node") is None or not (JS_DIR / "node_modules" / "yjs" / "package.json").exists():
        pytest.skip("Node et tests/js/node_modules/yjs sont nécessaires (cd tests/js && npm ci).")
    request = {"update": base64.b64encode(update).decode(), "positions": positions, "ours": ours}
    out = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=JS_DIR,
        timeout=60,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def test_cursor_positions_match_yjs_both_ways(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, "Délibération n°1 😀\nœuvre")
    select(editor, 3)
    type_text(editor, "ÀÉ")  # a second item inside the first
    other = Doc()
    other.apply_update(doc.get_update())
    body(other).insert(len("DélÀÉ".encode()), "🎉x")  # another client's item
    del body(other)[1:3]  # a deletion: "é"
    editor.apply_remote(other.get_update(doc.get_state()))
    select(editor, editor.document().characterCount() - 1)
    type_text(editor, " fin")
    binding = editor._binding
    size = editor.document().characterCount() - 1  # the final newline is never a cursor position
    units = editor.toPlainText().encode("utf-16-le")
    low_surrogate = [0xDC00 <= int.from_bytes(units[2 * p : 2 * p + 2], "little") <= 0xDFFF for p in range(size)]
    positions = [p for p in range(size + 1) if p == size or not low_surrogate[p]]
    ours = [binding.sticky(p) for p in positions]
    result = yjs(doc.get_update(), positions, ours)
    assert result["text"] == str(body(doc))
    assert ours == result["after"]  # the same JSON y-quill would publish
    assert result["decoded"] == positions  # Yjs reads ours back to the same places
    state = binding.state_vector()
    assert [binding.resolve(j, state) for j in result["after"]] == positions
    assert [binding.resolve(j, state) for j in result["before"]] == positions
