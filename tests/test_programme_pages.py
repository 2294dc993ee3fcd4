"""Programme management pages (Part 6): list, detail, the form and its rule builder, quotas, candidates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from berdaya.programmes import services
from berdaya.programmes.models import Application, Channel, DistrictQuota, Programme, ProgrammeStatus, Stage
from berdaya.registry.models import Entity
from tests import scenario
from tests.factories import EntityFactory, PersonFactory, UmkmFactory, valid_nik
from tests.programme_world import grant_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return scenario.build()


def _umkm(name: str, region: str, n: int) -> Entity:
    owner = PersonFactory(nik=valid_nik(8100 + n), region_id=region)
    return UmkmFactory(owner=owner, entity=EntityFactory(name=name, region_id=region)).entity


def _approve(world) -> None:
    """The Kendari UMKM's verified application approved for its Rp 5.000.000 request."""
    services.transition(world.users.dinas_provinsi, world.kendari_application, "approve")


def _programme_data(**extra) -> dict:
    today = timezone.localdate()
    data = {
        "kind": "hibah",
        "name": "Hibah Usaha Mikro Perempuan",
        "year": str(today.year),
        "funding_source": "apbd_provinsi",
        "region": "74",
        "total_budget": "100.000.000",
        "ceiling": "Rp 2.500.000",
        "opens_on": today.isoformat(),
        "closes_on": (today + dt.timedelta(days=60)).isoformat(),
        "unit": "Bidang UMKM",
        "description": "",
    }
    data.update(extra)
    return data


def _html(response) -> str:
    return response.content.decode()


# --- list and detail --------------------------------------------------------------------------------


def test_list_shows_the_budget_gauge_status_and_stage_counts(client, world):
    _approve(world)
    client.force_login(world.users.pimpinan)
    response = client.get(reverse("programmes:list"))
    html = _html(response)
    assert response.status_code == 200
    row = html[html.index(f'data-programme="{world.grant_programme.pk}"') :]
    assert "Rp 5.000.000 dari Rp 50.000.000 disetujui (10%)" in row
    assert 'style="width: 10%"' in row
    assert "Dibuka" in row  # status badge
    assert 'data-stage="approved">Disetujui: 1<' in row
    assert "APBD provinsi" in row
    assert "Buat program" not in html  # pimpinan reads only

    client.force_login(world.users.dinas_provinsi)
    html = _html(client.get(reverse("programmes:list")))
    assert 'data-testid="create-programme"' in html


def test_list_filters_by_status_year_and_kind(client, world):
    client.force_login(world.users.dinas_provinsi)
    year = world.grant_programme.year
    assert world.grant_programme.name in _html(client.get(reverse("programmes:list"), {"status": "open"}))
    assert world.grant_programme.name not in _html(
        client.get(reverse("programmes:list"), {"status": "draft"})
    )
    assert world.grant_programme.name in _html(
        client.get(reverse("programmes:list"), {"year": year, "kind": "hibah"})
    )
    html = _html(client.get(reverse("programmes:list"), {"year": year - 1}))
    assert world.grant_programme.name not in html


def test_stage_counts_follow_the_users_scope(client, world):
    client.force_login(world.users.dinas_kabkota_muna)
    html = _html(client.get(reverse("programmes:list")))
    assert "Belum ada permohonan" in html  # the Kendari application is not Muna's
    client.force_login(world.users.dinas_kabkota)
    assert 'data-stage="verified">Terverifikasi: 1<' in _html(client.get(reverse("programmes:list")))


def test_detail_shows_budget_quota_gauges_stages_and_rules(client, world):
    _approve(world)
    programme = world.grant_programme
    client.force_login(world.users.dinas_provinsi)
    response = client.get(reverse("programmes:detail", args=[programme.pk]))
    html = _html(response)
    assert response.status_code == 200
    assert "Rp 5.000.000 dari Rp 50.000.000 disetujui (10%)" in html
    assert "sisa Rp 45.000.000" in html
    assert 'data-testid="remaining">Rp 45.000.000<' in html
    assert "Rp 10.000.000" in html  # ceiling
    # Kota Kendari has a quota of 5 with one approved; Kabupaten Muna has no quota row
    kendari = html[html.index('data-kabkota="74.71"') :]
    assert 'data-testid="quota-figures">1/5<' in kendari[:600]
    muna = html[html.index('data-kabkota="74.03"') :]
    assert "tanpa kuota" in muna[:600]
    assert html.count('data-testid="quota-gauge"') == 17  # every kab/kota of the province
    # the eligibility condition in words, the stage counts, the buttons
    assert "Jenis: UMKM" in html
    assert 'data-stage="approved"' in html
    try:
        queue = reverse("programmes:queue")
    except NoReverseMatch:
        queue = None
    if queue:
        assert f"{queue}?programme={programme.pk}&amp;stage=approved" in html
    assert 'data-testid="status-closed"' in html
    assert 'data-testid="edit-programme"' in html
    assert 'data-testid="candidates-link"' in html


