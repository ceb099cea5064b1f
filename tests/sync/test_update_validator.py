"""sync.protocol.update: the validator that stands between untrusted bytes and yrs.

Real updates come from pycrdt (yrs). Note that pycrdt's Text indices are UTF-8 byte offsets: the
helpers below convert from Python string indices, as an editor must.
"""

from __future__ import annotations

import json
import random
import shutil
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pycrdt import Array, Awareness, Doc, Map, Text, XmlElement, XmlFragment, XmlText

from sync.protocol.errors import MessageTooLarge, ProtocolError
from sync.protocol.lib0 import Reader, write_var_bytes, write_var_uint
from sync.protocol.update import (
    MAX_CLOCK,
    UpdateLimits,
    UpdateSummary,
    _uint,
    validate_awareness,
    validate_state_vector,
    validate_update,
)

vu = write_var_uint


def vs(s: str | bytes) -> bytes:
    return write_var_bytes(s.encode("utf-8") if isinstance(s, str) else s)


def update(sections: list[tuple[int, int, list[bytes]]], delete_set: bytes = b"\x00") -> bytes:
    """Hand-built update v1: (client, first clock, encoded structs) per section."""
    out = vu(len(sections))
    for client, clock, structs in sections:
        out += vu(len(structs)) + vu(client) + vu(clock) + b"".join(structs)
    return out + delete_set


def root_item(ref: int, content: bytes, name: str | bytes = "t") -> bytes:
    """An item without origin whose parent is the root type `name`."""
    return bytes([ref]) + vu(1) + vs(name) + content


def one_item(ref: int, content: bytes) -> bytes:
    return update([(1, 0, [root_item(ref, content)])])


def text_insert(text: Text, index: int, value: str, attrs: dict | None = None) -> None:
    """Insert at a Python string index (pycrdt wants a UTF-8 byte offset)."""
    text.insert(len(str(text)[:index].encode()), value, attrs)


def random_edits(text: Text, rng: random.Random, count: int) -> None:
    for _ in range(count):
        s = str(text)
        if s and rng.random() < 0.3:
            i = rng.randrange(len(s))
            start = len(s[:i].encode())
            del text[start : start + len(s[i].encode())]
        else:
            text_insert(text, rng.randint(0, len(s)), rng.choice(["a", "é", "😀", " ", "ç", "Œ"]))


def two_clients(rounds: int = 5, seed: int = 5) -> tuple[Doc, Doc]:
    rng = random.Random(seed)
    a, b = Doc(client_id=1), Doc(client_id=2)
    ta, tb = a.get("t", type=Text), b.get("t", type=Text)
    for _ in range(rounds):
        random_edits(ta, rng, 40)
        random_edits(tb, rng, 40)
        a.apply_update(b.get_update(a.get_state()))
        b.apply_update(a.get_update(b.get_state()))
    return a, b


def captured(doc: Doc) -> list[bytes]:
    """Collect the update of every transaction committed on `doc` from now on."""
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    return updates


# -- real updates -------------------------------------------------------------------------


def text_update() -> bytes:
    doc = Doc(client_id=1)
    doc.get("t", type=Text).insert(0, "é😀")
    return doc.get_update()


def formatted_update() -> bytes:
    doc = Doc(client_id=11)
    text = doc.get("t", type=Text)
    text += "Bonjour"
    text.format(0, 3, {"bold": True})
    text_insert(text, 7, " à tous", {"italic": True, "color": "#f00"})
    text.insert_embed(0, {"image": "logo.png"})
    return doc.get_update()


def map_update() -> bytes:
    doc = Doc(client_id=12)
    m = doc.get("m", type=Map)
    m["d"] = {"a": [1, 2.5, True, None, b"\x00\x01", "s"], "b": False, "c": {"d": {"e": []}}}
    m["i"] = -42
    m["f"] = 1.25
    m["n"] = None
    m["bin"] = b"\x00\xff"
    m["s"] = "Zoé"
    return doc.get_update()


def nested_update() -> bytes:
    doc = Doc(client_id=13)
    arr = doc.get("a", type=Array)
    arr.extend([1, "deux", 3.5])
    arr.append(Map({"x": Text("y"), "l": Array([1, 2])}))
    arr.append(Array([Map({"k": "v"})]))
    doc.get("m", type=Map)["sub"] = Doc(guid="sous-document")
    return doc.get_update()


