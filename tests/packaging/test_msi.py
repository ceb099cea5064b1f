"""The Windows installer: built twice with wixl (packaging/build_msi.py), then its tables read
with msiinfo. Wine is not needed: `make msi-smoke` installs it under Wine, outside CI."""

from __future__ import annotations

import functools
import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "packaging" / "build_msi.py"
# Never changes: Windows Installer recognises earlier Parvis installs by it.
UPGRADE_CODE = "{F593293F-E70C-44BB-8FA6-DAC938339EF8}"
PROPERTIES = {  # msiexec property -> value under HKLM\Software\Parvis, and its Registry table value
    "SERVER_URL": ("ServerUrl", "[SERVER_URL]"),
    "CA_FILE": ("CaFile", "[CA_FILE]"),
    "DISABLE_LOCAL_ONLY": ("DisableLocalOnly", "#[F_DISABLE_LOCAL_ONLY]"),
    "AUTOSTART": ("AutoStart", "#[F_AUTOSTART]"),
    "NO_DESKTOP_SHORTCUT": ("NoDesktopShortcut", "#[F_NO_DESKTOP_SHORTCUT]"),
}
HKLM = "2"
COMPONENT_64BIT = 256
NO_WIXL = ("wixl/msitools absent, and `scripts/system-deps.sh test` could not install them (not Debian?): "
           "the MSI cannot be built here")


@functools.cache
def load_build_script() -> ModuleType:
    """packaging/build_msi.py as a module (packaging/ is no package: its name is the library's)."""
    spec = importlib.util.spec_from_file_location("parvis_build_msi", BUILD)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@dataclass
class Msi:
    path: Path
    stage: Path | None = None
    _tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def table(self, name: str) -> list[dict[str, str]]:
        """The rows of `msiinfo export`, as dicts by column name."""
        if name not in self._tables:
            out = subprocess.run(["msiinfo", "export", str(self.path), name], capture_output=True, text=True,
                                 check=True).stdout.splitlines()
            columns = out[0].split("\t")
            self._tables[name] = [dict(zip(columns, line.split("\t"), strict=True)) for line in out[3:]]
        return self._tables[name]

    def property(self, name: str) -> str | None:
        return next((r["Value"] for r in self.table("Property") if r["Property"] == name), None)

    def sequence(self, table: str) -> dict[str, int]:
        return {r["Action"]: int(r["Sequence"]) for r in self.table(table)}

    def suminfo(self) -> dict[str, str]:
        out = subprocess.run(["msiinfo", "suminfo", str(self.path)], capture_output=True, text=True, check=True)
        return dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)

    def files(self) -> set[str]:
        """Installed paths, relative to Program Files (e.g. Parvis/python/python.exe)."""
        out = subprocess.run(["msiextract", "-l", str(self.path)], capture_output=True, text=True, check=True)
        return set(out.stdout.splitlines())


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Msi, Msi]]:
    """Two builds of the same sources in two folders, in parallel (the download cache is
    shared and locked); the first keeps its staged payload for the file-level checks."""
    if not all(shutil.which(tool) for tool in ("wixl", "wixl-heat", "msiinfo", "msibuild", "msiextract")):
        pytest.skip(NO_WIXL)
    outs = [tmp_path_factory.mktemp("msi-a"), tmp_path_factory.mktemp("msi-b")]
    procs = [subprocess.Popen([sys.executable, str(BUILD), "--out", str(out), "--work", str(out),
                               *(["--keep-stage"] if i == 0 else [])],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
             for i, out in enumerate(outs)]
    results = [p.communicate(timeout=900) for p in procs]
    for proc, (output, _) in zip(procs, results, strict=True):
        assert proc.returncode == 0, output
    msis = [Msi(next(out.glob("Parvis-*-x64.msi"))) for out in outs]
    msis[0].stage = outs[0] / "stage"
    yield msis[0], msis[1]
    for out in outs:  # 450 MB: not for pytest's kept temporary folders
        shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="module")
def msi(builds: tuple[Msi, Msi]) -> Msi:
    return builds[0]


pytestmark = pytest.mark.timeout(900)  # a first build downloads about 100 MB


def test_named_after_the_project_version(msi: Msi) -> None:
    version = load_build_script().project()["version"]
    assert msi.path.name == f"Parvis-{version}-x64.msi"
    assert msi.property("ProductVersion") == version


