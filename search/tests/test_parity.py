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
