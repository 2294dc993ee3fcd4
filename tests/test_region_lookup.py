"""Region lookup against the real reference data loaded by the regions migration."""

from __future__ import annotations

import csv

import pytest
from django.utils import translation

from berdaya.regions import lookup
from berdaya.regions.lookup import Status, resolve, resolve_code, resolve_name
from berdaya.regions.models import Region

pytestmark = pytest.mark.django_db

# The 17 kabupaten/kota of Sulawesi Tenggara (Kemendagri codes, not BPS).
KABKOTA_74 = [
    ("74.01", "Kabupaten Kolaka"),
    ("74.02", "Kabupaten Konawe"),
    ("74.03", "Kabupaten Muna"),
    ("74.04", "Kabupaten Buton"),
    ("74.05", "Kabupaten Konawe Selatan"),
    ("74.06", "Kabupaten Bombana"),
    ("74.07", "Kabupaten Wakatobi"),
    ("74.08", "Kabupaten Kolaka Utara"),
    ("74.09", "Kabupaten Konawe Utara"),
    ("74.10", "Kabupaten Buton Utara"),
    ("74.11", "Kabupaten Kolaka Timur"),
    ("74.12", "Kabupaten Konawe Kepulauan"),
    ("74.13", "Kabupaten Muna Barat"),
    ("74.14", "Kabupaten Buton Tengah"),
    ("74.15", "Kabupaten Buton Selatan"),
    ("74.71", "Kota Kendari"),
    ("74.72", "Kota Bau Bau"),
]


def _variants(full_name: str) -> list[str]:
    prefix, _, bare = full_name.partition(" ")
    names = [
        full_name,
        bare,
        bare.upper(),
        bare.lower(),
        full_name.upper(),
        full_name.lower(),
        f"  {bare}  ",
        bare.replace(" ", "  "),
    ]
    if prefix == "Kabupaten":
        names += [f"Kab. {bare}", f"Kab {bare}", f"KAB.{bare.upper()}", f"kabupaten {bare.lower()}"]
    else:
        names += [f"Kota {bare}", f"KOTA {bare.upper()}", f"kota {bare.lower()}"]
    return names


NAME_CASES = [
    pytest.param(code, name, id=f"{code}-{name}")
    for code, full in KABKOTA_74
    for name in dict.fromkeys(_variants(full))
]


def _codes(result) -> list[str]:
    return [r.code for r in result.candidates]


@pytest.fixture(autouse=True, scope="module")
def _fresh_index():
    lookup.clear_cache()  # another test module may have changed regions
    yield
    lookup.clear_cache()


# --- Kabupaten/kota of province 74 ----------------------------------------------------


def test_the_data_has_exactly_these_kabkota():
    rows = Region.objects.filter(parent_id="74").order_by("code").values_list("code", "name")
    assert list(rows) == KABKOTA_74


@pytest.mark.parametrize(("code", "name"), NAME_CASES)
def test_kabkota_by_name(code, name):
    for result in (
        resolve_name(name),
        resolve(name),
        resolve_name(name, level="kabkota"),
        resolve_name(name, parent="74", level="kabkota"),
    ):
        assert result.status == Status.FOUND, result.message
        assert result.region.code == code
        assert result.found
        assert result.candidates == ()


@pytest.mark.parametrize(("code", "full"), KABKOTA_74, ids=[c for c, _ in KABKOTA_74])
def test_kabkota_by_code(code, full):
    plain = code.replace(".", "")
    for value in (code, plain, f" {code} ", f"\t{plain}\n", int(plain)):
        for result in (resolve_code(value), resolve(value)):
            assert result.status == Status.FOUND, (value, result.message)
            assert result.region.code == code
            assert result.region.name == full


@pytest.mark.parametrize(("code", "full"), KABKOTA_74, ids=[c for c, _ in KABKOTA_74])
def test_kabkota_with_the_wrong_prefix_is_unknown(code, full):
    prefix, _, bare = full.partition(" ")
    wrong = f"Kota {bare}" if prefix == "Kabupaten" else f"Kab. {bare}"
    result = resolve_name(wrong)
    assert result.status == Status.UNKNOWN
    assert result.region is None
    # The message points at the region the name does belong to.
    assert f"{code} {full}" in result.message


