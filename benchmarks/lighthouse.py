"""Lighthouse (mobile) on the portal's front-door pages, plus what Lighthouse does not measure here.

    npm install --prefix benchmarks/.lighthouse lighthouse     # once (the folder is git-ignored)
    .venv/bin/python benchmarks/lighthouse.py                 # build content/, serve, run, print
    .venv/bin/python benchmarks/lighthouse.py --runs 3        # medians of 3 runs per page
    .venv/bin/python benchmarks/lighthouse.py --portal DIR    # an already built portal folder

The portal is built from the project's demo content and served by the portal's own WSGI app
(WhiteNoise, the real headers and Content-Security-Policy) on 127.0.0.1. Lighthouse runs with
Debian's Chromium (CHROME_PATH=/usr/bin/chromium, headless). Also printed, per page, measured in
Chromium through Playwright:
- the home page's height at 375 px and whether its entry points fit a 375 × 667 first screen;
- cumulative layout shift (PerformanceObserver, page load until the search is done);
- the critical path: gzipped HTML + CSS + render-blocking scripts (budget 14 KB);
- requests to other origins (there must be none);
- installability (Chrome's own check, Page.getInstallabilityErrors), with the service worker.
The machine is shared: performance scores move between runs; read medians.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
LIGHTHOUSE = PROJECT / "benchmarks" / ".lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
PAGES = [
    "/",
    "/layanan/akta-kelahiran/",
    "/cari/?q=ktp",
    "/aplikasi/",
    "/peristiwa/kelahiran-anak/",
]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
BUDGET = 14 * 1024


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class Threading(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve(portal: Path) -> tuple[str, WSGIServer]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    from cms.portal.serving import PortalApp

    def not_found(environ, start_response):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    server = make_server(
        "127.0.0.1", 0, PortalApp(not_found, portal), server_class=Threading, handler_class=Quiet
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def lighthouse(url: str, out: Path) -> dict[str, float]:
    flags = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
    for attempt in (1, 2):  # Lighthouse sometimes loses the trace (NO_NAVSTART): one more try
        done = subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={out}",
                f"--only-categories={','.join(CATEGORIES)}",
                f"--chrome-flags={flags}",
            ],
            env=dict(os.environ, CHROME_PATH=CHROME),
            timeout=300,
        )
        if done.returncode == 0:
            break
        if attempt == 2:
            done.check_returncode()
    report = json.loads(out.read_text())
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    scores["cls"] = report["audits"]["cumulative-layout-shift"]["numericValue"]
    failed = [
        audit_id
        for c in CATEGORIES
        for ref in report["categories"][c]["auditRefs"]
        if ref["weight"] and (report["audits"][(audit_id := ref["id"])]["score"] or 0) < 1
    ]
    scores["failing"] = failed
    return scores


CLS_SCRIPT = """() => new Promise(resolve => {
  let cls = 0;
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) cls += e.value;
  }).observe({type: 'layout-shift', buffered: true});
  setTimeout(() => resolve(cls), 1500);
})"""


def browser_checks(base: str, portal: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # A profile of its own: Chrome does not offer to install from an incognito window.
        profile = tempfile.mkdtemp(prefix="santer-profile-")
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROME,
            args=["--no-sandbox", "--disable-gpu"],
            viewport={"width": 375, "height": 667},
            service_workers="allow",
        )
        page = context.new_page()
        foreign: list[str] = []
        page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((base, "data:")) else None)
        page.goto(base + "/")
        height = page.evaluate("document.documentElement.scrollHeight")
        bottom = page.evaluate(
            "Math.max(...['#q-home', '.entries', 'ul.grid'].map(s => document.querySelector(s)"
            ".getBoundingClientRect().bottom))"
        )
        print(f"home at 375 px: {height} px tall; entry points end at {bottom:.0f} px (screen: 667)")
        cdp = context.new_cdp_session(page)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        print(f"installability errors: {errors or 'none'}")
        for path in PAGES:
            page.goto(base + path)
            if "?q=" in path:
                page.wait_for_selector("[data-search-state=done]")
            cls = page.evaluate(CLS_SCRIPT)
            html = (
                (portal / path.split("?")[0].strip("/") / "index.html")
                if path != "/"
                else portal / "index.html"
            )
            text = html.read_text(encoding="utf-8")
            size = len(gzip.compress(text.encode()))
            for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', text):
                size += len(gzip.compress((portal / href.lstrip("/")).read_bytes()))
            blocking = [s for s in re.findall(r"<script[^>]*>", text) if "src=" in s and "defer" not in s]
            kb = size / 1024
            print(f"{path:32} CLS {cls:.3f}  critical path {kb:.1f} KB gz  blocking scripts {len(blocking)}")
        print(f"requests to other origins: {foreign or 'none'}")
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--portal", type=Path, help="a built portal folder (default: build content/)")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="santer-lh-") as tmp:
        portal = args.portal
        if portal is None:
            from catalogue import load_catalogue
            from site_builder import build_portal

            portal = Path(tmp) / "portal"
            build_portal(load_catalogue(PROJECT / "content"), portal, "http://127.0.0.1")
        base, server = serve(portal.resolve())
        try:
            browser_checks(base, portal.resolve())
            if not LIGHTHOUSE.exists():
                print(f"lighthouse not installed at {LIGHTHOUSE}: see the first line of this file")
                return
            print(f"\nLighthouse (mobile), median of {args.runs} run(s): " + " / ".join(CATEGORIES))
            for path in PAGES:
                runs = [lighthouse(base + path, Path(tmp) / f"lh-{i}.json") for i in range(args.runs)]
                medians = {c: statistics.median(r[c] for r in runs) for c in (*CATEGORIES, "cls")}
                failing = sorted({a for r in runs for a in r["failing"]})
                line = " / ".join(f"{medians[c]:.0f}" for c in CATEGORIES)
                print(
                    f"{path:32} {line}   CLS {medians['cls']:.3f}   not passed: {', '.join(failing) or '-'}"
                )
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
