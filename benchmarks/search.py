"""Static search at N synthetic services: Santer's index side by side with Pagefind out of the box.

    .venv/bin/python benchmarks/search.py                  # N = 10,000 (and the 151-service fixture)
    .venv/bin/python benchmarks/search.py --services 2000 --no-pagefind --no-browser
    .venv/bin/python benchmarks/search.py --services 150000 --no-pagefind --runs 3

Budgets (issue 4): first search on a cold visit ≤ 100 KB (fixture) and ≤ 150 KB (10k);
results render ≤ 50 ms after the index is loaded; index build for 10k ≤ 5 s and ≤ 300 MB.
Issue 12, at 150,000 services: cold first search ≤ 150 KB, results ≤ 50 ms after the files
arrive, index build ≤ 30 s and ≤ 1 GB.

Synthetic services are the fixture's 151 cloned round-robin with a generated place name in
the title and summary and three generated words in the description, so the vocabulary grows
with N as it would with real services (pure clones would make every posting list 66× longer
and nothing else). Builds run in child processes: time is the build call alone (for Santer,
write_search_assets and the portal builder's .br/.gz copies of its plain text files); peak memory
is the maximum resident set (getrusage) of the process that builds: Santer's child (so it
includes Python and the catalogue in memory) or the pagefind binary; "cpu s" is the build's
CPU time, steadier than wall time when others load the machine. Cold bytes are measured in
headless Chromium on the real /cari/ page (HTML, CSS, scripts, index), one fresh browser
context per query, over the dev queries, served as the portal's servers do (a file's
precompressed .gz sibling when the browser accepts gzip; --plain: every file as it is), with
the bytes of the largest visit by kind (page, css, js, meta, shards, cards, vocab). Render
time: "after the last file" is, on the cold visit, from the end of the last download to the
results marked done (Resource Timing and a MutationObserver); "from files" is the search
again into an index object that has parsed nothing (the files come from the browser's cache:
inflate, parse, ranking, result cards and DOM), "render ms" the same search once more with
the files parsed; each the median of 3 runs per query, then over the
queries. The 2 CPUs are shared, so timings move between runs.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import http.server
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from catalogue.files import Catalogue, load_catalogue  # noqa: E402
from catalogue.hashing import HASH_DIGITS  # noqa: E402

HASHED_JS = rf"\.[0-9a-f]{{{HASH_DIGITS}}}\.js$"
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (the browser the tests use)

SHARED = PROJECT.parent / "shared" / "catalogue" / "samarinda"
SYLLABLES = [
    "ba",
    "be",
    "bu",
    "da",
    "di",
    "du",
    "ga",
    "gu",
    "ja",
    "ka",
    "ke",
    "ku",
    "la",
    "li",
    "lo",
    "ma",
    "mu",
    "na",
    "ni",
    "pa",
    "pe",
    "ra",
    "ri",
    "ru",
    "sa",
    "se",
    "si",
    "ta",
    "tu",
    "wa",
    "ya",
]


def synthetic_catalogue(n: int, seed: int = 7) -> Catalogue:
    base = load_catalogue(SHARED)
    rng = random.Random(seed)
    vocabulary = sorted(
        {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(6000)}
    )
    originals = list(base.services.values())
    services = {}
    for i in range(n):
        source = originals[i % len(originals)]
        if i < len(originals):
            services[source.id] = source
            continue
        place = rng.choice(vocabulary).title()
        extra = " ".join(rng.sample(vocabulary, 3))
        service_id = f"{source.id}-{i}"
        services[service_id] = dataclasses.replace(
            source,
            id=service_id,
            title=f"{source.title} Wilayah {place}",
            summary=f"{source.summary} Untuk warga {place}.",
            description=f"{source.description} Melayani juga {extra}.",
        )
    return dataclasses.replace(base, services=services, sources={})


# ------------------------------------------------------------------ child processes
def cpu_seconds(*who: int) -> float:
    """CPU seconds (user + system) so far of `who`: resource.RUSAGE_SELF and/or RUSAGE_CHILDREN
    (finished child processes)."""
    return sum(usage.ru_utime + usage.ru_stime for usage in map(resource.getrusage, who))


# Santer's build: this process and the one a large index forks to encode half its shards.
SANTER_CPU = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)


def child_santer(n: int, out: str) -> dict:
    from search.portal import write_search_assets
    from site_builder.compress import TEXT_EXTENSIONS, PortalCompressor

    catalogue = synthetic_catalogue(n) if n else load_catalogue(SHARED)
    started, cpu = time.perf_counter(), cpu_seconds(*SANTER_CPU)
    result = write_search_assets(catalogue, Path(out))
    # and the .br/.gz copies the portal builder then makes of the plain text files among them
    # (meta.json, the scripts; the index's data files are compressed already)
    compressor = PortalCompressor()
    for path in Path(out, "_search").rglob("*"):
        if path.name.endswith(TEXT_EXTENSIONS):
            compressor.compress_data(str(path), path.read_bytes())
    seconds, cpu = time.perf_counter() - started, cpu_seconds(*SANTER_CPU) - cpu
    files = [p for p in Path(out, "_search").rglob("*") if p.is_file()]
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        **result,
    }


def child_pagefind(n: int, out: str) -> dict:
    """Pagefind out of the box: its CLI over one plain HTML page per service (as a built portal).

    (Its Python API answers one request per 0.1 s poll, ~1,000 s for 10k records, so the CLI is
    the fair "out of the box" figure.)
    """
    import html as html_lib

    from search.static_index import service_fields

    catalogue = synthetic_catalogue(n) if n else load_catalogue(SHARED)
    site = Path(out)
    for service in catalogue.services.values():
        fields = service_fields(service, catalogue)
        page = site / "layanan" / service.id / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        body = "".join(f"<p>{html_lib.escape(v)}</p>" for k, v in fields.items() if k != "title")
        page.write_text(
            f"<!doctype html><html lang=id><head><meta charset=utf-8><title>{html_lib.escape(service.title)}"
            f"</title></head><body><main><h1>{html_lib.escape(service.title)}</h1>{body}</main></body></html>",
            encoding="utf-8",
        )

    started, cpu = time.perf_counter(), cpu_seconds(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site)], check=True, capture_output=True)
    seconds, cpu = time.perf_counter() - started, cpu_seconds(resource.RUSAGE_CHILDREN) - cpu
    files = [p for p in (site / "pagefind").rglob("*") if p.is_file()]
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,  # the pagefind binary
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
    }


def run_child(kind: str, n: int, out: Path) -> dict:
    """Run a build in a fresh interpreter (it reports its own peak resident memory)."""
    run = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--services", str(n), "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ browser
SEND_GZ = True  # --plain: False


def serve(folder: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        """Sends a file's precompressed .gz sibling to a browser that accepts gzip, as the portal's
        servers do (WhiteNoise, nginx's gzip_static): the bytes a visitor really downloads."""

        def log_message(self, *args):
            pass

        def send_head(self):
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            gz = path.with_name(path.name + ".gz")
            accepts = SEND_GZ and "gzip" in self.headers.get("Accept-Encoding", "")
            if not accepts or not gz.is_file():
                return super().send_head()
            data = gz.open("rb")
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(gz.stat().st_size))
            self.end_headers()
            return data

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def search_page_site(site: Path, scripts: list[str], template_portal: Path | None) -> None:
    """Put the real /cari/ page (and its CSS) of a fixture build next to an index; else a bare page."""
    cari = site / "cari"
    cari.mkdir(parents=True, exist_ok=True)
    if template_portal:
        html = (template_portal / "cari" / "index.html").read_text(encoding="utf-8")
        import re

        by_name = {re.sub(HASHED_JS, "", url.rsplit("/", 1)[1]): url for url in scripts}
        for old_src in re.findall(r'<script src="(/_search/[^"]+)"', html):
            html = html.replace(old_src, by_name[re.sub(HASHED_JS, "", old_src.rsplit("/", 1)[1])])
        for asset in template_portal.rglob("*.css"):
            target = site / asset.relative_to(template_portal)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(asset, target)
    else:
        tags = "".join(f'<script src="{s}" defer></script>' for s in scripts)
        html = (
            f"<!doctype html><html lang=id><head><meta charset=utf-8>{tags}</head><body>"
            '<form data-search-form><input name="q"></form><div data-search-results></div></body></html>'
        )
    (cari / "index.html").write_text(html, encoding="utf-8")
    # the .gz copies the portal builder makes of its text files (the search files have theirs)
    from site_builder.compress import TEXT_EXTENSIONS, PortalCompressor

    compressor = PortalCompressor()
    for path in [cari / "index.html", *site.rglob("*.css")]:
        if path.name.endswith(TEXT_EXTENSIONS):
            compressor.compress_data(str(path), path.read_bytes())


