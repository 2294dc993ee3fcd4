"""Self-service: a pelaku usaha claims their business, the district office verifies, the owner
then keeps a limited part of the profile up to date — every edit marked as the owner's."""

from __future__ import annotations

import pytest

from berdaya.accounts.models import Role
from berdaya.core.audit import history
from berdaya.core.models import AuditAction
from berdaya.registry import services
from berdaya.registry.models import ClaimStatus, Entity, EntityClaim, EntityMembership, Umkm
from berdaya.registry.views_claims import NEUTRAL_MESSAGE, submit_claim
from tests.factories import KoperasiFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

KENDARI, MANDONGA_DESA = "74.71", "74.71.01.1005"
MUNA, MUNA_KEC = "74.03", "74.03.06"
NIB_KENDARI, NIB_MUNA, NIB_UNKNOWN = "9120000000901", "9120000000902", "9120000000999"


@pytest.fixture
def world(db):
    kendari_umkm = services.create_umkm(
        owner=PersonFactory(region_id=MANDONGA_DESA),
        name="Kue Basah Wa Ode",
        region=MANDONGA_DESA,
        nib=NIB_KENDARI,
        address="Jl. Lama 1",
        annual_sales=300_000_000,
        workers_male=1,
    )
    muna_umkm = services.create_umkm(
        owner=PersonFactory(region_id=MUNA_KEC), name="Tenun Muna", region=MUNA_KEC, nib=NIB_MUNA
    )
    return {
        "umkm": kendari_umkm,
        "muna_umkm": muna_umkm,
        "owner": UserFactory(username="ibu_ani", first_name="Ani", role=Role.PELAKU_USAHA, region_id=None),
        "kendari": UserFactory(username="dinas_kdi", role=Role.DINAS_KABKOTA, region_id=KENDARI),
        "muna": UserFactory(username="dinas_muna", role=Role.DINAS_KABKOTA, region_id=MUNA),
    }


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_claim_confirm_then_the_owner_edits_a_limited_set_of_fields(as_user, world):
    umkm, owner, kendari = world["umkm"], world["owner"], world["kendari"]
    client = as_user(owner)
    assert client.get(f"/registri/{umkm.pk}/").status_code == 404  # not theirs yet

    response = client.post("/registri/klaim/", {"identifier": "912 0000 000 901"}, follow=True)
    assert response.redirect_chain[-1][0] == "/registri/usaha-saya/"
    assert messages_of(response) == [str(NEUTRAL_MESSAGE)]
    assert 'data-testid="empty-state"' in response.content.decode()  # nothing confirmed yet
    claim = EntityClaim.objects.get()
    assert (claim.entity_id, claim.user, claim.identifier, claim.status) == (
        umkm.pk,
        owner,
        NIB_KENDARI,
        ClaimStatus.PENDING,
    )

    # the district officer of the business's kab/kota sees it in "Klaim menunggu" and confirms
    officer = as_user(kendari)
    queue = officer.get("/registri/klaim/menunggu/")
    assert [c.pk for c in queue.context["claims"]] == [claim.pk]
    assert "Kue Basah Wa Ode" in queue.content.decode() and "ibu_ani" in queue.content.decode()
    response = officer.post(f"/registri/klaim/{claim.pk}/putuskan/", {"decision": "confirm"}, follow=True)
    assert "dikonfirmasi" in " ".join(messages_of(response))
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by) == (ClaimStatus.CONFIRMED, kendari)
    assert claim.decided_at is not None
    membership = EntityMembership.objects.get()
    assert (membership.entity_id, membership.user, membership.confirmed_by) == (umkm.pk, owner, kendari)
    assert not officer.get("/registri/klaim/menunggu/").context["claims"]

    # the owner now sees "Usaha saya", the profile, and their limited edit form
    client = as_user(owner)
    mine = client.get("/registri/usaha-saya/")
    assert [e.pk for e in mine.context["entities"]] == [umkm.pk]
    assert client.get(f"/registri/{umkm.pk}/").status_code == 200
    form = client.get(f"/registri/{umkm.pk}/ubah/").context["form"]
    assert set(form.fields) == {
        "address",
        "phone",
        "workers_male",
        "workers_female",
        "annual_sales",
        "halal_certificate",
        "pirt_number",
        "sni_certificate",
    }
    response = client.post(
        f"/registri/{umkm.pk}/ubah/",
        {
            "address": "Jl. Baru 7",
            "phone": "0812-1111-2222",
            "workers_male": "1",
            "workers_female": "4",
            "annual_sales": "Rp 2.500.000.000",
            "halal_certificate": "ID00110001234",
            # not on the owner's form: ignored, whatever is posted
            "nib": "9120000000000",
            "region": "74.03.06",
            "kabkota": MUNA,
            "kind": "koperasi",
            "name": "Nama Lain",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/registri/{umkm.pk}/"
    stored = Umkm.objects.select_related("entity").get(pk=umkm.pk)
    assert (stored.entity.address, stored.workers_female, stored.annual_sales) == (
        "Jl. Baru 7",
        4,
        2_500_000_000,
    )
    assert stored.size_class == "kecil" and stored.halal_certificate == "ID00110001234"
    assert (stored.nib, stored.entity.region_id, stored.entity.kind, stored.entity.name) == (
        NIB_KENDARI,
        MANDONGA_DESA,
        "umkm",
        "Kue Basah Wa Ode",
    )
    assert stored.entity.reveal_phone(log=False) == "081211112222"

    # the trail marks the edit as the owner's, and the page says so
    entity_event = history(stored.entity).filter(action=AuditAction.UPDATE, actor=owner).get()
    assert entity_event.on_behalf_of_owner and entity_event.actor_role == Role.PELAKU_USAHA
    assert entity_event.changes["address"] == ["Jl. Lama 1", "Jl. Baru 7"]
    detail_event = history(stored).filter(action=AuditAction.UPDATE, actor=owner).get()
    assert detail_event.on_behalf_of_owner
    assert set(detail_event.changes) >= {"workers_female", "annual_sales", "size_class"}
    officer_event = history(stored.entity).filter(action=AuditAction.CREATE).get()
    assert not officer_event.on_behalf_of_owner
    body = response.content.decode()
    assert 'data-testid="by-owner"' in body and "pemilik usaha" in body
    assert 'data-testid="history-details"' in body


def test_owner_cannot_reach_office_actions(as_user, world):
    umkm, owner = world["umkm"], world["owner"]
    EntityMembership.objects.create(entity=umkm.entity, user=owner)
    koperasi = KoperasiFactory(entity__region_id=MANDONGA_DESA)
    EntityMembership.objects.create(entity=koperasi.entity, user=owner)
    client = as_user(owner)
    assert client.post(f"/registri/{koperasi.pk}/rat/", {"book_year": "2024"}).status_code == 403
    assert client.post(f"/registri/{koperasi.pk}/status/", {}).status_code == 403
    assert client.get("/registri/baru/umkm/").status_code == 403
    assert client.get("/registri/klaim/menunggu/").status_code == 403
    assert client.post(f"/registri/{umkm.pk}/tampilkan/telepon/").status_code == 403
    # a koperasi's owner form: address, phone, employees, business volume
    form = client.get(f"/registri/{koperasi.pk}/ubah/").context["form"]
    assert set(form.fields) == {"address", "phone", "employees", "business_volume"}
    assert [e.pk for e in client.get("/registri/").context["page"].object_list] == sorted(
        [umkm.pk, koperasi.pk], key=lambda pk: Entity.objects.get(pk=pk).name_search
    )


def test_owner_edit_errors_are_shown_beside_the_fields(as_user, world):
    umkm, owner = world["umkm"], world["owner"]
    EntityMembership.objects.create(entity=umkm.entity, user=owner)
    response = as_user(owner).post(
        f"/registri/{umkm.pk}/ubah/",
        {"address": "Jl. X", "annual_sales": "-Rp 5", "workers_male": "1", "phone": "12"},
    )
    errors = response.context["form"].errors
    assert errors["annual_sales"] == ["Jumlah uang tidak boleh negatif."]
    assert "tidak valid" in errors["phone"][0]
    assert Entity.objects.get(pk=umkm.pk).address == "Jl. Lama 1"


def test_reject_needs_a_reason_and_the_owner_sees_it(as_user, world):
    owner, kendari = world["owner"], world["kendari"]
    claim = submit_claim(owner, NIB_KENDARI)
    officer = as_user(kendari)
    response = officer.post(f"/registri/klaim/{claim.pk}/putuskan/", {"decision": "reject", "reason": " "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Tulis alasan penolakan."]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING

    response = officer.post(
        f"/registri/klaim/{claim.pk}/putuskan/",
        {"decision": "reject", "reason": "Nama pemilik tidak cocok dengan KTP"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "<html" not in body and 'data-testid="claim-done"' in body and "ditolak" in body
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by, claim.reason) == (
        ClaimStatus.REJECTED,
        kendari,
        "Nama pemilik tidak cocok dengan KTP",
    )
    assert not EntityMembership.objects.exists()
    # deciding twice is refused
    again = officer.post(f"/registri/klaim/{claim.pk}/putuskan/", {"decision": "confirm"})
    assert again.context["form"].errors["decision"] == ["Klaim ini sudah diputuskan."]
    assert not EntityMembership.objects.exists()

    mine = as_user(owner).get("/registri/usaha-saya/")
    body = mine.content.decode()
    assert 'data-testid="rejected-claims"' in body and "Nama pemilik tidak cocok dengan KTP" in body
    assert NIB_KENDARI in body


def test_another_districts_officer_cannot_see_or_decide_the_claim(as_user, world):
    claim = submit_claim(world["owner"], NIB_KENDARI)
    officer = as_user(world["muna"])
    queue = officer.get("/registri/klaim/menunggu/")
    assert list(queue.context["claims"]) == []
    assert 'data-testid="empty-state"' in queue.content.decode()
    response = officer.post(f"/registri/klaim/{claim.pk}/putuskan/", {"decision": "confirm"})
    assert response.status_code == 404
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING and not EntityMembership.objects.exists()
    # province staff see every district's claims
    province = UserFactory(username="prov", role=Role.DINAS_PROVINSI, region_id="74")
    assert [c.pk for c in as_user(province).get("/registri/klaim/menunggu/").context["claims"]] == [claim.pk]


@pytest.mark.parametrize(
    "identifier",
    [NIB_KENDARI, NIB_MUNA, NIB_UNKNOWN, "7471000000000999"],
    ids=["own-district", "other-district", "unknown-nib", "unknown-nik-koperasi"],
)
def test_claim_answer_is_the_same_whether_or_not_the_number_exists(as_user, world, identifier):
    response = as_user(world["owner"]).post("/registri/klaim/", {"identifier": identifier}, follow=True)
    assert response.redirect_chain == [("/registri/usaha-saya/", 302)]
    assert messages_of(response) == ["Jika data cocok, klaim dikirim ke dinas untuk diverifikasi."]
    body = response.content.decode()
    assert "Kue Basah Wa Ode" not in body and "Tenun Muna" not in body  # no name, no hint
    assert "rejected-claims" not in body


def test_only_matching_numbers_become_claims_and_never_twice(world):
    owner = world["owner"]
    assert submit_claim(owner, NIB_UNKNOWN) is None
    first = submit_claim(owner, NIB_MUNA)
    assert first is not None and first.entity_id == world["muna_umkm"].pk
    assert submit_claim(owner, NIB_MUNA) is None  # already pending
    EntityMembership.objects.create(entity=world["umkm"].entity, user=owner)
    assert submit_claim(owner, NIB_KENDARI) is None  # already theirs
    assert EntityClaim.objects.count() == 1


def test_claim_by_nik_koperasi_then_confirm(as_user, world):
    koperasi = KoperasiFactory(entity__region_id=MANDONGA_DESA, nik_koperasi="7471000000000123")
    claim = submit_claim(world["owner"], "7471 0000 0000 0123")
    assert claim.entity_id == koperasi.pk
    as_user(world["kendari"]).post(f"/registri/klaim/{claim.pk}/putuskan/", {"decision": "confirm"})
    assert EntityMembership.objects.filter(entity_id=koperasi.pk, user=world["owner"]).exists()


@pytest.mark.parametrize(
    ("identifier", "fragment"),
    [("", "Isi NIB"), ("12345", "13 digit"), ("91200000009AB", "hanya boleh berisi angka")],
)
def test_a_malformed_number_gets_a_format_message_only(as_user, world, identifier, fragment):
    response = as_user(world["owner"]).post("/registri/klaim/", {"identifier": identifier})
    assert response.status_code == 200
    assert fragment in response.context["form"].errors["identifier"][0]
    assert not EntityClaim.objects.exists()


def test_only_pelaku_usaha_claim_and_only_office_verifies(as_user, world):
    assert as_user(world["kendari"]).get("/registri/klaim/").status_code == 403
    assert as_user(world["kendari"]).get("/registri/usaha-saya/").status_code == 403
    pimpinan = UserFactory(username="pim", role=Role.PIMPINAN, region_id="74")
    claim = submit_claim(world["owner"], NIB_KENDARI)
    assert (
        as_user(pimpinan).post(f"/registri/klaim/{claim.pk}/putuskan/", {"decision": "confirm"}).status_code
        == 403
    )
    assert (
        as_user(world["owner"])
        .post(f"/registri/klaim/{claim.pk}/putuskan/", {"decision": "confirm"})
        .status_code
        == 403
    )
    assert not EntityMembership.objects.exists()


def test_empty_states(as_user, world):
    page = as_user(world["owner"]).get("/registri/usaha-saya/").content.decode()
    assert "Belum ada usaha yang terhubung dengan akun Anda." in page
    assert 'href="/registri/klaim/"' in page