def xml_update() -> bytes:
    doc = Doc(client_id=14)
    frag = doc.get("x", type=XmlFragment)
    frag.children.append(XmlElement("p", {"class": "c"}, [XmlText("salut")]))
    frag.children.append(XmlText("fin"))
    return doc.get_update()


def real_updates() -> list[bytes]:
    a, _ = two_clients(rounds=2)
    return [text_update(), formatted_update(), map_update(), nested_update(), xml_update(), a.get_update()]


def test_empty_doc() -> None:
    assert Doc().get_update() == b"\x00\x00"
    summary = validate_update(b"\x00\x00")
    assert summary == UpdateSummary(0, 0, frozenset())
    assert summary.is_empty


def test_text_with_accents_and_emoji() -> None:
    assert validate_update(text_update()) == UpdateSummary(1, 0, frozenset({1}))


def test_formatted_text() -> None:
    # "Bon" + "jour", 2 bold markers, " à tous" inside 2 italic/color starts and 2 ends, the embed
    assert validate_update(formatted_update()) == UpdateSummary(10, 0, frozenset({11}))


def test_format_only_transaction() -> None:
    doc = Doc(client_id=3)
    text = doc.get("t", type=Text)
    text += "abc"
    updates = captured(doc)
    text.format(1, 2, {"bold": True})
    assert validate_update(updates[-1]) == UpdateSummary(2, 0, frozenset({3}))


def test_delete_only_updates() -> None:
    doc = Doc(client_id=4)
    text = doc.get("t", type=Text)
    text += "Bonjour"
    before = doc.get_state()
    updates = captured(doc)
    del text[0:3]
    for data in (updates[-1], doc.get_update(before)):
        summary = validate_update(data)
        assert summary.structs == 0 and summary.deletes >= 1 and not summary.is_empty


def test_map_with_nested_values() -> None:
    assert validate_update(map_update()) == UpdateSummary(6, 0, frozenset({12}))


def test_array_nested_types_and_subdoc() -> None:
    # [1, "deux", 3.5] is one struct; each type and each content in it is one; the subdoc is one
    assert validate_update(nested_update()) == UpdateSummary(10, 0, frozenset({13}))


def test_xml() -> None:
    # element, its attribute, 2 XmlTexts and their 2 strings
    assert validate_update(xml_update()) == UpdateSummary(6, 0, frozenset({14}))


def test_two_clients_full_and_diff() -> None:
    a, b = two_clients()
    full = validate_update(a.get_update())
    assert full.clients == {1, 2} and full.structs > 50 and full.deletes > 0
    state = b.get_state()
    random_edits(a.get("t", type=Text), random.Random(9), 30)
    diff = validate_update(a.get_update(state))
    assert diff.clients == {1} and 0 < diff.structs <= 30


def test_pycrdt_zero_length_strings_are_refused() -> None:
    """Given a Text offset inside a UTF-8 sequence, pycrdt writes an empty String item. Its clock
    length is 0 for every reader but 1 for the author: a receiver computes clock 2 where the author
    has 3 and never integrates the author's later edits. yrs also drops empty items at decoding,
    which can leave a client section empty and panic (update.rs:85). Refused, loudly."""
    doc = Doc(client_id=7)
    text = doc.get("t", type=Text)
    text.insert(0, "éa")
    text.insert(1, "x")  # byte 1 is inside "é"
    with pytest.raises(ProtocolError, match="vide"):
        validate_update(doc.get_update())


