"""Desktop figures, each against its issue target: cold start to a usable window on a profile of
1,000 documents (≤ 1.5 s), one keystroke in a 100-page document, typed here or arriving from
a peer (≤ 5 ms p99), and resident memory with 20 documents open (≤ 250 MB).

Every figure comes from a fresh child process (`bench.desktop_start`): a start must pay for the
interpreter, the imports and Qt's first window, and memory must not carry what another
measurement left behind. The profiles are real ones (SQLCipher, Argon2id passphrase), filled
through `DocStore` with French text such as a mairie writes: titles of deliberations, orders and
minutes, paragraphs with headings, bold labels and lists.

`python -m bench.desktop [--quick] [--json]` runs this section alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from desktop.documents.template import Op, french_date, insert_delta
from storage.docs import DocStore, OpenDoc
from storage.vault import Vault

from .report import Line, line

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "banc d'essai du bureau"
RESULT_TAG = "BENCH-RESULT "
DOCUMENTS = 1_000  # in the start profile
OPENED = 20  # documents opened for the memory figure, each LONG_PAGES long
LONG_PAGES = 10
TYPING_PAGES = 100
BLOCKS_PER_PAGE = 30  # 100 pages ≈ 3,000 paragraphs, ≈ 300,000 characters


# -- French text, as a mairie writes it ---------------------------------------------------------

_SUBJECTS = ("Le conseil municipal", "Madame la maire", "La commission des finances", "Le service technique",
             "L'adjoint délégué à l'urbanisme", "La communauté de communes", "Le comité des fêtes",
             "Le syndicat intercommunal des eaux", "La secrétaire de mairie", "Le centre communal d'action sociale",
             "L'assemblée délibérante", "Monsieur le premier adjoint")
_VERBS = ("approuve", "rappelle", "propose", "prend acte de", "sollicite", "autorise la maire à signer",
          "examine", "décide de reporter", "adopte", "émet un avis favorable sur", "valide", "présente")
_OBJECTS = ("la convention de mise à disposition de la salle polyvalente",
            "le budget primitif de l'exercice", "les tarifs de la restauration scolaire",
            "la révision générale du plan local d'urbanisme", "la demande de subvention au titre de la DETR",
            "l'acquisition d'une parcelle cadastrée section AB n° 142",
            "le rapport annuel sur le prix et la qualité du service public de l'eau",
            "la création d'un poste d'adjoint technique territorial",
            "les travaux de réfection de la voirie communale", "le règlement intérieur du cimetière",
            "le programme de rénovation énergétique de l'école élémentaire",
            "la participation financière aux frais de fonctionnement du réseau des bibliothèques",
            "l'aménagement sécurisé des abords du collège", "la décision modificative n° 2",
            "le renouvellement du contrat d'entretien de l'éclairage public",
            "la dénomination de la nouvelle place du marché")
_COMPLEMENTS = ("après en avoir délibéré", "à l'unanimité des membres présents et représentés",
                "par 12 voix pour, 2 contre et 3 abstentions",
                "conformément à l'article L2121-29 du code général des collectivités territoriales",
                "pour un montant de 48 500 € hors taxes", "à compter du 1er janvier prochain",
                "sous réserve de l'avis favorable des services de la préfecture",
                "dans la limite des crédits inscrits au budget", "après avis de la commission d'appel d'offres",
                "selon le plan de financement annexé à la présente délibération",
                "pour une durée de trois ans renouvelable une fois", "en présence du public et de la presse")
_LABELS = ("Rapporteur : ", "Exposé : ", "Débats : ", "Vote : ", "Décision : ", "Observation : ")
_HEADINGS = ("Approbation du procès-verbal de la séance précédente", "Finances communales", "Urbanisme et travaux",
             "Affaires scolaires et périscolaires", "Ressources humaines", "Intercommunalité",
             "Vie associative et culturelle", "Questions diverses", "Environnement et cadre de vie",
             "Marchés publics", "Action sociale", "Voirie et réseaux")
_ITEMS = ("remplacement des menuiseries de la mairie", "réfection de la toiture de l'église Saint-Étienne",
          "mise aux normes d'accessibilité de la salle des fêtes", "acquisition d'un véhicule électrique",
          "création d'un jardin partagé près de l'école", "extension du réseau d'assainissement",
          "installation de bornes de recharge", "élagage des platanes de l'avenue de la Gare",
          "rénovation du terrain de football", "signalétique du chemin de randonnée")
_TITLES: tuple[Callable[[random.Random, date], str], ...] = (
    lambda r, d: f"Procès-verbal du conseil municipal du {french_date(d)}",
    lambda r, d: f"Délibération n° {d.year}-{r.randint(1, 120):03d} — {_upper_first(r.choice(_OBJECTS))}",
    lambda r, d: f"Arrêté municipal n° {r.randint(1, 400)} portant {r.choice(_ITEMS)}",
    lambda r, d: f"Compte rendu de la commission {r.choice(('travaux', 'finances', 'scolaire', 'fêtes'))} "
                 f"du {french_date(d)}",
    lambda r, d: f"Rapport au conseil : {r.choice(_OBJECTS)}",
    lambda r, d: f"Note de présentation du budget primitif {d.year}",
    lambda r, d: f"Courrier au préfet — {r.choice(_ITEMS)}",
    lambda r, d: f"Marché à procédure adaptée : {r.choice(_ITEMS)}",
)


def _sentence(rng: random.Random) -> str:
    said = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
    said = said.replace(" de le ", " du ").replace(" de les ", " des ")
    return f"{said}." if rng.random() < 0.35 else f"{said}, {rng.choice(_COMPLEMENTS)}."


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _paragraph(rng: random.Random, ops: list[Op]) -> None:
    roll = rng.random()
    if roll < 0.2:
        ops.append((rng.choice(_LABELS), {"bold": True}))
        ops.append((_sentence(rng), None))
    elif roll < 0.3:
        ops.append(("« ", None))
        ops.append((_sentence(rng), {"italic": True}))
        ops.append((" »", None))
    else:
        ops.append((_sentence(rng), None))
    ops.append(("\n", {"align": "justify"} if rng.random() < 0.1 else None))


def pages_ops(rng: random.Random, pages: int) -> list[Op]:
    """A document of about `pages` pages as a Quill delta: BLOCKS_PER_PAGE paragraphs a page,
    a heading opening each page (a title on the first), bold labels, quotes, lists."""
    ops: list[Op] = []
    for page in range(pages):
        blocks = 0
        heading = 1 if page == 0 else (2 if page % 3 else 3)
        ops += [(rng.choice(_HEADINGS), None), ("\n", {"header": heading})]
        blocks += 1
        while blocks < BLOCKS_PER_PAGE:
            if rng.random() < 0.08:
                kind = rng.choice(("bullet", "ordered"))
                for _ in range(min(rng.randint(3, 5), BLOCKS_PER_PAGE - blocks)):
                    ops += [(_upper_first(rng.choice(_ITEMS)) + " ;", None), ("\n", {"list": kind})]
                    blocks += 1
            else:
                _paragraph(rng, ops)
                blocks += 1
    return ops


def short_ops(rng: random.Random) -> list[Op]:
    """A few paragraphs: what most documents of a mairie hold (a letter, an order, a note)."""
    ops: list[Op] = [(rng.choice(_HEADINGS), None), ("\n", {"header": 2})]
    for _ in range(rng.randint(3, 6)):
        _paragraph(rng, ops)
    return ops


def title(rng: random.Random, day: date) -> str:
    """A document title as a mairie's list shows them: minutes, deliberations, orders, letters."""
    return rng.choice(_TITLES)(rng, day)


