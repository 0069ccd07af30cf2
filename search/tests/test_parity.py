"""The browser engine and the Python one analyse and rank the same way (node runs the JS)."""

import json
import shutil
import subprocess

import pytest

from search import static_index
from search.portal import write_index
from search.query import StaticSearcher

from .conftest import EXTRA_QUERIES, TESTS_DIR


@pytest.fixture(scope="module")
def node():
    path = shutil.which("node")
    if not path:
        pytest.skip("node is not installed: the JS/Python parity test needs it")
    return path


@pytest.mark.parametrize("layout", ["small", "large"])
def test_js_and_python_give_the_same_terms_and_ranking(
    node,
    layout,
    shared_index,
    searcher,
    shared_catalogue,
    city_analyzer,
    shared_catalogue_dir,
    tmp_path,
    monkeypatch,
):
    if layout == "large":  # as a large catalogue: few shards, many result cards per file
        monkeypatch.setattr(static_index, "MAX_SHARDS", 8)
        monkeypatch.setattr(static_index, "MAX_CARD_FILES", 4)
        shared_index = static_index.build_index(shared_catalogue, city_analyzer)
        searcher = StaticSearcher(shared_index.files)
    write_index(shared_index, tmp_path / "index")
    queries = [
        q["q"] for q in json.loads((shared_catalogue_dir / "queries-dev.json").read_text(encoding="utf-8"))
    ]
    queries += [q["q"] for q in json.loads(EXTRA_QUERIES.read_text(encoding="utf-8"))]
    queries += ["Café KTP-el", "ngurusin", "xyz", ""]
    (tmp_path / "q.json").write_text(json.dumps(queries), encoding="utf-8")
    run = subprocess.run(
        [node, str(TESTS_DIR / "parity_runner.js"), str(tmp_path / "index"), str(tmp_path / "q.json")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    rows = json.loads(run.stdout)
    assert len(rows) == len(queries)
    for row in rows:
        assert row["groups"] == [g.to_list() for g in searcher.analyze(row["q"])], row["q"]
        assert row["ranked"] == [[sid, score] for sid, score in searcher.search(row["q"], 10)], row["q"]


def test_js_and_python_highlight_the_same_words(node):
    from search.analysis import highlight_parts

    cases = [
        ("Pembuatan KTP-el baru", ["ktp", "el"]),
        ("Café Akta Kelahiran (anak)", ["cafe", "akta"]),
        ("Izin_usaha/PBG 2024: perizinan", ["izin", "2024"]),
        ("naïve résumé Ωmega x² ½", ["naive", "resume", "ωmega", "x2"]),
        ("Ke-1, no. 12a; e\u0301 — 日本語", ["12a", "e", "日本語"]),
        ("", ["ktp"]),
    ]
    script = (
        "const e = require(process.argv[1]);"
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(cases.map(([t, terms]) => e.highlightParts(t, terms))));"
    )
    run = subprocess.run(
        [node, "-e", script, str(TESTS_DIR.parent / "assets" / "santer-search.js")],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    for (text, terms), parts in zip(cases, json.loads(run.stdout), strict=True):
        assert parts == [[p, hit] for p, hit in highlight_parts(text, terms)], text
    assert [p for p, hit in highlight_parts("Pembuatan KTP-el baru", ["ktp"]) if hit] == ["KTP"]