def test_kota_konawe_is_not_a_guess():
    result = resolve("Kota Konawe")
    assert result.status == Status.UNKNOWN
    assert result.region is None and result.candidates == ()
    assert "tidak dikenal" in result.message
    assert "74.02 Kabupaten Konawe" in result.message


@pytest.mark.parametrize(
    "name",
    [
        "Baubau",
        "Bau-Bau",
        "Bau Bau",
        "BAU BAU",
        "bau-bau",
        "Kota Baubau",
        "Kota Bau-Bau",
        "KOTA BAUBAU",
        "Bau - Bau",
        "Bau.Bau",
    ],
)
def test_bau_bau_spellings(name):
    result = resolve(name)
    assert result.status == Status.FOUND, result.message
    assert result.region.code == "74.72"


# --- Aliases ----------------------------------------------------------------------------


def _alias_rows() -> list[tuple[str, str]]:
    with lookup.ALIASES_FILE.open(encoding="utf-8", newline="") as handle:
        return [(row["alias"], row["code"]) for row in csv.DictReader(handle)]


def test_aliases_file_covers_the_common_abbreviations():
    aliases = dict(_alias_rows())
    assert aliases == {
        "Sultra": "74",
        "Kdi": "74.71",
        "Kota Kdi": "74.71",
        "Konsel": "74.05",
        "Konut": "74.09",
        "Konkep": "74.12",
        "Kolut": "74.08",
        "Koltim": "74.11",
        "Busel": "74.15",
        "Buteng": "74.14",
        "Butur": "74.10",
        "Mubar": "74.13",
    }
    for code in aliases.values():
        assert Region.objects.filter(code=code).exists()


@pytest.mark.parametrize(("alias", "code"), _alias_rows())
def test_every_alias_resolves(alias, code):
    for text in (alias, alias.upper(), alias.lower(), f" {alias} "):
        result = resolve(text)
        assert result.status == Status.FOUND, result.message
        assert result.region.code == code


def test_aliases_respect_prefixes_and_levels():
    assert resolve("Kab. Konsel").region.code == "74.05"
    assert resolve("Kota Kdi").region.code == "74.71"
    assert resolve("KOTA KDI").region.code == "74.71"
    assert resolve("Prov. Sultra").region.code == "74"
    assert resolve("Kota Konsel").status == Status.UNKNOWN
    assert resolve("Kab. Kdi").status == Status.UNKNOWN
    assert resolve("Konsel", level="kecamatan").status == Status.UNKNOWN
    assert resolve("Konsel", parent="74.02").status == Status.UNKNOWN


def test_an_alias_for_a_region_not_loaded_is_ignored():
    index = lookup._Index(Region.objects.filter(depth=1), [("Konsel", "74.05"), ("Sultra", "74")])
    assert "konsel" not in index.by_key
    assert [r.code for r in index.by_key["sultra"]] == ["74"]


# --- National names and provinces ------------------------------------------------------------


def test_bogor_alone_is_ambiguous_nationally():
    result = resolve("Bogor")
    assert result.status == Status.AMBIGUOUS
    assert result.region is None
    assert _codes(result) == ["32.01", "32.71"]
    assert "ambigu" in result.message
    assert "32.01 Kabupaten Bogor (Jawa Barat)" in result.message
    assert "32.71 Kota Bogor (Jawa Barat)" in result.message


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Kota Bogor", "32.71"),
        ("KOTA BOGOR", "32.71"),
        ("Kabupaten Bogor", "32.01"),
        ("Kab. Bogor", "32.01"),
        ("kab bogor", "32.01"),
    ],
)
def test_the_prefix_selects_kota_or_kabupaten(name, code):
    result = resolve(name)
    assert result.status == Status.FOUND, result.message
    assert result.region.code == code