def test_detail_for_a_reader_has_no_management_buttons(client, world):
    client.force_login(world.users.pimpinan)
    html = _html(client.get(reverse("programmes:detail", args=[world.grant_programme.pk])))
    assert 'data-testid="edit-programme"' not in html
    assert 'data-testid="status-closed"' not in html
    assert 'data-testid="candidates-link"' not in html


def test_status_buttons_move_the_programme(client, world):
    programme = world.grant_programme
    client.force_login(world.users.dinas_provinsi)
    response = client.post(
        reverse("programmes:status", args=[programme.pk]), {"status": "closed"}, follow=True
    )
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.CLOSED
    assert "Status program sekarang: Ditutup." in _html(response)
    response = client.post(
        reverse("programmes:status", args=[programme.pk]), {"status": "draft"}, follow=True
    )
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.CLOSED
    assert "Status program tidak dapat diubah dari Ditutup ke Draf." in _html(response)
    response = client.post(
        reverse("programmes:status", args=[programme.pk]), {"status": "nonsense"}, follow=True
    )
    assert "Pilih status program yang dituju." in _html(response)


# --- create and edit ------------------------------------------------------------------------------


def test_create_with_rules_built_in_the_form_saves_the_exact_json(client, world):
    client.force_login(world.users.dinas_provinsi)
    data = _programme_data()
    data.update(
        {
            "rule-0-field": "kind",
            "rule-0-op": "in",
            "rule-0-values": ["umkm"],
            "rule-1-field": "size_class",
            "rule-1-op": "in",
            "rule-1-values": ["mikro"],
            "rule-2-field": "no_intervention",
            "rule-2-op": "none",
            "rule-2-kind": "hibah",
            "rule-2-years": "3",
            "rule-5-field": "annual_sales",
            "rule-5-op": "lte",
            "rule-5-value": "1.500.000.000",
            "rule-7-field": "",  # an empty row is ignored
        }
    )
    response = client.post(reverse("programmes:create"), data)
    programme = Programme.objects.get(name="Hibah Usaha Mikro Perempuan")
    assert response.status_code == 302
    assert response["Location"] == reverse("programmes:detail", args=[programme.pk])
    assert programme.eligibility == [
        {"field": "kind", "op": "in", "value": ["umkm"]},
        {"field": "size_class", "op": "in", "value": ["mikro"]},
        {"field": "no_intervention", "op": "none", "kind": "hibah", "years": 3},
        {"field": "annual_sales", "op": "lte", "value": 1_500_000_000},
    ]
    assert programme.total_budget == 100_000_000
    assert programme.ceiling == 2_500_000
    assert programme.status == ProgrammeStatus.DRAFT
    assert programme.created_by == world.users.dinas_provinsi
    html = _html(client.get(response["Location"]))
    assert "Skala usaha: Mikro" in html
    assert "Belum menerima Bantuan permodalan (hibah) dalam 3 tahun terakhir" in html
    assert "Omzet tahunan paling banyak Rp 1.500.000.000" in html


def test_bad_rules_show_indonesian_errors_and_save_nothing(client, world):
    client.force_login(world.users.dinas_provinsi)
    before = Programme.objects.count()
    data = _programme_data()
    data.update(
        {
            "rule-0-field": "size_class",
            "rule-0-values": ["raksasa"],
            "rule-1-field": "factor_score",
            "rule-1-op": "lt",
            "rule-1-factor": "permodalan",
            "rule-1-value": "150",
            "rule-2-field": "kind",  # no value selected
        }
    )
    response = client.post(reverse("programmes:create"), data)
    html = _html(response)
    assert response.status_code == 400
    assert Programme.objects.count() == before
    assert "Syarat 1: nilai tidak dikenal: raksasa." in html
    assert "Syarat 2: skor antara 0 dan 100." in html
    assert "Syarat 3: pilih paling sedikit satu nilai." in html
    assert html.count('data-testid="rule-row-error"') == 3
    # the rows and the typed values come back
    assert 'name="rule-1-value" id="id_rule-1-value" value="150"' in html
    assert 'value="Hibah Usaha Mikro Perempuan"' in html


