"""A small world for permission tests: one persona per role and records inside and
outside the Kota Kendari district officer's scope."""

from __future__ import annotations

from types import SimpleNamespace

from berdaya.accounts.models import Partner, PartnerKind, Role
from tests.factories import UserFactory


def build() -> SimpleNamespace:
    bank = Partner.objects.create(name="Bank Uji Sultra", kind=PartnerKind.BANK)
    other_bank = Partner.objects.create(name="Bank Uji Lain", kind=PartnerKind.BANK)
    users = SimpleNamespace(
        admin=UserFactory(username="m_admin", role=Role.ADMIN, region_id="74", is_staff=True),
        dinas_provinsi=UserFactory(username="m_prov", role=Role.DINAS_PROVINSI, region_id="74"),
        dinas_kabkota=UserFactory(username="m_kendari", role=Role.DINAS_KABKOTA, region_id="74.71"),
        dinas_kabkota_muna=UserFactory(username="m_muna", role=Role.DINAS_KABKOTA, region_id="74.03"),
        pendamping=UserFactory(username="m_pendamping", role=Role.PENDAMPING, region_id="74.71"),
        konsultan=UserFactory(username="m_konsultan", role=Role.KONSULTAN, region_id="74"),
        mitra=UserFactory(username="m_mitra", role=Role.MITRA, region_id="74", partner=bank),
        pelaku_usaha=UserFactory(username="m_pelaku", role=Role.PELAKU_USAHA, region_id="74.71"),
        pimpinan=UserFactory(username="m_pimpinan", role=Role.PIMPINAN, region_id="74"),
    )
    from berdaya.accounts.models import ApiToken

    _raw, prefix, digest = ApiToken.generate()
    owner_token = ApiToken.objects.create(
        user=users.pelaku_usaha, name="token pelaku", prefix=prefix, token_hash=digest
    )
    return SimpleNamespace(
        users=users, bank=bank, other_bank=other_bank, owner_token=owner_token, **_registry_records(users)
    )


def _registry_records(users: SimpleNamespace) -> dict:
    """An UMKM and a koperasi in Kota Kendari (74.71), an UMKM in Kabupaten Muna (74.03).

    The Kendari UMKM is the pelaku_usaha persona's own business (confirmed membership)
    and is assigned to the pendamping persona; its owner's NIK is kept for look-ups.
    """
    from django.utils import timezone

    from berdaya.registry.models import EntityAssignment, EntityKind, EntityMembership
    from tests.factories import EntityFactory, KoperasiFactory, PersonFactory, UmkmFactory, valid_nik

    kendari_owner_nik = valid_nik(7001)
    kendari_owner = PersonFactory(name="Wa Ode Sitti", nik=kendari_owner_nik, region_id="74.71.01.1005")
    kendari_umkm = UmkmFactory(
        owner=kendari_owner,
        entity=EntityFactory(kind=EntityKind.UMKM, name="Kue Tradisional Wa Ode", region_id="74.71.01.1005"),
    ).entity
    EntityMembership.objects.create(
        entity=kendari_umkm,
        user=users.pelaku_usaha,
        confirmed_by=users.dinas_kabkota,
        confirmed_at=timezone.now(),
    )
    EntityAssignment.objects.create(entity=kendari_umkm, user=users.pendamping)
    muna_owner = PersonFactory(name="La Ode Muna", nik=valid_nik(7002), region_id="74.03")
    muna_umkm = UmkmFactory(
        owner=muna_owner,
        entity=EntityFactory(kind=EntityKind.UMKM, name="Tenun Masalili", region_id="74.03"),
    ).entity
    kendari_koperasi = KoperasiFactory(
        entity=EntityFactory(
            kind=EntityKind.KOPERASI, name="Koperasi Nelayan Kendari", region_id="74.71.01", kbli_id="64141"
        ),
    ).entity
    from django.core.files.uploadedfile import SimpleUploadedFile

    from berdaya.registry.documents import add_document

    kendari_document = add_document(
        kendari_umkm,
        kind="nib",
        title="NIB Kue Tradisional Wa Ode",
        upload=SimpleUploadedFile("nib.pdf", b"%PDF-1.4\n% uji\n", content_type="application/pdf"),
        user=users.dinas_kabkota,
    )
    from django.core.files.base import ContentFile

    from berdaya.registry.batches import BatchStatus, ImportBatch

    # A finished import batch of the Kendari officer, with its error report.
    kendari_batch = ImportBatch(
        kind="umkm",
        status=BatchStatus.DONE,
        original_name="umkm-kendari.csv",
        checksum="0" * 64,
        uploaded_by=users.dinas_kabkota,
        region_id="74.71",
        rows_total=2,
        rows_valid=1,
        rows_rejected=1,
        created=1,
    )
    kendari_batch.file.save(
        "umkm-kendari.csv", ContentFile(b"nama_usaha;nama_pemilik;kabupaten_kota\n"), save=False
    )
    kendari_batch.report.save("laporan.xlsx", ContentFile(b"PK\x03\x04 uji"), save=False)
    kendari_batch.save()
    return {
        **_diagnosis_records(users, kendari_umkm),
        **_programme_records(users, kendari_umkm),
        "kendari_batch": kendari_batch,
        "kendari_document": kendari_document,
        "kendari_owner": kendari_owner,
        "kendari_owner_nik": kendari_owner_nik,
        "kendari_umkm": kendari_umkm,
        "muna_owner": muna_owner,
        "muna_umkm": muna_umkm,
        "kendari_koperasi": kendari_koperasi,
    }


