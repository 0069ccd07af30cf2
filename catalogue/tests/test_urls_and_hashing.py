"""The URL scheme and the content-hashed names, as the builder, the CMS and the server read them."""

import re

from catalogue import urls
from catalogue.hashing import HASHED_PATH_RE, hashed_name


def test_every_record_page_url_has_one_output_file_and_back():
    for url in (
        urls.service("ktp-el-pemula"),
        urls.opd("disdukcapil"),
        urls.category("kependudukan"),
        urls.life_event("kelahiran"),
        urls.app("dafduk-online"),
        urls.HOME,
        urls.ALL_SERVICES,
    ):
        path = urls.output_path(url)
        assert path.endswith("index.html") and not path.startswith("/")
        assert urls.page_url(path) == url
    assert urls.service("pbg") == "/layanan/pbg/" and urls.app("sicantik") == "/aplikasi/sicantik/"


def test_the_scripts_get_the_same_scheme():
    scheme = urls.for_scripts()
    assert scheme["service"].format(slug="nib") == urls.service("nib")
    assert scheme["search"] == urls.SEARCH and scheme["all_services"] == urls.ALL_SERVICES


def test_only_content_hashed_files_count_as_immutable():
    immutable = re.compile(HASHED_PATH_RE)
    css = "/assets/" + hashed_name("santer.css", b"body{}")
    assert immutable.search(css) and immutable.search("/_search/0123456789ab/meta.json")
    # a page, even one whose slug looks like a hash, is revalidated
    for page in ("/layanan/ktp-el-pemula/", "/layanan/0123456789ab/", "/assets/santer.css", "/sitemap.xml"):
        assert not immutable.search(page), page