def test_provinces_by_name():
    assert resolve("Sulawesi Tenggara").region.code == "74"
    assert resolve("Provinsi Sulawesi Tenggara").region.code == "74"
    assert resolve("PROV. SULAWESI TENGGARA").region.code == "74"
    assert resolve("Jawa Barat").region.code == "32"
    assert resolve_name("Sulawesi Tenggara", level="provinsi").region.code == "74"
    # A kabupaten/kota name comes first: Gorontalo is a kabupaten and a kota.
    assert _codes(resolve("Gorontalo")) == ["75.01", "75.71"]
    assert resolve("Provinsi Gorontalo").region.code == "75"
    assert resolve_name("Gorontalo", level="provinsi").region.code == "75"


def test_kepulauan_abbreviation():
    for name in ("Kabupaten Kepulauan Siau Tagulandang Biaro", "Kab. Kep. Siau Tagulandang Biaro"):
        assert resolve(name).region.code == "71.09"
    result = resolve_name("Kepulauan Masaloka Raya", parent="74.06")
    assert result.region.code == "74.06.17"


def test_a_name_elsewhere_in_indonesia_is_found_nationally():
    result = resolve("Toli-Toli")  # no kab/kota of that name in province 74
    assert result.status == Status.FOUND
    assert result.region.code == "72.04"


# --- Kecamatan and desa ----------------------------------------------------------------------


def test_kecamatan_inside_its_kabupaten():
    kolaka = Region.objects.get(code="74.01")
    for name in ("Wundulako", "WUNDULAKO", "Kec. Wundulako", "Kecamatan Wundulako"):
        for parent in (kolaka, "74.01", "7401"):
            result = resolve_name(name, parent=parent, level="kecamatan")
            assert result.status == Status.FOUND, result.message
            assert result.region.code == "74.01.01"
    # The prefix alone is enough to say which level is meant.
    assert resolve("Kec. Wundulako", parent="74.01").region.code == "74.01.01"
    assert resolve_name("Wundulako", level="kecamatan").region.code == "74.01.01"


def test_with_only_a_parent_every_level_below_counts():
    # Wundulako is a kecamatan and a kelurahan inside it: without a level, no guess.
    result = resolve_name("Wundulako", parent="74.01")
    assert result.status == Status.AMBIGUOUS
    assert _codes(result) == ["74.01.01", "74.01.01.1002"]
    assert "74.01.01 Kecamatan Wundulako (Kabupaten Kolaka)" in result.message
    # Kolaka is the name of a kecamatan only, inside Kabupaten Kolaka.
    assert resolve_name("Kolaka", parent="74.01").region.code == "74.01.04"


def test_a_bare_kecamatan_name_is_not_searched_without_level_or_parent():
    result = resolve("Wundulako")
    assert result.status == Status.UNKNOWN
    assert "74.01.01 Kecamatan Wundulako" in result.message


def test_no_kecamatan_name_repeats_in_province_74():
    # So the cross-kabupaten ambiguity is shown with a village name below.
    names = Region.objects.filter(level="kecamatan", code__startswith="74.").values_list("name", flat=True)
    assert len(set(names)) == len(names) == 221
    for name in names:
        assert resolve_name(name, level="kecamatan").found


def test_name_in_two_kabupaten_is_ambiguous_without_parent_and_found_with_it():
    # Olo-Oloho: a desa in Kabupaten Konawe and a kelurahan in Kabupaten Kolaka Utara.
    result = resolve_name("Olo-Oloho", level="desa")
    assert result.status == Status.AMBIGUOUS
    assert _codes(result) == ["74.02.18.2004", "74.08.02.1001"]
    assert "Kabupaten Konawe" in result.message and "Kabupaten Kolaka Utara" in result.message
    assert resolve_name("Olo Oloho", parent="74.08", level="desa").region.code == "74.08.02.1001"
    assert resolve_name("olooloho", parent="74.02", level="desa").region.code == "74.02.18.2004"


def test_name_in_two_kecamatan_of_one_kabupaten():
    result = resolve_name("Tanggobu", parent="74.02", level="desa")
    assert result.status == Status.AMBIGUOUS
    assert _codes(result) == ["74.02.01.2015", "74.02.39.2007"]
    assert resolve_name("Tanggobu", parent="74.02.39", level="desa").region.code == "74.02.39.2007"
    assert resolve_name("Tanggobu", parent="74.02.01").region.code == "74.02.01.2015"


