from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_document_is_public_and_lists_regions(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "Berdaya API"
    assert "/api/v1/regions" in doc["paths"]
    assert "/api/v1/regions/{code}" in doc["paths"]


def test_docs_page_uses_local_assets_only(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    assert "cdn." not in html and "unpkg" not in html


def test_api_requires_authentication_with_the_error_shape(client):
    response = client.get("/api/v1/regions")
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "status": 401,
            "code": "not_authenticated",
            "message": "Perlu masuk (sesi) atau token API yang sah.",
        }
    }


def test_provinces_are_the_top_level(officer_client):
    response = officer_client.get("/api/v1/regions?limit=100")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 38
    codes = [item["code"] for item in body["items"]]
    assert "74" in codes and "11" in codes
    assert all(item["level"] == "provinsi" for item in body["items"])


def test_children_of_province_74(officer_client):
    body = officer_client.get("/api/v1/regions?parent=74&limit=50").json()
    assert body["count"] == 17
    assert {"code": "74.71", "name": "Kota Kendari", "level": "kota", "parent_code": "74"} in body["items"]


def test_children_accept_undotted_parent(officer_client):
    dotted = officer_client.get("/api/v1/regions?parent=74.71").json()
    undotted = officer_client.get("/api/v1/regions?parent=7471").json()
    assert dotted == undotted
    assert dotted["count"] > 0


def test_region_detail_and_not_found(officer_client):
    assert officer_client.get("/api/v1/regions/74.04").json()["name"] == "Kabupaten Buton"
    missing = officer_client.get("/api/v1/regions/74.99")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_malformed_code_is_a_400_with_field_message(officer_client):
    response = officer_client.get("/api/v1/regions/74.7x")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert "code" in error["fields"]


def test_bad_query_parameter_is_a_validation_error(officer_client):
    response = officer_client.get("/api/v1/regions?level=planet&limit=-5")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) >= {"level", "limit"}


def test_lookup_by_name(officer_client):
    body = officer_client.get("/api/v1/regions/lookup", {"q": "Konsel"}).json()
    assert body["status"] == "found"
    assert body["region"]["code"] == "74.05"
    unknown = officer_client.get("/api/v1/regions/lookup", {"q": "Atlantis"}).json()
    assert unknown["status"] == "unknown"
    assert unknown["region"] is None


def test_search_by_name_part(officer_client):
    body = officer_client.get("/api/v1/regions", {"q": "kendari", "level": "kota"}).json()
    assert [item["code"] for item in body["items"]] == ["74.71"]
