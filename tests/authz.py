"""The authorisation matrix: every route × every role → the expected status code.

``tests/test_authz_matrix.py`` walks the URL configuration and the OpenAPI document;
a route or API operation without a rule here fails the test, so a new view cannot
ship without someone deciding who may reach it. Each rule is written out by hand
(not derived from the permission table) so that the table and the views are both
checked against an independent statement of intent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = (
    "anonymous",
    "admin",
    "dinas_provinsi",
    "dinas_kabkota",  # Kota Kendari (74.71): the sample records live there
    "dinas_kabkota_muna",  # Kabupaten Muna (74.03): another district, sees none of them
    "pendamping",
    "konsultan",
    "mitra",
    "pelaku_usaha",
    "pimpinan",
)
SIGNED_IN = ROLES[1:]


def expect(default: int, anonymous: int | None = None, **by_role: int) -> dict[str, int]:
    table = dict.fromkeys(SIGNED_IN, default)
    table["anonymous"] = default if anonymous is None else anonymous
    for role, status in by_role.items():
        assert role in ROLES, role
        table[role] = status
    return table


def only(roles: set[str], *, ok: int = 200, denied: int = 403, anonymous: int = 302, **by_role: int):
    """Signed-in roles in ``roles`` get ``ok``, other signed-in roles ``denied``."""
    table = {role: (ok if role in roles else denied) for role in SIGNED_IN}
    table["anonymous"] = anonymous
    table.update(by_role)
    return table


PUBLIC = expect(200)
SIGNED_IN_PAGE = expect(200, anonymous=302)
SIGNED_IN_API = expect(200, anonymous=401)


@dataclass(frozen=True)
class Rule:
    expected: dict[str, int]
    method: str = "get"
    kwargs: Callable[[Any], dict[str, Any]] = field(default=lambda world: {})
    data: Callable[[Any], dict[str, Any]] = field(default=lambda world: {})


IMPORTERS = {"admin", "dinas_provinsi", "dinas_kabkota", "dinas_kabkota_muna"}


def BATCH(world: Any) -> dict[str, Any]:
    return {"pk": world.kendari_batch.pk}


# --- web routes, by URL name --------------------------------------------------------------
ROUTES: dict[str, Rule] = {
    "home": Rule(SIGNED_IN_PAGE),
    "login": Rule(expect(302, anonymous=200)),  # signed-in users are sent on to the home page
    "logout": Rule(expect(405)),  # POST only (a link cannot log anyone out)
    "set_language": Rule(expect(302)),
    "healthz": Rule(PUBLIC),
    "readyz": Rule(PUBLIC),
    "regions:list": Rule(expect(302)),
    "regions:detail": Rule(SIGNED_IN_PAGE, kwargs=lambda w: {"code": "74.71"}),
    "api:openapi-json": Rule(PUBLIC),
    "api:openapi-view": Rule(PUBLIC),
    "api:api-root": Rule(expect(404)),
    "regions:boundaries": Rule(SIGNED_IN_PAGE),
    # --- accounts and audit (Part 2) ---
    "accounts:user_list": Rule(only({"admin"})),
    "accounts:user_create": Rule(only({"admin"})),
    "accounts:user_edit": Rule(only({"admin"}), kwargs=lambda w: {"pk": w.users.pendamping.pk}),
    "accounts:user_reset_password": Rule(only({"admin"}), kwargs=lambda w: {"pk": w.users.pendamping.pk}),
    # POST-only actions: a GET is 405 for the admin, refused before that for everyone else
    "accounts:user_set_active": Rule(only({"admin"}, ok=405), kwargs=lambda w: {"pk": w.users.pendamping.pk}),
    "accounts:user_unlock": Rule(only({"admin"}, ok=405), kwargs=lambda w: {"pk": w.users.pendamping.pk}),
    "accounts:partner_list": Rule(only({"admin"})),
    "accounts:partner_create": Rule(only({"admin"})),
    "accounts:partner_edit": Rule(only({"admin"}), kwargs=lambda w: {"pk": w.bank.pk}),
    "accounts:token_list": Rule(SIGNED_IN_PAGE),
    "accounts:token_create": Rule(SIGNED_IN_PAGE),
    "accounts:token_revoke": Rule(expect(405, anonymous=302), kwargs=lambda w: {"pk": w.owner_token.pk}),
    "accounts:password_change": Rule(SIGNED_IN_PAGE),
    "core:audit_list": Rule(only({"admin"})),
    # --- registry pages (begin) ---
    # registry.view: office roles, pendamping, pimpinan, pelaku_usaha (not konsultan, mitra).
    # The Kendari UMKM is assigned to the pendamping and owned by the pelaku_usaha persona;
    # the Muna officer gets 404 for every Kendari record. POSTs send no usable data: a role
    # allowed to write gets its form back (200) and nothing is written.
    "registry:list": Rule(expect(200, anonymous=302, konsultan=403, mitra=403)),
    "registry:map_points": Rule(expect(200, anonymous=302, konsultan=403, mitra=403)),
    "registry:rat": Rule(expect(200, anonymous=302, konsultan=403, mitra=403)),
    "registry:detail": Rule(
        expect(200, anonymous=302, konsultan=403, mitra=403, dinas_kabkota_muna=404),
        kwargs=lambda w: {"pk": w.kendari_umkm.pk},
    ),
    # registry.create: office roles, each for their own area (Muna creates in Muna)
    "registry:create_umkm": Rule(
        expect(403, anonymous=302, admin=200, dinas_provinsi=200, dinas_kabkota=200, dinas_kabkota_muna=200)
    ),
    "registry:create_koperasi": Rule(
        expect(403, anonymous=302, admin=200, dinas_provinsi=200, dinas_kabkota=200, dinas_kabkota_muna=200)
    ),
    # office staff get the full form, the owner the limited one; pimpinan reads only
    "registry:edit": Rule(
        expect(
            403,
            anonymous=302,
            admin=200,
            dinas_provinsi=200,
            dinas_kabkota=200,
            pelaku_usaha=200,
            dinas_kabkota_muna=404,
        ),
        kwargs=lambda w: {"pk": w.kendari_umkm.pk},
    ),
    "registry:rat_record": Rule(
        expect(403, anonymous=302, admin=200, dinas_provinsi=200, dinas_kabkota=200, dinas_kabkota_muna=404),
        method="post",
        kwargs=lambda w: {"pk": w.kendari_koperasi.pk},
    ),
    "registry:status_change": Rule(
        expect(403, anonymous=302, admin=200, dinas_provinsi=200, dinas_kabkota=200, dinas_kabkota_muna=404),
        method="post",
        kwargs=lambda w: {"pk": w.kendari_koperasi.pk},
    ),
    # personal_data.unmask (these records hold no phone number: nothing to reveal, nothing logged)
    "registry:reveal_entity": Rule(
        expect(403, anonymous=302, admin=200, dinas_provinsi=200, dinas_kabkota=200, dinas_kabkota_muna=404),
        method="post",
        kwargs=lambda w: {"pk": w.kendari_umkm.pk, "field": "telepon"},
    ),
    "registry:reveal_person": Rule(
        expect(403, anonymous=302, admin=200, dinas_provinsi=200, dinas_kabkota=200, dinas_kabkota_muna=404),
        method="post",
        kwargs=lambda w: {"pk": w.kendari_owner.pk, "field": "telepon"},
    ),
    # htmx helpers of the office's forms
    "registry:kbli_search": Rule(
        expect(403, anonymous=302, admin=200, dinas_provinsi=200, dinas_kabkota=200, dinas_kabkota_muna=200),
        data=lambda w: {"kbli": "kue"},
    ),
    "registry:region_fields": Rule(
        expect(403, anonymous=302, admin=200, dinas_provinsi=200, dinas_kabkota=200, dinas_kabkota_muna=200),
        data=lambda w: {"kabkota": "74.71"},
    ),
    # self-service: the pelaku usaha claims, the office verifies
    "registry:claim": Rule(only({"pelaku_usaha"}), method="post"),
    "registry:my_entities": Rule(only({"pelaku_usaha"})),
    "registry:claim_queue": Rule(
        expect(403, anonymous=302, admin=200, dinas_provinsi=200, dinas_kabkota=200, dinas_kabkota_muna=200)
    ),
    # a pending claim of the pelaku_usaha persona on the Kendari koperasi
    "registry:claim_decide": Rule(
        expect(403, anonymous=302, admin=200, dinas_provinsi=200, dinas_kabkota=200, dinas_kabkota_muna=404),
        method="post",
        kwargs=lambda w: {
            "pk": w.kendari_koperasi.claims.get_or_create(
                user=w.users.pelaku_usaha, defaults={"identifier": w.kendari_koperasi.koperasi.nik_koperasi}
            )[0].pk
        },
    ),
    # documents: upload (POST with no file: refused with a message, back to the profile)
    "registry:document_upload": Rule(
        expect(
            403,
            anonymous=302,
            admin=302,
            dinas_provinsi=302,
            dinas_kabkota=302,
            dinas_kabkota_muna=404,
            pelaku_usaha=302,
        ),
        method="post",
        kwargs=lambda w: {"pk": w.kendari_umkm.pk},
    ),
    "registry:document": Rule(
        expect(200, anonymous=302, dinas_kabkota_muna=404, konsultan=403, mitra=403),
        kwargs=lambda w: {"pk": w.kendari_umkm.pk, "doc": w.kendari_document.pk},
    ),
    # export (registry.export: office roles and pimpinan; the Muna officer gets a file with
    # Muna's rows only) and the import templates (registry.import: office roles)
    "registry:export_xlsx": Rule(
        only({"admin", "dinas_provinsi", "dinas_kabkota", "dinas_kabkota_muna", "pimpinan"})
    ),
    "registry:export_csv": Rule(
        only({"admin", "dinas_provinsi", "dinas_kabkota", "dinas_kabkota_muna", "pimpinan"})
    ),
    "registry:import_template": Rule(
        only({"admin", "dinas_provinsi", "dinas_kabkota", "dinas_kabkota_muna"}),
        kwargs=lambda w: {"kind": "umkm"},
    ),
    # import (registry.import: office roles; a batch is seen within the uploader's region,
    # so the Muna officer gets 404 for the Kendari officer's batch; rollback is the admin's)
    "registry:import_list": Rule(only(IMPORTERS)),
    "registry:import_detail": Rule(only(IMPORTERS, dinas_kabkota_muna=404), kwargs=BATCH),
    # a finished batch has nothing to map: back to its page
    "registry:import_mapping": Rule(only(IMPORTERS, ok=302, dinas_kabkota_muna=404), kwargs=BATCH),
    "registry:import_progress": Rule(only(IMPORTERS, dinas_kabkota_muna=404), kwargs=BATCH),
    # POST on a finished batch: refused with a message, back to the batch page
    "registry:import_commit": Rule(
        only(IMPORTERS, ok=302, dinas_kabkota_muna=404), method="post", kwargs=BATCH
    ),
    "registry:import_rollback": Rule(only({"admin"}, ok=302), method="post", kwargs=BATCH),
    "registry:import_report": Rule(only(IMPORTERS, dinas_kabkota_muna=404), kwargs=BATCH),
    # --- registry pages (end) ---
    # --- diagnosis pages (begin) ---
    # diagnosis.view: office roles, pendamping, pimpinan, pelaku_usaha; the worklist is not the
    # owner's; assessing is for office roles and the pendamping (on their assigned entity).
    "diagnosis:home": Rule(expect(200, anonymous=302, konsultan=403, mitra=403)),
    "diagnosis:worklist": Rule(expect(200, anonymous=302, konsultan=403, mitra=403, pelaku_usaha=403)),
    "diagnosis:worklist_export": Rule(expect(200, anonymous=302, konsultan=403, mitra=403, pelaku_usaha=403)),
    "diagnosis:assess": Rule(
        expect(
            403,
            anonymous=302,
            admin=200,
            dinas_provinsi=200,
            dinas_kabkota=200,
            pendamping=200,
            dinas_kabkota_muna=404,
        ),
        kwargs=lambda w: {"entity_pk": w.kendari_umkm.pk, "code": "kerentanan"},
    ),
    "diagnosis:assessment": Rule(
        expect(200, anonymous=302, konsultan=403, mitra=403, dinas_kabkota_muna=404),
        kwargs=lambda w: {"pk": w.kendari_assessment.pk},
    ),
    # --- diagnosis pages (end) ---
    # --- diagnosis editor (begin) ---
    # diagnosis.manage: admin and dinas_provinsi only. Version 1 of "kerentanan" is the version in
    # force: its edit forms answer 200 (a save would go to the draft); publishing, discarding and
    # deleting are a draft's, so on version 1 they send back to the version page (302).
    "diagnosis:instruments": Rule(only({"admin", "dinas_provinsi"})),
    "diagnosis:instrument_edit": Rule(
        only({"admin", "dinas_provinsi"}, ok=302), method="post", kwargs=lambda w: {"code": "kerentanan"}
    ),
    "diagnosis:version": Rule(
        only({"admin", "dinas_provinsi"}), kwargs=lambda w: {"code": "kerentanan", "number": 1}
    ),
    "diagnosis:version_settings": Rule(
        only({"admin", "dinas_provinsi"}), kwargs=lambda w: {"code": "kerentanan", "number": 1}
    ),
    "diagnosis:version_compare": Rule(
        only({"admin", "dinas_provinsi"}), kwargs=lambda w: {"code": "kerentanan", "number": 1}
    ),
    "diagnosis:version_publish": Rule(
        only({"admin", "dinas_provinsi"}, ok=302), kwargs=lambda w: {"code": "kerentanan", "number": 1}
    ),
    "diagnosis:version_discard": Rule(
        only({"admin", "dinas_provinsi"}, ok=302), kwargs=lambda w: {"code": "kerentanan", "number": 1}
    ),
    "diagnosis:section_add": Rule(
        only({"admin", "dinas_provinsi"}), kwargs=lambda w: {"code": "kerentanan", "number": 1}
    ),
    "diagnosis:section_edit": Rule(
        only({"admin", "dinas_provinsi"}),
        kwargs=lambda w: {"code": "kerentanan", "number": 1, "section": "permodalan"},
    ),
    "diagnosis:section_delete": Rule(
        only({"admin", "dinas_provinsi"}, ok=302),
        kwargs=lambda w: {"code": "kerentanan", "number": 1, "section": "permodalan"},
    ),
    "diagnosis:question_add": Rule(
        only({"admin", "dinas_provinsi"}),
        kwargs=lambda w: {"code": "kerentanan", "number": 1, "section": "permodalan"},
    ),
    "diagnosis:question_edit": Rule(
        only({"admin", "dinas_provinsi"}),
        kwargs=lambda w: {"code": "kerentanan", "number": 1, "question": "pembukuan"},
    ),
    "diagnosis:question_delete": Rule(
        only({"admin", "dinas_provinsi"}, ok=302),
        kwargs=lambda w: {"code": "kerentanan", "number": 1, "question": "pembukuan"},
    ),
    "diagnosis:rules": Rule(only({"admin", "dinas_provinsi"})),
    "diagnosis:rule_create": Rule(only({"admin", "dinas_provinsi"}), kwargs=lambda w: {"code": "kerentanan"}),
    "diagnosis:rule_edit": Rule(
        only({"admin", "dinas_provinsi"}), kwargs=lambda w: {"pk": w.vulnerability.rules.order_by("pk")[0].pk}
    ),
    # POST without data: the rule is switched off, back to the list
    "diagnosis:rule_set_active": Rule(
        only({"admin", "dinas_provinsi"}, ok=302),
        method="post",
        kwargs=lambda w: {"pk": w.vulnerability.rules.order_by("pk")[0].pk},
    ),
    # --- diagnosis editor (end) ---
    # --- diagnosis import (begin) ---
    # diagnosis.import: office roles. A report belongs to the officer whose import wrote it; this
    # token names none, so every importer gets 404 (tests/test_diagnosis_import.py downloads one).
    "diagnosis:import": Rule(only(IMPORTERS)),
    "diagnosis:import_template": Rule(only(IMPORTERS), kwargs=lambda w: {"code": w.vulnerability.code}),
    "diagnosis:import_report": Rule(
        only(IMPORTERS, ok=404), kwargs=lambda w: {"token": "00000000-0000-4000-8000-000000000000"}
    ),
    # --- diagnosis import (end) ---
    # --- programme pages (begin) ---
    # programmes.view: office roles, pendamping, pimpinan (programmes are the office's configuration,
    # the same for every district); programmes.manage: admin and dinas_provinsi; programmes.nominate:
    # office roles and pendamping. The grant programme is open and province-wide.
    "programmes:list": Rule(
        only({"admin", "dinas_provinsi", "dinas_kabkota", "dinas_kabkota_muna", "pendamping", "pimpinan"})
    ),
    "programmes:create": Rule(only({"admin", "dinas_provinsi"})),
    "programmes:detail": Rule(
        only({"admin", "dinas_provinsi", "dinas_kabkota", "dinas_kabkota_muna", "pendamping", "pimpinan"}),
        kwargs=lambda w: {"pk": w.grant_programme.pk},
    ),
    "programmes:edit": Rule(only({"admin", "dinas_provinsi"}), kwargs=lambda w: {"pk": w.grant_programme.pk}),
    # POST without a status: refused with a message, back to the programme page
    "programmes:status": Rule(
        only({"admin", "dinas_provinsi"}, ok=302),
        method="post",
        kwargs=lambda w: {"pk": w.grant_programme.pk},
    ),
    "programmes:quotas": Rule(
        only({"admin", "dinas_provinsi"}), kwargs=lambda w: {"pk": w.grant_programme.pk}
    ),
    # the Muna officer gets the page with Muna's candidates only
    "programmes:candidates": Rule(
        only({"admin", "dinas_provinsi", "dinas_kabkota", "dinas_kabkota_muna", "pendamping"}),
        kwargs=lambda w: {"pk": w.grant_programme.pk},
    ),
    # the Kendari UMKM already applied: refused ("sudah terdaftar") with a message, back to the
    # candidates (302); the Muna officer does not see the entity (404)
    "programmes:nominate": Rule(
        only({"admin", "dinas_provinsi", "dinas_kabkota", "pendamping"}, ok=302, dinas_kabkota_muna=404),
        method="post",
        kwargs=lambda w: {"pk": w.grant_programme.pk, "entity_pk": w.kendari_umkm.pk},
    ),
    # --- programme pages (end) ---
    # --- application pages (begin) ---
    # The Kendari application (grant_programme, stage "verified") belongs to the pelaku_usaha
    # persona's UMKM, assigned to the pendamping; the Muna officer gets 404 for it. The queue is
    # the office's (programmes.view), the portal the owner's (programmes.apply); the application
    # page opens to both. POSTs send no usable data and write nothing: a step that does not apply
    # to a verified application ("verify" again), an upload without a file, a bulk step without
    # a selection, a payment on an application not yet approved — each a message, back (302).
    "programmes:queue": Rule(
        only({"admin", "dinas_provinsi", "dinas_kabkota", "dinas_kabkota_muna", "pendamping", "pimpinan"})
    ),
    "programmes:application": Rule(
        expect(200, anonymous=302, konsultan=403, mitra=403, dinas_kabkota_muna=404),
        kwargs=lambda w: {"pk": w.kendari_application.pk},
    ),
    # any step permission (verify, approve, disburse, report_use, withdraw): office roles, owner
    "programmes:step": Rule(
        expect(
            403,
            anonymous=302,
            admin=302,
            dinas_provinsi=302,
            dinas_kabkota=302,
            pelaku_usaha=302,
            dinas_kabkota_muna=404,
        ),
        method="post",
        kwargs=lambda w: {"pk": w.kendari_application.pk, "action": "verify"},
    ),
    # programmes.nominate or programmes.apply: office roles, the assigned pendamping, the owner
    "programmes:application_document": Rule(
        expect(
            403,
            anonymous=302,
            admin=302,
            dinas_provinsi=302,
            dinas_kabkota=302,
            pendamping=302,
            pelaku_usaha=302,
            dinas_kabkota_muna=404,
        ),
        method="post",
        kwargs=lambda w: {"pk": w.kendari_application.pk},
    ),
    # bulk steps (verify or approve): office roles; a run's page is its starter's alone, so an
    # unknown key is 404 for every one of them
    "programmes:bulk": Rule(only(IMPORTERS, ok=302), method="post"),
    "programmes:bulk_progress": Rule(only(IMPORTERS, ok=404), kwargs=lambda w: {"key": "0" * 32}),
    "programmes:portal": Rule(only({"pelaku_usaha"})),
    # the owner's UMKM already applied: the page says so (200) instead of offering the form
    "programmes:portal_apply": Rule(
        only({"pelaku_usaha"}),
        kwargs=lambda w: {"programme_pk": w.grant_programme.pk, "entity_pk": w.kendari_umkm.pk},
    ),
    # grants: the province pays out (programmes.disburse); the usage report is the owner's or the
    # office's (programmes.report_use); an account number is revealed to personal_data.unmask
    "grants:disburse": Rule(
        only({"admin", "dinas_provinsi"}, ok=302),
        method="post",
        kwargs=lambda w: {"pk": w.kendari_application.pk},
    ),
    "grants:usage_report": Rule(
        expect(
            403,
            anonymous=302,
            admin=200,
            dinas_provinsi=200,
            dinas_kabkota=200,
            pelaku_usaha=200,
            dinas_kabkota_muna=404,
        ),
        kwargs=lambda w: {"pk": w.kendari_application.pk},
    ),
    # a payment row on the Kendari application (only its scope matters here; no account stored,
    # so nothing is revealed, but each reveal is still an audit event)
    "grants:reveal_account": Rule(
        expect(403, anonymous=302, admin=200, dinas_provinsi=200, dinas_kabkota=200, dinas_kabkota_muna=404),
        method="post",
        kwargs=lambda w: {
            "pk": w.kendari_application.disbursements.get_or_create(
                reference="UJI-MATRIKS",
                defaults={
                    "paid_on": w.grant_programme.opens_on,
                    "amount": 1_000_000,
                    "channel": "transfer",
                    "bank_name": "Bank Uji Sultra",
                    "account_masked": "******7890",
                    "account_holder": "Wa Ode Sitti",
                },
            )[0].pk
        },
    ),
    # --- application pages (end) ---
    # --- grant SK (begin) ---
    # programmes.export: admin, dinas_provinsi, pimpinan (province-wide roles: the decree lists
    # every recipient). The world's grant has no approved application yet: an empty decree.
    "grants:sk_pdf": Rule(
        only({"admin", "dinas_provinsi", "pimpinan"}), kwargs=lambda w: {"pk": w.grant_programme.pk}
    ),
    "grants:sk_xlsx": Rule(
        only({"admin", "dinas_provinsi", "pimpinan"}), kwargs=lambda w: {"pk": w.grant_programme.pk}
    ),
    # --- grant SK (end) ---
}

# Django's admin site: only staff (the admin role) get in; everyone else is sent to its log-in.
ADMIN_SITE = only({"admin"}, denied=302, anonymous=302)

# --- API operations, by "METHOD /path" as in the OpenAPI document ----------------------------
API: dict[str, Rule] = {
    "GET /api/v1/regions": Rule(SIGNED_IN_API),
    "GET /api/v1/regions/lookup": Rule(SIGNED_IN_API, data=lambda w: {"q": "Konsel"}),
    "GET /api/v1/regions/{code}": Rule(SIGNED_IN_API, kwargs=lambda w: {"code": "74.71"}),
    # --- accounts (Part 2) ---
    "GET /api/v1/me": Rule(SIGNED_IN_API),
    "GET /api/v1/tokens": Rule(SIGNED_IN_API),
    "POST /api/v1/tokens": Rule(
        expect(201, anonymous=401), method="post", data=lambda w: {"name": "matriks"}
    ),
    # a token is its owner's alone: everyone else, admins included, gets 404
    "DELETE /api/v1/tokens/{token_id}": Rule(
        expect(404, anonymous=401, pelaku_usaha=204),
        method="delete",
        kwargs=lambda w: {"token_id": w.owner_token.pk},
    ),
    # --- registry API (begin) ---
    # Reads need registry.view (not konsultan, mitra); the Kendari records are outside the Muna
    # officer's scope (404), assigned to the pendamping and owned by the pelaku_usaha persona.
    # Writes send an invalid body: a role allowed to write gets 400 and nothing is written.
    "GET /api/v1/entities": Rule(expect(200, anonymous=401, konsultan=403, mitra=403)),
    "GET /api/v1/entities/lookup": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403, dinas_kabkota_muna=404),
        data=lambda w: {"nib": w.kendari_umkm.umkm.nib},
    ),
    "GET /api/v1/entities/{entity_id}": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403, dinas_kabkota_muna=404),
        kwargs=lambda w: {"entity_id": w.kendari_umkm.pk},
    ),
    "PATCH /api/v1/entities/{entity_id}": Rule(
        expect(
            403,
            anonymous=401,
            admin=400,
            dinas_provinsi=400,
            dinas_kabkota=400,
            pelaku_usaha=400,
            dinas_kabkota_muna=404,
        ),
        method="patch",
        kwargs=lambda w: {"entity_id": w.kendari_umkm.pk},
        data=lambda w: {"name": ""},
    ),
    "POST /api/v1/umkm": Rule(
        expect(403, anonymous=401, admin=400, dinas_provinsi=400, dinas_kabkota=400, dinas_kabkota_muna=400),
        method="post",
        data=lambda w: {},
    ),
    "POST /api/v1/koperasi": Rule(
        expect(403, anonymous=401, admin=400, dinas_provinsi=400, dinas_kabkota=400, dinas_kabkota_muna=400),
        method="post",
        data=lambda w: {},
    ),
    "POST /api/v1/persons": Rule(
        expect(403, anonymous=401, admin=400, dinas_provinsi=400, dinas_kabkota=400, dinas_kabkota_muna=400),
        method="post",
        data=lambda w: {},
    ),
    "GET /api/v1/persons/lookup": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403, dinas_kabkota_muna=404),
        data=lambda w: {"nik": w.kendari_owner_nik},
    ),
    "GET /api/v1/persons/{person_id}": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403, dinas_kabkota_muna=404),
        kwargs=lambda w: {"person_id": w.kendari_owner.pk},
    ),
    "PATCH /api/v1/persons/{person_id}": Rule(
        expect(
            403,
            anonymous=401,
            admin=400,
            dinas_provinsi=400,
            dinas_kabkota=400,
            pelaku_usaha=400,
            dinas_kabkota_muna=404,
        ),
        method="patch",
        kwargs=lambda w: {"person_id": w.kendari_owner.pk},
        data=lambda w: {"name": ""},
    ),
    # personal_data.unmask: office roles only, inside their scope
    "GET /api/v1/persons/{person_id}/nik": Rule(
        expect(403, anonymous=401, admin=200, dinas_provinsi=200, dinas_kabkota=200, dinas_kabkota_muna=404),
        kwargs=lambda w: {"person_id": w.kendari_owner.pk},
    ),
    # --- registry API (end) ---
    # --- diagnosis API (begin) ---
    # diagnosis.view: office roles, pendamping, pimpinan, pelaku_usaha (not konsultan, mitra);
    # the Kendari assessment is outside the Muna officer's scope (404). The POST sends answers
    # that are not valid (none): a role allowed to assess gets 400 and nothing is written.
    "GET /api/v1/instruments": Rule(expect(200, anonymous=401, konsultan=403, mitra=403)),
    "GET /api/v1/instruments/{code}": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403), kwargs=lambda w: {"code": "kerentanan"}
    ),
    "GET /api/v1/assessments": Rule(expect(200, anonymous=401, konsultan=403, mitra=403)),
    "GET /api/v1/assessments/{assessment_id}": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403, dinas_kabkota_muna=404),
        kwargs=lambda w: {"assessment_id": w.kendari_assessment.pk},
    ),
    # diagnosis.assess: office roles and pendamping (the Kendari UMKM is assigned to them)
    "POST /api/v1/assessments": Rule(
        expect(
            403,
            anonymous=401,
            admin=400,
            dinas_provinsi=400,
            dinas_kabkota=400,
            pendamping=400,
            dinas_kabkota_muna=404,
        ),
        method="post",
        data=lambda w: {"entity_id": w.kendari_umkm.pk, "instrument": "kerentanan", "answers": {}},
    ),
    "GET /api/v1/entities/{entity_id}/recommendations": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403, dinas_kabkota_muna=404),
        kwargs=lambda w: {"entity_id": w.kendari_umkm.pk},
    ),
    # diagnosis.worklist: office roles, pendamping, pimpinan (each sees their own scope's list)
    "GET /api/v1/diagnosis/worklist": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403, pelaku_usaha=403)
    ),
    # --- diagnosis API (end) ---
    # --- programmes API (begin) ---
    # programmes.view: office roles, pendamping, pimpinan; a pelaku usaha sees the open programmes
    # (grant_programme is open). Applications, disbursements and the ledger: programmes.view or the
    # owner (programmes.apply), scoped: the Kendari application is outside the Muna officer's scope
    # (404). Writes send an invalid body: a role allowed to write gets 400 and nothing is written.
    "GET /api/v1/programmes": Rule(expect(200, anonymous=401, konsultan=403, mitra=403)),
    "GET /api/v1/programmes/{programme_id}": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403),
        kwargs=lambda w: {"programme_id": w.grant_programme.pk},
    ),
    # programmes.manage: admin and dinas_provinsi
    "POST /api/v1/programmes": Rule(
        expect(403, anonymous=401, admin=400, dinas_provinsi=400), method="post", data=lambda w: {}
    ),
    "PATCH /api/v1/programmes/{programme_id}": Rule(
        expect(403, anonymous=401, admin=400, dinas_provinsi=400),
        method="patch",
        kwargs=lambda w: {"programme_id": w.grant_programme.pk},
        data=lambda w: {"name": ""},
    ),
    "POST /api/v1/programmes/{programme_id}/status": Rule(
        expect(403, anonymous=401, admin=400, dinas_provinsi=400),
        method="post",
        kwargs=lambda w: {"programme_id": w.grant_programme.pk},
        data=lambda w: {"status": "bukan-status"},
    ),
    "PUT /api/v1/programmes/{programme_id}/quotas/{kabkota}": Rule(
        expect(403, anonymous=401, admin=400, dinas_provinsi=400),
        method="put",
        kwargs=lambda w: {"programme_id": w.grant_programme.pk, "kabkota": "74.71"},
        data=lambda w: {"quota": -1},
    ),
    # programmes.nominate: office roles and pendamping (each sees the candidates in their scope)
    "GET /api/v1/programmes/{programme_id}/candidates": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403, pelaku_usaha=403, pimpinan=403),
        kwargs=lambda w: {"programme_id": w.grant_programme.pk},
    ),
    "GET /api/v1/applications": Rule(expect(200, anonymous=401, konsultan=403, mitra=403)),
    # nominate (office, pendamping) or apply (the owner); amount 0 is refused before anything is written
    "POST /api/v1/applications": Rule(
        expect(400, anonymous=401, konsultan=403, mitra=403, pimpinan=403, dinas_kabkota_muna=404),
        method="post",
        data=lambda w: {
            "programme_id": w.grant_programme.pk,
            "entity_id": w.kendari_umkm.pk,
            "amount_requested": 0,
        },
    ),
    "GET /api/v1/applications/{application_id}": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403, dinas_kabkota_muna=404),
        kwargs=lambda w: {"application_id": w.kendari_application.pk},
    ),
    # rejecting a verified application is the province's (programmes.approve); without a note: 400
    "POST /api/v1/applications/{application_id}/steps/{action}": Rule(
        expect(403, anonymous=401, admin=400, dinas_provinsi=400, dinas_kabkota_muna=404),
        method="post",
        kwargs=lambda w: {"application_id": w.kendari_application.pk, "action": "reject"},
    ),
    # verifying is the district's (programmes.verify: admin, dinas_kabkota); no ids: 400
    "POST /api/v1/applications/bulk-steps": Rule(
        expect(403, anonymous=401, admin=400, dinas_kabkota=400, dinas_kabkota_muna=400),
        method="post",
        data=lambda w: {"ids": [], "action": "verify"},
    ),
    # programmes.disburse: admin and dinas_provinsi; an empty body: 400
    "POST /api/v1/applications/{application_id}/disbursements": Rule(
        expect(403, anonymous=401, admin=400, dinas_provinsi=400),
        method="post",
        kwargs=lambda w: {"application_id": w.kendari_application.pk},
    ),
    "GET /api/v1/applications/{application_id}/disbursements": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403, dinas_kabkota_muna=404),
        kwargs=lambda w: {"application_id": w.kendari_application.pk},
    ),
    # programmes.report_use: office roles and the owner; an empty body: 400
    "POST /api/v1/applications/{application_id}/usage-report": Rule(
        expect(
            403,
            anonymous=401,
            admin=400,
            dinas_provinsi=400,
            dinas_kabkota=400,
            pelaku_usaha=400,
            dinas_kabkota_muna=404,
        ),
        method="post",
        kwargs=lambda w: {"application_id": w.kendari_application.pk},
    ),
    "GET /api/v1/interventions": Rule(expect(200, anonymous=401, konsultan=403, mitra=403)),
    # reach figures are the office's and the leadership's (programmes.view)
    "GET /api/v1/interventions/reach": Rule(
        expect(200, anonymous=401, konsultan=403, mitra=403, pelaku_usaha=403)
    ),
    # --- programmes API (end) ---
}
