from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from berdaya.accounts.demo import DEMO_PASSWORD
from berdaya.accounts.models import User
from berdaya.regions.models import Region

pytestmark = pytest.mark.django_db


def test_demo_without_serving_prints_the_log_ins():
    out = io.StringIO()
    call_command("demo", no_serve=True, entities=0, stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    assert DEMO_PASSWORD in text
    admin = User.objects.get(username="admin")
    assert admin.check_password(DEMO_PASSWORD)
    assert admin.role == "admin" and admin.is_superuser
    assert "admin" in text


def test_demo_is_repeatable():
    call_command("demo", no_serve=True, entities=0, stdout=io.StringIO())
    call_command("demo", no_serve=True, entities=0, stdout=io.StringIO())
    assert User.objects.filter(username="admin").count() == 1


def test_load_regions_is_idempotent_and_counts():
    out = io.StringIO()
    call_command("load_regions", stdout=out)
    assert "0 baru, 0 diperbarui, 3058 seluruhnya" in out.getvalue()


def test_load_regions_restores_a_changed_name():
    Region.objects.filter(code="74.72").update(name="Kota Salah")
    out = io.StringIO()
    call_command("load_regions", stdout=out)
    assert "1 diperbarui" in out.getvalue()
    assert Region.objects.get(code="74.72").name == "Kota Bau Bau"


def test_load_regions_for_a_province_without_full_data():
    with pytest.raises(CommandError, match="Data wilayah lengkap untuk provinsi 31 tidak ada"):
        call_command("load_regions", provinces=["31"], stdout=io.StringIO())


def test_reference_counts():
    assert Region.objects.filter(depth=1).count() == 38
    assert Region.objects.filter(depth=2).count() == 514
    province = Region.objects.filter(code__startswith="74")
    assert province.filter(depth=2).count() == 17
    assert province.filter(depth=3).count() == 221
    assert province.filter(depth=4).count() == 377 + 1908
    # no orphans: every region below a province hangs from an existing parent
    assert not Region.objects.filter(depth__gt=1, parent__isnull=True).exists()


def test_demo_seeds_the_registry_once_and_keeps_it_on_rerun():
    from berdaya.registry.models import Entity

    out = io.StringIO()
    call_command("demo", no_serve=True, entities=60, seed=5, stdout=out)
    assert Entity.objects.count() == 60
    assert "60 entitas (" in out.getvalue() and " UMKM, " in out.getvalue()  # commas stay commas
    again = io.StringIO()
    call_command("demo", no_serve=True, entities=60, seed=5, stdout=again)
    assert "registri sudah berisi 60 entitas: tidak diisi ulang." in again.getvalue()
    assert Entity.objects.count() == 60


def test_demo_does_not_seed_over_people_already_recorded():
    from berdaya.registry import services
    from berdaya.registry.models import Entity

    services.create_person(name="Warga Terdaftar", nik="7371011708850001")
    out = io.StringIO()
    call_command("demo", no_serve=True, entities=20, stdout=out)
    assert "data demo hanya dimuat ke registri yang kosong" in out.getvalue()
    assert Entity.objects.count() == 0


def test_demo_refuses_an_absurd_size():
    with pytest.raises(CommandError, match=r"antara 0 dan 1\.000\.000"):
        call_command("demo", no_serve=True, entities=2_000_000, stdout=io.StringIO())