YJS_SCRIPT = """
import * as Y from 'yjs'
const out = []
const d1 = new Y.Doc(); d1.clientID = 1
d1.on('update', u => out.push(u))
const t = d1.getText('t')
t.insert(0, 'é😀 Bonjour'); t.format(0, 3, { bold: true }); t.insert(2, 'x', { italic: true })
t.insertEmbed(1, { image: 'a.png' }); t.delete(0, 2)
const m = d1.getMap('m')
m.set('d', { a: [1, 2.5, true, null, new Uint8Array([0, 1])], u: undefined, big: 2n ** 40n })
m.set('sub', new Y.Doc({ guid: 'sous-doc', autoLoad: true })); m.delete('d')
d1.getArray('a').push([1, 'deux', new Y.Map(), new Y.Array(), new Y.Text('txt')])
const el = new Y.XmlElement('p'); el.setAttribute('class', 'c'); el.insert(0, [new Y.XmlText('salut')])
d1.getXmlFragment('x').insert(0, [el, new Y.XmlHook('hook')])
const d2 = new Y.Doc(); d2.clientID = 2
Y.applyUpdate(d2, Y.encodeStateAsUpdate(d1))
d2.getText('t').insert(3, 'ZZZ 😀'); d2.getText('t').delete(0, 1)
out.push(Y.encodeStateAsUpdate(d2), Y.encodeStateAsUpdate(d2, Y.encodeStateVector(d1)))
const d3 = new Y.Doc(); d3.clientID = 3
const ups = []; d3.on('update', u => ups.push(u))
for (let i = 0; i < 5; i++) d3.getText('t').insert(i, 'abcé'[i % 4])
out.push(Y.mergeUpdates([ups[0], ups[2], ups[4]]))  // a gap: Skip struct
console.log(JSON.stringify(out.map(u => Buffer.from(u).toString('hex'))))
"""


