"""The Indonesian analysis pipeline and the editors' dictionary."""

import pytest

from search.analysis import Analyzer, Dictionary, compounds, fold, words
from search.query import distance, max_typo_distance, variants


@pytest.mark.parametrize(
    ("word", "stem"),
    [("perizinan", "izin"), ("kelahiran", "lahir"), ("kependudukan", "duduk"), ("penyedotan", "sedot")],
)
def test_sastrawi_stems_affixes_and_confixes(analyzer, word, stem):
    assert analyzer.stem(word) == stem


def test_protected_words_and_abbreviations_are_not_stemmed(analyzer):
    # "meninggal" would become "tinggal" (to live): the dictionary protects it.
    assert analyzer.stem("meninggal") == "meninggal"
    assert analyzer.stem("bphtb") == "bphtb"
    assert analyzer.stem("sktm") == "sktm"


def test_folding_and_compounds():
    assert fold("Akta Kelahiran Café") == "akta kelahiran cafe"
    assert words("KTP-el / AK/1") == ["ktp", "el", "ak", "1"]
    assert compounds("Kartu AK/1 dan KTP-el") == ["ak1", "ktpel"]


def test_stop_words_are_dropped_from_terms(analyzer):
    assert analyzer.terms("Pajak Bumi dan Bangunan") == ["pajak", "bumi", "bangun"]


def test_dictionary_files_parse_with_all_parts():
    d = Dictionary.load()
    assert any("imb" in r.aliases and "persetujuan bangunan gedung" in r.aliases for r in d.rules)
    assert any("birth certificate" in r.aliases and not r.equivalent for r in d.rules)
    assert d.colloquial["ngurus"] == ["urus"]
    assert d.low_weight["cara"] < 0.5 and d.low_weight["gimana"] < 0.5
    assert "dan" in d.stop_words


def test_a_bad_dictionary_line_names_file_and_line(tmp_path):
    from search.analysis import DICTIONARY_DIR

    for f in DICTIONARY_DIR.glob("*.txt"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "percakapan.txt").write_text("ngurus urus\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"percakapan\.txt:1"):
        Dictionary.load(tmp_path)


def test_variants_undo_colloquial_and_formal_affixes():
    assert "urus" in variants("ngurus")
    assert "cari" in variants("nyari")
    assert "daftar" in variants("daftarin")
    assert "foreigner" in variants("foreigners")
    assert variants("kk") == []


def test_edit_distance_counts_a_swap_once_and_caps():
    assert distance("keluraga", "keluarga", 2) == 1
    assert distance("pajek", "pajak", 1) == 1
    assert distance("retrebusi", "retribusi", 2) == 1
    assert distance("abcd", "wxyz", 1) == 2  # capped at limit + 1
    assert [max_typo_distance(w) for w in ("kia", "pajek", "kelairan")] == [0, 1, 2]


def test_typo_tolerance_against_the_index_vocabulary(searcher):
    [group] = searcher.analyze("kelairan")  # 8 letters: one edit away from "kelahiran"
    assert group.alts[0][:2] == ("kelahiran", "lahir")
    [group] = searcher.analyze("retrebusi")
    assert [stem for _, stem, _ in group.alts] == ["retribusi"]
    assert group.alts[0][2] < 1.0  # a corrected word counts less than an exact one
    # three letters: no guessing, an abbreviation stays what it is
    assert searcher.analyze("xyz")[0].alts == []


def test_low_meaning_words_weigh_less_but_stay(searcher):
    groups = {g.word: g.weight for g in searcher.analyze("gimana cara bikin ktp")}
    assert groups["ktp"] == 1.0
    assert 0 < groups["cara"] < 0.5
    assert "buat" in groups  # "bikin" rewritten to the standard word, still weighed low
    assert groups["buat"] < 0.5


def test_colloquial_rewrite_and_stemmed_lookup(searcher):
    [group] = searcher.analyze("ngurus")
    assert group.word == "urus"
    [group] = searcher.analyze("perizinan")
    assert group.alts[0][1] == "izin"


def test_analyzer_is_reusable_with_a_custom_dictionary():
    custom = Dictionary.load()
    analyzer = Analyzer(custom)
    assert analyzer.dictionary is custom


def test_particles_keep_low_weight_and_rewrites_count_once(searcher):
    groups = searcher.analyze("syaratnya apa aja buat bikin ktp")
    weights = {g.word: g.weight for g in groups}
    assert weights["syaratnya"] < 0.5  # "syarat" + particle "-nya"
    assert [g.word for g in groups].count("buat") == 1  # "bikin" is "buat", already there
    assert searcher.search("syaratnya apa aja buat bikin ktp", 1)[0][0] == "ktp-el-pemula"
