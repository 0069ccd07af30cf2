"""Full portal build time at N synthetic services, side by side with Hugo on equivalent pages.

    .venv/bin/python benchmarks/build.py                 # N = 1,000 and 10,000
    .venv/bin/python benchmarks/build.py --sizes 1000    # one size
    .venv/bin/python benchmarks/build.py --search        # also time the build with the search index
    .venv/bin/python benchmarks/build.py --feedback      # also with the feedback form (FEEDBACK_URL)

For each N: a synthetic catalogue in the content/ format (catalogue.write_content; services
cloned from ../shared/catalogue/samarinda with new ids and titles), then in child processes:
- santer cold: load the content folder + build_portal into a new folder (every page rendered,
  written, gzip- and brotli-compressed);
- santer warm: the same catalogue again (unchanged pages are hard-linked from the live build);
- santer 1 edit: one service retitled (what a publish does);
- with --feedback: cold and 1 edit again with a feedback URL (the form on every service page),
  into a folder of its own;
- hugo: the same services as Markdown files with front matter and the same page kinds
  (service pages, OPD/category/life-event lists, home, sitemap), `hugo --quiet`.
Peak memory is the child's maximum resident set (getrusage of children); files and disk are those
of the live build folder (hard links to earlier builds counted once, as they take no more room);
the 2 CPUs are shared with other people's work, so figures move between runs. Big sizes
(`--sizes 50000 150000`) take long: run them in the background.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from catalogue import Catalogue, load_catalogue, write_content  # noqa: E402

SHARED = PROJECT.parent / "shared" / "catalogue" / "samarinda"


def synthetic_catalogue(n: int) -> Catalogue:
    """N services shaped like the real ones (same OPDs, apps, categories; cloned texts)."""
    base = load_catalogue(SHARED)
    originals = list(base.services.values())
    services = {}
    for i in range(n):
        source = originals[i % len(originals)]
        copy = i // len(originals)
        service_id = f"{source.id}-{copy}" if copy else source.id
        title = f"{source.title} (wilayah {copy})" if copy else source.title
        services[service_id] = dataclasses.replace(
            source, id=service_id, title=title, updated=f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
        )
    return dataclasses.replace(base, services=services, sources={})


# ------------------------------------------------------------------ child processes
def santer_child(content: str, out: str, mode: str, search: bool, feedback_url: str = "") -> None:
    from site_builder import build_portal

    started = time.perf_counter()
    catalogue = load_catalogue(content)
    if mode == "edit":
        first = next(iter(catalogue.services.values()))
        catalogue.services[first.id] = dataclasses.replace(first, title=first.title + " (diubah)")
    report = build_portal(
        catalogue,
        out,
        "https://santer.samarindakota.go.id",
        reuse=(mode != "cold"),
        search=search,
        feedback_url=feedback_url,
    )
    print(
        json.dumps(
            {"seconds": time.perf_counter() - started, "pages": report.pages, "rendered": report.rendered}
        )
    )


def footprint(folder: Path) -> tuple[int, float]:
    """(files, MB on disk) of a folder, each inode once (hard-linked files take their room once)."""
    seen: set[int] = set()
    files, blocks = 0, 0
    for dirpath, _dirs, names in os.walk(Path(folder).resolve()):
        for name in names:
            st = os.lstat(os.path.join(dirpath, name))
            files += 1
            if st.st_ino not in seen:
                seen.add(st.st_ino)
                blocks += st.st_blocks
    return files, blocks * 512 / 1e6


def run_child(args: list[str]) -> tuple[dict, float, float, float]:
    """Run a child; returns (its JSON line, wall seconds, peak RSS in MB of its largest process,
    CPU seconds of the child and its own children, user + system)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=err, cwd=PROJECT)
        # wait4 gives this child's own resource usage (its render workers included).
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{args[:3]} failed:\n{err.read()[-3000:]}")
        lines = [line for line in out.read().splitlines() if line.startswith("{")]
    cpu = usage.ru_utime + usage.ru_stime
    return (json.loads(lines[-1]) if lines else {}), wall, usage.ru_maxrss / 1024, cpu