def build_profile(folder: Path, documents: int, long_documents: int, seed: int = 11) -> list[str]:
    """Create a passphrase-protected profile of `documents` documents through DocStore, the
    first `long_documents` of them LONG_PAGES pages long, the rest a few paragraphs. Returns the
    long documents' ids. Each document is created then filled in one edit, as the app does."""
    rng = random.Random(seed)
    vault = Vault.create(folder, PASSPHRASE)
    try:
        # Building only: the figures are about reading this profile, not about writing it.
        vault.conn.execute("PRAGMA synchronous = OFF")
        store = DocStore(vault.conn)
        long_ids = []
        start = date(2019, 1, 7)
        for i in range(documents):
            day = start + timedelta(days=rng.randint(0, 2_500))
            doc_id = store.create(title(rng, day))
            ops = pages_ops(rng, LONG_PAGES) if i < long_documents else short_ops(rng)

            def fill(od: OpenDoc, ops: list[Op] = ops) -> None:
                insert_delta(od.body, ops)

            store.edit(store.open(doc_id), fill)
            if i < long_documents:
                long_ids.append(doc_id)
        vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        vault.close()
    return long_ids


# -- child processes ------------------------------------------------------------------------------


def _child_env(bytecode: Path) -> dict[str, str]:
    """The children's environment: the profile's passphrase, headless Qt when there is no
    display, and compiled bytecode cached in `bytecode` (as an installed app has its .pyc; with
    PYTHONDONTWRITEBYTECODE the project's own modules would be compiled at every start)."""
    env = dict(os.environ, PARVIS_PASSPHRASE=PASSPHRASE, PYTHONPYCACHEPREFIX=str(bytecode))
    env.pop("PARVIS_LANG", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not any(env.get(k) for k in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _child(args: list[str], bytecode: Path, timeout: float = 300.0) -> dict[str, Any]:
    """Run `python -m bench.desktop_start ARGS` and return the JSON it reports. The child gets
    the wall-clock time taken just before it was spawned (BENCH_T0)."""
    env = _child_env(bytecode)
    cmd = [sys.executable, "-m", "bench.desktop_start", *args]
    t0 = time.time()
    env["BENCH_T0"] = repr(t0)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    wall = time.time() - t0
    found = [line[len(RESULT_TAG):] for line in proc.stdout.splitlines() if line.startswith(RESULT_TAG)]
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"bench.desktop_start {' '.join(args)} : code {proc.returncode}\n"
                           f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(found[-1])
    result["process_wall_s"] = wall
    return result


def cold_start(profile: Path, runs: int, bytecode: Path) -> dict[str, float]:
    """Cold start, `runs` times, each in a new process: from just before the interpreter is
    spawned to the main window shown, its event loop turned and the list holding every
    document. The profile is unlocked with PARVIS_PASSPHRASE, so Argon2id is in every run;
    `Vault.open` is timed alone too. One first run, reported apart, compiles the bytecode
    and fills the file cache: the runs counted are restarts, not the first start after boot."""
    first = _child(["start", str(profile), str(DOCUMENTS)], bytecode)
    results = [_child(["start", str(profile), str(DOCUMENTS)], bytecode) for _ in range(runs)]
    totals = [r["total_s"] for r in results]
    med = statistics.median

    def median_of(key: str) -> float:
        return med([float(r[key]) for r in results])

    return {
        "runs": runs, "documents": DOCUMENTS, "first_run_s": first["total_s"],
        "total_median_s": med(totals), "total_max_s": max(totals), "total_min_s": min(totals),
        "vault_open_median_s": median_of("vault_open_s"), "vault_open_max_s": max(r["vault_open_s"] for r in results),
        "without_kdf_median_s": med([r["total_s"] - r["vault_open_s"] for r in results]),
        "imports_median_s": median_of("imports_s"),
        "window_built_median_s": median_of("window_built_s"),
        "close_median_s": median_of("close_s"),
        "process_wall_median_s": median_of("process_wall_s"),
        "rows": min(int(r["rows"]) for r in results),
        "clean_exit": float(all(r["clean"] for r in results + [first])),
    }


def memory(profile: Path, ids: list[str], bytecode: Path) -> dict[str, float]:
    """Resident memory (VmRSS) of a fresh app on the profile: once the window is up with no
    document open, then after opening `ids` one after another, each in its tab as a user
    would (open, wait until shown, next)."""
    r = _child(["memory", str(profile), str(DOCUMENTS), ",".join(ids)], bytecode)
    return {key: float(r[key]) for key in ("opened", "baseline_rss_mb", "rss_mb", "hwm_mb", "open_median_ms",
                                           "open_max_ms", "clean")}


def typing(n: int, bytecode: Path) -> dict[str, float]:
    """n keystrokes typed in a 100-page document, then n single-character edits from a peer,
    in a RichTextEditor (see `bench.desktop_start.typing`)."""
    r = _child(["typing", str(n), str(TYPING_PAGES)], bytecode)
    return {key: float(value) for key, value in r.items() if isinstance(value, int | float)}


def run_all(quick: bool = False) -> dict[str, float]:
    """Every desktop figure, in one flat dictionary (keys prefixed start_, typing_, memory_)."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="parvis-bench-") as tmp:
        profile, bytecode = Path(tmp) / "profil", Path(tmp) / "pycache"
        t = time.perf_counter()
        ids = build_profile(profile, DOCUMENTS, OPENED)
        out["profile_build_s"] = time.perf_counter() - t
        out.update({f"start_{k}": v for k, v in cold_start(profile, 3 if quick else 5, bytecode).items()})
        out.update({f"memory_{k}": v for k, v in memory(profile, ids, bytecode).items()})
        out.update({f"typing_{k}": v for k, v in typing(300 if quick else 1_000, bytecode).items()})
    return out


def print_section(d: dict[str, float], line: Line) -> None:
    """The desktop section of `python -m bench`, French labels, each figure beside its target."""
    print(f"Application de bureau : lancement sur un profil de {int(d['start_documents'])} documents protégé par "
          f"phrase de passe, {int(d['start_runs'])} processus neufs (liste complète : "
          f"{int(d['start_rows']) == int(d['start_documents'])}, sortie propre : {bool(d['start_clean_exit'])})")
    print(line("lancement → fenêtre utilisable (médiane)", d["start_total_median_s"], "s", "≤ 1,5 s",
               d["start_total_median_s"] <= 1.5))
    print(line("  le plus lent", d["start_total_max_s"], "s", "≤ 1,5 s", d["start_total_max_s"] <= 1.5))
    print(line("  dont Vault.open (Argon2id 64 Mio, t=3, p=4)", d["start_vault_open_median_s"], "s",
               f"max {d['start_vault_open_max_s']:.2f} s", None))
    print(line("  sans la dérivation (≈ profil sur trousseau)", d["start_without_kdf_median_s"], "s", "", None))
    print(line("  dont interpréteur et imports", d["start_imports_median_s"], "s", "", None))
    print(line("  fenêtre construite et montrée (depuis t0)", d["start_window_built_median_s"], "s", "", None))
    print(line("  fermeture (synchro et worker arrêtés)", d["start_close_median_s"], "s", "", None))
    print(line("  premier lancement (compile les .pyc), à part", d["start_first_run_s"], "s", "", None))
    print(f"Frappe dans un document de {int(d['typing_pages'])} pages ({int(d['typing_paragraphs'])} paragraphes, "
          f"{int(d['typing_chars'])} caractères), {int(d['typing_keystrokes'])} frappes de chaque côté "
          f"(éditeur = Doc : {bool(d['typing_in_sync'])}, répliques convergées : {bool(d['typing_converged'])}, "
          f"frappes sans localUpdate : {int(d['typing_keys_without_update'])})")
    print(line("locale : touche → localUpdate, p50", d["typing_local_p50_ms"], "ms", "", None))
    print(line("locale : touche → localUpdate, p99", d["typing_local_p99_ms"], "ms", "≤ 5 ms",
               d["typing_local_p99_ms"] <= 5))
    print(line("locale : max", d["typing_local_max_ms"], "ms", "", None))
    print(line("distante : apply_remote, p50", d["typing_remote_p50_ms"], "ms", "", None))
    print(line("distante : apply_remote, p99", d["typing_remote_p99_ms"], "ms", "≤ 5 ms",
               d["typing_remote_p99_ms"] <= 5))
    print(line("distante : max", d["typing_remote_max_ms"], "ms", "", None))
    print(line("tour de boucle suivant une frappe locale, p99", d["typing_local_paint_p99_ms"], "ms",
               f"p50 {d['typing_local_paint_p50_ms']:.2f} ms", None))
    print(line("tour de boucle suivant une édition distante, p99", d["typing_remote_paint_p99_ms"], "ms",
               f"p50 {d['typing_remote_paint_p50_ms']:.2f} ms", None))
    print(line("ouverture du document dans l'éditeur (affiché)", d["typing_open_s"], "s", "", None))
    print(f"Mémoire résidente (VmRSS, Mo = 10⁶ octets), même profil, {int(d['memory_opened'])} documents de "
          f"{LONG_PAGES} pages ouverts l'un après l'autre (sortie propre : {bool(d['memory_clean'])})")
    print(line("fenêtre affichée, aucun document ouvert", d["memory_baseline_rss_mb"], "Mo", "", None))
    print(line(f"après ouverture de {int(d['memory_opened'])} documents", d["memory_rss_mb"], "Mo", "≤ 250 Mo",
               d["memory_rss_mb"] <= 250))
    print(line("  par document ouvert (moyenne)",
               (d["memory_rss_mb"] - d["memory_baseline_rss_mb"]) / max(1, d["memory_opened"]), "Mo", "", None))
    print(line(f"ouverture d'un document de {LONG_PAGES} pages (médiane)", d["memory_open_median_ms"], "ms",
               f"max {d['memory_open_max_ms']:.0f} ms", None))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.desktop")
    parser.add_argument("--quick", action="store_true", help="fewer runs and keystrokes, for a smoke test")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run_all(quick=args.quick)
    if args.json:
        print(json.dumps({"desktop": results}, indent=2))
        return 0
    print_section(results, line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