def answers_for(instrument_code: str = "kerentanan", *, weak: bool = True) -> dict:
    """Valid answers to every required question: the weakest options when ``weak``, else the strongest."""
    from berdaya.diagnosis.models import Instrument

    spec = Instrument.objects.get(code=instrument_code).current_version().spec
    answers: dict = {}
    for question in spec.questions():
        if not question.required:
            continue
        if question.type in ("yes_no", "choice"):
            ranked = sorted(question.options, key=lambda o: o.score)
            answers[question.code] = (ranked[0] if weak else ranked[-1]).value
        elif question.type == "number":
            answers[question.code] = str(_band_value(question, weak))
        else:
            scale = question.scale
            answers[question.code] = scale.min if weak != scale.reverse else scale.max
    return answers


def _band_value(question, weak: bool):
    """A value inside the question's weakest (or strongest) band, within its allowed range."""
    from decimal import Decimal

    bands = question.bands
    pick = min if weak else max
    target = pick(range(len(bands)), key=lambda i: bands[i].score)
    band = bands[target]
    if band.min is None:
        upper = bands[1].min if len(bands) > 1 else Decimal(1)
        value = question.min_value if question.min_value is not None else upper - 1
    else:
        value = band.min if band.inclusive else band.min + Decimal("0.5")
    return value


def _diagnosis_records(users: SimpleNamespace, kendari_umkm) -> dict:
    """A weak-factor assessment of the Kendari UMKM by its pendamping."""
    from berdaya.diagnosis import services
    from berdaya.diagnosis.models import Instrument

    instrument = Instrument.objects.get(code="kerentanan")
    assessment, _created = services.assess(users.pendamping, kendari_umkm, instrument, answers_for())
    return {"vulnerability": instrument, "kendari_assessment": assessment}


def _programme_records(users: SimpleNamespace, kendari_umkm) -> dict:
    """An open province-wide grant programme; the Kendari UMKM applied and the district verified it."""
    from berdaya.programmes import services
    from tests.programme_world import grant_programme

    programme = grant_programme(users.dinas_provinsi)
    services.set_quota(users.dinas_provinsi, programme, "74.71", 5)
    application = services.apply(
        users.pelaku_usaha, programme, kendari_umkm, amount_requested=5_000_000, purpose="Membeli oven"
    )
    services.transition(users.dinas_kabkota, application, "verify")
    application.refresh_from_db()
    return {"grant_programme": programme, "kendari_application": application}