def test_desa_inside_its_kecamatan():
    ranomeeto = Region.objects.get(code="74.05.08")
    assert resolve_name("Onewila", parent=ranomeeto).region.code == "74.05.08.2002"
    assert resolve_name("Desa Onewila", parent="74.05.08", level="desa").region.code == "74.05.08.2002"
    # Found from the kabupaten too.
    assert resolve_name("ONEWILA", parent="74.05", level="desa").region.code == "74.05.08.2002"
    # A desa whose own name starts with "Kota".
    for name in ("Kota Bangun", "Desa Kota Bangun", "kota-bangun"):
        result = resolve_name(name, parent="74.05.08", level="desa")
        assert result.status == Status.FOUND, result.message
        assert result.region.code == "74.05.08.2017"


def test_desa_and_kelurahan_prefixes_choose_between_namesakes():
    # Kecamatan 74.03.25 has a kelurahan and a desa both called Wakumoro.
    assert _codes(resolve_name("Wakumoro", parent="74.03.25")) == ["74.03.25.1005", "74.03.25.2012"]
    assert resolve_name("Desa Wakumoro", parent="74.03.25").region.code == "74.03.25.2012"
    assert resolve_name("Kel. Wakumoro", parent="74.03.25").region.code == "74.03.25.1005"
    assert resolve_name("Kelurahan Wakumoro", parent="74.03.25").region.code == "74.03.25.1005"
    # Alone, "Desa" accepts a kelurahan of that name (villages change status).
    assert resolve_name("Desa Ranomeeto", parent="74.05.08").region.code == "74.05.08.1001"


def test_spellings_that_normalise_alike_are_all_candidates():
    result = resolve_name("Mata Iwoi", parent="74.02", level="desa")
    assert result.status == Status.AMBIGUOUS
    assert _codes(result) == ["74.02.15.1002", "74.02.28.2014", "74.02.37.2006"]


def test_apostrophes_do_not_count():
    for name in ("Pu'u Waeya", "Puu Waeya", "PU\u2019U WAEYA"):
        assert resolve_name(name, parent="74.06.08").region.code == "74.06.08.2011"


def test_kecamatan_with_a_parent_that_does_not_contain_it_is_unknown():
    result = resolve_name("Wundulako", parent="74.02", level="kecamatan")
    assert result.status == Status.UNKNOWN
    assert result.region is None
    assert "di dalam 74.02 Kabupaten Konawe" in result.message
    assert "74.01.01 Kecamatan Wundulako (Kabupaten Kolaka)" in result.message  # where it is
    # The same by code.
    result = resolve("74.01.01", parent="74.02")
    assert result.status == Status.UNKNOWN
    assert "tidak berada di dalam" in result.message
    assert resolve("7401011002", parent="74.01.01").region.code == "74.01.01.1002"


def test_code_with_the_wrong_level_is_unknown():
    result = resolve("74.05", level="kecamatan")
    assert result.status == Status.UNKNOWN
    assert "bukan kecamatan" in result.message
    assert resolve("74.05", level="kabkota").found


# --- Unknown and malformed input ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["Atlantis", "Kota Atlantis", "Kabupaten Konawe Barat Daya", "Kota"])
def test_unknown_names(name):
    result = resolve(name)
    assert result.status == Status.UNKNOWN
    assert result.region is None and result.candidates == ()
    assert "tidak dikenal" in result.message


def test_unknown_name_offers_suggestions_but_does_not_guess():
    result = resolve("Konawe Selatn")
    assert result.status == Status.UNKNOWN
    assert result.region is None
    assert "Mungkin maksudnya" in result.message
    assert "74.05 Kabupaten Konawe Selatan" in result.message
    result = resolve_name("Wundulak", parent="74.01", level="kecamatan")
    assert result.status == Status.UNKNOWN
    assert "74.01.01 Kecamatan Wundulako" in result.message


@pytest.mark.parametrize("text", ["", "   ", None, " - ", "..."])
def test_empty_name_is_invalid(text):
    result = resolve_name(text)
    assert result.status == Status.INVALID
    assert "kosong" in result.message


@pytest.mark.parametrize("text", ["", "  ", None])
def test_empty_code_is_invalid(text):
    for result in (resolve_code(text), resolve(text)):
        assert result.status == Status.INVALID
        assert "kosong" in result.message


