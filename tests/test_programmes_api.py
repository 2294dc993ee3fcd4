"""The programmes API (/api/v1/programmes, /applications, /interventions): the whole grant flow
with exact figures, and every refusal with its status code and stable error code."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from berdaya.accounts.models import ApiToken
from berdaya.programmes import services
from berdaya.programmes.models import Application, Intervention, Programme, Stage
from berdaya.registry.models import Entity
from tests import scenario
from tests.factories import EntityFactory, PersonFactory, UmkmFactory, valid_nik
from tests.programme_world import grant_programme

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def world(db):
    return scenario.build()


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bearer(user) -> Client:
    raw, prefix, digest = ApiToken.generate()
    ApiToken.objects.create(user=user, name="uji program", prefix=prefix, token_hash=digest)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client: Client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def umkm(name: str, region: str, n: int) -> Entity:
    owner = PersonFactory(nik=valid_nik(8000 + n), region_id=region)
    return UmkmFactory(owner=owner, entity=EntityFactory(name=name, region_id=region)).entity


def verified(world, programme, entity, amount=5_000_000) -> Application:
    app = services.apply(world.users.admin, programme, entity, amount_requested=amount)
    return services.transition(world.users.admin, app, "verify")


def programme_body(**extra) -> dict:
    today = TODAY()
    return {
        "kind": "hibah",
        "name": "Hibah Usaha Kue 2026",
        "year": today.year,
        "funding_source": "apbd_provinsi",
        "region": "74",
        "total_budget": 20_000_000,
        "ceiling": 5_000_000,
        "opens_on": (today - dt.timedelta(days=1)).isoformat(),
        "closes_on": (today + dt.timedelta(days=30)).isoformat(),
        "unit": "Bidang Usaha Mikro",
        "eligibility": [{"field": "kind", "op": "in", "value": ["umkm"]}],
        **extra,
    }


# --- the whole grant flow -------------------------------------------------------------------------


def test_the_whole_grant_flow_through_the_api(world):
    province = bearer(world.users.dinas_provinsi)
    kendari = as_user(world.users.dinas_kabkota)
    owner = bearer(world.users.pelaku_usaha)

    # the province creates the programme, opens it and gives Kota Kendari two places
    created = ok(post(province, "/api/v1/programmes", programme_body()), 201)
    pid = created["id"]
    assert created["status"] == "draft"
    assert created["eligibility"] == [
        {"condition": {"field": "kind", "op": "in", "value": ["umkm"]}, "text": "Jenis: UMKM"}
    ]
    assert error(owner.get(f"/api/v1/programmes/{pid}"), 404)  # a draft is not the owner's to see
    ok(post(province, f"/api/v1/programmes/{pid}/status", {"status": "open"}))
    quota = ok(
        province.put(f"/api/v1/programmes/{pid}/quotas/74.71", {"quota": 2}, content_type="application/json")
    )
    assert quota == {
        "kabkota": {"code": "74.71", "name": "Kota Kendari"},
        "quota": 2,
        "approved": 0,
        "remaining": 2,
    }

    # the owner sees it open and applies through the portal
    listed = ok(owner.get("/api/v1/programmes"))
    assert pid in [p["id"] for p in listed["items"]]
    app = ok(
        post(
            owner,
            "/api/v1/applications",
            {
                "programme_id": pid,
                "entity_id": world.kendari_umkm.pk,
                "amount_requested": 4_000_000,
                "purpose": "Oven dan mixer",
            },
        ),
        201,
    )
    aid = app["id"]
    assert (app["stage"], app["channel"], app["amount_requested"]) == ("submitted", "portal", 4_000_000)
    assert [s["action"] for s in app["next_steps"]] == ["withdraw"]

    # the Kendari officer verifies; the province approves
    verified_app = ok(post(kendari, f"/api/v1/applications/{aid}/steps/verify", {"note": "Dokumen lengkap"}))
    assert verified_app["stage"] == "verified"
    assert [s["action"] for s in verified_app["next_steps"]] == [
        "withdraw"
    ]  # rejecting now is the province's
    approved = ok(post(province, f"/api/v1/applications/{aid}/steps/approve"))
    assert (approved["stage"], approved["amount_approved"]) == ("approved", 4_000_000)
    assert approved["frozen"]["amount_approved"] == 4_000_000
    assert approved["frozen"]["entity_name"] == "Kue Tradisional Wa Ode"
    assert approved["frozen"]["eligibility"] == [{"syarat": "Jenis: UMKM", "terpenuhi": True}]
    assert approved["grant"]["may_disburse"] is True
    assert [s["action"] for s in approved["next_steps"]] == ["reject"]  # delivery is by payment

    programme = ok(province.get(f"/api/v1/programmes/{pid}"))
    assert programme["budget"] == {
        "total": 20_000_000,
        "approved": 4_000_000,
        "remaining": 16_000_000,
        "approved_count": 1,
        "ceiling": 5_000_000,
    }
    assert programme["quotas"] == [
        {"kabkota": {"code": "74.71", "name": "Kota Kendari"}, "quota": 2, "approved": 1, "remaining": 1}
    ]
    stages = {s["stage"]: s["count"] for s in programme["stages"]}
    assert stages["approved"] == 1 and sum(stages.values()) == 1

    # two tranches: the first leaves it approved, the second delivers it
    first = ok(
        post(
            province,
            f"/api/v1/applications/{aid}/disbursements",
            {"amount": 1_500_000, "paid_on": TODAY().isoformat(), "channel": "tunai"},
        ),
        201,
    )
    assert first["application"] == {
        "id": aid,
        "stage": "approved",
        "stage_label": "Disetujui",
        "amount_approved": 4_000_000,
        "disbursed": 1_500_000,
        "remaining": 2_500_000,
    }
    second = ok(
        post(
            province,
            f"/api/v1/applications/{aid}/disbursements",
            {
                "amount": 2_500_000,
                "paid_on": TODAY().isoformat(),
                "channel": "transfer",
                "bank_name": "Bank Sultra",
                "account_number": "0123-4567-89",
                "account_holder": "Wa Ode Sitti",
                "reference": "SP2D-001",
            },
        ),
        201,
    )
    assert second["application"]["stage"] == "delivered"
    assert second["application"]["remaining"] == 0
    assert second["disbursement"]["account_masked"] == "******6789"
    listed = ok(owner.get(f"/api/v1/applications/{aid}/disbursements"))
    assert [d["amount"] for d in listed["items"]] == [1_500_000, 2_500_000]
    assert "0123456789" not in str(listed) and "account_number" not in listed["items"][1]

    # the delivery is on the ledger
    ledger = ok(kendari.get("/api/v1/interventions", {"entity_id": world.kendari_umkm.pk}))
    assert [(i["kind"], i["amount"], i["application_id"]) for i in ledger["items"]] == [
        ("hibah", 4_000_000, aid)
    ]
    assert ledger["items"][0]["programme"]["id"] == pid

    # the owner reports the use, the province closes
    report = ok(
        post(
            owner,
            f"/api/v1/applications/{aid}/usage-report",
            {"amount_used": 3_900_000, "summary": "Oven 3,2 juta dan mixer 0,7 juta"},
        ),
        201,
    )
    assert report["usage_report"]["amount_used"] == 3_900_000
    assert report["application"]["stage"] == "reported"
    closed = ok(post(province, f"/api/v1/applications/{aid}/steps/close"))
    assert closed["stage"] == "closed"
    assert closed["next_steps"] == []
    assert [e["to_stage"] for e in closed["events"]] == [
        "submitted",
        "verified",
        "approved",
        "delivered",
        "reported",
        "closed",
    ]
    assert closed["events"][1] == {**closed["events"][1], "actor": "m_kendari", "note": "Dokumen lengkap"}
    assert closed["grant"]["usage_report"]["summary"] == "Oven 3,2 juta dan mixer 0,7 juta"
    assert (closed["grant"]["approved"], closed["grant"]["disbursed"], closed["grant"]["remaining"]) == (
        4_000_000,
        4_000_000,
        0,
    )
    final = ok(province.get(f"/api/v1/programmes/{pid}"))
    assert final["budget"]["remaining"] == 16_000_000
    assert final["quotas"][0]["approved"] == 1


# --- programmes --------------------------------------------------------------------------------------


def test_programme_list_filters_and_what_the_owner_sees(world):
    draft = Programme.objects.create(
        kind="hibah",
        name="Hibah Draf",
        year=2025,
        funding_source="csr",
        region_id="74",
        total_budget=1_000_000,
        ceiling=1_000_000,
        opens_on=dt.date(2025, 1, 1),
        closes_on=dt.date(2025, 2, 1),
    )
    province = as_user(world.users.dinas_provinsi)
    names = [p["name"] for p in ok(province.get("/api/v1/programmes"))["items"]]
    assert names == ["Hibah Modal Usaha Mikro 2026", "Hibah Draf"]
    assert [p["id"] for p in ok(province.get("/api/v1/programmes", {"year": 2025}))["items"]] == [draft.pk]
    assert [p["id"] for p in ok(province.get("/api/v1/programmes", {"status": "open"}))["items"]] == [
        world.grant_programme.pk
    ]
    page = ok(province.get("/api/v1/programmes", {"limit": 1}))
    assert (len(page["items"]), page["next_offset"]) == (1, 1)
    assert ok(province.get("/api/v1/programmes", {"limit": 1, "offset": 1}))["next_offset"] is None
    error(province.get("/api/v1/programmes", {"status": "bogus"}), 400, "validation_error")
    owner = as_user(world.users.pelaku_usaha)
    assert [p["id"] for p in ok(owner.get("/api/v1/programmes"))["items"]] == [world.grant_programme.pk]
    error(owner.get(f"/api/v1/programmes/{draft.pk}"), 404, "not_found")
    for role in ("konsultan", "mitra"):
        error(as_user(getattr(world.users, role)).get("/api/v1/programmes"), 403, "permission_denied")
    error(Client().get("/api/v1/programmes"), 401, "not_authenticated")


def test_programme_detail_counts_what_the_caller_may_see(world):
    muna_app = services.apply(world.users.admin, world.grant_programme, world.muna_umkm)
    url = f"/api/v1/programmes/{world.grant_programme.pk}"
    province = ok(as_user(world.users.dinas_provinsi).get(url))
    counts = {s["stage"]: s["count"] for s in province["stages"]}
    assert (counts["submitted"], counts["verified"]) == (1, 1)
    kendari = {s["stage"]: s["count"] for s in ok(as_user(world.users.dinas_kabkota).get(url))["stages"]}
    assert (kendari["submitted"], kendari["verified"]) == (0, 1)
    assert muna_app.kabkota_id == "74.03"
    assert province["budget"] == {
        "total": 50_000_000,
        "approved": 0,
        "remaining": 50_000_000,
        "approved_count": 0,
        "ceiling": 10_000_000,
    }
    assert province["quotas"] == [
        {"kabkota": {"code": "74.71", "name": "Kota Kendari"}, "quota": 5, "approved": 0, "remaining": 5}
    ]


def test_programme_validation_errors(world):
    province = as_user(world.users.dinas_provinsi)
    missing = error(post(province, "/api/v1/programmes", {"name": "Tanpa apa-apa"}), 400, "validation_error")
    assert missing["fields"]["total_budget"] == ["Wajib diisi."] and "name" not in missing["fields"]
    bad = error(
        post(
            province,
            "/api/v1/programmes",
            programme_body(
                ceiling=30_000_000,
                region="74.71.01",
                eligibility=[
                    {"field": "size_class", "op": "in", "value": ["raksasa"]},
                    {"field": "nonsense", "op": "in", "value": 1},
                ],
            ),
        ),
        400,
        "validation_error",
    )
    assert bad["fields"]["eligibility"] == [
        "Syarat 1: nilai tidak dikenal: raksasa.",
        "Syarat 2: kolom tidak dikenal.",
    ]
    assert bad["fields"]["ceiling"] == ["Batas per penerima melebihi pagu anggaran."]
    assert "region" in bad["fields"]
    error(post(province, "/api/v1/programmes", programme_body(surprise=1)), 400, "validation_error")
    assert Programme.objects.count() == 1
    url = f"/api/v1/programmes/{world.grant_programme.pk}"
    blank = error(province.patch(url, {"name": ""}, content_type="application/json"), 400)
    assert "name" in blank["fields"]
    patched = ok(
        province.patch(
            url, {"name": "Hibah Baru", "total_budget": 60_000_000}, content_type="application/json"
        )
    )
    assert (patched["name"], patched["budget"]["total"], patched["budget"]["remaining"]) == (
        "Hibah Baru",
        60_000_000,
        60_000_000,
    )
    # status changes follow the lifecycle: open → completed is not one of them
    refused = error(post(province, f"{url}/status", {"status": "completed"}), 409, "bad_status")
    assert "tidak dapat diubah" in refused["message"]
    error(post(province, f"{url}/status", {"status": "bogus"}), 400, "validation_error")
    assert ok(post(province, f"{url}/status", {"status": "closed"}))["status"] == "closed"
    # only the province manages programmes
    kendari = as_user(world.users.dinas_kabkota)
    error(post(kendari, "/api/v1/programmes", programme_body()), 403, "permission_denied")
    error(kendari.patch(url, {"name": "X"}, content_type="application/json"), 403)
    error(province.patch("/api/v1/programmes/999999", {"name": "X"}, content_type="application/json"), 404)


def test_quotas(world):
    province = as_user(world.users.dinas_provinsi)
    url = f"/api/v1/programmes/{world.grant_programme.pk}/quotas"
    put = lambda code, data: province.put(f"{url}/{code}", data, content_type="application/json")  # noqa: E731
    assert ok(put("74.03", {"quota": 3}))["quota"] == 3
    error(put("74.99", {"quota": 3}), 400, "validation_error")
    error(put("74.71.01", {"quota": 3}), 400, "validation_error")
    error(put("74.71", {"quota": -1}), 400, "validation_error")
    services.transition(world.users.dinas_provinsi, world.kendari_application, "approve")
    below = error(put("74.71", {"quota": 0}), 409, "quota_below_approved")
    assert "1 penerima" in below["message"]
    assert ok(put("74.71", {"quota": 1})) == {
        "kabkota": {"code": "74.71", "name": "Kota Kendari"},
        "quota": 1,
        "approved": 1,
        "remaining": 0,
    }
    muna_only = grant_programme(world.users.admin, region="74.03", name="Hibah Muna")
    outside = province.put(
        f"/api/v1/programmes/{muna_only.pk}/quotas/74.71", {"quota": 1}, content_type="application/json"
    )
    error(outside, 400, "validation_error")


def test_candidates_with_their_explanations(world):
    kendari2 = umkm("Abon Ikan Kendari", "74.71.02", 1)
    url = f"/api/v1/programmes/{world.grant_programme.pk}/candidates"
    kendari = as_user(world.users.dinas_kabkota)
    page = ok(kendari.get(url))
    by_id = {item["entity"]["id"]: item for item in page["items"]}
    assert set(by_id) == {world.kendari_umkm.pk, kendari2.pk}  # not the koperasi, not Muna's
    assert by_id[kendari2.pk]["checks"] == [{"condition": "Jenis: UMKM", "met": True}]
    assert by_id[kendari2.pk]["application"] is None
    assert by_id[world.kendari_umkm.pk]["application"] == {
        "id": world.kendari_application.pk,
        "stage": "verified",
    }
    # cursor paging, then offset paging: the same rows
    first = ok(kendari.get(url, {"limit": 1}))
    second = ok(kendari.get(url, {"limit": 1, "cursor": first["next_cursor"]}))
    assert [first["items"][0]["entity"]["id"], second["items"][0]["entity"]["id"]] == sorted(by_id)
    assert second["next_cursor"] is None
    by_offset = ok(kendari.get(url, {"limit": 1, "offset": 1}))
    assert by_offset["items"] == second["items"] and by_offset["next_offset"] is None
    assert ok(kendari.get(url, {"limit": 1, "offset": 0}))["next_offset"] == 1
    error(kendari.get(url, {"limit": 500}), 400)
    error(kendari.get(url, {"cursor": "rusak"}), 400, "validation_error")
    # one entity's explanation, even when it is not eligible
    koperasi = ok(kendari.get(url, {"entity_id": world.kendari_koperasi.pk}))["items"]
    assert koperasi == [
        {
            "entity": {
                "id": world.kendari_koperasi.pk,
                "name": "Koperasi Nelayan Kendari",
                "kind": "koperasi",
                "kabkota": {"code": "74.71", "name": "Kota Kendari"},
            },
            "eligible": False,
            "in_region": True,
            "checks": [{"condition": "Jenis: UMKM", "met": False}],
            "application": None,
        }
    ]
    error(kendari.get(url, {"entity_id": world.muna_umkm.pk}), 404)  # outside the officer's scope
    error(as_user(world.users.pimpinan).get(url), 403)
    error(as_user(world.users.pelaku_usaha).get(url), 403)


# --- applications: refusals ----------------------------------------------------------------------------


def test_application_refusals(world):
    admin = as_user(world.users.admin)
    # outside the programme's region: a Muna programme, a Kendari entity
    muna_only = grant_programme(world.users.admin, region="74.03", name="Hibah Muna")
    body = {"programme_id": muna_only.pk, "entity_id": world.kendari_umkm.pk}
    outside = error(
        post(as_user(world.users.dinas_kabkota), "/api/v1/applications", body), 422, "outside_region"
    )
    assert "di luar wilayah sasaran" in outside["message"]
    # not eligible: a koperasi for a programme for UMKM, with the failed conditions
    body = {"programme_id": world.grant_programme.pk, "entity_id": world.kendari_koperasi.pk}
    refused = error(post(admin, "/api/v1/applications", body), 422, "not_eligible")
    assert refused["fields"] == {"eligibility": ["Jenis: UMKM"]}
    assert refused["message"] == "Tidak memenuhi syarat: Jenis: UMKM."
    # a second place in the same programme
    body = {"programme_id": world.grant_programme.pk, "entity_id": world.kendari_umkm.pk}
    error(post(as_user(world.users.pelaku_usaha), "/api/v1/applications", body), 409, "duplicate")
    # above the ceiling, or not a positive amount
    body = {"programme_id": world.grant_programme.pk, "entity_id": world.muna_umkm.pk}
    over = error(post(admin, "/api/v1/applications", {**body, "amount_requested": 20_000_000}), 400)
    assert over["fields"] == {"amount_requested": ["Jumlah melebihi batas per penerima Rp 10.000.000."]}
    error(post(admin, "/api/v1/applications", {**body, "amount_requested": 0}), 400, "validation_error")
    error(post(admin, "/api/v1/applications", {**body, "amount_requested": True}), 400, "validation_error")
    error(post(admin, "/api/v1/applications", {**body, "amount_requested": 1.5}), 400, "validation_error")
    error(post(admin, "/api/v1/applications", {"entity_id": world.muna_umkm.pk}), 400, "validation_error")
    # out of scope (404), not the caller's role (403), the programme not open (422)
    error(post(as_user(world.users.dinas_kabkota), "/api/v1/applications", body), 404, "not_found")
    error(post(as_user(world.users.pimpinan), "/api/v1/applications", body), 403)
    error(post(as_user(world.users.konsultan), "/api/v1/applications", body), 403)
    services.set_status(world.users.admin, world.grant_programme, "closed")
    error(post(admin, "/api/v1/applications", body), 422, "not_open")
    assert not Application.objects.filter(entity=world.muna_umkm).exists()


def test_a_pendamping_nominates_only_while_assigned(world):
    kendari2 = umkm("Abon Ikan Kendari", "74.71.02", 2)
    kendari2.assignments.create(user=world.users.pendamping, until=TODAY() - dt.timedelta(days=1))
    client = as_user(world.users.pendamping)
    body = {"programme_id": world.grant_programme.pk, "entity_id": kendari2.pk}
    error(post(client, "/api/v1/applications", body), 422, "not_assigned")
    other = grant_programme(world.users.admin, name="Hibah Kedua")
    created = ok(
        post(client, "/api/v1/applications", {"programme_id": other.pk, "entity_id": world.kendari_umkm.pk}),
        201,
    )
    assert created["channel"] == "nominated"


def test_steps_refused_for_budget_quota_state_and_role(world):
    programme = grant_programme(world.users.admin, budget=12_000_000, name="Hibah kecil")
    services.set_quota(world.users.admin, programme, "74.71", 1)
    first = verified(world, programme, world.kendari_umkm, 5_000_000)
    second = verified(world, programme, umkm("Kendari Dua", "74.71.02", 3), 5_000_000)
    muna = verified(world, programme, world.muna_umkm, 9_000_000)
    province = as_user(world.users.dinas_provinsi)

    def step(app, action, data=None):
        return post(province, f"/api/v1/applications/{app.pk}/steps/{action}", data)

    # a district officer may verify, never approve
    error(post(as_user(world.users.dinas_kabkota), f"/api/v1/applications/{first.pk}/steps/approve"), 403)
    assert ok(step(first, "approve"))["amount_approved"] == 5_000_000
    # Kota Kendari's one place is taken
    full = error(step(second, "approve"), 409, "over_quota")
    assert full["message"] == "Kuota Kota Kendari sudah penuh (1 penerima)."
    # 5 + 9 > 12
    short = error(step(muna, "approve"), 409, "over_budget")
    assert short["message"] == "Anggaran tidak cukup: sisa Rp 7.000.000, diminta Rp 9.000.000."
    error(step(muna, "approve", {"amount": 0}), 400, "validation_error")
    assert ok(step(muna, "approve", {"amount": 7_000_000}))["amount_approved"] == 7_000_000
    budget = ok(province.get(f"/api/v1/programmes/{programme.pk}"))["budget"]
    assert (budget["approved"], budget["remaining"], budget["approved_count"]) == (12_000_000, 0, 2)
    # the wrong state; a grant is not delivered by a bare step; an unknown step
    error(step(first, "verify"), 403)  # verifying is the district's (and the admin's)
    error(
        post(as_user(world.users.admin), f"/api/v1/applications/{first.pk}/steps/verify"), 409, "wrong_stage"
    )
    error(step(first, "deliver"), 409, "kind_managed")
    error(step(first, "fly"), 404, "unknown_step")
    error(step(second, "verify", {"amount": 1}), 403)
    error(step(second, "approve", {"amount": 1, "note": "x", "extra": 1}), 400)
    # a rejection needs its reason; refusing an approved one gives back money and place
    assert error(step(first, "reject"), 400, "validation_error")["fields"] == {
        "note": ["Tuliskan alasan penolakan."]
    }
    rejected = ok(step(first, "reject", {"note": "Usaha tutup"}))
    assert (rejected["stage"], rejected["reason"], rejected["rejected_at_stage"]) == (
        "rejected",
        "Usaha tutup",
        "approved",
    )
    after = ok(province.get(f"/api/v1/programmes/{programme.pk}"))
    assert after["budget"]["remaining"] == 5_000_000
    assert after["quotas"][0]["approved"] == 0
    # out of scope, and roles that see no applications at all
    error(
        post(as_user(world.users.dinas_kabkota_muna), f"/api/v1/applications/{second.pk}/steps/verify"), 404
    )
    error(post(as_user(world.users.mitra), f"/api/v1/applications/{second.pk}/steps/verify"), 403)


def test_the_owner_withdraws_only_what_they_applied_for(world):
    owner = as_user(world.users.pelaku_usaha)
    aid = world.kendari_application.pk
    assert [s["action"] for s in ok(owner.get(f"/api/v1/applications/{aid}"))["next_steps"]] == ["withdraw"]
    error(post(owner, f"/api/v1/applications/{aid}/steps/verify"), 403)
    withdrawn = ok(post(owner, f"/api/v1/applications/{aid}/steps/withdraw", {"note": "Tidak jadi"}))
    assert withdrawn["stage"] == "withdrawn"
    other = grant_programme(world.users.admin, name="Hibah Kedua")
    nominated = services.apply(world.users.dinas_kabkota, other, world.kendari_umkm)
    error(post(owner, f"/api/v1/applications/{nominated.pk}/steps/withdraw"), 403)


# --- applications: reads ----------------------------------------------------------------------------


def test_application_reads_are_scoped(world):
    aid = world.kendari_application.pk
    muna_app = services.apply(world.users.admin, world.grant_programme, world.muna_umkm)
    error(as_user(world.users.dinas_kabkota_muna).get(f"/api/v1/applications/{aid}"), 404, "not_found")
    error(as_user(world.users.dinas_kabkota_muna).get(f"/api/v1/applications/{aid}/disbursements"), 404)
    for role in ("mitra", "konsultan"):
        client = as_user(getattr(world.users, role))
        error(client.get("/api/v1/applications"), 403, "permission_denied")
        error(client.get(f"/api/v1/applications/{aid}"), 403, "permission_denied")
    ids = lambda client, **q: [a["id"] for a in ok(client.get("/api/v1/applications", q))["items"]]  # noqa: E731
    assert ids(as_user(world.users.dinas_provinsi)) == [muna_app.pk, aid]
    assert ids(as_user(world.users.dinas_kabkota)) == [aid]
    assert ids(as_user(world.users.dinas_kabkota_muna)) == [muna_app.pk]
    assert ids(as_user(world.users.pendamping)) == [aid]
    assert ids(bearer(world.users.pelaku_usaha)) == [aid]
    province = as_user(world.users.dinas_provinsi)
    assert ids(province, stage="submitted") == [muna_app.pk]
    assert ids(province, kabkota="74.71") == [aid]
    assert ids(province, entity_id=world.muna_umkm.pk) == [muna_app.pk]
    assert ids(province, programme=world.grant_programme.pk + 1) == []
    error(province.get("/api/v1/applications", {"kabkota": "74.99"}), 400)
    first = ok(province.get("/api/v1/applications", {"limit": 1}))
    second = ok(province.get("/api/v1/applications", {"limit": 1, "cursor": first["next_cursor"]}))
    assert [first["items"][0]["id"], second["items"][0]["id"], second["next_cursor"]] == [
        muna_app.pk,
        aid,
        None,
    ]
    error(
        province.get(
            "/api/v1/applications", {"limit": 1, "stage": "verified", "cursor": first["next_cursor"]}
        ),
        400,
    )
    detail = ok(as_user(world.users.pendamping).get(f"/api/v1/applications/{aid}"))
    assert detail["entity"]["name"] == "Kue Tradisional Wa Ode"
    assert (detail["purpose"], detail["amount_requested"], detail["next_steps"]) == (
        "Membeli oven",
        5_000_000,
        [],
    )
    assert [e["to_stage"] for e in detail["events"]] == ["submitted", "verified"]
    assert detail["grant"]["disbursements"] == [] and detail["grant"]["usage_report"] is None


def test_double_dipping_is_a_warning(world):
    app = services.transition(world.users.dinas_provinsi, world.kendari_application, "approve")
    Intervention.objects.create(
        entity=world.kendari_umkm, kind="hibah", delivered_on=TODAY(), title="Hibah Kabupaten 2025", amount=1
    )
    detail = ok(as_user(world.users.dinas_provinsi).get(f"/api/v1/applications/{app.pk}"))
    assert detail["warnings"] == [f"Sudah menerima Hibah Kabupaten 2025 pada {TODAY():%d/%m/%Y}."]


# --- bulk ----------------------------------------------------------------------------------------------


def test_bulk_steps_count_exactly(world):
    apps = [
        services.apply(world.users.admin, world.grant_programme, umkm(f"Massal {n}", "74.71.01", 10 + n))
        for n in range(3)
    ]
    muna_app = services.apply(world.users.admin, world.grant_programme, world.muna_umkm)
    ids = [a.pk for a in apps] + [world.kendari_application.pk, muna_app.pk, apps[0].pk]
    kendari = as_user(world.users.dinas_kabkota)
    result = ok(post(kendari, "/api/v1/applications/bulk-steps", {"ids": ids, "action": "verify"}))
    assert result["total"] == 5
    assert (result["done"], result["refused"]) == (3, {"wrong_stage": 1, "permission": 1})
    assert set(result["examples"]) == {"wrong_stage", "permission"}
    assert Application.objects.filter(stage=Stage.VERIFIED).count() == 4
    assert Application.objects.get(pk=muna_app.pk).stage == Stage.SUBMITTED
    # approving in bulk stops at the quota (5 places for Kota Kendari, 4 verified there)
    province = as_user(world.users.dinas_provinsi)
    services.set_quota(world.users.admin, world.grant_programme, "74.71", 2)
    ids = [a.pk for a in apps] + [world.kendari_application.pk]
    result = ok(post(province, "/api/v1/applications/bulk-steps", {"ids": ids, "action": "approve"}))
    assert (result["done"], result["refused"]) == (2, {"over_quota": 2})
    result = ok(post(province, "/api/v1/applications/bulk-steps", {"ids": ids, "action": "deliver"}))
    assert (result["done"], result["refused"]) == (0, {"kind_managed": 4})  # a grant is delivered by payment
    # bad input
    error(post(kendari, "/api/v1/applications/bulk-steps", {"ids": [], "action": "verify"}), 400)
    error(
        post(kendari, "/api/v1/applications/bulk-steps", {"ids": list(range(1, 202)), "action": "verify"}),
        400,
    )
    error(post(kendari, "/api/v1/applications/bulk-steps", {"ids": ids, "action": "fly"}), 400)
    error(post(province, "/api/v1/applications/bulk-steps", {"ids": ids, "action": "reject"}), 400)
    error(post(kendari, "/api/v1/applications/bulk-steps", {"ids": ids, "action": "approve"}), 403)


# --- grants -----------------------------------------------------------------------------------------


def test_disbursement_and_usage_report_refusals(world):
    province = as_user(world.users.dinas_provinsi)
    aid = world.kendari_application.pk
    url = f"/api/v1/applications/{aid}/disbursements"
    pay = {"amount": 1_000_000, "paid_on": TODAY().isoformat(), "channel": "tunai"}
    error(post(province, url, pay), 409, "wrong_stage")  # only verified yet
    services.transition(world.users.dinas_provinsi, world.kendari_application, "approve")
    over = error(post(province, url, {**pay, "amount": 6_000_000}), 400, "validation_error")
    assert over["fields"] == {"amount": ["Melebihi sisa yang disetujui: sisa Rp 5.000.000."]}
    transfer = error(post(province, url, {**pay, "channel": "transfer"}), 400)
    assert set(transfer["fields"]) == {"bank_name", "account_number", "account_holder"}
    error(post(province, url, {**pay, "channel": "cek"}), 400)
    tomorrow = (TODAY() + dt.timedelta(days=1)).isoformat()
    error(post(province, url, {**pay, "paid_on": tomorrow}), 400)
    error(post(province, url, {"amount": 1}), 400)
    error(post(as_user(world.users.dinas_kabkota), url, pay), 403)
    assert ok(province.get(url))["items"] == []
    # usage report before delivery; then too much
    report_url = f"/api/v1/applications/{aid}/usage-report"
    owner = as_user(world.users.pelaku_usaha)
    error(post(owner, report_url, {"amount_used": 1, "summary": "x"}), 409, "wrong_stage")
    ok(post(province, url, {**pay, "amount": 5_000_000}), 201)
    too_much = error(post(owner, report_url, {"amount_used": 5_000_001, "summary": "x"}), 400)
    assert too_much["fields"] == {"amount_used": ["Melebihi jumlah yang diterima."]}
    error(post(owner, report_url, {"amount_used": 1, "summary": "x", "submitted_on": tomorrow}), 400)
    error(post(owner, report_url, {"amount_used": 1}), 400)
    error(post(as_user(world.users.pendamping), report_url, {"amount_used": 1, "summary": "x"}), 403)
    ok(post(owner, report_url, {"amount_used": 5_000_000, "summary": "Oven"}), 201)
    error(post(owner, report_url, {"amount_used": 1, "summary": "lagi"}), 409, "wrong_stage")


# --- the ledger and reach ------------------------------------------------------------------------------


def test_interventions_and_reach(world):
    year = TODAY().year
    kendari2 = umkm("Abon Ikan Kendari", "74.71.02", 4)
    rows = [
        (world.kendari_umkm, "hibah", TODAY()),
        (world.kendari_umkm, "pelatihan", TODAY()),
        (world.kendari_umkm, "pelatihan", TODAY() - dt.timedelta(days=1)),  # the same entity twice
        (kendari2, "pelatihan", TODAY()),
        (world.muna_umkm, "pelatihan", TODAY()),
        (world.kendari_koperasi, "hibah", dt.date(year - 1, 6, 1)),  # another year
    ]
    for entity, kind, day in rows:
        Intervention.objects.create(entity=entity, kind=kind, delivered_on=day, title=f"{kind} {entity.name}")
    province = as_user(world.users.dinas_provinsi)
    reach = ok(province.get("/api/v1/interventions/reach", {"year": year}))
    assert reach["year"] == year
    assert [(r["kind"], r["kabkota"]["code"], r["entities"]) for r in reach["rows"]] == [
        ("hibah", "74.71", 1),
        ("pelatihan", "74.03", 1),
        ("pelatihan", "74.71", 2),
    ]
    assert [(k["kind"], k["entities"]) for k in reach["by_kind"]] == [("hibah", 1), ("pelatihan", 3)]
    assert reach["total_entities"] == 3
    assert ok(province.get("/api/v1/interventions/reach"))["year"] == year
    last_year = ok(province.get("/api/v1/interventions/reach", {"year": year - 1}))
    assert (last_year["rows"][0]["kind"], last_year["total_entities"]) == ("hibah", 1)
    muna = ok(as_user(world.users.dinas_kabkota_muna).get("/api/v1/interventions/reach"))
    assert [(r["kind"], r["kabkota"]["code"], r["entities"]) for r in muna["rows"]] == [
        ("pelatihan", "74.03", 1)
    ]
    error(as_user(world.users.pelaku_usaha).get("/api/v1/interventions/reach"), 403)
    # the ledger, newest first, filtered and paged
    ledger = ok(province.get("/api/v1/interventions", {"kabkota": "74.71", "kind": "pelatihan"}))
    assert [(i["entity"]["id"], i["delivered_on"]) for i in ledger["items"]][-1] == (
        world.kendari_umkm.pk,
        (TODAY() - dt.timedelta(days=1)).isoformat(),
    )
    assert len(ledger["items"]) == 3
    assert len(ok(province.get("/api/v1/interventions", {"year": year - 1}))["items"]) == 1
    first = ok(province.get("/api/v1/interventions", {"limit": 4}))
    rest = ok(province.get("/api/v1/interventions", {"limit": 4, "cursor": first["next_cursor"]}))
    seen = [i["id"] for i in first["items"] + rest["items"]]
    assert len(seen) == len(set(seen)) == 6 and rest["next_cursor"] is None
    owner = [
        i["entity"]["id"] for i in ok(as_user(world.users.pelaku_usaha).get("/api/v1/interventions"))["items"]
    ]
    assert set(owner) == {world.kendari_umkm.pk}
    error(as_user(world.users.mitra).get("/api/v1/interventions"), 403)
