#!/usr/bin/env bash
# Installs the Debian packages Parvis needs, and only those missing: safe to run every time.
#   run:       what the Qt desktop app needs to start (offscreen or on a screen);
#   test:      the above, plus the real components the test suite drives (LibreOffice to open the
#              exported ODT; wixl and msitools to build and read the Windows installer, and
#              osslsigncode to sign it; Dovecot, the real IMAP server of the mail tests);
#   bench:     run, plus Dovecot (the mail benchmarks sync against it);
#   msi:       what `make msi` needs to build the Windows installer (Qt's lrelease, wixl, msitools,
#              osslsigncode);
#   msi-smoke: the above, plus Wine and a Windows cross-compiler (mingw-w64) for `make msi-smoke`.
set -euo pipefail
qt=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core
    # colour emoji: reactions and messages in the chat (Windows ships its own)
    fonts-noto-color-emoji
    # Qt's xcb platform, for a real X11 screen (since Qt 6.5 it needs xcb-cursor)
    libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
    libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0)
msi=(wixl msitools osslsigncode)
# The tests start their own Dovecot (tests/mailservers.py: own config, base_dir, loopback ports);
# Debian's system-wide service is kept stopped and disabled (below).
mail=(dovecot-imapd dovecot-lmtpd)
case "${1:-run}" in
    run) want=("${qt[@]}") ;;
    test) want=("${qt[@]}" libreoffice-writer-nogui "${msi[@]}" "${mail[@]}") ;;
    bench) want=("${qt[@]}" "${mail[@]}") ;;
    msi) want=("${qt[@]}" "${msi[@]}") ;;  # Qt: pyside6-lrelease compiles the catalogues
    msi-smoke) want=("${qt[@]}" "${msi[@]}" wine wine64 gcc-mingw-w64-x86-64-win32) ;;
    *) echo "usage: $0 [run|test|bench|msi|msi-smoke]" >&2; exit 2 ;;
esac
missing=()
for pkg in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
    echo "Paquets système manquants (${missing[*]}) et pas d'apt-get : installez-les à la main." >&2
    exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installation des paquets système : ${missing[*]}"
$sudo apt-get update -qq
apt_install() { DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
others=() dovecot=()
for pkg in "${missing[@]}"; do
    case "$pkg" in dovecot-*) dovecot+=("$pkg") ;; *) others+=("$pkg") ;; esac
done
[ ${#others[@]} -eq 0 ] || apt_install "${others[@]}"
[ ${#dovecot[@]} -eq 0 ] && exit 0
# Dovecot: the package must not start or enable its system-wide service. A policy-rc.d that
# answers 101 stops the maintainer scripts from starting it (kept if one exists, as in Docker);
# then the service is disabled (and stopped, in case an existing policy let it start).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    trap '$sudo rm -f "$policy"' EXIT
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
fi
apt_install "${dovecot[@]}"
if [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now --quiet dovecot.service dovecot.socket 2>/dev/null || true
else
    $sudo update-rc.d dovecot disable >/dev/null 2>&1 || true
    # Only the packaged instance (its pid file, /run/dovecot): the tests' own are left alone.
    if [ -e /run/dovecot/master.pid ]; then $sudo /etc/init.d/dovecot stop >/dev/null 2>&1 || true; fi
fi
