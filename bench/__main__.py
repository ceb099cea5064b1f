"""`make bench`: every figure from one run, each beside its target."""

from __future__ import annotations

import argparse
import json
import sys

from . import calendar, chat, desktop, files, mail, peers, store, sync
from .report import line as _line


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    n = 1_000 if args.quick else 10_000
    results: dict[str, dict[str, float]] = {
        "store_size": store.size_ratio(n),
        "sqlcipher_vs_plain": store.cipher_vs_plain(300 if args.quick else 3_000),
    }
    results.update(sync.run_all(quick=args.quick))
    results.update(chat.run_all(quick=args.quick))
    results.update(mail.run_all(quick=args.quick))
    results.update(calendar.run_all(quick=args.quick))
    results.update(files.run_all(quick=args.quick))
    results["desktop"] = desktop.run_all(quick=args.quick)
    missing = peers.available()
    anchors = None if missing else peers.compare(seconds=5 if args.quick else 10, rounds=1 if args.quick else 2)
    if args.json:
        print(json.dumps({**results, "anchors": anchors}, indent=2))
        return 0
    k, m, p = results["keystroke"], results["offline_merge"], results["server_persist"]
    s, c = results["store_size"], results["sqlcipher_vs_plain"]
    print(f"Frappe A → serveur → B, {int(k['clients'])} clients sur un document, "
          f"{int(k['keystrokes'])} frappes à {k['rate_per_s']:.0f}/s (convergé : {bool(k['converged'])})")
    print(_line("p50 chez B (client complet)", k["b_p50_ms"], "ms", "", None))
    print(_line("p99 chez B (client complet)", k["b_p99_ms"], "ms", "< 50 ms", k["b_p99_ms"] < 50))
    print(_line("p50 / p99 chez les 8 autres (pairs y-websocket nus)", k["peers_p50_ms"], "ms",
                f"p99 {k['peers_p99_ms']:.2f} ms", None))
    print(f"Fusion hors ligne : 2 répliques × {int(m['edits_per_replica'])} frappes "
          f"(convergé : {bool(m['converged'])})")
    print(_line("temps pour converger (A, B, A)", m["converge_s"], "s", "< 1 s", m["converge_s"] < 1))
    print(_line("octets sur le fil (envoyés + reçus)", m["bytes_sent"] + m["bytes_received"], "o", "", None))
    print(f"Taille du profil après {int(s['keystrokes'])} frappes et compactage")
    print(_line("profil / document vivant (état CRDT encodé)", s["ratio"], "×", "≤ 3×", s["ratio"] <= 3))
    print(_line("  net du profil vide (schéma, index : "
                f"{int(s['empty_profile_bytes']) // 1024} Kio)", s["ratio_net_of_empty_profile"], "×", "", None))
    print("Temps par mise à jour persistée")
    print(_line("client : frappe validée en base chiffrée (médiane)", c["sqlcipher_us_per_update"], "µs",
                f"moyenne {c['sqlcipher_mean_us']:.0f} µs, p99 {c['sqlcipher_p99_us']:.0f} µs", None))
    print(_line("serveur : envoi → accusé, une à la fois (moyenne)", p["one_at_a_time_mean_us"], "µs",
                f"p99 {p['one_at_a_time_p99_us']:.0f} µs", None))
    print(_line("serveur : en flux (validation groupée)", p["pipelined_us_per_update"], "µs", "", None))
    print(_line("SQLCipher / SQLite en clair, même charge (médianes)", c["ratio"], "×", "≤ 1.25", c["ratio"] <= 1.25))
    print(_line("  rapport des moyennes (sensible aux blocages du disque)", c["ratio_of_means"], "×", "", None))
    chat.print_section(results, _line)
    mail.print_section(results, _line)
    calendar.print_section(results, _line)
    files.print_section(results, _line)
    desktop.print_section(results["desktop"], _line)
    if anchors is None:
        print(f"Comparaison avec les serveurs de référence : non lancée ({missing}).")
        return 0
    print(f"Serveurs de référence, mêmes clients Yjs ({anchors['load']}, médianes, en alternance)")
    for name in ("parvis", "hocuspocus", "y-websocket"):
        a = anchors[name]
        print(f"  {name:<14} p50 {a['p50_ms']:7.2f} ms   p99 {a['p99_ms']:7.2f} ms   "
              f"livrées {a['delivered']}/{a['expected']}")
    ratio = anchors["parvis"]["p99_ms"] / min(anchors["hocuspocus"]["p99_ms"], anchors["y-websocket"]["p99_ms"])
    print(_line("p99 parvis / meilleur des deux", ratio, "×", "≤ 1", ratio <= 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
