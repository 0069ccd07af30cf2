"""`python manage.py build_portal`: exit status, message, and the live folder on failure."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def manage(*args, data: Path, **environment):
    env = dict(
        os.environ, SANTER_DATA_DIR=str(data), DATABASE_URL=f"sqlite:///{data / 'db.sqlite3'}", **environment
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_then_failed_build_leaves_the_portal_as_it_was(shared_catalogue_dir, tmp_path):
    out = tmp_path / "portal"
    ok = manage("build_portal", "--out", str(out), "--catalogue", str(shared_catalogue_dir), data=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert (out / "layanan" / "ktp-el-pemula" / "index.html").is_file()
    before, target = tree(out), os.readlink(out)

    broken = tmp_path / "broken"
    shutil.copytree(shared_catalogue_dir, broken)
    services = json.loads((broken / "services.json").read_text())
    services[3]["opd"] = "dinas-yang-tidak-ada"
    (broken / "services.json").write_text(json.dumps(services))
    failed = manage("build_portal", "--out", str(out), "--catalogue", str(broken), data=tmp_path)

    assert failed.returncode != 0
    assert services[3]["id"] in failed.stderr and "opd" in failed.stderr
    assert "tidak diubah" in failed.stderr
    assert os.readlink(out) == target and tree(out) == before


def test_without_a_database_the_build_fails_cleanly(tmp_path):
    out = tmp_path / "portal"
    failed = manage("build_portal", "--out", str(out), data=tmp_path)
    assert failed.returncode != 0
    assert "migrate" in failed.stderr
    assert not out.exists()


def test_rollback_serves_the_previous_build_again(shared_catalogue_dir, tmp_path):
    out = tmp_path / "portal"
    for url in ("http://127.0.0.1", "https://santer.example"):
        done = manage(
            "build_portal",
            "--out",
            str(out),
            "--catalogue",
            str(shared_catalogue_dir),
            "--site-url",
            url,
            "--no-search",
            data=tmp_path,
        )
        assert done.returncode == 0, done.stderr
    assert "https://santer.example/" in (out / "index.html").read_text()
    back = manage("build_portal", "--out", str(out), "--rollback", data=tmp_path)
    assert back.returncode == 0, back.stderr
    assert "http://127.0.0.1/" in (out / "index.html").read_text()


def test_with_elasticsearch_configured_the_search_page_asks_the_api_first(shared_catalogue_dir, tmp_path):
    out = tmp_path / "portal"
    env = {"ELASTICSEARCH_URL": "http://127.0.0.1:9"}  # the setting the CMS reads; no server needed to build
    done = manage(
        "build_portal", "--out", str(out), "--catalogue", str(shared_catalogue_dir), data=tmp_path, **env
    )
    assert done.returncode == 0, done.stderr
    (meta,) = (out / "_search").glob("*/meta.json")
    assert json.loads(meta.read_text())["api"] == "/api/search"