def test_stock_yjs_updates_are_accepted() -> None:
    """Updates written by the Yjs 13.6 of tests/js: formats, embeds, subdocs, Xml hooks, Skip."""
    js = Path(__file__).resolve().parents[1] / "js"
    if shutil.which("node") is None or not (js / "node_modules" / "yjs").is_dir():
        pytest.skip("node or tests/js/node_modules/yjs missing")
    run = subprocess.run(
        ["node", "--input-type=module", "-e", YJS_SCRIPT], cwd=js, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    updates = [bytes.fromhex(h) for h in json.loads(run.stdout)]
    summaries = [validate_update(u) for u in updates]
    assert summaries[-3].clients == {1, 2} and summaries[-2].clients == {2}
    assert summaries[-1].structs == 5  # 3 inserts and the 2 Skips between them
    assert sum(s.deletes for s in summaries[:-3]) >= 2


# -- truncation and trailing bytes --------------------------------------------------------


@pytest.mark.parametrize("data", real_updates(), ids=["text", "format", "map", "nested", "xml", "two"])
def test_every_prefix_and_trailing_byte_refused(data: bytes) -> None:
    validate_update(data)
    for end in range(len(data)):
        with pytest.raises(ProtocolError):
            validate_update(data[:end])
    with pytest.raises(ProtocolError, match="en trop"):
        validate_update(data + b"\x00")


# -- hostile input ------------------------------------------------------------------------

HUGE = vu(0xFFFFFFFF)
NESTED = b"\x75\x01" * 40 + b"\x7e"

# name: (bytes, what the refusal says)
HOSTILE = {
    "huge client count": (HUGE, "nombre d'éléments"),
    "huge struct count": (b"\x01" + HUGE + b"\x00\x00", "nombre de structures"),
    "zero struct count": (b"\x01\x00\x01\x00\x00", "nombre de structures"),
    "zero-length GC": (update([(1, 0, [b"\x00\x00"])]), "structure vide"),
    "zero-length Skip": (update([(1, 0, [b"\x0a\x00", root_item(4, vs("a"))])]), "structure vide"),
    "zero-length Deleted": (one_item(1, b"\x00"), "structure vide"),
    "zero-length String": (one_item(4, vs("")), "structure vide"),
    "zero-length Any": (one_item(8, b"\x00"), "structure vide"),
    "huge root name": (update([(1, 0, [b"\x04\x01" + HUGE + b"t"])]), "longueur déclarée"),
    "huge string": (one_item(4, HUGE + b"ab"), "longueur déclarée"),
    "huge any count": (one_item(8, HUGE + b"\x7e"), "nombre d'éléments"),
    "huge any array": (one_item(8, b"\x01\x75" + HUGE), "nombre d'éléments"),
    "huge any object": (one_item(8, b"\x01\x76" + HUGE), "nombre d'éléments"),
    "huge binary": (one_item(3, HUGE), "longueur déclarée"),
    "huge delete ranges": (b"\x00\x01\x00" + HUGE, "nombre d'éléments"),
    "huge delete clients": (b"\x00" + HUGE, "nombre d'éléments"),
    "struct clock overflow": (update([(1, MAX_CLOCK, [root_item(4, vs("ab"))])]), "horloge"),
    "clock 2**32": (update([(1, 1 << 32, [root_item(4, vs("a"))])]), "horloge"),
    "clock 2**31": (update([(1, 1 << 31, [root_item(4, vs("a"))])]), "horloge"),
    "gc clock wrap": (update([(1, 0, [b"\x00" + HUGE, b"\x00\x02"])]), "horloge"),
    "origin clock overflow": (update([(1, 0, [b"\x84\x01" + vu(1 << 31) + vs("a")])]), "horloge"),
    "delete clock overflow": (b"\x00\x01\x01\x01" + vu(MAX_CLOCK) + b"\x02", "horloge"),
    "zero-length delete": (b"\x00\x01\x01\x01\x05\x00", "plage de suppression"),
    "unsorted deletes": (b"\x00\x01\x01\x02\x05\x01\x01\x01", "plage de suppression"),
    "overlapping deletes": (b"\x00\x01\x01\x02\x01\x05\x03\x01", "plage de suppression"),
    "duplicate delete client": (b"\x00\x02\x01\x01\x00\x01\x01\x01\x05\x01", "client en double"),
    "duplicate struct client": (
        update([(1, 0, [root_item(4, vs("a"))]), (1, 1, [root_item(4, vs("b"))])]),
        "client en double",
    ),
    "content ref 11": (one_item(11, b"\x00"), "type de contenu"),
    "content ref 20": (one_item(0x14, vs("ab")), "type de contenu"),
    "content ref 31": (one_item(0x1F, b"\x00"), "type de contenu"),
    "legacy JSON content": (one_item(2, b"\x01" + vs("1")), "JSON historique"),
    "gc with flag bits": (update([(1, 0, [b"\x20\x05"])]), "structure invalide"),
    "skip with flag bits": (update([(1, 0, [b"\x8a\x05"])]), "structure invalide"),
    "parent info 2": (update([(1, 0, [b"\x04\x02\x01\x00" + vs("a")])]), "parent invalide"),
    "type ref 7": (one_item(7, b"\x07"), "type partagé"),
    "type ref 200": (one_item(7, vu(200)), "type partagé"),
    "unknown any type": (one_item(8, b"\x01\x73"), "type de valeur"),
    "any type 0": (one_item(8, b"\x01\x00"), "type de valeur"),
    "any too deep": (one_item(8, b"\x01" + NESTED), "profond"),
    "any object too deep": (one_item(8, b"\x01" + (b"\x76\x01" + vs("k")) * 40 + b"\x7e"), "profond"),
    "signed varint too long": (one_item(8, b"\x01\x7d" + b"\xff" * 9 + b"\x01"), "entier signé"),
    "invalid UTF-8 content": (one_item(4, vs(b"\xc3\x28")), "UTF-8"),
    "UTF-8 surrogate": (one_item(4, vs(b"\xed\xa0\x80")), "UTF-8"),
    "overlong UTF-8": (one_item(4, vs(b"\xc0\xaf")), "UTF-8"),
    "invalid UTF-8 root name": (update([(1, 0, [root_item(4, vs("a"), name=b"\xff")])]), "UTF-8"),
    "invalid UTF-8 parentSub": (update([(1, 0, [b"\x28\x01" + vs("m") + vs(b"\xfe") + b"\x01\x7e"])]), "UTF-8"),
    "invalid UTF-8 any string": (one_item(8, b"\x01\x77" + vs(b"\x80")), "UTF-8"),
    "invalid embed JSON": (one_item(5, vs("{")), "JSON invalide"),
    "embed NaN": (one_item(5, vs("NaN")), "JSON invalide"),
    "embed with BOM": (one_item(5, vs("\ufeff1")), "JSON invalide"),
    "embed UTF-16 guess": (one_item(5, vs('"\x00"\x00')), "JSON invalide"),
    "embed deep JSON": (one_item(5, vs("[" * 100_000 + "]" * 100_000)), "JSON invalide"),
    "format invalid JSON": (one_item(6, vs("bold") + vs("tru")), "JSON invalide"),
    "subdoc options not an object": (one_item(9, vs("guid") + b"\x7d\x05"), "sous-document"),
    "subdoc options null": (one_item(9, vs("guid") + b"\x7e"), "sous-document"),
    "truncated float64": (one_item(8, b"\x01\x7b\x00\x00"), "longueur déclarée"),
}


@pytest.mark.parametrize(("data", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_updates_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        validate_update(data)


def test_limits() -> None:
    data = map_update()
    with pytest.raises(MessageTooLarge):
        validate_update(data, UpdateLimits(max_bytes=len(data) - 1))
    with pytest.raises(MessageTooLarge):
        validate_update(data, UpdateLimits(max_structs=5))
    assert validate_update(data, UpdateLimits(max_structs=6)).structs == 6
    with pytest.raises(MessageTooLarge):
        validate_update(one_item(4, vs("x" * 100)), UpdateLimits(max_string_bytes=99))
    depth = one_item(8, b"\x01" + b"\x75\x01" * 3 + b"\x7e")  # 4 levels
    assert validate_update(depth, UpdateLimits(max_any_depth=4)).structs == 1
    with pytest.raises(ProtocolError, match="profond"):
        validate_update(depth, UpdateLimits(max_any_depth=3))
    with pytest.raises(MessageTooLarge):
        validate_update(b"\x00" * (8 * 1024 * 1024 + 1))


def test_clock_bounds_are_inclusive() -> None:
    last = update([(1, MAX_CLOCK - 1, [root_item(4, vs("a"))])], b"\x01\x01\x01" + vu(MAX_CLOCK - 1) + b"\x01")
    assert validate_update(last) == UpdateSummary(1, 1, frozenset({1}))
    big_client = update([((1 << 53) - 1, 0, [root_item(4, vs("a"))])])
    assert validate_update(big_client).clients == {(1 << 53) - 1}


def test_hand_built_valid_shapes() -> None:
    """Shapes stock Yjs writes that pycrdt rarely does: GC, Skip, Deleted, XmlHook, a parent ID."""
    structs = [
        b"\x00\x03",  # GC, clocks 0-2
        b"\x0a\x02",  # Skip, 3-4
        b"\x81\x01\x00" + b"\x04",  # Deleted(4) after (1, 0): 5-8
        root_item(7, b"\x05" + vs("hook")),  # XmlHook: 9
        b"\x04\x00\x01\x09" + vs("enfant"),  # String whose parent is the item (1, 9)
        b"\x24\x01" + vs("m") + vs("clé") + vs("v"),  # map entry: parentSub
        root_item(3, vs(b"\x00\x01\x02")),  # Binary
        root_item(8, b"\x03\x7d\x7f\x7c\x00\x00\x80\x3f\x7a" + b"\x00" * 8),  # Any: -63, f32, bigint
        root_item(8, b"\x02\x74\x02\xff\x00\x76\x01" + vs("k") + b"\x79"),  # Any: bytes, object
    ]
    assert validate_update(update([(1, 0, structs)])) == UpdateSummary(9, 0, frozenset({1}))


def test_fast_varuint_matches_lib0() -> None:
    """The validator decodes varuints itself for speed; it must agree with lib0.Reader."""
    rng = random.Random(7)
    samples = [vu(n) for n in (0, 127, 128, 2**32, 2**53 - 1)] + [b"\x80" * 9 + b"\x00", b"\xff" * 8 + b"\x7f"]
    samples += [
        bytes(rng.choice((0x00, 0x7F, 0x80, 0xFF, 0x01)) for _ in range(rng.randrange(12))) for _ in range(3000)
    ]
    for data in samples:
        fast, slow = Reader(data), Reader(data)
        try:
            expected: object = (slow.read_var_uint(), slow.pos)
        except ProtocolError as exc:
            expected = str(exc)
        try:
            got: object = (_uint(fast), fast.pos)
        except ProtocolError as exc:
            got = str(exc)
        assert got == expected, data.hex()


# -- regression: what yrs does with tiny malformed updates --------------------------------


def test_regression_seven_bytes_exhaust_memory() -> None:
    """`01 01 01 00 00 00 00`: client 1 writes one GC of length 0 at clock 0. Applied to a doc that
    already holds client 1's "é😀", yrs 0.28 (pycrdt 0.14.13) accepts it; the next edit of the text
    (`insert(0, "q")`, by anyone) then allocates without end: under RLIMIT_AS 1 GiB the process
    aborts with "memory allocation of 1073741824 bytes failed", under 4 GiB with 4294967296. With no
    limit it takes the machine's memory. Ours refuses the empty struct."""
    with pytest.raises(ProtocolError, match="vide"):
        validate_update(bytes.fromhex("01010100000000"))


def test_regression_four_bytes_reserve_hundreds_of_megabytes() -> None:
    """`80 80 80 04`: numClients = 8 388 608 and nothing else. yrs reserves a client map that size
    before noticing the truncation: the address space peaked at 704 MB (25 MB before), 22 MB of it
    touched, for 4 bytes; `01 80 80 80 08 00 00` reserves 400 MB for 2**24 structs. Ours refuses
    the counts at once: they cannot fit in the bytes left."""
    with pytest.raises(ProtocolError):
        validate_update(bytes.fromhex("80808004"))
    with pytest.raises(ProtocolError):
        validate_update(bytes.fromhex("01808080080000"))


def test_regression_clock_wrap_bricks_the_document() -> None:
    """13 bytes: a GC of length 2**32 - 1, then a GC of length 2. yrs keeps clocks in u32, the
    clock wraps, and apply_update raises PanicException "attempt to divide by zero"
    (block_store.rs:60); every later edit of that Doc panics the same way."""
    with pytest.raises(ProtocolError, match="horloge"):
        validate_update(bytes.fromhex("0102010000ffffffff0f000200"))


def test_regression_far_clock_panics() -> None:
    """Client 1 has written "é😀" (clocks 0-2); then comes "é😀" again from client 1 at clock
    2**31 + 4. yrs panics in apply_update ("called `Option::unwrap()` on a `None` value",
    block_store.rs:317) whenever a struct lands more than 2**31 past the client's known clock.
    Clocks are therefore capped below 2**31, whatever the receiver already holds."""
    assert MAX_CLOCK == (1 << 31) - 1
    far = update([(1, (1 << 31) + 4, [root_item(4, vs("é😀"))])])
    with pytest.raises(ProtocolError, match="horloge"):
        validate_update(far)


def test_regression_deep_any_kills_the_process() -> None:
    """A 200 KB update: one Any array nested 100 000 deep. yrs decodes Any recursively and the
    process dies with SIGSEGV (stack overflow); 20 000 levels still passed."""
    data = one_item(8, b"\x01" + b"\x75\x01" * 100_000 + b"\x7e")
    with pytest.raises(ProtocolError, match="profond"):
        validate_update(data)


# -- fuzz ---------------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import resource, struct, sys
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    import pycrdt

    def records(raw):
        pos = 0
        while pos < len(raw):
            (n,) = struct.unpack_from("<I", raw, pos)
            yield raw[pos + 4 : pos + 4 + n]
            pos += 4 + n

    def exercise(updates):
        doc = pycrdt.Doc()
        for data in updates:
            doc.apply_update(data)
        doc.get_update()
        text = doc.get("t", type=pycrdt.Text)
        text.insert(0, "q")
        text.insert(len(str(text).encode()), "z")
        del text[0:1]

    raw = iter(records(open(sys.argv[1], "rb").read()))
    panics = 0
    for base, mutant in zip(raw, raw):
        for updates in ([mutant], [base, mutant]):
            try:
                exercise(updates)
            except Exception:
                pass
            except BaseException as exc:  # pyo3's PanicException
                panics += 1
                print("panic", base.hex(), mutant.hex(), exc, file=sys.stderr)
    print(panics)
    """
)

INTERESTING = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x75, 0x76, 0x77, 0x7D, 0x84, 0xC4]
NUMBERS = [0, 1, 2, 3, 127, 128, MAX_CLOCK - 1, MAX_CLOCK, (1 << 31) + 4, (1 << 32) - 1, (1 << 53) - 1]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four byte-level or varuint-level changes (most fields are varuints)."""
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 4))):
        i = rng.randrange(len(buf) + 1)
        op = rng.randrange(8)
        if op == 0 and i < len(buf):
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and i < len(buf):
            buf[i] = rng.choice(INTERESTING)
        elif op == 2:
            buf.insert(i, rng.randrange(256))
        elif op == 3 and i < len(buf):
            del buf[i]
        elif op == 4:
            del buf[i:]
        elif op == 5:
            j = rng.randrange(len(buf) + 1)
            buf[i:i] = buf[min(i, j) : max(i, j)][:64]
        elif op == 6 and i < len(buf) and buf[i] < 0x80 and i + buf[i] < len(buf):
            del buf[i + 1 : i + 1 + buf[i]]  # empty the short string (or count) at i
            buf[i] = 0
        else:  # replace the varuint at i
            end = i
            while end < len(buf) and buf[end] & 0x80:
                end += 1
            buf[i : end + 1] = vu(rng.choice(NUMBERS))
        if not buf:
            buf.append(0)
    return bytes(buf)


