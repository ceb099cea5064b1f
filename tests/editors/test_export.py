"""Export of a formatted procès-verbal to ODT, PDF, HTML, Markdown and text: the structure
written, what real LibreOffice reads back, and the `parvis docs export` command."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Text

from editors import export as ex
from editors.odt import to_odt
from storage.docs import DocStore, OpenDoc
from storage.errors import InvalidInput
from storage.vault import Vault
from tests.e2e.cli import PASSPHRASE, Profile

TITLE = "Procès-verbal du conseil municipal du 12 mars 2025"
URL = "https://www.mairie-exemple.fr/pv?id=14&v=2"
LO_TIMEOUT = 120

# (text, attributes) inserted in order; block attributes sit on the "\n".
CONTENT: list[tuple[str, dict[str, Any]]] = [
    ("Procès-verbal de la séance", {}), ("\n", {"header": 1}),
    ("Présents et représentés", {}), ("\n", {"header": 2}),
    ("Délibération n° 2025-014", {}), ("\n", {"header": 3}),
    ("Le conseil, ", {}), ("après en avoir délibéré", {"bold": True}), (", adopte ", {}),
    ("à l'unanimité", {"italic": True}), (" le ", {}), ("budget primitif", {"underline": True}),
    (" et ", {}), ("rejette l'amendement", {"strike": True}), (". Voir ", {}),
    ("le site de la mairie", {"link": URL}), (" ou ", {}), ("ce lien piégé", {"link": "javascript:alert(1)"}),
    (".\n", {}),
    ("Mme Dupré 😀", {}), ("\n", {"list": "bullet"}),
    ("M. Lefèvre, maire", {}), ("\n", {"list": "bullet"}),
    ("Approbation du procès-verbal", {}), ("\n", {"list": "ordered"}),
    ("Budget « exercice 2025 » ✓", {}), ("\n", {"list": "ordered"}),
    ("Fait à Besançon, le 12 mars 2025", {}), ("\n", {"align": "right"}),
    ("Séance levée", {}), ("\n", {"align": "center"}),
    ("Vote\tpour : 12  contre :   3 ", {}), ("\n", {}),
    ("", {}), ("\n", {}),
    ("  Annexe", {}), ("\n", {}),
]
BODY = "".join(text for text, _ in CONTENT)
PARAGRAPHS = BODY.split("\n")[:-1]


def fill(text: Text) -> None:
    for piece, attrs in CONTENT:
        # Explicit attributes (even {}): a Yjs insert otherwise inherits its left neighbour's.
        text.insert(len(text), piece, attrs)


def make_doc() -> OpenDoc:
    od = OpenDoc("pv", Doc(), 0)
    fill(od.body)
    od.meta["title"] = TITLE
    return od


@pytest.fixture(scope="module")
def od() -> OpenDoc:
    return make_doc()


@pytest.fixture(scope="module")
def odt_bytes(od: OpenDoc) -> bytes:
    return ex.render(od, ".odt")


# -- the paragraph model ---------------------------------------------------------------------


def test_paragraph_model(od: OpenDoc) -> None:
    paras = ex.paragraphs(od.body.diff())
    assert [p.text for p in paras] == PARAGRAPHS
    assert [p.header for p in paras[:4]] == [1, 2, 3, 0]  # ints, though Yjs stores 1.0
    assert [p.list for p in paras[4:8]] == ["bullet", "bullet", "ordered", "ordered"]
    assert [p.align for p in paras[8:10]] == ["right", "center"]
    links = {r.text: r.link for r in paras[3].runs if r.link or "lien" in r.text}
    assert links == {"le site de la mairie": URL, "ce lien piégé": None}


def test_unsafe_links_are_refused() -> None:
    for bad in ("javascript:alert(1)", " JavaScript:x", "java\tscript:x", "data:text/html,x", "file:///etc/passwd",
                "/relatif", "www.mairie.fr", "", None, 3):
        assert ex.safe_link(bad) is None, bad
    for good in ("https://a.fr/x?y=1", "HTTP://a.fr", "mailto:accueil@mairie.fr"):
        assert ex.safe_link(good) == good


# -- ODT: what we write ----------------------------------------------------------------------

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xlink": "http://www.w3.org/1999/xlink",
}


def q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def odt_part(data: bytes, name: str) -> ET.Element:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return ET.fromstring(z.read(name))


def odf_text(element: ET.Element) -> str:
    """The text a conforming reader sees in a paragraph: ODF white-space rules applied (a
    blank after a blank, and blanks at the start and end of the paragraph, vanish), <text:s>,
    <text:tab> and <text:line-break> expanded."""
    pieces: list[tuple[str, bool]] = []  # (characters, collapsible)

    def walk(node: ET.Element) -> None:
        if node.text:
            pieces.append((re.sub(r"[\t\r\n]", " ", node.text), True))
        for child in node:
            if child.tag == q("text:s"):
                pieces.append((" " * int(child.get(q("text:c"), "1")), False))
            elif child.tag == q("text:tab"):
                pieces.append(("\t", False))
            elif child.tag == q("text:line-break"):
                pieces.append(("\n", False))
            else:
                walk(child)
            if child.tail:
                pieces.append((re.sub(r"[\t\r\n]", " ", child.tail), True))

    walk(element)
    out: list[tuple[str, bool]] = []
    for chars, collapsible in pieces:
        for ch in chars:
            if collapsible and ch == " " and (not out or out[-1][0] == " "):
                continue
            out.append((ch, collapsible))
    while out and out[-1] == (" ", True):  # a plain trailing blank vanishes too
        out.pop()
    return "".join(ch for ch, _ in out)


def blocks(content: ET.Element) -> list[ET.Element]:
    body = content.find("office:body/office:text", NS)
    assert body is not None
    return [e for e in body.iter() if e.tag in (q("text:p"), q("text:h"))]


def test_odt_package(odt_bytes: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(odt_bytes)) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        assert {"content.xml", "styles.xml", "meta.xml", "META-INF/manifest.xml"} <= set(z.namelist())
    metadata = odt_part(odt_bytes, "meta.xml")
    assert metadata.findtext(".//dc:title", namespaces=NS) == TITLE
    assert metadata.findtext(".//dc:language", namespaces=NS) == "fr-FR"


def test_odt_headings_lists_and_page(odt_bytes: bytes) -> None:
    content, styles = odt_part(odt_bytes, "content.xml"), odt_part(odt_bytes, "styles.xml")
    headings = [(h.get(q("text:outline-level")), h.get(q("text:style-name")), odf_text(h))
                for h in content.iter(q("text:h"))]
    assert headings == [("1", "Heading_20_1", PARAGRAPHS[0]), ("2", "Heading_20_2", PARAGRAPHS[1]),
                        ("3", "Heading_20_3", PARAGRAPHS[2])]
    common = {s.get(q("style:name")): s for s in styles.iter(q("style:style"))}
    for level in (1, 2, 3):
        style = common[f"Heading_20_{level}"]
        assert style.get(q("style:display-name")) == f"Heading {level}"
        assert style.get(q("style:default-outline-level")) == str(level)

    lists = content.findall(".//text:list", NS)
    assert [(lst.get(q("text:style-name")), [odf_text(p) for p in lst.iter(q("text:p"))]) for lst in lists] == [
        ("List_20_1", PARAGRAPHS[4:6]), ("Numbering_20_123", PARAGRAPHS[6:8])]
    list_styles = {s.get(q("style:name")): s for s in styles.iter(q("text:list-style"))}
    assert list_styles["List_20_1"].find("text:list-level-style-bullet[@text:level='1']", NS) is not None
    number = list_styles["Numbering_20_123"].find("text:list-level-style-number[@text:level='1']", NS)
    assert number is not None and number.get(q("style:num-format")) == "1"

    default = styles.find(".//style:default-style[@style:family='paragraph']/style:text-properties", NS)
    assert default is not None
    assert (default.get(q("fo:language")), default.get(q("fo:country"))) == ("fr", "FR")
    assert default.get(q("style:font-name")) == "Liberation Serif"
    page = styles.find(".//style:page-layout-properties", NS)
    assert page is not None and (page.get(q("fo:page-width")), page.get(q("fo:page-height"))) == ("21cm", "29.7cm")


def test_odt_inline_styles_links_and_alignment(odt_bytes: bytes) -> None:
    content = odt_part(odt_bytes, "content.xml")
    auto = {s.get(q("style:name")): s for s in content.iter(q("style:style"))}

    def props(style_name: str | None) -> dict[str, str]:
        found = auto[style_name].find("style:text-properties", NS) if style_name in auto else None
        return {k.split("}")[1]: v for k, v in (found.attrib.items() if found is not None else [])}

    spans = {odf_text(s): props(s.get(q("text:style-name"))) for s in content.iter(q("text:span"))}
    assert spans["après en avoir délibéré"]["font-weight"] == "bold"
    assert spans["à l'unanimité"]["font-style"] == "italic"
    assert spans["budget primitif"]["text-underline-style"] == "solid"
    assert spans["rejette l'amendement"]["text-line-through-style"] == "solid"
    assert all(len(p) > 0 for p in spans.values())  # no span without a style
    assert "font-weight" not in spans["à l'unanimité"]

    anchors = [(a.get(q("xlink:href")), odf_text(a)) for a in content.iter(q("text:a"))]
    assert anchors == [(URL, "le site de la mairie")]
    assert b"javascript" not in zipfile.ZipFile(io.BytesIO(odt_bytes)).read("content.xml")

    aligned = {odf_text(p): auto[p.get(q("text:style-name"))].find("style:paragraph-properties", NS)
               for p in blocks(content) if p.get(q("text:style-name")) in auto}
    assert {text: el.get(q("fo:text-align")) for text, el in aligned.items() if el is not None} == {
        PARAGRAPHS[8]: "end", PARAGRAPHS[9]: "center"}


def test_odt_round_trips_the_text(odt_bytes: bytes) -> None:
    assert [odf_text(p) for p in blocks(odt_part(odt_bytes, "content.xml"))] == PARAGRAPHS


def test_odt_keeps_blanks_across_styles_and_drops_forbidden_characters() -> None:
    doc = Doc()
    doc["body"] = body = Text()
    for piece, attrs in (("a ", {}), (" b", {"bold": True}), ("  ", {"italic": True}), ("\x0c\x00c\x01 \n", {})):
        body.insert(len(body), piece, attrs)
    data = to_odt(ex.paragraphs(body.diff()), "")
    content = odt_part(data, "content.xml")  # would raise on an invalid XML character
    assert [odf_text(p) for p in blocks(content)] == ["a  b  c "]


# -- ODT: what LibreOffice reads ---------------------------------------------------------------


class Structure(HTMLParser):
    """What an HTML page shows: texts by enclosing tag, list items by list kind, links."""

    VOID = ("br", "meta", "li", "p", "link", "img", "sdfield", "col")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []  # open elements; "a[href]" for a link, "a" for a bookmark
        self.texts: dict[str, list[str]] = {}
        self.items: list[tuple[str, str]] = []
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li":
            self.items.append((next((t for t in reversed(self.stack) if t in ("ul", "ol")), "?"), ""))
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append((href, ""))
            tag = "a[href]"
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and "a" not in self.stack:
            tag = "a[href]"
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        for tag in set(self.stack):
            self.texts.setdefault(tag, []).append(data)
        if self.items and {"ul", "ol"} & set(self.stack):
            kind, text = self.items[-1]
            self.items[-1] = (kind, text + data)
        if "a[href]" in self.stack:
            href, text = self.links[-1]
            self.links[-1] = (href, text + data)

    def text_of(self, tag: str) -> str:
        return squash("".join(self.texts.get(tag, [])))


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def libreoffice_html(odt_bytes: bytes, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, float]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) est introuvable : lancez `scripts/system-deps.sh test` pour l'installer.")
    work = tmp_path_factory.mktemp("libreoffice")
    source = work / "pv.odt"
    source.write_bytes(odt_bytes)
    started = time.monotonic()
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
         "--nolockcheck", "--convert-to", "html", "--outdir", str(work / "out"), str(source)],
        capture_output=True, text=True, timeout=LO_TIMEOUT, stdin=subprocess.DEVNULL)
    elapsed = time.monotonic() - started
    converted = work / "out" / "pv.html"
    assert converted.exists(), f"LibreOffice n'a pas converti l'ODT ({result.returncode}) : {result.stderr}"
    return converted.read_text(encoding="utf-8"), elapsed


def test_libreoffice_reads_headings_lists_and_emphasis(libreoffice_html: tuple[str, float]) -> None:
    page, elapsed = libreoffice_html
    print(f"LibreOffice : conversion en {elapsed:.1f} s")
    seen = Structure()
    seen.feed(page)
    assert seen.text_of("title") == TITLE
    for level in (1, 2, 3):
        assert seen.text_of(f"h{level}") == PARAGRAPHS[level - 1]
    assert [(kind, squash(text)) for kind, text in seen.items] == [
        ("ul", PARAGRAPHS[4]), ("ul", PARAGRAPHS[5]), ("ol", PARAGRAPHS[6]), ("ol", PARAGRAPHS[7])]
    assert seen.text_of("b") == "après en avoir délibéré"
    assert seen.text_of("i") == "à l'unanimité"
    assert seen.text_of("u") == "budget primitif"
    assert (seen.text_of("strike") or seen.text_of("s") or seen.text_of("del")) == "rejette l'amendement"
    assert [(href, squash(text)) for href, text in seen.links] == [(URL, "le site de la mairie")]
    assert re.search(r'<p[^>]*align="right"[^>]*>\s*Fait à Besançon', page)
    assert re.search(r'<p[^>]*align="center"[^>]*>\s*Séance levée', page)
    body = seen.text_of("body")
    for paragraph in PARAGRAPHS:
        assert squash(paragraph) in body  # accents, « », ✓ and the emoji intact
    assert "Mme Dupré 😀" in page


# -- PDF ---------------------------------------------------------------------------------------


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def test_pdf(od: OpenDoc, qapp: Any) -> None:
    data = ex.render(od, ".pdf")
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert pdf_pages(data) == 1
    assert b"\xfe\xff" + TITLE.encode("utf-16-be") in data  # /Title in the Info dictionary
    assert TITLE.encode() in data  # and dc:title in the XMP metadata
    uris = re.findall(rb"/URI \((.*?)\)", data)
    assert uris and set(uris) == {URL.encode()}  # the safe link is clickable, the other is text
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True,
                              timeout=60).stdout.decode()
        assert "Procès-verbal de la séance" in text and "1 / 1" in text


def test_pdf_paginates_long_documents(qapp: Any) -> None:
    from editors.pdf import to_pdf

    doc = Doc()
    doc["body"] = body = Text()
    body.insert(0, "Considérant l'intérêt communal, le conseil délibère.\n" * 120)
    assert pdf_pages(to_pdf(ex.paragraphs(body.diff()), "")) >= 3


def test_pyside_keeps_none_alive(qapp: Any) -> None:
    """PySide6 6.12.0 on CPython 3.11 drops a reference to None on each void method call, and
    the process aborts after a few thousand (constraints.txt pins 6.11.3; this guards
    against an upgrade that brings the bug back)."""
    from PySide6.QtGui import QTextBlockFormat

    fmt = QTextBlockFormat()
    before = sys.getrefcount(None)
    for _ in range(500):
        fmt.setBottomMargin(4)
    lost = before - sys.getrefcount(None)
    assert lost < 50, (f"PySide6 perd une référence à None à chaque appel ({lost} sur 500) : épinglez "
                       "PySide6-Essentials à 6.11.3 (ou passez à Python 3.12+).")


# -- HTML, Markdown, text ------------------------------------------------------------------------


def test_html_is_standalone_escaped_and_french() -> None:
    doc = Doc()
    doc["body"] = body = Text()
    for piece, attrs in (("<script>alert('x')</script> & \"cie\"", {}), ("\n", {"header": 2}),
                         ("piège", {"link": "javascript:alert(1)"}), (" ", {}),
                         ("écrire", {"link": "mailto:accueil@mairie.fr"}), (" ", {}),
                         ("site", {"link": 'https://a.fr/?q="><script>'}), ("\n", {})):
        body.insert(len(body), piece, attrs)
    page = ex.to_html(ex.paragraphs(body.diff()), 'Budget <2025> & "annexes"')
    assert page.startswith("<!DOCTYPE html>\n")
    assert '<html lang="fr">' in page and '<meta charset="utf-8">' in page
    assert "<title>Budget &lt;2025&gt; &amp; &quot;annexes&quot;</title>" in page
    assert "<script" not in page and "javascript" not in page
    seen = Structure()
    seen.feed(page)
    assert seen.text_of("h2") == "<script>alert('x')</script> & \"cie\""
    assert seen.links == [("mailto:accueil@mairie.fr", "écrire"), ('https://a.fr/?q="><script>', "site")]
    assert "piège" in seen.text_of("body")


def test_html_of_the_minutes(od: OpenDoc) -> None:
    page = ex.render(od, ".html").decode("utf-8")
    assert f"<title>{TITLE}</title>" in page
    assert "<h1>Procès-verbal de la séance</h1>" in page
    assert "<ul>\n<li>Mme Dupré 😀</li>\n<li>M. Lefèvre, maire</li>\n</ul>" in page
    assert '<p style="text-align: right">Fait à Besançon, le 12 mars 2025</p>' in page
    assert "<p><br></p>" in page  # the empty line is kept
    assert "white-space: pre-wrap" in page  # so are the blanks


def test_markdown_and_text(od: OpenDoc) -> None:
    assert ex.render(od, ".txt").decode("utf-8") == BODY
    assert ex.render(od, ".md").decode("utf-8") == (
        "# Procès-verbal de la séance\n\n## Présents et représentés\n\n### Délibération n° 2025-014\n\n"
        "Le conseil, **après en avoir délibéré**, adopte *à l'unanimité* le budget primitif et "
        f"~~rejette l'amendement~~. Voir [le site de la mairie]({URL}) ou ce lien piégé.\n\n"
        "- Mme Dupré 😀\n- M. Lefèvre, maire\n\n"
        "1. Approbation du procès-verbal\n2. Budget « exercice 2025 » ✓\n\n"
        "Fait à Besançon, le 12 mars 2025\n\nSéance levée\n\nVote\tpour : 12  contre :   3 \n\n  Annexe\n")


def test_markdown_escapes_what_would_change_meaning() -> None:
    doc = Doc()
    doc["body"] = body = Text()
    for piece, attrs in (("# pas un titre", {}), ("\n", {}), ("3. pas une liste *ni* [lien]", {}), ("\n", {}),
                         ("gras ", {"bold": True}), ("fin", {}), ("\n", {})):
        body.insert(len(body), piece, attrs)
    assert ex.to_markdown(ex.paragraphs(body.diff())) == (
        "\\# pas un titre\n\n3\\. pas une liste \\*ni\\* \\[lien\\]\n\n**gras** fin\n")


# -- writing the file ----------------------------------------------------------------------------


def test_unknown_format_and_missing_folder_write_nothing(od: OpenDoc, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="inconnu"):
        ex.export(od, tmp_path / "pv.docx")
    with pytest.raises(ex.ExportFailed, match="n'existe pas"):
        ex.export(od, tmp_path / "absent" / "pv.odt")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_previous_file(od: OpenDoc, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "pv.md"
    target.write_text("version signée\n", encoding="utf-8")

    def full_disk(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ex.os, "replace", full_disk)
    with pytest.raises(ex.ExportFailed, match="Impossible d'écrire"):
        ex.export(od, target)
    assert target.read_text(encoding="utf-8") == "version signée\n"
    assert [p.name for p in tmp_path.iterdir()] == ["pv.md"]  # no temporary file left behind

    def denied(*_: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(ex.os, "replace", denied)
    with pytest.raises(ex.ExportFailed, match="droits insuffisants"):
        ex.export(od, target)
    assert [p.name for p in tmp_path.iterdir()] == ["pv.md"]


# -- the command line --------------------------------------------------------------------------


LONG = "Considérant l'intérêt communal, le conseil municipal délibère et adopte.\n" * 800


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Profile, str, str]]:
    profile = Profile(tmp_path_factory.mktemp("cli") / "p")
    profile.run("init")
    doc_id = profile.run("docs", "new", TITLE).stdout.strip()
    long_id = profile.run("docs", "new", "Recueil des actes").stdout.strip()
    vault = Vault.open(profile.folder, lambda: PASSPHRASE)
    try:
        store = DocStore(vault.conn)
        store.edit(store.open(doc_id), lambda o: fill(o.body))
        store.edit(store.open(long_id), lambda o: o.body.insert(0, LONG))
    finally:
        vault.close()
    yield profile, doc_id, long_id


def test_cli_exports_every_format(profile: tuple[Profile, str, str], tmp_path: Path) -> None:
    cli, doc_id, _ = profile
    for ext in ex.FORMATS:
        target = tmp_path / f"Procès-verbal 12 mars{ext}"
        result = cli.run("docs", "export", doc_id, str(target))
        assert result.stdout.strip() == f"Exporté vers {target}."
        assert result.stderr == "", result.stderr  # no Qt chatter, even for the PDF
    assert (tmp_path / "Procès-verbal 12 mars.txt").read_text(encoding="utf-8") == BODY
    assert (tmp_path / "Procès-verbal 12 mars.md").read_text(encoding="utf-8").startswith("# Procès-verbal")
    assert "<h3>Délibération n° 2025-014</h3>" in (tmp_path / "Procès-verbal 12 mars.html").read_text("utf-8")
    odt = (tmp_path / "Procès-verbal 12 mars.odt").read_bytes()
    assert [odf_text(p) for p in blocks(odt_part(odt, "content.xml"))] == PARAGRAPHS
    pdf = (tmp_path / "Procès-verbal 12 mars.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf_pages(pdf) == 1
    assert sorted(p.suffix for p in tmp_path.iterdir()) == sorted(ex.FORMATS)  # no temporary file left


def test_cli_exports_a_long_pdf(profile: tuple[Profile, str, str], tmp_path: Path) -> None:
    cli, _, long_id = profile
    result = cli.run("docs", "export", long_id, str(tmp_path / "recueil.pdf"), check=False)
    # A clean exit, not "deallocating None" (see test_pyside_keeps_none_alive).
    assert (result.returncode, result.stderr) == (0, "")
    assert pdf_pages((tmp_path / "recueil.pdf").read_bytes()) >= 20


def test_cli_refuses_unknown_format_and_missing_folder(profile: tuple[Profile, str, str], tmp_path: Path) -> None:
    cli, doc_id, _ = profile
    for target, needle in ((tmp_path / "pv.docx", "inconnu"), (tmp_path / "absent" / "pv.odt", "n'existe pas")):
        result = cli.run("docs", "export", doc_id, str(target), check=False)
        assert result.returncode != 0 and result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("parvis : ") and needle in lines[0], result.stderr
    assert list(tmp_path.iterdir()) == []