@pytest.mark.parametrize(
    "text",
    [
        "74.7",
        "74.71.1",
        "7",
        "74.71.01.10011",
        "74.71.01.100",
        "747",
        "74710",
        "74710110011",
        "74..71",
        "74.71.",
        ".74",
        "74 71",
        "7.4",
    ],
)
def test_malformed_codes_are_invalid(text):
    for result in (resolve_code(text), resolve(text)):
        assert result.status == Status.INVALID, result
        assert result.region is None
        assert "tidak valid" in result.message
        assert "74.71.01.1001" in result.message  # says what the format should be


@pytest.mark.parametrize("text", ["abc", "74.7a", "Kendari", "74-71", True])
def test_non_codes_are_invalid_codes(text):
    result = resolve_code(text)
    assert result.status == Status.INVALID
    assert "tidak valid" in result.message


def test_resolve_reads_letters_as_a_name():
    assert resolve("abc").status == Status.UNKNOWN


def test_excel_numbers():
    assert resolve_code(7471).region.code == "74.71"
    assert resolve_code(7471011005).region.code == "74.71.01.1005"
    assert resolve_code(7471.0).region.code == "74.71"
    assert resolve_code(74.71).region.code == "74.71"
    result = resolve_code(74.1)  # 74.10 typed into a number cell
    assert result.status == Status.INVALID
    assert "teks" in result.message


@pytest.mark.parametrize("text", ["74.99", "7499", "74.71.99", "74.71.01.9999", "99"])
def test_nonexistent_codes_are_unknown(text):
    for result in (resolve_code(text), resolve(text)):
        assert result.status == Status.UNKNOWN
        assert "tidak dikenal" in result.message


def test_codes_below_kabkota_outside_the_loaded_province():
    result = resolve_code("32.01.01")
    assert result.status == Status.UNKNOWN
    assert "belum dimuat" in result.message


def test_all_levels_by_code():
    assert resolve_code("74").region.level == "provinsi"
    assert resolve_code("74.71.01").region.level == "kecamatan"
    desa = resolve_code("74.71.01.1005").region
    assert desa.depth == 4
    assert desa.parent.code == "74.71.01"


def test_bad_level_argument_is_a_programming_error():
    with pytest.raises(ValueError, match="level"):
        resolve_name("Kendari", level="kabupaten_kota")


def test_unusable_parent():
    result = resolve_name("Wundulako", parent="74.99")
    assert result.status == Status.UNKNOWN
    assert "induk" in result.message
    assert resolve_name("Wundulako", parent="74.9").status == Status.INVALID


# --- Messages, caching -------------------------------------------------------------------------------


def test_messages_are_indonesian():
    with translation.override("id"):
        assert "tidak dikenal" in resolve("Atlantis").message
        assert "ambigu" in resolve("Bogor").message
        assert "tidak valid" in resolve_code("abc").message
        assert resolve("Atlantis").message.startswith("Nama wilayah 'Atlantis' tidak dikenal")
    assert resolve("Buton").status == Status.FOUND  # Buton Utara etc. are other names


def test_no_queries_once_the_index_is_built(django_assert_num_queries):
    lookup.clear_cache()
    resolve("Kendari")
    with django_assert_num_queries(0):
        assert resolve("Konsel").found
        assert resolve_code("74.05.08.2017").found
        assert resolve_name("Onewila", parent="74.05.08").found
        assert resolve_name("Atlantis").status == Status.UNKNOWN
        assert resolve_code("74.05.08.2017").region.parent.parent.name == "Kabupaten Konawe Selatan"


def test_clear_cache_and_signals_pick_up_changes():
    assert resolve_name("Desa Baru Sekali", parent="74.05.08").status == Status.UNKNOWN
    Region.objects.create(
        code="74.05.08.2999", name="Baru Sekali", level="desa", depth=4, parent_id="74.05.08"
    )
    assert resolve_name("Desa Baru Sekali", parent="74.05.08").region.code == "74.05.08.2999"
    Region.objects.filter(code="74.05.08.2999").delete()  # sends post_delete per row
    assert resolve_name("Desa Baru Sekali", parent="74.05.08").status == Status.UNKNOWN