def test_ceiling_above_budget_is_refused_beside_the_field(client, world):
    client.force_login(world.users.dinas_provinsi)
    before = Programme.objects.count()
    response = client.post(
        reverse("programmes:create"),
        _programme_data(total_budget="1.000.000", ceiling="2.000.000", **{"rule-0-field": ""}),
    )
    assert response.status_code == 400
    assert "Batas per penerima melebihi pagu anggaran." in _html(response)
    assert Programme.objects.count() == before


def test_money_and_dates_are_checked(client, world):
    client.force_login(world.users.dinas_provinsi)
    today = timezone.localdate()
    response = client.post(
        reverse("programmes:create"),
        _programme_data(
            total_budget="satu juta", ceiling="0", closes_on=(today - dt.timedelta(days=1)).isoformat()
        ),
    )
    html = _html(response)
    assert response.status_code == 400
    assert "Tulis jumlah dalam Rupiah tanpa sen" in html
    assert "Isi jumlah dalam Rupiah, lebih dari nol." in html


def test_edit_shows_the_rules_as_rows_and_keeps_the_running_totals(client, world):
    _approve(world)
    programme = world.grant_programme
    client.force_login(world.users.admin)
    html = _html(client.get(reverse("programmes:edit", args=[programme.pk])))
    assert 'name="rule-0-field"' in html
    assert '<option value="kind" selected>' in html
    assert 'value="umkm" id="id_rule-0-values-0" checked' in html
    assert 'value="50.000.000"' in html  # the budget shown with dots
    data = _programme_data(name=programme.name, total_budget="60.000.000", ceiling="10.000.000")
    data.update({"rule-0-field": "kind", "rule-0-values": ["umkm"]})
    response = client.post(reverse("programmes:edit", args=[programme.pk]), data)
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.total_budget == 60_000_000
    assert programme.approved_total == 5_000_000  # the form never touches the running totals
    assert programme.status == ProgrammeStatus.OPEN
    # below what is already approved: refused
    data["total_budget"] = "1.000.000"
    data["ceiling"] = "1.000.000"
    response = client.post(reverse("programmes:edit", args=[programme.pk]), data)
    assert response.status_code == 400
    assert "Pagu tidak boleh di bawah jumlah yang sudah disetujui." in _html(response)


def test_rule_builder_rows_come_from_htmx_partials(client, world):
    client.force_login(world.users.dinas_provinsi)
    url = reverse("programmes:create")
    html = _html(client.get(url, {"baris": 3, "rule-3-field": "size_class"}, HTTP_HX_REQUEST="true"))
    assert 'data-rule-row="3"' in html
    assert 'name="rule-3-values" value="mikro"' in html
    assert "hx-swap-oob" not in html
    html = _html(client.get(url, {"baris": 4, "baris_baru": "1"}, HTTP_HX_REQUEST="true"))
    assert 'data-rule-row="4"' in html
    assert 'hx-swap-oob="true"' in html and f"{url}?baris=5" in html
    html = _html(client.get(url, {"baris": 0, "rule-0-field": "annual_sales"}, HTTP_HX_REQUEST="true"))
    assert 'name="rule-0-op"' in html and "paling banyak" in html and "Rp" in html
    assert client.get(url, {"hapus": 1}, HTTP_HX_REQUEST="true").content == b""


def test_rule_builder_works_without_javascript(client, world):
    client.force_login(world.users.dinas_provinsi)
    before = Programme.objects.count()
    data = _programme_data(**{"rule-0-field": "kind", "rule-0-values": ["umkm"], "baris_baru": "1"})
    html = _html(client.post(reverse("programmes:create"), data))
    assert 'data-rule-row="0"' in html and 'data-rule-row="1"' in html
    data = _programme_data(**{"rule-0-field": "kind", "rule-1-field": "has_nib", "hapus_baris": "0"})
    html = _html(client.post(reverse("programmes:create"), data))
    assert 'data-rule-row="0"' not in html and 'data-rule-row="1"' in html
    assert Programme.objects.count() == before


@pytest.mark.parametrize("role", ["dinas_kabkota", "pendamping", "pimpinan"])
def test_only_the_province_manages_programmes(client, world, role):
    programme = world.grant_programme
    client.force_login(getattr(world.users, role))
    assert client.get(reverse("programmes:create")).status_code == 403
    assert client.post(reverse("programmes:create"), _programme_data()).status_code == 403
    assert client.get(reverse("programmes:edit", args=[programme.pk])).status_code == 403
    assert client.get(reverse("programmes:quotas", args=[programme.pk])).status_code == 403
    assert (
        client.post(reverse("programmes:quotas", args=[programme.pk]), {"kuota-74.71": "9"}).status_code
        == 403
    )
    assert (
        client.post(reverse("programmes:status", args=[programme.pk]), {"status": "closed"}).status_code
        == 403
    )
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.OPEN
    assert DistrictQuota.objects.get(programme=programme, kabkota_id="74.71").quota == 5