# ------------------------------------------------------------------ hugo
HUGO_CONFIG = """baseURL = "https://santer.samarindakota.go.id/"
languageCode = "id"
title = "Santer"
disableKinds = ["RSS"]
[markup.goldmark.renderer]
unsafe = true
[taxonomies]
kategori = "kategori"
peristiwa = "peristiwa"
opd = "opd"
[permalinks]
layanan = "/layanan/:slug/"
"""
HUGO_BASEOF = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ .Title }} · Santer</title>
<link rel="canonical" href="{{ .Permalink }}"><link rel="stylesheet" href="/santer.css"></head>
<body><header><a href="/">Santer</a>
<form action="/cari/"><input name="q" type="search"><button>Cari</button></form></header>
<main>{{ block "main" . }}{{ end }}</main><footer><a href="/layanan/">Semua layanan</a></footer></body></html>
"""
HUGO_SINGLE = """{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Params.summary }}</p>
<dl><dt>Lama proses</dt><dd>{{ .Params.duration }}</dd><dt>Biaya</dt><dd>{{ .Params.cost }}</dd>
<dt>Hasil</dt><dd>{{ .Params.output }}</dd></dl>
{{ with .Params.deep_link }}<a data-deep-link href="{{ . }}" rel="noopener">Ajukan</a>{{ end }}
<h2>Persyaratan</h2><ul>{{ range .Params.requirements }}
<li><label><input type="checkbox"> {{ . }}</label></li>{{ end }}</ul>
<h2>Langkah</h2><ol>{{ range .Params.steps }}<li>{{ . }}</li>{{ end }}</ol>
<h2>Tentang</h2>{{ .Content }}
<h2>Dasar hukum</h2><ul>{{ range .Params.legal_basis }}<li>{{ . }}</li>{{ end }}</ul>
<h2>Pengaduan</h2><p>{{ .Params.complaints }}</p>
<script type="application/ld+json">
{{ dict "@type" "GovernmentService" "name" .Title | jsonify | safeJS }}</script>
</article>{{ end }}
"""
HUGO_LIST = """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<p>{{ .Params.summary }}</p></li>{{ end }}</ul>{{ end }}
"""


def write_hugo_site(catalogue: Catalogue, folder: Path) -> None:
    (folder / "layouts" / "_default").mkdir(parents=True)
    (folder / "content" / "layanan").mkdir(parents=True)
    (folder / "static").mkdir()
    (folder / "config.toml").write_text(HUGO_CONFIG)
    layouts = folder / "layouts" / "_default"
    (layouts / "baseof.html").write_text(HUGO_BASEOF)
    (layouts / "single.html").write_text(HUGO_SINGLE)
    for name in ("list.html", "terms.html", "taxonomy.html", "term.html"):
        (layouts / name).write_text(HUGO_LIST)
    (layouts / "index.html").write_text(HUGO_LIST)
    shutil.copy(PROJECT / "themes" / "santer" / "static" / "santer.css", folder / "static" / "santer.css")
    for service in catalogue.services.values():
        front = {
            "title": service.title,
            "slug": service.id,
            "summary": service.summary,
            "duration": service.duration,
            "cost": service.cost,
            "output": service.output,
            "deep_link": service.deep_link or "",
            "requirements": list(service.requirements),
            "steps": list(service.steps),
            "legal_basis": list(service.legal_basis),
            "complaints": service.complaints,
            "kategori": list(service.categories),
            "peristiwa": list(service.life_events),
            "opd": [service.opd],
            "lastmod": service.updated or "2026-01-01",
        }
        text = json.dumps(front, ensure_ascii=False, indent=1) + "\n\n" + service.description + "\n"
        (folder / "content" / "layanan" / f"{service.id}.md").write_text(text, encoding="utf-8")


# ------------------------------------------------------------------ main
def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--search", action="store_true", help="also time builds including the search index")
    parser.add_argument("--feedback", action="store_true", help="also time builds with the feedback form")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per size (medians are printed)")
    parser.add_argument(
        "--child", nargs=5, metavar=("CONTENT", "OUT", "MODE", "SEARCH", "FEEDBACK"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        content, out, mode, search, feedback = args.child
        santer_child(content, out, mode, search == "1", feedback)
        return
    if not (SHARED / "services.json").is_file():
        raise SystemExit(f"needs the shared catalogue at {SHARED}")
    hugo = shutil.which("hugo")
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    rows = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"santer-bench-{n}-", dir=PROJECT / "data") as tmp:
            tmp = Path(tmp)
            catalogue = synthetic_catalogue(n)
            write_content(catalogue, tmp / "content")
            runs = [
                ("santer cold (pages)", "cold", "0", ""),
                ("santer warm, nothing changed", "warm", "0", ""),
                ("santer 1 service edited", "edit", "0", ""),
            ]
            if args.search:
                runs.append(("santer cold + search index", "cold", "1", ""))
            if args.feedback:
                runs.append(("santer cold + feedback form", "cold", "0", "/api/masukan"))
                runs.append(("santer 1 edited + feedback form", "edit", "0", "/api/masukan"))
            if hugo:
                write_hugo_site(catalogue, tmp / "hugo")
            samples: dict[str, list[tuple]] = {}
            # Rounds alternate Hugo and Santer, so both meet the same moments of a shared machine.
            for _round in range(args.rounds):
                if hugo:
                    shutil.rmtree(tmp / "hugo-out", ignore_errors=True)
                    _, wall, peak, cpu = run_child(
                        [hugo, "--quiet", "-s", str(tmp / "hugo"), "-d", str(tmp / "hugo-out")]
                    )
                    pages = sum(1 for _ in (tmp / "hugo-out").rglob("*.html"))
                    hugo_run = (wall, cpu, peak, pages, None, None, tmp / "hugo-out")
                    samples.setdefault("hugo", []).append(hugo_run)
                for label, mode, search, feedback in runs:
                    out = tmp / ("portal" if mode != "cold" or search == "0" else "portal-search")
                    if feedback:
                        out = tmp / "portal-feedback"
                    data, wall, peak, cpu = run_child(
                        [*me, str(tmp / "content"), str(out), mode, search, feedback]
                    )
                    pages, rendered, live = data.get("pages", 0), data.get("rendered"), data.get("seconds")
                    samples.setdefault(label, []).append((wall, cpu, peak, pages, rendered, live, out))
            hugo_wall = statistics.median(s[0] for s in samples["hugo"]) if hugo else float("nan")
            hugo_cpu = statistics.median(s[1] for s in samples["hugo"]) if hugo else float("nan")
            for label, runs_of_label in samples.items():
                walls = [s[0] for s in runs_of_label]
                wall, cpu = statistics.median(walls), statistics.median(s[1] for s in runs_of_label)
                lives = [s[5] for s in runs_of_label if s[5] is not None]
                _, _, peak, pages, rendered, _, out = runs_of_label[-1]
                rows.append(
                    (
                        n,
                        label,
                        wall,
                        f"{min(walls):.2f}–{max(walls):.2f}",
                        statistics.median(lives) if lives else None,
                        cpu,
                        pages,
                        max(s[2] for s in runs_of_label),
                        wall / hugo_wall,
                        cpu / hugo_cpu,
                        rendered,
                        *footprint(out),
                    )
                )
    header = (
        f"{'N':>6}  {'build':<30} {'seconds':>8} {'min–max':>11} {'live at':>8} {'cpu s':>7} {'pages':>7}"
        f" {'peak MB':>8} {'× hugo':>7} {'cpu × hugo':>10} {'files':>7} {'disk MB':>8}"
    )
    print(f"\n{header}")
    for row in rows:
        n, label, wall, spread, live, cpu, pages, peak, ratio, cpu_ratio, rendered, files, disk = row
        live = f"{live:.2f}" if live is not None else "-"
        extra = f"  ({rendered} rendered)" if rendered is not None else ""
        print(
            f"{n:>6}  {label:<30} {wall:>8.2f} {spread:>11} {live:>8} {cpu:>7.2f} {pages:>7} {peak:>8.0f}"
            f" {ratio:>7.2f} {cpu_ratio:>10.2f} {files:>7} {disk:>8.1f}{extra}"
        )
    print(f"\nmedians of {args.rounds} rounds (Hugo and Santer alternate within a round);")
    print("seconds = wall time of the whole child process (Python start, loading the content folder,")
    print("build, compression, atomic switch, then deleting retired builds); live at = from loading")
    print("the content folder until the new build is live (what a publish waits for); cpu s = user +")
    print("system CPU of the child and its worker processes (steadier than wall time on a shared machine);")
    print("peak MB = the largest resident set of one process; hugo = `hugo --quiet` on equivalent pages,")
    print("no compression.")
    print(f"CPUs: {os.cpu_count()} (shared)")


if __name__ == "__main__":
    main()