@contextlib.contextmanager
def browser_on(site: Path):
    """Headless Chromium and the folder served on loopback: (browser, base URL)."""
    from playwright.sync_api import sync_playwright

    server, base = serve(site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser, base
            browser.close()
    finally:
        server.shutdown()


KINDS = ("page", "css", "js", "meta", "shards", "cards", "vocab", "other")


def kind_of(url: str) -> str:
    """What a downloaded file is, for the breakdown of a cold visit's bytes."""
    path = url.split("?", 1)[0]
    if path.endswith("/") or path.endswith(".html"):
        return "page"
    if path.endswith(".css"):
        return "css"
    if path.endswith(".js"):
        return "js"
    if path.endswith("/meta.json"):
        return "meta"
    for folder, name in (("/t/", "shards"), ("/d/", "cards"), ("/v/", "vocab")):
        if folder in path:
            return name
    return "other"


# When the results are first marked done (performance.now()), for the time after the last file.
MARK_DONE = """(() => { new MutationObserver(() => {
  const el = document.querySelector("[data-search-results]");
  const done = el && el.getAttribute("data-search-state") === "done";
  if (done && !window.__santerDone) window.__santerDone = performance.now();
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-search-state"] }); })();"""
# On a cold visit: from the end of the last file that arrived before the results were done to done.
AFTER_LAST_FILE = """() => {
  const done = window.__santerDone;
  const ends = performance.getEntriesByType("resource").map(e => e.responseEnd).filter(t => t <= done);
  return done - Math.max(...ends);
}"""


def cold_visit(browser, url: str, done: str):
    """Open `url` in a fresh context (an empty cache) and wait for `done`:
    (page, bytes downloaded, {kind: bytes}, {kind: files})."""
    page = browser.new_context().new_page()
    sizes: dict[str, int] = dict.fromkeys(KINDS, 0)
    counts: dict[str, int] = dict.fromkeys(KINDS, 0)

    def finished(req):
        # req.sizes() asks the browser: other handlers run meanwhile, so add only once it answered
        size = req.sizes()
        kind = kind_of(req.url)
        sizes[kind] += size["responseBodySize"] + size["responseHeadersSize"]
        counts[kind] += 1

    page.on("requestfinished", finished)
    page.add_init_script(MARK_DONE)
    page.goto(url)
    page.wait_for_selector(done, state="attached", timeout=30000)
    page.wait_for_load_state("networkidle")
    return page, sum(sizes.values()), dict(sizes), dict(counts)


# A search from files already downloaded (the browser's cache) into an index object that has
# parsed none of them: inflating and parsing the files, ranking, the result cards and the DOM.
FRESH_SEARCH = (
    "async q => { SanterSearch.page.reset(); const t = performance.now();"
    " await SanterSearch.page.search(q); return performance.now() - t; }"
)
# The same search again: the index object has the parsed files already (ranking, cards, DOM).
WARM_SEARCH = (
    "async q => { const t = performance.now(); await SanterSearch.page.search(q);"
    " return performance.now() - t; }"
)


def measure_santer(site: Path, queries: list[str], repeats: int = 3) -> dict:
    cold, render, fresh, breakdown, after = [], [], [], [], []
    with browser_on(site) as (browser, base):
        for q in queries:
            page, downloaded, by_kind, files = cold_visit(
                browser, f"{base}/cari/?q={quote(q)}", '[data-search-results][data-search-state="done"]'
            )
            cold.append(downloaded)
            breakdown.append((downloaded, q, by_kind, files))
            after.append(page.evaluate(AFTER_LAST_FILE))
            # each query's median of `repeats` runs, then the median over the queries
            fresh.append(statistics.median(page.evaluate(FRESH_SEARCH, q) for _ in range(repeats)))
            render.append(statistics.median(page.evaluate(WARM_SEARCH, q) for _ in range(repeats)))
            page.context.close()
    largest = max(breakdown, key=lambda item: item[0])
    return {
        "cold_first": cold[0],
        "cold_median": statistics.median(cold),
        "cold_max": max(cold),
        "render_median_ms": statistics.median(render),
        "render_max_ms": max(render),
        "fresh_median_ms": statistics.median(fresh),
        "after_median_ms": statistics.median(after),
        "after_max_ms": max(after),
        "fresh_max_ms": max(fresh),
        "largest": {"query": largest[1], "bytes": largest[2], "files": largest[3]},
    }


PAGEFIND_PAGE = """<!doctype html><html><head><meta charset=utf-8></head><body><div id=out></div>
<script type=module>
const q = new URLSearchParams(location.search).get("q");
const pagefind = await import("/pagefind/pagefind.js");
await pagefind.init();
const search = await pagefind.search(q);
const data = await Promise.all(search.results.slice(0, 10).map(r => r.data()));
document.getElementById("out").textContent = data.map(d => d.url).join(" ");
document.body.dataset.done = "1";
</script></body></html>"""


def measure_pagefind(site: Path, queries: list[str]) -> dict:
    (site / "pf.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
    cold = []
    with browser_on(site) as (browser, base):
        for q in queries:
            page, downloaded = cold_visit(browser, f"{base}/pf.html?q={quote(q)}", "body[data-done]")
            cold.append(downloaded)
            page.context.close()
    return {"cold_first": cold[0], "cold_median": statistics.median(cold), "cold_max": max(cold)}


# ------------------------------------------------------------------ main
def fmt_kb(value) -> str:
    return "-" if value is None else f"{value / 1000:.1f} KB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--services", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=20, help="dev queries measured cold in the browser")
    ap.add_argument("--no-pagefind", action="store_true")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--plain", action="store_true", help="serve every file uncompressed (no .gz siblings)")
    ap.add_argument("--runs", type=int, default=1, help="Santer index builds per size (median time, memory)")
    ap.add_argument("--child", choices=("santer", "pagefind"), help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        build = child_santer if args.child == "santer" else child_pagefind
        print(json.dumps(build(args.services, args.out)))
        return 0

    global SEND_GZ
    SEND_GZ = not args.plain
    queries = [q["q"] for q in json.loads((SHARED / "queries-dev.json").read_text(encoding="utf-8"))]
    queries = queries[: args.queries]
    work = Path(tempfile.mkdtemp(prefix="santer-search-bench-"))
    template = None
    try:
        if not args.no_browser:
            try:
                from site_builder.build import build_portal

                template = work / "fixture-portal"
                build_portal(load_catalogue(SHARED), template, "https://santer.example")
                template = template.resolve()
            except Exception as exc:  # the builder is another package; a bare page still measures
                print(f"(portal builder unavailable: {exc}; measuring on a bare page)")
                template = None
        rows = []
        for label, n in (("fixture (151)", 0), (f"synthetic {args.services:,}", args.services)):
            site = work / f"santer-{n}"
            builds = []
            for _ in range(max(1, args.runs)):
                shutil.rmtree(site, ignore_errors=True)
                builds.append(run_child("santer", n, site))
            built = dict(builds[-1])
            for key in ("seconds", "cpu", "peak_mb"):
                values = [b[key] for b in builds]
                built[key], built[f"{key}_range"] = statistics.median(values), (min(values), max(values))
            row = {"label": label, "engine": "santer", "runs": len(builds), **built}
            if not args.no_browser:
                search_page_site(site, built["scripts"] + built.get("page_scripts", []), template)
                row.update(measure_santer(site, queries))
            rows.append(row)
            if not args.no_pagefind:
                pf_site = work / f"pagefind-{n}"
                pf = run_child("pagefind", n, pf_site)
                prow = {"label": label, "engine": "pagefind", **pf}
                if not args.no_browser:
                    prow.update(measure_pagefind(pf_site, queries))
                rows.append(prow)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\nStatic search, cold browser over the first {len(queries)} dev queries "
        "(budgets: fixture ≤ 100 KB, 10k and 150k ≤ 150 KB, render ≤ 50 ms, "
        "build 10k ≤ 5 s / 300 MB, 150k ≤ 30 s / 1 GB)"
    )
    header = (
        f"{'catalogue':<18}{'engine':<10}{'build s':>9}{'cpu s':>7}{'peak MB':>9}{'index':>11}{'files':>7}"
        f"{'1st cold':>11}{'med cold':>11}{'max cold':>11}{'render ms':>11}"
    )
    print(header)
    for r in rows:
        peak = f"{r['peak_mb']:.0f}" if r.get("peak_mb") else "-"
        render = f"{r['render_median_ms']:.1f}" if "render_median_ms" in r else "-"
        print(
            f"{r['label']:<18}{r['engine']:<10}{r['seconds']:>9.2f}{r['cpu']:>7.2f}{peak:>9}{fmt_kb(r['bytes']):>11}"
            f"{r['files']:>7}{fmt_kb(r.get('cold_first')):>11}{fmt_kb(r.get('cold_median')):>11}"
            f"{fmt_kb(r.get('cold_max')):>11}{render:>11}"
        )
    for r in rows:
        if r.get("runs", 1) > 1:
            (s_lo, s_hi), (c_lo, c_hi), (m_lo, m_hi) = r["seconds_range"], r["cpu_range"], r["peak_mb_range"]
            print(
                f"{r['label']}: median of {r['runs']} builds; min–max build s {s_lo:.2f}–{s_hi:.2f}, "
                f"cpu s {c_lo:.2f}–{c_hi:.2f}, peak {m_lo:.0f}–{m_hi:.0f} MB"
            )
        if "fresh_median_ms" in r:
            print(
                f"{r['label']}: cold visit, results done after the last file arrived: median "
                f"{r['after_median_ms']:.1f} ms, max {r['after_max_ms']:.1f} ms"
            )
            print(
                f"{r['label']}: render from downloaded files (inflate, parse, rank, cards, DOM) median "
                f"{r['fresh_median_ms']:.1f} ms, max {r['fresh_max_ms']:.1f} ms; again with the files parsed "
                f"median {r['render_median_ms']:.1f} ms, max {r['render_max_ms']:.1f} ms"
            )
            largest = r["largest"]
            parts = ", ".join(
                f"{kind} {largest['bytes'][kind] / 1000:.1f} KB/{largest['files'][kind]}"
                for kind in KINDS
                if largest["files"][kind]
            )
            print(f"  largest cold visit {largest['query']!r}: {parts} (KB/files)")
    by = {(r["label"], r["engine"]): r for r in rows}
    for label in dict.fromkeys(r["label"] for r in rows):
        s, p = by.get((label, "santer")), by.get((label, "pagefind"))
        if s and p:
            line = f"{label}: Santer's build takes {s['seconds'] / p['seconds']:.2f}× Pagefind's time"
            if s.get("peak_mb") and p.get("peak_mb"):
                line += f", peak memory {s['peak_mb']:.0f} vs {p['peak_mb']:.0f} MB"
            if "cold_median" in s and "cold_median" in p:
                line += f", median cold download {s['cold_median'] / p['cold_median']:.2f}× Pagefind's"
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