# --- quotas ---------------------------------------------------------------------------------------------


def test_quotas_save_and_an_empty_input_means_no_quota(client, world):
    programme = world.grant_programme
    client.force_login(world.users.dinas_provinsi)
    html = _html(client.get(reverse("programmes:quotas", args=[programme.pk])))
    assert html.count('name="kuota-74.') == 17
    assert 'name="kuota-74.71" id="kuota-74.71" value="5"' in html
    response = client.post(
        reverse("programmes:quotas", args=[programme.pk]), {"kuota-74.03": "3", "kuota-74.71": "7"}
    )
    assert response.status_code == 302
    quotas = dict(DistrictQuota.objects.filter(programme=programme).values_list("kabkota_id", "quota"))
    assert quotas == {"74.03": 3, "74.71": 7}
    client.post(reverse("programmes:quotas", args=[programme.pk]), {"kuota-74.03": "", "kuota-74.71": "7"})
    assert list(DistrictQuota.objects.filter(programme=programme).values_list("kabkota_id", flat=True)) == [
        "74.71"
    ]


def test_quota_below_approved_is_refused_on_its_row_and_nothing_is_saved(client, world):
    _approve(world)
    programme = world.grant_programme
    client.force_login(world.users.admin)
    response = client.post(
        reverse("programmes:quotas", args=[programme.pk]), {"kuota-74.03": "4", "kuota-74.71": "0"}
    )
    html = _html(response)
    assert response.status_code == 400
    row = html[html.index('<tr data-kabkota="74.71"') :]
    assert "tidak boleh di bawah 1 penerima yang sudah disetujui" in row[: row.index("</tr>")]
    assert dict(DistrictQuota.objects.filter(programme=programme).values_list("kabkota_id", "quota")) == {
        "74.71": 5
    }
    response = client.post(reverse("programmes:quotas", args=[programme.pk]), {"kuota-74.03": "dua"})
    assert response.status_code == 400
    assert "Isi jumlah penerima" in _html(response)


def test_a_kabkota_programme_has_quota_for_its_own_district_only(client, world):
    programme = grant_programme(world.users.dinas_provinsi, region="74.71", name="Hibah Kota Kendari")
    client.force_login(world.users.dinas_provinsi)
    html = _html(client.get(reverse("programmes:quotas", args=[programme.pk])))
    assert html.count('name="kuota-74.') == 1 and 'name="kuota-74.71"' in html


# --- candidates -----------------------------------------------------------------------------------------


