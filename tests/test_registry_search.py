"""Registry list selector: filters, search tolerant to case and small typos, scoping, sorting."""

from __future__ import annotations

import datetime as dt

import pytest

from berdaya.registry import search
from berdaya.registry.models import Entity, EntityKind
from berdaya.registry.selectors import RegistryFilters, count_capped, entities, rat_compliance_by_district
from tests import scenario
from tests.factories import EntityFactory, KoperasiFactory, UmkmFactory

pytestmark = pytest.mark.django_db

MUNA_DESA = "74.03.06.1005"
TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def world():
    w = scenario.build()
    # One fixed set of names, across two districts.
    names = [
        ("Toko Sinar Jaya", "74.71.01.1005"),
        ("Warung Makan Bu Sinar", "74.71.01.1006"),
        ("UD Jaya Abadi", "74.71.01.1005"),
        ("Tenun Sinar Muna", MUNA_DESA),
        ("Kios Berkah", MUNA_DESA),
    ]
    w.named = {
        name: UmkmFactory(entity=EntityFactory(name=name, region_id=region)).entity for name, region in names
    }
    return w


def names(qs) -> list[str]:
    return [e.name for e in qs]


def test_muna_desa_exists():
    from berdaya.regions.models import Region

    assert Region.objects.filter(code=MUNA_DESA).exists()


def test_search_is_case_and_punctuation_insensitive(world):
    admin = world.users.admin
    assert "Toko Sinar Jaya" in names(entities(admin, RegistryFilters(q="SINAR-jaya")))
    assert "Toko Sinar Jaya" in names(entities(admin, RegistryFilters(q="  toko   sinar ")))


def test_search_tolerates_a_small_typo(world):
    found = names(entities(world.users.admin, RegistryFilters(q="sinar jya")))
    assert found and found[0] == "Toko Sinar Jaya"
    assert "Kios Berkah" not in found
    assert names(entities(world.users.admin, RegistryFilters(q="berkha"))) == ["Kios Berkah"]


def test_a_typo_in_one_word_does_not_match_every_name_with_the_other(world):
    # "Sinar" alone is in three names; only the one that also has "Jaya" is near "sinar jya".
    assert names(entities(world.users.admin, RegistryFilters(q="sinar jya"))) == ["Toko Sinar Jaya"]


def test_every_word_must_occur_in_any_order(world):
    admin = world.users.admin
    assert names(entities(admin, RegistryFilters(q="jaya sinar"))) == ["Toko Sinar Jaya"]
    assert names(entities(admin, RegistryFilters(q="jaya"))) == ["Toko Sinar Jaya", "UD Jaya Abadi"]
    assert names(entities(admin, RegistryFilters(q="ud jaya"))) == ["UD Jaya Abadi"]


def test_typo_results_respect_the_other_filters_and_the_scope(world):
    muna = world.users.dinas_kabkota_muna
    assert names(entities(muna, RegistryFilters(q="berkha"))) == ["Kios Berkah"]
    assert names(entities(world.users.dinas_kabkota, RegistryFilters(q="berkha"))) == []
    assert names(entities(world.users.admin, RegistryFilters(q="berkha", kabkota="74.71"))) == []


def test_search_finds_nothing_for_an_unrelated_word(world):
    assert names(entities(world.users.admin, RegistryFilters(q="qwxz"))) == []


def test_search_ranks_the_best_match_first(world):
    found = names(entities(world.users.admin, RegistryFilters(q="toko sinar jaya")))
    assert found[0] == "Toko Sinar Jaya"


def test_a_one_letter_query_does_not_filter(world):
    assert entities(world.users.admin, RegistryFilters(q="s")).count() == Entity.objects.count()


def test_district_officer_sees_only_their_district(world):
    kendari = names(entities(world.users.dinas_kabkota, RegistryFilters(q="sinar")))
    assert "Tenun Sinar Muna" not in kendari
    assert {"Toko Sinar Jaya", "Warung Makan Bu Sinar"} <= set(kendari)
    muna = names(entities(world.users.dinas_kabkota_muna, RegistryFilters(q="sinar")))
    assert muna == ["Tenun Sinar Muna"]
    # asking for another district through the filter gives nothing, not a leak
    assert not entities(world.users.dinas_kabkota, RegistryFilters(kabkota="74.03")).exists()


def test_roles_without_entity_scope_see_nothing(world):
    for user in (world.users.mitra, world.users.konsultan):
        assert not entities(user, RegistryFilters()).exists()


def test_filters(world):
    admin = world.users.admin
    muna = set(names(entities(admin, RegistryFilters(kabkota="74.03"))))
    assert muna == {"Tenun Sinar Muna", "Kios Berkah", world.muna_umkm.name}
    assert "UD Jaya Abadi" in names(entities(admin, RegistryFilters(kecamatan="74.71.01")))
    assert entities(admin, RegistryFilters(kind="koperasi")).filter(kind=EntityKind.UMKM).count() == 0
    assert entities(admin, RegistryFilters(size_class="mikro")).count() >= 5
    assert entities(admin, RegistryFilters(has_nib="ya")).count() >= 5
    assert entities(admin, RegistryFilters(kbli_category="C")).count() >= 5


def test_rat_filter_and_compliance_page(world):
    compliant = KoperasiFactory(entity=EntityFactory(kind="koperasi", name="KSP Patuh", kbli_id="64141"))
    lapsed = KoperasiFactory(entity=EntityFactory(kind="koperasi", name="KSP Lalai", kbli_id="64141"))
    from berdaya.registry.models import Koperasi

    Koperasi.objects.filter(pk=compliant.pk).update(last_rat_year=2025)
    Koperasi.objects.filter(pk=lapsed.pk).update(last_rat_year=2022)
    admin = world.users.admin
    assert names(entities(admin, RegistryFilters(rat="patuh"), today=TODAY)) == ["KSP Patuh"]
    assert "KSP Lalai" in names(entities(admin, RegistryFilters(rat="tidak"), today=TODAY))
    kendari = next(r for r in rat_compliance_by_district(admin, today=TODAY) if r["code"] == "74.71")
    assert kendari["total"] >= 2 and kendari["compliant"] >= 1
    # the Muna officer's compliance page has no Kendari row
    assert all(r["code"] == "74.03" for r in rat_compliance_by_district(world.users.dinas_kabkota_muna))


def test_sorting(world):
    admin = world.users.admin
    az = names(entities(admin, RegistryFilters(sort="nama")))
    assert az == sorted(az, key=str.casefold)
    assert names(entities(admin, RegistryFilters(sort="-nama"))) == az[::-1]
    newest = entities(admin, RegistryFilters(sort="baru"))
    assert newest[0].pk == Entity.objects.order_by("-pk")[0].pk


def test_count_is_capped():
    EntityFactory.create_batch(12)
    qs = Entity.objects.all()
    assert count_capped(qs, cap=10) == (10, True)
    assert count_capped(qs, cap=100) == (qs.count(), False)


def test_renaming_updates_the_search_index(world):
    entity = world.named["Kios Berkah"]
    entity.name = "Kios Cahaya Timur"
    entity.save()
    admin = world.users.admin
    assert names(entities(admin, RegistryFilters(q="cahaya timur"))) == ["Kios Cahaya Timur"]
    assert names(entities(admin, RegistryFilters(q="kios berkah"))) == []


def test_similarity_helper():
    assert search.similarity("sinar jaya", "toko sinar jaya") == 1.0
    assert 0.45 < search.similarity("sinar jya", "toko sinar jaya") < 1.0
    assert search.similarity("qwxz", "toko sinar jaya") == 0.0
