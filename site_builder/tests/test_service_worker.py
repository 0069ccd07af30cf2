"""The service worker knows the hashed files and the CMS's paths from their one definition
(catalogue/hashing.py, catalogue/urls.py), injected at build time (node runs its patterns)."""

import json
import re
import shutil
import subprocess

import pytest

from catalogue import urls
from catalogue.hashing import HASHED_PATH_RE, hashed_name
from site_builder import pwa

PATHS = [
    "/assets/" + hashed_name("santer.css", b"a"),
    "/assets/icons/" + hashed_name("santer-192.png", b"b"),
    urls.SEARCH_FILES + hashed_name("santer-search.js", b"c"),
    urls.SEARCH_FILES + "0123456789ab/t/00.json",
    "/assets/santer.css",
    urls.service("ktp-el-pemula"),
    urls.SEARCH,
    "/sitemap.xml",
    *urls.DJANGO_PREFIXES,
    "/admin/pages/3/edit/",
    "/api/v2/services/",
    "/documents/1/surat.pdf",
]


def test_the_worker_caches_forever_what_serving_does_and_never_the_cms_paths():
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed: the service worker's patterns need it")
    head = pwa.service_worker({}, [], worker_source="")
    script = (
        f"{head}\nvar paths = {json.dumps(PATHS)};\n"
        "console.log(JSON.stringify(paths.map(function (p) {"
        " var index = INDEX_FILE.exec(p);"
        " return [HASHED.test(p) || !!index, NEVER.test(p), index ? index[1] : null]; })));"
    )
    seen = json.loads(subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout)
    immutable = re.compile(HASHED_PATH_RE)
    for path, (hashed, never, digest) in zip(PATHS, seen, strict=True):
        assert hashed == bool(immutable.search(path)), path
        assert never == path.startswith(urls.DJANGO_PREFIXES), path
        assert digest == ("0123456789ab" if path.endswith("/t/00.json") else None), path