def test_candidates_show_the_explanation_and_exclude_what_the_rules_exclude(client, world):
    client.force_login(world.users.dinas_provinsi)
    response = client.get(reverse("programmes:candidates", args=[world.grant_programme.pk]))
    html = _html(response)
    assert response.status_code == 200
    row = html[html.index(f'<tr data-entity="{world.kendari_umkm.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Kue Tradisional Wa Ode" in row
    assert '<li data-met="ya"><span class="text-success fw-bold" aria-hidden="true">✓</span>' in row
    assert "Jenis: UMKM" in row
    assert "Terverifikasi" in row and "Sudah terdaftar dalam program ini." in row
    assert 'data-testid="nominate-form"' not in row
    assert "Tenun Masalili" in html  # the Muna UMKM is a candidate too
    assert "Koperasi Nelayan Kendari" not in html  # kind=umkm excludes the koperasi
    # search and district filter
    html = _html(
        client.get(reverse("programmes:candidates", args=[world.grant_programme.pk]), {"q": "tenun"})
    )
    assert "Tenun Masalili" in html and "Kue Tradisional" not in html
    html = _html(
        client.get(reverse("programmes:candidates", args=[world.grant_programme.pk]), {"kabkota": "74.71"})
    )
    assert "Kue Tradisional" in html and "Tenun Masalili" not in html


def test_a_muna_officer_sees_no_kendari_candidates(client, world):
    client.force_login(world.users.dinas_kabkota_muna)
    html = _html(client.get(reverse("programmes:candidates", args=[world.grant_programme.pk])))
    assert "Tenun Masalili" in html
    assert "Kue Tradisional Wa Ode" not in html
    # nor can they nominate it: the entity is outside their scope
    response = client.post(
        reverse("programmes:nominate", args=[world.grant_programme.pk, world.kendari_umkm.pk])
    )
    assert response.status_code == 404


def test_nominate_creates_an_application_and_a_second_is_refused(client, world):
    programme = world.grant_programme
    entity = _umkm("Sagu Lapi Kendari", "74.71.01", 1)
    client.force_login(world.users.dinas_kabkota)
    url = reverse("programmes:nominate", args=[programme.pk, entity.pk])
    back = reverse("programmes:candidates", args=[programme.pk]) + "?q=sagu"
    response = client.post(url, {"amount_requested": "Rp 3.000.000", "next": back})
    application = Application.objects.get(programme=programme, entity=entity)
    assert application.channel == Channel.NOMINATED
    assert application.stage == Stage.SUBMITTED
    assert application.amount_requested == 3_000_000
    assert application.created_by == world.users.dinas_kabkota
    assert response.status_code == 302
    try:
        expected = reverse("programmes:application", args=[application.pk])
    except NoReverseMatch:
        expected = back
    assert response["Location"] == expected

    response = client.post(url, {"next": back}, follow=True)
    assert "Entitas ini sudah terdaftar dalam program ini." in _html(response)
    assert response.redirect_chain[-1][0] == back
    assert Application.objects.filter(programme=programme, entity=entity).count() == 1


def test_nominate_over_the_ceiling_or_with_a_bad_amount_is_refused(client, world):
    programme = world.grant_programme
    entity = _umkm("Sagu Lapi Kendari", "74.71.01", 2)
    client.force_login(world.users.dinas_provinsi)
    url = reverse("programmes:nominate", args=[programme.pk, entity.pk])
    html = _html(client.post(url, {"amount_requested": "20.000.000"}, follow=True))
    assert "Jumlah melebihi batas per penerima Rp 10.000.000." in html
    html = _html(client.post(url, {"amount_requested": "dua juta"}, follow=True))
    assert "Tulis jumlah dalam Rupiah tanpa sen" in html
    assert not Application.objects.filter(entity=entity).exists()


def test_nominate_outside_a_kabkota_programmes_region_is_refused(client, world):
    programme = grant_programme(world.users.dinas_provinsi, region="74.71", name="Hibah Kota Kendari")
    client.force_login(world.users.admin)
    response = client.post(
        reverse("programmes:nominate", args=[programme.pk, world.muna_umkm.pk]), follow=True
    )
    html = _html(response)
    assert "Tenun Masalili berada di luar wilayah sasaran program (" in html
    assert not Application.objects.filter(programme=programme).exists()
    # and the Muna UMKM is not among its candidates
    html = _html(client.get(reverse("programmes:candidates", args=[programme.pk])))
    assert "Tenun Masalili" not in html.split('id="entity-check"')[0]


def test_check_entity_explains_why_one_is_not_eligible(client, world):
    programme = world.grant_programme
    client.force_login(world.users.dinas_provinsi)
    url = reverse("programmes:candidates", args=[programme.pk])
    response = client.get(
        url,
        {"periksa": str(world.kendari_koperasi.pk)},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="entity-check",
    )
    html = _html(response)
    assert 'data-testid="entity-check-result"' in html and 'data-testid="candidate-table"' not in html
    assert "Koperasi Nelayan Kendari" in html
    assert "Belum memenuhi syarat program." in html
    assert '<li data-met="tidak"><span class="text-danger fw-bold" aria-hidden="true">✗</span>' in html
    assert "Jenis: UMKM" in html
    # by name, one match: the explanation; several: a choice
    html = _html(client.get(url, {"periksa": "kue tradisional"}))
    assert "Memenuhi semua syarat program." in html and "Sudah terdaftar dalam program ini." in html
    _umkm("Kue Bolu Kendari", "74.71.01", 3)
    html = _html(client.get(url, {"periksa": "kue"}))
    assert 'data-testid="check-matches"' in html
    html = _html(client.get(url, {"periksa": "tidak ada yang bernama begini"}))
    assert "Tidak ada entitas dengan ID atau nama itu dalam cakupan Anda." in html


def test_unknown_facts_are_shown_as_unknown(client, world):
    programme = grant_programme(
        world.users.dinas_provinsi,
        name="Hibah Usaha Berumur",
        eligibility=[{"field": "business_age", "op": "gte", "value": 2}],
    )
    Entity.objects.filter(pk=world.kendari_umkm.pk).update(year_founded=None)
    client.force_login(world.users.dinas_provinsi)
    html = _html(
        client.get(reverse("programmes:candidates", args=[programme.pk]), {"periksa": world.kendari_umkm.pk})
    )
    assert 'data-met="tidak-diketahui"' in html and "tidak diketahui" in html
    assert "Umur usaha paling sedikit 2 tahun" in html
