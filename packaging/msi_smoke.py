#!/usr/bin/env python3
"""`make msi-smoke`: the MSI under Wine, in a throwaway prefix. Not part of CI.

Installs dist/Parvis-<version>-x64.msi silently with properties, checks the files, the
registry values and the shortcuts; runs the installed Python (imports, offscreen Qt, the
launcher's `--self-test`); upgrades to a newer build (made here with --version) and checks that
nothing was lost and that there is one product; checks that the older MSI is refused; then
uninstalls and checks that the program is gone and the users' profiles are not. Prints ✓ or ✗
for each step, and exits 1 if any failed.

Stock Wine 8.0 (Debian 12) lacks three things real Windows has, so this adds test-only
stand-ins to the prefix, never to the MSI: bcryptprimitives.dll (ProcessPrng, for pycrdt's Rust
code) and icuuc.dll (ICU's converter API, for Qt6Core >= 6.10), compiled from packaging/wine/
with mingw-w64; and propsys.dll disabled for Python, whose platform module otherwise reaches
Wine's unimplemented propsys.VariantToString through _wmi (with _wmi absent it falls back).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))
import build_msi  # noqa: E402

SERVER_URL = "https://parvis.example.fr"
KEY = r"HKLM\Software\Parvis"
RUN_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run"
UNINSTALL_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall"
INSTALL = r"C:\Program Files\Parvis"
PYTHON = INSTALL + r"\python\python.exe"
PYTHONW = INSTALL + r"\python\pythonw.exe"
LAUNCHER = INSTALL + r"\app\parvis.pyw"
WINE_HELP = ("Wine absent : `make msi-smoke` installe les paquets Debian wine et wine64 "
             "(scripts/system-deps.sh msi-smoke). / Wine missing: scripts/system-deps.sh msi-smoke installs it.")


class Smoke:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.prefix = work / "prefix"
        self.home = work / "home"
        (self.home / "Desktop").mkdir(parents=True)
        self.env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        self.env.update(WINEPREFIX=str(self.prefix), WINEARCH="win64", WINEDEBUG="-all", HOME=str(self.home),
                        XDG_CONFIG_HOME=str(self.home / ".config"), XDG_DATA_HOME=str(self.home / ".local/share"),
                        XDG_CACHE_HOME=str(self.home / ".cache"),
                        # no Mono/Gecko prompts; no Linux menu entries or desktop files for the shortcuts
                        WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d")
        self.failures: list[str] = []

    # -- running -----------------------------------------------------------------------------

    def wine(self, *args: str, timeout: float = 600, python: bool = False) -> subprocess.CompletedProcess[str]:
        """`wine args`, stdin a pipe (Wine 8.0 gives Python an invalid handle for /dev/null)."""
        env = dict(self.env)
        if python:
            env["WINEDLLOVERRIDES"] += ";propsys=d"
        return subprocess.run(["wine", *args], input="", capture_output=True, text=True, env=env, timeout=timeout,
                              errors="replace")

    def msiexec(self, *args: str, log: str) -> int:
        proc = self.wine("msiexec", *args, "/qn", "/l*v", str(self.work / log))
        return proc.returncode

    def step(self, label: str, check: Callable[[], str | None]) -> bool:
        """Run one check: it returns a detail to print, or raises AssertionError."""
        started = time.monotonic()
        try:
            detail = check()
        except (AssertionError, subprocess.SubprocessError, OSError) as exc:
            print(f"✗ {label} — {str(exc).strip() or type(exc).__name__}", flush=True)
            self.failures.append(label)
            return False
        took = time.monotonic() - started
        print(f"✓ {label}{f' — {detail}' if detail else ''} ({took:.0f} s)", flush=True)
        return True

    # -- looking ------------------------------------------------------------------------------

    def unix(self, windows_path: str) -> Path:
        drive, rest = windows_path.split(":", 1)
        assert drive.upper() == "C"
        return self.prefix / "drive_c" / rest.lstrip("\\").replace("\\", "/")

    def reg_values(self, key: str) -> dict[str, tuple[str, str]]:
        proc = self.wine("reg", "query", key)
        if proc.returncode != 0:
            return {}
        values: dict[str, tuple[str, str]] = {}
        for line in proc.stdout.splitlines():
            m = re.match(r"^\s{4}(\S.*?)\s{4}(REG_\w+)\s{4}?(.*)$", line)
            if m:
                values[m.group(1)] = (m.group(2), m.group(3).strip())
        return values

    def products(self) -> list[tuple[str, str]]:
        """(product code, version) of each Add/Remove Programs entry named Parvis."""
        proc = self.wine("reg", "query", UNINSTALL_KEY, "/s")
        found: list[tuple[str, str]] = []
        key, values = "", dict[str, str]()
        for line in [*proc.stdout.splitlines(), "HKEY_END"]:
            if line.startswith("HKEY_"):
                if values.get("DisplayName") == "Parvis":
                    found.append((key.rsplit("\\", 1)[-1], values.get("DisplayVersion", "?")))
                key, values = line.strip(), {}
            m = re.match(r"^\s{4}(\S.*?)\s{4}REG_\w+\s{4}?(.*)$", line)
            if m:
                values[m.group(1)] = m.group(2).strip()
        return found

    def shortcuts(self) -> list[Path]:
        return sorted(p for root in (self.prefix / "drive_c" / "users", self.prefix / "drive_c" / "ProgramData",
                                     self.home) for p in root.rglob("Parvis.lnk"))

    def profile_dirs(self) -> list[Path]:
        users = self.prefix / "drive_c" / "users"
        return [p for p in users.glob("*/AppData/*/Parvis") if p.is_dir()]

    # -- checks -------------------------------------------------------------------------------

    def expect_values(self, **expected: tuple[str, str]) -> str:
        values = self.reg_values(KEY)
        wrong = {k: (values.get(k), v) for k, v in expected.items() if values.get(k) != v}
        assert not wrong, f"{KEY}: " + ", ".join(f"{k} = {got} ≠ {want}" for k, (got, want) in wrong.items())
        return ", ".join(f"{k}={t} {v!r}" for k, (t, v) in sorted(values.items()))


def stand_ins(smoke: Smoke) -> str:
    gcc = shutil.which("x86_64-w64-mingw32-gcc")
    assert gcc, "x86_64-w64-mingw32-gcc absent (apt-get install gcc-mingw-w64-x86-64-win32)"
    system32 = smoke.prefix / "drive_c" / "windows" / "system32"
    for name, libs in (("bcryptprimitives", ["-ladvapi32"]), ("icuuc", [])):
        out = smoke.work / f"{name}.dll"
        subprocess.run([gcc, "-O2", "-shared", "-o", str(out), str(ROOT / "packaging" / "wine" / f"{name}.c"),
                        *libs], check=True, capture_output=True)
        shutil.copyfile(out, system32 / out.name)
    return "bcryptprimitives.dll, icuuc.dll in system32 (test-only); propsys disabled for Python"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install, upgrade, run and uninstall the MSI under Wine.")
    parser.add_argument("--msi", help="the MSI to test (default: dist/Parvis-<version>-x64.msi, built if missing)")
    parser.add_argument("--keep", action="store_true", help="keep the Wine prefix and logs")
    args = parser.parse_args(argv)
    if not shutil.which("wine"):
        print(WINE_HELP, file=sys.stderr)
        return 2
    version = str(build_msi.project()["version"])
    old = Path(args.msi) if args.msi else ROOT / "dist" / f"Parvis-{version}-x64.msi"
    if not old.exists() and build_msi.main(["--out", str(old.parent), "--version", version]) != 0:
        return 2
    old_version = build_msi.msi_version(re.sub(r"^Parvis-(.*)-x64\.msi$", r"\1", old.name))
    major, minor, patch = map(int, old_version.split("."))
    new_version = f"{major}.{minor}.{patch + 1}"
    work = Path(tempfile.mkdtemp(prefix="parvis-msi-smoke-"))
    smoke = Smoke(work)
    print(f"MSI smoke test under {subprocess.run(['wine', '--version'], capture_output=True, text=True).stdout.strip()}"
          f", prefix {smoke.prefix}", flush=True)
    new = work / f"Parvis-{new_version}-x64.msi"
    try:
        def build_newer() -> str:
            assert build_msi.main(["--out", str(work), "--version", new_version]) == 0, "build failed"
            return f"build_msi.py --version {new_version}"

        def prefix() -> str:
            proc = smoke.wine("wineboot", "--init")
            assert proc.returncode == 0, f"wineboot: {proc.stderr[-1000:]}"
            return str(smoke.prefix)

        if not (smoke.step(f"newer build {new_version}", build_newer) and smoke.step("Wine prefix", prefix)):
            return 1
        run_all(smoke, old, old_version, new, new_version)
    finally:
        subprocess.run(["wineserver", "-k"], env=smoke.env, capture_output=True)
        if args.keep:
            print(f"(prefix and logs kept in {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'✓ all steps passed' if not smoke.failures else f'✗ {len(smoke.failures)} step(s) failed'}")
    return 1 if smoke.failures else 0


def run_all(smoke: Smoke, old: Path, old_version: str, new: Path, new_version: str) -> None:
    new_code = next(row[1] for row in build_msi.export_table(new, "Property") if row[0] == "ProductCode")

    def install_old() -> str:
        rc = smoke.msiexec("/i", str(old), f"SERVER_URL={SERVER_URL}", "DISABLE_LOCAL_ONLY=1", log="install.log")
        assert rc == 0, f"msiexec exit code {rc} (log: install.log)"
        return f"msiexec /i {old.name} /qn SERVER_URL={SERVER_URL} DISABLE_LOCAL_ONLY=1 → 0"

    def files_installed() -> str:
        for rel in (r"\python\pythonw.exe", r"\python\python312.dll", r"\python\python312._pth",
                    r"\python\Lib\site-packages\PySide6\Qt6Core.dll", r"\app\parvis.pyw"):
            assert smoke.unix(INSTALL + rel).is_file(), f"{INSTALL}{rel} missing"
        count = sum(1 for p in smoke.unix(INSTALL).rglob("*") if p.is_file())
        return f"{count} files in {INSTALL}"

    def registry_after_install() -> str:
        assert "CaFile" not in smoke.reg_values(KEY), "CaFile written though CA_FILE was not given"
        return smoke.expect_values(ServerUrl=("REG_SZ", SERVER_URL),
                                   DisableLocalOnly=("REG_DWORD", "0x1"), AutoStart=("REG_DWORD", "0x0"),
                                   NoDesktopShortcut=("REG_DWORD", "0x0"), Version=("REG_SZ", old_version))

    def shortcuts_after_install() -> str:
        links = smoke.shortcuts()
        assert any("Start Menu" in str(p) for p in links), f"no Start-menu shortcut: {links}"
        assert any("Start Menu" not in str(p) for p in links), f"no desktop shortcut: {links}"
        assert not smoke.reg_values(RUN_KEY).get("Parvis"), "a Run entry without AUTOSTART=1"
        return "; ".join(str(p.relative_to(smoke.work)) for p in links)

    def one_product(version: str) -> Callable[[], str]:
        def check() -> str:
            found = smoke.products()
            assert len(found) == 1 and found[0][1] == version, f"Add/Remove Programs entries: {found}"
            return f"{found[0][0]} {found[0][1]}"
        return check

    def fake_profiles() -> str:
        users = smoke.prefix / "drive_c" / "users"
        (user,) = [p for p in users.iterdir() if p.name != "Public"]
        for folder in ("Local", "Roaming"):
            profile = user / "AppData" / folder / "Parvis"
            profile.mkdir(parents=True, exist_ok=True)
            (profile / "fake-profile.txt").write_text("un profil d'utilisateur / a user's profile\n")
        return ", ".join(str(p.relative_to(smoke.prefix / "drive_c")) for p in smoke.profile_dirs())

    def python(code: str) -> subprocess.CompletedProcess[str]:
        return smoke.wine(PYTHON, "-X", "utf8", "-c", code, python=True, timeout=300)

    def stock_imports() -> str:
        proc = smoke.wine(PYTHON, "-c", "import PySide6.QtCore", python=True)
        lines = (proc.stdout + proc.stderr).strip().splitlines()
        return ("fails as expected on Wine 8.0: " + lines[-1]) if proc.returncode else "imports on stock Wine"

    def imports() -> str:
        proc = python("import PySide6, pycrdt, sqlcipher3, PySide6.QtWidgets; d = pycrdt.Doc(); "
                      "t = d.get('t', type=pycrdt.Text); t += 'séance'; "
                      "print(PySide6.__version__, str(t), sqlcipher3.sqlite_version)")
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-1500:]
        pyside, text, sqlite = proc.stdout.split()
        return f"PySide6 {pyside}, pycrdt text {text!r}, SQLCipher's SQLite {sqlite}"

    def offscreen_qt() -> str:
        proc = python("from PySide6.QtCore import QTimer; from PySide6.QtWidgets import QApplication, QLabel; "
                      "app = QApplication(['parvis', '-platform', 'offscreen']); label = QLabel('Parvis'); "
                      "label.show(); QTimer.singleShot(200, app.quit); app.exec(); print(app.platformName())")
        assert proc.returncode == 0 and "offscreen" in proc.stdout, (proc.stdout + proc.stderr)[-1500:]
        return "QApplication + QLabel + event loop on -platform offscreen"

    def self_test_console() -> str:
        proc = smoke.wine(PYTHON, LAUNCHER, "--self-test", python=True, timeout=300)
        out = (proc.stdout + proc.stderr).strip()
        assert proc.returncode == 0, f"exit {proc.returncode}:\n{out[-2500:]}"
        return "python.exe parvis.pyw --self-test → 0: " + " | ".join(out.splitlines())

    def self_test_pythonw() -> str:
        log = r"%LOCALAPPDATA%\Parvis\Logs\parvis.log"
        for user_log in (smoke.prefix / "drive_c" / "users").glob("*/AppData/Local/Parvis/Logs/parvis.log"):
            user_log.unlink()
        # `start /wait` gives pythonw.exe no standard handles, as a shortcut does: the launcher
        # writes to %LOCALAPPDATA%\Parvis\Logs\parvis.log.
        proc = smoke.wine("start", "/wait", PYTHONW, LAUNCHER, "--self-test", python=True, timeout=300)
        logs = list((smoke.prefix / "drive_c" / "users").glob("*/AppData/Local/Parvis/Logs/parvis.log"))
        text = logs[0].read_text(encoding="utf-8") if logs else ""
        assert proc.returncode == 0, f"exit {proc.returncode}; log {log}:\n{text[-2500:]}"
        assert "✓" in text, f"no result in {log}: {text!r}"
        return "pythonw.exe parvis.pyw --self-test → 0, log: " + " | ".join(text.strip().splitlines())

    def upgrade() -> str:
        rc = smoke.msiexec("/i", str(new), "NO_DESKTOP_SHORTCUT=1", "AUTOSTART=1", log="upgrade.log")
        assert rc == 0, f"msiexec exit code {rc} (log: upgrade.log)"
        return f"msiexec /i {new.name} /qn NO_DESKTOP_SHORTCUT=1 AUTOSTART=1 → 0 (no SERVER_URL given)"

    def registry_after_upgrade() -> str:
        return smoke.expect_values(ServerUrl=("REG_SZ", SERVER_URL), DisableLocalOnly=("REG_DWORD", "0x1"),
                                   AutoStart=("REG_DWORD", "0x1"), NoDesktopShortcut=("REG_DWORD", "0x1"),
                                   Version=("REG_SZ", new_version))

    def shortcuts_after_upgrade() -> str:
        links = smoke.shortcuts()
        assert [p for p in links if "Start Menu" in str(p)], f"Start-menu shortcut lost: {links}"
        assert not [p for p in links if "Start Menu" not in str(p)], f"desktop shortcut still there: {links}"
        run = smoke.reg_values(RUN_KEY).get("Parvis")
        assert run and "pythonw.exe" in run[1] and "parvis.pyw" in run[1], f"Run entry: {run}"
        return f"Start menu only; {RUN_KEY}\\Parvis = {run[1]}"

    def profiles_kept() -> str:
        dirs = smoke.profile_dirs()
        assert len(dirs) == 2 and all((d / "fake-profile.txt").is_file() for d in dirs), f"profiles: {dirs}"
        return ", ".join(str(d.relative_to(smoke.prefix / "drive_c")) for d in dirs)

    def downgrade_refused() -> str:
        rc = smoke.msiexec("/i", str(old), log="downgrade.log")
        assert rc != 0, "the older MSI installed over the newer one"
        log = smoke.work / "downgrade.log"
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        detected = re.search(r"WIX_DOWNGRADE_DETECTED = \{", text)
        refused = "LaunchConditions. Return value 0" in text
        assert detected and refused, "refused, but not by the downgrade launch condition (log: downgrade.log)"
        smoke.expect_values(Version=("REG_SZ", new_version))
        return f"msiexec exit code {rc} (Wine's; Windows should give 1603), WIX_DOWNGRADE_DETECTED: launch condition"

    def uninstall() -> str:
        rc = smoke.msiexec("/x", new_code, log="uninstall.log")
        assert rc == 0, f"msiexec /x exit code {rc} (log: uninstall.log)"
        return f"msiexec /x {new_code} /qn → 0"

    def all_gone() -> str:
        left = [p for p in smoke.unix(INSTALL).rglob("*") if p.is_file()] if smoke.unix(INSTALL).exists() else []
        assert not left, f"{len(left)} files left, e.g. {left[:3]}"
        assert not smoke.reg_values(KEY), f"{KEY} still has values"
        assert "Parvis" not in smoke.reg_values(RUN_KEY), "Run entry left"
        assert not smoke.shortcuts(), f"shortcuts left: {smoke.shortcuts()}"
        assert not smoke.products(), f"Add/Remove Programs: {smoke.products()}"
        return f"no file in {INSTALL}, no {KEY}, no Run entry, no shortcut, no product entry"

    smoke.step(f"install {old_version}", install_old)
    smoke.step("program files", files_installed)
    smoke.step(f"{KEY} values", registry_after_install)
    smoke.step("shortcuts (Start menu + desktop), no autostart", shortcuts_after_install)
    smoke.step("one product entry", one_product(old_version))
    smoke.step("fake user profiles in %LOCALAPPDATA% and %APPDATA%", fake_profiles)
    print(f"• stock Wine: {stock_imports()}", flush=True)
    smoke.step("test-only stand-ins for Wine 8.0", lambda: stand_ins(smoke))
    smoke.step("import PySide6, pycrdt, sqlcipher3 (installed python.exe)", imports)
    smoke.step("Qt offscreen", offscreen_qt)
    smoke.step("self-test, console", self_test_console)
    smoke.step("self-test, no console (pythonw.exe, as the shortcut)", self_test_pythonw)
    smoke.step(f"upgrade {old_version} → {new_version}", upgrade)
    smoke.step("values kept (ServerUrl, DisableLocalOnly), new ones written", registry_after_upgrade)
    smoke.step("one product entry after the upgrade", one_product(new_version))
    smoke.step("desktop shortcut removed (NO_DESKTOP_SHORTCUT=1), autostart added", shortcuts_after_upgrade)
    smoke.step("user profiles untouched by the upgrade", profiles_kept)
    smoke.step(f"downgrade to {old_version} refused", downgrade_refused)
    smoke.step("still one product entry", one_product(new_version))
    smoke.step("uninstall", uninstall)
    smoke.step("program, registry values, Run entry and shortcuts removed", all_gone)
    smoke.step("user profiles still there", profiles_kept)


if __name__ == "__main__":
    sys.exit(main())
