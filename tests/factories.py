from __future__ import annotations

import functools

import factory
from django.contrib.auth.hashers import make_password

from berdaya.accounts.models import Role, User

PASSWORD = "kata-sandi-uji-123"


@functools.cache
def password_hash() -> str:
    # argon2 is deliberately slow; hash the shared test password once per run.
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"pengguna{n}")
    first_name = factory.Faker("first_name", locale="id_ID")
    last_name = factory.Faker("last_name", locale="id_ID")
    role = Role.DINAS_PROVINSI
    region_id = "74"
    password = factory.LazyFunction(password_hash)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.Partner"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Bank Uji {n}")
    kind = "bank"


# --- registry (Person, Entity, Umkm, Koperasi) -------------------------------------------------

from berdaya.registry.models import Entity, EntityKind, Koperasi, KoperasiJenis, Person, Umkm  # noqa: E402

# Real codes of province 74: desa/kelurahan Mandonga (Kec. Mandonga, Kota Kendari), KBLI 10792
# "Industri Kue Basah".
KENDARI_DESA = "74.71.01.1005"
KENDARI_KECAMATAN = "74.71.01"
KENDARI = "74.71"
KUE_BASAH = "10792"


def valid_nik(n: int, *, female: bool = False) -> str:
    """A NIK that passes every check: Kendari (7471 01), born 17-08-1985 (+40 for women)."""
    day = 17 + (40 if female else 0)
    return f"747101{day:02d}08{85 - (n // 9999) % 60:02d}{n % 9999 + 1:04d}"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Faker("name", locale="id_ID")
    nik = factory.Sequence(valid_nik)  # write-only property: stored encrypted, hashed and masked
    region_id = KENDARI_DESA


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity

    kind = EntityKind.UMKM
    name = factory.Sequence(lambda n: f"Usaha Kue Sinar {n}")
    region_id = KENDARI_DESA
    address = "Jl. Sao-Sao No. 12"
    year_founded = 2015
    kbli_id = KUE_BASAH


class UmkmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Umkm

    entity = factory.SubFactory(EntityFactory, kind=EntityKind.UMKM)
    owner = factory.SubFactory(PersonFactory)
    nib = factory.Sequence(lambda n: f"{9120000000000 + n}")
    modal_usaha = 50_000_000
    annual_sales = 300_000_000
    workers_male = 2
    workers_female = 3


class KoperasiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Koperasi

    entity = factory.SubFactory(
        EntityFactory,
        kind=EntityKind.KOPERASI,
        name=factory.Sequence(lambda n: f"Koperasi Sejahtera {n}"),
        kbli_id="64141",
    )
    nik_koperasi = factory.Sequence(lambda n: f"{7471000000000000 + n}")
    nomor_badan_hukum = factory.Sequence(lambda n: f"AHU-{n:07d}.AH.01.26.TAHUN 2020")
    jenis = KoperasiJenis.SIMPAN_PINJAM
    members_male = 40
    members_female = 60