def test_per_machine_x64_package(msi: Msi) -> None:
    info = msi.suminfo()
    assert info["Template"].split(";")[0] == "x64"
    assert int(info["Version"].split()[0]) >= 200  # x64 packages need Windows Installer 2.0+
    assert int(info["Source"].split()[0]) & 8 == 0  # the "no elevation" bit of per-user packages
    assert msi.property("ALLUSERS") == "1"
    assert msi.property("MSIINSTALLPERUSER") is None


def test_installs_into_program_files_x64(msi: Msi) -> None:
    dirs = {r["Directory"]: r for r in msi.table("Directory")}
    assert dirs["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"
    assert dirs["INSTALLDIR"]["DefaultDir"] == "Parvis"
    # Users' profiles live in %APPDATA%/%LOCALAPPDATA%: the package has no hold on them.
    assert not {"AppDataFolder", "LocalAppDataFolder", "PersonalFolder"} & set(dirs)
    assert all(r["Root"] == HKLM for r in msi.table("Registry"))
    for component in msi.table("Component"):
        assert int(component["Attributes"]) & COMPONENT_64BIT, component


def test_upgrade_code_is_the_constant_in_every_build(builds: tuple[Msi, Msi]) -> None:
    for msi in builds:
        assert msi.property("UpgradeCode") == UPGRADE_CODE
        assert {r["UpgradeCode"] for r in msi.table("Upgrade")} == {UPGRADE_CODE}
    assert builds[0].property("ProductCode") == builds[1].property("ProductCode")


def test_product_code_changes_with_the_version() -> None:
    build = load_build_script()
    assert build.product_code("0.1.0") != build.product_code("0.1.1")
    assert build.msi_version("1.2") == "1.2.0"
    with pytest.raises(build.BuildError):
        build.msi_version("256.0.0")


def test_component_guids_stable_across_builds(builds: tuple[Msi, Msi]) -> None:
    a, b = ({r["Component"]: r["ComponentId"] for r in msi.table("Component")} for msi in builds)
    assert len(a) > 1000
    assert all(a.values())
    assert a == b
    assert len(set(a.values())) == len(a)
    dirs_a, dirs_b = ({r["Directory"]: r["DefaultDir"] for r in msi.table("Directory")} for msi in builds)
    assert dirs_a == dirs_b


def test_major_upgrade_and_downgrade_refused(msi: Msi) -> None:
    version = msi.property("ProductVersion")
    rows = {r["ActionProperty"]: r for r in msi.table("Upgrade")}
    upgrade, downgrade = rows["WIX_UPGRADE_DETECTED"], rows["WIX_DOWNGRADE_DETECTED"]
    assert (upgrade["VersionMin"], upgrade["VersionMax"]) == ("", version)
    assert int(upgrade["Attributes"]) & 2 == 0  # removes the older product, not only detects it
    assert (downgrade["VersionMin"], downgrade["VersionMax"]) == (version, "")
    assert int(downgrade["Attributes"]) & 2  # only detects the newer product
    conditions = {r["Condition"] for r in msi.table("LaunchCondition")}
    assert "NOT WIX_DOWNGRADE_DETECTED" in conditions
    sequence = msi.sequence("InstallExecuteSequence")
    assert sequence["FindRelatedProducts"] < sequence["LaunchConditions"]
    assert sequence["InstallValidate"] < sequence["RemoveExistingProducts"] < sequence["InstallFinalize"]
    # before InstallInitialize: the old version is gone before the new one is written
    assert sequence["RemoveExistingProducts"] < sequence["InstallInitialize"]


def test_no_reboot(msi: Msi) -> None:
    assert msi.property("REBOOT") == "ReallySuppress"
    sequence = msi.sequence("InstallExecuteSequence")
    assert not {"ScheduleReboot", "ForceReboot"} & set(sequence)


def test_public_properties_are_secure(msi: Msi) -> None:
    secure = set((msi.property("SecureCustomProperties") or "").split(";"))
    assert set(PROPERTIES) <= secure
    assert {"WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"} <= secure


def test_properties_written_to_hklm_software_parvis(msi: Msi) -> None:
    rows = {r["Name"]: r for r in msi.table("Registry") if r["Key"] == "Software\\Parvis"}
    components = {r["Component"]: r for r in msi.table("Component")}
    for prop, (name, value) in PROPERTIES.items():
        assert rows[name]["Root"] == HKLM
        assert rows[name]["Value"] == value
        # strings only when given; flags always, 0 or 1
        condition = components[rows[name]["Component_"]]["Condition"]
        assert condition == (prop if not value.startswith("#") else ""), (name, condition)
    # The flags' REG_DWORD is 1 exactly when the property is "1".
    actions = {r["Action"]: r for r in msi.table("CustomAction")}
    sequence = msi.sequence("InstallExecuteSequence")
    conditions = {r["Action"]: r["Condition"] for r in msi.table("InstallExecuteSequence")}
    for prop in ("DISABLE_LOCAL_ONLY", "AUTOSTART", "NO_DESKTOP_SHORTCUT"):
        assert msi.property(f"F_{prop}") == "0"
        (flag,) = [a for a in actions.values() if a["Source"] == f"F_{prop}"]
        assert flag["Target"] == "1" and int(flag["Type"]) & 0x3F == 51
        assert conditions[flag["Action"]] == f'{prop}="1"'
        assert sequence["AppSearch"] < sequence[flag["Action"]] < sequence["CostFinalize"]


def test_properties_remembered_across_upgrades(msi: Msi) -> None:
    """AppSearch reads last install's values into OLD_*; set-property actions (explicit sequence
    numbers, after AppSearch) restore each one the command line leaves unset."""
    searches = {r["Property"]: r["Signature_"] for r in msi.table("AppSearch")}
    locators = {r["Signature_"]: r for r in msi.table("RegLocator")}
    actions = {r["Action"]: r for r in msi.table("CustomAction")}
    for table in ("InstallExecuteSequence", "InstallUISequence"):
        sequence = msi.sequence(table)
        conditions = {r["Action"]: r["Condition"] for r in msi.table(table)}
        for prop, (name, _) in PROPERTIES.items():
            locator = locators[searches[f"OLD_{prop}"]]
            assert (locator["Root"], locator["Key"], locator["Name"]) == (HKLM, "Software\\Parvis", name)
            assert int(locator["Type"]) == 0x12  # raw value, 64-bit registry view
            (restore,) = [a for a in actions.values() if a["Source"] == prop]
            assert int(restore["Type"]) & 0x3F == 51
            assert restore["Target"] in (f"[OLD_{prop}]", "1")
            assert conditions[restore["Action"]].startswith(f"NOT {prop} AND OLD_{prop}")
            assert sequence["AppSearch"] < sequence[restore["Action"]] < sequence["LaunchConditions"]


def test_shortcuts_and_their_conditions(msi: Msi) -> None:
    shortcuts = {r["Shortcut"]: r for r in msi.table("Shortcut")}
    components = {r["Component"]: r for r in msi.table("Component")}
    start, desktop = shortcuts["S.StartMenu"], shortcuts["S.Desktop"]
    assert start["Directory_"] == "ProgramMenuFolder"
    assert desktop["Directory_"] == "DesktopFolder"
    for shortcut in (start, desktop):
        assert shortcut["Target"] == "[INSTALLDIR]python\\pythonw.exe"  # no console window
        assert shortcut["Arguments"] == '"[INSTALLDIR]app\\parvis.pyw"'
    assert components[start["Component_"]]["Condition"] == ""
    assert components[desktop["Component_"]]["Condition"] == 'NO_DESKTOP_SHORTCUT<>"1"'
    (run,) = [r for r in msi.table("Registry") if r["Key"] == "Software\\Microsoft\\Windows\\CurrentVersion\\Run"]
    assert run["Name"] == "Parvis" and "pythonw.exe" in run["Value"] and "parvis.pyw" in run["Value"]
    assert components[run["Component_"]]["Condition"] == 'AUTOSTART="1"'


def test_payload(msi: Msi) -> None:
    files = msi.files()
    for path in ("Parvis/python/python.exe", "Parvis/python/pythonw.exe", "Parvis/python/python312.dll",
                 "Parvis/python/python312.zip", "Parvis/python/python312._pth",
                 "Parvis/python/Lib/site-packages/PySide6/Qt6Core.dll",
                 "Parvis/python/Lib/site-packages/PySide6/plugins/platforms/qwindows.dll",
                 "Parvis/python/Lib/site-packages/pycrdt/_pycrdt.pyd",
                 "Parvis/python/Lib/site-packages/PySide6/__pycache__/__init__.cpython-312.pyc",
                 "Parvis/app/parvis.pyw",
                 "Parvis/app/desktop/i18n/parvis_en.qm",
                 "Parvis/app/desktop/__pycache__/cli.cpython-312.pyc",
                 "Parvis/app/storage/migrations/0001_init.sql"):
        assert path in files, path
    assert any(f.startswith("Parvis/python/Lib/site-packages/sqlcipher3/_sqlite3.") and f.endswith(".pyd")
               for f in files)
    # our desktop code, every module byte-compiled for 3.12
    sources = {f for f in files if f.startswith("Parvis/app/desktop/") and f.endswith(".py")}
    assert "Parvis/app/desktop/cli.py" in sources
    for source in sources:
        folder, name = source.rsplit("/", 1)
        assert f"{folder}/__pycache__/{name[:-3]}.cpython-312.pyc" in files, source
    # the desktop's code only: no server, no test, no stale 3.11 bytecode, no Qt developer tools
    assert not [f for f in files if f.startswith("Parvis/app/sync/server/")]
    assert not [f for f in files if f.startswith(("Parvis/app/tests/", "Parvis/app/bench/"))]
    assert not [f for f in files if ".cpython-311." in f]
    assert not [f for f in files if f.startswith("Parvis/python/Lib/site-packages/") and f.endswith(".exe")]
    for server_only in ("starlette", "uvicorn"):
        assert not [f for f in files if f.startswith(f"Parvis/python/Lib/site-packages/{server_only}/")]


def test_pth_and_bytecode(msi: Msi) -> None:
    """The embedded Python's path, and .pyc that 3.12 uses without looking at the sources."""
    assert msi.stage is not None
    pth = (msi.stage / "python" / "python312._pth").read_text().splitlines()
    assert pth == ["python312.zip", ".", "Lib\\site-packages", "..\\app", "import site"]
    pyc = (msi.stage / "app" / "desktop" / "__pycache__" / "cli.cpython-312.pyc").read_bytes()
    assert int.from_bytes(pyc[:2], "little") in range(3500, 3550)  # CPython 3.12's magic numbers
    assert int.from_bytes(pyc[4:8], "little") == 1  # hash-based, unchecked


def test_locks_follow_constraints_and_pyproject() -> None:
    build = load_build_script()
    wheels, sdists = build.read_lock(build.WHEEL_LOCK), build.read_lock(build.SDIST_LOCK)
    build.check_locks(wheels, sdists)
    pinned = {p.name: p.version for p in wheels + sdists}
    assert pinned["pyside6-essentials"] == pinned["shiboken6"] == build.constraints()["pyside6-essentials"]
    assert not {"starlette", "uvicorn", "uvloop", "watchfiles"} & set(pinned)
    stale = [build.Pin("pyside6-essentials", "6.12.0", ["0" * 64])]
    with pytest.raises(build.BuildError, match="make msi-lock"):
        build.check_locks(stale, sdists)


def test_preset_properties_for_gpo(msi: Msi, tmp_path: Path) -> None:
    """GPO cannot pass properties: --property bakes them into a copy of the MSI."""
    build = load_build_script()
    copy = Msi(tmp_path / "preset.msi")
    shutil.copyfile(msi.path, copy.path)
    build.preset_properties(copy.path, build.parse_properties(["SERVER_URL=https://parvis.mairie.fr",
                                                               "NO_DESKTOP_SHORTCUT=1"]))
    assert copy.property("SERVER_URL") == "https://parvis.mairie.fr"
    assert copy.property("NO_DESKTOP_SHORTCUT") == "1"
    assert msi.property("SERVER_URL") is None  # the plain MSI presets nothing
    for bad in ("SERVER_URL", "REBOOT=Force", "SERVER_URL=it's", "SERVER_URL="):
        with pytest.raises(build.BuildError):
            build.parse_properties([bad])


def test_no_python312_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    build = load_build_script()
    monkeypatch.setattr(build, "python312_candidates", lambda: [sys.executable if sys.version_info[:2] != (3, 12)
                                                                 else None, "/nonexistent/python3.12"])
    with pytest.raises(build.BuildError) as error:
        build.find_python312()
    assert "Python 3.12 introuvable" in str(error.value)
    assert "Python 3.12 not found" in str(error.value)
    assert "PARVIS_PYTHON312" in str(error.value)


@pytest.mark.skipif(shutil.which("osslsigncode") is None or shutil.which("openssl") is None,
                    reason="osslsigncode/openssl absent")
def test_signing_with_a_throwaway_certificate(msi: Msi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build = load_build_script()
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=Parvis test signing/O=Parvis", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    copy = tmp_path / "signed.msi"
    shutil.copyfile(msi.path, copy)
    monkeypatch.delenv("SIGN_PASS", raising=False)
    monkeypatch.delenv("SIGN_TIMESTAMP", raising=False)
    build.sign(copy, str(cert), str(key))
    out = subprocess.run(["osslsigncode", "verify", "-CAfile", str(cert), "-in", str(copy)],
                         capture_output=True, text=True)
    assert "Parvis test signing" in out.stdout
    assert out.returncode == 0, out.stdout + out.stderr
