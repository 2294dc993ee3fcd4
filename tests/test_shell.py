from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from berdaya.core.money import format_rupiah, spell_rupiah

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/?next=/")


def test_login_page_is_indonesian_by_default(client):
    html = client.get("/masuk/").content.decode()
    assert 'lang="id"' in html
    assert "Masuk ke Berdaya" in html
    assert "Kata sandi" in html


def test_login_page_in_english_when_chosen(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"})
    assert response.status_code == 302
    html = client.get("/masuk/").content.decode()
    assert 'lang="en"' in html
    assert "Sign in to Berdaya" in html
    assert "Password" in html


def test_wrong_password_is_refused_with_a_message(client, officer):
    response = client.post("/masuk/", {"username": officer.username, "password": "salah"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Nama pengguna atau kata sandi salah" in response.content.decode()


def test_login_then_home_shows_the_shell(client, officer, password):
    response = client.post("/masuk/", {"username": officer.username, "password": password})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "Selamat datang, Siti Rahmawati" in html
    assert "Sulawesi Tenggara" in html
    assert 'href="/wilayah/"' in html
    assert 'href="/api/v1/docs"' in html


def test_unbuilt_pillars_are_not_linked(officer_client):
    from berdaya.core.navigation import PILLARS

    html = officer_client.get("/").content.decode()
    for pillar in PILLARS:
        if pillar.url() is None:
            assert f"> {pillar.label}</a>" not in html


def test_logout_requires_post(officer_client):
    assert officer_client.get("/keluar/").status_code == 405
    assert officer_client.post("/keluar/").status_code == 302
    assert officer_client.get("/").status_code == 302


def test_region_pages(officer_client):
    assert officer_client.get("/wilayah/")["Location"] == "/wilayah/74/"
    html = officer_client.get("/wilayah/74.71/").content.decode()
    assert "Kota Kendari" in html
    assert "Kecamatan" in html or "kecamatan" in html
    # an undotted code redirects to the canonical address
    response = officer_client.get("/wilayah/7471/")
    assert response.status_code == 302
    assert response["Location"] == "/wilayah/74.71/"
    assert officer_client.get("/wilayah/74.99/").status_code == 404
    assert officer_client.get("/wilayah/xx/").status_code == 404


def test_desa_page_has_an_empty_state(officer_client):
    html = officer_client.get("/wilayah/74.71.01.1005/").content.decode()
    assert "Tidak ada wilayah di bawah tingkat ini" in html


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "Rp 0"), (1500000, "Rp 1.500.000"), (-25000, "-Rp 25.000"), (None, "–")],
)
def test_rupiah_in_indonesian(amount, text):
    with translation.override("id"):
        assert format_rupiah(amount) == text


def test_rupiah_in_english_uses_english_grouping():
    with translation.override("en"):
        assert format_rupiah(1500000) == "Rp 1,500,000"


def test_rupiah_refuses_floats():
    with pytest.raises(TypeError):
        format_rupiah(1500000.0)


def test_terbilang():
    assert spell_rupiah(1500000) == "satu juta lima ratus ribu rupiah"
    assert spell_rupiah(16800) == "enam belas ribu delapan ratus rupiah"


def test_dates_and_numbers_in_templates():
    template = Template("{{ d|date:'DATE_FORMAT' }}|{{ d|date:'SHORT_DATE_FORMAT' }}|{{ n }}|{{ m|rupiah }}")
    context = Context({"d": dt.date(2026, 11, 26), "n": 147977, "m": 2500000})
    with translation.override("id"):
        assert template.render(context) == "26 November 2026|26/11/2026|147.977|Rp 2.500.000"
    with translation.override("en"):
        assert template.render(context) == "26 November 2026|26/11/2026|147,977|Rp 2,500,000"
    with translation.override("id"):
        assert Template("{{ d|date:'DATE_FORMAT' }}").render(Context({"d": dt.date(2023, 8, 17)})) == (
            "17 Agustus 2023"
        )


def test_an_english_browser_still_gets_indonesian_until_the_user_switches(client):
    html = client.get("/masuk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="id"' in html and "Masuk ke Berdaya" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"})
    html = client.get("/masuk/", HTTP_ACCEPT_LANGUAGE="id-ID").content.decode()
    assert 'lang="en"' in html
    client.cookies["berdaya_language"] = "xx"  # a tampered cookie falls back to Indonesian
    assert 'lang="id"' in client.get("/masuk/").content.decode()