def test_fuzz_mutants_are_refused_or_harmless(tmp_path: Path) -> None:
    """3000 mutants of real updates. Each one the validator accepts is applied by pycrdt in a child
    process (RLIMIT_AS 2 GiB), alone and on top of the update it came from, followed by edits: the
    child must neither die nor see a Rust panic."""
    rng = random.Random(20240611)
    seeds = real_updates() + [b"\x00\x00", captured_keystroke()]
    accepted: list[bytes] = []
    for _ in range(3000):
        base = rng.choice(seeds)
        mutant = mutate(base, rng)
        try:
            validate_update(mutant)
        except ProtocolError:
            continue
        accepted += [base, mutant]
    assert 100 < len(accepted) // 2 < 3000
    batch = tmp_path / "accepted.bin"
    batch.write_bytes(b"".join(struct.pack("<I", len(m)) + m for m in accepted))
    child = subprocess.run([sys.executable, "-c", CHILD, str(batch)], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.strip() == "0", child.stderr[-2000:]


def captured_keystroke() -> bytes:
    doc = Doc(client_id=21)
    text = doc.get("t", type=Text)
    text += "Bonjour à tous"
    updates = captured(doc)
    text_insert(text, 7, ",")
    return updates[-1]


# -- state vectors ------------------------------------------------------------------------


def test_state_vector_real() -> None:
    a, _ = two_clients(rounds=1)
    state = validate_state_vector(a.get_state())
    assert set(state) == {1, 2} and all(clock > 0 for clock in state.values())
    assert validate_state_vector(Doc().get_state()) == {}


@pytest.mark.parametrize(
    "data",
    [b"", b"\x01\x01", b"\x01\x01\x05\x00", vu(0xFFFFFFFF), b"\x02\x01\x05\x01\x06", b"\x01\x01" + vu(1 << 32)],
    ids=["empty", "truncated", "trailing", "huge count", "duplicate client", "clock overflow"],
)
def test_state_vector_malformed(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        validate_state_vector(data)


def test_state_vector_size_cap() -> None:
    with pytest.raises(MessageTooLarge):
        validate_state_vector(b"\x00" * 65, max_bytes=64)


# -- awareness ----------------------------------------------------------------------------


def awareness_bytes(*entries: tuple[int, int, str | bytes]) -> bytes:
    return vu(len(entries)) + b"".join(vu(c) + vu(k) + vs(s) for c, k, s in entries)


def test_awareness_real() -> None:
    doc = Doc(client_id=31)
    awareness = Awareness(doc)
    state = {"user": {"name": "Zoé 😀", "color": "#30bced"}, "cursor": None}
    awareness.set_local_state(state)
    [(client, clock, text)] = validate_awareness(awareness.encode_awareness_update([31]))
    assert client == 31 and clock >= 1 and json.loads(text) == state
    awareness.set_local_state(None)
    [(client, _, text)] = validate_awareness(awareness.encode_awareness_update([31]))
    assert (client, text) == (31, "null")


def test_awareness_hand_built() -> None:
    data = awareness_bytes((1, 3, '{"a": 1}'), (2, 9, " null "), (3, 0, "[]"))
    assert validate_awareness(data) == [(1, 3, '{"a": 1}'), (2, 9, "null"), (3, 0, "[]")]
    assert validate_awareness(b"\x00") == []


@pytest.mark.parametrize(
    "data",
    [
        awareness_bytes((1, 1, "{")),
        awareness_bytes((1, 1, "NaN")),
        awareness_bytes((1, 1, "")),
        awareness_bytes((1, 1, "\ufeff{}")),
        awareness_bytes((1, 1, "[" * 50_000)),
        awareness_bytes((1, 1, b'{"a": "\xff"}')),
        awareness_bytes((1, 1, "{}"))[:-1],
        awareness_bytes((1, 1, "{}")) + b"\x00",
        vu(0xFFFFFFFF) + b"\x01\x01",
        b"",
    ],
    ids=["json", "nan", "empty", "bom", "deep", "utf8", "truncated", "trailing", "huge count", "nothing"],
)
def test_awareness_malformed(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        validate_awareness(data, max_bytes=1 << 20)


def test_awareness_size_cap() -> None:
    with pytest.raises(MessageTooLarge):
        validate_awareness(awareness_bytes((1, 1, "x" * 70_000)))
